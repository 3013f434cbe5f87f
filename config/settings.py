"""Runtime settings, read from the environment (prefix ``DONDOC_``) or a ``.env`` file."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from config import CONFIG_DIR


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

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone
        return value

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
