"""The coach's day on *Vandaag*: today's appointments and Backstage meetings
in time order with what fits the moment, the days ahead with their counts, past appointments
without an outcome, and marking held or missed from there and back.

The clock is moved to 11:30 today (it keeps ticking): what has begun and what is still to come
is then the same whatever the hour the tests run."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from coaching.tests.factories import ClientFactory
from groups.services.groups import group_create
from groups.services.meetings import turn_claim
from groups.services.members import member_add
from sessions.models import Appointment
from sessions.services.booking import appointment_cancel
from sessions.tests.factories import appointment_for
from sessions.today import DAYS_AHEAD, SHOWN, days_ahead
from trajects.tests.factories import note, running_traject

pytestmark = pytest.mark.django_db

NOW = time(11, 30)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def shift_clock(monkeypatch, to: datetime) -> None:
    """timezone.now() says `to` from now on, and keeps ticking from there."""
    real_now = timezone.now
    offset = to - real_now()
    monkeypatch.setattr(timezone, "now", lambda: real_now() + offset)


@pytest.fixture
def today(monkeypatch) -> date:
    day = timezone.localdate()
    shift_clock(monkeypatch, at(day, NOW.hour, NOW.minute))
    return day


def client_traject(coach, first_name: str):
    return running_traject(coach, client__coach=coach, client__first_name=first_name)


def meeting_today(coach, start: datetime, *, contributors=("Ilse",)):
    """A Backstage group whose first meeting is today at `start`, with these contributors."""
    group = group_create(
        coach=coach,
        name="Leidinggevenden Oost",
        composition="mixed",
        daypart="day",
        interval_weeks=3,
        first_start=start,
        location="Zaal 2, De praktijk",
    )
    meeting = group.meetings.get(number=1)
    for name in contributors:
        membership = member_add(
            group=group,
            client=ClientFactory(coach=coach, first_name=name),
            joined_on=timezone.localdate(),
        )
        turn_claim(meeting=meeting, membership=membership)
    return meeting


def vandaag(client, coach) -> str:
    client.force_login(coach)
    response = client.get("/coach/")
    assert response.status_code == 200
    return response.content.decode()


def part(page: str, element_id: str) -> str:
    """The element with this id, up to the end of its section."""
    start = page.index(f'id="{element_id}"')
    return page[start : page.index("</section>", start)]


def row_of(page: str, appointment) -> str:
    """The day's list item of this appointment, from its <li> to its </li>."""
    start = page.rindex("<li", 0, page.index(f'id="today-{appointment.uuid}"'))
    return page[start : page.index("</li>", start)]


class TestTodaysList:
    def test_in_time_order_with_the_meeting_and_never_another_coachs(
        self, client, coach_a, coach_b, today
    ):
        eva, jan = client_traject(coach_a, "Eva"), client_traject(coach_a, "Jan")
        appointment_for(jan, at(today, 15, 0), mode="video", video_link="https://meet.example/jan")
        appointment_for(eva, at(today, 9, 0), location="Kamer 1")
        meeting_today(coach_a, at(today, 12, 0), contributors=("Ilse", "Kees"))
        yesterday = appointment_for(eva, at(today - timedelta(days=1), 9, 0))
        tomorrow = appointment_for(eva, at(today + timedelta(days=1), 9, 0))
        appointment_for(client_traject(coach_b, "Andermans"), at(today, 10, 0))
        page = part(vandaag(client, coach_a), "today-heading")
        # By full name: a random last name may hold another's first ("Eva Jansen").
        eva_name, jan_name = (escape(str(t.client)) for t in (eva, jan))
        assert page.index(eva_name) < page.index("Leidinggevenden Oost") < page.index(jan_name)
        assert "09:00" in page and "15:00" in page and "Kamer 1" in page
        assert "bijeenkomst 1 van 8" in page
        assert "Inbreng: Ilse, Kees" in page
        assert "Zaal 2, De praktijk" in page
        assert 'href="https://meet.example/jan"' in page and "Deelnemen via video" in page
        assert "Andermans" not in page
        assert str(yesterday.uuid) not in page and str(tomorrow.uuid) not in page
        assert "3 afspraken" in page  # and none still to come but the meeting and Jan's
        assert "nog 2 te gaan" in page

    def test_a_cancelled_appointment_is_shown_muted_without_actions(self, client, coach_a, today):
        eva = client_traject(coach_a, "Eva")
        later = appointment_for(eva, at(today, 16, 0))
        appointment_cancel(appointment=later, by=coach_a, cancelled_by="coach", reason="Ziek")
        page = part(vandaag(client, coach_a), "today-heading")
        row = row_of(page, later)
        assert "today-cancelled" in row and "geannuleerd door de coach" in row
        assert "Voorbereiden" not in row and "Gehouden" not in row
        assert "0 afspraken" not in page and "Vandaag staan er geen" not in page

    def test_names_and_places_are_text_not_html(self, client, coach_a, today):
        """The rows are written in Python (sessions/today_html.py), not by the template engine:
        a client's name, a location and a group's name come out escaped, in the row and in the
        buttons' words for a screen reader."""
        eva = client_traject(coach_a, '<img src=x onerror="alert(1)">')
        begun = appointment_for(eva, at(today, 9, 0), location="Kamer <b>1</b> & 2")
        meeting = meeting_today(coach_a, at(today, 12, 0), contributors=("<i>Ilse</i>",))
        meeting.group.name = "<script>Oost</script>"
        meeting.group.save(update_fields=["name"])
        page = part(vandaag(client, coach_a), "today-heading")
        row = row_of(page, begun)
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in row
        assert "Kamer &lt;b&gt;1&lt;/b&gt; &amp; 2" in row
        assert "&lt;script&gt;Oost&lt;/script&gt;" in page
        assert "Inbreng: &lt;i&gt;Ilse&lt;/i&gt;" in page
        assert "<img" not in page and "<script" not in page and "<b>1" not in page
        assert "<i>Ilse" not in page

    def test_an_empty_day_says_so(self, client, coach_a, today):
        page = part(vandaag(client, coach_a), "today-heading")
        assert "Vandaag staan er geen afspraken in je agenda." in page
        assert f"?view=day&amp;date={today.isoformat()}" in page


