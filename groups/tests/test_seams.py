"""Where Backstage groups meet the calendar. Creating a group checks the
method (daypart, not in the past, a place); a team takes its organisation's employees (or
someone else with a reason) and never a child; the group's place is on every meeting in the
calendar, the feed, the .ics files, the reminders and the portal; a group is stopped (with a
reason) or, while nothing happened yet, deleted, and its meetings to come leave the calendar."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone, translation

from coaching.models import Organisation
from coaching.tests.factories import ClientFactory, UserFactory
from groups.models import Attendance, BackstageGroup, Contribution, Meeting, Membership
from groups.reminders import MEETING, compose_participant_reminders, meeting_subject
from groups.services.groups import (
    group_create,
    group_delete,
    group_place_change,
    group_stop,
    why_not_deletable,
)
from groups.services.meetings import meeting_move, turn_claim
from groups.services.members import member_add
from groups.tests.test_groups import first_evening
from sessions import ical
from sessions.models import Appointment
from sessions.slots import free_slots
from sessions.tests.test_pages import open_all_week

VIDEO = "https://meet.example/backstage-oost"


def at(days: int, hour: int, minute: int = 0) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def create(coach, **extra):
    values = {
        "coach": coach,
        "name": "Leidinggevenden Oost",
        "composition": "mixed",
        "daypart": "evening",
        "interval_weeks": 3,
        "first_start": first_evening(),
        "location": "De praktijk, zaal 2",
        **extra,
    }
    return group_create(**values)


def errors_of(raised) -> dict[str, list[str]]:
    return raised.value.message_dict


def participant(group, first_name, **client):
    account = UserFactory(first_name=first_name, email=f"{first_name.lower()}@example.test")
    person = ClientFactory(coach=group.coach, first_name=first_name, account=account, **client)
    return member_add(group=group, client=person, joined_on=date.today())


def hold(meeting: Meeting, days_ago: int = 1) -> None:
    """The meeting took place `days_ago` (test time travel)."""
    start = timezone.now() - timedelta(days=days_ago)
    Appointment.objects.filter(pk=meeting.appointment_id).update(
        start=start, end=start + timedelta(minutes=150), status=Appointment.Status.COMPLETED
    )


# --- 12. Creating a group checks the method ---------------------------------------------------


@pytest.mark.django_db
class TestTheMethod:
    @pytest.mark.parametrize(
        ("daypart", "hour", "minute"),
        [("evening", 14, 0), ("evening", 16, 59), ("day", 17, 0), ("day", 19, 30)],
    )
    def test_the_daypart_must_fit_the_time(self, coach_a, daypart, hour, minute):
        with pytest.raises(ValidationError) as raised:
            create(coach_a, daypart=daypart, first_start=at(10, hour, minute))
        (message,) = errors_of(raised)["first_start"]
        assert "17:00" in message and f"{hour:02}:{minute:02}" in message
        assert not BackstageGroup.objects.exists() and not Appointment.objects.exists()

    @pytest.mark.parametrize(("daypart", "hour", "minute"), [("day", 16, 59), ("evening", 17, 0)])
    def test_either_side_of_the_evening_time(self, coach_a, daypart, hour, minute):
        group = create(coach_a, daypart=daypart, first_start=at(10, hour, minute))
        assert group.meetings.count() == 8

    def test_the_evening_time_is_the_practices_setting(self, coach_a, settings):
        settings.PRAKTIJK_BACKSTAGE = {**settings.PRAKTIJK_BACKSTAGE, "evening_from": "18:00"}
        with pytest.raises(ValidationError, match="18:00"):
            create(coach_a, daypart="evening", first_start=at(10, 17, 30))
        assert create(coach_a, daypart="day", first_start=at(10, 17, 30)).daypart == "day"

    def test_the_first_meeting_is_not_in_the_past(self, coach_a):
        for moment in (at(-2, 19), timezone.now() - timedelta(minutes=1)):
            with pytest.raises(ValidationError) as raised:
                create(coach_a, first_start=moment)
            assert errors_of(raised)["first_start"] == [
                "De eerste bijeenkomst ligt in het verleden. Kies een moment dat nog komt."
            ]
        assert not BackstageGroup.objects.exists() and not Appointment.objects.exists()

    def test_a_group_has_a_place(self, coach_a):
        with pytest.raises(ValidationError) as raised:
            create(coach_a, location="  ")
        assert "videolink" in errors_of(raised)["location"][0]
        assert create(coach_a, location="", video_link=VIDEO).video_link == VIDEO

    def test_a_collision_in_the_calendar_is_said_at_the_first_meeting(self, coach_a):
        from sessions.services.booking import appointment_book

        second = first_evening(10 + 21)
        appointment_book(
            coach=coach_a,
            start=second,
            end=second + timedelta(hours=1),
            kind="session",
            mode="practice",
            by=coach_a,
        )
        with pytest.raises(ValidationError) as raised:
            create(coach_a)
        assert "Bijeenkomst 2 op" in errors_of(raised)["first_start"][0]

    def test_the_coachs_form_shows_each_error_at_its_field(self, client, coach_a):
        client.force_login(coach_a)
        data = {"name": "Oost", "composition": "mixed", "interval_weeks": "3"}
        response = client.post(
            "/coach/groepen/nieuw/",
            {**data, "daypart": "evening", "first_start": f"{at(10, 14):%Y-%m-%dT%H:%M}"},
        )
        html = response.content.decode()
        assert response.status_code == 200
        # At the field (crispy's feedback of the first_start input), not only above the form.
        assert 'id="error_1_id_first_start"' in html and "Een avondgroep begint om 17:00" in html
        assert 'id="error_1_id_location"' in html
        yesterday = timezone.localtime() - timedelta(days=1)
        response = client.post(
            "/coach/groepen/nieuw/",
            {
                **data,
                "daypart": "evening",
                "location": "Zaal 2",
                "first_start": f"{yesterday:%Y-%m-%d}T19:00",
            },
        )
        assert "De eerste bijeenkomst ligt in het verleden." in response.content.decode()
        assert not BackstageGroup.objects.exists()

    def test_the_admin_adds_no_group_and_a_new_daypart_must_fit_the_meetings(
        self, client, admin_user, coach_a, rf
    ):
        from django.contrib import admin

        group = create(coach_a)
        client.force_login(admin_user)
        assert client.get("/beheer/groups/backstagegroup/add/").status_code == 403
        # The admin's form for the group (its inlines aside): the model's clean is asked.
        request = rf.get("/")
        request.user = admin_user
        model_admin = admin.site._registry[BackstageGroup]
        Form = model_admin.get_form(request, group, change=True)
        fields = ["name", "coach", "composition", "interval_weeks", "meeting_minutes"]
        data = {name: getattr(group, name) for name in fields}
        data["coach"] = coach_a.pk
        data["location"] = group.location
        form = Form({**data, "daypart": "day"}, instance=group)
        assert not form.is_valid()
        assert "Een groep overdag begint vóór 17:00" in form.errors["daypart"][0]
        assert Form({**data, "daypart": "evening"}, instance=group).is_valid()
        form = Form({**data, "daypart": "evening", "location": ""}, instance=group)
        assert "videolink" in form.errors["location"][0]

    def test_a_moved_meeting_keeps_to_the_daypart(self, coach_a, admin_user, rf):
        """Moving one meeting is another way to the daypart rule: an
        evening group's meeting moved to the afternoon was accepted, and then the admin could
        not save the group at all (its clean() found a meeting to come outside the daypart)."""
        from django.contrib import admin

        group = create(coach_a)  # evening, at 19:00
        third = group.meetings.select_related("appointment", "group").get(number=3)
        planned = third.appointment.start
        afternoon = timezone.localtime(planned).replace(hour=14)
        with pytest.raises(ValidationError, match="Een avondgroep begint om 17:00 of later"):
            meeting_move(meeting=third, start=afternoon)
        third.appointment.refresh_from_db()
        assert third.appointment.start == planned
        # Within the daypart a move is fine, and the admin still saves the group.
        meeting_move(meeting=third, start=timezone.localtime(planned).replace(hour=18))
        request = rf.get("/")
        request.user = admin_user
        Form = admin.site._registry[BackstageGroup].get_form(request, group, change=True)
        fields = ["name", "composition", "daypart", "interval_weeks", "meeting_minutes"]
        data = {name: getattr(group, name) for name in fields}
        data["coach"] = coach_a.pk
        form = Form({**data, "location": group.location, "name": "Nieuw"}, instance=group)
        assert form.is_valid(), form.errors

    def test_a_group_from_before_the_daypart_check_can_still_move_its_meetings(self, coach_a):
        group = create(coach_a)  # at 19:00; made "overdag" before the daypart was checked
        BackstageGroup.objects.filter(pk=group.pk).update(daypart="day")
        third = group.meetings.select_related("appointment", "group").get(number=3)
        later = third.appointment.start + timedelta(days=7)
        meeting_move(meeting=third, start=later)
        third.appointment.refresh_from_db()
        assert third.appointment.start == later

    def test_the_meeting_page_says_why_a_move_is_refused(self, client, coach_a):
        group = create(coach_a)
        third = group.meetings.select_related("appointment").get(number=3)
        planned = third.appointment.start
        client.force_login(coach_a)
        afternoon = timezone.localtime(planned).replace(hour=14)
        response = client.post(
            f"/coach/bijeenkomsten/{third.uuid}/verzetten/",
            {"start": afternoon.strftime("%Y-%m-%dT%H:%M")},
            follow=True,
        )
        assert "Een avondgroep begint om 17:00 of later" in response.content.decode()
        third.appointment.refresh_from_db()
        assert third.appointment.start == planned


# --- 13. A team is one organisation's, and no child joins -------------------------------------


@pytest.fixture
def hospital(db):
    return Organisation.objects.create(name="Ziekenhuis Oost")


@pytest.fixture
def team(coach_a, hospital):
    return create(coach_a, composition="team", organisation=hospital, name="Teamleiders Oost")


@pytest.mark.django_db
class TestWhoJoins:
    def test_a_team_takes_its_organisations_employees(self, team, hospital):
        nurse = ClientFactory(coach=team.coach, organisation=hospital)
        assert member_add(group=team, client=nurse, joined_on=date.today()).client == nurse

    def test_someone_employed_elsewhere_or_nowhere_is_refused_with_the_reason(self, team):
        school = Organisation.objects.create(name="School West")
        for employer, said in ((school, "werkt bij School West"), (None, "geen werkgever")):
            person = ClientFactory(coach=team.coach, organisation=employer)
            with pytest.raises(ValidationError) as raised:
                member_add(group=team, client=person, joined_on=date.today())
            assert raised.value.code == "outside_organisation"
            assert said in raised.value.message and "Ziekenhuis Oost" in raised.value.message
        assert not team.members.exists()

    def test_with_a_reason_the_coach_lets_someone_else_join_and_it_is_kept(self, team, coach_a):
        school = Organisation.objects.create(name="School West")
        person = ClientFactory(coach=coach_a, organisation=school)
        with pytest.raises(ValidationError, match="wie de uitzondering"):
            member_add(group=team, client=person, joined_on=date.today(), exception_reason="X")
        membership = member_add(
            group=team,
            client=person,
            joined_on=date.today(),
            exception_reason="  Gedetacheerd bij het ziekenhuis  ",
            by=coach_a,
        )
        membership.refresh_from_db()
        assert membership.outside_organisation_reason == "Gedetacheerd bij het ziekenhuis"
        assert membership.outside_organisation_by == coach_a

    def test_a_mixed_group_takes_anyone_without_a_reason(self, coach_a):
        group = create(coach_a)
        person = ClientFactory(coach=coach_a, organisation=None)
        membership = member_add(group=group, client=person, joined_on=date.today())
        assert membership.outside_organisation_reason == ""

    @pytest.mark.parametrize("composition", ["mixed", "team"])
    def test_a_child_never_joins(self, coach_a, hospital, composition):
        group = create(
            coach_a,
            composition=composition,
            organisation=hospital if composition == "team" else None,
        )
        today = timezone.localdate()
        seventeen = ClientFactory(
            coach=coach_a,
            organisation=hospital,
            date_of_birth=today.replace(year=today.year - 18) + timedelta(days=1),
        )
        with pytest.raises(ValidationError) as raised:
            member_add(
                group=group,
                client=seventeen,
                joined_on=today,
                exception_reason="Stagiair",
                by=coach_a,
            )
        assert raised.value.code == "minor" and "jonger dan 18" in raised.value.message
        eighteen = ClientFactory(
            coach=coach_a,
            organisation=hospital,
            date_of_birth=today.replace(year=today.year - 18),
        )
        assert member_add(group=group, client=eighteen, joined_on=today)
        assert list(group.members.values_list("client", flat=True)) == [eighteen.pk]

    def test_the_check_reads_the_client_as_it_is_now(self, team, hospital):
        """The client's row is read again (locked) where the membership is made: an employer
        changed since the page loaded the client counts."""
        person = ClientFactory(coach=team.coach, organisation=hospital)
        elsewhere = Organisation.objects.create(name="Gemeente")
        type(person).objects.filter(pk=person.pk).update(organisation=elsewhere)
        with pytest.raises(ValidationError, match="werkt bij Gemeente"):
            member_add(group=team, client=person, joined_on=date.today())

    def test_an_exception_without_a_reason_is_refused_by_the_database(self, team, coach_a):
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(
                group=team,
                client=ClientFactory(coach=coach_a),
                joined_on=date.today(),
                outside_organisation_by=coach_a,
            )

    def test_the_admin_cannot_make_a_team_of_other_employers(
        self, coach_a, hospital, admin_user, rf
    ):
        """The admin is another way to the team rule: a mixed group made a
        team of an organisation, or a team given another organisation, would hold employees of
        others without a reason."""
        from django.contrib import admin

        group = create(coach_a)
        school = Organisation.objects.create(name="School West")
        # Last names given: a random one ("Bos", "Boer") would put "Bo" in the message.
        participant(group, "Ana", organisation=school, last_name="Smit")
        participant(group, "Bo", organisation=hospital, last_name="Visser")
        participant(group, "Cor", organisation=None, last_name="Mulder")
        request = rf.get("/")
        request.user = admin_user
        Form = admin.site._registry[BackstageGroup].get_form(request, group, change=True)
        fields = ["name", "daypart", "interval_weeks", "meeting_minutes", "location"]
        data = {name: getattr(group, name) for name in fields} | {"coach": coach_a.pk}
        form = Form({**data, "composition": "team", "organisation": hospital.pk}, instance=group)
        assert not form.is_valid()
        said = str(form.errors["organisation"])
        assert "Ana" in said and "Cor" in said and "Bo" not in said
        # A place with a reason the coach gave is no objection.
        Membership.objects.filter(client__first_name__in=["Ana", "Cor"]).update(
            outside_organisation_reason="Gedetacheerd", outside_organisation_by=coach_a
        )
        form = Form({**data, "composition": "team", "organisation": hospital.pk}, instance=group)
        assert form.is_valid(), form.errors
        form.save()
        # A team given another organisation: Bo works at the hospital, not the school.
        form = Form({**data, "composition": "team", "organisation": school.pk}, instance=group)
        assert "Bo" in str(form.errors["organisation"])
        # An unrelated correction of the team is not held up by its members.
        form = Form(
            {**data, "name": "Nieuw", "composition": "team", "organisation": hospital.pk},
            instance=group,
        )
        assert form.is_valid(), form.errors

    def test_the_admin_does_not_hand_a_group_to_another_coach(
        self, client, admin_user, coach_a, coach_b
    ):
        """Its meetings stay in the calendar of the coach who made it, its participants are
        that coach's clients: another coach in the admin's form would show them to that coach
        and leave the calendar behind."""
        group = create(coach_a)
        participant(group, "Ana")
        client.force_login(admin_user)
        url = f"/beheer/groups/backstagegroup/{group.pk}/change/"
        page = client.get(url).content.decode()
        assert 'name="coach"' not in page  # shown, not a field
        data = {
            "name": group.name,
            "coach": coach_b.pk,
            "composition": group.composition,
            "daypart": group.daypart,
            "interval_weeks": group.interval_weeks,
            "meeting_minutes": group.meeting_minutes,
            "location": group.location,
            "video_link": "",
            "members-TOTAL_FORMS": 0,
            "members-INITIAL_FORMS": 0,
            "meetings-TOTAL_FORMS": 0,
            "meetings-INITIAL_FORMS": 0,
        }
        assert client.post(url, data).status_code == 302  # saved, the coach left as it was
        group.refresh_from_db()
        assert group.coach == coach_a
        assert set(group.meetings.values_list("appointment__coach", flat=True)) == {coach_a.pk}

    def test_a_stopped_group_takes_nobody(self, team, hospital, coach_a):
        group_stop(group=team, by=coach_a, reason="Te weinig aanmeldingen")
        with pytest.raises(ValidationError, match="gestopt"):
            member_add(
                group=team,
                client=ClientFactory(coach=coach_a, organisation=hospital),
                joined_on=date.today(),
            )

    def test_the_group_page_asks_for_a_reason_first(self, client, team, coach_a):
        school = Organisation.objects.create(name="School West")
        person = ClientFactory(coach=coach_a, organisation=school, last_name="Zwart")
        client.force_login(coach_a)
        url = f"/coach/groepen/{team.uuid}/deelnemers/"
        response = client.post(url, {"client": person.pk, "zoek": "Zwart"})
        html = response.content.decode()
        assert response.status_code == 200
        assert "werkt bij School West; dit team is van Ziekenhuis Oost" in html
        assert 'name="reason"' in html and "Toch toevoegen" in html
        assert not team.members.exists()
        # Sent without a reason: asked again, nothing added.
        response = client.post(url, {"client": person.pk, "zoek": "Zwart", "reason": " "})
        assert response.status_code == 200 and 'id="error_1_id_reason"' in response.content.decode()
        assert not team.members.exists()
        response = client.post(
            url, {"client": person.pk, "zoek": "Zwart", "reason": "Gedetacheerd"}, follow=True
        )
        assert f"{person} doet mee." in response.content.decode()
        membership = team.members.get()
        assert (membership.outside_organisation_reason, membership.outside_organisation_by) == (
            "Gedetacheerd",
            coach_a,
        )

    def test_the_group_page_refuses_a_child_with_the_reason(self, client, coach_a):
        group = create(coach_a)
        child = ClientFactory(coach=coach_a, date_of_birth=date(2015, 1, 1))
        client.force_login(coach_a)
        response = client.post(
            f"/coach/groepen/{group.uuid}/deelnemers/", {"client": child.pk}, follow=True
        )
        assert "is jonger dan 18" in response.content.decode()
        assert not group.members.exists()


# --- 14. A group has a place ---------------------------------------------------------------------


@pytest.mark.django_db
class TestThePlace:
    def test_every_meeting_has_the_groups_place(self, coach_a):
        group = create(coach_a, location="Ziekenhuis Oost, zaal 3", video_link=VIDEO)
        appointments = [m.appointment for m in group.meetings.select_related("appointment")]
        assert {(a.location, a.video_link, a.mode) for a in appointments} == {
            ("Ziekenhuis Oost, zaal 3", VIDEO, "practice")
        }
        online = create(
            coach_a, name="Online", location="", video_link=VIDEO, first_start=first_evening(11)
        )
        assert {m.appointment.mode for m in online.meetings.select_related("appointment")} == {
            "video"
        }

    def test_a_new_place_moves_with_the_meetings_to_come_only(self, coach_a):
        group = create(coach_a)
        first, second, third = group.meetings.order_by("number")[:3]
        hold(first)
        Appointment.objects.filter(pk=third.appointment_id).update(status="cancelled")
        moved = group_place_change(group=group, location="Stadskantoor, kamer 4", video_link="")
        assert moved == 6
        places = {
            m.number: (m.appointment.location, m.appointment.sequence)
            for m in group.meetings.select_related("appointment")
        }
        assert places[1] == ("De praktijk, zaal 2", 0)  # held where it was held
        assert places[2] == ("Stadskantoor, kamer 4", 1)  # calendars update: a new sequence
        assert places[3] == ("De praktijk, zaal 2", 0)  # cancelled: left alone
        group.refresh_from_db()
        assert group.location == "Stadskantoor, kamer 4"
        with pytest.raises(ValidationError):
            group_place_change(group=group, location=" ", video_link="")

    def test_the_participants_hear_of_a_new_place_with_their_calendars_updated(
        self, coach_a, django_capture_on_commit_callbacks
    ):
        group = create(coach_a)
        participant(group, "Ana")
        hold(group.meetings.get(number=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert (
                group_place_change(group=group, location="De praktijk, zaal 2", video_link="") == 0
            )
        assert not mail.outbox  # nothing changed, nobody told
        with django_capture_on_commit_callbacks(execute=True):
            group_place_change(group=group, location="Stadskantoor, kamer 4", video_link=VIDEO)
        (message,) = mail.outbox
        assert "andere plek" in message.subject
        assert "Waar: Stadskantoor, kamer 4" in message.body and VIDEO in message.body
        assert len(message.attachments) == 7  # the meetings to come, not the one held
        name, ics, mimetype = message.attachments[0]
        second = group.meetings.get(number=2).appointment
        assert (name, mimetype) == ("bijeenkomst-2.ics", "text/calendar; method=REQUEST")
        unfolded = ics.replace("\r\n ", "")
        assert f"UID:{second.uuid}@praktijk" in unfolded and "SEQUENCE:1" in unfolded
        assert "LOCATION:Stadskantoor\\, kamer 4" in unfolded

    def test_a_new_place_in_the_admin_goes_through_the_service(self, coach_a, admin_user, rf):
        from django.contrib import admin

        group = create(coach_a)
        request = rf.post("/")
        request.user = admin_user
        model_admin = admin.site._registry[BackstageGroup]
        Form = model_admin.get_form(request, group, change=True)
        fields = ["name", "composition", "daypart", "interval_weeks", "meeting_minutes"]
        data = {name: getattr(group, name) for name in fields}
        form = Form(
            {**data, "coach": coach_a.pk, "location": "Stadskantoor", "video_link": ""},
            instance=group,
        )
        assert form.is_valid(), form.errors
        model_admin.save_model(request, form.save(commit=False), form, change=True)
        places = set(group.meetings.values_list("appointment__location", flat=True))
        assert places == {"Stadskantoor"}

    def test_the_coach_changes_the_place_on_the_group_page(self, client, coach_a, coach_b):
        group = create(coach_a)
        url = f"/coach/groepen/{group.uuid}/plaats/"
        client.force_login(coach_a)
        assert url in client.get(f"/coach/groepen/{group.uuid}/").content.decode()
        assert 'value="De praktijk, zaal 2"' in client.get(url).content.decode()
        response = client.post(url, {"location": "", "video_link": ""})
        assert response.status_code == 200 and 'id="error_1_id_location"' in (
            response.content.decode()
        )
        response = client.post(url, {"location": "Stadskantoor", "video_link": ""}, follow=True)
        assert "ook bij de 8 bijeenkomsten die nog komen" in response.content.decode()
        assert set(group.meetings.values_list("appointment__location", flat=True)) == {
            "Stadskantoor"
        }
        client.force_login(coach_b)
        assert client.post(url, {"location": "Elders"}).status_code == 404

    def test_a_moved_meeting_keeps_its_place(self, coach_a):
        group = create(coach_a, video_link=VIDEO)
        third = group.meetings.get(number=3)
        meeting_move(meeting=third, start=third.appointment.start + timedelta(days=7))
        third.appointment.refresh_from_db()
        assert (third.appointment.location, third.appointment.video_link) == (
            "De praktijk, zaal 2",
            VIDEO,
        )

    def test_the_coachs_feed_has_the_place_of_a_meeting_not_a_clients_address(
        self, coach_a, coachee
    ):
        from trajects.tests.factories import running_traject

        create(coach_a, location="Ziekenhuis Oost, zaal 3", video_link=VIDEO)
        traject = running_traject(coach_a, client=coachee.client_record)
        home = first_evening(5).replace(hour=10)
        Appointment.objects.create(
            coach=coach_a,
            traject=traject,
            kind="observation",
            mode="home",
            start=home,
            end=home + timedelta(hours=1),
            location="Thuisstraat 12",
        )
        feed = ical.coach_feed(coach_a).decode()
        unfolded = feed.replace("\r\n ", "")
        assert unfolded.count("LOCATION:Ziekenhuis Oost\\, zaal 3") == 8
        # Never a video link in the feed, not even the group's: the feed's URL is
        # its only secret, and it lives in calendar apps outside the practice.
        assert VIDEO not in unfolded and "CONFERENCE" not in unfolded
        assert "Thuisstraat" not in unfolded

    def test_the_ics_of_a_meeting_has_its_place(self, coach_a):
        group = create(coach_a, location="Zaal 3", video_link=VIDEO)
        appointment = group.meetings.get(number=1).appointment
        text = ical.for_client(appointment).decode().replace("\r\n ", "")
        assert "LOCATION:Zaal 3" in text and f"URL:{VIDEO}" in text
        online = create(
            coach_a, name="Online", location="", video_link=VIDEO, first_start=at(11, 19)
        )
        text = ical.for_client(online.meetings.get(number=1).appointment).decode()
        assert f"LOCATION:{VIDEO}" in text.replace("\r\n ", "")

    def test_the_participants_reminder_says_where(self, coach_a, settings):
        group = create(coach_a, location="Zaal 3", video_link=VIDEO)
        ana = participant(group, "Ana")
        meeting = group.meetings.get(number=1)
        from coaching.models import Send

        send = Send.objects.create(
            subject=meeting_subject(meeting.pk, 0, ana.pk), kind=MEETING, due_at=timezone.now()
        )
        (message,) = compose_participant_reminders([send])[send.pk]
        assert "Waar: Zaal 3" in message.body and f"Videolink: {VIDEO}" in message.body
        (_name, ics, _mime) = message.attachments[0]
        assert "LOCATION:Zaal 3" in ics

    def test_the_portal_lists_the_meetings_with_their_place_and_an_ics(
        self, client, coach_a, coachee
    ):
        group = create(coach_a, location="Zaal 3", video_link=VIDEO)
        member_add(group=group, client=coachee.client_record, joined_on=date.today())
        first = group.meetings.get(number=1)
        client.force_login(coachee)
        html = client.get("/portaal/afspraken/").content.decode()
        assert html.count("Backstage-bijeenkomst") == 8 and "Waar: Zaal 3" in html
        assert f"/portaal/backstage/{first.uuid}/bijeenkomst.ics" in html
        response = client.get(f"/portaal/backstage/{first.uuid}/bijeenkomst.ics")
        assert response["Content-Type"] == "text/calendar"
        assert "LOCATION:Zaal 3" in response.content.decode().replace("\r\n ", "")
        backstage = client.get("/portaal/backstage/").content.decode()
        assert "Waar: Zaal 3" in backstage and "bijeenkomst.ics" in backstage

    def test_the_ics_is_only_a_participants(self, client, coach_a, coach_b, coachee, guardian):
        group = create(coach_a)
        first = group.meetings.get(number=1)
        url = f"/portaal/backstage/{first.uuid}/bijeenkomst.ics"
        client.force_login(coachee)
        assert client.get(url).status_code == 404  # not (yet) a participant
        member_add(group=group, client=coachee.client_record, joined_on=date.today())
        assert client.get(url).status_code == 200
        client.force_login(guardian)
        assert client.get(url).status_code == 404
        client.force_login(coach_b)
        assert client.get(url).status_code == 403

    def test_the_week_shows_the_place(self, client, coach_a):
        group = create(coach_a, location="Ziekenhuis Oost, zaal 3")
        first = group.meetings.get(number=1).appointment
        client.force_login(coach_a)
        week = timezone.localtime(first.start).date()
        html = client.get(f"/coach/agenda/?week={week:%Y-%m-%d}").content.decode()
        assert "Ziekenhuis Oost, zaal 3" in html


# --- A moved meeting is announced, saying what moved: the old time and the new -----------------


def _unfolded(message, index: int = 0) -> str:
    return message.attachments[index][1].replace("\r\n ", "")


@pytest.mark.django_db
class TestAMovedMeetingIsAnnounced:
    def test_the_active_participants_hear_the_old_and_the_new_time_and_the_place(
        self, coach_a, django_capture_on_commit_callbacks
    ):
        from coaching.dates import readable
        from groups.services.members import member_leave

        group = create(coach_a, video_link=VIDEO)
        participant(group, "Ana")
        member_leave(membership=participant(group, "Bo"), on=date.today())  # left: not told
        eli = participant(group, "Eli")
        eli.client.account.language = "en"
        eli.client.account.save(update_fields=["language"])
        third = group.meetings.select_related("appointment", "group").get(number=3)
        planned = third.appointment.start
        later = planned + timedelta(days=7)
        with django_capture_on_commit_callbacks(execute=True):
            meeting_move(meeting=third, start=later)
        assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.test", "eli@example.test"]
        [ana] = [m for m in mail.outbox if m.to == ["ana@example.test"]]
        assert "Verzet: bijeenkomst 3 van Leidinggevenden Oost, nu op " in ana.subject
        was = readable(planned, weekday=True, long=True, time=True)
        now = readable(later, weekday=True, long=True, time=True)
        assert f"is verzet van {was} naar {now}." in ana.body
        assert f"Was: {was}" in ana.body and f"Nu: {now}" in ana.body
        assert "Waar: De praktijk, zaal 2" in ana.body and f"Videolink: {VIDEO}" in ana.body
        # The same event for their calendars, with a higher sequence and the new time.
        [(name, _ics, mimetype)] = ana.attachments
        assert (name, mimetype) == ("bijeenkomst-3.ics", "text/calendar; method=REQUEST")
        ics = _unfolded(ana)
        third.appointment.refresh_from_db()
        assert f"UID:{third.appointment.uuid}@praktijk" in ics and "SEQUENCE:1" in ics
        assert f"DTSTART:{later.astimezone(UTC):%Y%m%dT%H%M%SZ}" in ics
        assert "LOCATION:De praktijk\\, zaal 2" in ics
        # In each person's language: the times too.
        [english] = [m for m in mail.outbox if m.to == ["eli@example.test"]]
        with translation.override("en"):
            assert readable(later, weekday=True, long=True, time=True) in english.body

    def test_only_after_the_commit_and_not_when_refused(
        self, coach_a, django_capture_on_commit_callbacks
    ):
        group = create(coach_a)
        participant(group, "Ana")
        third = group.meetings.select_related("appointment", "group").get(number=3)
        afternoon = timezone.localtime(third.appointment.start).replace(hour=14)
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
            meeting_move(meeting=third, start=afternoon)
        assert not mail.outbox
        with django_capture_on_commit_callbacks() as callbacks:
            meeting_move(meeting=third, start=third.appointment.start + timedelta(days=7))
        assert not mail.outbox and len(callbacks) == 1  # waits for the commit

    def test_a_group_without_participants_tells_nobody(
        self, coach_a, django_capture_on_commit_callbacks
    ):
        group = create(coach_a)
        third = group.meetings.select_related("appointment", "group").get(number=3)
        with django_capture_on_commit_callbacks(execute=True):
            meeting_move(meeting=third, start=third.appointment.start + timedelta(days=7))
        assert not mail.outbox

    def test_the_coach_moves_it_on_the_meeting_page_and_the_participants_are_told(
        self, client, coach_a, django_capture_on_commit_callbacks
    ):
        group = create(coach_a)
        participant(group, "Ana")
        third = group.meetings.select_related("appointment").get(number=3)
        later = timezone.localtime(third.appointment.start + timedelta(days=7))
        client.force_login(coach_a)
        url = f"/coach/bijeenkomsten/{third.uuid}/"
        assert "De deelnemers krijgen een e-mail met de oude en de nieuwe tijd." in (
            client.get(url).content.decode()
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"{url}verzetten/", {"start": later.strftime("%Y-%m-%dT%H:%M")}, follow=True
            )
        assert "De bijeenkomst is verzet; de deelnemers krijgen bericht." in (
            response.content.decode()
        )
        (message,) = mail.outbox
        assert message.to == ["ana@example.test"] and "Verzet: bijeenkomst 3" in message.subject


# --- 15. Stopping or deleting a group ----------------------------------------------------------


@pytest.fixture
def running(coach_a, questionnaires):
    """A group halfway: meeting 1 held (with a turn, its agreements and attendance), the rest
    ahead; two participants, one reading in English."""
    open_all_week(coach_a)
    group = create(coach_a, daypart="day", first_start=at(10, 13), video_link=VIDEO)
    ana = participant(group, "Ana")
    bo = participant(group, "Bo")
    bo.client.account.language = "en"
    bo.client.account.save()
    first = group.meetings.get(number=1)
    Contribution.objects.create(
        meeting=first, membership=ana, turn=1, problem="GEHEIM", agreements="GEHEIM-AFSPRAAK"
    )
    Attendance.objects.create(meeting=first, membership=ana, present=True)
    hold(first)
    return group


@pytest.mark.django_db
class TestStopping:
    def test_the_meetings_to_come_leave_the_calendar_and_what_was_held_stays(
        self, running, coach_a, django_capture_on_commit_callbacks
    ):
        second = running.meetings.get(number=2).appointment
        day = timezone.localtime(second.start).date()

        def free_at_the_meeting():
            slots = free_slots(coach=coach_a, duration=timedelta(hours=1), first=day, days=1)
            return second.start in slots

        assert not free_at_the_meeting()
        with django_capture_on_commit_callbacks(execute=True):
            ending = group_stop(group=running, by=coach_a, reason="Te veel uitval")
        assert ending.cancelled == 7
        assert sorted(name.split()[0] for name in ending.told) == ["Ana", "Bo"]
        statuses = dict(running.meetings.values_list("number", "appointment__status"))
        assert statuses == {1: "completed", **dict.fromkeys(range(2, 9), "cancelled")}
        assert Appointment.objects.get(pk=second.pk).cancelled_by == "coach"
        assert free_at_the_meeting()  # free again for online booking
        running.refresh_from_db()
        assert (running.stopped_on, running.stop_reason, running.stopped_by) == (
            timezone.localdate(),
            "Te veel uitval",
            coach_a,
        )
        # Nothing held is lost.
        assert running.meetings.count() == 8
        assert Contribution.objects.get(meeting__number=1).agreements == "GEHEIM-AFSPRAAK"
        assert Attendance.objects.filter(meeting__group=running).count() == 1
        assert set(running.members.values_list("left_on", flat=True)) == {timezone.localdate()}

    def test_the_participants_are_told_in_their_language_without_group_content(
        self, running, coach_a, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            group_stop(group=running, by=coach_a, reason="GEHEIME-REDEN")
        by_address = {message.to[0]: message for message in mail.outbox}
        assert set(by_address) == {"ana@example.test", "bo@example.test"}
        dutch, english = by_address["ana@example.test"], by_address["bo@example.test"]
        assert "De Backstage-groep Leidinggevenden Oost stopt" in dutch.subject
        assert len(dutch.attachments) == 7  # each cancelled meeting, for the calendar
        name, ics, mimetype = dutch.attachments[0]
        assert mimetype == "text/calendar; method=CANCEL" and name == "bijeenkomst-2.ics"
        assert "METHOD:CANCEL" in ics and "STATUS:CANCELLED" in ics
        second = running.meetings.get(number=2).appointment
        assert f"UID:{second.uuid}@praktijk" in ics
        assert f"SEQUENCE:{second.sequence}" in ics
        # In each one's language: the dates as they read them.
        assert timezone.localtime(second.start).strftime("%A") in english.body  # "Monday"
        assert timezone.localtime(second.start).strftime("%A") not in dutch.body
        for message in mail.outbox:
            text = message.body + message.alternatives[0][0]
            assert "GEHEIM" not in text  # neither the reason nor anything from the group

    def test_a_reason_is_needed_and_a_second_stop_changes_nothing(self, running, coach_a):
        with pytest.raises(ValidationError):
            group_stop(group=running, by=coach_a, reason="  ")
        group_stop(group=running, by=coach_a, reason="Klaar")
        with pytest.raises(ValidationError, match="al gestopt"):
            group_stop(group=running, by=coach_a, reason="Nog eens")
        assert BackstageGroup.objects.get().stop_reason == "Klaar"

    def test_a_stopped_group_takes_no_turns_and_no_moves(self, running, coach_a):
        ana = running.members.get(client__first_name="Ana")
        group_stop(group=running, by=coach_a, reason="Klaar")
        third = Meeting.objects.select_related("appointment", "group").get(number=3)
        with pytest.raises(ValidationError):
            turn_claim(meeting=third, membership=ana, by_coach=True)
        with pytest.raises(ValidationError, match="gestopt"):
            meeting_move(meeting=third, start=third.appointment.start + timedelta(days=7))

    def test_through_the_confirmation_page(self, client, running, coach_a):
        client.force_login(coach_a)
        url = f"/coach/groepen/{running.uuid}/groep-stoppen/"
        page = client.get(f"/coach/groepen/{running.uuid}/").content.decode()
        assert url in page
        assert f"/coach/groepen/{running.uuid}/verwijderen/" not in page  # something happened
        html = client.get(url).content.decode()
        assert "7 bijeenkomsten die nog moesten komen gaan niet door" in html
        assert "Ana " in html and "Bo " in html and 'name="reason"' in html
        assert client.post(url, {"reason": ""}).status_code == 200  # asked again
        assert not BackstageGroup.objects.get().stopped_on
        response = client.post(url, {"reason": "Te veel uitval"}, follow=True)
        html = response.content.decode()
        assert "De groep is gestopt; 7 bijeenkomsten zijn uit de agenda gehaald." in html
        assert "Gestopt op" in html and "Te veel uitval" in html
        assert client.get(url).status_code == 302  # stopped already: back to the group

    def test_the_participant_sees_it_stopped(self, client, running, coach_a):
        group_stop(group=running, by=coach_a, reason="GEHEIME-REDEN")
        client.force_login(running.members.get(client__first_name="Ana").client.account)
        html = client.get("/portaal/backstage/").content.decode()
        assert "Deze groep is gestopt op" in html and "GEHEIME-REDEN" not in html
        assert "Beurt nemen" not in html and html.count("gaat niet door") == 7
        appointments = client.get("/portaal/afspraken/").content.decode()
        assert "Geen geplande afspraken." in appointments


@pytest.mark.django_db
class TestDeleting:
    def test_only_while_nothing_happened(self, coach_a, running):
        assert "bijeenkomst geweest" in why_not_deletable(running)
        with pytest.raises(ValidationError, match="Stop de groep"):
            group_delete(group=running, by=coach_a)
        fresh = create(coach_a, name="Nieuw", first_start=at(12, 19))
        assert why_not_deletable(fresh) == ""
        ana = participant(fresh, "Cas")
        turn_claim(meeting=fresh.meetings.get(number=1), membership=ana)
        assert "beurt" in why_not_deletable(fresh)
        Contribution.objects.all().filter(meeting__group=fresh).delete()
        Attendance.objects.create(
            meeting=fresh.meetings.get(number=1), membership=ana, present=True
        )
        assert "aanwezigheid" in why_not_deletable(fresh)

    def test_the_meetings_and_their_appointments_go_and_the_participants_are_told(
        self, coach_a, django_capture_on_commit_callbacks
    ):
        open_all_week(coach_a)
        group = create(coach_a, daypart="day", first_start=at(10, 13))
        participant(group, "Ana")
        first = group.meetings.get(number=1).appointment
        with django_capture_on_commit_callbacks(execute=True):
            ending = group_delete(group=group, by=coach_a)
        assert ending.cancelled == 8
        assert [name.split()[0] for name in ending.told] == ["Ana"]
        assert not BackstageGroup.objects.exists() and not Meeting.objects.exists()
        assert not Appointment.objects.exists() and not Membership.objects.exists()
        slots = free_slots(
            coach=coach_a,
            duration=timedelta(hours=1),
            first=timezone.localtime(first.start).date(),
            days=1,
        )
        assert first.start in slots
        (message,) = mail.outbox
        assert "gaat niet door" in message.subject and len(message.attachments) == 8
        assert f"UID:{first.uuid}@praktijk" in message.attachments[0][1]

    def test_never_meetings_without_a_group(self, coach_a):
        group = create(coach_a)
        with pytest.raises(ProtectedError):
            group.delete()
        assert Meeting.objects.count() == Appointment.objects.count() == 8

    def test_through_the_confirmation_page(self, client, coach_a, running):
        fresh = create(coach_a, name="Nieuw", first_start=at(12, 19))
        client.force_login(coach_a)
        page = client.get(f"/coach/groepen/{fresh.uuid}/").content.decode()
        url = f"/coach/groepen/{fresh.uuid}/verwijderen/"
        assert url in page
        html = client.get(url).content.decode()
        assert "8 bijeenkomsten die nog moesten komen gaan niet door" in html
        assert "Er zijn geen deelnemers die bericht krijgen." in html
        response = client.post(url)
        assert response["Location"] == "/coach/groepen/"
        assert not BackstageGroup.objects.filter(pk=fresh.pk).exists()
        # A group where something happened: to stopping instead, nothing deleted.
        response = client.get(f"/coach/groepen/{running.uuid}/verwijderen/")
        assert response["Location"] == f"/coach/groepen/{running.uuid}/groep-stoppen/"
        assert client.post(f"/coach/groepen/{running.uuid}/verwijderen/").status_code == 302
        assert BackstageGroup.objects.filter(pk=running.pk).exists()

    def test_the_admin_deletes_through_the_service_or_refuses(
        self, client, admin_user, coach_a, running
    ):
        fresh = create(coach_a, name="Nieuw", first_start=at(12, 19))
        client.force_login(admin_user)
        url = f"/beheer/groups/backstagegroup/{fresh.pk}/delete/"
        assert client.get(url).status_code == 200
        client.post(url, {"post": "yes"})
        assert not BackstageGroup.objects.filter(pk=fresh.pk).exists()
        assert Appointment.objects.filter(backstage_meeting__isnull=True).count() == 0
        assert Appointment.objects.count() == 8  # the running group's
        held = f"/beheer/groups/backstagegroup/{running.pk}/delete/"
        assert client.get(held).status_code == 403
        assert client.post(held, {"post": "yes"}).status_code == 403
        response = client.post(
            "/beheer/groups/backstagegroup/",
            {"action": "delete_selected", "_selected_action": [running.pk], "post": "yes"},
        )
        assert response.status_code == 403
        assert BackstageGroup.objects.filter(pk=running.pk).exists()


# --- At the same moment (real threads; on PostgreSQL too) ---------------------------------------


def at_once(*calls) -> list[str]:
    """Run the calls in threads that start together; each one's outcome: "ok" or its error."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            call()
            outcomes[index] = "ok"
        except ValidationError as error:
            outcomes[index] = " ".join(error.messages)
        except Exception as error:  # noqa: BLE001 - any other outcome fails the test
            outcomes[index] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_stopping_and_deleting_at_once_one_wins_and_no_meeting_is_left_without_its_group(
    coach_a,
):
    group = create(coach_a)
    stopped, deleted = at_once(
        lambda: group_stop(group=group, by=coach_a, reason="Klaar"),
        lambda: group_delete(group=group, by=coach_a),
    )
    assert sorted([stopped, deleted]).count("ok") == 1, (stopped, deleted)
    if stopped == "ok":
        assert "gestopt" in deleted
        assert Meeting.objects.count() == Appointment.objects.count() == 8
    else:
        assert "verwijderd" in stopped
        assert not Meeting.objects.exists() and not Appointment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_turn_claimed_while_the_group_is_deleted_is_never_lost_silently(coach_a):
    group = create(coach_a)
    ana = participant(group, "Ana")
    first = Meeting.objects.select_related("appointment").get(group=group, number=1)
    claimed, deleted = at_once(
        lambda: turn_claim(meeting=first, membership=ana, problem="Een lastige collega"),
        lambda: group_delete(group=group, by=coach_a),
    )
    if deleted == "ok":
        # The deletion went first: the claim found no meeting, nothing was kept of it.
        assert claimed != "ok" and not Contribution.objects.exists()
        assert not Appointment.objects.exists()
    else:
        # The claim went first: the group holds a turn now, so it can only be stopped.
        assert claimed == "ok" and "beurt" in deleted
        assert Contribution.objects.get().problem == "Een lastige collega"
        assert Meeting.objects.count() == Appointment.objects.count() == 8
