"""A Backstage meeting is the participants' appointment too. In the
portal's appointment list with the group's place or video link ("Deelnemen via video"), and an
.ics per meeting with that link as LOCATION, URL and CONFERENCE; never in the coach's feed and
never for someone outside the group."""

import pytest
from icalendar import Calendar

from groups.tests.test_seams import at, create, participant
from sessions import ical

pytestmark = pytest.mark.django_db

VIDEO = "https://meet.example/backstage-online"


def event_of(content: bytes):
    return Calendar.from_ical(content.decode()).walk("VEVENT")[0]


@pytest.fixture
def online(coach_a):
    """A group that meets by video only."""
    return create(coach_a, name="Online", location="", video_link=VIDEO, first_start=at(11, 19))


def test_the_meeting_is_in_the_portal_list_with_join_by_video(client, online):
    membership = participant(online, "Noor")
    client.force_login(membership.client.account)
    page = client.get("/portaal/afspraken/").content.decode()
    assert page.count("Backstage-bijeenkomst") == 8
    assert page.count(f'href="{VIDEO}" target="_blank" rel="noopener noreferrer"') == 8
    assert "Deelnemen via video" in page


def test_a_meeting_at_a_place_shows_the_place(client, coach_a):
    group = create(coach_a, location="Ziekenhuis Oost, zaal 3", first_start=at(12, 19))
    membership = participant(group, "Ana")
    client.force_login(membership.client.account)
    page = client.get("/portaal/afspraken/").content.decode()
    assert page.count("Waar: Ziekenhuis Oost, zaal 3") == 8
    assert "Deelnemen via video" not in page


def test_its_ics_carries_the_link_as_location_url_and_conference(client, online):
    membership = participant(online, "Noor")
    meeting = online.meetings.get(number=2)
    client.force_login(membership.client.account)
    response = client.get(f"/portaal/backstage/{meeting.uuid}/bijeenkomst.ics")
    assert response.status_code == 200
    event = event_of(response.content)
    assert (str(event["LOCATION"]), str(event["URL"])) == (VIDEO, VIDEO)
    (conference,) = event.conferences
    assert (conference.uri, conference.feature) == (VIDEO, "AUDIO,VIDEO")
    assert str(event["UID"]) == f"{meeting.appointment.uuid}@praktijk"


def test_a_place_and_a_link_both_go_in(client, coach_a):
    group = create(coach_a, location="Zaal 3", video_link=VIDEO, first_start=at(12, 19))
    membership = participant(group, "Ana")
    meeting = group.meetings.get(number=1)
    client.force_login(membership.client.account)
    event = event_of(client.get(f"/portaal/backstage/{meeting.uuid}/bijeenkomst.ics").content)
    assert (str(event["LOCATION"]), str(event["URL"])) == ("Zaal 3", VIDEO)
    assert event.conferences[0].uri == VIDEO


def test_someone_outside_the_group_gets_a_404_and_no_link(client, coach_a, online):
    participant(online, "Noor")
    other = create(coach_a, name="Andere groep", first_start=at(12, 19))
    outsider = participant(other, "Ana")
    client.force_login(outsider.client.account)
    meeting = online.meetings.get(number=1)
    assert client.get(f"/portaal/backstage/{meeting.uuid}/bijeenkomst.ics").status_code == 404
    assert VIDEO not in client.get("/portaal/afspraken/").content.decode()


def test_never_in_the_coachs_feed(online, coach_a):
    feed = ical.coach_feed(coach_a).decode().replace("\r\n ", "")
    assert feed.count("BEGIN:VEVENT") == 8
    assert "backstage-online" not in feed and "CONFERENCE" not in feed and "URL:" not in feed


def test_the_participants_reminder_of_an_online_group_has_the_link_and_a_join_button(online):
    """The Backstage reminder (groups.reminders): "Videolink: …" in text and html, and its
    .ics with the link as LOCATION, URL and CONFERENCE."""
    from django.utils import timezone

    from coaching.models import Send
    from groups.reminders import MEETING, compose_participant_reminders, meeting_subject

    noor = participant(online, "Noor")
    meeting = online.meetings.get(number=1)
    send = Send.objects.create(
        subject=meeting_subject(meeting.pk, 0, noor.pk), kind=MEETING, due_at=timezone.now()
    )
    (message,) = compose_participant_reminders([send])[send.pk]
    assert f"Videolink: {VIDEO}" in message.body and "Waar:" not in message.body
    assert f'<a href="{VIDEO}">{VIDEO}</a>' in message.alternatives[0][0]
    (_name, ics, mime) = message.attachments[0]
    event = event_of(ics.encode() if isinstance(ics, str) else ics)
    assert mime == "text/calendar; method=REQUEST"
    assert (str(event["LOCATION"]), str(event["URL"])) == (VIDEO, VIDEO)
    assert event.conferences[0].uri == VIDEO


def test_a_cancelled_meeting_no_longer_invites_to_the_room(client, online):
    from groups.services.groups import group_stop

    noor = participant(online, "Noor")
    meeting = online.meetings.get(number=3)
    group_stop(group=online, by=online.coach, reason="Te weinig deelnemers")
    client.force_login(noor.client.account)
    event = event_of(client.get(f"/portaal/backstage/{meeting.uuid}/bijeenkomst.ics").content)
    assert str(event["STATUS"]) == "CANCELLED"
    assert "URL" not in event and not event.conferences
    assert VIDEO not in str(event["LOCATION"])
