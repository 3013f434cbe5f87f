"""A backup taken with the documented command (`dondoc backup DIR`, docs/OPERATIONS.md) restores
into an empty database and home (`dondoc restore DIR`): `dondoc status --json` is identical, the
evidence files and the link-signing key come back, every table has its rows; a restore into a
database that has data is refused with nothing written. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import inspect, text

from config.settings import get_settings
from models.db import get_engine
from tests.cli import cli, cli_json, load_example, status_rows

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
AS_OF = "2025-06-20T09:00"


@pytest.fixture
def empty_database(db_url, tmp_path, request):
    """Another empty database of the same kind as `db_url`, for the restore."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'dondoc.sqlite3'}"
        return
    admin = get_engine(request.getfixturevalue("postgres_admin")).execution_options(isolation_level="AUTOCOMMIT")
    name = f"dondoc_restore_{uuid.uuid4().hex[:12]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = db_url.rsplit("/", 1)[0] + f"/{name}"
    yield url
    get_engine(url).dispose()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _rows(url: str) -> dict[str, int]:
    with get_engine(url).connect() as c:
        return {t: c.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in inspect(c).get_table_names()}


def test_a_backup_restores_into_an_empty_database_with_the_same_status(env, empty_database, tmp_path, monkeypatch):
    load_example("2025-06-30")
    # Some history: a confirmation with a file, accepted; another returned; a sweep's outbox.
    first, second = (r["id"] for r in status_rows("2025-06-10", "so-yte")[:2])
    evidence = tmp_path / "bao-cao.pdf"
    evidence.write_bytes(PDF)
    cli("confirm", str(first), "--file", str(evidence), "--reference", "12/BC-SYT", "--as-of", "2025-06-10T09:00")
    cli("review", str(first), "--accept", "--as-of", "2025-06-11T09:00")
    cli("confirm", str(second), "--reference", "13/BC-SYT", "--as-of", "2025-06-10T09:00")
    cli("review", str(second), "--return", "Thiếu số liệu", "--as-of", "2025-06-11T09:00")
    cli("sweep", "--as-of", "2025-06-16T08:00")
    settings = get_settings()
    before, rows, key = cli_json("status", "--json", "--as-of", AS_OF), _rows(env), settings.secret_key
    files = {
        p.relative_to(settings.home): p.read_bytes() for p in (settings.home / "evidence").rglob("*") if p.is_file()
    }
    assert files and PDF in files.values()

    folder = tmp_path / "sao-luu"
    cli("backup", str(folder))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rows"] == rows and manifest["files"] == len(files) and manifest["key"]

    # Another install, empty: its own home and database.
    monkeypatch.setenv("DONDOC_HOME", str(tmp_path / "home2"))
    monkeypatch.setenv("DONDOC_DATABASE_URL", empty_database)
    get_settings.cache_clear()
    cli("restore", str(folder))
    get_settings.cache_clear()  # as a new process reads it: the restored key
    restored = get_settings()
    assert cli_json("status", "--json", "--as-of", AS_OF) == before
    assert _rows(empty_database) == rows
    assert {
        p.relative_to(restored.home): p.read_bytes() for p in (restored.home / "evidence").rglob("*") if p.is_file()
    } == files
    assert restored.secret_key.get_secret_value() == key.get_secret_value()  # the links sent still open

    # Again into the same database, now full: refused, nothing written.
    (restored.home / "evidence").rename(restored.home / "evidence-moved")  # only the database stops it
    refused = cli("restore", str(folder), code=1)
    assert "đã có" in refused and "Không ghi gì" in refused
    assert _rows(empty_database) == rows and not (restored.home / "evidence").exists()


def test_a_backup_goes_into_a_new_folder_only(env, tmp_path):
    load_example("2025-01-31")
    folder = tmp_path / "full"
    folder.mkdir()
    (folder / "old.txt").write_text("x")
    assert "đã có tệp" in cli("backup", str(folder), code=1)
    assert sorted(p.name for p in folder.iterdir()) == ["old.txt"]
    assert "không phải bản sao lưu" in cli("restore", str(folder), code=1)
