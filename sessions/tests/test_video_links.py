"""A video appointment has a link. It comes from the coach's own room or the
practice's pattern (a room of its own per appointment), is handed out in one place
(appointment_book) for every way in, survives a move, and is in the e-mails, the client's .ics
and the portal; never in the coach's private feed, and never for someone else's people."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from icalendar import Calendar

from coaching.models import Client, CoachProfile, Send
from coaching.tests import personas
from coaching.video import validate_room_url
from sessions.models import Appointment, SessionType
from sessions.notify import appointment_message
from sessions.reminders import FIRST, compose_reminders, subject_of
from sessions.services.booking import appointment_book, appointment_cancel, appointment_move
from sessions.tests.test_pages import future, open_all_week
from sessions.tests.test_prospects import form
from trajects.tests.factories import running_traject

pytestmark = pytest.mark.django_db

BASE = "https://meet.example"
OWN_ROOM = "https://whereby.example/anna-coach"
ROOM = re.compile(r"^https://meet\.example/praktijk-de-haas-[0-9a-f]{16}$")
NO_LINK_YET = "Je coach stuurt je de videolink vóór de afspraak."


@pytest.fixture(autouse=True)
def _pattern(settings):
    settings.PRAKTIJK_VIDEO_ROOM_BASE = BASE
    settings.PRAKTIJK_NAME = "Praktijk De Haas"


@pytest.fixture
def eva_traject(coach_a, coachee):
    open_all_week(coach_a)
    return running_traject(coach_a, client=coachee.client_record)


def own_room(coach, url=OWN_ROOM):
    CoachProfile.objects.filter(user=coach).update(video_room_url=url)


def book(coach, traject=None, *, mode="video", days=3, hour=10, **extra) -> Appointment:
    start = future(days, hour)
    return appointment_book(
        coach=coach,
        start=start,
        end=start + timedelta(hours=1),
        kind="session",
        mode=mode,
        by=coach,
        traject=traject,
        **extra,
    )


def event_of(ics) -> dict:
    text = ics if isinstance(ics, str) else ics.decode()
    return Calendar.from_ical(text).walk("VEVENT")[0]


def unfolded(ics) -> str:
    text = ics if isinstance(ics, str) else ics.decode()
    return text.replace("\r\n ", "")


# --- Where the link comes from -----------------------------------------------------------------


class TestWhereTheLinkComesFrom:
    def test_the_coachs_own_room(self, coach_a):
        own_room(coach_a)
        assert book(coach_a).video_link == OWN_ROOM
        assert book(coach_a, days=4).video_link == OWN_ROOM  # a fixed room: the same each time

    def test_the_practices_pattern_makes_a_room_of_its_own_per_appointment(self, coach_a):
        first, second = book(coach_a), book(coach_a, days=4)
        assert ROOM.match(first.video_link) and ROOM.match(second.video_link)
        assert first.video_link != second.video_link

    def test_a_link_the_coach_types_wins(self, coach_a):
        own_room(coach_a)
        typed = "https://teams.example/l/meetup-join/42"
        assert book(coach_a, video_link=typed).video_link == typed

    @pytest.mark.parametrize("mode", ["practice", "phone", "home"])
    def test_not_by_video_no_link(self, coach_a, mode):
        own_room(coach_a)
        assert book(coach_a, mode=mode).video_link == ""

    def test_no_pattern_and_no_room_no_link(self, coach_a, settings):
        settings.PRAKTIJK_VIDEO_ROOM_BASE = ""
        assert book(coach_a).video_link == ""
        own_room(coach_a)
        assert book(coach_a, days=4).video_link == OWN_ROOM

    def test_a_move_keeps_the_link(self, coach_a):
        appointment = book(coach_a)
        link = appointment.video_link
        moved = appointment_move(
            appointment=appointment, start=future(5), end=future(5) + timedelta(hours=1)
        )
        moved.refresh_from_db()
        assert moved.video_link == link and moved.start == future(5)

    def test_the_coachs_form_gives_one(self, client, coach_a, eva_traject, session_type):
        client.force_login(coach_a)
        response = client.post(
            "/coach/agenda/nieuw/",
            {
                "traject": eva_traject.pk,
                "session_type": session_type.pk,
                "mode": "video",
                "start": future(3).strftime("%Y-%m-%dT%H:%M"),
                "minutes": "",
                "video_link": "",
                "location": "",
            },
        )
        assert response.status_code == 302
        assert ROOM.match(Appointment.objects.get().video_link)

    def test_online_booking_in_the_portal_gives_one(
        self, client, coachee, eva_traject, session_type
    ):
        own_room(eva_traject.client.coach)
        client.force_login(coachee)
        url = f"/portaal/afspraken/boeken/{eva_traject.uuid}/{session_type.pk}/"
        response = client.post(url, {"slot": future(3).isoformat(), "mode": "video"})
        assert response["Location"] == "/portaal/afspraken/"
        assert Appointment.objects.get().video_link == OWN_ROOM

    def test_a_kennismaking_from_the_website_by_video_gets_one_and_the_mail_has_it(
        self, client, coach_a, mailoutbox, django_capture_on_commit_callbacks
    ):
        open_all_week(coach_a)
        SessionType.objects.create(
            kind="kennismaking",
            name="Kennismaking",
            default_minutes=30,
            allowed_modes=["phone", "video"],
            bookable_online=True,
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/kennismaking/", form(mode="video"))
        assert response["Location"] == "/kennismaking/bedankt/"
        appointment = Appointment.objects.get(kind="kennismaking")
        assert appointment.mode == "video" and ROOM.match(appointment.video_link)
        to_prospect = next(m for m in mailoutbox if m.to == ["noor@example.org"])
        assert f"Videolink: {appointment.video_link}" in to_prospect.body
        html = to_prospect.alternatives[0][0]
        assert f'<a href="{appointment.video_link}">' in html
        (ics,) = [content for name, content, _mime in to_prospect.attachments]
        assert str(event_of(ics)["URL"]) == appointment.video_link


class TestTheRoomAddressIsHttps:
    @pytest.mark.parametrize("value", ["https://meet.example/x", ""])
    def test_accepted(self, value, settings):
        settings.PRODUCTION = True
        validate_room_url(value)

    @pytest.mark.parametrize("value", ["ftp://meet.example/x", "javascript:alert(1)", "https://"])
    def test_refused(self, value):
        with pytest.raises(ValidationError, match="https://"):
            validate_room_url(value)

    def test_http_only_outside_production(self, settings):
        validate_room_url("http://localhost:8443/kamer")
        settings.PRODUCTION = True
        with pytest.raises(ValidationError):
            validate_room_url("http://localhost:8443/kamer")

    @pytest.mark.parametrize(
        "base", ["meet.example", "ftp://meet.example", "https://meet.example/?room=x"]
    )
    def test_the_setting_is_refused_at_start(self, base):
        from coaching.tests.test_setup import LOAD, run_python

        result = run_python(LOAD, PRAKTIJK_VIDEO_ROOM_BASE=base)
        assert result.returncode != 0 and "PRAKTIJK_VIDEO_ROOM_BASE is an https" in result.stderr

    def test_the_setting_http_only_outside_production(self):
        from coaching.tests.test_setup import PRODUCTION_ENV, run_python

        code = "from django.conf import settings; print(settings.PRAKTIJK_VIDEO_ROOM_BASE)"
        result = run_python(code, PRAKTIJK_VIDEO_ROOM_BASE="http://localhost:8443/")
        assert result.stdout.strip() == "http://localhost:8443"  # no trailing slash
        result = run_python(code, **PRODUCTION_ENV, PRAKTIJK_VIDEO_ROOM_BASE="http://x.nl")
        assert "PRAKTIJK_VIDEO_ROOM_BASE is an https" in result.stderr
        result = run_python(code, **PRODUCTION_ENV)
        assert result.returncode == 0 and result.stdout.strip() == ""  # no default in production

    def test_the_profile_refuses_it_too(self, coach_a, settings):
        settings.PRODUCTION = True
        profile = coach_a.coach_profile
        profile.video_room_url = "http://meet.example/anna"
        with pytest.raises(ValidationError) as raised:
            profile.full_clean()
        assert "video_room_url" in raised.value.message_dict


# --- Where the link shows ----------------------------------------------------------------------


class TestTheEmails:
    def test_the_confirmation_has_the_link_in_text_and_html(
        self,
        client,
        coachee,
        eva_traject,
        session_type,
        mailoutbox,
        django_capture_on_commit_callbacks,
    ):
        client.force_login(coachee)
        url = f"/portaal/afspraken/boeken/{eva_traject.uuid}/{session_type.pk}/"
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url, {"slot": future(3).isoformat(), "mode": "video"})
        link = Appointment.objects.get().video_link
        (mail,) = [m for m in mailoutbox if m.to == [coachee.email]]
        assert f"Videolink: {link}" in mail.body
        html = mail.alternatives[0][0]
        assert f'<strong>Videolink:</strong> <a href="{link}">{link}</a>' in html
        ics = next(content for name, content, _mime in mail.attachments if name == "afspraak.ics")
        assert event_of(ics).conferences[0].uri == link

    def test_the_reminder_has_the_link(self, coach_a, eva_traject):
        appointment = book(coach_a, eva_traject)
        send = Send.objects.create(
            subject=subject_of(appointment.pk, appointment.sequence),
            kind=FIRST,
            due_at=timezone.now(),
        )
        (message,) = compose_reminders([send])[send.pk]
        assert "herinnering" in message.body
        assert f"Videolink: {appointment.video_link}" in message.body
        assert f'href="{appointment.video_link}"' in message.alternatives[0][0]

    def test_without_a_link_the_mail_says_the_coach_sends_it(self, coach_a, eva_traject, settings):

        settings.PRAKTIJK_VIDEO_ROOM_BASE = ""
        appointment = book(coach_a, eva_traject)
        message = appointment_message(
            appointment, "booked", address="eva@example.org", first_name="Eva", language="nl"
        )
        assert NO_LINK_YET in message.body and "Videolink:" not in message.body
        assert NO_LINK_YET in message.alternatives[0][0]

    def test_not_by_video_no_video_line(self, coach_a, eva_traject):

        appointment = book(coach_a, eva_traject, mode="practice", location="De praktijk")
        message = appointment_message(
            appointment, "booked", address="eva@example.org", first_name="Eva", language="nl"
        )
        assert "Videolink" not in message.body and NO_LINK_YET not in message.body


class TestTheClientsIcs:
    def test_location_url_and_conference(self, client, coachee, eva_traject):
        appointment = book(eva_traject.client.coach, eva_traject)
        link = appointment.video_link
        client.force_login(coachee)
        response = client.get(f"/afspraken/{appointment.uuid}/afspraak.ics")
        assert response.status_code == 200
        event = event_of(response.content)
        assert str(event["LOCATION"]) == link
        assert str(event["URL"]) == link
        (conference,) = event.conferences
        assert (conference.uri, conference.feature, conference.label) == (
            link,
            "AUDIO,VIDEO",
            "Deelnemen via video",
        )
        assert "CONFERENCE;" in unfolded(response.content)

    def test_not_by_video_no_url_and_no_conference(self, client, coachee, eva_traject):
        appointment = book(eva_traject.client.coach, eva_traject, mode="practice")
        client.force_login(coachee)
        text = unfolded(client.get(f"/afspraken/{appointment.uuid}/afspraak.ics").content)
        assert "URL:" not in text and "CONFERENCE" not in text


class TestNeverInTheFeed:
    def test_not_the_link_and_not_the_room_name(self, client, coach_a, eva_traject):
        appointment = book(coach_a, eva_traject)
        room = appointment.video_link.rsplit("/", 1)[1]
        token = coach_a.coach_profile.calendar_token
        feed = unfolded(client.get(f"/agenda/{token}.ics").content)
        assert f"UID:{appointment.uuid}@praktijk" in feed  # the appointment is there
        assert room not in feed and BASE not in feed
        assert "URL" not in feed and "CONFERENCE" not in feed
        assert "LOCATION:via video" in feed

    def test_not_the_coachs_own_room_either(self, client, coach_a, eva_traject):
        own_room(coach_a)
        book(coach_a, eva_traject)
        feed = unfolded(client.get(f"/agenda/{coach_a.coach_profile.calendar_token}.ics").content)
        assert "anna-coach" not in feed and "whereby" not in feed


class TestThePages:
    def test_the_portal_shows_join_by_video(self, client, coachee, eva_traject):
        link = book(eva_traject.client.coach, eva_traject).video_link
        client.force_login(coachee)
        page = client.get("/portaal/afspraken/").content.decode()
        assert (
            f'<a class="btn btn-sm btn-primary" href="{link}" target="_blank" '
            'rel="noopener noreferrer">Deelnemen via video' in page
        )

    def test_the_coachs_appointment_page_shows_it(self, client, coach_a, eva_traject):
        appointment = book(coach_a, eva_traject)
        client.force_login(coach_a)
        page = client.get(f"/coach/afspraken/{appointment.uuid}/").content.decode()
        assert f'href="{appointment.video_link}"' in page and "Deelnemen via video" in page

    def test_nobody_elses_people_reach_the_link(self, client, coach_a, coach_b, eva_traject):
        appointment = book(coach_a, eva_traject)
        room = appointment.video_link.rsplit("/", 1)[1]
        # Another coach: the appointment's page and .ics are a 404, their calendar lacks it.
        client.force_login(coach_b)
        assert client.get(f"/coach/afspraken/{appointment.uuid}/").status_code == 404
        assert client.get(f"/afspraken/{appointment.uuid}/afspraak.ics").status_code == 404
        assert room not in client.get("/coach/agenda/").content.decode()
        assert room not in client.get("/coach/").content.decode()
        # Another coachee: the .ics is a 404, her portal lacks it.
        other = personas.coachee_b(coach_b)
        client.force_login(other)
        assert client.get(f"/afspraken/{appointment.uuid}/afspraak.ics").status_code == 404
        for page in ("/portaal/", "/portaal/afspraken/"):
            response = client.get(page)
            assert response.status_code == 200 and room not in response.content.decode()

    def test_a_parent_sees_the_childs_link(self, client, coach_a, guardian):
        child = Client.objects.get(guardians__account=guardian)
        appointment = book(coach_a, running_traject(coach_a, client=child))
        client.force_login(guardian)
        assert appointment.video_link in client.get("/portaal/afspraken/").content.decode()
        response = client.get(f"/afspraken/{appointment.uuid}/afspraak.ics")
        assert str(event_of(response.content)["URL"]) == appointment.video_link


# --- Where the coach sets their room -----------------------------------------------------------


class TestMyProfile:
    URL = "/coach/profiel/"

    def test_the_coach_sets_phone_and_room(self, client, coach_a):
        client.force_login(coach_a)
        page = client.get(self.URL)
        assert page.status_code == 200
        assert "eigen videoruimte" in page.content.decode().lower()
        response = client.post(
            self.URL, {"phone": "06 1234 5678", "video_room_url": OWN_ROOM}, follow=True
        )
        assert response.redirect_chain == [(self.URL, 302)]
        assert "Je profiel is opgeslagen." in response.content.decode()
        profile = CoachProfile.objects.get(user=coach_a)
        assert (profile.phone, profile.video_room_url) == ("06 1234 5678", OWN_ROOM)
        assert book(coach_a).video_link == OWN_ROOM
        # The same again changes nothing (and says nothing).
        response = client.post(
            self.URL, {"phone": "06 1234 5678", "video_room_url": OWN_ROOM}, follow=True
        )
        assert "opgeslagen" not in response.content.decode()

    def test_a_room_without_https_is_refused_in_production(self, client, coach_a, settings):
        settings.PRODUCTION = True
        client.force_login(coach_a)
        response = client.post(
            self.URL, {"phone": "", "video_room_url": "http://meet.example/anna"}
        )
        assert response.status_code == 200
        assert "Gebruik een adres dat begint met https://." in response.content.decode()
        assert CoachProfile.objects.get(user=coach_a).video_room_url == ""

    def test_the_page_runs_one_query(self, client, coach_a, django_assert_num_queries):
        client.force_login(coach_a)
        # The account with its profile and second factor (the session is cached).
        with django_assert_num_queries(1):
            assert client.get(self.URL).status_code == 200

    def test_the_page_says_what_an_empty_room_means(self, client, coach_a, settings):
        client.force_login(coach_a)
        assert "eigen ruimte van de praktijk" in client.get(self.URL).content.decode()
        settings.PRAKTIJK_VIDEO_ROOM_BASE = ""
        assert "geen videoruimtes" in client.get(self.URL).content.decode()

    def test_only_for_coaches(self, client, coachee, admin_user):
        assert client.get(self.URL)["Location"].startswith("/account/login/")
        for user in (coachee, admin_user):
            client.force_login(user)
            assert client.get(self.URL).status_code == 403
            assert client.post(self.URL, {"video_room_url": OWN_ROOM}).status_code == 403
        assert not CoachProfile.objects.exclude(video_room_url="").exists()

    def test_wrong_method(self, client, coach_a):
        client.force_login(coach_a)
        assert client.put(self.URL).status_code == 405

    def test_in_the_user_menu(self, client, coach_a, coachee):
        client.force_login(coach_a)
        assert f'href="{self.URL}">Mijn profiel' in client.get("/coach/").content.decode()
        client.force_login(coachee)
        assert self.URL not in client.get("/portaal/").content.decode()

    def test_the_admin_shows_the_room_and_checks_it(self, client, admin_user, coach_a):
        client.force_login(admin_user)
        page = client.get(f"/beheer/coaching/user/{coach_a.pk}/change/").content.decode()
        assert 'name="coach_profile-0-video_room_url"' in page

    def test_the_status_page_names_the_pattern(self, client, admin_user, settings):
        client.force_login(admin_user)
        assert BASE in client.get("/beheer/status/").content.decode()
        settings.PRAKTIJK_VIDEO_ROOM_BASE = ""
        assert "PRAKTIJK_VIDEO_ROOM_BASE is leeg" in client.get("/beheer/status/").content.decode()


# --- After review: cancelled, moved in the portal, a coach who changes their room ------------

NEW_ROOM = "https://whereby.example/anna-nieuw"


class TestACancelledAppointment:
    def test_its_mail_and_ics_no_longer_invite_to_the_room(self, coach_a, eva_traject):
        appointment = book(coach_a, eva_traject)
        link = appointment.video_link
        assert ROOM.match(link)
        appointment_cancel(appointment=appointment, by=coach_a, reason="")
        appointment.refresh_from_db()
        message = appointment_message(
            appointment, "cancelled", address="eva@example.org", first_name="Eva", language="nl"
        )
        assert "geannuleerd" in message.body
        assert link not in message.body
        assert link not in message.alternatives[0][0]
        (_name, ics, _mime) = message.attachments[0]
        event = event_of(ics)
        assert str(event["STATUS"]) == "CANCELLED"
        assert str(event["LOCATION"]) == "via video"
        assert link not in unfolded(ics) and "CONFERENCE" not in unfolded(ics)

    def test_its_ics_in_the_portal_neither(self, client, coachee, eva_traject):
        appointment = book(eva_traject.client.coach, eva_traject)
        appointment_cancel(appointment=appointment, by=coachee, reason="")
        client.force_login(coachee)
        text = unfolded(client.get(f"/afspraken/{appointment.uuid}/afspraak.ics").content)
        assert appointment.video_link not in text and "URL:" not in text


def test_a_move_by_the_client_in_the_portal_keeps_the_link(
    client, coachee, eva_traject, session_type, mailoutbox, django_capture_on_commit_callbacks
):
    appointment = book(eva_traject.client.coach, eva_traject, days=4, session_type=session_type)
    link = appointment.video_link
    client.force_login(coachee)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/portaal/afspraken/{appointment.uuid}/verzetten/",
            {"slot": future(6, 11).isoformat()},
        )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.start, appointment.video_link) == (future(6, 11), link)
    (mail,) = [m for m in mailoutbox if m.to == [coachee.email]]
    assert "verzet" in mail.body and f"Videolink: {link}" in mail.body
    assert event_of(mail.attachments[0][1]).conferences[0].uri == link


class TestTheCoachChangesTheirRoom:
    URL = "/coach/profiel/"

    def change(self, client, coach, room, callbacks):
        client.force_login(coach)
        with callbacks(execute=True):
            return client.post(self.URL, {"phone": "", "video_room_url": room}, follow=True)

    def test_the_appointments_to_come_in_the_old_room_follow_and_the_client_hears(
        self, client, coach_a, coachee, eva_traject, mailoutbox, django_capture_on_commit_callbacks
    ):
        own_room(coach_a)
        coming = book(coach_a, eva_traject, days=3)
        typed = book(coach_a, eva_traject, days=4, video_link="https://teams.example/eigen")
        cancelled = book(coach_a, eva_traject, days=5)
        appointment_cancel(appointment=cancelled, by=coach_a, reason="")
        past = book(coach_a, eva_traject, days=6)
        start = timezone.now() - timedelta(days=2)
        Appointment.objects.filter(pk=past.pk).update(start=start, end=start + timedelta(hours=1))
        mailoutbox.clear()

        response = self.change(client, coach_a, NEW_ROOM, django_capture_on_commit_callbacks)

        page = response.content.decode()
        assert "1 geplande video-afspraak gaat nu naar je nieuwe videoruimte" in page
        links = dict(Appointment.objects.values_list("pk", "video_link"))
        assert links[coming.pk] == NEW_ROOM
        assert links[typed.pk] == "https://teams.example/eigen"
        assert links[cancelled.pk] == OWN_ROOM and links[past.pk] == OWN_ROOM
        coming.refresh_from_db()
        assert coming.sequence == 1
        (mail,) = [m for m in mailoutbox if m.to == [coachee.email]]
        assert "Nieuwe videolink" in mail.subject
        assert f"Videolink: {NEW_ROOM}" in mail.body and OWN_ROOM not in mail.body
        assert f'href="{NEW_ROOM}"' in mail.alternatives[0][0]
        (_name, ics, mime) = mail.attachments[0]
        event = event_of(ics)
        assert mime == "text/calendar; method=REQUEST"
        assert (str(event["URL"]), int(event["SEQUENCE"])) == (NEW_ROOM, 1)

    def test_emptied_each_gets_a_room_of_its_own_from_the_pattern(
        self, client, coach_a, eva_traject, django_capture_on_commit_callbacks
    ):
        own_room(coach_a)
        first = book(coach_a, eva_traject, days=3)
        second = book(coach_a, eva_traject, days=4)
        self.change(client, coach_a, "", django_capture_on_commit_callbacks)
        first.refresh_from_db()
        second.refresh_from_db()
        assert ROOM.match(first.video_link) and ROOM.match(second.video_link)
        assert first.video_link != second.video_link
        assert first.video_link.startswith(BASE)

    def test_rooms_of_their_own_stay_when_a_coach_first_sets_a_room(
        self, client, coach_a, eva_traject, mailoutbox, django_capture_on_commit_callbacks
    ):
        pattern = book(coach_a, eva_traject)
        mailoutbox.clear()
        response = self.change(client, coach_a, NEW_ROOM, django_capture_on_commit_callbacks)
        pattern.refresh_from_db()
        assert ROOM.match(pattern.video_link) and pattern.sequence == 0
        assert mailoutbox == [] and "gaat nu naar" not in response.content.decode()
        assert CoachProfile.objects.get(user=coach_a).video_room_url == NEW_ROOM

    def test_another_coachs_appointments_in_the_same_room_stay(
        self, client, coach_a, coach_b, eva_traject, django_capture_on_commit_callbacks
    ):
        own_room(coach_a)
        own_room(coach_b)
        theirs = book(coach_b, days=3)
        self.change(client, coach_a, NEW_ROOM, django_capture_on_commit_callbacks)
        theirs.refresh_from_db()
        assert theirs.video_link == OWN_ROOM

    def test_the_page_says_what_happens(self, client, coach_a):
        client.force_login(coach_a)
        page = client.get(self.URL).content.decode()
        assert "gaan de geplande afspraken in je oude ruimte mee naar de nieuwe" in page

    def test_a_new_room_in_the_admin_is_followed_too(
        self, client, admin_user, coach_a, eva_traject, django_capture_on_commit_callbacks
    ):
        from coaching.tests.test_admin import change_account

        own_room(coach_a)
        coming = book(coach_a, eva_traject)
        client.force_login(admin_user)
        with django_capture_on_commit_callbacks(execute=True):
            response = change_account(
                client, coach_a, **{"coach_profile-0-video_room_url": NEW_ROOM}
            )
        assert response.status_code == 302
        coming.refresh_from_db()
        assert (coming.video_link, coming.sequence) == (NEW_ROOM, 1)
