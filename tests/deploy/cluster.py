"""The hosted tier's moving parts: a PostgreSQL database, two Streamlit instances and nginx running deploy/nginx.conf.

Everything listens on loopback ports chosen at run time. nginx runs the repository's own site file, rendered by
``render_site`` with only the listen ports, the instances' ports, and the certificate and log paths changed (a
self-signed certificate for the configured host name stands in for the organisation's). Browsers reach the proxy
as ``https://benefits.example.nhs.uk:<port>/`` because Chromium is told to resolve that name to 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SITE_CONF = REPO / "deploy" / "nginx.conf"
NGINX = Path("/usr/sbin/nginx")
SERVER_NAME = "benefits.example.nhs.uk"
ROUTE_COOKIE = "benefits_route"
PRODUCTION_PORTS = {"a": 8501, "b": 8502}
STARTUP_SECONDS = 90
CACHE_CHECK_SECONDS = 1


@dataclass(frozen=True)
class Ports:
    """The loopback ports the proxy listens on (HTTPS, HTTP) and each instance's port, by route label."""

    https: int
    http: int
    instances: Mapping[str, int]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ------------------------------------------------------------------------------------------- the nginx site file


def _code_lines(text: str) -> str:
    """The configuration without its comments (what nginx reads)."""
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def render_site(template: str, *, ports: Ports, cert: Path, key: Path, log_dir: Path) -> str:
    """deploy/nginx.conf with its production ports and paths replaced by this run's, and nothing else changed.

    Raises ``AssertionError`` when a replacement finds nothing, or when a production port or path is still in a
    directive afterwards, so the sample file and the tested file cannot drift apart unnoticed.
    """
    replacements = [
        (r"listen 443\b", f"listen 127.0.0.1:{ports.https}"),
        (r"listen 80\b", f"listen 127.0.0.1:{ports.http}"),
        (re.escape(f"/etc/ssl/certs/{SERVER_NAME}.pem"), str(cert)),
        (re.escape(f"/etc/ssl/private/{SERVER_NAME}.key"), str(key)),
        ("/var/log/nginx/", f"{log_dir}/"),
    ] + [(rf":{PRODUCTION_PORTS[label]}\b", f":{port}") for label, port in ports.instances.items()]
    text = template
    for pattern, new in replacements:
        assert re.search(pattern, _code_lines(text)), f"deploy/nginx.conf has no {pattern!r}; update render_site"
        text = re.sub(pattern, lambda _match, new=new: new, text)
    code = _code_lines(text)
    production = (r"listen 443\b", r"listen 80\b", "/etc/ssl/", "/var/log/", r":850[12]\b")
    leftovers = [pattern for pattern in production if re.search(pattern, code)]
    assert not leftovers, f"deploy/nginx.conf has production values render_site does not replace: {leftovers}"
    return text


def main_config(site: Path, folder: Path) -> str:
    """The process-level part Debian's /etc/nginx/nginx.conf provides in production, pointing into ``folder``."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach the temp folders under /tmp/pytest-*
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} warn;\n"
        "events { worker_connections 512; }\n"
        "http {\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        f"    sendfile on;\n{temp}\n    include {site};\n}}\n"
    )


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate and key for SERVER_NAME, valid for a day (stands in for the real one)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SERVER_NAME)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(SERVER_NAME)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "server.pem", folder / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    return cert_path, key_path


# ------------------------------------------------------------------------------------------------------ processes


def _wait_for(condition: Callable[[], bool], *, timeout_s: float, what: str, step_s: float = 0.2) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(step_s)


def _healthy(url: str) -> bool:
    with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:
        return response.status == 200
    return False


@dataclass
class Instance:
    """One ``streamlit run <script>`` process (app.py; serve.py in hosted mode) on a loopback port, known to nginx
    by its route label."""

    label: str
    port: int
    env: Mapping[str, str]
    args: list[str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    script: str = "app.py"

    @property
    def address(self) -> str:
        """host:port, as nginx writes it in ``$upstream_addr``."""
        return f"127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        """True while the process is alive."""
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start the process (its log is appended to, so a restart keeps the earlier output)."""
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"\n----- start {self.starts} -----\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", self.script, "--server.port", str(self.port), *self.args],
                cwd=REPO, env=dict(self.env), stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def wait_healthy(self, timeout_s: float = STARTUP_SECONDS) -> None:
        """Wait until /_stcore/health answers 200; fail with the log's tail when the process dies first."""
        url = f"http://{self.address}/_stcore/health"

        def ready() -> bool:
            if not self.running:
                raise RuntimeError(f"instance {self.label} exited: {self.log_tail()}")
            return _healthy(url)

        _wait_for(ready, timeout_s=timeout_s, what=f"instance {self.label} to answer {url}")

    def stop(self) -> None:
        """Stop the process as a service manager would (SIGTERM; SIGKILL after 15 s)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the instance's log, for failure messages."""
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


