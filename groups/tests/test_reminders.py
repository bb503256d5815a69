"""Backstage through the outbox: before a meeting its contributors are reminded to prepare and
last meeting's contributors to report back on their agreements (never with their content);
after meetings 4 and 8 every participant gets an evaluation, once; the group page shows the
answers together, without names."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from coaching import outbox
from coaching.models import Send
from coaching.tests.factories import ClientFactory, UserFactory
from groups.models import Contribution, GroupEvaluation, Meeting
from groups.reminders import PREPARE, REPORT_BACK, find_group_evaluations, find_meeting_reminders
from groups.services.members import member_add, member_leave
from groups.tests.test_groups import make_group
from sessions.models import Appointment
from trajects.models import Evaluation, Questionnaire
from trajects.services.evaluations import evaluation_submit

pytestmark = pytest.mark.usefixtures("questionnaires")


def participant(group, first_name):
    account = UserFactory(first_name=first_name, email=f"{first_name.lower()}@example.test")
    client = ClientFactory(coach=group.coach, first_name=first_name, account=account)
    return member_add(group=group, client=client, joined_on=date.today() - timedelta(days=60))


def move_meetings(group, first_start):
    """Put the group's meetings three weeks apart from `first_start` (test time travel)."""
    for meeting in group.meetings.select_related("appointment"):
        start = first_start + timedelta(weeks=3 * (meeting.number - 1))
        Appointment.objects.filter(pk=meeting.appointment_id).update(
            start=start, end=start + timedelta(minutes=150)
        )


def sweep(capture):
    with capture(execute=True):
        outbox.sweep()


@pytest.fixture
def group(coach_a):
    return make_group(coach_a)


@pytest.mark.django_db
class TestBeforeAMeeting:
    def test_contributors_prepare_and_last_times_report_back_each_once(
        self, group, settings, django_capture_on_commit_callbacks
    ):
        settings.PRAKTIJK_BACKSTAGE_REMINDER_HOURS = 72
        ana, bo, cas = (participant(group, name) for name in ("Ana", "Bo", "Cas"))
        one, two = group.meetings.order_by("number")[:2]
        # Meeting 1 was held: Ana made agreements, Bo already reported back on his.
        Contribution.objects.create(meeting=one, membership=ana, turn=1, agreements="GEHEIM")
        Contribution.objects.create(
            meeting=one, membership=bo, turn=2, agreements="Iets", report_back="Ging goed"
        )
        mine = Contribution.objects.create(meeting=two, membership=cas, turn=1, problem="GEHEIM")
        Contribution.objects.filter(pk=mine.pk).update(
            created_at=timezone.now() - timedelta(days=10)
        )
        start = timezone.now() + timedelta(hours=48)  # meeting 2 is in two days
        move_meetings(group, start - timedelta(weeks=3))
        items = find_meeting_reminders(timezone.now())
        due = start - timedelta(hours=72)
        assert sorted((kind, subject) for subject, kind, _ in items) == [
            (PREPARE, f"contribution:{mine.pk}"),
            (REPORT_BACK, f"contribution:{ana.contributions.get().pk}"),
        ]
        assert {due_at for *_, due_at in items} == {due}
        for _ in range(3):
            sweep(django_capture_on_commit_callbacks)
        by_address = {message.to[0]: message for message in mail.outbox}
        assert set(by_address) == {"ana@example.test", "cas@example.test"}
        assert "vertel je de groep hoe het ging" in by_address["ana@example.test"].body
        assert "breng je een praktijkprobleem in" in by_address["cas@example.test"].body
        assert all("GEHEIM" not in m.body for m in mail.outbox)
        assert "bijeenkomst 2" in by_address["cas@example.test"].subject

    def test_none_for_a_turn_claimed_after_the_moment_or_a_cancelled_meeting(
        self, group, django_capture_on_commit_callbacks
    ):
        cas = participant(group, "Cas")
        two = group.meetings.get(number=2)
        start = timezone.now() + timedelta(hours=48)
        move_meetings(group, start - timedelta(weeks=3))
        Contribution.objects.create(meeting=two, membership=cas, turn=1)  # claimed just now
        assert find_meeting_reminders(timezone.now()) == []
        Contribution.objects.filter(meeting=two).update(
            created_at=timezone.now() - timedelta(days=5)
        )
        outbox.outbox_record(find_meeting_reminders(timezone.now()))
        Appointment.objects.filter(pk=two.appointment_id).update(status="cancelled")
        sweep(django_capture_on_commit_callbacks)
        assert Send.objects.get().status == Send.Status.SKIPPED and not mail.outbox


