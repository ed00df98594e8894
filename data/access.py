"""Who may do what: the role of a signed-in user, from settings and identity claims (pure; no streamlit).

Local mode (the default) has no sign-in and everyone is an analyst. Hosted mode gives every signed-in user the
viewer role, and the analyst role to users whose email is in ``ANALYST_EMAILS`` (any case) or whose identity
claim ``ANALYST_CLAIM`` equals ``ANALYST_CLAIM_VALUE`` (a string claim) or contains it (a list claim, such as
Entra ID ``roles``). Anyone not signed in is a viewer at most; the UI stops them before any data is read.

Streamlit keeps a signed-in user's identity cookie for 30 days and never asks the identity provider again, so a
user disabled at the provider would keep access that long. :func:`session_expired` bounds it: a session is over
``SESSION_MAX_AGE_MINUTES`` after sign-in, and the user must sign in at the provider again. Signing out
records the sign-in as revoked (:func:`revoke_sign_in`, table ``revoked_sign_in``, shared by every instance), and
:func:`sign_in_revoked` refuses it from then on, so a copied cookie stops working at sign-out.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models import RevokedSignIn

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

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


CLOCK_SKEW_SECONDS = 300
"""How far in the future (by this server's clock) an identity token's ``iat`` may lie and still be trusted."""


def session_expired(user: Mapping[str, object], now: datetime | float, max_age_minutes: float) -> bool:
    """True when a signed-in user's session is over and they must sign in again.

    The session starts when the identity provider issued the identity token (its ``iat`` claim, which Streamlit
    copies into ``st.user`` when it writes the identity cookie): the moment this app's sign-in completed. The
    ``auth_time`` claim (when the user last typed a password at the provider) is deliberately not used: a
    provider that keeps its own single sign-on session re-issues a token with the old ``auth_time`` and no
    password prompt, so an expiry based on it would send the user back to the "session expired" screen after
    every sign-in until the provider's own session ended. How often a password is asked for is the provider's
    policy; how long this app trusts one sign-in is this one's.

    It fails closed: a missing, non-numeric, non-finite or boolean ``iat``, or one more than
    :data:`CLOCK_SKEW_SECONDS` in the future, counts as expired.

    Args:
        user: the ``st.user`` claims of a signed-in user.
        now: the current time, as a timezone-aware datetime or seconds since the Unix epoch.
        max_age_minutes: how long a sign-in lasts (``SESSION_MAX_AGE_MINUTES``); must be positive.

    Returns:
        True when the session is older than ``max_age_minutes`` or its start cannot be trusted.

    Raises:
        ValueError: ``max_age_minutes`` is not positive, or ``now`` is a naive datetime (a programming error).
    """
    if not max_age_minutes > 0:
        raise ValueError(f"max_age_minutes must be positive, got {max_age_minutes!r}")
    if isinstance(now, datetime):
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be a timezone-aware datetime (use datetime.now(UTC))")
        now = now.timestamp()
    issued_at = _epoch_seconds(user.get("iat"))
    if issued_at is None:
        return True
    age = float(now) - issued_at
    if age < -CLOCK_SKEW_SECONDS:  # issued in the future: a clock or token that cannot be trusted
        return True
    return age > max_age_minutes * 60


def _epoch_seconds(value: object) -> float | None:
    """A claim holding seconds since the epoch (a JSON number, or a numeric string) as a float; None if not one."""
    if isinstance(value, bool):  # bool is an int subclass: True is not a time
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


SIGN_IN_CLAIMS = ("iss", "sub", "aud", "iat", "nonce", "sid")
"""The ID-token claims that together name one sign-in: who (issuer, subject), for which app (audience), when
(``iat``), and the sign-in's own random values (the ``nonce`` this app sent, the provider's session ``sid``)."""

SIGNED_COOKIE_DAYS = 31
"""How long Streamlit accepts a signed identity cookie at all (its 30-day lifetime plus a day's grace): a
revocation older than this guards nothing and may be deleted."""


def sign_in_id(user: Mapping[str, object]) -> str | None:
    """The identifier of one sign-in (sha256 hex of its :data:`SIGN_IN_CLAIMS`), or None without a usable iat.

    Two sign-ins of the same person differ (a new ``iat`` and ``nonce``); a copy of one identity cookie has the
    same identifier as the original, which is what makes a sign-out apply to every copy.
    """
    if _epoch_seconds(user.get("iat")) is None:
        return None
    claims = {name: user.get(name) for name in SIGN_IN_CLAIMS if user.get(name) is not None}
    canonical = json.dumps(claims, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def revoke_sign_in(engine: Engine, user: Mapping[str, object], now: datetime) -> bool:
    """Record ``user``'s sign-in as signed out (idempotent; another instance may record it at the same time).

    Also deletes revocations of sign-ins whose cookies can no longer be valid (older than
    :data:`SIGNED_COOKIE_DAYS`). Returns False when the identity has no usable ``iat`` (it is refused anyway).
    """
    sign_in = sign_in_id(user)
    issued_at = _epoch_seconds(user.get("iat"))
    if sign_in is None or issued_at is None:
        return False
    lifetime = timedelta(days=SIGNED_COOKIE_DAYS)
    expires_at = max(datetime.fromtimestamp(issued_at, UTC) + lifetime, now)
    with Session(engine) as session:
        session.exec(delete(RevokedSignIn).where(RevokedSignIn.expires_at < now))
        if session.get(RevokedSignIn, sign_in) is None:
            session.add(RevokedSignIn(sign_in=sign_in, revoked_at=now, expires_at=expires_at))
        try:
            session.commit()
        except IntegrityError:  # recorded by another instance between the read and the write
            session.rollback()
    return True


def sign_in_revoked(engine: Engine, user: Mapping[str, object]) -> bool:
    """True when ``user``'s sign-in was signed out (on any instance), or cannot be identified (fails closed)."""
    sign_in = sign_in_id(user)
    if sign_in is None:
        return True
    with Session(engine) as session:
        return session.get(RevokedSignIn, sign_in) is not None
