"""Who may do what: the role of a signed-in user, from settings and identity claims (pure; no streamlit).

Local mode (the default) has no sign-in and everyone is an analyst. Hosted mode gives every signed-in user the
viewer role, and the analyst role to users whose email is in ``ANALYST_EMAILS`` (any case) or whose identity
claim ``ANALYST_CLAIM`` equals ``ANALYST_CLAIM_VALUE`` (a string claim) or contains it (a list claim, such as
Entra ID ``roles``). Anyone not signed in is a viewer at most; the UI stops them before any data is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from settings import Settings


class Role(StrEnum):
    """A user's role, in increasing order of what it allows."""

    VIEWER = "viewer"  # sees every page except Data; cannot write
    ANALYST = "analyst"  # also imports data (the only write path)


_RANK = {Role.VIEWER: 0, Role.ANALYST: 1}


def role_for(user: Mapping[str, object], settings: Settings) -> Role:
    """The role of ``user`` (the ``st.user`` mapping: identity-token claims plus ``is_logged_in``).

    Args:
        user: claims of the signed-in user; an empty mapping or ``is_logged_in`` false means not signed in.
        settings: the application settings (mode, allow-list, claim).

    Returns:
        ``Role.ANALYST`` in local mode or for an allow-listed or claim-matching signed-in user, else ``Role.VIEWER``.
    """
    if settings.app_mode == "local":
        return Role.ANALYST
    if user.get("is_logged_in") is not True:
        return Role.VIEWER
    email = user.get("email")
    if (
        isinstance(email, str)
        and user.get("email_verified") is not False  # a provider that says "unverified" is not trusted
        and email.strip().lower() in settings.analyst_email_set
    ):
        return Role.ANALYST
    if settings.analyst_claim and _claim_matches(user.get(settings.analyst_claim), settings.analyst_claim_value):
        return Role.ANALYST
    return Role.VIEWER


def _claim_matches(claim: object, wanted: str) -> bool:
    """True when a string claim equals ``wanted`` or a list claim contains it (exact, case-sensitive)."""
    if isinstance(claim, str):
        return claim == wanted
    if isinstance(claim, list | tuple | set | frozenset):
        return any(isinstance(item, str) and item == wanted for item in claim)
    return False


def allows(role: Role, needed: Role) -> bool:
    """True when ``role`` is at least ``needed``."""
    return _RANK[Role(role)] >= _RANK[Role(needed)]


def can_import(role: Role) -> bool:
    """True when ``role`` may import data (the Data page and every write path)."""
    return allows(role, Role.ANALYST)
