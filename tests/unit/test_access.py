"""Roles: local mode allows everything; hosted mode makes analysts from the allow-list or an identity claim.
Sessions: a sign-in lasts SESSION_MAX_AGE_MINUTES from the identity token's ``iat``, and fails closed."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest

from data.access import CLOCK_SKEW_SECONDS, Role, allows, can_import, role_for, session_expired
from settings import Settings

pytestmark = pytest.mark.unit


def hosted(**values: str) -> Settings:
    return Settings(_env_file=None, app_mode="hosted", **values)


SIGNED_IN = {"is_logged_in": True, "name": "A User", "email": "a.user@nhs.net"}


def test_local_mode_makes_everyone_an_analyst_even_without_sign_in():
    assert role_for({}, Settings(_env_file=None, app_mode="local")) is Role.ANALYST


@pytest.mark.parametrize("email", ["a.user@nhs.net", "A.User@NHS.net", "  a.user@nhs.net "])
def test_allow_list_matches_any_case(email):
    settings = hosted(analyst_emails="B.Other@nhs.net, A.USER@nhs.net")
    assert role_for({**SIGNED_IN, "email": email}, settings) is Role.ANALYST


def test_signed_in_user_not_on_the_allow_list_is_a_viewer():
    assert role_for(SIGNED_IN, hosted(analyst_emails="someone.else@nhs.net")) is Role.VIEWER


def test_hosted_without_allow_list_or_claim_makes_everyone_a_viewer():
    assert role_for(SIGNED_IN, hosted()) is Role.VIEWER


def test_not_signed_in_is_never_an_analyst():
    settings = hosted(analyst_emails="a.user@nhs.net")
    assert role_for({**SIGNED_IN, "is_logged_in": False}, settings) is Role.VIEWER
    assert role_for({"email": "a.user@nhs.net"}, settings) is Role.VIEWER


def test_an_email_the_provider_marks_unverified_is_not_trusted():
    user = {**SIGNED_IN, "email_verified": False}
    assert role_for(user, hosted(analyst_emails="a.user@nhs.net")) is Role.VIEWER


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        (["Benefits.Viewer", "Benefits.Analyst"], Role.ANALYST),  # Entra ID app roles: a list
        ("Benefits.Analyst", Role.ANALYST),  # a single string claim
        (["Benefits.Viewer"], Role.VIEWER),
        ("Benefits.Analyst.Extra", Role.VIEWER),  # exact match, not a substring
        ("benefits.analyst", Role.VIEWER),  # claim values are case-sensitive
        ([], Role.VIEWER),
        (None, Role.VIEWER),
        (1, Role.VIEWER),
    ],
)
def test_claim_string_or_list(claim, expected):
    settings = hosted(analyst_claim="roles", analyst_claim_value="Benefits.Analyst")
    assert role_for({**SIGNED_IN, "roles": claim}, settings) is expected


def test_missing_claim_is_a_viewer():
    settings = hosted(analyst_claim="roles", analyst_claim_value="Benefits.Analyst")
    assert role_for(SIGNED_IN, settings) is Role.VIEWER


def test_only_analysts_can_import():
    assert can_import(Role.ANALYST) and not can_import(Role.VIEWER)
    assert allows(Role.ANALYST, Role.VIEWER) and not allows(Role.VIEWER, Role.ANALYST)


NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
EIGHT_HOURS = 480.0


def signed_in_at(when: datetime, **claims: object) -> dict[str, object]:
    """A signed-in user whose identity token was issued at ``when``."""
    return {**SIGNED_IN, "iat": int(when.timestamp()), **claims}


@pytest.mark.parametrize(
    ("age", "expired"),
    [
        (timedelta(0), False),
        (timedelta(hours=7, minutes=59), False),
        (timedelta(hours=8), False),  # exactly the max age: still in
        (timedelta(hours=8, seconds=1), True),
        (timedelta(days=29), True),  # Streamlit would keep this cookie another day
    ],
)
def test_a_session_lasts_the_max_age_from_sign_in(age, expired):
    assert session_expired(signed_in_at(NOW - age), NOW, EIGHT_HOURS) is expired


def test_now_may_be_epoch_seconds_or_an_aware_datetime_in_any_zone():
    user = signed_in_at(NOW - timedelta(minutes=10))
    assert session_expired(user, NOW.timestamp(), 5) and not session_expired(user, NOW.timestamp(), 15)
    in_paris = NOW.astimezone(timezone(timedelta(hours=1)))
    assert session_expired(user, in_paris, 5) and not session_expired(user, in_paris, 15)


def test_fractions_of_a_minute_count():
    user = signed_in_at(NOW - timedelta(seconds=7))
    assert session_expired(user, NOW, 0.1) and not session_expired(user, NOW, 0.2)


@pytest.mark.parametrize(
    "iat",
    [None, "", "yesterday", True, False, math.nan, math.inf, -math.inf, [1], {"t": 1}],
)
def test_a_missing_or_unusable_sign_in_time_fails_closed(iat):
    assert session_expired({**SIGNED_IN, "iat": iat}, NOW, EIGHT_HOURS)


def test_no_sign_in_time_at_all_fails_closed():
    assert session_expired(SIGNED_IN, NOW, EIGHT_HOURS)


def test_a_numeric_string_iat_is_read():
    user = {**SIGNED_IN, "iat": f" {NOW.timestamp() - 60:.0f} "}
    assert not session_expired(user, NOW, 5) and session_expired(user, NOW, 0.5)


def test_a_token_from_the_future_is_trusted_only_within_the_clock_skew():
    assert not session_expired(signed_in_at(NOW + timedelta(seconds=CLOCK_SKEW_SECONDS)), NOW, EIGHT_HOURS)
    assert session_expired(signed_in_at(NOW + timedelta(seconds=CLOCK_SKEW_SECONDS + 1)), NOW, EIGHT_HOURS)


def test_auth_time_does_not_shorten_a_fresh_sign_in():
    """A provider's single sign-on re-issues a token (fresh iat) with the old auth_time and no password prompt:
    counting from auth_time would show "session expired" straight after every such sign-in."""
    user = signed_in_at(NOW - timedelta(minutes=1), auth_time=int((NOW - timedelta(days=2)).timestamp()))
    assert not session_expired(user, NOW, EIGHT_HOURS)


def test_auth_time_does_not_lengthen_an_old_sign_in():
    user = signed_in_at(NOW - timedelta(hours=9), auth_time=int(NOW.timestamp()))
    assert session_expired(user, NOW, EIGHT_HOURS)


@pytest.mark.parametrize("max_age", [0, -1, math.nan])
def test_max_age_must_be_positive(max_age):
    with pytest.raises(ValueError, match="max_age_minutes must be positive"):
        session_expired(signed_in_at(NOW), NOW, max_age)


def test_a_naive_now_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        session_expired(signed_in_at(NOW), datetime(2025, 3, 1, 12, 0), EIGHT_HOURS)
