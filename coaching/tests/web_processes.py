"""Web processes of their own for the tests that show the rules hold across processes: gunicorn
(as production runs it, one sync worker per process here) on the test database and the same
cache as the test process, with the development settings (production mode asks for PostgreSQL
and Redis; these tests also run on SQLite and the file cache). And a visitor over plain HTTP who
can be sent to either process, as a load balancer would."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.conf import settings

from coaching.tests.workers import database_url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def shared_cache_url() -> str:
    """The cache this test process uses, as CACHE_URL for another process: this run's CACHE_URL
    (Redis in CI), else the file cache the settings default to."""
    cache = settings.CACHES["default"]
    if cache["BACKEND"].endswith("RedisCache"):
        return cache["LOCATION"]
    if cache["BACKEND"].endswith("FileBasedCache"):
        return f"file://{cache['LOCATION']}"
    pytest.fail(f"No cache shared between processes: {cache['BACKEND']}")


@dataclass
class WebProcess:
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        return self.log.read_text()[-5000:]


def _start(log: Path, queue: str) -> WebProcess:
    port = free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coaching.settings",
        "PRAKTIJK_ENV": "development",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": database_url(),
        "CACHE_URL": shared_cache_url(),
        # The test's own prefix (conftest: one per test), so that both processes and the test
        # count the same rate limits and read the same sessions.
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        # What the pages hand to a worker goes to a queue of the test's own (purged afterwards).
        "CELERY_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "coaching.wsgi",
                f"--bind=127.0.0.1:{port}",
                "--workers=1",
                "--graceful-timeout=5",
            ],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its worker is stopped with it, whatever happens
        )
    return WebProcess(port, process, log)


def _wait_healthy(web: WebProcess, deadline: float) -> None:
    while time.monotonic() < deadline:
        if web.process.poll() is not None:
            pytest.fail(f"gunicorn stopped ({web.process.returncode}):\n{web.log_text()}")
        try:
            with urllib.request.urlopen(f"{web.base}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer /healthz in time:\n{web.log_text()}")


def _stop(web: WebProcess) -> None:
    with suppress(ProcessLookupError):
        os.killpg(web.process.pid, signal.SIGTERM)
    try:
        web.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(web.process.pid, signal.SIGKILL)
        web.process.wait()


@contextmanager
def web_processes(tmp_path: Path, queue: str, count: int = 2, seconds: float = 60):
    """`count` gunicorn processes, started at once; each answers /healthz before this yields."""
    webs = [_start(tmp_path / f"web-{index}.log", queue) for index in range(count)]
    try:
        deadline = time.monotonic() + seconds
        for web in webs:
            _wait_healthy(web, deadline)
        yield webs
    finally:
        for web in webs:
            _stop(web)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass
class Answer:
    status: int
    headers: dict
    body: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


# The site's one public name, which a load balancer passes on to every process unchanged. It
# matters beyond ALLOWED_HOSTS: allauth keys an account's failed logins by the site's host and
# the login, so processes that saw different hosts (a port in it) would each count their own.
HOST = "localhost"


class Visitor:
    """One browser: its cookies (the session, the CSRF token) go with every request, to whichever
    web process the test sends it, under the site's one host name."""

    def __init__(self, cookies: dict[str, str] | None = None):
        self.cookies = dict(cookies or {})

    def get(self, web: WebProcess, path: str) -> Answer:
        return self._send(urllib.request.Request(web.base + path, headers=self._headers()))

    def post(self, web: WebProcess, path: str, data: dict[str, str]) -> Answer:
        """A form sent with the CSRF token of the cookie, as the page's form sends it."""
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.cookies["csrftoken"], **data})
        headers = {**self._headers(), "Content-Type": "application/x-www-form-urlencoded"}
        request = urllib.request.Request(web.base + path, body.encode(), headers, method="POST")
        return self._send(request)

    def _headers(self) -> dict[str, str]:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return {"Host": HOST, **({"Cookie": cookie} if cookie else {})}

    def _send(self, request: urllib.request.Request) -> Answer:
        try:
            with _OPENER.open(request, timeout=60) as response:
                answer = Answer(response.status, dict(response.headers), response.read().decode())
                cookies = response.headers.get_all("Set-Cookie") or []
        except urllib.error.HTTPError as error:  # a redirect, a 4xx, a 5xx: an answer too
            answer = Answer(error.code, dict(error.headers), error.read().decode())
            cookies = error.headers.get_all("Set-Cookie") or []
        for header in cookies:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)  # deleted, as at the logout
                else:
                    self.cookies[name] = morsel.value
        return answer