class TestWhatFitsTheMoment:
    def test_before_prepare_at_the_last_session_note(self, client, coach_a, today):
        eva = client_traject(coach_a, "Eva")
        note(eva, coach_a, text="Eerste sessie", occurred_on=today - timedelta(days=14))
        last = note(eva, coach_a, text="Tweede sessie", occurred_on=today - timedelta(days=7))
        note(eva, coach_a, text="Gebeld", kind="phone", occurred_on=today - timedelta(days=1))
        later = appointment_for(eva, at(today, 14, 0))
        page = part(vandaag(client, coach_a), "today-heading")
        row = row_of(page, later)
        assert f'href="/coach/trajecten/{eva.uuid}/#entry-{last.uuid}"' in row
        assert "Gehouden" not in row and "Niet verschenen" not in row
        assert "Tweede sessie" not in page  # no dossier text on Vandaag
        dossier = client.get(f"/coach/trajecten/{eva.uuid}/").content.decode()
        assert f'id="entry-{last.uuid}"' in dossier

    def test_without_a_note_prepare_opens_the_dossier(self, client, coach_a, today):
        eva = client_traject(coach_a, "Eva")
        appointment_for(eva, at(today, 14, 0))
        page = part(vandaag(client, coach_a), "today-heading")
        assert f'href="/coach/trajecten/{eva.uuid}/"' in page

    def test_once_begun_mark_held_or_no_show_then_write_the_note(self, client, coach_a, today):
        eva = client_traject(coach_a, "Eva")
        begun = appointment_for(eva, at(today, 11, 0))
        page = part(vandaag(client, coach_a), "today-heading")
        row = row_of(page, begun)
        assert f'action="/coach/afspraken/{begun.uuid}/afronden/"' in row
        assert f'href="/coach/afspraken/{begun.uuid}/niet-verschenen/?next=/coach/"' in row
        assert "today-now" in row and "Voorbereiden" in row  # while it runs, still preparable
        response = client.post(
            f"/coach/afspraken/{begun.uuid}/afronden/", {"status": "completed", "next": "/coach/"}
        )
        assert response.status_code == 302 and response["Location"] == "/coach/"
        begun.refresh_from_db()
        assert begun.status == Appointment.Status.COMPLETED
        page = part(vandaag(client, coach_a), "today-heading")
        row = row_of(page, begun)
        assert "afronden" not in row and "niet-verschenen" not in row and "Voorbereiden" not in row
        assert f'href="/coach/trajecten/{eva.uuid}/aantekeningen/nieuw/"' in row
        assert "gehouden" in row

    def test_a_meeting_prepares_on_its_page_and_takes_attendance_there(
        self, client, coach_a, today, monkeypatch
    ):
        meeting = meeting_today(coach_a, at(today, 13, 0))
        page = part(vandaag(client, coach_a), "today-heading")
        assert f'href="/coach/bijeenkomsten/{meeting.uuid}/"' in page
        assert "Aanwezigheid vastleggen" not in page
        shift_clock(monkeypatch, at(today, 13, 30))
        page = part(vandaag(client, coach_a), "today-heading")
        assert f'href="/coach/bijeenkomsten/{meeting.uuid}/#attendance-heading"' in page
        assert "Aanwezigheid vastleggen" in page
        assert "afronden" not in page  # a meeting's outcome is its attendance