@dataclass
class Nginx:
    """nginx in the foreground (``daemon off``) with its own prefix, pid, logs and temp folders."""

    folder: Path
    config: Path
    https_port: int
    process: subprocess.Popen[bytes] | None = None

    def command(self, *extra: str) -> list[str]:
        """The nginx command line for this prefix and configuration."""
        return [str(NGINX), "-p", str(self.folder), "-c", str(self.config), "-g", "daemon off;", *extra]

    def start(self) -> None:
        """Check the configuration (``nginx -t``), start, and wait until the HTTPS port accepts connections."""
        checked = subprocess.run(self.command("-t"), capture_output=True, text=True, check=False)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx -t rejected the rendered configuration:\n{checked.stderr}")
        log = (self.folder / "nginx.out").open("ab")
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT)
        log.close()

        def listening() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {(self.folder / 'error.log').read_text(errors='replace')}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.https_port), timeout=1):
                return True
            return False

        _wait_for(listening, timeout_s=20, what="nginx to listen")

    def stop(self) -> None:
        """Graceful shutdown (SIGQUIT lets workers finish), then SIGKILL if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


@dataclass
class Cluster:
    """Two instances on one database behind nginx; ``base`` is the URL a browser uses."""

    folder: Path
    database_url: str
    read_url: str  # the read-only role every page reads through (DATABASE_READ_URL)
    ports: Ports
    cert: Path
    instances: dict[str, Instance] = field(default_factory=dict)
    nginx: Nginx | None = None
    app_mode: str = "local"  # APP_MODE of both instances
    extra_args: tuple[str, ...] = ()  # more `streamlit run` options for both instances

    @property
    def base(self) -> str:
        """The dashboard's public URL through the proxy (HTTPS, the configured host name, this run's port)."""
        return f"https://{SERVER_NAME}:{self.ports.https}"

    def direct(self, label: str) -> str:
        """An instance's own URL, bypassing nginx (its allowedHosts accepts the host name on any port)."""
        return f"http://{SERVER_NAME}:{self.instances[label].port}"

    @property
    def access_log(self) -> Path:
        """nginx's JSON access log for the dashboard."""
        return self.folder / "benefits-dashboard.access.log"

    def label_of(self, address: str) -> str:
        """The route label ("a" or "b") of an instance address as nginx logs it."""
        return next(label for label, inst in self.instances.items() if inst.address == address)

    def start(self, env: Mapping[str, str]) -> None:
        """Start both instances (in parallel), wait for their health, then render and start nginx."""
        cookie_secret = secrets.token_urlsafe(32)  # the same on every instance, as docs/deploy.md requires
        instance_env = {
            **env,
            "DATABASE_URL": self.database_url,
            "DATABASE_READ_URL": self.read_url,
            "APP_MODE": self.app_mode,
            "DEMO_ON_EMPTY": "false",
            "CACHE_CHECK_SECONDS": str(CACHE_CHECK_SECONDS),
            "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret,
        }
        args = [
            "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none", "--server.allowedHosts", SERVER_NAME,
            "--server.corsAllowedOrigins", self.base, *self.extra_args,
        ]  # fmt: skip
        for label, port in self.ports.instances.items():
            self.instances[label] = Instance(
                label, port, instance_env, args, self.folder / f"streamlit-{label}.log",
                script="serve.py" if self.app_mode == "hosted" else "app.py",
            )  # fmt: skip
            self.instances[label].start()
        for instance in self.instances.values():
            instance.wait_healthy()
        site = self.folder / "benefits-dashboard.conf"
        site.write_text(
            render_site(SITE_CONF.read_text(), ports=self.ports, cert=self.cert, key=self.cert.with_suffix(".key"),
                        log_dir=self.folder)
        )  # fmt: skip
        main = self.folder / "nginx.conf"
        main.write_text(main_config(site, self.folder))
        self.nginx = Nginx(self.folder, main, self.ports.https)
        self.nginx.start()

    def ensure_running(self) -> None:
        """Restart any instance a test stopped, so every test starts with both up."""
        stopped = [inst for inst in self.instances.values() if not inst.running]
        for instance in stopped:
            instance.start()
        for instance in stopped:
            instance.wait_healthy()

    def stop(self) -> None:
        """Stop nginx and the instances."""
        if self.nginx is not None:
            self.nginx.stop()
        for instance in self.instances.values():
            instance.stop()


