"""The Apprise layer: channels, Jinja2 templates, rendering, delivery results."""
