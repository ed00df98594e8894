"""Hosted mode behind nginx: the OpenID Connect provider of tests/auth and two ``APP_MODE=hosted`` instances.

The pieces tests/deploy/cluster.py and tests/auth already have are reused, not copied: the rendered
deploy/nginx.conf, the instance and nginx process handling (:class:`~tests.deploy.cluster.Cluster`), the provider
script, its accounts and the hosted instances' environment (``tests.auth``). What is added here:

* :class:`OidcProvider`: ``node tests/auth/oidc_provider.mjs`` registered with the *public* redirect URI
  ``https://benefits.example.nhs.uk:<nginx https port>/oauth2callback``, the one a browser comes back to through
  nginx (tests/auth registers each instance's own loopback URL instead);
* :func:`write_secrets`: one ``[auth]`` secrets file that every instance is started with (``--secrets.files``),
  so they share one ``cookie_secret``, as docs/deploy.md requires for several instances;
* :class:`HostedCluster`: :class:`~tests.deploy.cluster.Cluster` with its instances in hosted mode (``streamlit run
  serve.py``; the base class starts app.py in local mode, where sign-in is not tested);
* :class:`HostedPair` and :class:`Person`: what the ``hosted_pair`` and ``visit`` fixtures (tests/deploy/conftest.py)
  hand to a test.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.auth.conftest import CLIENT_ID, NODE_MODULES, PROVIDER_SCRIPT
from tests.auth.flows import Account, FrameLog, HostedStack
from tests.deploy.cluster import (
    ROUTE_COOKIE,
    SERVER_NAME,
    STARTUP_SECONDS,
    Cluster,
    read_access_log,
)

CALLBACK_PATH = "/oauth2callback"
# A desktop Chrome's user agent; each browser context appends a marker so nginx's log can tell them apart.
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36"


def public_redirect_uri(https_port: int) -> str:
    """The redirect URI as the browser sees it: the dashboard's public name, through nginx, never an instance."""
    return f"https://{SERVER_NAME}:{https_port}{CALLBACK_PATH}"


@dataclass
class OidcProvider:
    """tests/auth/oidc_provider.mjs on a loopback port, with one confidential client and the given accounts."""

    node: str
    port: int
    folder: Path
    client_secret: str
    redirect_uris: list[str]
    accounts: list[Account]
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def issuer(self) -> str:
        """The provider's issuer URL (plain HTTP on loopback, as in tests/auth)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        """The provider's stdout and stderr."""
        return self.folder / "oidc-provider.log"

    def start(self) -> None:
        """Write the accounts file and start node (the client secret goes in the environment, not on ``ps``)."""
        accounts = self.folder / "accounts.json"
        accounts.write_text(json.dumps([account.provider_entry() for account in self.accounts]))
        uris = [arg for uri in self.redirect_uris for arg in ("--redirect-uri", uri)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    self.node, str(PROVIDER_SCRIPT), "--port", str(self.port), "--client-id", CLIENT_ID, *uris,
                    "--accounts", str(accounts), "--id-token-ttl", "600", "--modules", str(NODE_MODULES.parent),
                ],
                env={**os.environ, "OIDC_CLIENT_SECRET": self.client_secret},
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def wait_ready(self, timeout_s: float = STARTUP_SECONDS, restarts: int = 1) -> None:
        """Wait until the discovery document answers 200; fail with the log when node exits or time runs out.

        A node that is alive but has not listened by the deadline is killed and started again on the same port (the
        issuer, and so the instances' secrets, stay valid), ``restarts`` times: once in ~2,300 CI tests a provider
        printed its start-up warning and then never listened, while the same module had passed minutes before.
        """
        url = f"{self.issuer}/.well-known/openid-configuration"
        deadline = time.monotonic() + timeout_s
        while True:
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"the OIDC provider exited:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                if restarts > 0:
                    with self.log_path.open("a") as log:
                        log.write(f"\n[test harness] no answer at {url} in {timeout_s:.0f} s: restarting node\n")
                    self.stop()
                    self.start()
                    self.wait_ready(timeout_s, restarts - 1)
                    return
                raise TimeoutError(f"the OIDC provider did not answer {url} in {timeout_s:.0f} s:\n{self.log_tail()}")
            time.sleep(0.2)

    def stop(self) -> None:
        """SIGTERM (the script closes its server and exits), SIGKILL if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the provider's log, for failure messages."""
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


def write_secrets(folder: Path, *, redirect_uri: str, issuer: str, client_secret: str) -> Path:
    """The ``[auth]`` secrets file every instance reads: one random ``cookie_secret``, one redirect URI (public)."""
    path = folder / "secrets.toml"
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "{redirect_uri}"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{client_secret}"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
    )
    path.chmod(0o600)
    return path


@dataclass
class HostedCluster(Cluster):
    """:class:`Cluster` with both instances in ``APP_MODE=hosted``, started with the same ``--secrets.files``.

    ``start(env)`` takes the instances' whole environment (e.g. ``tests.auth.conftest.app_env``, which drops
    inherited settings and keeps loopback traffic off any proxy); the database URLs, mode and cookie secret are
    set on top of it, as :meth:`Cluster.start` does for local mode.
    """

    secrets_file: Path | None = None

    def start(self, env: Mapping[str, str]) -> None:
        """Start both instances in hosted mode with the shared secrets file, then nginx (see Cluster.start)."""
        assert self.secrets_file is not None, "HostedCluster needs secrets_file (see write_secrets)"
        self.app_mode = "hosted"
        self.extra_args = ("--secrets.files", str(self.secrets_file))
        super().start(env)

    def logs(self) -> str:
        """The end of each instance's log and of nginx's error log, for a failed test's report."""
        parts = [f"--- streamlit {label} ---\n{inst.log_tail()}" for label, inst in self.instances.items()]
        for name in ("error.log", "benefits-dashboard.error.log"):
            error_log = self.folder / name
            if error_log.exists():
                parts.append(f"--- nginx {name} ---\n{error_log.read_text(errors='replace')[-3000:]}")
        return "\n".join(parts)


@dataclass
class HostedPair:
    """The provider, the hosted cluster behind nginx, and what tests/auth/flows.py's sign-in steps need."""

    provider: OidcProvider
    cluster: HostedCluster
    stack: HostedStack  # issuer and demo names; its app URLs are the public one through nginx


@dataclass
class Person:
    """One browser context through nginx, told apart in its access log by a marker in the user agent."""

    marker: str
    context: object
    page: object
    frames: FrameLog = field(default_factory=FrameLog)

    def route(self) -> str | None:
        """The route cookie nginx last set in this browser (None before the first response)."""
        values = [c["value"] for c in self.context.cookies() if c["name"] == ROUTE_COOKIE]
        return values[0] if values else None

    def log(self, access_log: Path, since: int = 0) -> list[dict[str, object]]:
        """nginx's log entries for this browser's requests from line ``since`` on, oldest first."""
        return [e for e in read_access_log(access_log)[since:] if self.marker in str(e.get("user_agent", ""))]
