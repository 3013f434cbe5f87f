"""prefect.yaml describes the same deployments as flows/deployments.py (the body checks aside,
and report-draft's schedule, both made from the database), so `prefect deploy --all` and `dondoc
deploy` agree."""

from __future__ import annotations

from pathlib import Path

import yaml

from flows.deployments import specs
from tests.conftest import SQLITE_ONLY

ROOT = Path(__file__).resolve().parents[1]
pytestmark = SQLITE_ONLY


def test_prefect_yaml_matches_the_code(loaded, env):
    from config.settings import get_settings

    described = {
        d["name"]: d for d in yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
    }
    coded = {s.name: s for s in specs(get_settings()) if not s.name.startswith("body-")}
    assert set(described) == set(coded)
    for name, spec in coded.items():
        d = described[name]
        assert d["entrypoint"] == spec.entrypoint and (ROOT / spec.entrypoint.split(":")[0]).exists()
        assert d["tags"] == spec.options.get("tags", []) and d.get("parameters") == spec.options.get("parameters")
        assert d["work_pool"]["name"] == "dondoc"
        if name == "report-draft":  # its days come from the plans loaded: none in the file
            assert "schedules" not in d
            continue
        schedules = [(c.cron, c.timezone, c.slug) for c in spec.options.get("schedules", [])]
        assert [(s["cron"], s["timezone"], s["slug"]) for s in d.get("schedules", [])] == schedules
    assert all(
        s.slug and s.timezone == "Asia/Ho_Chi_Minh"
        for spec in specs(get_settings())
        for s in spec.options.get("schedules", [])
    )
