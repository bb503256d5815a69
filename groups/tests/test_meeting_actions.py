"""The meeting page's forms, each posting to a view of its own (move, record a turn, report
back, assign, release, attendance): the page itself only shows. Every view: what it does, the
wrong method, another coach (404), a coachee (403), and a repeat that changes nothing."""

import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from groups import views
from groups.models import Attendance, Contribution
from groups.services.meetings import turn_claim
from groups.tests.test_groups import make_group
from groups.tests.test_pages import participant
from sessions.models import Appointment

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(coach_a):
    """A group of coach A with Ilse and Joost; Ilse has the first turn at the first meeting,
    with an agreement to report back on at the second."""
    group = make_group(coach_a)
    _account, ilse = participant(group, "Ilse")
    _account, joost = participant(group, "Joost")
    first, second = group.meetings.get(number=1), group.meetings.get(number=2)
    turn = turn_claim(meeting=first, membership=ilse, problem="Teamoverleg loopt uit")
    turn.agreements = "Agenda vooraf rondsturen"
    turn.save()
    return SimpleNamespace(
        group=group, ilse=ilse, joost=joost, first=first, second=second, turn=turn
    )


def later(meeting, days: int = 7) -> str:
    start = Appointment.objects.get(pk=meeting.appointment_id).start
    return timezone.localtime(start + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


# url name → (its arguments, a body that does something), for the group above.
ACTIONS = {
    "meeting_move": (lambda w: [w.second.uuid], lambda w: {"start": later(w.second)}),
    "turn_record": (
        lambda w: [w.first.uuid, w.turn.uuid],
        lambda w: {
            f"{w.turn.uuid}-problem": "Teamoverleg loopt uit",
            f"{w.turn.uuid}-agreements": "Elke week voorzitten",
        },
    ),
    "meeting_report_back": (
        lambda w: [w.second.uuid],
        lambda w: {f"report-{w.turn.uuid}": "Twee keer gelukt"},
    ),
    "turn_assign": (lambda w: [w.first.uuid], lambda w: {"member": w.joost.pk}),
    "turn_release": (lambda w: [w.first.uuid, w.turn.uuid], lambda w: {}),
    "meeting_attendance": (lambda w: [w.first.uuid], lambda w: {"present": [w.ilse.pk]}),
}


def post(client, name, w, data=None, **extra):
    args, body = ACTIONS[name]
    return client.post(reverse(name, args=args(w)), body(w) if data is None else data, **extra)


def state(w) -> tuple:
    """Everything the six actions can change."""
    return (
        list(
            Appointment.objects.filter(coach=w.group.coach)
            .order_by("pk")
            .values_list("start", "sequence")
        ),
        [
            (c.pk, c.membership_id, c.turn, c.problem, c.agreements, c.report_back)
            for c in Contribution.objects.order_by("pk")
        ],
        list(Attendance.objects.order_by("pk").values_list("membership", "present")),
    )


def shown(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize("name", ACTIONS)
def test_get_is_not_allowed_and_changes_nothing(client, coach_a, w, name):
    before = state(w)
    client.force_login(coach_a)
    args, _body = ACTIONS[name]
    assert client.get(reverse(name, args=args(w))).status_code == 405
    assert state(w) == before


@pytest.mark.parametrize("name", ACTIONS)
def test_another_coach_gets_a_404_and_changes_nothing(client, coach_b, w, name):
    before = state(w)
    client.force_login(coach_b)
    assert post(client, name, w).status_code == 404
    assert state(w) == before


@pytest.mark.parametrize("name", ACTIONS)
def test_a_coachee_is_refused_and_changes_nothing(client, w, name):
    before = state(w)
    client.force_login(w.ilse.client.account)
    assert post(client, name, w).status_code == 403
    assert state(w) == before


def test_the_meeting_page_only_shows(client, coach_a, w):
    client.force_login(coach_a)
    url = reverse("meeting_detail", args=[w.first.uuid])
    assert client.post(url, {"action": "move", "start": later(w.first)}).status_code == 405
    page = client.get(url).content.decode()
    for name, (args, _body) in ACTIONS.items():
        if name not in {"meeting_move", "meeting_report_back"}:  # at the second meeting here
            assert f'action="{reverse(name, args=args(w))}"' in page, name
    assert f'action="{reverse("meeting_move", args=[w.first.uuid])}"' in page


def test_a_turn_of_another_meeting_is_a_404(client, coach_a, w):
    client.force_login(coach_a)
    url = reverse("turn_record", args=[w.second.uuid, w.turn.uuid])
    assert client.post(url, {f"{w.turn.uuid}-agreements": "x"}).status_code == 404
    w.turn.refresh_from_db()
    assert w.turn.agreements == "Agenda vooraf rondsturen"


def test_another_coachs_own_meeting_does_not_reach_this_turn(client, coach_b, w):
    theirs = make_group(coach_b).meetings.first()
    client.force_login(coach_b)
    before = state(w)
    for name in ("turn_record", "turn_release"):
        response = client.post(reverse(name, args=[theirs.uuid, w.turn.uuid]))
        assert response.status_code == 404 if name == "turn_record" else 302
    assert state(w) == before


class TestEachAction:
    """What each view does, with its message, and the same post again."""

    def test_move(self, client, coach_a, w):
        client.force_login(coach_a)
        response = post(client, "meeting_move", w, follow=True)
        assert response.redirect_chain == [(f"/coach/bijeenkomsten/{w.second.uuid}/", 302)]
        assert shown(response) == ["De bijeenkomst is verzet; de deelnemers krijgen bericht."]
        moved = Appointment.objects.get(pk=w.second.appointment_id)
        assert timezone.localtime(moved.start).strftime("%Y-%m-%dT%H:%M") == later(w.second, 0)
        before = state(w)
        post(client, "meeting_move", w, data={"start": later(w.second, 0)})
        assert state(w) == before  # the same time: no new sequence, nobody told again

    def test_a_move_without_a_valid_start_says_so(self, client, coach_a, w):
        client.force_login(coach_a)
        before = state(w)
        response = post(client, "meeting_move", w, data={"start": "9999-12-31T23:59"}, follow=True)
        assert shown(response) == ["Kies een tijdstip binnen vijf jaar van vandaag."]
        assert state(w) == before

    def test_record(self, client, coach_a, w):
        client.force_login(coach_a)
        response = post(client, "turn_record", w, follow=True)
        assert response.redirect_chain == [(f"/coach/bijeenkomsten/{w.first.uuid}/", 302)]
        assert shown(response) == ["De beurt van Ilse is vastgelegd."]
        w.turn.refresh_from_db()
        assert w.turn.agreements == "Elke week voorzitten"
        event = AuditEvent.objects.get(action="change")
        assert (event.what, event.client_id, event.page) == (
            "backstage",
            w.ilse.client_id,
            "turn_record",
        )
        before = state(w)
        post(client, "turn_record", w)
        assert state(w) == before

    def test_report_back(self, client, coach_a, w):
        client.force_login(coach_a)
        response = post(client, "meeting_report_back", w, follow=True)
        assert response.redirect_chain == [(f"/coach/bijeenkomsten/{w.second.uuid}/", 302)]
        assert shown(response) == ["De terugkoppeling is vastgelegd."]
        w.turn.refresh_from_db()
        assert w.turn.report_back == "Twee keer gelukt"
        assert AuditEvent.objects.filter(action="change", client=w.ilse.client).count() == 1
        before = state(w)
        post(client, "meeting_report_back", w)
        assert state(w) == before
        # Unchanged: no second row in the log.
        assert AuditEvent.objects.filter(action="change", client=w.ilse.client).count() == 1

    def test_a_report_back_is_on_last_meetings_turns_only(self, client, coach_a, w):
        client.force_login(coach_a)
        before = state(w)
        # At the first meeting, the turn is the meeting's own: nothing to report back on.
        url = reverse("meeting_report_back", args=[w.first.uuid])
        client.post(url, {f"report-{w.turn.uuid}": "Gelukt", "report-1": "x", "report-": "y"})
        assert state(w) == before

    def test_assign(self, client, coach_a, w):
        client.force_login(coach_a)
        # The page offers the free turn only to someone without one: Joost, not Ilse.
        page = client.get(reverse("meeting_detail", args=[w.first.uuid])).content.decode()
        assert re.findall(r'<option value="(\d+)">', page) == [str(w.joost.pk)]
        response = post(client, "turn_assign", w, follow=True)
        assert shown(response) == ["De beurt is toegewezen."]
        assert Contribution.objects.get(meeting=w.first, membership=w.joost).turn == 2
        before = state(w)
        # A stale page (another tab): the coach is told whose turn it is, not "you".
        response = post(client, "turn_assign", w, follow=True)
        assert shown(response) == ["Joost heeft bij deze bijeenkomst al een beurt."]
        assert state(w) == before

    def test_assign_to_no_participant(self, client, coach_a, w):
        client.force_login(coach_a)
        before = state(w)
        for odd in ("", "²", str(w.ilse.pk + 1000)):
            response = post(client, "turn_assign", w, data={"member": odd}, follow=True)
            assert shown(response) == ["Kies een deelnemer."]
        assert state(w) == before

    def test_release(self, client, coach_a, w):
        client.force_login(coach_a)
        response = post(client, "turn_release", w, follow=True)
        assert response.redirect_chain == [(f"/coach/bijeenkomsten/{w.first.uuid}/", 302)]
        assert shown(response) == ["De beurt is vrijgegeven."]
        assert not Contribution.objects.exists()
        before = state(w)
        response = post(client, "turn_release", w, follow=True)  # a second click
        assert response.status_code == 200 and shown(response) == []
        assert state(w) == before

    def test_attendance(self, client, coach_a, w):
        client.force_login(coach_a)
        response = post(client, "meeting_attendance", w, follow=True)
        assert shown(response) == ["De aanwezigheid is vastgelegd."]
        assert dict(Attendance.objects.values_list("membership", "present")) == {
            w.ilse.pk: True,
            w.joost.pk: False,
        }
        before = state(w)
        post(client, "meeting_attendance", w)
        assert state(w) == before
        post(client, "meeting_attendance", w, data={"present": [w.joost.pk, "²", "x"]})
        assert dict(Attendance.objects.values_list("membership", "present")) == {
            w.ilse.pk: False,
            w.joost.pk: True,
        }


def test_every_view_looks_its_objects_up_through_the_access_module():
    """groups/access.py holds what an account may reach: a view that fetched a row itself
    could forget whose it is."""
    modules = list(Path(views.__file__).parent.glob("*.py"))
    assert {path.stem for path in modules} >= {"groups", "meetings", "portal"}
    for path in modules:
        source = path.read_text()
        assert "get_object_or_404" not in source, path
        assert not re.search(r"\.objects\.get\(", source), path
