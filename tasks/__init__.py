"""Prefect tasks: small units of work, each doing one step. None retries: delivery retries live in
the outbox, where a crash cannot lose them (a task's retry sleeps in the worker and dies with it)."""
