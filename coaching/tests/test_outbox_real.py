"""The outbox through the real broker and a real worker process, into a real SMTP server: the
same send handed over many times arrives once, and a transaction rolled back after it handed a
send over sends nothing (the task is only published on commit)."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from coaching import outbox
from coaching.models import Client, Send
from coaching.tasks import deliver_sends
from coaching.tests.smtp_sink import start_sink
from coaching.tests.workers import new_queue, start_worker, stop, tasks_to, wait_for
from sessions.models import Appointment
from sessions.reminders import find_reminders
from sessions.services.booking import appointment_book
from trajects.tests.factories import TrajectFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def smtp_worker(tmp_path: Path):
    sink, controller = start_sink()
    queue, log = new_queue(), tmp_path / "worker.log"
    env = {
        "EMAIL_HOST": controller.hostname,
        "EMAIL_PORT": str(controller.port),
        "EMAIL_USE_TLS": "false",
    }
    process = start_worker(queue=queue, log=log, pool="prefork", concurrency=2, env=env)
    try:
        with tasks_to(queue):
            yield sink, process, log
    finally:
        stop(process)
        controller.stop()


def due_reminders(coach, client, n):
    start = timezone.now() + timedelta(hours=20)
    traject = TrajectFactory(client=client)
    for index in range(n):
        appointment = appointment_book(
            coach=coach,
            start=start + timedelta(hours=index),
            end=start + timedelta(hours=index, minutes=50),
            kind=Appointment.Kind.SESSION,
            mode="practice",
            by=coach,
            traject=traject,
        )
        Appointment.objects.filter(pk=appointment.pk).update(
            updated_at=timezone.now() - timedelta(days=3)
        )


def test_handed_over_many_times_at_once_it_arrives_once(smtp_worker, coach_a, coachee):
    sink, process, log = smtp_worker
    due_reminders(coach_a, Client.objects.get(account=coachee), 3)
    ids = outbox.outbox_record(find_reminders(timezone.now()))
    assert len(ids) == 3
    # The sweep over and over, and the same chunk published again and again (a redelivery):
    # the two worker processes race for the rows.
    for _ in range(5):
        outbox.sweep()
        deliver_sends.delay(ids)
    wait_for(
        lambda: Send.objects.filter(status=Send.Status.SENT).count() == 3,
        process,
        log,
        what="three reminders sent",
    )
    wait_for(lambda: "claimed or done already" in log.read_text(), process, log)
    # Every hand-over has run (the first sweep's and the five published again; the later
    # sweeps hand nothing over, the rows were handed over a moment ago): none arrives late.
    wait_for(lambda: log.read_text().count("succeeded in") >= 6, process, log)
    assert sink.count == 3 and sink.duplicates() == 0
    assert sorted(m.to[0] for m in sink.messages) == [coachee.email] * 3


def test_a_rolled_back_transaction_sends_nothing(smtp_worker, coach_a, coachee):
    sink, process, log = smtp_worker
    client = Client.objects.get(account=coachee)

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        due_reminders(coach_a, client, 1)
        outbox.outbox_add(find_reminders(timezone.now()))  # handed over on commit
        raise Rollback
    assert not Send.objects.exists()
    # Committed: the same steps send it.
    with transaction.atomic():
        due_reminders(coach_a, client, 1)
        outbox.outbox_add(find_reminders(timezone.now()))
    wait_for(lambda: sink.count == 1, process, log, what="the committed reminder")
    assert Send.objects.get().status == Send.Status.SENT
    assert "deliver_sends" in log.read_text()
    assert log.read_text().count("deliver_sends[") == 2  # received and succeeded, once
