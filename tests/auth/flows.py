"""The people, the names and the browser steps of the hosted-mode tests: signing in at the provider, the sign-in
and "session expired" screens, and a log of the WebSocket frames a page receives."""

from __future__ import annotations

import json
import platform
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import streamlit
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.browser.conftest import REPO
from tests.browser.helpers import SCRIPT_IDLE, wait_until_idle

SHORT_SESSION_MINUTES = 0.2  # the expiring instance's SESSION_MAX_AGE_MINUTES (12 s): time enough to sign in
ANALYST_ROLE = "Benefits.Analyst"
SIGN_IN = "Sign in with your organisation account"
SIGN_IN_AGAIN = "Sign in again"
EXPIRED = "Your session has expired — sign in again"
METRIC = '[data-testid="stMetric"]'
UPLOADER = '[data-testid="stFileUploader"]'


@dataclass(frozen=True)
class Account:
    """A person at the identity provider: what they type on its form and the claims its ID token carries."""

    login: str
    password: str
    name: str
    roles: tuple[str, ...]

    def provider_entry(self) -> dict[str, object]:
        """The account as tests/auth/oidc_provider.mjs reads it from its --accounts file."""
        claims = {"email": self.login, "email_verified": True, "name": self.name, "roles": list(self.roles)}
        return {"login": self.login, "password": self.password, "claims": claims}


VIEWER = Account("vic.viewer@nhs.net", secrets.token_urlsafe(12), "Vic Viewer", ("Benefits.Viewer",))
ANALYST = Account("ann.analyst@nhs.net", secrets.token_urlsafe(12), "Ann Analyst", ("Benefits.Viewer", ANALYST_ROLE))


@dataclass(frozen=True)
class DemoNames:
    """Names from the demo database that only a signed-in user may be sent, and the synthetic-data banner."""

    kpis: tuple[str, ...]
    places: tuple[str, ...]  # boroughs and PCNs
    workstreams: tuple[str, ...]
    banner: str

    @property
    def all(self) -> tuple[str, ...]:
        """Every name and the banner: none may reach a browser that is not signed in."""
        return (*self.kpis, *self.places, *self.workstreams, self.banner)


@dataclass(frozen=True)
class HostedStack:
    """Where everything listens: the provider's issuer, the app (default session length), the short-session app."""

    issuer: str
    app: str
    expiring_app: str
    names: DemoNames
    logs: Path


class FrameLog:
    """Every WebSocket frame a page receives, as bytes (Streamlit's frames are protobuf ForwardMsgs, in which
    strings are plain UTF-8)."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []

    def record(self, payload: bytes | str) -> None:
        """Playwright's ``framereceived`` handler."""
        self.frames.append(payload.encode() if isinstance(payload, str) else payload)

    def mark(self) -> int:
        """A position to look from later (frames received after this call)."""
        return len(self.frames)

    def names_in(self, names: tuple[str, ...], since: int = 0) -> set[str]:
        """Which of ``names`` occur in any frame received since ``since``."""
        frames = self.frames[since:]
        return {name for name in names if any(name.encode() in frame for frame in frames)}


def open_app(page: object, url: str) -> None:
    """Load ``url`` and wait for the script run to finish (the sign-in screen stops it early)."""
    page.goto(url, wait_until="domcontentloaded")
    wait_until_idle(page)


def assert_sign_in_screen(page: object, *, expired: bool = False, absent_name: str | None = None) -> None:
    """The sign-in (or "session expired") screen and nothing else: no metric, uploader, filters or name."""
    page.get_by_role("button", name=SIGN_IN_AGAIN if expired else SIGN_IN, exact=True).wait_for()
    wait_until_idle(page)  # the run is over: elements of an earlier run are gone
    if expired:
        assert page.get_by_text(EXPIRED).is_visible()
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0, "a list of pages beside the sign-in screen"
    assert page.locator(METRIC).count() == 0 and page.locator(UPLOADER).count() == 0
    assert page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').count() == 0
    assert page.get_by_role("button", name="Sign out").count() == 0
    assert page.get_by_text("Signed in as").count() == 0
    if absent_name is not None:
        assert absent_name not in page.locator("body").inner_text()


def sign_in_at_provider(page: object, stack: HostedStack, app: str, account: Account, *, button: str = SIGN_IN,
                        before_submit: object = None) -> float:
    """From a sign-in screen: click the button, sign in on the provider's form, and wait for the signed-in app.

    ``before_submit`` (a callable taking the page) runs on the provider's form, e.g. to take a screenshot.
    Returns the time (``time.time()``) by which the provider had issued the ID token: its ``iat`` is earlier.
    """
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_url(f"{stack.issuer}/interaction/**")
    page.get_by_label("Email address").fill(account.login)
    page.get_by_label("Password").fill(account.password)
    if callable(before_submit):
        before_submit(page)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(lambda url: url.startswith(app) and "/oauth2callback" not in url)
    issued_by = time.time()
    page.get_by_text(f"Signed in as {account.name} {account.login}").wait_for()
    page.wait_for_selector(SCRIPT_IDLE, state="attached")
    wait_until_idle(page)
    return issued_by


