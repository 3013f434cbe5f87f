"""Runtime settings, read from the environment (prefix ``DONDOC_``) or a ``.env`` file."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from config import CONFIG_DIR

MIN_SECRET = 32  # characters: shorter keys are refused in production and warned about elsewhere
SECRET_FILE = "secret.key"  # under DONDOC_HOME: the key of an install not given one


class Settings(BaseSettings):
    # hide_input_in_errors: a refused value (a secret key, a URL with a password) must not be
    # echoed by the error that refuses it, into a terminal or a service manager's log.
    model_config = SettingsConfigDict(env_prefix="DONDOC_", env_file=".env", extra="ignore", hide_input_in_errors=True)

    home: Path = Field(Path("var"), description="Holds the SQLite file, evidence and the local outbox.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; defaults to SQLite under DONDOC_HOME. PostgreSQL works."
    )
    timezone: str = "Asia/Ho_Chi_Minh"
    catalog_dir: Path = CONFIG_DIR / "plans"
    calendar_file: Path = CONFIG_DIR / "calendar.yaml"
    organisation_file: Path | None = Field(
        CONFIG_DIR / "organisation" / "lai-chau.yaml",
        description="The organisation history (bodies' active dates, successions), applied with the catalogs. "
        "Empty: none.",
    )
    policy_file: Path = CONFIG_DIR / "policy.yaml"
    # Apprise URL templates; {email} / {phone} is replaced by the recipient. Unset: the local outbox.
    # Secret because they usually carry a password; they come from the environment, never the repo.
    email_url: SecretStr | None = None
    sms_url: SecretStr | None = None
    templates_dir: Path | None = Field(None, description="Templates here override the built-in ones.")
    # The portal (signed links for focal points, the review pages for coordinators).
    mode: Literal["development", "production"] = "development"
    secret_key: SecretStr | None = Field(
        None,
        description=f"Signs links and sessions. Unset: a random key kept in DONDOC_HOME/{SECRET_FILE}. "
        "Required in production.",
    )
    portal_url: str | None = Field(None, description="Public base URL of the portal; reminders carry links to it.")
    link_days: int = Field(30, ge=1, le=365, description="How long a link in an email stays valid.")
    max_file_mb: int = Field(20, ge=1, le=1024, description="Largest evidence file accepted.")
    max_files: int = Field(10, ge=1, le=100, description="Most files in one submission.")
    # Dates users type (an extension, a document's date) stay within the plan's period widened by
    # this: a report on the last period comes after its end, a document may precede its issue.
    date_margin_days: int = Field(366, ge=0, le=3660, description="Days around a plan's period a typed date may fall.")
    report_abbr: str | None = Field(
        None,
        description="The coordinating body's abbreviation in a report's number (Số: .../BC-SYT). "
        "Unset: the initials of its name.",
    )

    @field_validator("organisation_file", mode="before")
    @classmethod
    def _none_if_empty(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone
        return value

    @model_validator(mode="after")
    def _secret(self) -> Settings:
        """Production needs a strong key from the environment (several machines sign and check the
        same links); elsewhere an install without one makes its own, so that no two share a key."""
        secret = self.secret_key.get_secret_value() if self.secret_key else None
        if self.mode == "production" and (secret is None or len(secret) < MIN_SECRET):
            raise ValueError(
                f"DONDOC_SECRET_KEY must be set to a random value of {MIN_SECRET} characters or "
                "more in production (python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if secret is None:
            self.secret_key = SecretStr(home_secret(self.home))
        return self

    @property
    def evidence_dir(self) -> Path:
        return self.home / "evidence"

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024

    @property
    def outbox_dir(self) -> Path:
        return self.home / "outbox"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'dondoc.sqlite3').resolve()}"


def home_secret(home: Path) -> str:
    """The key kept in `home`, made on first use: random, readable by its owner only, stable across
    runs. It is written whole to a private temporary file, then linked into place; the link fails
    if another process got there first, so two processes starting at once end up with one key."""
    path = home / SECRET_FILE
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        draft = home / f".{SECRET_FILE}.{secrets.token_hex(8)}"
        try:
            with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
                f.write(secrets.token_urlsafe(48) + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.link(draft, path)
        except FileExistsError:
            pass  # another process's key is in place: use it
        finally:
            draft.unlink(missing_ok=True)
    key = path.read_text(encoding="utf-8").strip()
    if not key:
        raise ValueError(f"{path} is empty: remove it and a new key is made (links already sent stop working)")
    return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
