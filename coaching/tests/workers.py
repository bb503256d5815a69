"""Real Celery processes for the tests and benchmarks that need them: a worker (and beat) on
the configured broker (Redis in CI, Kombu's filesystem transport by default), writing to the
test database."""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from coaching import celery_app


def database_url() -> str:
    """The test database, for a process of its own."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    pytest.fail(f"No worker test for the {connection.vendor} database")


def new_queue() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def celery_process(
    args: list[str], *, queue: str, log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """`celery -A coaching <args>` with the test database and the queue of this test."""
    full_env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **(env or {}),
    }
    with log.open("a") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "coaching", *args],
            cwd=settings.BASE_DIR,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a kill of the process group stops its pool children too
        )


def start_worker(
    *,
    queue: str,
    log: Path,
    pool: str = "solo",
    concurrency: int = 1,
    env: dict[str, str] | None = None,
) -> subprocess.Popen:
    return celery_process(
        ["worker", f"--pool={pool}", f"--concurrency={concurrency}", "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", queue],
        queue=queue,
        log=log,
        env=env,
    )  # fmt: skip


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """Stop a Celery process and its pool children (SIGTERM, then SIGKILL)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


@contextmanager
def tasks_to(queue: str):
    """Send this process's tasks to `queue` on the broker instead of running them in-process."""
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = saved


def wait_for(
    condition: Callable[[], bool],
    process: subprocess.Popen | None,
    log: Path,
    seconds: float = 60,
    what: str = "the worker to run the task",
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if process is not None and process.poll() is not None:
            pytest.fail(f"The worker stopped (exit {process.returncode}):\n{log.read_text()}")
        time.sleep(0.2)
    pytest.fail(f"Waited {seconds} s for {what}:\n{log.read_text()[-5000:]}")
