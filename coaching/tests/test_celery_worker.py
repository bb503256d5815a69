"""A real Celery worker process, consuming from the configured broker (Redis in CI, Kombu's
filesystem transport by default) and writing to the test database."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from coaching import celery_app
from coaching.models import Heartbeat

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    pytest.fail(f"No worker test for the {connection.vendor} database")


@pytest.fixture
def worker(transactional_db, tmp_path: Path):
    """Start `celery worker` on a queue of its own; send this test's tasks to that queue."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_QUEUE": queue}
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "coaching", "worker", "--pool=solo",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "-Q", queue],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield process, log
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = saved
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(condition, process, log: Path, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            pytest.fail(f"The worker stopped (exit {process.returncode}):\n{log.read_text()}")
        time.sleep(0.2)
    pytest.fail(f"The worker did not run the task within {seconds} s:\n{log.read_text()}")


def test_task_enqueued_after_commit_runs_on_a_real_worker(client, admin_user, worker):
    process, log = worker
    client.force_login(admin_user)
    # The status page's test task: the view enqueues it with delay_on_commit; in this
    # transactional test the request's commit sends it to the broker, the worker runs it.
    response = client.post("/beheer/status/test/")
    assert response.status_code == 302
    wait_for(lambda: Heartbeat.objects.filter(source="ping").exists(), process, log)
    ping = Heartbeat.objects.get(source="ping")
    assert ping.count == 1
    assert "coaching.tasks.heartbeat" in log.read_text()


def test_nothing_is_sent_when_the_transaction_rolls_back(admin_user, worker):
    from django.db import transaction

    from coaching.tasks import heartbeat

    process, log = worker

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        heartbeat.delay_on_commit(source="ping")
        raise Rollback
    heartbeat.delay_on_commit(source="beat")  # outside a transaction: sent at once
    wait_for(lambda: Heartbeat.objects.filter(source="beat").exists(), process, log)
    assert not Heartbeat.objects.filter(source="ping").exists()
