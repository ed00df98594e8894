"""Hosted entry point: ``streamlit run serve.py`` serves app.py with the checks Streamlit's own server lacks.

Streamlit trusts its signed identity cookie for 30 days whatever happens at sign-out, serves ``/media/`` files
(CSV downloads) and accepts ``/_stcore/upload_file/`` uploads from anyone holding a URL or a session id, and sends
every browser, before sign-in, its version, Python's version, the server's path to app.py and the list of pages.
This launcher wraps Streamlit's server (``st.App``: one route and one middleware, Streamlit itself unchanged):

* a request to ``/auth/logout`` (Streamlit's sign-out) first records the sign-in as revoked in the database
  (``revoked_sign_in``, shared by every instance); every instance then refuses that identity cookie and any copy;
* ``/media/`` and ``/_stcore/upload_file/`` answer 401 unless the request carries a valid identity cookie (signed
  with the shared ``cookie_secret``, from this site, younger than ``SESSION_MAX_AGE_MINUTES``, not revoked);
* ``/api/session`` answers 204 or 401 by the same rule: the check nginx's ``auth_request`` asks before it
  forwards a media or upload request (deploy/nginx.conf);
* the identity cookies Streamlit sets live ``SESSION_MAX_AGE_MINUTES`` instead of 30 days;
* every NewSession message loses the script path, the versions and the page list (the pages a signed-in user
  may open arrive with app.py's navigation; the sign-in screen lists none);
* a browser's messages may only run the script, stop it, keep the connection alive, ask for upload URLs and
  fetch deferred downloads and table pages: no git details (repository, branch, uncommitted file names), no
  clearing every user's caches, no run-on-save and no installing files into the app's folder;
* app.py's sign-in check (components/auth.py) refuses revoked sign-ins on every run, and when the database cannot
  say whether a sign-in was revoked it refuses with a clear error (no data, no sign-in screen that would loop).

With ``APP_MODE=local`` it serves app.py exactly as ``streamlit run app.py`` does. See docs/deploy.md.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from datetime import UTC, datetime
from typing import Any

import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from streamlit.auth_util import get_cookie_with_chunks, get_origin_from_redirect_uri
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.pages_manager import PagesManager
from streamlit.web.server.server_util import AUTH_COOKIE_NAME, get_cookie_secret
from streamlit.web.server.starlette.starlette_app_utils import decode_signed_value

from components.auth import SignInUncheckable, install_identity_check
from data.access import revoke_sign_in, session_expired, sign_in_revoked
from data.db import make_engine
from data.migrate import upgrade
from settings import get_settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SESSION_CHECK_PATH = "/api/session"
SIGN_OUT_PATH = "/auth/logout"
GATED_PREFIXES = ("/media/", "/_stcore/upload_file/")
_MAX_AGE = re.compile(r"(?i)(;\s*max-age=)(\d+)")
_LOG = logging.getLogger(__name__)


def _hosted() -> bool:
    return get_settings().app_mode == "hosted"


@functools.cache
def _engines() -> tuple[Engine, Engine]:
    """(reader, owner) engines for the revocation table: a small pool for the checks, none for the rare writes."""
    settings = get_settings()
    owner = make_engine(settings.resolved_database_url, poolclass=NullPool)
    reader = make_engine(settings.resolved_read_url, read_only=True, pool_size=2, max_overflow=4)
    return reader, owner


def _migrate_at_start() -> None:
    """Bring the schema to the newest revision before the server starts (hosted mode).

    The revocation check runs before app.py's first data read, which is where an instance migrates otherwise: an
    upgrade that adds the table would refuse every sign-in until then. Done here, once and before any thread
    runs (Alembic's upgrade is not thread-safe; several instances are serialised by PostgreSQL's advisory lock).
    A database that cannot be reached is logged, not fatal: the checks refuse until it can be read.
    """
    try:
        upgrade(_engines()[1])
    except Exception:  # the instance still starts; every check fails closed meanwhile
        _LOG.exception("cannot migrate the database at start: sign-ins are refused until revoked_sign_in is readable")


def identity(cookies: Mapping[str, str]) -> dict[str, object] | None:
    """The identity cookie's claims when it carries Streamlit's valid signature for this site, else None.

    The same reading Streamlit's WebSocket does (signature with the shared ``cookie_secret``, chunked cookies
    joined, the site's origin), without the revocation or age checks.
    """
    secret = get_cookie_secret()

    def single(name: str) -> bytes | None:
        raw = cookies.get(name)
        return None if raw is None else decode_signed_value(secret, name, raw.encode("latin-1"))

    decoded = get_cookie_with_chunks(single, AUTH_COOKIE_NAME)
    if not decoded:
        return None
    try:
        claims = json.loads(decoded)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(claims, dict) or claims.get("is_logged_in") is not True:
        return None
    if claims.get("origin") != get_origin_from_redirect_uri():
        return None
    return claims


def revoked(user: Mapping[str, object]) -> bool:
    """True when ``user``'s sign-in was signed out on any instance (or the database cannot say: fails closed)."""
    try:
        return sign_in_revoked(_engines()[0], user)
    except Exception:  # an unreadable revocation table must refuse, not admit
        _LOG.exception("cannot read revoked_sign_in: refusing the identity")
        return True


