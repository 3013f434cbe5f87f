"""The `dondoc` command, invoked in-process by the tests."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cli import app
from config import CONFIG_DIR

runner = CliRunner()


def cli(*args: str, code: int = 0, input: str | None = None) -> str:
    """What the command printed (stdout and stderr); it must exit with `code`."""
    result = runner.invoke(app, list(args), input=input)
    assert result.exit_code == code, result.output
    return result.output


def cli_json(*args: str) -> list[dict]:
    """A `--json` command's rows (stdout only)."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def status_rows(as_of: str, body: str | None = None) -> list[dict]:
    """`dondoc status --json` at `as_of`, for one body or all."""
    return cli_json("status", "--json", "--as-of", as_of, *(["--body", body] if body else []))


# The tests replay the plan's whole life: dondoc follows it up from its start (`init` would
# otherwise follow it from today, and tell nothing of what fell due before).
PLAN_START = "2021-11-12"


def init(code: int = 0) -> str:
    """`dondoc init`, following the plans up from the plan's start."""
    return cli("init", "--notify-since", PLAN_START, code=code)


def load_example(until: str) -> None:
    """`dondoc init`, the fictitious example directory, and the assignments begun by `until`."""
    init()
    cli("directory", "import", str(CONFIG_DIR / "directory.example.csv"))
    cli("schedule", "--until", until)
