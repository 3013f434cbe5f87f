"""bench/results.json: every figure a benchmark measured, with its unit, its target and whether it
met it, and the machine it ran on; and the one table `make bench` and `make bench-scale` print.

Each command replaces its own suite in the file and keeps the other's, so the file holds the last
run of both. docs/PERFORMANCE.md is written from it (`python -m tools.bench.results --markdown`).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results.json"
PERFORMANCE = ROOT / "docs" / "PERFORMANCE.md"
# docs/PERFORMANCE.md's tables, between these lines, are rewritten from the results file.
BEGIN, END = "<!-- results: written by tools/bench/results.py -->", "<!-- /results -->"


@dataclass(frozen=True)
class Figure:
    section: str  # what was measured: "sweep (national)", "portal", ...
    name: str
    value: float
    unit: str  # s, ms, h, MB, x (a ratio), count, messages/s
    target: str | None = None  # as the issue states it: "<= 2x bare SQL"
    passed: bool | None = None  # None: no target
    check: bool = False  # a correctness check (each message once), not a speed target: it always counts

    @property
    def shown(self) -> str:
        if self.unit == "count":
            return f"{self.value:,.0f}"
        if self.unit == "x":
            return f"{self.value:.2f}x"
        digits = 3 if self.unit == "s" and self.value < 10 else 1 if self.unit in ("s", "ms", "h", "MB") else 0
        return f"{self.value:,.{digits}f} {self.unit}"


def at_most(section: str, name: str, value: float, unit: str, limit: float, what: str = "") -> Figure:
    """A figure with an upper bound (`what` names it: "bare SQL", "500 MB")."""
    shown = f"{limit:g}x {what}".strip() if unit == "x" else f"{limit:g} {unit}"
    return Figure(section, name, value, unit, f"<= {shown}", value <= limit)


def at_least(section: str, name: str, value: float, unit: str, limit: float, what: str = "") -> Figure:
    shown = f"{limit:g}x {what}".strip() if unit == "x" else f"{limit:g} {unit}"
    return Figure(section, name, value, unit, f">= {shown}", value >= limit)


def machine() -> dict:
    memory = next(
        (
            int(line.split()[1]) / 1024 / 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        ),
        None,
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    try:
        postgres = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        postgres = None
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(memory, 1) if memory else None,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "postgresql_client": postgres,
        "ci": os.environ.get("CI", "") not in ("", "0", "false"),
    }


def write(suite: str, figures: list[Figure], context: dict, path: Path = RESULTS) -> None:
    """Replace `suite`'s figures in the results file, keeping the other suites'."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[suite] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        **context,
        "figures": [asdict(f) for f in figures],
        "passed": all(f.passed is not False for f in figures),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def table(title: str, figures: list[Figure]) -> Table:
    out = Table("section", "figure", "value", "target", "", title=title)
    for f in figures:
        verdict = "" if f.passed is None else "[green]pass[/green]" if f.passed else "[red]FAIL[/red]"
        out.add_row(f.section, f.name, f.shown, f.target or "", verdict)
    return out


def report(suite: str, title: str, figures: list[Figure], context: dict, *, advisory: bool = False) -> bool:
    """Write the figures and print them as one table; True if every target was met (`advisory`:
    if every correctness check passed, the speed targets only reported)."""
    write(suite, figures, context)
    update_document()
    Console().print(table(title, figures))
    failed = [f for f in figures if f.passed is False]
    for f in failed:
        print(f"target missed: {f.section}: {f.name} = {f.shown} (target {f.target})")
    print(f"written: {RESULTS.relative_to(ROOT)}, {PERFORMANCE.relative_to(ROOT)}")
    return not [f for f in failed if f.check or not advisory]


def markdown(path: Path = RESULTS) -> str:
    """The last run of each suite as markdown tables, for docs/PERFORMANCE.md."""
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for suite, run in data.items():
        m = run["machine"]
        out += [
            f"### `make {suite}`" + (f" ({run['size']})" if "size" in run else ""),
            "",
            f"Run {run['at']} on {m['cpus']} cores ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}"
            + (", in CI" if m.get("ci") else "")
            + f". Every target met: {'yes' if run['passed'] else 'NO'}."
            + (f" {run['note']}" if run.get("note") else ""),
            "",
            "| section | figure | value | target | |",
            "|---|---|---:|---|---|",
        ]
        for f in (Figure(**f) for f in run["figures"]):
            verdict = "" if f.passed is None else "pass" if f.passed else "**FAIL**"
            out.append(f"| {f.section} | {f.name} | {f.shown} | {f.target or ''} | {verdict} |")
        out.append("")
    return "\n".join(out)


def update_document(path: Path = PERFORMANCE) -> None:
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    path.write_text(f"{head}{BEGIN}\n\n{markdown()}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    update_document()
