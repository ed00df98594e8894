"""Sign-in and roles for hosted mode (``APP_MODE=hosted``); local mode has neither and allows everything.

:func:`require_sign_in` runs in app.py before any database access: a visitor who is not signed in sees only the
sign-in screen, and the script stops there, so no data reaches the browser. :func:`require_role` is the
server-side refusal a page with a write path calls first, whatever the navigation shows.
"""

from __future__ import annotations

import logging

import streamlit as st
from streamlit.errors import StreamlitAuthError

from components.state import ROLE_KEY
from data.access import Role, allows, role_for
from settings import get_settings

SIGN_IN_KEY = "auth_sign_in"
SIGN_OUT_KEY = "auth_sign_out"

_LOG = logging.getLogger(__name__)


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
        _sign_in_screen(settings.auth_provider or None)
        st.stop()
    role = role_for(user, settings)
    who = " ".join(f"{user[k]}" for k in ("name", "email") if isinstance(user.get(k), str) and user[k])
    st.sidebar.caption(f"Signed in as {who or 'an unnamed user'} ({role})")
    if st.sidebar.button("Sign out", key=SIGN_OUT_KEY):
        st.logout()
    return role


def _sign_in_screen(provider: str | None) -> None:
    st.title("NCL benefits realisation")
    st.write("This dashboard is for NHS staff: sign in with your organisation account to see it.")
    if st.button("Sign in with your organisation account", type="primary", key=SIGN_IN_KEY):
        try:
            st.login(provider)
        except StreamlitAuthError as exc:  # no [auth] in secrets.toml, or Authlib missing
            _LOG.error("sign-in is not configured: %s", exc)
            st.error(
                "Sign-in is not configured on this server. An administrator needs to add the [auth] section to "
                ".streamlit/secrets.toml and install streamlit[auth] (see docs/deploy.md)."
            )


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
