"""Runtime settings, read from the environment (prefix ``DONDOC_``) or a ``.env`` file."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from config import CONFIG_DIR

# Good enough on a developer's machine only: production mode refuses to start with it.
DEVELOPMENT_SECRET = "dondoc-development-secret-not-for-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DONDOC_", env_file=".env", extra="ignore")

    home: Path = Field(Path("var"), description="Holds the SQLite file, evidence and the local outbox.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; defaults to SQLite under DONDOC_HOME. PostgreSQL works."
    )
    timezone: str = "Asia/Ho_Chi_Minh"
    catalog_dir: Path = CONFIG_DIR / "plans"
    calendar_file: Path = CONFIG_DIR / "calendar.yaml"
    policy_file: Path = CONFIG_DIR / "policy.yaml"
    # Apprise URL templates; {email} / {phone} is replaced by the recipient. Unset: the local outbox.
    # Secret because they usually carry a password; they come from the environment, never the repo.
    email_url: SecretStr | None = None
    sms_url: SecretStr | None = None
    templates_dir: Path | None = Field(None, description="Templates here override the built-in ones.")
    # The portal (signed links for focal points, the review pages for coordinators).
    mode: Literal["development", "production"] = "development"
    secret_key: SecretStr = Field(DEVELOPMENT_SECRET, description="Signs links and sessions. Required in production.")
    portal_url: str | None = Field(None, description="Public base URL of the portal; reminders carry links to it.")
    link_days: int = Field(30, ge=1, le=365, description="How long a link in an email stays valid.")
    max_file_mb: int = Field(20, ge=1, le=1024, description="Largest evidence file accepted.")
    max_files: int = Field(10, ge=1, le=100, description="Most files in one submission.")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone
        return value

    @model_validator(mode="after")
    def _real_secret_in_production(self) -> Settings:
        secret = self.secret_key.get_secret_value()
        if self.mode == "production" and (secret == DEVELOPMENT_SECRET or len(secret) < 32):
            raise ValueError("DONDOC_SECRET_KEY must be set to a random value of 32 characters or more in "
                             "production (python -c 'import secrets; print(secrets.token_urlsafe(48))')")
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


@lru_cache
def get_settings() -> Settings:
    return Settings()
