"""Running a Backstage group through the pages."""

import re
from datetime import date, timedelta

import pytest
from crispy_forms.utils import render_crispy_form
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching.models import Client
from coaching.tests.factories import ClientFactory, UserFactory
from groups.forms import TurnForm
from groups.models import BackstageGroup, Contribution
from groups.services.meetings import turn_claim
from groups.services.members import member_add
from groups.tests.test_groups import make_group
from sessions.models import Appointment


def participant(group, first_name):
    account = UserFactory(first_name=first_name)
    client = ClientFactory(coach=group.coach, account=account, first_name=first_name)
    return account, member_add(group=group, client=client, joined_on=date.today())


@pytest.mark.django_db
class TestCoachPages:
    def test_create_a_team_group_for_a_new_organisation(self, client, coach_a):
        client.force_login(coach_a)
        start = timezone.localtime(timezone.now() + timedelta(days=14)).replace(hour=19, minute=0)
        response = client.post(
            "/coach/groepen/nieuw/",
            {
                "name": "Teamleiders Oost",
                "composition": "team",
                "new_organisation": "Gemeente Oost",
                "contact_person": "J. Bos",
                "daypart": "evening",
                "interval_weeks": "3",
                "first_start": start.strftime("%Y-%m-%dT%H:%M"),
                "location": "Stadhuis",
            },
        )
        group = BackstageGroup.objects.get()
        assert response["Location"] == f"/coach/groepen/{group.uuid}/"
        assert group.organisation.name == "Gemeente Oost" and group.meetings.count() == 8

    def test_a_team_without_organisation_is_explained(self, client, coach_a):
        client.force_login(coach_a)
        response = client.post(
            "/coach/groepen/nieuw/",
            {
                "name": "X",
                "composition": "team",
                "daypart": "evening",
                "interval_weeks": "3",
                "first_start": "2027-01-05T19:00",
            },
        )
        assert "Een team hoort bij een organisatie" in response.content.decode()
        assert not BackstageGroup.objects.exists()

    def test_record_a_turn_and_the_report_back_next_time(self, client, coach_a):
        group = make_group(coach_a)
        _account, ilse = participant(group, "Ilse")
        first, second = group.meetings.get(number=1), group.meetings.get(number=2)
        client.force_login(coach_a)
        client.post(f"/coach/bijeenkomsten/{first.uuid}/toewijzen/", {"member": ilse.pk})
        turn = Contribution.objects.get(meeting=first)
        client.post(
            f"/coach/bijeenkomsten/{first.uuid}/beurt/{turn.uuid}/",
            {
                f"{turn.uuid}-problem": "Teamoverleg loopt uit",
                f"{turn.uuid}-agreements": "Agenda vooraf rondsturen",
            },
        )
        page = client.get(f"/coach/bijeenkomsten/{second.uuid}/").content.decode()
        assert "Agenda vooraf rondsturen" in page and "Hoe ging het, Ilse?" in page
        client.post(
            f"/coach/bijeenkomsten/{second.uuid}/terugkoppeling/",
            {f"report-{turn.uuid}": "Overleg was in een uur klaar"},
        )
        turn.refresh_from_db()
        assert turn.report_back == "Overleg was in een uur klaar"

    def test_a_turns_fields_are_written_as_crispy_writes_them(self, coach_a):
        """TurnForm.fields_html writes the meeting page's 14 textareas without crispy's
        templates (their cost): the same markup, escaped, filled and empty alike."""
        group = make_group(coach_a)
        _account, ilse = participant(group, "Ilse")
        turn = turn_claim(meeting=group.meetings.get(number=1), membership=ilse, by_coach=True)
        turn.problem, turn.agreements = 'Een "collega" <b>neemt</b> & over', "Vooraf\nrondsturen"
        turn.save()
        form = TurnForm(instance=turn, prefix=str(turn.uuid))

        def plain(html: str) -> str:
            return re.sub(r"\s+", " ", html.replace("> <", "><")).strip()

        crispy = re.sub(
            r'<input type="hidden" name="csrfmiddlewaretoken"[^>]*>', "", (render_crispy_form(form))
        )
        assert plain(form.fields_html()) == plain(crispy)
        assert "&lt;b&gt;neemt&lt;/b&gt; &amp;" in form.fields_html()

    def test_a_move_that_breaks_the_rhythm_shows_the_reason(self, client, coach_a):
        group = make_group(coach_a)
        second = group.meetings.get(number=2)
        client.force_login(coach_a)
        too_early = timezone.localtime(second.appointment.start - timedelta(days=10))
        response = client.post(
            f"/coach/bijeenkomsten/{second.uuid}/verzetten/",
            {"start": too_early.strftime("%Y-%m-%dT%H:%M")},
            follow=True,
        )
        assert "twee tot vier weken" in response.content.decode()

    def test_the_group_page_queries_do_not_grow(self, client, coach_a):
        group = make_group(coach_a)
        client.force_login(coach_a)
        first = participant(group, "A")[1]
        turn_claim(meeting=group.meetings.get(number=1), membership=first)

        def count():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(f"/coach/groepen/{group.uuid}/").status_code == 200
            return len(queries)

        few = count()
        members = [participant(group, f"P{n}")[1] for n in range(6)]
        for number, member in zip(range(2, 8), members, strict=False):
            turn_claim(meeting=group.meetings.get(number=number), membership=member)
        # session, user, MFA, coach profile, group, members, meetings, contributions,
        # attendance, the audit log's rows (one statement), the group's evaluations (their
        # answers and questions when there are some: groups/tests/test_reminders.py pins those)
        assert count() == few <= 11


