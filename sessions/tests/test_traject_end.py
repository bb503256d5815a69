"""A traject that stops or is closed takes its appointments to come with it:
they are cancelled in the step's transaction, by the coach (or the practice when someone else
took the step), with the reason, never as a late cancellation, and the client (or the parents
of a child) get the cancellation by e-mail after the commit. The step's confirmation page says
how many appointments go. What was held, what lies in the past and other trajects' appointments
are left alone; the week, the traject and the portal no longer show them as planned."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from coaching.models import Client
from coaching.tests.factories import ClientFactory, GuardianFactory
from sessions.models import Appointment
from sessions.reminders import find_reminders
from trajects.models import Traject
from trajects.services.email_coaching import email_conversation_close
from trajects.tests.factories import TrajectFactory, running_traject

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def traject(coach_a):
    return running_traject(
        coach_a, client__coach=coach_a, client__first_name="Noor", client__email="noor@ex.org"
    )


def booked(traject, start, *, kind=Appointment.Kind.SESSION, status=Appointment.Status.BOOKED):
    return Appointment.objects.create(
        coach=traject.client.coach,
        traject=traject,
        kind=kind,
        mode="video",
        start=start,
        end=start + timedelta(minutes=60),
        status=status,
    )


def hours(n: float):
    return timezone.now() + timedelta(hours=n)


def state(appointment) -> tuple[str, str, str]:
    appointment.refresh_from_db()
    return appointment.status, appointment.cancelled_by, appointment.cancel_reason


class TestStoppingOrClosingCancelsTheAppointmentsToCome:
    def test_a_stop_cancels_them_by_the_coach_and_the_client_is_told(
        self, traject, coach_a, mailoutbox, django_capture_on_commit_callbacks
    ):
        # Two hours ahead: inside the cancellation window, yet no late cancellation.
        soon = booked(traject, hours(2))
        later = booked(traject, hours(24 * 9))
        with django_capture_on_commit_callbacks(execute=True):
            traject.advance("stop", by=coach_a, on=TODAY, note="Verhuisd")
        assert traject.status == Traject.Status.GESTOPT
        for appointment in (soon, later):
            assert state(appointment) == ("cancelled", "coach", "Het traject is gestopt.")
        assert len(mailoutbox) == 2
        assert {tuple(mail.to) for mail in mailoutbox} == {("noor@ex.org",)}
        assert all("Geannuleerd" in mail.subject for mail in mailoutbox)
        ics = mailoutbox[0].attachments[0][1]
        assert "METHOD:CANCEL" in (ics.decode() if isinstance(ics, bytes) else ics)

    def test_nothing_is_sent_before_the_commit(self, traject, coach_a, mailoutbox):
        booked(traject, hours(30))
        traject.advance("stop", by=coach_a, on=TODAY, note="Verhuisd")
        assert mailoutbox == []  # the test's transaction never commits

    def test_a_close_cancels_them_with_its_own_reason(
        self, traject, coach_a, mailoutbox, django_capture_on_commit_callbacks
    ):
        session = booked(traject, hours(1))
        with django_capture_on_commit_callbacks(execute=True):
            traject.advance("close", by=coach_a, on=TODAY, note="Doelen bereikt")
        assert state(session) == ("cancelled", "coach", "Het traject is afgerond.")
        assert [m.to for m in mailoutbox if "Geannuleerd" in m.subject] == [["noor@ex.org"]]

    def test_a_stop_from_the_first_phases_cancels_the_kennismaking_and_the_intake(self, coach_a):
        fresh = TrajectFactory(client__coach=coach_a, registered_on=TODAY - timedelta(days=3))
        kennismaking = booked(fresh, hours(48), kind=Appointment.Kind.KENNISMAKING)
        fresh.advance(
            "plan_kennismaking",
            by=coach_a,
            on=TODAY,
            mode="video",
            planned_at=kennismaking.start,
        )
        fresh.advance("stop", by=coach_a, on=TODAY, note="Geen tijd")
        assert state(kennismaking)[:2] == ("cancelled", "coach")
        assert fresh.status == Traject.Status.GESTOPT

    def test_what_was_held_lies_behind_or_is_someone_elses_is_left_alone(self, traject, coach_a):
        held = booked(traject, hours(-50), status=Appointment.Status.COMPLETED)
        unrecorded = booked(traject, hours(-26))  # the coach still records how it went
        already = booked(traject, hours(30), status=Appointment.Status.CANCELLED)
        other = booked(running_traject(coach_a, client__coach=coach_a), hours(30))
        traject.advance("stop", by=coach_a, on=TODAY, note="Verhuisd")
        assert state(held)[0] == "completed"
        assert state(unrecorded) == ("booked", "", "")
        assert state(already) == ("cancelled", "", "")
        assert state(other) == ("booked", "", "")

    def test_never_a_late_fee_whoever_took_the_step(self, traject, admin_user):
        soon = booked(traject, hours(1))
        traject.advance("stop", by=admin_user, on=TODAY, note="Verhuisd")
        assert state(soon) == ("cancelled", "practice", "Het traject is gestopt.")

    def test_a_coachee_ending_e_mail_coaching_is_no_late_cancellation(self, coach_a, coachee):
        client = Client.objects.get(account=coachee)
        traject = running_traject(coach_a, client=client)
        Traject.objects.filter(pk=traject.pk).update(kind=Traject.Kind.EMAIL)
        soon = booked(traject, hours(3))
        email_conversation_close(traject=traject, by=coachee, reason="Het gaat goed nu")
        assert state(soon) == ("cancelled", "practice", "Het traject is gestopt.")

    def test_the_parents_of_a_child_are_told(
        self, coach_a, mailoutbox, django_capture_on_commit_callbacks
    ):
        child = ClientFactory(coach=coach_a, first_name="Lotte", date_of_birth=date(2016, 3, 1))
        GuardianFactory(client=child, account__email="moeder@ex.org", first_name="Ilse")
        traject = running_traject(coach_a, client=child)
        booked(traject, hours(30))
        with django_capture_on_commit_callbacks(execute=True):
            traject.advance("stop", by=coach_a, on=TODAY, note="Verhuisd")
        [mail] = mailoutbox
        assert mail.to == ["moeder@ex.org"] and "Beste Ilse" in mail.body

    def test_no_reminder_goes_out_for_them(self, traject, coach_a):
        session = booked(traject, hours(20))
        Appointment.objects.filter(pk=session.pk).update(
            updated_at=timezone.now() - timedelta(days=2)
        )
        assert [item for item in find_reminders(timezone.now()) if f":{session.pk}." in item[0]]
        traject.advance("stop", by=coach_a, on=TODAY, note="Verhuisd")
        assert not [item for item in find_reminders(timezone.now()) if f":{session.pk}." in item[0]]

    def test_the_preview_counts_them(self, traject, coach_a):
        assert traject.step_consequences("stop") == [
            "Er staan geen afspraken gepland die nog komen."
        ]
        for days in (1, 8, 15):
            booked(traject, hours(24 * days))
        booked(traject, hours(-30))  # behind: not counted
        expected = "3 afspraken die nog komen worden geannuleerd; de cliënt krijgt bericht."
        assert traject.step_consequences("stop") == [expected]
        assert traject.step_consequences("close") == [expected]
        assert traject.step_consequences("record_intake") == []

    def test_the_preview_says_when_nobody_can_be_mailed(self, coach_a):
        traject = running_traject(coach_a, client__coach=coach_a, client__email="")
        booked(traject, hours(30))
        [sentence] = traject.step_consequences("stop")
        assert sentence.startswith("1 afspraak die nog komt wordt geannuleerd.")
        assert "krijgt geen e-mail" in sentence


def test_through_the_coachs_confirmation_page(
    client, traject, coach_a, mailoutbox, django_capture_on_commit_callbacks
):
    sessions = [booked(traject, hours(24 * days + 2)) for days in (0, 7, 14)]
    url = f"/coach/trajecten/{traject.uuid}/stap/stop/"
    client.force_login(coach_a)
    page = client.get(url).content.decode()
    assert "3 afspraken die nog komen worden geannuleerd; de cliënt krijgt bericht." in page
    assert "Reden van stoppen" in page and "btn-danger" in page
    # Without a reason nothing happens, and the page still says what would.
    refused = client.post(url, {"on": TODAY.isoformat(), "note": ""})
    assert refused.status_code == 200 and "3 afspraken" in refused.content.decode()
    assert state(sessions[0])[0] == "booked"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"on": TODAY.isoformat(), "note": "Verhuisd"})
    assert response.status_code == 302
    assert [state(s)[:2] for s in sessions] == [("cancelled", "coach")] * 3
    assert len(mailoutbox) == 3
    # Nowhere shown as planned any more: the week, the appointment, the traject, the portal.
    week = client.get(f"/coach/agenda/?week={timezone.localdate(sessions[0].start)}")
    assert "geannuleerd door de coach" in week.content.decode()
    detail = client.get(f"/coach/afspraken/{sessions[0].uuid}/").content.decode()
    assert "geannuleerd door de coach" in detail and "Het traject is gestopt." in detail
    traject_page = client.get(f"/coach/trajecten/{traject.uuid}/").content.decode()
    assert "gestopt" in traject_page and "Afspraak plannen" not in traject_page


def test_the_close_page_says_it_too(client, traject, coach_a):
    booked(traject, hours(30))
    client.force_login(coach_a)
    page = client.get(f"/coach/trajecten/{traject.uuid}/stap/close/").content.decode()
    assert "1 afspraak die nog komt wordt geannuleerd; de cliënt krijgt bericht." in page


def test_the_portal_shows_them_cancelled_with_the_reason(client, coach_a, coachee):
    traject = running_traject(coach_a, client=Client.objects.get(account=coachee))
    session = booked(traject, hours(30))
    traject.advance("stop", by=coach_a, on=TODAY, note="Verhuisd")
    client.force_login(coachee)
    page = client.get("/portaal/afspraken/").content.decode()
    assert "Geen geplande afspraken." in page
    assert "geannuleerd door de coach): Het traject is gestopt." in page
    assert f"/portaal/afspraken/{session.uuid}/annuleren/" not in page
