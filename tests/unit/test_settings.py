"""Settings: safe local default, PostgreSQL URLs accepted as given, bad values stop start-up with a named fix."""

from __future__ import annotations

import pytest

from settings import SettingsError, load_settings

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "DATA_DIR", "DEMO_SCALE", "STATUS_TOLERANCE", "SYSTEM_CODE", "DEMO_ON_EMPTY",
                 "APP_MODE", "ANALYST_EMAILS", "ANALYST_CLAIM", "ANALYST_CLAIM_VALUE", "AUTH_PROVIDER",
                 "DATABASE_READ_URL", "DB_POOL_SIZE", "SESSION_MAX_AGE_MINUTES", "CACHE_CHECK_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_default_is_a_local_sqlite_file():
    url = load_settings().resolved_database_url
    assert url.startswith("sqlite:///") and url.endswith("var/benefits.sqlite")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://postgres@127.0.0.1:5432/test", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_postgresql_urls_work_unchanged(monkeypatch, given, expected):
    monkeypatch.setenv("DATABASE_URL", given)
    assert load_settings().resolved_database_url == expected


@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        ("DATABASE_URL", "mysql://root@localhost/x", "DATABASE_URL: Value error, backend 'mysql' is not supported"),
        ("DATABASE_URL", "not a url", "DATABASE_URL"),
        ("STATUS_TOLERANCE", "2", "STATUS_TOLERANCE"),
        ("DEMO_SCALE", "wales", "DEMO_SCALE: Value error, must be 'ncl' or 'england'"),
        ("APP_MODE", "cloud", "APP_MODE: Input should be 'local' or 'hosted'"),
        ("ANALYST_EMAILS", "a@nhs.net, bob", "ANALYST_EMAILS: Value error, not an email address: 'bob'"),
        ("ANALYST_CLAIM", "roles", "ANALYST_CLAIM_VALUE: Value error, ANALYST_CLAIM is 'roles' but"),
        ("ANALYST_CLAIM_VALUE", "Benefits.Analyst", "ANALYST_CLAIM_VALUE: Value error, ANALYST_CLAIM_VALUE is set"),
    ],
)
def test_bad_settings_name_the_variable_and_the_fix(monkeypatch, variable, value, fragment):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert fragment in str(caught.value)
    assert "Fix or unset" in str(caught.value)


def test_local_mode_is_the_default():
    settings = load_settings()
    assert settings.app_mode == "local" and settings.analyst_email_set == frozenset()


def test_hosted_mode_settings(monkeypatch):
    monkeypatch.setenv("APP_MODE", "hosted")
    monkeypatch.setenv("ANALYST_EMAILS", " A.Analyst@NHS.net,,b.analyst@nhs.net ")
    monkeypatch.setenv("ANALYST_CLAIM", "roles")
    monkeypatch.setenv("ANALYST_CLAIM_VALUE", "Benefits.Analyst")
    monkeypatch.setenv("AUTH_PROVIDER", "microsoft")
    settings = load_settings()
    assert settings.app_mode == "hosted" and settings.auth_provider == "microsoft"
    assert settings.analyst_email_set == {"a.analyst@nhs.net", "b.analyst@nhs.net"}
    assert (settings.analyst_claim, settings.analyst_claim_value) == ("roles", "Benefits.Analyst")


def test_hosted_mode_without_analysts_is_allowed(monkeypatch):
    monkeypatch.setenv("APP_MODE", "hosted")
    assert load_settings().app_mode == "hosted"  # everyone signed in is a viewer (see docs/deploy.md)


@pytest.mark.parametrize("variable", ["DATABASE_URL", "DATABASE_READ_URL"])
def test_a_bad_database_url_does_not_show_its_password(monkeypatch, variable):
    monkeypatch.setenv(variable, "mysql://admin:s3cret-Pa55@db.internal/benefits")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert variable in str(caught.value)
    assert "s3cret-Pa55" not in str(caught.value)
    assert "admin:***@db.internal" in str(caught.value)


def test_settings_repr_hides_database_urls(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://dash:s3cret-Pa55@db.internal/benefits")
    monkeypatch.setenv("DATABASE_READ_URL", "postgresql://reader:an0ther-Pa55@db.internal/benefits")
    settings = load_settings()
    assert "s3cret-Pa55" not in repr(settings) and "an0ther-Pa55" not in repr(settings)
    assert settings.resolved_read_url == "postgresql+psycopg://reader:an0ther-Pa55@db.internal/benefits"


def test_read_url_defaults_to_the_main_url(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://dash@db.internal/benefits")
    assert load_settings().resolved_read_url == "postgresql+psycopg://dash@db.internal/benefits"


@pytest.mark.parametrize(("variable", "value"), [("DB_POOL_SIZE", "0"), ("SESSION_MAX_AGE_MINUTES", "0"),
                                                 ("CACHE_CHECK_SECONDS", "-1")])
def test_hosted_tuning_values_are_checked(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        load_settings()