class TestBackToVandaag:
    @pytest.mark.parametrize(
        "elsewhere",
        [
            "https://evil.example/coach/",
            "//evil.example/",
            "javascript:alert(1)",
            # Not a path: redirect() would take a bare word for a view's name (a 500 the fuzz
            # test found); a NUL cannot go in a header.
            "3714-04-11T20:00",
            "a\x00b",
            "/coach/\x00",
        ],
    )
    def test_a_next_to_another_host_is_never_followed(self, client, coach_a, today, elsewhere):
        begun = appointment_for(client_traject(coach_a, "Eva"), at(today, 10, 0))
        client.force_login(coach_a)
        response = client.post(
            f"/coach/afspraken/{begun.uuid}/afronden/", {"status": "completed", "next": elsewhere}
        )
        assert response["Location"] == f"/coach/afspraken/{begun.uuid}/"
        begun.refresh_from_db()
        assert begun.status == Appointment.Status.COMPLETED

    def test_no_show_asks_first_and_returns_to_vandaag(self, client, coach_a, today):
        eva = client_traject(coach_a, "Eva")
        begun = appointment_for(eva, at(today, 10, 0))
        client.force_login(coach_a)
        url = f"/coach/afspraken/{begun.uuid}/niet-verschenen/"
        asked = client.get(url, {"next": "/coach/"}).content.decode()
        assert "Niet verschenen vastleggen" in asked and 'href="/coach/"' in asked
        begun.refresh_from_db()
        assert begun.status == Appointment.Status.BOOKED  # asking changed nothing
        response = client.post(f"{url}?next=/coach/")
        assert response["Location"] == "/coach/"
        begun.refresh_from_db()
        assert begun.status == Appointment.Status.NO_SHOW
        elsewhere = client.get(url, {"next": "https://evil.example/"})
        assert elsewhere["Location"] == f"/coach/afspraken/{begun.uuid}/"

    def test_the_mark_forms_no_show_choice_keeps_the_way_back(self, client, coach_a, today):
        eva = client_traject(coach_a, "Eva")
        begun = appointment_for(eva, at(today, 10, 0))
        client.force_login(coach_a)
        response = client.post(
            f"/coach/afspraken/{begun.uuid}/afronden/", {"status": "no_show", "next": "/coach/"}
        )
        assert (
            response["Location"]
            == f"/coach/afspraken/{begun.uuid}/niet-verschenen/?next=%2Fcoach%2F"
        )
        plain = client.post(f"/coach/afspraken/{begun.uuid}/afronden/", {"status": "no_show"})
        assert plain["Location"] == f"/coach/afspraken/{begun.uuid}/niet-verschenen/"

    def test_another_coachs_appointment_is_404(self, client, coach_a, coach_b, today):
        theirs = appointment_for(client_traject(coach_b, "Andermans"), at(today, 10, 0))
        client.force_login(coach_a)
        response = client.post(
            f"/coach/afspraken/{theirs.uuid}/afronden/", {"status": "completed", "next": "/coach/"}
        )
        assert response.status_code == 404
        theirs.refresh_from_db()
        assert theirs.status == Appointment.Status.BOOKED


class TestTheDaysAhead:
    def test_counts_per_day_with_first_and_last_time(self, client, coach_a, coach_b, today):
        eva, jan = client_traject(coach_a, "Eva"), client_traject(coach_a, "Jan")
        tomorrow, in_three = today + timedelta(days=1), today + timedelta(days=3)
        appointment_for(eva, at(tomorrow, 9, 0))
        appointment_for(jan, at(tomorrow, 16, 0), minutes=90)
        appointment_for(eva, at(in_three, 10, 0))
        cancelled = appointment_for(jan, at(in_three, 14, 0))
        appointment_cancel(appointment=cancelled, by=coach_a, cancelled_by="coach", reason="Ziek")
        appointment_for(eva, at(today + timedelta(days=DAYS_AHEAD + 1), 10, 0))  # too far
        appointment_for(client_traject(coach_b, "Andermans"), at(tomorrow, 12, 0))
        days = days_ahead(coach_a, today)
        assert [d["day"] for d in days] == [today + timedelta(days=n) for n in range(1, 8)]
        counts = {d["day"]: d["count"] for d in days}
        assert counts[tomorrow] == 2 and counts[in_three] == 1
        assert sum(counts.values()) == 3
        page = part(vandaag(client, coach_a), "days-heading")
        card = page[page.index(f"date={tomorrow.isoformat()}") :]
        card = card[: card.index("</a>")]
        assert "Morgen" in card and "2 afspraken" in card and "09:00–17:30" in card
        assert page.count("Geen afspraken") == DAYS_AHEAD - 2
        assert page.count("?view=day&amp;date=") == DAYS_AHEAD

    def test_a_meeting_is_counted_as_one(self, coach_a, today):
        meeting_today(coach_a, at(today + timedelta(days=2), 13, 0), contributors=())
        days = days_ahead(coach_a, today)
        assert days[1]["count"] == 1 and days[1]["meetings"] == 1


