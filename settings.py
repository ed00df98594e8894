"""Application settings, read once from the environment (and a local ``.env``); nothing else reads os.environ.

Every setting has a safe local default, so ``streamlit run app.py`` needs no configuration: the database is a
SQLite file under ``var/`` that fills itself with the synthetic demo data on first run. A hosted deployment sets
``DATABASE_URL`` to a PostgreSQL URL (``postgresql+psycopg://user@host:5432/db``). A bad value stops start-up
with a message that names the variable and how to fix it.

``APP_MODE=hosted`` requires sign-in (``st.login``, OpenID Connect, configured in ``.streamlit/secrets.toml``) and
gives everyone signed in the viewer role, except analysts: emails in ``ANALYST_EMAILS``, or users whose identity
claim ``ANALYST_CLAIM`` is (or contains) ``ANALYST_CLAIM_VALUE``. With neither set, nobody can import data.
See docs/deploy.md.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

REPO_ROOT = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = REPO_ROOT / "var"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message names the environment variable and the fix."""


class Settings(BaseSettings):
    """Settings from environment variables (case-insensitive) or a ``.env`` file in the working directory."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default="",
        repr=False,  # may hold a password: never in logs or tracebacks
        description="SQLAlchemy URL. Empty means sqlite:///<DATA_DIR>/benefits.sqlite (the local default).",
    )
    database_read_url: str = Field(
        default="",
        repr=False,
        description="Optional URL of a read-only database role for page reads (hosted); empty = DATABASE_URL.",
    )
    db_pool_size: int = Field(default=5, ge=1, le=100, description="PostgreSQL: connections kept open per engine.")
    db_max_overflow: int = Field(
        default=10, ge=0, le=200, description="PostgreSQL: extra connections allowed above DB_POOL_SIZE at peaks."
    )
    db_pool_timeout: float = Field(
        default=30, gt=0, le=600, description="PostgreSQL: seconds to wait for a free connection before failing."
    )
    db_pool_recycle: int = Field(
        default=1800, ge=-1, description="PostgreSQL: seconds after which a pooled connection is replaced (-1 never)."
    )
    data_dir: Path = Field(default=DEFAULT_DATA_DIR, description="Folder for the local SQLite database.")
    demo_on_empty: bool = Field(
        default=True, description="Load the synthetic demo dataset when the database has no data."
    )
    demo_scale: str = Field(default="ncl", description="Scale of the demo dataset: 'ncl' or 'england'.")
    system_code: str = Field(default="QMJ", description="ODS code of the system the dashboard shows (NCL: QMJ).")
    small_number_max: int = Field(
        default=7, ge=0, le=100, description="Counts from 1 to this are suppressed in exports, tables and tooltips."
    )
    status_tolerance: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="A KPI behind plan by at most this share of the plan value is 'at risk', beyond it 'off track'.",
    )

    app_mode: Literal["local", "hosted"] = Field(
        default="local",
        description="'local': no sign-in, everyone may import. 'hosted': sign-in required, roles apply.",
    )
    analyst_emails: str = Field(
        default="",
        description="Hosted mode: comma-separated emails (any case) of users with the analyst role.",
    )
    analyst_claim: str = Field(
        default="", description="Hosted mode: identity-token claim that marks analysts, e.g. 'roles'."
    )
    analyst_claim_value: str = Field(
        default="",
        validate_default=True,
        description="Hosted mode: value ANALYST_CLAIM must equal (or, for a list claim, contain).",
    )
    session_max_age_minutes: float = Field(
        default=480,
        gt=0,
        le=43200,
        description="Hosted mode: minutes after sign-in (the identity token's iat) when a user must sign in again.",
    )
    cache_check_seconds: float = Field(
        default=30,
        ge=0,
        le=3600,
        description="How often (seconds) an instance checks the import log for data loaded by another instance.",
    )
    auth_provider: str = Field(
        default="", description="Name of the [auth.<name>] section of secrets.toml to sign in with; empty = [auth]."
    )

    @field_validator("analyst_emails")
    @classmethod
    def _email_list(cls, value: str) -> str:
        bad = [item for item in (part.strip() for part in value.split(",")) if item and "@" not in item]
        if bad:
            raise ValueError(f"not an email address: {', '.join(map(repr, bad))}; use a comma-separated list")
        return value

    @field_validator("analyst_claim", "auth_provider")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()

    @field_validator("analyst_claim_value")
    @classmethod
    def _claim_pair(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        claim = info.data.get("analyst_claim", "")
        if claim and not value:
            raise ValueError(f"ANALYST_CLAIM is {claim!r} but ANALYST_CLAIM_VALUE is empty; set both or neither")
        if value and not claim:
            raise ValueError("ANALYST_CLAIM_VALUE is set but ANALYST_CLAIM is empty; set both or neither")
        return value

    @field_validator("demo_scale")
    @classmethod
    def _known_scale(cls, value: str) -> str:
        if value not in ("ncl", "england"):
            raise ValueError("must be 'ncl' or 'england'")
        return value

    @field_validator("database_url", "database_read_url")
    @classmethod
    def _parseable_url(cls, value: str) -> str:
        if not value:
            return value
        if value.startswith("postgres://"):  # the Heroku-style alias SQLAlchemy does not accept
            value = "postgresql://" + value.removeprefix("postgres://")
        if value.startswith("postgresql://"):  # plain URL: use the installed driver (psycopg 3)
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL ({exc})") from exc
        if url.get_backend_name() not in SUPPORTED_BACKENDS:
            raise ValueError(f"backend {url.get_backend_name()!r} is not supported; use sqlite or postgresql")
        return value

    @property
    def resolved_database_url(self) -> str:
        """The URL to connect to: the configured one, or the local SQLite file."""
        return self.database_url or f"sqlite:///{self.data_dir / 'benefits.sqlite'}"

    @property
    def resolved_read_url(self) -> str:
        """The URL page reads use: the read-only role's when configured, else the main one."""
        return self.database_read_url or self.resolved_database_url

    @property
    def analyst_email_set(self) -> frozenset[str]:
        """The allow-listed analyst emails, lower-cased."""
        return frozenset(part.strip().lower() for part in self.analyst_emails.split(",") if part.strip())


def _shown(variable: str, value: object) -> str:
    """A bad value as the error message may show it: database URLs with any password hidden."""
    if variable.startswith("DATABASE_") and isinstance(value, str):
        try:
            return repr(make_url(value).render_as_string(hide_password=True))
        except (ArgumentError, ValueError):
            return "(a value that is not a URL; not shown, it may hold a password)"
    return repr(value)


def load_settings() -> Settings:
    """Read settings, turning validation errors into one readable message per bad variable."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            variable = str(err["loc"][0]).upper() if err["loc"] else "?"
            lines.append(f"{variable}: {err['msg']} (got {_shown(variable, err.get('input'))}).")
        hint = (
            "Fix or unset these environment variables (or .env entries). Examples: "
            "DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test, DEMO_SCALE=ncl, SYSTEM_CODE=QMJ, "
            "STATUS_TOLERANCE=0.05, APP_MODE=hosted, ANALYST_EMAILS=a.analyst@nhs.net,b.analyst@nhs.net, "
            "ANALYST_CLAIM=roles with ANALYST_CLAIM_VALUE=Benefits.Analyst."
        )
        raise SettingsError("Invalid settings:\n  " + "\n  ".join(lines) + "\n" + hint) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
