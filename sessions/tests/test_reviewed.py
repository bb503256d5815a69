"""Rules found in review: each holds, and fails without its fix."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from coaching.models import Client
from coaching.tests.factories import ClientFactory, GuardianFactory
from sessions.models import Appointment, SessionType
from sessions.notify import recipients
from sessions.services.booking import SlotTaken, appointment_book, appointment_mark, bookable_kinds
from sessions.slots import _align
from sessions.tests.test_pages import future, open_all_week
from trajects.tests.factories import TrajectFactory, running_traject


def book(coach, start, **extra):
    extra.setdefault("end", start + timedelta(hours=1))
    return appointment_book(
        coach=coach,
        start=start,
        kind=extra.pop("kind", "session"),
        mode="practice",
        by=coach,
        **extra,
    )


@pytest.mark.django_db
class TestWhoHearsOfIt:
    def test_an_adult_without_an_account_gets_the_mail_at_her_address(self, coach_a):
        adult = ClientFactory(coach=coach_a, email="noor@example.org")
        appointment = book(coach_a, future(3), traject=TrajectFactory(client=adult))
        assert [r[0] for r in recipients(appointment)] == ["noor@example.org"]

    def test_a_parent_of_a_grown_up_client_hears_nothing_and_sees_nothing(self, coach_a):
        adult = ClientFactory(coach=coach_a, email="noor@example.org")
        parent = GuardianFactory(client=adult, email="ouder@example.org")
        appointment = book(coach_a, future(3), traject=TrajectFactory(client=adult))
        assert "ouder@example.org" not in [r[0] for r in recipients(appointment)]
        assert not Client.objects.for_account(parent.account).exists()

    def test_the_parents_of_a_child_hear_of_it(self, coach_a, guardian):
        child = Client.objects.get(guardians__account=guardian)
        appointment = book(coach_a, future(3), traject=TrajectFactory(client=child))
        assert [r[0] for r in recipients(appointment)] == [guardian.email]


@pytest.mark.django_db
class TestBookingRules:
    def test_the_pause_between_appointments_holds_for_online_bookings(self, coach_a):
        book(coach_a, future(3, 10))
        with pytest.raises(SlotTaken):
            book(coach_a, future(3, 11) + timedelta(minutes=10), buffer=timedelta(minutes=30))
        book(coach_a, future(3, 11) + timedelta(minutes=10))  # the coach may plan back to back

    def test_one_kennismaking_at_a_time(self, coach_a):
        traject = TrajectFactory(client__coach=coach_a)
        assert "kennismaking" in bookable_kinds(traject)
        book(coach_a, future(3), kind="kennismaking", traject=traject)
        traject.refresh_from_db()
        assert traject.status == "kennismaking"
        assert traject.kennismaking_planned_at == future(3)
        assert "kennismaking" not in bookable_kinds(traject)

    def test_no_third_party_or_observation_before_the_intake(self, coach_a):
        traject = TrajectFactory(client__coach=coach_a)
        assert not {"third_party", "observation"} & bookable_kinds(traject)

    def test_moving_a_kennismaking_moves_it_on_the_traject(self, coach_a):
        from sessions.services.booking import appointment_move

        traject = TrajectFactory(client__coach=coach_a)
        appointment = book(coach_a, future(3), kind="kennismaking", traject=traject)
        appointment_move(appointment=appointment, start=future(4), end=future(4, 11))
        traject.refresh_from_db()
        assert traject.kennismaking_planned_at == future(4)


@pytest.mark.django_db
class TestLastSessionHoles:
    def sessions(self, coach, traject, *days_ago):
        now = timezone.now()
        return [book(coach, now - timedelta(days=d), traject=traject) for d in days_ago]

    def test_a_no_show_in_between_breaks_the_announcement(self, coach_a):
        traject = running_traject(coach_a, client__coach=coach_a)
        first, second, third = self.sessions(coach_a, traject, 20, 10, 3)
        appointment_mark(appointment=first, status="completed", announces_last=True)
        appointment_mark(appointment=second, status="no_show")
        with pytest.raises(ValidationError):
            appointment_mark(appointment=third, status="completed", is_last=True)

    def test_an_unmarked_session_in_between_breaks_it_too(self, coach_a):
        traject = running_traject(coach_a, client__coach=coach_a)
        first, _second, third = self.sessions(coach_a, traject, 20, 10, 3)
        appointment_mark(appointment=first, status="completed", announces_last=True)
        with pytest.raises(ValidationError):
            appointment_mark(appointment=third, status="completed", is_last=True)

    def test_the_announcement_cannot_be_taken_back_after_the_last(self, coach_a):
        traject = running_traject(coach_a, client__coach=coach_a)
        first, second = self.sessions(coach_a, traject, 20, 10)
        appointment_mark(appointment=first, status="completed", announces_last=True)
        appointment_mark(appointment=second, status="completed", is_last=True)
        with pytest.raises(ValidationError):
            appointment_mark(appointment=first, status="completed", announces_last=False)

    def test_only_a_coaching_session_is_the_last(self, coach_a):
        traject = running_traject(coach_a, client__coach=coach_a)
        evaluation = book(
            coach_a, timezone.now() - timedelta(days=2), kind="evaluation", traject=traject
        )
        with pytest.raises(ValidationError):
            appointment_mark(appointment=evaluation, status="completed", is_last=True)


@pytest.mark.django_db
class TestNoFiveHundreds:
    @pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "nonsense", "2026-02-30"])
    def test_odd_weeks(self, client, coach_a, week):
        client.force_login(coach_a)
        assert client.get(f"/coach/agenda/?week={week}").status_code == 200

    def test_odd_ids(self, client, coach_a):
        client.force_login(coach_a)
        assert client.get("/coach/agenda/nieuw/?traject=nope").status_code == 200
        response = client.post("/coach/beschikbaarheid/", {"action": "delete_hours", "id": "abc"})
        assert response.status_code == 302

    def test_an_absurd_slot(self, client, guardian, coach_a):
        child = Client.objects.get(guardians__account=guardian)
        open_all_week(coach_a)
        traject = running_traject(coach_a, client=child)
        session = SessionType.objects.create(
            kind="session",
            name="S",
            default_minutes=60,
            allowed_modes=["practice"],
            bookable_online=True,
        )
        client.force_login(guardian)
        url = f"/portaal/afspraken/boeken/{traject.uuid}/{session.pk}/"
        for value in ["9999-12-31T23:30:00+00:00", "2026-12-01T10:00:00", "x"]:
            response = client.post(url, {"slot": value, "mode": "practice"})
            assert response.status_code == 200 and "Kies een tijdstip" in response.content.decode()
        response = client.post(url, {"slot": future(3).isoformat(), "mode": "school"})
        assert "Kies een vorm die bij deze afspraak hoort." in response.content.decode()
        assert not Appointment.objects.exists()

    def test_a_past_appointment_is_not_moved_or_cancelled_by_a_direct_post(self, client, coach_a):
        held = book(coach_a, timezone.now() - timedelta(hours=3))
        client.force_login(coach_a)
        client.post(f"/coach/afspraken/{held.uuid}/annuleren/")
        client.post(
            f"/coach/afspraken/{held.uuid}/verzetten/",
            {"start": future(3).strftime("%Y-%m-%dT%H:%M")},
        )
        held.refresh_from_db()
        assert held.status == "booked" and held.start < timezone.now()


@pytest.mark.django_db
def test_a_coachee_does_not_move_what_the_coach_planned_offline(client, guardian, coach_a):
    child = Client.objects.get(guardians__account=guardian)
    traject = running_traject(coach_a, client=child)
    observation = SessionType.objects.create(
        kind="observation", name="Observatie", default_minutes=120, allowed_modes=["school"]
    )
    planned = book(
        coach_a, future(6), traject=traject, session_type=observation, kind="observation"
    )
    client.force_login(guardian)
    response = client.get(f"/portaal/afspraken/{planned.uuid}/verzetten/", follow=True)
    assert "Neem contact op met je coach" in response.content.decode()
    client.post(f"/portaal/afspraken/{planned.uuid}/annuleren/")
    planned.refresh_from_db()
    assert planned.status == "booked"


def test_alignment_keeps_the_repeated_autumn_hour():
    # 01:20 UTC on 25 October 2026 is 02:20 in the second (winter-time) 02:00 hour.
    moment = datetime(2026, 10, 25, 1, 20, tzinfo=UTC)
    assert _align(moment, 15) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert _align(datetime(2026, 3, 29, 0, 59, 30, tzinfo=UTC), 30) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )
    assert date(2026, 10, 25).weekday() == 6
