"""A backup of an install, and its restore into an empty one: the database, then the files its
rows refer to (the evidence submitted, the reports drafted) and the key that signs the links.

The database comes first: its copy refers only to files written before it (a file is written
before the row that names it), all of which the copy of the folders then finds. SQLite is copied
with its online backup API (a consistent snapshot while the portal writes); PostgreSQL with
`pg_dump --format=custom` and restored with `pg_restore`, PostgreSQL's own tools. A backup
restores into a database of the same kind.

Nothing is written before every check has passed: a restore refuses a database that has tables
and a folder that has files. The backup's key replaces the one a new install made itself on first
use: its database being empty, no link was signed with it, and the links already sent open again.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import inspect, make_url, text
from sqlalchemy.engine import URL

from config.settings import SECRET_FILE, Settings
from models.db import get_engine
from models.errors import Refused

FOLDERS = ("evidence", "reports")  # under DONDOC_HOME: what the database's rows refer to
MANIFEST = "manifest.json"
DUMPS = {"sqlite": "dondoc.sqlite3", "postgresql": "dondoc.pgdump"}


@dataclass(frozen=True)
class Manifest:
    made_at: str
    database: str  # sqlite, postgresql
    revision: str | None  # the schema's Alembic revision
    rows: dict[str, int]  # per table
    files: int  # under FOLDERS
    key: bool  # the link-signing key is in the backup

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        try:
            return cls(**json.loads((folder / MANIFEST).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            raise Refused(f"{folder} không phải bản sao lưu của dondoc ({MANIFEST}: {exc})") from None


def backup(settings: Settings, folder: Path, *, now: datetime) -> Manifest:
    """Back the install up into `folder` (new, or empty)."""
    if folder.exists() and any(folder.iterdir()):
        raise Refused(f"thư mục {folder} đã có tệp: xin chọn một thư mục mới")
    url = make_url(settings.db_url)
    kind = url.get_backend_name()
    if kind not in DUMPS:
        raise Refused(f"không sao lưu được cơ sở dữ liệu loại {kind}")
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        _sqlite_copy(Path(url.database or ""), folder / DUMPS[kind])
    else:
        _run_pg("pg_dump", url, "--format=custom", "--no-owner", "--no-privileges", "--file", str(folder / DUMPS[kind]))
    files = 0
    for name in FOLDERS:
        if (settings.home / name).is_dir():
            shutil.copytree(settings.home / name, folder / name)
            files += sum(1 for p in (folder / name).rglob("*") if p.is_file())
    key = settings.home / SECRET_FILE
    if key.is_file():
        shutil.copy2(key, folder / SECRET_FILE)
        (folder / SECRET_FILE).chmod(0o600)
    manifest = Manifest(now.isoformat(), kind, _revision(settings.db_url), _rows(settings.db_url), files, key.is_file())
    (folder / MANIFEST).write_text(json.dumps(manifest.__dict__, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def restore(settings: Settings, folder: Path) -> Manifest:
    """Restore the backup in `folder` into this install's database, which must be empty, and its
    home's folders, which must have no files."""
    manifest = Manifest.read(folder)
    url = make_url(settings.db_url)
    kind = url.get_backend_name()
    if kind != manifest.database:
        raise Refused(f"bản sao lưu của cơ sở dữ liệu {manifest.database} không khôi phục được vào {kind}")
    if tables := inspect(get_engine(settings.db_url)).get_table_names():
        raise Refused(f"cơ sở dữ liệu đích đã có {len(tables)} bảng: chỉ khôi phục vào cơ sở dữ liệu trống")
    for name in FOLDERS:
        if (folder / name).is_dir() and (settings.home / name).exists() and any((settings.home / name).iterdir()):
            raise Refused(f"thư mục {settings.home / name} đã có tệp: chỉ khôi phục vào thư mục trống")
    if kind == "sqlite":
        get_engine(settings.db_url).dispose()  # no pooled connection to the file being replaced
        _sqlite_copy(folder / DUMPS[kind], Path(url.database or ""))
    else:
        _run_pg("pg_restore", url, "--no-owner", "--no-privileges", "--single-transaction", str(folder / DUMPS[kind]))
    for name in FOLDERS:
        if (folder / name).is_dir():
            shutil.copytree(folder / name, settings.home / name, dirs_exist_ok=True)
    if (folder / SECRET_FILE).is_file():
        settings.home.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / SECRET_FILE, settings.home / SECRET_FILE)
        (settings.home / SECRET_FILE).chmod(0o600)
    return manifest


def _sqlite_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _run_pg(tool: str, url: URL, *args: str) -> None:
    """PostgreSQL's own tool on the database at `url`; its password, if any, through the
    environment (a command line is visible to every user of the machine)."""
    env = os.environ | ({"PGPASSWORD": url.password} if url.password else {})
    target = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    where = ["--dbname", target] if tool == "pg_restore" else [target]
    try:
        subprocess.run([tool, *args, *where], env=env, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise Refused(f"không tìm thấy {tool} (gói postgresql-client)") from None
    except subprocess.CalledProcessError as exc:
        raise Refused(f"{tool} không thành công: {exc.stderr.strip()[-500:]}") from None


def _revision(db_url: str) -> str | None:
    with get_engine(db_url).connect() as c:
        if "alembic_version" not in inspect(c).get_table_names():
            return None
        return c.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _rows(db_url: str) -> dict[str, int]:
    with get_engine(db_url).connect() as c:
        return {t: c.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in inspect(c).get_table_names()}
