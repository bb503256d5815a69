"""The HTTP tier of `make bench` (issue 10, point 3): gunicorn with production settings serves
the floor page and the coach's dashboard over a real socket to wrk, a load generator in another
process; requests per second and the 95th percentile of the response time.

gunicorn runs as it runs in production (PRAKTIJK_ENV=production: DEBUG off, Redis cache, the
security middleware, whitenoise) against the benchmark's committed practice in the test
database, with the test process's SECRET_KEY and encryption keys so that the coach's session and
the stored texts stay valid. The requests say they came over HTTPS (X-Forwarded-Proto, as the
proxy in front of gunicorn says in production), so the site answers instead of redirecting."""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

HOST = "praktijk.example"
WORKERS = 3  # the Procfile's default (WEB_CONCURRENCY)
CONNECTIONS, SECONDS = 8, 15

# wrk's summary in a form this module reads back (its own output has no 95th percentile).
REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("requests %d\\nduration_us %d\\nerrors %d\\np50_us %d\\np95_us %d\\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""


def wrk_path() -> str | None:
    return shutil.which("wrk")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _environment() -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("PRAKTIJK_", "DJANGO_"))}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "coaching.settings",
        "PRAKTIJK_ENV": "production",
        "SECRET_KEY": settings.SECRET_KEY,
        "PRAKTIJK_ENCRYPTION_KEYS": ",".join(settings.PRAKTIJK_ENCRYPTION_KEYS),
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": f"https://{HOST}",
        "DATABASE_URL": _database_url(),
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/12"),
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13"),
        "LOG_LEVEL": "WARNING",
    }


def _get(port: int, path: str, cookie: str) -> tuple[int, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={"Host": HOST, "Cookie": cookie, "X-Forwarded-Proto": "https"},
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _wrk(port: int, path: str, cookie: str, script: Path, seconds: int = SECONDS) -> dict:
    result = subprocess.run(
        [
            wrk_path(),
            "--threads=1",
            f"--connections={CONNECTIONS}",
            f"--duration={seconds}s",
            f"--script={script}",
            "--header=Host: " + HOST,
            "--header=Cookie: " + cookie,
            "--header=X-Forwarded-Proto: https",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    figures = dict(re.findall(r"^(\w+) (\d+)$", result.stdout, flags=re.M))
    return {
        "rps": int(figures["requests"]) / (int(figures["duration_us"]) / 1e6),
        "p50": int(figures["p50_us"]) / 1000,
        "p95": int(figures["p95_us"]) / 1000,
        "errors": int(figures["errors"]),
        "requests": int(figures["requests"]),
    }


def measure_http(pages: dict[str, str], cookie: str, expect: dict[str, str]) -> dict[str, dict]:
    """Each page (name -> path) under load, one after another, by a coach's session cookie;
    `expect` holds a text each page must show (it really is the page, not a login redirect)."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "report.lua"
        script.write_text(REPORT)
        environment = {**_environment(), "STATIC_ROOT": str(Path(scratch) / "static")}
        subprocess.run(  # as a deployment does: the hashed names the pages link to
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity=0"],
            cwd=settings.BASE_DIR,
            env=environment,
            check=True,
        )
        log = open(Path(scratch) / "gunicorn.log", "w+")  # noqa: SIM115 - read back on failure
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "bench.wsgi",
                f"--bind=127.0.0.1:{port}",
                f"--workers={WORKERS}",
                "--forwarded-allow-ips=127.0.0.1",
            ],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(100):
                try:
                    status, _body = _get(port, "/healthz", "")
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                raise RuntimeError("gunicorn did not start")
            results = {}
            for name, path in pages.items():
                status, body = _get(port, path, cookie)
                log.seek(0)
                assert status == 200 and expect[name] in body, (name, status, log.read()[-3000:])
                _wrk(port, path, cookie, script, seconds=3)  # warm-up: every worker served it
                results[name] = _wrk(port, path, cookie, script)
            return results
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
