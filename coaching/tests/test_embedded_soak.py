"""Soak test of the embedded mode, as `make run` starts it: web (runserver), Celery worker and beat
from Procfile.dev under scripts/supervise.py, on a SQLite database and the SQLite broker in a var/
of their own, whatever this run's own database and broker are (PostgreSQL and Redis in CI).

2,000 tasks are sent while pages are requested from four threads at once; the worker must not
die, each task must run exactly once, and all of it within the time. Then Ctrl-C stops all."""

import contextlib
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.celery_worker

TASKS = 2000
SEND_SECONDS = 30  # the tasks are sent spread over this time, while the pages are requested
DRAIN_LIMIT = 60  # after the last one is sent, all must have run within this time
# The coach's and the public pages; /kennismaking/ computes free times (a busy page).
PAGES = ["/", "/werkwijze/", "/tarieven/", "/kennismaking/", "/healthz", "/coach/",
         "/coach/agenda/", "/coach/clienten/"]  # fmt: skip
EMBEDDED_ONLY = ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "EMAIL_HOST", "SITE_URL")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, limit: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not within {limit} s:\n{log.read_text()[-6000:]}")
        time.sleep(0.2)


class Browser:
    """A logged-in visitor over plain HTTP (cookies and the CSRF token, as a browser keeps them)."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, ""
        except urllib.error.URLError:  # not listening (yet)
            return 0, ""

    def login(self, email: str, password: str) -> None:
        status, html = self.get("/account/login/")
        assert status == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "login": email, "password": password}
        ).encode()
        request = urllib.request.Request(
            self.base + "/account/login/", data=data, headers={"Referer": self.base + "/"}
        )
        with self.opener.open(request, timeout=30) as response:
            assert "/account/login/" not in response.url, "the demo coach could not log in"


def test_the_embedded_stack_runs_2000_tasks_once_while_serving_pages(tmp_path):
    var = tmp_path / "var"
    queue = f"soak-{uuid.uuid4().hex[:8]}"
    port = free_port()
    done = var / "done.txt"
    env = {key: value for key, value in os.environ.items() if key not in EMBEDDED_ONLY}
    env.update(
        PRAKTIJK_VAR_DIR=str(var),
        CELERY_QUEUE=queue,
        CELERY_TASK_ALWAYS_EAGER="false",
        PRAKTIJK_REQUIRE_MFA="false",
        PRAKTIJK_N_PLUS_ONE_CHECK="false",
    )
    env["DJANGO_SETTINGS_MODULE"] = "coaching.settings"
    manage = [sys.executable, "manage.py"]
    for step in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
        subprocess.run(manage + step, cwd=settings.BASE_DIR, env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip

    # Procfile.dev as `make run` uses it; the worker also imports the probe task.
    procfile = tmp_path / "Procfile"
    lines = (Path(settings.BASE_DIR) / "Procfile.dev").read_text().splitlines()
    worker_line = next(line for line in lines if line.startswith("worker:"))
    procfile.write_text(
        "\n".join(
            line + " -I coaching.tests.soak_tasks" if line == worker_line else line
            for line in lines
        )
    )
    log = tmp_path / "supervise.log"
    with log.open("w") as out:
        stack = subprocess.Popen(
            [sys.executable, "scripts/supervise.py", "-f", str(procfile), "-p", str(port)],
            cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: "celery@" in log.read_text() and " ready." in log.read_text(),
                   60, "the worker", log)  # fmt: skip
        wait_until(lambda: Browser(base).get("/healthz")[0] == 200, 60, "the web server", log)
        worker_pid = re.findall(r"worker started \(pid (\d+)\)", log.read_text())

        statuses: Counter = Counter()
        sending = threading.Event()
        sending.set()

        def visitor(index: int) -> None:
            browser = Browser(base)
            browser.login("coach@praktijk.example", "praktijk-demo")
            while sending.is_set():
                status, _html = browser.get(PAGES[index % len(PAGES)])
                statuses[status] += 1
                index += 1

        visitors = [threading.Thread(target=visitor, args=(i,)) for i in range(4)]
        for thread in visitors:
            thread.start()

        # Sent by a process of the embedded mode's configuration, as the web process sends.
        sender = subprocess.Popen(
            [sys.executable, "-c", SEND, str(TASKS), str(SEND_SECONDS), str(done)],
            cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        began = time.monotonic()
        output, _ = sender.communicate(timeout=SEND_SECONDS + 60)
        assert sender.returncode == 0, output
        sent_in = time.monotonic() - began

        def ran() -> list[str]:
            return done.read_text().split() if done.exists() else []

        wait_until(lambda: len(ran()) >= TASKS, DRAIN_LIMIT, f"{TASKS} tasks", log)
        all_in = time.monotonic() - began
        sending.clear()
        for thread in visitors:
            thread.join(timeout=60)
        # Beat ran alongside: its heartbeat reached the worker (each minute, on the minute).
        wait_until(lambda: "coaching.tasks.heartbeat" in log.read_text(), 70, "beat's task", log)
    finally:
        stack.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            code = stack.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # Each process runs in a session of its own: kill them by the pids the log names.
            for pid in re.findall(r"started \(pid (\d+)\)", log.read_text()):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(int(pid), signal.SIGKILL)
            os.killpg(stack.pid, signal.SIGKILL)
            raise
    text = log.read_text()
    counts = Counter(ran())
    print(
        f"\nSOAK: {TASKS} tasks sent in {sent_in:.1f} s, all run after {all_in:.1f} s; "
        f"pages {dict(statuses)}"
    )
    assert code == 0, text[-4000:]
    assert "stopped unexpectedly" not in text, text[-6000:]
    assert re.findall(r"worker started \(pid (\d+)\)", text) == worker_pid  # 0 worker deaths
    assert "Traceback" not in text, text[-6000:]
    assert counts == Counter({str(number): 1 for number in range(TASKS)})  # each exactly once
    assert sum(statuses.values()) >= 100 and set(statuses) == {200}, statuses


# The sender: TASKS probe tasks through the configured (embedded) broker, spread over SECONDS.
SEND = """
import sys, time
import django
django.setup()
from coaching.tests.soak_tasks import probe
count, seconds, path = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
began = time.monotonic()
for number in range(count):
    probe.delay(number, path)
    pause = began + seconds * (number + 1) / count - time.monotonic()
    if pause > 0:
        time.sleep(pause)
"""
