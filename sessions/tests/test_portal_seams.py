"""The booking rules in the portal and the calendar: booking inside the cancellation
window warns before it books; every planned appointment says until when it can be cancelled
free of charge, and a refusal says how to reach the coach; a move names the old time and the
new; the reminder line tells the truth; at most N upcoming online bookings per client."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from coaching.models import Client
from coaching.templatetags.dates import datum
from sessions.models import Appointment, BookingRules, SessionType
from sessions.services.booking import appointment_book, appointment_cancel, portal_book
from sessions.tests.test_pages import future, open_all_week
from trajects.tests.factories import running_traject


def dutch(moment, flags: str = "dag,tijd") -> str:
    with translation.override("nl"):
        return datum(moment, flags)


@pytest.fixture
def session_type(db):
    return SessionType.objects.create(
        kind="session",
        name="Coachingsessie",
        default_minutes=60,
        allowed_modes=["practice"],
        bookable_online=True,
    )


@pytest.fixture
def eva_traject(coach_a, coachee):
    open_all_week(coach_a)
    coach_a.coach_profile.phone = "030 123 45 67"
    coach_a.coach_profile.save()
    return running_traject(coach_a, client=Client.objects.get(account=coachee))


@pytest.fixture
def lotte_traject(coach_a, guardian):
    return running_traject(coach_a, client=Client.objects.get(guardians__account=guardian))


def window(coach, hours: int) -> None:
    BookingRules.objects.filter(coach=coach).update(cancel_window_hours=hours)


def book_online(account, traject, session_type, start) -> Appointment:
    return portal_book(
        account=account, traject=traject, session_type=session_type, start=start, mode="practice"
    )


# --- Point 3: the cancellation window, before and after booking -------------------------------


@pytest.mark.django_db
class TestInsideTheWindow:
    def test_booking_inside_the_window_warns_before_it_books(
        self, client, coach_a, coachee, eva_traject, session_type
    ):
        window(coach_a, 24 * 5)  # five days: a time three days ahead is inside it
        slot = future(3)
        url = f"/portaal/afspraken/boeken/{eva_traject.uuid}/{session_type.pk}/"
        client.force_login(coachee)
        page = client.get(url).content.decode()
        assert "Kosteloos afzeggen of verzetten kan online tot 120 uur van tevoren." in page
        response = client.post(url, {"slot": slot.isoformat(), "mode": "practice"})
        page = response.content.decode()
        assert response.status_code == 200
        assert "Je kunt deze afspraak daarna niet meer online afzeggen" in page
        deadline = slot - timedelta(hours=120)
        assert f"voor deze afspraak was dat tot {dutch(deadline)}" in page
        assert 'name="inside_window" value="ok"' in page
        assert not Appointment.objects.exists()
        response = client.post(
            url, {"slot": slot.isoformat(), "mode": "practice", "inside_window": "ok"}
        )
        assert response["Location"] == "/portaal/afspraken/"
        assert Appointment.objects.get().start == slot

    def test_outside_the_window_it_books_at_once(self, client, coachee, eva_traject, session_type):
        client.force_login(coachee)
        response = client.post(
            f"/portaal/afspraken/boeken/{eva_traject.uuid}/{session_type.pk}/",
            {"slot": future(3).isoformat(), "mode": "practice"},
        )
        assert response["Location"] == "/portaal/afspraken/"
        assert Appointment.objects.count() == 1

    def test_moving_into_the_window_warns_too(
        self, client, coach_a, coachee, eva_traject, session_type
    ):
        planned = book_online(coachee, eva_traject, session_type, future(8))
        window(coach_a, 24 * 5)
        url = f"/portaal/afspraken/{planned.uuid}/verzetten/"
        client.force_login(coachee)
        page = client.post(url, {"slot": future(3, 14).isoformat()}).content.decode()
        assert "Je kunt deze afspraak daarna niet meer online afzeggen" in page
        assert "Toch verzetten naar dit tijdstip" in page
        planned.refresh_from_db()
        assert planned.start == future(8)
        client.post(url, {"slot": future(3, 14).isoformat(), "inside_window": "ok"})
        planned.refresh_from_db()
        assert planned.start == future(3, 14)

    def test_every_planned_appointment_says_until_when_it_is_free(
        self, client, coach_a, coachee, eva_traject, session_type
    ):
        online = book_online(coachee, eva_traject, session_type, future(4))
        soon = timezone.now() + timedelta(hours=5)
        planned_by_coach = appointment_book(
            coach=coach_a, start=soon, end=soon + timedelta(hours=1), kind="session",
            mode="practice", by=coach_a, traject=eva_traject, session_type=session_type,
        )  # fmt: skip
        client.force_login(coachee)
        page = client.get("/portaal/afspraken/").content.decode()
        free_until = online.start - timedelta(hours=24)
        assert f"Kosteloos afzeggen kan tot {dutch(free_until)}; verzetten ook." in page
        late = dutch(planned_by_coach.start - timedelta(hours=24))
        assert f"Online afzeggen of verzetten kon tot {late}. Neem contact op met je coach:" in page
        assert 'href="tel:0301234567">030 123 45 67</a>' in page
        assert 'href="mailto:coach-a@praktijk.test"' in page

    def test_a_refusal_names_the_deadline_and_the_coach(
        self, client, coach_a, coachee, eva_traject, session_type
    ):
        soon = timezone.now() + timedelta(hours=5)
        planned = appointment_book(
            coach=coach_a, start=soon, end=soon + timedelta(hours=1), kind="session",
            mode="practice", by=coachee, traject=eva_traject, session_type=session_type,
        )  # fmt: skip
        client.force_login(coachee)
        for url in (
            f"/portaal/afspraken/{planned.uuid}/verzetten/",
            f"/portaal/afspraken/{planned.uuid}/annuleren/",
        ):
            page = client.get(url, follow=True).content.decode()
            deadline = dutch(planned.start - timedelta(hours=24))
            assert f"Online afzeggen of verzetten kon tot {deadline}" in page
            assert (
                "Neem contact op met je coach: Anna Coach, 030 123 45 67, coach-a@praktijk.test."
                in page
            )

    def test_a_parent_is_told_the_coach_of_each_child(
        self, client, coach_a, coach_b, guardian, lotte_traject, session_type
    ):
        """Two children of one parent, with different coaches: each appointment names its own
        coach to contact."""
        from coaching.tests.factories import ClientFactory, GuardianFactory

        sibling = ClientFactory(
            coach=coach_b,
            first_name="Sem",
            date_of_birth=timezone.localdate() - timedelta(days=3650),
        )
        GuardianFactory(client=sibling, account=guardian, first_name="Marco")
        sem_traject = running_traject(coach_b, client=sibling)
        coach_b.coach_profile.phone = "06 99 88 77 66"
        coach_b.coach_profile.save()
        for traject in (lotte_traject, sem_traject):
            coach = traject.client.coach
            start = timezone.now() + timedelta(hours=3)
            appointment_book(
                coach=coach, start=start, end=start + timedelta(hours=1), kind="session",
                mode="practice", by=coach, traject=traject,
            )  # fmt: skip
        client.force_login(guardian)
        page = client.get("/portaal/afspraken/").content.decode()
        items = re.findall(r'<li class="list-group-item">(.*?)</li>', page, re.S)
        assert len(items) == 2
        lotte = next(item for item in items if "Lotte" in item)
        sem = next(item for item in items if "Sem" in item)
        assert "coach-a@praktijk.test" in lotte and "coach-b@praktijk.test" not in lotte
        assert "coach-b@praktijk.test" in sem and "06 99 88 77 66" in sem


# --- Point 4: moves say what moved; the reminder line tells the truth --------------------------


@pytest.mark.django_db
class TestMoves:
    def test_the_coachs_move_names_the_old_and_the_new_time(
        self, client, coach_a, coachee, eva_traject, mailoutbox, django_capture_on_commit_callbacks
    ):
        start, new = future(5), future(6, 14)
        planned = appointment_book(
            coach=coach_a, start=start, end=start + timedelta(hours=1), kind="session",
            mode="practice", by=coach_a, traject=eva_traject,
        )  # fmt: skip
        client.force_login(coach_a)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                f"/coach/afspraken/{planned.uuid}/verzetten/",
                {"start": timezone.localtime(new).strftime("%Y-%m-%dT%H:%M")},
            )
        (mail,) = mailoutbox
        was, now = dutch(start, "dag,lang,tijd"), dutch(new, "dag,lang,tijd")
        assert mail.subject == f"[Praktijk] Verzet: coachingsessie, van {was} naar {now}"
        assert f"is verzet van {was} naar {now}." in mail.body
        html = mail.alternatives[0][0]
        assert was in html and now in html

    def test_the_coachees_move_tells_the_coach_the_old_and_the_new_time(
        self,
        client,
        coach_a,
        coachee,
        eva_traject,
        session_type,
        mailoutbox,
        django_capture_on_commit_callbacks,
    ):
        planned = book_online(coachee, eva_traject, session_type, future(5))
        client.force_login(coachee)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                f"/portaal/afspraken/{planned.uuid}/verzetten/",
                {"slot": future(6, 14).isoformat()},
            )
        to_coach = next(m for m in mailoutbox if m.to == [coach_a.email])
        was, now = dutch(future(5), "dag,lang,tijd"), dutch(future(6, 14), "dag,lang,tijd")
        assert f"Eva heeft online een afspraak verzet: coachingsessie, van {was} naar {now}." in (
            to_coach.body
        )
        assert f"van {was} naar {now}" in to_coach.subject
        to_coachee = next(m for m in mailoutbox if m.to == [coachee.email])
        assert f"van {was} naar {now}" in to_coachee.body


@pytest.mark.django_db
class TestReminderLine:
    def page(self, client, coach, appointment) -> str:
        client.force_login(coach)
        return client.get(f"/coach/afspraken/{appointment.uuid}/").content.decode()

    def test_booked_less_than_a_day_ahead_no_reminder_the_confirmation_was_just_sent(
        self, client, coach_a, eva_traject
    ):
        start = timezone.now() + timedelta(hours=5)
        appointment = appointment_book(
            coach=coach_a, start=start, end=start + timedelta(hours=1), kind="session",
            mode="practice", by=coach_a, traject=eva_traject,
        )  # fmt: skip
        page = self.page(client, coach_a, appointment)
        assert "Geen herinnering: de bevestiging is net verstuurd" in page
        assert "Nog geen herinnering" not in page

    def test_days_ahead_it_says_when_the_reminder_goes(self, client, coach_a, eva_traject):
        start = future(4)
        appointment = appointment_book(
            coach=coach_a, start=start, end=start + timedelta(hours=1), kind="session",
            mode="practice", by=coach_a, traject=eva_traject,
        )  # fmt: skip
        page = self.page(client, coach_a, appointment)
        moment = dutch(start - timedelta(hours=24))
        assert f"Nog geen herinnering: die gaat 24 uur van tevoren uit, op {moment}." in page

    def test_moved_inside_the_lead_time_no_reminder_either(self, client, coach_a, eva_traject):
        from sessions.services.booking import appointment_move

        start = future(4)
        appointment = appointment_book(
            coach=coach_a, start=start, end=start + timedelta(hours=1), kind="session",
            mode="practice", by=coach_a, traject=eva_traject,
        )  # fmt: skip
        soon = timezone.now() + timedelta(hours=6)
        appointment_move(appointment=appointment, start=soon, end=soon + timedelta(hours=1))
        page = self.page(client, coach_a, appointment)
        assert "Geen herinnering: de bevestiging is net verstuurd" in page


# --- Point 5: at most N upcoming online bookings ---------------------------------------------


@pytest.mark.django_db
class TestLimit:
    def test_a_fourth_online_booking_is_refused_with_the_reason(
        self, client, coach_a, coachee, eva_traject, session_type, settings
    ):
        assert settings.PRAKTIJK_BOOKING["max_open_online"] == 3
        for days in (2, 3, 4):
            book_online(coachee, eva_traject, session_type, future(days))
        url = f"/portaal/afspraken/boeken/{eva_traject.uuid}/{session_type.pk}/"
        client.force_login(coachee)
        page = client.get(url).content.decode()
        assert "Je hebt al 3 afspraken gepland die nog moeten komen" in page
        assert 'name="slot"' not in page  # no times to pick
        response = client.post(url, {"slot": future(5).isoformat(), "mode": "practice"})
        assert "Je hebt al 3 afspraken gepland die nog moeten komen" in response.content.decode()
        with pytest.raises(ValidationError, match="Je hebt al 3 afspraken"):
            book_online(coachee, eva_traject, session_type, future(5))
        assert Appointment.objects.count() == 3

    def test_only_upcoming_online_bookings_count(self, coach_a, coachee, eva_traject, session_type):
        first, second, third = (
            book_online(coachee, eva_traject, session_type, future(days)) for days in (2, 3, 4)
        )
        appointment_cancel(appointment=third, by=coachee)  # cancelled: no longer counts
        # The coach's own plannings do not count.
        for days in (5, 6):
            appointment_book(
                coach=coach_a, start=future(days), end=future(days, 11), kind="session",
                mode="practice", by=coach_a, traject=eva_traject, session_type=session_type,
            )  # fmt: skip
        assert book_online(coachee, eva_traject, session_type, future(7)).pk
        with pytest.raises(ValidationError, match="Je hebt al 3"):
            book_online(coachee, eva_traject, session_type, future(8))

    def test_per_child_for_a_parent_and_none_when_switched_off(
        self, coach_a, guardian, lotte_traject, session_type, settings
    ):
        open_all_week(coach_a)
        for days in (2, 3, 4):
            book_online(guardian, lotte_traject, session_type, future(days))
        with pytest.raises(
            ValidationError, match="Voor Lotte staan al 3 afspraken gepland die nog moeten komen"
        ):
            book_online(guardian, lotte_traject, session_type, future(5))
        settings.PRAKTIJK_BOOKING = {**settings.PRAKTIJK_BOOKING, "max_open_online": 0}
        assert book_online(guardian, lotte_traject, session_type, future(5)).pk