IDENTITY_COOKIE = "_streamlit_user"  # Streamlit's signed identity cookie (and _streamlit_user_tokens, chunks)
SIGNED_OUT_PAGE = "/session/end"  # the provider's RP-initiated logout confirmation


def forward_msgs(frames: FrameLog, since: int = 0) -> list[ForwardMsg]:
    """The frames received since ``since``, parsed as Streamlit's ForwardMsg protobufs."""
    return [ForwardMsg.FromString(frame) for frame in frames.frames[since:]]


def server_details(frames: FrameLog, since: int = 0) -> dict[str, object]:
    """What the frames tell about the server beyond the screen: pages listed, script paths, versions.

    ``pages`` holds the URL path of every page named in a NewSession or Navigation message; ``tokens`` the
    server details found anywhere in any frame (the repository's path, app.py, Streamlit's and Python's
    versions); ``fields`` the NewSession fields that carry them.
    """
    msgs = forward_msgs(frames, since)
    pages: set[str] = set()
    fields: set[str] = set()
    for msg in msgs:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            pages |= {page.url_pathname for page in msg.new_session.app_pages}
            env = msg.new_session.initialize.environment_info
            found = {"main_script_path": msg.new_session.main_script_path, "streamlit_version": env.streamlit_version,
                     "python_version": env.python_version, "server_os": env.server_os}  # fmt: skip
            fields |= {name for name, value in found.items() if value}
        elif kind == "navigation":
            pages |= {page.url_pathname for page in msg.navigation.app_pages}
    secrets_of_server = {
        "repository path": str(REPO).encode(), "app.py": b"app.py", "serve.py": b"serve.py",
        "Streamlit version": streamlit.__version__.encode(), "Python version": platform.python_version().encode(),
    }  # fmt: skip
    tokens = {name for name, token in secrets_of_server.items() if any(token in f for f in frames.frames[since:])}
    return {"pages": pages, "fields": fields, "tokens": tokens}


def session_id(frames: FrameLog) -> str:
    """The Streamlit session id the server gave this page (from its last NewSession message)."""
    ids = [m.new_session.initialize.session_id for m in forward_msgs(frames) if m.WhichOneof("type") == "new_session"]
    assert ids, "no NewSession message received"
    return ids[-1]


def identity_cookies(context: object) -> list[dict[str, object]]:
    """The browser's Streamlit identity cookies (what someone copying them would take)."""
    return [c for c in context.cookies() if str(c["name"]).startswith(IDENTITY_COOKIE)]


def sign_out(page: object, stack: HostedStack, app: str) -> None:
    """Click "Sign out", confirm at the provider, and wait for the sign-in screen."""
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{stack.issuer}{SIGNED_OUT_PAGE}**")
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(lambda url: url.startswith(app) and "/oauth2callback" not in url)
    wait_until_idle(page)


def download_url(page: object, label: str = "CSV") -> str:
    """Click the first download button called ``label`` and return the URL the browser downloaded from."""
    button = page.locator('[data-testid="stDownloadButton"] button').filter(has_text=label).first
    with page.expect_download() as download:
        button.click()
    return download.value.url


_FETCH = """async ([method, url, xsrf, csv]) => {
    const init = {method, credentials: "same-origin", headers: xsrf ? {"X-Xsrftoken": xsrf} : {}};
    if (csv !== null) {
        init.body = new FormData();
        init.body.append("file", new Blob([csv], {type: "text/csv"}), "probe.csv");
    }
    const response = await fetch(url, init);
    return [response.status, await response.text()];
}"""


def fetch(page: object, url: str) -> tuple[int, str]:
    """GET ``url`` from inside ``page`` (its cookies, its browser's name resolution): (status, body text).

    The page must be on the dashboard's origin (open it first).
    """
    status, text = page.evaluate(_FETCH, ["GET", url, None, None])
    return status, text


def upload(page: object, base: str, session: str) -> tuple[int, str]:
    """PUT a small CSV to Streamlit's upload URL for ``session`` from inside ``page``, as its file uploader does:
    (status, body text). With the browser's own cookies and XSRF token, so Streamlit's cross-site check passes.
    """
    xsrf = next((c["value"] for c in page.context.cookies() if c["name"] == "_streamlit_xsrf"), "")
    url = f"{base}/_stcore/upload_file/{session}/{secrets.token_hex(8)}"
    status, text = page.evaluate(_FETCH, ["PUT", url, xsrf, "a,b\n1,2\n"])
    return status, text


def forged_identity(value: dict[str, object]) -> str:
    """An identity cookie value for ``value`` signed the way Streamlit signs, but with a secret of our own."""
    from streamlit.web.server.starlette.starlette_app_utils import create_signed_value

    return create_signed_value(secrets.token_hex(32), IDENTITY_COOKIE, json.dumps(value)).decode()
