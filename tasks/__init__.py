"""Prefect tasks: small units of work, each doing one step with its retry policy."""
