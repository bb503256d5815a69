"""The busy times of a coach's own calendar kept up to date (sessions.feeds, sessions.tasks):
stored from the calendar, kept through a failure (an error, a timeout, a file that is no
calendar) with the reason shown, unchanged by a 304, and left out of the free slots."""

import threading
from datetime import datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from sessions.feeds import refresh
from sessions.models import CalendarFeed, ExternalBusy, WorkingHours
from sessions.slots import free_slots
from sessions.tasks import refresh_calendar_feeds

pytestmark = pytest.mark.django_db


def _calendar(day) -> bytes:
    """A calendar with one busy hour, 10:00-11:00 on `day`, and a free one at 14:00."""
    stamp = f"{day:%Y%m%d}"
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//NL\r\n"
        "BEGIN:VEVENT\r\nUID:a@test\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Geheim overleg\r\n"
        f"DTSTART;TZID=Europe/Amsterdam:{stamp}T100000\r\n"
        f"DTEND;TZID=Europe/Amsterdam:{stamp}T110000\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:b@test\r\nDTSTAMP:20260101T000000Z\r\nTRANSP:TRANSPARENT\r\n"
        f"DTSTART;TZID=Europe/Amsterdam:{stamp}T140000\r\n"
        f"DTEND;TZID=Europe/Amsterdam:{stamp}T150000\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    ).encode()


class Calendar(BaseHTTPRequestHandler):
    answer = "calendar"  # or "error", "garbage"
    body = b""

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        if Calendar.answer == "error":
            self.send_response(500)
            self.end_headers()
        elif self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.end_headers()
        else:
            self.send_response(200)
            self.send_header("ETag", '"v1"')
            self.end_headers()
            self.wfile.write(b"geen agenda" if Calendar.answer == "garbage" else Calendar.body)


@pytest.fixture
def feed(coach_a):
    day = timezone.localdate() + timedelta(days=7)
    Calendar.answer, Calendar.body = "calendar", _calendar(day)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Calendar)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield (
            CalendarFeed.objects.create(
                coach=coach_a, url=f"http://127.0.0.1:{httpd.server_address[1]}/agenda.ics"
            ),
            day,
        )
    finally:
        httpd.shutdown()
        httpd.server_close()


def _busy(feed):
    return [
        (timezone.localtime(b.starts_at).time(), timezone.localtime(b.ends_at).time())
        for b in ExternalBusy.objects.filter(feed=feed)
    ]


def test_the_busy_hour_is_stored_and_nothing_else(feed):
    feed, _day = feed
    assert refresh(feed)
    feed.refresh_from_db()
    assert _busy(feed) == [(time(10), time(11))]  # the free (transparent) hour is not busy
    assert feed.last_success_at and feed.etag == '"v1"' and feed.last_error == ""


@pytest.mark.parametrize(
    "answer, says", [("error", "antwoord 500"), ("garbage", "geen agenda die te lezen is")]
)
def test_a_failure_keeps_the_busy_times_known_and_says_why(feed, answer, says):
    feed, _day = feed
    refresh(feed)
    feed.refresh_from_db()
    succeeded = feed.last_success_at
    Calendar.answer = answer
    feed.etag = ""  # no 304 from the server this time
    assert not refresh(feed)
    feed.refresh_from_db()
    assert says in feed.last_error and feed.last_error_at
    assert feed.last_success_at == succeeded
    assert _busy(feed) == [(time(10), time(11))]


def test_not_modified_keeps_them_and_counts_as_success(feed):
    feed, _day = feed
    refresh(feed)
    feed.refresh_from_db()
    first = feed.last_success_at
    assert refresh(feed)  # sends If-None-Match "v1": 304
    feed.refresh_from_db()
    assert feed.last_success_at > first and _busy(feed) == [(time(10), time(11))]


def test_the_beat_task_refreshes_every_address(feed):
    feed, _day = feed
    assert refresh_calendar_feeds() == 1  # tasks run in-process in the tests
    assert _busy(feed) == [(time(10), time(11))]


