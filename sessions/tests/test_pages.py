"""The calendar through HTTP: booking rules by traject phase, the cancellation window, the
last-session rule, iCalendar, e-mails, and query counts."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from coaching.models import Client
from sessions.models import Appointment, BookingRules, SessionType, WorkingHours
from sessions.services.booking import appointment_book, appointment_mark
from trajects.tests.factories import TrajectFactory, running_traject


@pytest.fixture
def intake_type(db):
    return SessionType.objects.create(
        kind="intake",
        name="Intake",
        default_minutes=90,
        allowed_modes=["practice"],
        bookable_online=True,
    )


def text(content) -> str:
    """An attachment's content: Django keeps text/* attachments as str."""
    return content if isinstance(content, str) else content.decode()


def open_all_week(coach):
    for weekday in range(7):
        WorkingHours.objects.create(
            coach=coach, weekday=weekday, start_time=time(9), end_time=time(17)
        )
    BookingRules.objects.create(
        coach=coach, min_notice_hours=0, buffer_minutes=0, slot_step_minutes=60
    )


def future(days: int, hour: int = 10) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def child_traject(coach_a, guardian):
    child = Client.objects.get(guardians__account=guardian)
    open_all_week(coach_a)
    return running_traject(coach_a, client=child)


@pytest.mark.django_db
class TestPortalBooking:
    def test_a_parent_books_for_the_child(
        self,
        client,
        guardian,
        child_traject,
        session_type,
        mailoutbox,
        django_capture_on_commit_callbacks,
    ):
        client.force_login(guardian)
        url = f"/portaal/afspraken/boeken/{child_traject.uuid}/{session_type.pk}/"
        page = client.get(url)
        assert page.status_code == 200
        slot = future(3)
        assert slot.astimezone(timezone.UTC).isoformat().replace("+00:00", "") in (
            page.content.decode().replace("+00:00", "")
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"slot": slot.isoformat(), "mode": "video"})
        assert response["Location"] == "/portaal/afspraken/"
        appointment = Appointment.objects.get()
        assert (appointment.traject, appointment.mode, appointment.start) == (
            child_traject,
            "video",
            slot,
        )
        mail = mailoutbox[0]
        assert mail.to == [guardian.email]
        ics = next(a for a in mail.attachments if a[0] == "afspraak.ics")
        event = Calendar.from_ical(ics[1]).walk("VEVENT")[0]
        assert str(event["UID"]) == f"{appointment.uuid}@praktijk"
        assert "METHOD:REQUEST" in text(ics[1])

    def test_a_taken_slot_gets_the_message(self, client, guardian, child_traject, session_type):
        appointment_book(
            coach=child_traject.client.coach,
            start=future(3),
            end=future(3, 11),
            kind="session",
            mode="practice",
            by=None,
        )
        client.force_login(guardian)
        response = client.post(
            f"/portaal/afspraken/boeken/{child_traject.uuid}/{session_type.pk}/",
            {"slot": future(3).isoformat(), "mode": "practice"},
        )
        assert "Dit tijdstip is net bezet" in response.content.decode()
        assert Appointment.objects.count() == 1

    def test_a_time_outside_the_working_hours_is_refused(
        self, client, guardian, child_traject, session_type
    ):
        client.force_login(guardian)
        response = client.post(
            f"/portaal/afspraken/boeken/{child_traject.uuid}/{session_type.pk}/",
            {"slot": future(3, 20).isoformat(), "mode": "practice"},
        )
        assert "Dit tijdstip is net bezet" in response.content.decode()
        assert not Appointment.objects.exists()

    def test_no_intake_before_the_kennismaking_no_session_before_the_intake(
        self, client, coach_a, coachee, session_type, intake_type
    ):
        own = Client.objects.get(account=coachee)
        traject = TrajectFactory(client=own)
        client.force_login(coachee)
        for kind in (intake_type, session_type):
            url = f"/portaal/afspraken/boeken/{traject.uuid}/{kind.pk}/"
            assert client.get(url).status_code == 404
        traject.advance(
            "record_kennismaking",
            by=coach_a,
            on=traject.registered_on,
            mode="phone",
            start_directly=True,
        )
        open_all_week(coach_a)
        assert (
            client.get(f"/portaal/afspraken/boeken/{traject.uuid}/{intake_type.pk}/").status_code
            == 200
        )
        assert (
            client.get(f"/portaal/afspraken/boeken/{traject.uuid}/{session_type.pk}/").status_code
            == 404
        )

    def test_cancel_within_the_window_and_not_after(
        self,
        client,
        guardian,
        child_traject,
        session_type,
        mailoutbox,
        django_capture_on_commit_callbacks,
    ):
        coach = child_traject.client.coach
        soon = appointment_book(
            coach=coach,
            start=timezone.now() + timedelta(hours=3),
            end=timezone.now() + timedelta(hours=4),
            kind="session",
            mode="practice",
            by=coach,
            traject=child_traject,
            session_type=session_type,
        )
        later = appointment_book(
            coach=coach,
            start=future(5),
            end=future(5, 11),
            kind="session",
            mode="practice",
            by=coach,
            traject=child_traject,
            session_type=session_type,
        )
        coach.coach_profile.phone = "06 1234 5678"
        coach.coach_profile.save()
        client.force_login(guardian)
        # Too late to cancel online: refused, with the deadline and how to reach the coach.
        for method in (client.get, client.post):
            page = method(f"/portaal/afspraken/{soon.uuid}/annuleren/", follow=True)
            text_of_page = page.content.decode()
            assert "Online afzeggen of verzetten kon tot" in text_of_page
            assert "Neem contact op met je coach: Anna Coach, 06 1234 5678, coach-a@" in (
                text_of_page
            )
        soon.refresh_from_db()
        assert soon.status == "booked"
        # In time: it asks first (the confirmation page), then cancels on the POST.
        page = client.get(f"/portaal/afspraken/{later.uuid}/annuleren/").content.decode()
        assert "Afspraak annuleren" in page and "Geen kosten: kosteloos afzeggen kan tot" in page
        later.refresh_from_db()
        assert later.status == "booked"
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/portaal/afspraken/{later.uuid}/annuleren/", {"reason": "Ziek"})
        later.refresh_from_db()
        assert later.status == "cancelled" and later.sequence == 1
        assert (later.cancelled_by, later.cancel_reason) == ("parent", "Ziek")
        to_parent = [m for m in mailoutbox if m.to == [guardian.email]][-1]
        assert "METHOD:CANCEL" in text(to_parent.attachments[0][1])
        to_coach = [m for m in mailoutbox if m.to == [coach.email]][-1]
        assert "online een afspraak geannuleerd" in to_coach.body

    def test_reschedule_keeps_the_event_and_raises_the_sequence(
        self,
        client,
        guardian,
        child_traject,
        session_type,
        mailoutbox,
        django_capture_on_commit_callbacks,
    ):
        coach = child_traject.client.coach
        booked = appointment_book(
            coach=coach,
            start=future(5),
            end=future(5, 11),
            kind="session",
            mode="practice",
            by=coach,
            traject=child_traject,
            session_type=session_type,
        )
        client.force_login(guardian)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                f"/portaal/afspraken/{booked.uuid}/verzetten/", {"slot": future(6, 14).isoformat()}
            )
        booked.refresh_from_db()
        assert booked.start == future(6, 14) and booked.sequence == 1
        to_parent = [m for m in mailoutbox if m.to == [guardian.email]][-1]
        event = Calendar.from_ical(to_parent.attachments[0][1]).walk("VEVENT")[0]
        assert str(event["ATTENDEE"]) == f"mailto:{guardian.email}"
        assert event["SEQUENCE"] == 1 and str(event["UID"]) == f"{booked.uuid}@praktijk"

    def test_another_client_cannot_touch_it(self, client, coachee, child_traject):
        coach = child_traject.client.coach
        booked = appointment_book(
            coach=coach,
            start=future(5),
            end=future(5, 11),
            kind="session",
            mode="practice",
            by=coach,
            traject=child_traject,
        )
        client.force_login(coachee)
        assert client.post(f"/portaal/afspraken/{booked.uuid}/annuleren/").status_code == 404
        assert client.get(f"/afspraken/{booked.uuid}/afspraak.ics").status_code == 404
        assert future(5).strftime("%H:%M") not in client.get("/portaal/afspraken/").content.decode()
        booked.refresh_from_db()
        assert booked.status == "booked"