@pytest.mark.django_db
class TestAddAParticipantBySearch:
    """A coach with a thousand clients finds the one to add by name: the page never lists them
    all, only up to 20 that match and do not take part yet, of the coach's own."""

    def search(self, client, group, text):
        response = client.get(f"/coach/groepen/{group.uuid}/", {"zoek": text})
        assert response.status_code == 200
        return response.content.decode()

    def test_without_a_search_no_client_is_listed(self, client, coach_a):
        group = make_group(coach_a)
        ClientFactory(coach=coach_a, first_name="Zilvia")
        client.force_login(coach_a)
        page = client.get(f"/coach/groepen/{group.uuid}/").content.decode()
        assert "Zilvia" not in page and "Gevonden cliënten" not in page

    def test_found_by_each_word_of_the_name_and_added(self, client, coach_a, coach_b):
        group = make_group(coach_a)
        member_add(  # takes part already
            group=group,
            client=ClientFactory(coach=coach_a, first_name="Zilvia", last_name="van Damme"),
            joined_on=date.today(),
        )
        wanted = ClientFactory(coach=coach_a, first_name="Zilvia", last_name="van Dam")
        ClientFactory(coach=coach_a, first_name="Zilvia", last_name="Jansen")
        ClientFactory(coach=coach_b, first_name="Zilvia", last_name="van Dam")  # not theirs
        client.force_login(coach_a)
        page = self.search(client, group, "zilv dam")
        assert page.count('name="client" value="') == 1
        assert f'name="client" value="{wanted.pk}"' in page
        response = client.post(
            f"/coach/groepen/{group.uuid}/deelnemers/", {"client": wanted.pk, "zoek": "zilv dam"}
        )
        # Back to the same search, for the next one to add.
        assert response.status_code == 302
        assert response["Location"] == f"/coach/groepen/{group.uuid}/?zoek=zilv+dam#members-heading"
        assert group.members.active().filter(client=wanted).exists()
        assert f'name="client" value="{wanted.pk}"' not in self.search(client, group, "zilv dam")

    def test_an_empty_search_is_no_search(self, client, coach_a):
        group = make_group(coach_a)
        client.force_login(coach_a)
        page = self.search(client, group, "  ")
        assert "Gevonden cliënten" not in page and 'id="id_zoek_error"' not in page

    def test_nothing_found_says_so(self, client, coach_a):
        group = make_group(coach_a)
        client.force_login(coach_a)
        assert "Geen cliënt gevonden die nog niet meedoet." in self.search(client, group, "Xq")

    def test_at_most_twenty_with_a_word_to_search_more_precisely(self, client, coach_a):
        group = make_group(coach_a)
        for n in range(21):
            ClientFactory(coach=coach_a, first_name="Zilvia", last_name=f"Z{n:02}")
        client.force_login(coach_a)
        page = self.search(client, group, "Zilvia")
        assert page.count('name="client" value="') == 20
        assert "Z20" not in page
        assert "Alleen de eerste 20 staan hier: zoek nauwkeuriger." in page

    @pytest.mark.parametrize("text", ["Zil\x00via", "x" * 101])
    def test_bad_input_gets_the_forms_message(self, client, coach_a, text):
        group = make_group(coach_a)
        client.force_login(coach_a)
        page = self.search(client, group, text)
        assert 'id="id_zoek_error"' in page and "Gevonden cliënten" not in page