class TestWithoutAnOutcome:
    def test_past_and_still_planned_the_latest_first(self, client, coach_a, coach_b, today):
        eva = client_traject(coach_a, "Eva")
        old = appointment_for(eva, at(today - timedelta(days=9), 10, 0))
        recent = appointment_for(eva, at(today - timedelta(days=2), 10, 0))
        held = appointment_for(eva, at(today - timedelta(days=3), 10, 0))
        Appointment.objects.filter(pk=held.pk).update(status=Appointment.Status.COMPLETED)
        this_morning = appointment_for(eva, at(today, 8, 0))  # on the day's list instead
        appointment_for(client_traject(coach_b, "Andermans"), at(today - timedelta(days=1), 10))
        page = part(vandaag(client, coach_a), "without-outcome-heading")
        assert page.index(str(recent.uuid)) < page.index(str(old.uuid))
        assert str(held.uuid) not in page and str(this_morning.uuid) not in page
        assert "Andermans" not in page
        assert f'action="/coach/afspraken/{recent.uuid}/afronden/"' in page

    def test_none_no_section(self, client, coach_a, today):
        assert "without-outcome-heading" not in vandaag(client, coach_a)

    def test_the_first_rows_and_how_many(self, client, coach_a, today):
        eva = client_traject(coach_a, "Eva")
        for n in range(SHOWN + 2):
            appointment_for(eva, at(today - timedelta(days=n + 1), 10, 0))
        page = part(vandaag(client, coach_a), "without-outcome-heading")
        assert page.count("afronden/") == SHOWN
        assert f"{SHOWN} van {SHOWN + 2} getoond" in page


class TestAcrossMidnight:
    """An appointment from last night that runs past midnight is today's while it runs and
    until its outcome is recorded: on the day's list (with its buttons once it ended), not
    missing from Vandaag nor listed twice."""

    def test_under_way_since_yesterday_is_on_todays_list(self, client, coach_a, monkeypatch):
        today = timezone.localdate()
        shift_clock(monkeypatch, at(today, 0, 15))
        late = appointment_for(
            client_traject(coach_a, "Eva"), at(today - timedelta(days=1), 23, 30)
        )
        page = vandaag(client, coach_a)
        row = row_of(part(page, "today-heading"), late)
        assert "today-now" in row and f"/coach/afspraken/{late.uuid}/afronden/" in row
        assert "without-outcome-heading" not in page

    def test_ended_after_midnight_is_on_todays_list_only(self, client, coach_a, monkeypatch):
        today = timezone.localdate()
        shift_clock(monkeypatch, at(today, 9, 0))
        late = appointment_for(
            client_traject(coach_a, "Eva"), at(today - timedelta(days=1), 23, 30)
        )
        page = vandaag(client, coach_a)
        assert f"/coach/afspraken/{late.uuid}/afronden/" in row_of(
            part(page, "today-heading"), late
        )
        assert "without-outcome-heading" not in page


class TestTheNextDay:
    """Vandaag's queries are compiled once per process (coaching.compiled) with the day as a
    value: opened again the next day in the same process, the page is that day's."""

    def test_the_lists_move_with_the_clock(self, client, coach_a, monkeypatch):
        first = timezone.localdate()
        eva = client_traject(coach_a, "Eva")
        on_first = appointment_for(eva, at(first, 10, 0))
        on_second = appointment_for(eva, at(first + timedelta(days=1), 10, 0))
        shift_clock(monkeypatch, at(first, 8, 0))
        page = vandaag(client, coach_a)
        assert str(on_first.uuid) in part(page, "today-heading")
        assert str(on_second.uuid) not in part(page, "today-heading")
        assert "without-outcome-heading" not in page
        shift_clock(monkeypatch, at(first + timedelta(days=1), 8, 0))
        page = vandaag(client, coach_a)
        today_part = part(page, "today-heading")
        assert str(on_second.uuid) in today_part and str(on_first.uuid) not in today_part
        # Yesterday's, still without an outcome, is now among the lists.
        assert f"/coach/afspraken/{on_first.uuid}/afronden/" in part(
            page, "without-outcome-heading"
        )
