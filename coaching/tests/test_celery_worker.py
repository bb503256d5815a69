"""A real Celery worker process, consuming from the configured broker (Redis in CI, the embedded
SQLite broker by default) and writing to the test database."""

from pathlib import Path

import pytest

from coaching.models import Heartbeat
from coaching.tests.workers import new_queue, start_worker, stop, tasks_to, wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(transactional_db, tmp_path: Path):
    """Start `celery worker` on a queue of its own; send this test's tasks to that queue."""
    queue = new_queue()
    log = tmp_path / "worker.log"
    process = start_worker(queue=queue, log=log)
    try:
        with tasks_to(queue):
            yield process, log
    finally:
        stop(process)


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