@pytest.mark.django_db
class TestCoach:
    def test_plan_a_session_and_refuse_an_overlap(self, client, coach_a, session_type):
        traject = running_traject(coach_a, client__coach=coach_a)
        client.force_login(coach_a)
        data = {
            "traject": traject.pk,
            "session_type": session_type.pk,
            "mode": "practice",
            "start": future(2).strftime("%Y-%m-%dT%H:%M"),
        }
        assert client.post("/coach/agenda/nieuw/", data).status_code == 302
        response = client.post(
            "/coach/agenda/nieuw/", {**data, "start": future(2, 10).strftime("%Y-%m-%dT%H:%M")}
        )
        assert "Dit tijdstip is net bezet" in response.content.decode()
        assert Appointment.objects.count() == 1

    def test_a_session_does_not_fit_a_traject_before_its_intake(
        self, client, coach_a, session_type
    ):
        traject = TrajectFactory(client__coach=coach_a)
        client.force_login(coach_a)
        response = client.post(
            "/coach/agenda/nieuw/",
            {
                "traject": traject.pk,
                "session_type": session_type.pk,
                "mode": "practice",
                "start": future(2).strftime("%Y-%m-%dT%H:%M"),
            },
        )
        assert "past niet bij de fase van het traject" in response.content.decode()

    @pytest.mark.parametrize("start", ["9999-12-31T23:59", "0001-01-01T00:00"])
    def test_a_time_years_away_gets_the_forms_error(self, client, coach_a, session_type, start):
        """Found by the fuzzer (coaching/tests/test_fuzz.py): the end of an appointment
        at 9999-12-31 23:59 overflowed the date (a server error); one in year 1 was stored, and
        then could not be read back (before year 1 in UTC)."""
        traject = running_traject(coach_a, client__coach=coach_a)
        client.force_login(coach_a)
        data = {"traject": traject.pk, "session_type": session_type.pk, "mode": "practice"}
        response = client.post("/coach/agenda/nieuw/", {**data, "start": start})
        assert response.status_code == 200
        assert "Kies een tijdstip binnen vijf jaar van vandaag." in response.content.decode()
        assert not Appointment.objects.exists()
        booked = appointment_book(
            coach=coach_a, start=future(2), end=future(2, 11), kind="session", mode="practice",
            by=coach_a, traject=traject, session_type=session_type,
        )  # fmt: skip
        response = client.post(
            f"/coach/afspraken/{booked.uuid}/verzetten/", {"start": start}, follow=True
        )
        assert "Kies een geldig nieuw begin." in response.content.decode()
        assert Appointment.objects.get().start == future(2)

    def test_the_move_form_shows_the_start_as_a_browser_reads_it(
        self, client, coach_a, session_type
    ):
        """The move form's <input type="datetime-local"> holds the current start as
        "2026-12-03T14:30" (a browser drops the Dutch "03-12-2026 14:30:00" and shows an empty
        field), and the value posted back as the browser sends it is taken."""
        traject = running_traject(coach_a, client__coach=coach_a)
        start = future(2, 14) + timedelta(minutes=30)
        booked = appointment_book(
            coach=coach_a, start=start, end=start + timedelta(hours=1), kind="session",
            mode="practice", by=coach_a, traject=traject, session_type=session_type,
        )  # fmt: skip
        client.force_login(coach_a)
        page = client.get(f"/coach/afspraken/{booked.uuid}/").content.decode()
        (value,) = re.findall(r'<input type="datetime-local" name="start" value="([^"]*)"', page)
        assert value == start.strftime("%Y-%m-%dT%H:%M")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", value)
        url = f"/coach/afspraken/{booked.uuid}/verzetten/"
        response = client.post(url, {"start": value}, follow=True)
        assert "De afspraak is verzet." in response.content.decode()
        booked.refresh_from_db()
        # Taken as the time it has already: nothing changed, so calendars and people are left
        # alone (no new sequence, no mail).
        assert (booked.start, booked.sequence) == (start, 0)
        later = start + timedelta(days=1, hours=1)
        response = client.post(url, {"start": later.strftime("%Y-%m-%dT%H:%M")}, follow=True)
        assert "De afspraak is verzet." in response.content.decode()
        booked.refresh_from_db()
        assert (booked.start, booked.end) == (later, later + timedelta(hours=1))
        page = client.get(f"/coach/afspraken/{booked.uuid}/").content.decode()
        assert f'name="start" value="{later:%Y-%m-%dT%H:%M}"' in page

    def test_who_cancels_late_decides_whether_it_is_late(self, client, coach_a):
        """The coach cancelling two hours before is a cancellation by the
        coach; the client's own (phoned in, recorded by the coach) is a late one."""
        traject = running_traject(coach_a, client__coach=coach_a)
        ours, theirs = (
            appointment_book(
                coach=coach_a, start=timezone.now() + timedelta(hours=hours),
                end=timezone.now() + timedelta(hours=hours + 1), kind="session",
                mode="practice", by=coach_a, traject=traject,
            )
            for hours in (2, 4)
        )  # fmt: skip
        client.force_login(coach_a)
        client.post(f"/coach/afspraken/{ours.uuid}/annuleren/")  # no answer: nothing happens
        ours.refresh_from_db()
        assert ours.status == "booked"
        client.post(
            f"/coach/afspraken/{ours.uuid}/annuleren/", {"cancelled_by": "coach", "reason": "Ziek"}
        )
        client.post(
            f"/coach/afspraken/{theirs.uuid}/annuleren/",
            {"cancelled_by": "client", "reason": "Belde af"},
        )
        ours.refresh_from_db()
        theirs.refresh_from_db()
        assert (ours.status, ours.cancelled_by, ours.cancel_reason) == (
            "cancelled",
            "coach",
            "Ziek",
        )
        assert (theirs.status, theirs.cancelled_by) == ("cancelled_late", "client")

    def test_week_view_queries_do_not_grow(self, client, coach_a, session_type):
        client.force_login(coach_a)
        traject = running_traject(coach_a, client__coach=coach_a)
        monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())

        def count():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(f"/coach/agenda/?week={monday}").status_code == 200
            return len(queries)

        appointment_book(
            coach=coach_a,
            start=datetime.combine(monday, time(8), tzinfo=timezone.get_current_timezone()),
            end=datetime.combine(monday, time(9), tzinfo=timezone.get_current_timezone()),
            kind="session",
            mode="practice",
            by=coach_a,
            traject=traject,
        )
        few = count()
        for hour in range(10, 17):
            start = datetime.combine(
                monday + timedelta(days=hour % 5),
                time(hour),
                tzinfo=timezone.get_current_timezone(),
            )
            appointment_book(
                coach=coach_a,
                start=start,
                end=start + timedelta(minutes=50),
                kind="session",
                mode="practice",
                by=coach_a,
                traject=traject,
            )
        # session, user, MFA, coach profile, appointments with traject and client, the
        # exceptions of the week and the working hours (the time grid)
        assert count() == few <= 7

    def test_portal_page_queries_do_not_grow(self, client, guardian, child_traject, session_type):
        client.force_login(guardian)

        def count():
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/portaal/afspraken/").status_code == 200
            return len(queries)

        coach = child_traject.client.coach
        appointment_book(
            coach=coach, start=future(1), end=future(1, 11), kind="session", mode="practice",
            by=coach, traject=child_traject, session_type=session_type,
        )  # fmt: skip
        # session, user, the clients (own and children), appointments with their client, coach
        # and type, open trajects, session types, the coach's booking rules (once per coach)
        few = count()
        for n in range(6):
            appointment_book(
                coach=coach,
                start=future(n + 2),
                end=future(n + 2, 11),
                kind="session",
                mode="practice",
                by=coach,
                traject=child_traject,
                session_type=session_type,
            )
        assert count() == few <= 8

    def test_feed_lists_the_week_with_initials_only(self, client, coach_a):
        traject = running_traject(
            coach_a, client__coach=coach_a, client__first_name="Eva", client__last_name="Bakker"
        )
        appointment_book(
            coach=coach_a,
            start=future(2),
            end=future(2, 11),
            kind="session",
            mode="practice",
            by=coach_a,
            traject=traject,
        )
        token = coach_a.coach_profile.calendar_token
        response = client.get(f"/agenda/{token}.ics")
        assert response["Content-Type"] == "text/calendar"
        events = Calendar.from_ical(response.content).walk("VEVENT")
        assert len(events) == 1
        assert "E.B." in str(events[0]["SUMMARY"]) and "Bakker" not in response.content.decode()
        client.force_login(coach_a)
        client.post("/coach/agenda/feed/vernieuwen/")
        assert client.get(f"/agenda/{token}.ics").status_code == 404


