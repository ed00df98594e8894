"""serve.py's hosted checks without a browser: which messages a browser may send, and failing closed when the
database that holds the sign-out record cannot be read (no data, no admission, a clear error for the run)."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Iterator

import pytest
from starlette.routing import Route
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: TID251 (the message type serve.py filters)

import serve
from components.auth import SignInUncheckable
from data.db import make_engine
from settings import get_settings

pytestmark = pytest.mark.unit

USER = {"is_logged_in": True, "email": "ann.analyst@nhs.net", "iat": 1_700_000_000, "origin": "https://x"}


def _message(kind: str, payload: str | None = None) -> BackMsg:
    """A BackMsg of ``kind`` (any field of its ``type`` oneof), its backend operation ``payload`` when given."""
    msg = BackMsg()
    field = BackMsg.DESCRIPTOR.fields_by_name[kind]
    if field.message_type is None:
        setattr(msg, kind, True if field.type == field.TYPE_BOOL else field.default_value or 1)
    else:
        getattr(msg, kind).SetInParent()
    if payload is not None:
        getattr(msg.backend_operation_request, payload).SetInParent()
    assert msg.WhichOneof("type") == kind
    return msg


def _kinds() -> list[str]:
    return [f.name for f in BackMsg.DESCRIPTOR.oneofs_by_name["type"].fields]


def test_every_message_kind_but_the_listed_ones_is_refused():
    """Each kind Streamlit defines (so also one a future Streamlit adds) is refused unless serve.py lists it."""
    kinds = _kinds()
    assert set(kinds) >= serve.ALLOWED_BACK_MESSAGES
    refused = [k for k in kinds if k not in serve.ALLOWED_BACK_MESSAGES and k != "backend_operation_request"]
    assert {"clear_cache", "set_run_on_save", "load_git_info"} <= set(refused)  # the kinds the issue named
    for kind in kinds:
        if kind != "backend_operation_request":
            assert serve.allowed_back_message(_message(kind)) is (kind in serve.ALLOWED_BACK_MESSAGES), kind


def test_only_listed_backend_operations_are_allowed():
    operation = BackMsg.DESCRIPTOR.fields_by_name["backend_operation_request"].message_type
    payloads = [f.name for f in operation.oneofs_by_name["payload"].fields]
    assert set(payloads) >= serve.ALLOWED_BACKEND_OPERATIONS
    for payload in payloads:
        allowed = serve.allowed_back_message(_message("backend_operation_request", payload))
        assert allowed is (payload in serve.ALLOWED_BACKEND_OPERATIONS), payload
    assert not serve.allowed_back_message(_message("backend_operation_request"))  # an empty request


@pytest.mark.parametrize(("hosted", "delivered"), [(True, ["rerun_script"]), (False, ["clear_cache", "rerun_script"])])
def test_the_filter_drops_refused_messages_only_in_hosted_mode(monkeypatch, hosted, delivered):
    monkeypatch.setattr(serve, "_hosted", lambda: hosted)
    seen: list[str] = []
    handle = serve._only_allowed_messages(lambda _session, msg: seen.append(msg.WhichOneof("type")))
    for kind in ("clear_cache", "rerun_script"):
        handle(object(), _message(kind))
    assert seen == delivered


def test_streamlit_sessions_run_through_the_filter():
    """serve.py wrapped the handler Streamlit calls for every browser message (not just defined a function)."""
    from streamlit.runtime.app_session import AppSession  # noqa: TID251 (the class serve.py wraps)

    assert getattr(AppSession.handle_backmsg, "hosted_scrub", False)


@pytest.fixture
def database_down(tmp_path, monkeypatch) -> Iterator[None]:
    """serve.py's engines point at a database that cannot be opened (as when PostgreSQL is down)."""
    unreachable = make_engine(f"sqlite:///{tmp_path / 'missing-folder' / 'db.sqlite'}")
    monkeypatch.setattr(serve, "_engines", lambda: (unreachable, unreachable))
    monkeypatch.setattr(serve, "_hosted", lambda: True)
    monkeypatch.setattr(serve, "identity", lambda cookies: dict(USER) if cookies.get("id") == "valid" else None)
    monkeypatch.setattr(serve, "session_expired", lambda *args: False)
    yield
    unreachable.dispose()
    get_settings.cache_clear()


def test_an_unreadable_sign_out_record_refuses_every_identity(database_down):
    assert serve.revoked(USER) is True
    assert serve.signed_in({"id": "valid"}) is False
    with pytest.raises(SignInUncheckable):  # app.py's run shows a clear error rather than the sign-in screen
        serve.revoked_or_uncheckable(USER)


def _get(app: object, path: str, cookie: str = "") -> tuple[int, bytes]:
    """One GET through an ASGI app, as the server would make it: (status, body)."""
    sent: list[dict] = []
    scope = {
        "type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
        "headers": [(b"cookie", cookie.encode())] if cookie else [], "scheme": "http", "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 1), "root_path": "", "http_version": "1.1",
    }  # fmt: skip

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    # in a thread of its own: an earlier test in the same process (Playwright's sync API) may hold this thread's
    # event loop, where asyncio.run refuses to start
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_downloads_uploads_and_the_proxy_check_are_refused_while_the_database_is_down(database_down):
    reached: list[str] = []

    async def streamlit(scope, receive, send) -> None:  # stands for Streamlit's own routes
        reached.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"file contents"})

    gate = serve.HostedGate(streamlit)
    for path in ("/media/0123abcd.csv", "/_stcore/upload_file/session/file"):
        status, body = _get(gate, path, "id=valid")
        assert (status, body) == (401, b"Sign in first."), path
    assert reached == []  # nothing was served
    assert _get(Route(serve.SESSION_CHECK_PATH, serve.session_check), serve.SESSION_CHECK_PATH, "id=valid")[0] == 401
    assert _get(gate, "/_stcore/health")[0] == 200  # what needs no identity still answers
