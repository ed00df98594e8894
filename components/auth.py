"""Sign-in and roles for hosted mode (``APP_MODE=hosted``); local mode has neither and allows everything.

:func:`require_sign_in` runs in app.py before any database access: a visitor who is not signed in sees only the
sign-in screen, and the script stops there, so no data reaches the browser. A user whose sign-in is older than
``SESSION_MAX_AGE_MINUTES`` (Streamlit itself keeps the identity cookie for 30 days) gets the same treatment on
their next page load or interaction: a "session expired" screen, without their name or any data, and a button to
sign in again. A signed-out sign-in (a copied identity cookie replayed after sign-out) is refused the same way,
by the identity check serve.py installs (:func:`install_identity_check`; hosted instances run ``streamlit run
serve.py``). :func:`require_role` is the server-side refusal a page with a write path calls first, whatever the
navigation shows.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import NoReturn

import streamlit as st
from streamlit import config
from streamlit.errors import StreamlitAuthError
from streamlit.runtime.scriptrunner import get_script_run_ctx

from components.shell import require_app_shell
from components.state import ROLE_KEY
from data.access import Role, allows, role_for, session_expired
from settings import get_settings

SIGN_IN_KEY = "auth_sign_in"
SIGN_OUT_KEY = "auth_sign_out"
SIGN_IN_PATH_KEY = "auth_sign_in_path"  # the deep link the sign-in screen is shown under, kept for its reruns

_LOG = logging.getLogger(__name__)
_URL_PATH = re.compile(r"[A-Za-z0-9_-]{1,64}")

IdentityCheck = Callable[[Mapping[str, object]], bool]
"""Given ``st.user``'s claims, True when that sign-in must be refused (it was signed out)."""
_identity_check: list[IdentityCheck] = []


class SignInUncheckable(RuntimeError):
    """An identity check could not be made (the revocation table is unreadable): the run must refuse, and say so."""


UNCHECKABLE = (
    "Your sign-in cannot be checked just now: the dashboard's database is not reachable, so no data is shown. "
    "Try again in a few minutes; if this persists, tell the service's administrator."
)


def install_identity_check(refuses: IdentityCheck) -> None:
    """Make every run refuse a sign-in for which ``refuses`` is True (serve.py installs its revocation check)."""
    _identity_check[:] = [refuses]


def _user() -> dict[str, object]:
    """The ``st.user`` claims as a plain dict (empty when sign-in is not configured)."""
    return dict(st.user.to_dict())


def require_sign_in() -> Role:
    """Return the current user's role; in hosted mode, show the sign-in screen and stop until signed in."""
    settings = get_settings()
    if settings.app_mode == "local":
        return Role.ANALYST
    user = _user()
    if user.get("is_logged_in") is not True:
        _stop_at_sign_in(settings.auth_provider or None)
    if session_expired(user, datetime.now(UTC), settings.session_max_age_minutes):
        _LOG.info("identity cookie older than SESSION_MAX_AGE_MINUTES (or without a usable iat): sign-in required")
        _stop_at_sign_in(settings.auth_provider or None, expired_after=settings.session_max_age_minutes)
    if not _identity_check and config._server_mode == "starlette-managed":  # `streamlit run app.py`, no serve.py
        _LOG.error("APP_MODE=hosted needs `streamlit run serve.py` (sign-out, media and upload checks): stopping")
        st.error("This server is misconfigured: start hosted mode with `streamlit run serve.py` (docs/deploy.md).")
        st.stop()
    try:
        refused = any(refuses(user) for refuses in _identity_check)
    except SignInUncheckable:  # fails closed: no data, a clear error (the cause is in the server's log)
        st.error(UNCHECKABLE, icon=":material/cloud_off:")
        st.stop()
    if refused:
        _LOG.info("a signed-out identity cookie was presented: sign-in required")
        _stop_at_sign_in(settings.auth_provider or None)
    role = role_for(user, settings)
    who = " ".join(f"{user[k]}" for k in ("name", "email") if isinstance(user.get(k), str) and user[k])
    st.sidebar.caption(f"Signed in as {who or 'an unnamed user'} ({role})")
    if st.sidebar.button("Sign out", key=SIGN_OUT_KEY):
        st.logout()
    return role