def revoked_or_uncheckable(user: Mapping[str, object]) -> bool:
    """app.py's check on every run: True when ``user`` signed out; raises ``SignInUncheckable`` when the database
    cannot say, so that the run shows a clear error instead of a sign-in screen that would only loop."""
    try:
        return sign_in_revoked(_engines()[0], user)
    except Exception as exc:
        _LOG.exception("cannot read revoked_sign_in: refusing the run")
        raise SignInUncheckable(str(exc)) from exc


def signed_in(cookies: Mapping[str, str]) -> bool:
    """True when the request's identity cookie is valid, young enough and not revoked (hosted mode)."""
    user = identity(cookies)
    if user is None:
        return False
    if session_expired(user, datetime.now(UTC), get_settings().session_max_age_minutes):
        return False
    return not revoked(user)


def _record_sign_out(cookies: Mapping[str, str]) -> None:
    user = identity(cookies)
    if user is not None and revoke_sign_in(_engines()[1], user, datetime.now(UTC)):
        _LOG.info("sign-out recorded: this sign-in is refused from now on, on every instance")


async def session_check(request: Request) -> Response:
    """``/api/session``: 204 for a valid signed-in identity cookie, 401 otherwise (nginx ``auth_request``)."""
    if not _hosted() or await run_in_threadpool(signed_in, request.cookies):
        return Response(status_code=204, headers={"Cache-Control": "no-store"})
    return Response(status_code=401, headers={"Cache-Control": "no-store"})


class HostedGate:
    """ASGI middleware in front of Streamlit's routes (hosted mode only; see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _hosted():
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        cookies = HTTPConnection(scope).cookies
        if path == SIGN_OUT_PATH:
            try:
                await run_in_threadpool(_record_sign_out, cookies)
            except Exception:  # the cookie is kept so that the user can try again
                _LOG.exception("sign-out could not be recorded")
                response = PlainTextResponse("Sign-out could not be recorded; please try again.", status_code=503)
                await response(scope, receive, send)
                return
        elif path.startswith(GATED_PREFIXES) and not await run_in_threadpool(signed_in, cookies):
            response = PlainTextResponse("Sign in first.", status_code=401, headers={"Cache-Control": "no-store"})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, _shorter_identity_cookies(send))


def _shorter_identity_cookies(send: Send) -> Send:
    """Wrap ``send`` so that Streamlit's identity cookies expire with the session, not after 30 days."""
    limit = round(get_settings().session_max_age_minutes * 60)

    def shorten(value: bytes) -> bytes:
        text = value.decode("latin-1")
        if not text.startswith(AUTH_COOKIE_NAME):
            return value
        return _MAX_AGE.sub(lambda m: m.group(1) + str(min(int(m.group(2)), limit)), text).encode("latin-1")

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [
                (name, shorten(value) if name.lower() == b"set-cookie" else value) for name, value in message["headers"]
            ]
        await send(message)

    return wrapped


def _without_server_details(create: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap AppSession's NewSession builder: no script path, versions, OS or page list reach the browser."""

    @functools.wraps(create)
    def scrubbed(self: AppSession, *args: Any, **kwargs: Any) -> Any:
        msg = create(self, *args, **kwargs)
        if _hosted():
            new_session = msg.new_session
            new_session.ClearField("main_script_path")
            new_session.ClearField("app_pages")
            environment = new_session.initialize.environment_info  # the browser needs the message, not its values
            for name in ("streamlit_version", "python_version", "server_os", "has_display"):
                environment.ClearField(name)
            environment.SetInParent()
        return msg

    scrubbed.hosted_scrub = True  # type: ignore[attr-defined]
    return scrubbed


ALLOWED_BACK_MESSAGES = frozenset({"rerun_script", "stop_script", "app_heartbeat", "file_urls_request"})
ALLOWED_BACKEND_OPERATIONS = frozenset({"deferred_file", "dataframe_chunk"})


def allowed_back_message(msg: BackMsg) -> bool:
    """True for the BackMsg kinds a hosted browser may send (see the module docstring)."""
    kind = msg.WhichOneof("type")
    if kind == "backend_operation_request":
        return msg.backend_operation_request.WhichOneof("payload") in ALLOWED_BACKEND_OPERATIONS
    return kind in ALLOWED_BACK_MESSAGES


def _only_allowed_messages(handle: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap AppSession's BackMsg handler: in hosted mode, other kinds are logged and dropped."""

    @functools.wraps(handle)
    def filtered(self: AppSession, msg: BackMsg) -> Any:
        if _hosted() and not allowed_back_message(msg):
            _LOG.warning("dropped a %s message from a browser (not allowed in hosted mode)", msg.WhichOneof("type"))
            return None
        return handle(self, msg)

    filtered.hosted_scrub = True  # type: ignore[attr-defined]
    return filtered


if not getattr(AppSession._create_new_session_message, "hosted_scrub", False):
    AppSession._create_new_session_message = _without_server_details(AppSession._create_new_session_message)
if not getattr(AppSession.handle_backmsg, "hosted_scrub", False):
    AppSession.handle_backmsg = _only_allowed_messages(AppSession.handle_backmsg)
if _hosted():
    _migrate_at_start()
install_identity_check(revoked_or_uncheckable)
# app.py navigates with st.navigation: never let Streamlit's legacy pages/ mode list every page in pages/ to the
# first browser after a start (it would, before app.py's first run; see components/shell.py).
PagesManager.uses_pages_directory = False

app = st.App("app.py", routes=[Route(SESSION_CHECK_PATH, session_check, methods=["GET"])],
             middleware=[Middleware(HostedGate)])  # fmt: skip
