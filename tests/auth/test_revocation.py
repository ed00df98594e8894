"""Sign-out revocations (data/access.py, table revoked_sign_in) on SQLite and PostgreSQL: what serve.py records at
sign-out and what every instance checks on every run and every download."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from data.access import SIGNED_COOKIE_DAYS, revoke_sign_in, sign_in_id, sign_in_revoked
from models import RevokedSignIn

pytestmark = pytest.mark.db

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
USER = {"iss": "https://login.example", "sub": "vic", "aud": "dashboard", "iat": int(NOW.timestamp()) - 60,
        "nonce": "n-1", "email": "vic.viewer@nhs.net", "is_logged_in": True}  # fmt: skip


def test_a_sign_in_is_named_by_its_identity_claims_only():
    same = {**USER, "name": "Vic V.", "email": "other@nhs.net"}  # claims that do not name the sign-in
    assert sign_in_id(same) == sign_in_id(USER) and len(sign_in_id(USER) or "") == 64
    assert sign_in_id({**USER, "iat": USER["iat"] + 1}) != sign_in_id(USER)  # the next sign-in of the same person
    assert sign_in_id({**USER, "nonce": "n-2"}) != sign_in_id(USER)
    assert sign_in_id({**USER, "sub": "ann"}) != sign_in_id(USER)
    assert sign_in_id({**USER, "iat": None}) is None and sign_in_id({**USER, "iat": True}) is None


def test_a_revoked_sign_in_is_refused_and_others_are_not(engine):
    later = {**USER, "iat": USER["iat"] + 3600}
    assert not sign_in_revoked(engine, USER) and not sign_in_revoked(engine, later)
    assert revoke_sign_in(engine, USER, NOW)
    assert revoke_sign_in(engine, dict(USER), NOW + timedelta(seconds=5))  # twice (two tabs, two instances): fine
    assert sign_in_revoked(engine, USER) and sign_in_revoked(engine, {**USER, "name": "copied"})
    assert not sign_in_revoked(engine, later)
    with Session(engine) as session:
        (row,) = session.exec(select(RevokedSignIn)).all()
    assert row.expires_at == datetime.fromtimestamp(USER["iat"], UTC) + timedelta(days=SIGNED_COOKIE_DAYS)


def test_an_identity_without_a_usable_iat_is_refused_and_not_recorded(engine):
    assert sign_in_revoked(engine, {**USER, "iat": "soon"})
    assert not revoke_sign_in(engine, {**USER, "iat": None}, NOW)
    with Session(engine) as session:
        assert session.exec(select(RevokedSignIn)).all() == []


def test_revocations_of_cookies_that_can_no_longer_be_valid_are_deleted(engine):
    assert revoke_sign_in(engine, USER, NOW)
    after_lifetime = NOW + timedelta(days=SIGNED_COOKIE_DAYS, hours=1)
    assert revoke_sign_in(engine, {**USER, "iat": int(after_lifetime.timestamp())}, after_lifetime)
    with Session(engine) as session:
        rows = session.exec(select(RevokedSignIn)).all()
    assert [r.sign_in for r in rows] == [sign_in_id({**USER, "iat": int(after_lifetime.timestamp())})]