def test_online_booking_leaves_the_busy_hour_out(feed, coach_a, session_type):
    feed, day = feed
    WorkingHours.objects.create(coach=coach_a, weekday=day.weekday(), start_time=time(9),
                                end_time=time(13))  # fmt: skip
    refresh(feed)
    slots = free_slots(coach=coach_a, duration=timedelta(hours=1), first=day, days=1)
    starts = {timezone.localtime(slot).time() for slot in slots}
    # 10:00-11:00 busy, with the practice's 15-minute pause on either side.
    assert time(9) not in starts and time(10) not in starts and time(11) not in starts
    assert time(11, 15) in starts and time(12) in starts
    assert all(isinstance(slot, datetime) for slot in slots)


def test_a_coach_adds_an_address_sees_how_it_went_and_removes_it(
    client, coach_a, django_capture_on_commit_callbacks
):
    client.force_login(coach_a)
    refused = client.post(
        "/coach/beschikbaarheid/",
        {"action": "add_feed", "feed-label": "Privé", "feed-url": "ftp://agenda.example/a.ics"},
    )
    assert refused.status_code == 200 and "beginnend met https://" in refused.content.decode()
    assert not CalendarFeed.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/coach/beschikbaarheid/",
            {"action": "add_feed", "feed-label": "Privé", "feed-url": "webcal://127.0.0.1:9/a.ics"},
        )
    assert response.status_code == 302
    feed = CalendarFeed.objects.get(coach=coach_a)
    assert feed.url == "https://127.0.0.1:9/a.ics"  # webcal:// is https://
    # Tasks run in-process in the tests: fetched at once, and it failed (nothing listens).
    page = client.get("/coach/beschikbaarheid/").content.decode()
    assert "Ophalen mislukt" in page and "Nog nooit gelukt." in page
    assert "127.0.0.1:9/a.ics" not in page  # the secret address is never shown whole
    client.post("/coach/beschikbaarheid/", {"action": "delete_feed", "id": str(feed.pk)})
    assert not CalendarFeed.objects.exists()


def test_another_coach_cannot_remove_or_fetch_it(client, coach_a, coach_b):
    feed = CalendarFeed.objects.create(coach=coach_a, url="https://agenda.example/a.ics")
    client.force_login(coach_b)
    for action in ("delete_feed", "refresh_feed"):
        client.post("/coach/beschikbaarheid/", {"action": action, "id": str(feed.pk)})
    assert CalendarFeed.objects.filter(pk=feed.pk, last_error_at=None).exists()  # kept, unfetched
    client.force_login(coach_a)
    assert "agenda.example" in client.get("/coach/beschikbaarheid/").content.decode()
    client.force_login(coach_b)
    assert "agenda.example" not in client.get("/coach/beschikbaarheid/").content.decode()


def test_the_week_shows_the_busy_time_and_a_coach_may_still_plan_over_it(feed, client, coach_a):
    feed, day = feed
    refresh(feed)
    client.force_login(coach_a)
    page = client.get(f"/coach/agenda/?view=week&date={day:%Y-%m-%d}").content.decode()
    # On the grid and in the phone's list.
    assert page.count("bezet (eigen agenda) 10:00–11:00") == 2
    # The free half hours over it still link to planning an appointment then.
    link = f'href="/coach/agenda/nieuw/?start={day:%Y-%m-%d}T10:00"'
    assert f'data-time="10:00" title="Nieuwe afspraak om 10:00" {link}' in page
    # The busy time's what is never shown: only when.
    assert "Geheim overleg" not in page


def test_planning_over_a_busy_time_by_hand_is_allowed_with_a_warning(
    feed, client, coach_a, session_type
):
    from trajects.tests.factories import running_traject

    feed, day = feed
    refresh(feed)
    traject = running_traject(coach_a, client__coach=coach_a)
    client.force_login(coach_a)
    data = {"traject": traject.pk, "session_type": session_type.pk, "mode": "practice"}
    over = client.post(
        "/coach/agenda/nieuw/", {**data, "start": f"{day:%Y-%m-%d}T10:30"}, follow=True
    )
    page = over.content.decode()
    assert "De afspraak staat in de agenda." in page
    assert "Let op: je bent op die tijd bezet in je eigen agenda." in page
    beside = client.post(
        "/coach/agenda/nieuw/", {**data, "start": f"{day:%Y-%m-%d}T15:00"}, follow=True
    )
    assert "bezet in je eigen agenda" not in beside.content.decode()
