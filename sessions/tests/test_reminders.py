"""Reminders before an appointment: when they fall due (also across the DST changes), to whom,
in which language, with the .ics, once; none for a cancelled, moved or just-booked appointment;
and what the coach sees of them on the appointment."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from coaching import outbox
from coaching.models import Client, Send
from sessions.models import Appointment
from sessions.reminders import FIRST, SECOND, find_reminders
from sessions.services.booking import appointment_book, appointment_cancel, appointment_move
from sessions.tests.factories import appointment_for
from trajects.tests.factories import TrajectFactory

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def book(client, start, *, booked_before=timedelta(days=3)):
    """Booked some days ago (created and updated then), unless a test says otherwise."""
    return appointment_for(
        TrajectFactory(client=client),
        start,
        booked_at=start - booked_before,
        location="Praktijk, Kerkstraat 1",
    )


def sweep(capture):
    with capture(execute=True):
        return outbox.sweep()


@pytest.fixture
def eva(coachee):
    return Client.objects.get(account=coachee)


@pytest.mark.django_db
class TestWhenDue:
    def test_a_reminder_falls_due_at_its_lead_time_and_not_before(self, coach_a, eva, settings):
        settings.PRAKTIJK_REMINDER_SECOND_HOURS = 2
        start = timezone.now() + timedelta(days=5)
        appointment = book(eva, start)
        subject = f"appointment:{appointment.pk}.{appointment.sequence}"
        lead = timedelta(hours=24)
        assert find_reminders(start - lead - timedelta(minutes=1)) == []
        assert find_reminders(start - lead) == [(subject, FIRST, start - lead)]
        two = timedelta(hours=2)
        assert (subject, SECOND, start - two) in find_reminders(start - two)
        assert find_reminders(start) == []  # begun: too late for a reminder

    @pytest.mark.parametrize(
        "local_start, reminder_local",
        [
            # Autumn: the clocks go back on Sunday 25 October 2026 at 03:00. 24 real hours
            # before Sunday 10:00 (CET) is Saturday 11:00 (CEST).
            (datetime(2026, 10, 25, 10, 0), datetime(2026, 10, 24, 11, 0)),
            # Spring: the clocks go forward on Sunday 28 March 2027 at 02:00. 24 real hours
            # before Sunday 10:00 (CEST) is Saturday 09:00 (CET).
            (datetime(2027, 3, 28, 10, 0), datetime(2027, 3, 27, 9, 0)),
            # An ordinary week: the same time the day before.
            (datetime(2027, 1, 12, 10, 0), datetime(2027, 1, 11, 10, 0)),
        ],
    )
    def test_across_the_dst_change_it_is_24_real_hours(
        self, coach_a, eva, local_start, reminder_local
    ):
        start = local_start.replace(tzinfo=AMSTERDAM)
        appointment = book(eva, start)
        due = reminder_local.replace(tzinfo=AMSTERDAM)
        assert start.astimezone(UTC) - due.astimezone(UTC) == timedelta(hours=24)
        assert find_reminders(due - timedelta(seconds=1)) == []
        ((subject, kind, due_at),) = find_reminders(due)
        assert subject.startswith(f"appointment:{appointment.pk}.") and kind == FIRST
        assert due_at.astimezone(UTC) == due.astimezone(UTC)
        assert due_at.astimezone(AMSTERDAM).hour == reminder_local.hour

    def test_no_reminder_for_an_appointment_booked_after_its_moment(self, coach_a, eva):
        start = timezone.now() + timedelta(hours=20)
        book(eva, start, booked_before=timedelta(hours=3))  # its confirmation is fresh
        assert find_reminders(timezone.now()) == []

    def test_a_cancelled_appointment_and_a_backstage_meeting_get_none(self, coach_a, eva):
        start = timezone.now() + timedelta(hours=20)
        appointment = book(eva, start)
        appointment_cancel(appointment=appointment, by=coach_a)
        # As if cancelled days ago: only its status keeps it from a reminder.
        Appointment.objects.filter(pk=appointment.pk).update(updated_at=start - timedelta(days=3))
        meeting = appointment_book(
            coach=coach_a,
            start=start + timedelta(hours=2),
            end=start + timedelta(hours=4),
            kind=Appointment.Kind.BACKSTAGE,
            mode="practice",
            by=coach_a,
        )
        Appointment.objects.filter(pk=meeting.pk).update(updated_at=start - timedelta(days=9))
        assert find_reminders(timezone.now()) == []


@pytest.mark.django_db
class TestSent:
    def test_once_to_the_coachee_with_the_ics_however_often_the_sweep_runs(
        self, coach_a, eva, coachee, django_capture_on_commit_callbacks
    ):
        appointment = book(eva, timezone.now() + timedelta(hours=23))
        for _ in range(3):
            sweep(django_capture_on_commit_callbacks)
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [coachee.email]
        assert message.subject.startswith("[Praktijk] Herinnering: coachingsessie op")
        assert "Kerkstraat 1" in message.body
        ((name, ics, mimetype),) = message.attachments
        assert name == "afspraak.ics" and mimetype.startswith("text/calendar")
        assert f"UID:{appointment.uuid}@praktijk" in str(ics)
        send = Send.objects.get()
        assert send.status == Send.Status.SENT and send.recipients == [coachee.email]

    def test_in_the_language_of_each_parent_of_a_child(
        self, coach_a, guardian, django_capture_on_commit_callbacks
    ):
        guardian.language = "en"
        guardian.save(update_fields=["language"])
        child = Client.objects.get(guardians__account=guardian)
        book(child, timezone.now() + timedelta(hours=23))
        sweep(django_capture_on_commit_callbacks)
        (message,) = mail.outbox
        assert message.to == [guardian.email]
        assert message.subject.startswith("[Praktijk] Reminder: coaching session on")
        assert "Dear Marco" in message.body

    def test_moved_means_a_reminder_for_the_new_time_and_none_for_the_old(
        self, coach_a, eva, django_capture_on_commit_callbacks
    ):
        start = timezone.now() + timedelta(hours=23)
        appointment = book(eva, start)
        sweep(django_capture_on_commit_callbacks)
        assert len(mail.outbox) == 1
        moved = appointment_move(
            appointment=appointment,
            start=start + timedelta(minutes=30),
            end=start + timedelta(minutes=90),
        )
        # The move was confirmed in its own e-mail now; days later it is moved again, with the
        # old row still waiting: the old time's reminder is skipped, the new one sent.
        sweep(django_capture_on_commit_callbacks)
        assert Send.objects.get(kind=Send.Kind.APPOINTMENT_MOVED).status == Send.Status.SENT
        reminders = Send.objects.filter(kind__in=[FIRST, SECOND])
        reminders.update(status=Send.Status.PENDING, sent_at=None, queued_at=None)
        Appointment.objects.filter(pk=moved.pk).update(updated_at=start - timedelta(days=2))
        mail.outbox.clear()
        sweep(django_capture_on_commit_callbacks)
        statuses = dict(reminders.values_list("subject", "status"))
        assert statuses == {
            f"appointment:{moved.pk}.0": Send.Status.SKIPPED,
            f"appointment:{moved.pk}.1": Send.Status.SENT,
        }
        (message,) = mail.outbox
        local = timezone.localtime(moved.start)
        assert f"{local:%H:%M}" in message.body

    def test_cancelled_after_it_was_recorded_is_skipped(
        self, coach_a, eva, django_capture_on_commit_callbacks
    ):
        appointment = book(eva, timezone.now() + timedelta(hours=23))
        outbox.outbox_record(find_reminders(timezone.now()))
        appointment_cancel(appointment=appointment, by=coach_a)
        sweep(django_capture_on_commit_callbacks)
        assert Send.objects.get(kind=FIRST).status == Send.Status.SKIPPED
        # What the client gets is the cancellation, not a reminder.
        (message,) = mail.outbox
        assert Send.objects.get(kind=Send.Kind.APPOINTMENT_CANCELLED).status == Send.Status.SENT
        assert "METHOD:CANCEL" in str(message.attachments[0][1])

    def test_a_chunk_of_reminders_costs_a_fixed_number_of_queries_and_one_mark_a_row(
        self, coach_a, eva, django_assert_num_queries
    ):
        def deliver(n, offset):
            start = timezone.now() + timedelta(hours=1 + offset)
            for index in range(n):
                book(eva, start + timedelta(minutes=65 * index))
            ids = outbox.outbox_record(find_reminders(timezone.now()))
            assert len(ids) == n
            # the claim (savepoint, select, update, release, read back: 5), appointments (1),
            # their guardians (1; Eva has none, so no accounts of guardians), one UPDATE per
            # row sent, with its recipients and client (PRAKTIJK_SEND_MARK_EVERY = 1: a crash
            # resends at most the message in flight)
            with django_assert_num_queries(7 + n):
                assert outbox.deliver(ids)["sent"] == n

        deliver(2, offset=0)
        deliver(12, offset=4)


@pytest.mark.django_db
def test_the_coach_sees_which_reminders_went_out_and_when(
    client, coach_a, eva, coachee, django_capture_on_commit_callbacks
):
    appointment = book(eva, timezone.now() + timedelta(hours=23))
    client.force_login(coach_a)
    url = f"/coach/afspraken/{appointment.uuid}/"
    page = client.get(url).content.decode()
    # Its moment (24 hours before) has passed; the next sweep sends it.
    assert "De herinnering gaat binnen een minuut uit." in page
    sweep(django_capture_on_commit_callbacks)
    send = Send.objects.get()
    page = client.get(url).content.decode()
    sent_at = timezone.localtime(send.sent_at)
    assert f"Verstuurd op {sent_at.day} " in page and coachee.email in page


@pytest.mark.django_db
def test_a_reminder_the_sweep_found_names_its_client_once_sent(
    eva, django_capture_on_commit_callbacks
):
    """The sweep's finder knows only the subject; the composer names the client, so the coach
    sees the reminder among the e-mails about the client (and the erasure finds it by client)."""
    appointment = book(eva, timezone.now() + timedelta(hours=20))
    sweep(django_capture_on_commit_callbacks)
    send = Send.objects.get(subject=f"appointment:{appointment.pk}.{appointment.sequence}")
    assert (send.status, send.client_id) == (Send.Status.SENT, eva.pk)
    assert len(mail.outbox) == 1
