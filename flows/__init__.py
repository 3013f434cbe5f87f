"""Prefect flows (thin: they orchestrate tasks), their deployments, and the `dondoc` CLI."""