# ------------------------------------------------------------------------------------------------ HTTP and logs


@dataclass(frozen=True)
class Response:
    """Status, headers (lower-case names; repeated headers joined as a list) and body of one HTTP response."""

    status: int
    headers: dict[str, list[str]]
    body: bytes

    def header(self, name: str) -> str | None:
        """The header's single value (None when absent); fails when it was sent more than once."""
        values = self.headers.get(name.lower(), [])
        assert len(values) <= 1, f"{name} sent {len(values)} times: {values}"
        return values[0] if values else None


class _Connection(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 with a chosen TLS server name (SNI), as a browser that resolved the name would send."""

    def __init__(self, port: int, sni: str, context: ssl.SSLContext, timeout: float) -> None:
        super().__init__("127.0.0.1", port, context=context, timeout=timeout)
        self._sni = sni
        self._ssl_context = context

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._ssl_context.wrap_socket(sock, server_hostname=self._sni)


def tls_context(cert: Path | None) -> ssl.SSLContext:
    """Trust only the test certificate (hostname checked), or, without one, accept anything (to probe refusals)."""
    if cert is None:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=str(cert))


def request(
    port: int,
    method: str,
    path: str,
    *,
    context: ssl.SSLContext | None,
    host: str = SERVER_NAME,
    sni: str = SERVER_NAME,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 15,
) -> Response:
    """One request to 127.0.0.1:``port`` (HTTPS with ``context``, plain HTTP without) with this Host header."""
    conn: http.client.HTTPConnection = (
        _Connection(port, sni, context, timeout)
        if context is not None
        else http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    )
    try:
        conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        response = conn.getresponse()
        grouped: dict[str, list[str]] = {}
        for name, value in response.getheaders():
            grouped.setdefault(name.lower(), []).append(value)
        return Response(response.status, grouped, response.read())
    finally:
        conn.close()


def read_access_log(path: Path) -> list[dict[str, object]]:
    """nginx's JSON access log, one dict per request."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_for_log(
    path: Path, select: Callable[[dict[str, object]], bool], *, minimum: int = 1, timeout_s: float = 20
) -> list[dict[str, object]]:
    """The access-log entries ``select`` picks, once there are at least ``minimum`` (WebSocket lines come late)."""
    found: list[dict[str, object]] = []

    def enough() -> bool:
        nonlocal found
        found = [entry for entry in read_access_log(path) if select(entry)]
        return len(found) >= minimum

    _wait_for(enough, timeout_s=timeout_s, what=f"{minimum} matching access-log lines in {path}")
    return found


def answered_by(entry: Mapping[str, object]) -> str:
    """The address of the instance that finally answered a logged request (the last one nginx tried)."""
    return re.split(r"[,:]\s", str(entry["upstream"]))[-1].strip()
