"""The appointments' own e-mails through the outbox: recorded by the service that makes the
change, in its transaction, once per change; sent by the worker from the appointment as it is
then (a confirmation of what was cancelled since is skipped, the cancellation is sent); the
coach's notice when the client's side changed something online; the kennismaking's mails."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone, translation

from coaching import outbox
from coaching.dates import readable
from coaching.models import Client, Send
from sessions.models import Appointment
from sessions.notify import (
    BACK_AS_TOLD,
    BEGUN,
    GONE,
    NOT_BOOKED,
    SUPERSEDED,
    appointment_notify,
)
from sessions.services.booking import (
    SlotTaken,
    appointment_book,
    appointment_cancel,
    appointment_move,
)
from sessions.services.prospects import Prospect, kennismaking_request
from sessions.services.video_rooms import appointments_follow_room
from sessions.tests.test_pages import future
from trajects.tests.factories import running_traject

BOOKED, MOVED = Send.Kind.APPOINTMENT_BOOKED, Send.Kind.APPOINTMENT_MOVED
ROOM = Send.Kind.APPOINTMENT_ROOM
CANCELLED, NOTICE = Send.Kind.APPOINTMENT_CANCELLED, Send.Kind.COACH_NOTICE


@pytest.fixture
def eva(coach_a, coachee):
    return running_traject(coach_a, client=Client.objects.get(account=coachee))


def book(traject, *, by, start=None, notify=True, **extra) -> Appointment:
    start = start or future(3)
    return appointment_book(
        coach=traject.client.coach,
        start=start,
        end=start + timedelta(hours=1),
        kind=Appointment.Kind.SESSION,
        by=by,
        traject=traject,
        notify=notify,
        **{"mode": "practice", **extra},
    )


def move(appointment: Appointment, start, **extra) -> Appointment:
    return appointment_move(
        appointment=appointment, start=start, end=start + timedelta(hours=1), **extra
    )


def deliver_waiting() -> dict[str, int]:
    """The worker comes by (after it was down: everything recorded so far waits)."""
    return outbox.deliver(list(Send.objects.values_list("pk", flat=True)))


def when(moment) -> str:
    return readable(timezone.localtime(moment), weekday=True, long=True, time=True)


def ics(message) -> str:
    return str(message.attachments[0][1]).replace("\r\n ", "")


@pytest.mark.django_db
class TestRecordedWithTheChange:
    def test_a_rolled_back_booking_leaves_no_confirmation_a_committed_one_does(self, eva, coach_a):
        class Rollback(Exception):
            pass

        with pytest.raises(Rollback), transaction.atomic():
            book(eva, by=coach_a)
            assert Send.objects.count() == 1  # written with the appointment
            raise Rollback
        assert not Send.objects.exists() and not Appointment.objects.exists()
        appointment = book(eva, by=coach_a)
        send = Send.objects.get()
        assert (send.subject, send.kind, send.client, send.status) == (
            f"appointment:{appointment.pk}:booked",
            BOOKED,
            eva.client,
            Send.Status.PENDING,
        )

    def test_handed_to_the_worker_only_after_the_commit(
        self, eva, coach_a, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as callbacks:
            book(eva, by=coach_a)
        assert not mail.outbox and len(callbacks) == 1
        callbacks[0]()
        assert [m.to for m in mail.outbox] == [[eva.client.account.email]]

    def test_a_taken_slot_or_a_past_appointment_records_nothing(self, eva, coach_a):
        taken = book(eva, by=coach_a)
        with pytest.raises(SlotTaken):
            book(eva, by=coach_a, start=taken.start)
        book(eva, by=coach_a, start=timezone.now() - timedelta(days=1))  # only written down
        book(eva, by=coach_a, start=future(5), notify=False)  # told some other way
        assert list(Send.objects.values_list("subject", flat=True)) == [
            f"appointment:{taken.pk}:booked"
        ]

    def test_recording_a_change_again_adds_nothing(self, eva, coach_a):
        appointment = book(eva, by=coach_a)
        appointment_notify(appointment, "booked")
        later = future(4)
        moved = move(appointment, later)
        move(moved, later)  # the same time again (a second click): nothing changes
        moved.refresh_from_db()
        assert moved.sequence == 1
        appointment_cancel(appointment=moved, by=coach_a)
        appointment_notify(moved, "cancelled")
        assert sorted(Send.objects.values_list("subject", "kind")) == [
            (f"appointment:{moved.pk}:booked", BOOKED),
            (f"appointment:{moved.pk}:cancelled", CANCELLED),
            (f"appointment:{moved.pk}:moved:1", MOVED),
        ]

    def test_moving_back_and_forth_is_a_mail_each_time(self, eva, coach_a):
        appointment = book(eva, by=coach_a, notify=False)
        first, other = appointment.start, future(4)
        for start in (other, first, other):
            appointment = move(appointment, start)
        assert Send.objects.filter(kind=MOVED).count() == 3

    def test_an_appointment_without_a_client_tells_nobody(self, coach_a):
        start = future(3)
        appointment = appointment_book(
            coach=coach_a,
            start=start,
            end=start + timedelta(hours=1),
            kind=Appointment.Kind.SESSION,
            mode="practice",
            by=coach_a,
            notify=True,
        )
        move(appointment, future(4))
        appointment_cancel(appointment=appointment, by=coach_a)
        assert not Send.objects.exists()


@pytest.mark.django_db
class TestSentByTheWorker:
    def test_the_confirmation_with_the_ics_and_a_link_to_the_portal(
        self, eva, coach_a, coachee, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            appointment = book(eva, by=coach_a)
        (message,) = mail.outbox
        assert message.to == [coachee.email] and when(appointment.start) in message.body
        assert "http://testserver/portaal/afspraken/" in message.body
        assert "METHOD:REQUEST" in ics(message) and f"UID:{appointment.uuid}@praktijk" in ics(
            message
        )
        send = Send.objects.get()
        assert (send.status, send.recipients) == (Send.Status.SENT, [coachee.email])
        assert not Send.objects.filter(kind=NOTICE).exists()  # the coach booked it

    def test_cancelled_before_its_confirmation_went_out_only_the_cancellation_goes(
        self, eva, coach_a, coachee
    ):
        """The worker was down while the appointment was booked and cancelled again: its
        confirmation would put back in the calendar what the cancellation takes out, so it is
        skipped; the cancellation goes out (the coach's page promised it, and whoever heard of
        the appointment some other way learns it is off)."""
        appointment = book(eva, by=coach_a)
        appointment_cancel(appointment=appointment, by=coach_a)
        assert deliver_waiting() == {"sent": 1, "skipped": 1, "failed": 0, "not_ours": 0}
        booked, cancelled = (Send.objects.get(kind=kind) for kind in (BOOKED, CANCELLED))
        assert (booked.status, booked.error) == (Send.Status.SKIPPED, NOT_BOOKED)
        assert cancelled.status == Send.Status.SENT
        (message,) = mail.outbox
        assert message.to == [coachee.email] and "METHOD:CANCEL" in ics(message)

    def test_the_moved_mail_names_the_old_time_and_the_new(
        self, eva, coach_a, django_capture_on_commit_callbacks
    ):
        appointment = book(eva, by=coach_a, notify=False)
        was, later = appointment.start, future(4, 14)
        with django_capture_on_commit_callbacks(execute=True):
            move(appointment, later)
        (message,) = mail.outbox
        assert f"is verzet van {when(was)} naar {when(later)}." in message.body
        assert "SEQUENCE:1" in ics(message)
        previous = Send.objects.get().context["previous_start"]
        assert datetime.fromisoformat(previous) == was

    def test_a_move_superseded_by_a_later_one_is_skipped(self, eva, coach_a):
        appointment = book(eva, by=coach_a)
        first, second, third = appointment.start, future(4, 14), future(5, 15)
        appointment = move(move(appointment, second), third)
        deliver_waiting()
        rows = {send.subject.rpartition(":")[2]: send for send in Send.objects.filter(kind=MOVED)}
        assert (rows["1"].status, rows["1"].error) == (Send.Status.SKIPPED, SUPERSEDED)
        assert rows["2"].status == Send.Status.SENT
        booked = Send.objects.get(kind=BOOKED)
        assert booked.status == Send.Status.SENT  # with the time it has now
        assert [when(third) in m.body for m in mail.outbox] == [True, True]
        moved = next(m for m in mail.outbox if "verzet" in m.body)
        # Nobody was told of the second time: the mail names the time before the first move.
        assert f"van {when(first)} naar {when(third)}" in moved.body

    def test_a_move_names_the_time_of_the_last_mail_that_went_out(self, eva, coach_a):
        appointment = book(eva, by=coach_a, notify=False)
        second, third = future(4, 14), future(5, 15)
        appointment = move(appointment, second)
        deliver_waiting()  # "van eerst naar second" went out
        mail.outbox.clear()
        move(appointment, third)
        deliver_waiting()
        (message,) = mail.outbox
        assert f"van {when(second)} naar {when(third)}" in message.body

    def test_moved_back_before_anyone_was_told_tells_nobody(self, eva, coach_a):
        appointment = book(eva, by=coach_a, notify=False)
        first = appointment.start
        move(move(appointment, future(4, 14)), first)
        deliver_waiting()
        errors = [send.error for send in Send.objects.filter(kind=MOVED).order_by("subject")]
        assert errors == [SUPERSEDED, BACK_AS_TOLD]
        assert not mail.outbox

    def test_a_new_room_after_a_move_does_not_swallow_the_move(self, eva, coach_a):
        """Moved, then the coach's room changed, before the worker came: the move's mail still
        goes (with the new link), and the room's mail, which says the time stays, is true of
        the new time."""
        old, new = "https://meet.example/oud", "https://meet.example/nieuw"
        start = future(3)
        appointment = book(eva, by=coach_a, start=start, notify=False, mode="video", video_link=old)
        later = future(4, 14)
        move(appointment, later)
        appointments_follow_room(coach_a, old, new)
        deliver_waiting()
        assert set(Send.objects.values_list("kind", "status")) == {
            (MOVED, Send.Status.SENT),
            (ROOM, Send.Status.SENT),
        }
        moved = next(m for m in mail.outbox if "is verzet" in m.body)
        assert f"van {when(start)} naar {when(later)}" in moved.body
        assert f"Videolink: {new}" in moved.body and "SEQUENCE:2" in ics(moved)

    def test_gone_or_begun_before_the_worker_came_is_skipped(self, eva, coach_a):
        gone = book(eva, by=coach_a)
        begun = book(eva, by=coach_a, start=future(4))
        Appointment.objects.filter(pk=gone.pk).delete()
        Appointment.objects.filter(pk=begun.pk).update(
            start=timezone.now() - timedelta(minutes=5), end=timezone.now() + timedelta(hours=1)
        )
        deliver_waiting()
        errors = dict(Send.objects.values_list("subject", "error"))
        assert errors == {
            f"appointment:{gone.pk}:booked": GONE,
            f"appointment:{begun.pk}:booked": BEGUN,
        }
        assert not mail.outbox


@pytest.mark.django_db
class TestANewVideoRoom:
    def test_the_clients_hear_of_each_new_room_the_latest_one_counts(self, eva, coach_a, coachee):
        old, new, newer = (f"https://meet.example/{name}" for name in ("oud", "nieuw", "nieuwer"))
        start = future(3)
        appointment = book(eva, by=coach_a, start=start, notify=False, mode="video", video_link=old)
        assert appointments_follow_room(coach_a, old, new) == 1
        assert appointments_follow_room(coach_a, old, new) == 0  # followed already
        assert list(Send.objects.values_list("subject", "kind", "client")) == [
            (f"appointment:{appointment.pk}:room:1", ROOM, eva.client.pk)
        ]
        deliver_waiting()
        (message,) = mail.outbox
        assert message.to == [coachee.email] and f"Videolink: {new}" in message.body
        assert "SEQUENCE:1" in ics(message)
        # Two changes before the worker came: the first would send a room that is gone.
        appointments_follow_room(coach_a, new, newer)
        appointments_follow_room(coach_a, newer, old)
        mail.outbox.clear()
        deliver_waiting()
        errors = dict(Send.objects.filter(kind=ROOM).values_list("subject", "error"))
        assert errors[f"appointment:{appointment.pk}:room:2"] == SUPERSEDED
        (message,) = mail.outbox
        assert f"Videolink: {old}" in message.body and "SEQUENCE:3" in ics(message)


@pytest.mark.django_db
class TestTheCoachHears:
    def test_of_a_booking_a_move_and_a_cancellation_by_the_client_side(
        self, eva, coach_a, coachee, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            appointment = book(eva, by=coachee)  # as the portal books
        to_client, to_coach = mail.outbox
        assert (to_client.to, to_coach.to) == ([coachee.email], [coach_a.email])
        assert "Eva heeft online een afspraak geboekt: coachingsessie." in to_coach.body
        assert f"Wanneer: {when(appointment.start)}" in to_coach.body
        assert "http://testserver/coach/agenda/" in to_coach.body
        assert not to_coach.attachments
        was, later = appointment.start, future(4, 14)
        with django_capture_on_commit_callbacks(execute=True):
            appointment = move(appointment, later, by=coachee)
        notice = mail.outbox[-1]
        assert notice.to == [coach_a.email]
        assert f"van {when(was)} naar {when(later)}." in notice.body
        with django_capture_on_commit_callbacks(execute=True):
            appointment_cancel(appointment=appointment, by=coachee)
        assert "heeft online een afspraak geannuleerd" in mail.outbox[-1].body
        notices = Send.objects.filter(kind=NOTICE, status=Send.Status.SENT)
        assert set(notices.values_list("client", flat=True)) == {eva.client.pk}
        assert notices.count() == 3

    def test_not_of_what_the_coach_did(self, eva, coach_a):
        appointment = move(book(eva, by=coach_a), future(4))
        appointment_cancel(appointment=appointment, by=coach_a, cancelled_by="client")
        assert not Send.objects.filter(kind=NOTICE).exists()

    def test_the_notice_names_the_time_of_the_change_in_the_coachs_language(
        self, eva, coach_a, coachee
    ):
        coach_a.language = "en"
        coach_a.save(update_fields=["language"])
        appointment = book(eva, by=coachee)
        move(appointment, future(5, 15))  # by the coach, later: no notice of its own
        deliver_waiting()
        (notice,) = [m for m in mail.outbox if m.to == [coach_a.email]]
        with translation.override("en"):
            assert when(appointment.start) in notice.body  # the booked time, not the new one


@pytest.mark.django_db
class TestKennismaking:
    def test_the_prospect_and_the_coach_through_the_outbox_in_the_prospects_language(self, coach_a):
        prospect = Prospect(
            first_name="Noor",
            last_name="Jansen",
            email="noor@example.org",
            phone="0612345678",
            date_of_birth=timezone.localdate() - timedelta(days=30 * 365),
        )
        traject = kennismaking_request(coach=coach_a, prospect=prospect, language="en")
        rows = Send.objects.order_by("pk")
        assert [(s.subject, s.kind, s.client) for s in rows] == [
            (f"traject:{traject.pk}:kennismaking", kind, traject.client)
            for kind in (Send.Kind.KENNISMAKING_RECEIVED, Send.Kind.KENNISMAKING_FOR_COACH)
        ]
        deliver_waiting()
        to_prospect, to_coach = sorted(mail.outbox, key=lambda m: m.to != ["noor@example.org"])
        assert to_prospect.to == ["noor@example.org"] and "Dear Noor" in to_prospect.body
        assert to_coach.to == [coach_a.email] and "http://testserver/coach/" in to_coach.body
        assert "Noor" not in to_coach.body