@pytest.mark.django_db
class TestPortal:
    def test_claim_a_turn_the_third_is_refused_and_nobody_reads_another_problem(
        self, client, coach_a
    ):
        group = make_group(coach_a)
        (a, _), (b, _), (c, _) = (participant(group, n) for n in ("Ann", "Bob", "Cas"))
        meeting = group.meetings.get(number=1)
        url = f"/portaal/backstage/{meeting.uuid}/beurt/"
        client.force_login(a)
        client.post(url, {"problem": "GEHEIM-PROBLEEM van Ann"})
        client.force_login(b)
        client.post(url, {"problem": ""})
        client.force_login(c)
        response = client.post(url, {"problem": ""}, follow=True)
        html = response.content.decode()
        assert "beide beurten al bezet" in html
        assert "GEHEIM-PROBLEEM" not in html
        assert meeting.contributions.count() == 2

    def test_a_participant_sees_own_agreements(self, client, coach_a):
        group = make_group(coach_a)
        account, member = participant(group, "Ann")
        turn = turn_claim(meeting=group.meetings.get(number=1), membership=member)
        Contribution.objects.filter(pk=turn.pk).update(agreements="Elke maandag plannen")
        client.force_login(account)
        assert "Elke maandag plannen" in client.get("/portaal/backstage/").content.decode()

    def test_someone_outside_the_group_cannot_claim(self, client, coach_a, coachee):
        group = make_group(coach_a)
        client.force_login(coachee)
        meeting = group.meetings.get(number=1)
        assert client.post(f"/portaal/backstage/{meeting.uuid}/beurt/").status_code == 404
        assert not Contribution.objects.exists()
        assert Client.objects.for_account(coachee).exists()


@pytest.mark.django_db
def test_the_coach_assigns_a_turn_after_the_meeting_and_odd_ids_are_404(client, coach_a):
    group = make_group(coach_a)
    _account, ilse = participant(group, "Ilse")
    first = group.meetings.get(number=1)
    # The first meeting was yesterday (a new group's first meeting cannot lie in the past).
    yesterday = timezone.now() - timedelta(days=1)
    Appointment.objects.filter(pk=first.appointment_id).update(
        start=yesterday, end=yesterday + timedelta(minutes=150)
    )
    client.force_login(coach_a)
    client.post(f"/coach/bijeenkomsten/{first.uuid}/toewijzen/", {"member": ilse.pk})
    assert Contribution.objects.filter(meeting=first, membership=ilse).exists()
    response = client.post(f"/coach/bijeenkomsten/{first.uuid}/beurt/x/")
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_participant_leaves_and_a_turn_is_released(client, coach_a):
    group = make_group(coach_a)
    _account, ilse = participant(group, "Ilse")
    turn = turn_claim(meeting=group.meetings.get(number=2), membership=ilse)
    client.force_login(coach_a)
    page = client.get(f"/coach/groepen/{group.uuid}/").content.decode()
    assert "Nog 3 deelnemers nodig" in page
    client.post(f"/coach/bijeenkomsten/{turn.meeting.uuid}/beurt/{turn.uuid}/vrijgeven/")
    assert not Contribution.objects.exists()
    client.post(f"/coach/groepen/{group.uuid}/stoppen/", {"member": ilse.pk})
    ilse.refresh_from_db()
    assert ilse.left_on == date.today()


