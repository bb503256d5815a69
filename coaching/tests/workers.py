"""Real Celery processes for the tests and benchmarks that need them: a worker (and beat) on
the configured broker (Redis in CI, the embedded SQLite broker by default), writing to the
test database."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager, suppress
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
    options: tuple[str, ...] = (),
) -> subprocess.Popen:
    """`options`: more of `celery worker`'s, e.g. ("--prefetch-multiplier=8",)."""
    return celery_process(
        ["worker", f"--pool={pool}", f"--concurrency={concurrency}", "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", queue, *options],
        queue=queue,
        log=log,
        env=env,
    )  # fmt: skip


def start_beat(
    *, queue: str, log: Path, schedule: Path, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """`celery beat` with a schedule file of its own (two beats never share one)."""
    return celery_process(
        ["beat", "--loglevel=INFO", f"--schedule={schedule}"], queue=queue, log=log, env=env
    )


def children(pid: int) -> list[int]:
    """The child processes of `pid` (a prefork worker's pool processes), read from /proc."""
    found = set()
    for path in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found |= {int(child) for child in path.read_text().split()}
        except OSError:  # the thread or the process ended meanwhile
            continue
    return sorted(found)


def connected_to(pid: int, port: int) -> bool:
    """Whether process `pid` holds an open TCP connection to `port` on this machine (a pool
    process in the middle of sending a chunk to the SMTP sink)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            remote_port = int(fields[2].rpartition(":")[2], 16)
            if remote_port == port and fields[3] == "01":  # ESTABLISHED
                inodes.add(fields[9])
    if not inodes:
        return False
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            return True
    return False


def kill_9(process: subprocess.Popen) -> None:
    """SIGKILL a Celery process and its pool children at once (no warm shutdown, no acks)."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def purge(queue: str) -> int:
    """Drop the messages left in the test's queue on the broker (tasks that would be no-ops),
    so that they do not pile up in the embedded broker's file or in Redis. On Redis also
    those a killed worker took and never acknowledged (Redis would put them back in the queue
    after the visibility timeout)."""
    with celery_app.connection_for_write() as broker:
        channel = broker.default_channel
        dropped = channel.queue_purge(queue) or 0
        if broker.transport.driver_type == "redis":
            client = channel.client
            for tag, raw in client.hscan_iter(channel.unacked_key):
                _message, _exchange, routing_key = json.loads(raw)
                if routing_key == queue:
                    client.pipeline().zrem(channel.unacked_index_key, tag).hdel(
                        channel.unacked_key, tag
                    ).execute()
                    dropped += 1
        return dropped


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


def stop_all(processes: list[subprocess.Popen], timeout: float = 20) -> None:
    """Stop Celery processes at once: SIGTERM to all, then wait for each (SIGKILL after the
    timeout)."""
    running = [process for process in processes if process.poll() is None]
    for process in running:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            kill_9(process)


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