@pytest.mark.django_db
class TestEvaluationsAfterMeetings4And8:
    def test_every_member_of_that_day_once_and_the_page_shows_them_together(
        self, client, coach_a, group, django_capture_on_commit_callbacks
    ):
        ana, bo, cas = (participant(group, name) for name in ("Ana", "Bo", "Cas"))
        # Meeting 4 ended an hour ago; Cas left before it.
        fourth_start = timezone.now() - timedelta(hours=3, minutes=30)
        move_meetings(group, fourth_start - timedelta(weeks=9))
        member_leave(membership=cas, on=timezone.localdate() - timedelta(days=7))
        assert find_group_evaluations(timezone.now() - timedelta(hours=2)) == []  # not ended
        for _ in range(3):
            sweep(django_capture_on_commit_callbacks)
        links = GroupEvaluation.objects.select_related("evaluation")
        assert sorted(link.membership_id for link in links) == [ana.pk, bo.pk]
        assert {link.after_meeting for link in links} == {4}
        assert {link.evaluation.questionnaire.kind for link in links} == {"backstage"}
        assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.test", "bo@example.test"]
        assert "Backstage-evaluatie" in mail.outbox[0].body
        questions = Questionnaire.objects.get(kind="backstage").questions.all()
        for link, score in zip(links.order_by("membership_id"), (6, 9), strict=True):
            evaluation_submit(
                evaluation=link.evaluation,
                answers={
                    q.pk: score if q.kind == "scale" else ("Goed" if q.kind == "choice" else "")
                    for q in questions
                }
                | {questions.get(position=6).pk: f"Ik neem mee: {score}"},
                by=None,
            )
        client.force_login(coach_a)
        page = client.get(f"/coach/groepen/{group.uuid}/").content.decode()
        assert "Na bijeenkomst 4: 2 van 2 ingevuld" in page
        assert "gemiddeld 7,5 / 10 (2 antwoorden)" in page
        assert "Goed: 2" in page and "Ik neem mee: 9" in page
        start = page.index('id="group-evaluations-heading"')
        evaluations_section = page[start : page.index("</section>", start)]
        assert "Ana" not in evaluations_section  # without names

    def test_a_cancelled_or_long_past_meeting_asks_nothing(self, group):
        participant(group, "Ana")
        move_meetings(group, timezone.now() - timedelta(weeks=9, days=30))  # 4 ended 30 days ago
        assert find_group_evaluations(timezone.now()) == []
        move_meetings(group, timezone.now() - timedelta(weeks=9, hours=4))
        Appointment.objects.filter(backstage_meeting__number=4).update(status="cancelled")
        assert find_group_evaluations(timezone.now()) == []
        assert not Evaluation.objects.exists()

    def test_another_coach_does_not_see_the_groups_evaluations(self, client, coach_b, group):
        client.force_login(coach_b)
        assert client.get(f"/coach/groepen/{group.uuid}/").status_code == 404
        assert Meeting.objects.filter(group=group).count() == 8


