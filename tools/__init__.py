"""Developer tools that are not tests: `make bench` (tools/bench) and `make docs` (tools/docs.py).
They reuse the tests' real servers (tests/servers.py) and replay scenario (tests/scenario.py)."""