def _stop_at_sign_in(provider: str | None, *, expired_after: float | None = None) -> NoReturn:
    """Show the sign-in screen as the whole app, and stop the run: nothing after it reads data.

    The screen is the only page of a hidden navigation, registered at the default URL and, for a deep link
    (``/trajectories``), at the path the browser asked for, so the link shows it without a "page not found"
    error while the browser learns no page name it did not send (serve.py also removes the page list from
    Streamlit's NewSession message).
    """
    require_app_shell()  # started as a legacy pages/ script: rerun through app.py first
    st.session_state.pop(ROLE_KEY, None)  # no role survives from an earlier run of this session

    def screen() -> None:
        _sign_in_screen(provider, expired_after=expired_after)

    title = "Sign in again" if expired_after is not None else "Sign in"
    ctx = get_script_run_ctx()
    asked = ctx.pages_manager.intended_page_name if ctx is not None else None
    if asked:  # a page load names the path; reruns (a button click) name the page by its hash instead
        st.session_state[SIGN_IN_PATH_KEY] = asked
    asked = st.session_state.get(SIGN_IN_PATH_KEY)
    pages = [st.Page(screen, title=title, default=True)]
    if isinstance(asked, str) and _URL_PATH.fullmatch(asked):
        pages.append(st.Page(screen, title=title, url_path=asked))
    st.navigation(pages, position="hidden").run()
    st.stop()


def _sign_in_screen(provider: str | None, *, expired_after: float | None = None) -> None:
    """The only thing a visitor without a valid session sees: what the dashboard is, and a sign-in button.

    With ``expired_after`` (minutes) it is the "session expired" variant. Neither variant names the user: the
    screen may be on a shared computer that someone else walked up to.
    """
    st.title("NCL benefits realisation")
    if expired_after is None:
        st.write("This dashboard is for NHS staff: sign in with your organisation account to see it.")
        label = "Sign in with your organisation account"
    else:
        st.warning(
            f"Your session has expired — sign in again. For security, a sign-in lasts {_duration(expired_after)}.",
            icon=":material/lock_clock:",
        )
        label = "Sign in again"
    if st.button(label, type="primary", key=SIGN_IN_KEY):
        try:
            st.login(provider)
        except StreamlitAuthError as exc:  # no [auth] in secrets.toml, or Authlib missing
            _LOG.error("sign-in is not configured: %s", exc)
            st.error(
                "Sign-in is not configured on this server. An administrator needs to add the [auth] section to "
                ".streamlit/secrets.toml and install streamlit[auth] (see docs/deploy.md)."
            )


def _duration(minutes: float) -> str:
    """``minutes`` in words for the expired screen: "8 hours", "90 minutes", "30 seconds"."""
    if minutes >= 120 and minutes % 60 == 0:
        return f"{minutes / 60:g} hours"
    if minutes >= 1:
        return f"{minutes:g} minutes" if minutes != 1 else "1 minute"
    return f"{round(minutes * 60)} seconds"


def current_role() -> Role:
    """The role app.py stored for this run; recomputed from settings and ``st.user`` when it is missing."""
    stored = st.session_state.get(ROLE_KEY)
    if isinstance(stored, str) and stored in {r.value for r in Role}:
        return Role(stored)
    return role_for(_user(), get_settings())


def require_role(role: Role, needed: Role) -> None:
    """Refuse (error and stop, server-side) when ``role`` is below ``needed``."""
    if not allows(role, needed):
        st.error(f"This page needs the {needed} role; you are signed in as a {role}. "
                 "Ask the dashboard's administrator if you need it.")
        st.stop()
