"""Recording a kennismaking settles its appointment: the planned kennismaking
appointment of the traject is marked held when it is the one (on the recorded day, begun), and
otherwise cancelled by the coach with the client told; never left "gepland" with a reminder
due. One transaction with the step: when the appointment cannot be settled, the step is
refused and nothing changes."""

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from coaching.models import Send
from coaching.outbox import outbox_add
from sessions.models import Appointment
from sessions.reminders import compose_reminders, find_reminders
from trajects.models import Traject
from trajects.tests.factories import TrajectFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def traject(coach_a):
    return TrajectFactory(
        client__coach=coach_a,
        client__first_name="Noor",
        client__email="noor@example.org",
        registered_on=TODAY - timedelta(days=10),
    )


def planned(traject, start, *, kind=Appointment.Kind.KENNISMAKING, plan=True) -> Appointment:
    """A kennismaking in the calendar, planned on the traject as the calendar does."""
    if plan:
        traject.advance(
            "plan_kennismaking",
            by=traject.client.coach,
            on=TODAY - timedelta(days=9),
            mode="video",
            planned_at=start,
        )
    return Appointment.objects.create(
        coach=traject.client.coach,
        traject=traject,
        kind=kind,
        mode="video",
        start=start,
        end=start + timedelta(minutes=30),
    )


def record(traject, on=TODAY, mode="phone"):
    return traject.advance("record_kennismaking", by=traject.client.coach, on=on, mode=mode)


def earlier_today() -> datetime:
    """A moment that has passed and is still today (also just after midnight)."""
    midnight = datetime.combine(TODAY, time(0), tzinfo=timezone.get_current_timezone())
    return max(timezone.now() - timedelta(hours=1), midnight)


def status(appointment) -> tuple[str, str]:
    appointment.refresh_from_db()
    return appointment.status, appointment.cancelled_by


class TestTheKennismakingSettlesItsAppointment:
    def test_one_still_to_come_is_cancelled_by_the_coach_and_the_client_is_told(
        self, traject, coach_a, mailoutbox, django_capture_on_commit_callbacks
    ):
        # Two hours ahead: inside the cancellation window, yet not a late cancellation.
        appointment = planned(traject, timezone.now() + timedelta(hours=2))
        someone_else = planned(
            TrajectFactory(client__coach=coach_a), timezone.now() + timedelta(hours=5)
        )
        with django_capture_on_commit_callbacks(execute=True):
            record(traject)
        traject.refresh_from_db()
        assert traject.status == Traject.Status.BEDENKTIJD
        assert status(appointment) == (Appointment.Status.CANCELLED, "coach")
        assert appointment.cancel_reason
        assert status(someone_else) == (Appointment.Status.BOOKED, "")
        [mail] = mailoutbox
        assert mail.to == ["noor@example.org"] and "Geannuleerd" in mail.subject

    def test_no_reminder_goes_out_for_it(self, traject, coach_a):
        appointment = planned(traject, timezone.now() + timedelta(hours=20))
        Appointment.objects.filter(pk=appointment.pk).update(
            updated_at=timezone.now() - timedelta(days=2)
        )
        # The reminder was recorded before the kennismaking was held by phone.
        [pending] = outbox_add(find_reminders(timezone.now()), deliver_now=False)
        record(traject)
        assert not [
            item for item in find_reminders(timezone.now()) if f":{appointment.pk}." in item[0]
        ]
        reminder = Send.objects.get(pk=pending)
        assert isinstance(compose_reminders([reminder])[reminder.pk], str)  # skipped, not sent

    def test_the_one_held_today_is_marked_held(self, traject, mailoutbox):
        appointment = planned(traject, earlier_today())
        record(traject)
        assert status(appointment) == (Appointment.Status.COMPLETED, "")
        assert mailoutbox == []

    def test_the_one_of_the_recorded_day_is_held_when_recorded_later(self, traject):
        start = earlier_today() - timedelta(days=2)
        appointment = planned(traject, start)
        record(traject, on=timezone.localtime(start).date())
        assert status(appointment) == (Appointment.Status.COMPLETED, "")

    def test_a_past_one_of_another_day_refuses_the_step_and_nothing_changes(self, traject):
        appointment = planned(traject, earlier_today() - timedelta(days=3))
        with pytest.raises(ValidationError) as refused:
            record(traject)
        assert refused.value.code == "kennismaking_appointment"
        assert "staat nog als gepland" in refused.value.messages[0]
        traject.refresh_from_db()
        assert traject.status == Traject.Status.KENNISMAKING and traject.kennismaking_on is None
        assert not traject.events.filter(step="record_kennismaking").exists()
        assert status(appointment) == (Appointment.Status.BOOKED, "")

    def test_other_appointments_and_a_settled_one_are_left_alone(self, traject):
        cancelled = planned(traject, timezone.now() + timedelta(days=1))
        Appointment.objects.filter(pk=cancelled.pk).update(
            status=Appointment.Status.CANCELLED, cancelled_by="client"
        )
        record(traject)
        assert status(cancelled) == (Appointment.Status.CANCELLED, "client")

    def test_a_kennismaking_without_an_appointment_is_recorded_as_before(self, traject):
        record(traject, mode="email")
        traject.refresh_from_db()
        assert (traject.status, traject.kennismaking_mode) == ("bedenktijd", "email")


def test_through_the_coachs_step_page(client, traject, coach_a, django_capture_on_commit_callbacks):
    appointment = planned(traject, timezone.now() + timedelta(days=1))
    client.force_login(coach_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/coach/trajecten/{traject.uuid}/stap/record_kennismaking/",
            {"on": TODAY.isoformat(), "mode": "phone"},
        )
    assert response.status_code == 302
    assert status(appointment) == (Appointment.Status.CANCELLED, "coach")
    page = client.get(f"/coach/afspraken/{appointment.uuid}/").content.decode()
    assert "geannuleerd" in page


def test_the_refusal_is_shown_on_the_step_page(client, traject, coach_a):
    planned(traject, earlier_today() - timedelta(days=3))
    client.force_login(coach_a)
    response = client.post(
        f"/coach/trajecten/{traject.uuid}/stap/record_kennismaking/",
        {"on": TODAY.isoformat(), "mode": "phone"},
    )
    assert response.status_code == 200
    assert "staat nog als gepland" in response.content.decode()
