"""The HTTP tier of `make bench`: gunicorn with production settings serves
the floor page and every main page over a real socket to wrk, a load generator in another
process; requests per second and the 95th percentile of the response time.

gunicorn runs as it runs in production (PRAKTIJK_ENV=production: DEBUG off, Redis cache, the
security middleware, whitenoise) against the benchmark's committed practice in the test
database, with the test process's SECRET_KEY and encryption keys so that the coach's session and
the stored texts stay valid. The requests say they came over HTTPS (X-Forwarded-Proto, as the
proxy in front of gunicorn says in production), so the site answers instead of redirecting."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

HOST = "praktijk.example"
WORKERS = 3  # the Procfile's default (WEB_CONCURRENCY)
CONNECTIONS, SECONDS = 8, 10

# wrk's script: the coach's session cookie (kept out of the command line, where `ps` would show
# it), every answer other than 200 counted (wrk itself counts only 4xx and 5xx, so a redirect to
# the login would pass), and the summary in a form this module reads back (wrk's own output has no
# 95th percentile).
SCRIPT = """
wrk.headers["Cookie"] = "%(cookie)s"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_ok = 0 end
function response(status, headers, body)
  if status ~= 200 then not_ok = not_ok + 1 end
end
function done(summary, latency, requests)
  local e, bad = summary.errors, 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("not_ok") end
  io.write(string.format("requests %%d\\nduration_us %%d\\nerrors %%d\\nnot_ok %%d\\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    bad))
  io.write(string.format("p50_us %%d\\np95_us %%d\\n",
    latency:percentile(50), latency:percentile(95)))
end
"""
# What gunicorn gets of this process's environment besides its own settings: nothing that could
# point the production-mode server at a real mail server, error tracker or other service.
PASSED_ON = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ", "VIRTUAL_ENV")


def wrk_path() -> str | None:
    return shutil.which("wrk")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_environment() -> dict[str, str]:
    """The test database, as DATABASE_URL and libpq's variables (a password is not in the URL)."""
    db = connection.settings_dict
    user, host = quote(db["USER"] or "postgres"), db["HOST"] or "127.0.0.1"
    url = f"postgres://{user}@{host}:{db['PORT'] or 5432}/{quote(db['NAME'])}"
    ssl = db.get("OPTIONS", {}).get("sslmode")
    return {
        "DATABASE_URL": url + (f"?sslmode={ssl}" if ssl else ""),
        **({"PGPASSWORD": db["PASSWORD"]} if db.get("PASSWORD") else {}),
    }


def _environment() -> dict[str, str]:
    return {
        **{name: os.environ[name] for name in PASSED_ON if name in os.environ},
        "DJANGO_SETTINGS_MODULE": "coaching.settings",
        "PRAKTIJK_ENV": "production",
        "SECRET_KEY": settings.SECRET_KEY,
        "PRAKTIJK_ENCRYPTION_KEYS": ",".join(settings.PRAKTIJK_ENCRYPTION_KEYS),
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": f"https://{HOST}",
        **database_environment(),
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


def _wrk(port: int, path: str, script: Path, seconds: int = SECONDS) -> dict:
    result = subprocess.run(
        [
            wrk_path(),
            "--threads=1",
            f"--connections={CONNECTIONS}",
            f"--duration={seconds}s",
            "--timeout=10s",  # a slow answer is in the p95; only no answer at all is an error
            f"--script={script}",
            "--header=Host: " + HOST,
            "--header=X-Forwarded-Proto: https",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    figures = dict(re.findall(r"^(\w+) (\d+)$", result.stdout, flags=re.M))
    if result.returncode or "p95_us" not in figures:
        raise RuntimeError(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return {
        "rps": int(figures["requests"]) / (int(figures["duration_us"]) / 1e6),
        "p50": int(figures["p50_us"]) / 1000,
        "p95": int(figures["p95_us"]) / 1000,
        "errors": int(figures["errors"]) + int(figures["not_ok"]),
        "requests": int(figures["requests"]),
    }


def measure_http(pages: dict[str, tuple[str, str]]) -> dict[str, dict]:
    """Each page (name -> (path, the session cookie of the person who opens it)) under load, one
    after another. A page must answer 200 itself: a redirect (to the login, the second factor)
    counts as an error."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as scratch:
        scripts = {}
        for cookie in {cookie for _path, cookie in pages.values()}:
            script = Path(scratch) / f"report-{len(scripts)}.lua"
            script.touch(mode=0o600)
            script.write_text(SCRIPT % {"cookie": cookie})
            scripts[cookie] = script
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
            start_new_session=True,  # its workers are stopped with it, whatever happens
        )

        def server_log() -> str:
            log.seek(0)
            return log.read()[-3000:]

        try:
            for _ in range(150):
                if server.poll() is not None:
                    raise RuntimeError(f"gunicorn stopped ({server.returncode}):\n{server_log()}")
                try:
                    _get(port, "/healthz", "")
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                raise RuntimeError(f"gunicorn did not start in 30 s:\n{server_log()}")
            results = {}
            for name, (path, cookie) in pages.items():
                status, body = _get(port, path, cookie)
                assert status == 200 and "</html>" in body, (name, status, server_log())
                _wrk(port, path, scripts[cookie], seconds=3)  # warm-up: every worker served it
                results[name] = _wrk(port, path, scripts[cookie])
            return results
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=45)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            log.close()