@pytest.mark.django_db
class TestLastSession:
    def session(self, coach, traject, days_ago):
        start = timezone.now() - timedelta(days=days_ago)
        return appointment_book(
            coach=coach,
            start=start,
            end=start + timedelta(hours=1),
            kind="session",
            mode="practice",
            by=coach,
            traject=traject,
        )

    def test_last_only_when_announced_the_session_before(self, coach_a):
        from django.core.exceptions import ValidationError

        traject = running_traject(coach_a, client__coach=coach_a)
        first, second, third = (self.session(coach_a, traject, d) for d in (20, 10, 3))
        appointment_mark(appointment=first, status="completed")
        with pytest.raises(ValidationError, match="aangekondigd"):
            appointment_mark(appointment=second, status="completed", is_last=True)
        appointment_mark(appointment=second, status="completed", announces_last=True)
        third = appointment_mark(appointment=third, status="completed", is_last=True)
        assert third.is_last and not third.announces_last

    def test_announced_two_sessions_back_does_not_count(self, coach_a):
        from django.core.exceptions import ValidationError

        traject = running_traject(coach_a, client__coach=coach_a)
        first, second, third = (self.session(coach_a, traject, d) for d in (20, 10, 3))
        appointment_mark(appointment=first, status="completed", announces_last=True)
        appointment_mark(appointment=second, status="completed")
        with pytest.raises(ValidationError):
            appointment_mark(appointment=third, status="completed", is_last=True)

    def test_a_future_appointment_cannot_be_marked(self, coach_a):
        from django.core.exceptions import ValidationError

        start = future(3)
        booked = appointment_book(
            coach=coach_a,
            start=start,
            end=start + timedelta(hours=1),
            kind="session",
            mode="practice",
            by=coach_a,
        )
        with pytest.raises(ValidationError):
            appointment_mark(appointment=booked, status="completed")


@pytest.mark.parametrize(
    ("form", "name"),
    [
        ("sessions.forms.AppointmentForm", "start"),
        ("sessions.forms.MoveForm", "start"),
        ("sessions.forms.KennismakingForm", "slot"),
        ("groups.forms.GroupForm", "first_start"),
        ("trajects.forms.StepForm", "planned_at"),
    ],
)
@pytest.mark.parametrize("moment", ["9999-12-31T23:59", "0001-01-01T00:00", "2099-01-01T10:00"])
@pytest.mark.django_db
def test_every_calendar_time_is_within_five_years(form, name, moment, coach_a):
    """A time in the calendar lies within five years of today (as the pages'
    week and slot parameters), or the form says so."""
    from importlib import import_module

    module, cls = form.rsplit(".", 1)
    kwargs = {"AppointmentForm": {"coach": coach_a}, "StepForm": {"step": "plan_kennismaking"}}
    bound = getattr(import_module(module), cls)({name: moment}, **kwargs.get(cls, {}))
    assert not bound.is_valid()
    assert [error.code for error in bound.errors.as_data()[name]] == ["out_of_reach"]
    assert bound.errors[name] == ["Kies een tijdstip binnen vijf jaar van vandaag."]
