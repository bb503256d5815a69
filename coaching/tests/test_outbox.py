"""The outbox: a reminder or prompt is recorded once per subject and kind, claimed before it is
sent and sent once, whoever calls for it and how often; a rolled-back transaction sends nothing;
a claim left by a dead worker is taken over; a failure is recorded with its reason and can be
retried."""

import threading
from datetime import timedelta
from smtplib import SMTPDataError, SMTPSenderRefused, SMTPServerDisconnected
from unittest.mock import patch

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from coaching import outbox
from coaching.models import Client, Send

KIND = "test_reminder"


@pytest.fixture(autouse=True)
def composer(monkeypatch):
    """A composer for the test kind: a message per subject, or None for a 'cancelled' one."""

    def compose(send):
        if send.subject.endswith(":cancelled"):
            return None
        return EmailMessage(f"Herinnering {send.subject}", "Tot morgen.", to=["eva@example.test"])

    monkeypatch.setitem(outbox.COMPOSERS, KIND, outbox.one_by_one(compose))


def add(subject="appointment:1", due_at=None, **kwargs):
    return outbox.outbox_add([(subject, KIND, due_at or timezone.now())], **kwargs)


@pytest.mark.django_db
class TestOnce:
    def test_recorded_once_per_subject_and_kind(self):
        add()
        add()
        assert Send.objects.count() == 1
        with pytest.raises(IntegrityError), transaction.atomic():
            Send.objects.create(subject="appointment:1", kind=KIND)

    def test_sent_once_however_often_it_is_called(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            (pk,) = add()
        for _ in range(5):
            counts = outbox.deliver([pk])
            assert counts["not_ours"] == 1
        assert len(mail.outbox) == 1
        send = Send.objects.get()
        assert send.status == Send.Status.SENT and send.sent_at and send.attempts == 1
        assert send.recipients == ["eva@example.test"]

    def test_not_due_yet_is_not_sent(self):
        (pk,) = add(due_at=timezone.now() + timedelta(hours=1), deliver_now=False)
        assert outbox.deliver([pk])["sent"] == 0
        assert outbox.sweep() == 0
        assert Send.objects.get().status == Send.Status.PENDING

    def test_no_longer_needed_is_skipped(self):
        (pk,) = add("appointment:cancelled", deliver_now=False)
        assert outbox.deliver([pk])["skipped"] == 1
        assert Send.objects.get().status == Send.Status.SKIPPED and not mail.outbox


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_sends_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        add()
        raise RuntimeError("the booking failed after the reminder was recorded")
    assert not Send.objects.exists() and not mail.outbox


@pytest.mark.django_db(transaction=True)
def test_threads_at_once_send_one_email():
    (pk,) = add(deliver_now=False)
    workers = 8
    barrier = threading.Barrier(workers)
    results = []
    lock = threading.Lock()

    def attempt():
        barrier.wait()
        try:
            counts = outbox.deliver([pk])
        except Exception as error:  # noqa: BLE001 - any other outcome fails the test below
            counts = repr(error)
        finally:
            connection.close()
        with lock:
            results.append(counts)

    threads = [threading.Thread(target=attempt) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r["sent"] for r in results) == [0] * (workers - 1) + [1], results
    assert len(mail.outbox) == 1


@pytest.mark.django_db
class TestRecovery:
    def test_a_claim_of_a_dead_worker_is_taken_over(
        self, settings, django_capture_on_commit_callbacks
    ):
        (pk,) = add(deliver_now=False)
        Send.objects.filter(pk=pk).update(
            status=Send.Status.CLAIMED,
            attempts=1,
            claim_token=Send.new_token(),
            claimed_at=timezone.now()
            - timedelta(seconds=settings.PRAKTIJK_SEND_CLAIM_STALE_SECONDS - 5),
        )
        assert outbox.deliver([pk])["not_ours"] == 1  # a live claim is left alone
        Send.objects.filter(pk=pk).update(
            claimed_at=timezone.now()
            - timedelta(seconds=settings.PRAKTIJK_SEND_CLAIM_STALE_SECONDS + 1)
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert outbox.sweep() == 1  # the sweep finds it and hands it to a worker
        send = Send.objects.get()
        assert send.status == Send.Status.SENT and send.attempts == 2 and len(mail.outbox) == 1

    def test_the_sweep_queues_what_is_due_and_was_lost_not_the_queue_again(self, settings):
        settings.PRAKTIJK_SEND_CLAIM_STALE_SECONDS = 300
        now = timezone.now()
        for subject, due_minutes_ago, queued_minutes_ago in [
            ("new", 0.5, None),  # due, never handed over
            ("late", 60, None),  # due an hour ago: beat was down
            ("queued", 3, 2),  # in the queue, waiting for a worker
            ("lost", 30, 10),  # handed over long ago, never claimed: the message was lost
            ("future", -5, None),
        ]:
            (pk,) = add(subject, due_at=now - timedelta(minutes=due_minutes_ago), deliver_now=False)
            if queued_minutes_ago is not None:
                Send.objects.filter(pk=pk).update(
                    queued_at=now - timedelta(minutes=queued_minutes_ago)
                )
        queued = []
        with patch("coaching.outbox.enqueue", queued.extend):
            outbox.sweep()
        assert {Send.objects.get(pk=pk).subject for pk in queued} == {"new", "late", "lost"}

    def test_a_handed_over_row_is_not_handed_over_again_by_the_next_sweep(
        self, django_capture_on_commit_callbacks
    ):
        (pk,) = add(deliver_now=False)
        with patch("coaching.tasks.deliver_sends.delay") as delay:
            with django_capture_on_commit_callbacks(execute=True):
                assert outbox.sweep() == 1
            with django_capture_on_commit_callbacks(execute=True):
                assert outbox.sweep() == 0  # still in the queue
        delay.assert_called_once_with([pk])
        assert Send.objects.get().queued_at is not None

    def test_a_refusal_is_recorded_with_its_reason_and_can_be_retried(
        self, monkeypatch, django_capture_on_commit_callbacks
    ):
        (pk,) = add(deliver_now=False)

        def refuse(self, messages):
            raise SMTPDataError(550, b"Mailbox unavailable")

        with monkeypatch.context() as patched:
            patched.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
            assert outbox.deliver([pk])["failed"] == 1
        send = Send.objects.get()
        assert send.status == Send.Status.FAILED
        assert "Mailbox unavailable" in send.error
        with django_capture_on_commit_callbacks(execute=True):
            outbox.retry(send)
        send.refresh_from_db()
        assert send.status == Send.Status.SENT and len(mail.outbox) == 1

    def test_a_passing_trouble_is_tried_again_a_few_times_then_failed(self, settings, monkeypatch):
        settings.PRAKTIJK_SEND_MAX_ATTEMPTS = 3
        ids = outbox.outbox_add(
            [(f"appointment:{n}", KIND, timezone.now()) for n in range(4)], deliver_now=False
        )
        calls = []

        def drop_on_second(self, messages):
            calls.append(messages)
            if len(calls) == 2:
                raise SMTPServerDisconnected("Connection unexpectedly closed")
            return len(messages)

        monkeypatch.setattr(
            "django.core.mail.backends.locmem.EmailBackend.send_messages", drop_on_second
        )
        counts = outbox.deliver(ids)
        # The first went out; the dropped connection gives the rest back, not failed.
        assert counts == {"sent": 1, "skipped": 0, "failed": 0, "not_ours": 0}
        statuses = dict(Send.objects.values_list("subject", "status"))
        assert statuses.pop("appointment:0") == Send.Status.SENT
        assert set(statuses.values()) == {Send.Status.PENDING}
        assert "Connection unexpectedly closed" in Send.objects.get(subject="appointment:1").error

        def always_busy(self, messages):
            raise SMTPSenderRefused(451, b"Try again later", "noreply@localhost")

        monkeypatch.setattr(
            "django.core.mail.backends.locmem.EmailBackend.send_messages", always_busy
        )
        Send.objects.filter(status=Send.Status.PENDING).update(attempts=2)
        assert outbox.deliver(ids)["failed"] == 3  # the third attempt was the last
        assert Send.objects.filter(status=Send.Status.FAILED).count() == 3

    def test_a_chunk_goes_over_one_connection(self, monkeypatch):
        ids = outbox.outbox_add(
            [(f"appointment:{n}", KIND, timezone.now()) for n in range(30)], deliver_now=False
        )
        opened = []
        original = mail.backends.locmem.EmailBackend.open

        def count_open(self):
            opened.append(self)
            return original(self)

        monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.open", count_open)
        assert outbox.deliver(ids)["sent"] == 30
        assert len(mail.outbox) == 30 and len(opened) == 1
        assert Send.objects.filter(status=Send.Status.SENT).count() == 30


@pytest.mark.django_db
def test_the_admin_sees_failures_and_sends_one_again(
    client, admin_user, django_capture_on_commit_callbacks
):
    (pk,) = add(deliver_now=False)
    Send.objects.filter(pk=pk).update(status=Send.Status.FAILED, error="SMTP 451: probeer later")
    client.force_login(admin_user)
    page = client.get("/beheer/coaching/send/?status__exact=failed").content.decode()
    assert "SMTP 451: probeer later" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/beheer/coaching/send/",
            {"action": "send_again", "_selected_action": [pk]},
        )
    assert Send.objects.get().status == Send.Status.SENT and len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_database_refuses_a_send_without_subject_or_kind():
    for subject, kind in (("", KIND), ("appointment:1", "")):
        with pytest.raises(IntegrityError), transaction.atomic():
            Send.objects.bulk_create([Send(subject=subject, kind=kind)])


@pytest.mark.django_db
def test_a_send_has_the_same_message_id_every_time(django_capture_on_commit_callbacks):
    """A resend after a crash carries the Message-ID of the first: recognisable as one."""
    (pk,) = add(deliver_now=False)
    outbox.deliver([pk])
    Send.objects.filter(pk=pk).update(status=Send.Status.PENDING, sent_at=None)
    outbox.deliver([pk])
    first, again = (message.message()["Message-ID"] for message in mail.outbox)
    assert first == again and first.startswith(f"<send.{pk}.0.")


@pytest.mark.django_db
def test_out_of_time_gives_the_rest_back_at_once_and_keeps_the_one_in_flight_claimed(
    monkeypatch, django_capture_on_commit_callbacks
):
    """The task's soft time limit in the middle of a chunk: what went out is marked sent; the
    message in flight (the server may have accepted it) stays claimed, taken over after the
    stale limit; the rows not begun are pending again at once, handed over again, their
    attempt not counted; nothing is marked failed."""
    from celery.exceptions import SoftTimeLimitExceeded

    ids = outbox.outbox_add(
        [(f"appointment:{n}", KIND, timezone.now()) for n in range(3)], deliver_now=False
    )
    calls = []

    def slow_server(self, messages):
        calls.append(messages)
        if len(calls) == 2:
            raise SoftTimeLimitExceeded
        return len(messages)

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", slow_server)
    with (
        patch("coaching.tasks.deliver_sends.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(SoftTimeLimitExceeded),
    ):
        outbox.deliver(ids)
    rows = {row.subject: (row.status, row.attempts) for row in Send.objects.all()}
    assert rows == {
        "appointment:0": (Send.Status.SENT, 1),
        "appointment:1": (Send.Status.CLAIMED, 1),
        "appointment:2": (Send.Status.PENDING, 0),
    }
    delay.assert_called_once_with([Send.objects.get(subject="appointment:2").pk])


@pytest.mark.django_db
def test_a_task_takes_up_no_new_message_after_its_time(
    settings, django_capture_on_commit_callbacks
):
    """Before Celery's soft limit, and also where nothing enforces Celery's time limits (an
    orphaned pool process), a task stops taking up messages after PRAKTIJK_SEND_TASK_SECONDS:
    one at least (so that it gets on), the rest back to pending and handed over again, so that
    no claim of a running task gets as old as the stale limit."""
    settings.PRAKTIJK_SEND_TASK_SECONDS = 0
    ids = outbox.outbox_add(
        [(f"appointment:{n}", KIND, timezone.now()) for n in range(3)], deliver_now=False
    )
    with (
        patch("coaching.tasks.deliver_sends.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert outbox.deliver(ids) == {"sent": 1, "skipped": 0, "failed": 0, "not_ours": 0}
    rest = Send.objects.exclude(status=Send.Status.SENT)
    assert {(row.status, row.attempts, row.claim_token) for row in rest} == {
        (Send.Status.PENDING, 0, None)
    }
    (handed_over,) = delay.call_args_list
    assert sorted(handed_over.args[0]) == sorted(row.pk for row in rest)
    assert len(mail.outbox) == 1


def test_a_claim_older_than_the_stale_limit_belongs_to_no_running_task(settings):
    """The delivery task's limits lie below the stale limit (with a margin for clocks): taking
    a stale claim over never sends a live task's rows twice. And with the sweep's interval the
    rows of a dead worker go out within 2 minutes of a worker running again."""
    from coaching.tasks import deliver_sends

    stale = settings.PRAKTIJK_SEND_CLAIM_STALE_SECONDS
    assert settings.PRAKTIJK_SEND_TASK_SECONDS < settings.PRAKTIJK_SEND_SOFT_TIME_LIMIT
    assert deliver_sends.soft_time_limit == settings.PRAKTIJK_SEND_SOFT_TIME_LIMIT < stale
    assert deliver_sends.time_limit == settings.PRAKTIJK_SEND_TIME_LIMIT <= stale * 3 / 4
    sweep = settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]["schedule"].total_seconds()
    assert stale + sweep <= 90, "leave half a minute for the sending itself"


@pytest.mark.django_db
def test_a_refused_address_fails_its_own_row_and_the_chunk_goes_on(monkeypatch):
    """A 550 for one recipient is that row's failure, for the admin; the others go out."""
    from smtplib import SMTPRecipientsRefused

    def compose(send):
        to = "onbekend@example.test" if send.subject.endswith(":1") else "eva@example.test"
        return EmailMessage("Herinnering", "Tot morgen.", to=[to])

    monkeypatch.setitem(outbox.COMPOSERS, KIND, outbox.one_by_one(compose))
    original = mail.backends.locmem.EmailBackend.send_messages

    def refuse_unknown(self, messages):
        if messages[0].to == ["onbekend@example.test"]:
            raise SMTPRecipientsRefused({"onbekend@example.test": (550, b"5.1.1 No such user")})
        return original(self, messages)

    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", refuse_unknown
    )
    ids = outbox.outbox_add(
        [(f"appointment:{n}", KIND, timezone.now()) for n in range(4)], deliver_now=False
    )
    assert outbox.deliver(ids) == {"sent": 3, "skipped": 0, "failed": 1, "not_ours": 0}
    refused = Send.objects.get(subject="appointment:1")
    assert refused.status == Send.Status.FAILED and "No such user" in refused.error
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_a_stale_claim_is_handed_over_once_per_stale_period(
    settings, django_capture_on_commit_callbacks
):
    (pk,) = add(deliver_now=False)
    Send.objects.filter(pk=pk).update(
        status=Send.Status.CLAIMED,
        claim_token=Send.new_token(),
        claimed_at=timezone.now()
        - timedelta(seconds=settings.PRAKTIJK_SEND_CLAIM_STALE_SECONDS + 1),
    )
    with patch("coaching.tasks.deliver_sends.delay") as delay:
        for _ in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                outbox.sweep()
    delay.assert_called_once_with([pk])


@pytest.mark.django_db
def test_a_connection_refused_for_good_fails_the_chunk_with_the_reason(monkeypatch):
    """A wrong SMTP password: the rows say so to the admin, instead of waiting forever."""
    from smtplib import SMTPAuthenticationError

    ids = outbox.outbox_add(
        [(f"appointment:{n}", KIND, timezone.now()) for n in range(2)], deliver_now=False
    )

    def wrong_password(self):
        raise SMTPAuthenticationError(535, b"5.7.8 Authentication credentials invalid")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.open", wrong_password)
    assert outbox.deliver(ids)["failed"] == 2
    assert set(Send.objects.values_list("status", flat=True)) == {Send.Status.FAILED}
    assert "Authentication credentials invalid" in Send.objects.first().error


@pytest.mark.django_db
def test_a_row_for_two_parents_resends_only_to_the_one_who_did_not_get_it(
    monkeypatch, django_capture_on_commit_callbacks
):
    def compose(send):
        return [
            EmailMessage("Herinnering", "Tot morgen.", to=["mama@example.test"]),
            EmailMessage("Reminder", "See you.", to=["papa@example.test"]),
        ]

    monkeypatch.setitem(outbox.COMPOSERS, KIND, lambda sends: {s.pk: compose(s) for s in sends})
    original = mail.backends.locmem.EmailBackend.send_messages
    busy = {"papa@example.test"}

    def server(self, messages):
        if messages[0].to[0] in busy:
            raise SMTPDataError(552, b"Mailbox full")
        return original(self, messages)

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", server)
    (pk,) = add(deliver_now=False)
    assert outbox.deliver([pk])["failed"] == 1
    send = Send.objects.get()
    assert send.status == Send.Status.FAILED and send.delivered_to == ["mama@example.test"]
    busy.clear()  # papa made room; the admin sends it again
    with django_capture_on_commit_callbacks(execute=True):
        outbox.retry(send)
    assert [m.to for m in mail.outbox] == [["mama@example.test"], ["papa@example.test"]]
    assert Send.objects.get().status == Send.Status.SENT


@pytest.mark.django_db
def test_a_skipped_row_keeps_the_composers_reason(monkeypatch):
    monkeypatch.setitem(
        outbox.COMPOSERS, KIND, lambda sends: {s.pk: "Geen ontvanger." for s in sends}
    )
    (pk,) = add(deliver_now=False)
    assert outbox.deliver([pk])["skipped"] == 1
    assert Send.objects.get().error == "Geen ontvanger."


@pytest.mark.django_db
def test_a_row_not_sent_still_names_whom_it_was_for(monkeypatch):
    """Its recipients are written with the mark of a row sent, and at the end for the others."""
    ids = outbox.outbox_add(
        [(f"appointment:{n}", KIND, timezone.now()) for n in range(2)], deliver_now=False
    )

    def refuse_the_second(self, messages, sent=[]):  # noqa: B006 - counts the calls
        sent.append(messages)
        if len(sent) == 2:
            raise SMTPDataError(550, b"Mailbox unavailable")
        return len(messages)

    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", refuse_the_second
    )
    assert outbox.deliver(ids) == {"sent": 1, "skipped": 0, "failed": 1, "not_ours": 0}
    rows = dict(Send.objects.values_list("status", "recipients"))
    assert rows == {
        Send.Status.SENT: ["eva@example.test"],
        Send.Status.FAILED: ["eva@example.test"],
    }


@pytest.mark.django_db
def test_the_sweep_hands_over_as_it_records_and_keeps_to_its_limit(settings, monkeypatch):
    """The workers begin on the first thousand while the rest is recorded; past the limit the
    rows wait for the next sweep."""
    settings.PRAKTIJK_SEND_SWEEP_LIMIT = 1500
    now = timezone.now()
    items = [(f"appointment:{n}", KIND, now - timedelta(minutes=1)) for n in range(2500)]
    monkeypatch.setattr(outbox, "FINDERS", {"test": lambda now: items})
    events, handed = [], []
    record = outbox.outbox_record

    def recorded(found):
        events.append("record")
        return record(found)

    def hand_over(ids):
        events.append("hand")
        handed.extend(ids)
        Send.objects.filter(pk__in=ids).update(queued_at=timezone.now())

    monkeypatch.setattr(outbox, "outbox_record", recorded)
    monkeypatch.setattr(outbox, "enqueue", hand_over)
    assert outbox.sweep() == 1500
    assert events[:3] == ["hand", "record", "hand"]  # the rows from before, then a thousand
    assert len(handed) == len(set(handed)) == 1500
    assert Send.objects.count() == 2500
    assert outbox.sweep() == 1000  # the rest, recorded already
    assert len(handed) == len(set(handed)) == 2500


@pytest.mark.django_db
def test_a_row_recorded_by_the_finders_is_as_the_orm_makes_one(coachee):
    """On PostgreSQL outbox_record writes its rows with one INSERT of its own."""
    client = Client.objects.get(account=coachee)
    due = timezone.now()
    (pk,) = outbox.outbox_record([("appointment:1", KIND, due)], client=client)
    assert outbox.outbox_record([("appointment:1", KIND, due)], client=client) == []
    made = Send.objects.create(subject="appointment:2", kind=KIND, due_at=due, client=client)
    fields = [field.attname for field in Send._meta.concrete_fields]
    recorded, expected = (
        Send.objects.filter(pk=row).values(*fields).get() for row in (pk, made.pk)
    )
    for name in ("id", "subject", "created_at"):
        recorded.pop(name), expected.pop(name)
    assert recorded == expected