@pytest.mark.django_db
@pytest.mark.parametrize("odd", ["²", "١", "9" * 30, "\x00"])
def test_an_odd_client_or_member_id_is_refused_with_a_message(client, coach_a, odd):
    """Found by the fuzzer (coaching/tests/test_fuzz.py): "²".isdigit() is true, but no
    number to int(): adding or stopping a participant with it was a server error."""
    group = make_group(coach_a)
    _account, ilse = participant(group, "Ilse")
    client.force_login(coach_a)
    response = client.post(f"/coach/groepen/{group.uuid}/deelnemers/", {"client": odd}, follow=True)
    assert "Kies een cliënt." in response.content.decode()
    response = client.post(f"/coach/groepen/{group.uuid}/stoppen/", {"member": odd})
    assert response.status_code == 302
    ilse.refresh_from_db()
    assert ilse.left_on is None and group.members.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("start", ["9999-11-30T19:00", "9999-12-31T23:59", "0001-01-01T19:00"])
def test_a_first_meeting_years_away_gets_the_forms_error(client, coach_a, start):
    """Found by the fuzzer (coaching/tests/test_fuzz.py): eight meetings from a start in
    year 9999 overflowed the date (a server error); year 1 could be stored but not read back."""
    client.force_login(coach_a)
    data = {"name": "X", "composition": "mixed", "daypart": "evening", "interval_weeks": "3"}
    response = client.post("/coach/groepen/nieuw/", {**data, "first_start": start})
    assert response.status_code == 200
    assert "Kies een tijdstip binnen vijf jaar van vandaag." in response.content.decode()
    assert not BackstageGroup.objects.exists()


@pytest.mark.django_db
def test_the_admin_page_of_a_group_loads_its_meetings_and_members_in_one_query_each(
    client, coach_a, admin_user
):
    """The admin's inlines show each meeting with its group and appointment, each member by
    name: with the N+1 detector on (as in every test), a relation loaded per row fails here."""
    group = make_group(coach_a)
    for name in ("Ilse", "Joost", "Karin"):
        participant(group, name)
    client.force_login(admin_user)
    response = client.get(f"/beheer/groups/backstagegroup/{group.pk}/change/")
    assert response.status_code == 200
    assert response.content.decode().count(f"{group.name} – ") == 8  # the eight meetings


@pytest.mark.django_db
class TestTheCalendarLeadsToTheMeeting:
    """A Backstage meeting is moved, cancelled and marked on its meeting page (the group's
    2-4 week rhythm, its participants told): the calendar's own appointment pages lead there
    and change nothing themselves."""

    def test_the_week_links_the_meeting_page(self, client, coach_a):
        group = make_group(coach_a)
        meeting = group.meetings.select_related("appointment").get(number=1)
        client.force_login(coach_a)
        week = timezone.localtime(meeting.appointment.start).date().isoformat()
        page = client.get(f"/coach/agenda/?week={week}").content.decode()
        assert f'href="/coach/bijeenkomsten/{meeting.uuid}/"' in page
        assert f"/coach/afspraken/{meeting.appointment.uuid}/" not in page

    @pytest.mark.parametrize(
        "path, method",
        [("", "get"), ("verzetten/", "post"), ("annuleren/", "get"), ("annuleren/", "post")],
    )
    def test_the_appointment_pages_lead_to_the_meeting(self, client, coach_a, path, method):
        group = make_group(coach_a)
        meeting = group.meetings.select_related("appointment").get(number=2)
        before = Appointment.objects.get(pk=meeting.appointment_id)
        client.force_login(coach_a)
        url = f"/coach/afspraken/{before.uuid}/{path}"
        data = {"start": "2030-01-01T19:00", "cancelled_by": "coach", "reason": "Ziek"}
        response = getattr(client, method)(url, data if method == "post" else None)
        assert response.status_code == 302
        assert response["Location"] == f"/coach/bijeenkomsten/{meeting.uuid}/"
        after = Appointment.objects.get(pk=before.pk)
        assert (after.start, after.status, after.sequence) == (
            before.start,
            before.status,
            before.sequence,
        )
