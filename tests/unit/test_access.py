"""Roles: local mode allows everything; hosted mode makes analysts from the allow-list or an identity claim."""

from __future__ import annotations

import pytest

from data.access import Role, allows, can_import, role_for
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