@pytest.mark.django_db
def test_the_prepare_reminder_is_72_real_hours_before_also_across_dst(group, settings):
    """Meeting 2 on Tuesday 27 October 2026 at 19:00 (CET), just after the clocks went back:
    72 real hours before is Saturday 24 October at 20:00 (CEST), not at 19:00."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    settings.PRAKTIJK_BACKSTAGE_REMINDER_HOURS = 72
    amsterdam = ZoneInfo("Europe/Amsterdam")
    start = datetime(2026, 10, 27, 19, 0, tzinfo=amsterdam)
    move_meetings(group, start - timedelta(weeks=3))
    cas = participant(group, "Cas")
    turn = Contribution.objects.create(meeting=group.meetings.get(number=2), membership=cas, turn=1)
    Contribution.objects.filter(pk=turn.pk).update(created_at=start - timedelta(days=20))
    due = datetime(2026, 10, 24, 20, 0, tzinfo=amsterdam)
    assert find_meeting_reminders(due.astimezone(UTC) - timedelta(seconds=1)) == []
    ((subject, kind, due_at),) = find_meeting_reminders(due.astimezone(UTC))
    assert (subject, kind) == (f"contribution:{turn.pk}", PREPARE)
    assert due_at == due and timezone.localtime(due_at).hour == 20


@pytest.mark.django_db
def test_the_group_page_queries_do_not_grow_with_evaluations(client, coach_a, group):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from trajects.services.evaluations import evaluation_request

    questions = Questionnaire.objects.get(kind="backstage").questions.all()
    answers = {
        q.pk: 7 if q.kind == "scale" else ("Goed" if q.kind == "choice" else "Fijn")
        for q in questions
    }

    def evaluate(membership, after):
        evaluation = evaluation_request(
            key=f"membership:{membership.pk}:meeting:{after}",
            kind="backstage",
            client=membership.client,
            prompt=False,
        )
        GroupEvaluation.objects.create(
            evaluation=evaluation, group=group, membership=membership, after_meeting=after
        )
        evaluation_submit(evaluation=evaluation, answers=answers, by=None)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/coach/groepen/{group.uuid}/").status_code == 200
        return len(queries)

    client.force_login(coach_a)
    evaluate(participant(group, "Ana"), 4)
    one = count()
    for name in ("Bo", "Cas", "Dirk", "Els"):
        member = participant(group, name)
        evaluate(member, 4)
        evaluate(member, 8)
    # the page's 11, and the evaluations' answers and their questions
    assert count() == one <= 13


@pytest.mark.django_db
def test_an_evaluation_made_by_a_sweep_that_died_still_gets_its_prompt(
    group, django_capture_on_commit_callbacks
):
    """The finder made the evaluation, then the sweep died before recording the prompt: the
    next sweep records it (the outbox has it once)."""
    participant(group, "Ana")
    move_meetings(group, timezone.now() - timedelta(weeks=9, hours=4))
    find_group_evaluations(timezone.now())  # its items are lost with the sweep
    assert GroupEvaluation.objects.count() == 1 and not Send.objects.exists()
    for _ in range(2):
        sweep(django_capture_on_commit_callbacks)
    assert Send.objects.get().status == Send.Status.SENT
    assert [m.to for m in mail.outbox] == [["ana@example.test"]]


@pytest.mark.django_db
def test_every_participant_is_reminded_the_day_before_with_the_meeting_attached(
    client, coach_a, group, django_capture_on_commit_callbacks
):
    ana, bo, cas = (participant(group, name) for name in ("Ana", "Bo", "Cas"))
    start = timezone.now() + timedelta(hours=20)
    move_meetings(group, start - timedelta(weeks=3))  # meeting 2 is tomorrow
    member_leave(membership=cas, on=timezone.localdate() - timedelta(days=1))
    meeting = group.meetings.get(number=2)
    client.force_login(coach_a)
    page = client.get(f"/coach/bijeenkomsten/{meeting.uuid}/").content.decode()
    assert "De deelnemers krijgen 24 uur van tevoren een herinnering" in page
    for _ in range(3):
        sweep(django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.test", "bo@example.test"]
    message = mail.outbox[0]
    assert "bijeenkomst 2" in message.subject and "Leidinggevenden Oost" in message.subject
    ((name, ics, _mimetype),) = message.attachments
    assert name == "bijeenkomst.ics" and f"UID:{meeting.appointment.uuid}@praktijk" in str(ics)
    page = client.get(f"/coach/bijeenkomsten/{meeting.uuid}/").content.decode()
    assert "Verstuurd aan 2 van de 2 deelnemers" in page
