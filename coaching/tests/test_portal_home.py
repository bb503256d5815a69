"""The portal's home is the next step: per client the account is or acts
for, the next appointment (video link, .ics, until when free to move or cancel), the next
Backstage meeting (your turn, the agreements to report back on), evaluations waiting, the
coach's unread messages and how to reach the coach; in a fixed number of queries."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from coaching.dates import readable
from coaching.models import Client
from coaching.tests.factories import ClientFactory, GuardianFactory, UserFactory
from groups.models import Contribution
from groups.services.meetings import turn_claim
from groups.services.members import member_add
from groups.tests.test_groups import make_group
from sessions.models import Appointment, BookingRules
from sessions.services.booking import cancel_deadline
from sessions.tests.factories import appointment_for
from sessions.tests.test_pages import future, open_all_week
from trajects.models import Evaluation, Message, Traject
from trajects.services.email_coaching import message_write
from trajects.services.evaluations import evaluation_request, token_for
from trajects.tests.factories import TrajectFactory, running_traject

pytestmark = pytest.mark.django_db

# The page's queries, whatever the number of children, appointments, meetings, evaluations
# and messages, and the same when there is nothing to show: the session and the user (2); the
# clients the account is or acts for, with their coaches' profiles (1); the next appointment
# per client, with its coach's booking rules (1); the Backstage memberships (1), each group's
# next meeting (1) and the client's turns in those groups (1); the evaluations waiting (1);
# the e-mail conversations with their unread counts (1).
PORTAL_HOME_QUERIES = 9


@pytest.fixture
def eva(coach_a, coachee):
    """Eva's client record, in a running traject with coach A (who has a phone number)."""
    open_all_week(coach_a)
    coach_a.coach_profile.phone = "030 123 45 67"
    coach_a.coach_profile.save()
    record = Client.objects.get(account=coachee)
    running_traject(coach_a, client=record)
    return record


def traject_of(client: Client) -> Traject:
    return Traject.objects.get(client=client, kind=Traject.Kind.STANDARD)


def home(client, account) -> str:
    client.force_login(account)
    response = client.get(reverse("portal_home"))
    assert response.status_code == 200
    return response.content.decode()


class TestNextAppointment:
    def test_the_next_one_with_its_video_link_ics_and_free_cancel_deadline(
        self, client, coachee, eva, session_type
    ):
        traject = traject_of(eva)
        past = appointment_for(
            traject, timezone.now() - timedelta(days=2), session_type=session_type
        )
        cancelled = appointment_for(traject, future(1), session_type=session_type)
        Appointment.objects.filter(pk=cancelled.pk).update(
            status=Appointment.Status.CANCELLED, cancelled_by=Appointment.CancelledBy.COACH
        )
        following = appointment_for(traject, future(9), session_type=session_type)
        upcoming = appointment_for(
            traject,
            future(3, 14),
            session_type=session_type,
            mode="video",
            video_link="https://meet.example.org/praktijk-eva",
        )

        html = home(client, coachee)

        assert "Hier vind je straks" not in html
        assert "Volgende afspraak" in html
        assert capfirst(readable(upcoming.start, weekday=True, long=True)) in html
        assert "14:00 – 15:00" in html
        assert 'href="https://meet.example.org/praktijk-eva"' in html
        assert "Deelnemen via video" in html
        assert reverse("appointment_ics", args=[upcoming.uuid]) in html
        deadline = readable(cancel_deadline(upcoming), weekday=True, time=True)
        assert f"Kosteloos afzeggen kan tot {deadline}; verzetten ook." in html
        assert reverse("portal_reschedule", args=[upcoming.uuid]) in html
        assert reverse("portal_cancel", args=[upcoming.uuid]) in html
        assert "Nog 1 afspraak gepland" in html  # the one after it, one click away
        for other in (past, cancelled, following):
            assert reverse("appointment_ics", args=[other.uuid]) not in html

    def test_inside_the_window_it_says_until_when_it_could_be_changed_and_whom_to_call(
        self, client, coachee, eva, session_type
    ):
        BookingRules.objects.filter(coach=eva.coach).update(cancel_window_hours=48)
        upcoming = appointment_for(traject_of(eva), future(1), session_type=session_type)

        html = home(client, coachee)

        deadline = readable(cancel_deadline(upcoming), weekday=True, time=True)
        assert f"Online afzeggen of verzetten kon tot {deadline}" in html
        assert reverse("portal_cancel", args=[upcoming.uuid]) not in html
        assert 'href="tel:0301234567"' in html

    def test_one_under_way_is_still_the_next_one(self, client, coachee, eva, session_type):
        now = timezone.now()
        under_way = appointment_for(
            traject_of(eva),
            now - timedelta(minutes=10),
            mode="video",
            video_link="https://meet.example.org/nu",
        )
        html = home(client, coachee)
        assert "Nu bezig" in html
        assert reverse("appointment_ics", args=[under_way.uuid]) in html

    def test_none_planned_says_so_and_leads_to_afspraken(self, client, coachee, eva):
        html = home(client, coachee)
        assert "Geen afspraak gepland." in html
        assert f'href="{reverse("portal_appointments")}"' in html


class TestParentsAndOthers:
    def test_a_parent_of_two_children_sees_each_childs_card_and_only_theirs(
        self, client, coach_a, coach_b, guardian, session_type
    ):
        lotte = Client.objects.get(guardians__account=guardian)
        sem = ClientFactory(coach=coach_b, first_name="Sem", date_of_birth=date(2014, 5, 1))
        GuardianFactory(client=sem, account=guardian)
        for child in (lotte, sem):
            open_all_week(child.coach)
            running_traject(child.coach, client=child)
        lotte_next = appointment_for(traject_of(lotte), future(2))
        sem_next = appointment_for(
            traject_of(sem), future(4), mode="video", video_link="https://meet.example.org/sem"
        )
        # A child of another parent, with coach A too.
        stranger = GuardianFactory(client__coach=coach_a, client__first_name="Noor").client
        running_traject(coach_a, client=stranger)
        strangers = appointment_for(
            traject_of(stranger),
            future(3),
            mode="video",
            video_link="https://meet.example.org/noor",
        )

        html = home(client, guardian)

        assert html.index("Voor Lotte") < html.index("Voor Sem")
        assert reverse("appointment_ics", args=[lotte_next.uuid]) in html
        assert reverse("appointment_ics", args=[sem_next.uuid]) in html
        assert "https://meet.example.org/sem" in html
        assert "Je handelt namens Lotte. De coach is Anna Coach." in html
        assert "Je handelt namens Sem. De coach is Bram Coach." in html
        assert 'href="mailto:coach-b@praktijk.test"' in html  # Sem's coach
        assert "Noor" not in html
        assert reverse("appointment_ics", args=[strangers.uuid]) not in html
        assert "https://meet.example.org/noor" not in html

    def test_an_adult_client_of_another_coach_sees_nothing_of_them(
        self, client, coach_b, eva, session_type
    ):
        from coaching.tests.personas import coachee_b

        upcoming = appointment_for(
            traject_of(eva), future(2), mode="video", video_link="https://meet.example.org/eva"
        )
        html = home(client, coachee_b(coach_b))
        assert "Je coach is Bram Coach." in html
        assert "Geen afspraak gepland." in html
        assert reverse("appointment_ics", args=[upcoming.uuid]) not in html
        assert "https://meet.example.org/eva" not in html
        assert not re.search(r"\bEva\b", html)

    def test_an_adult_who_is_also_a_parent_sees_her_own_coaching_first(self, client, coachee, eva):
        GuardianFactory(client__coach=eva.coach, client__first_name="Mila", account=coachee)
        html = home(client, coachee)
        assert html.index("Je eigen coaching") < html.index("Voor Mila")
        assert "Je coach is Anna Coach." in html

    def test_only_a_client_opens_the_portal(self, client, coach_a):
        client.force_login(coach_a)
        assert client.get(reverse("portal_home")).status_code in (302, 403)

    def test_the_portal_home_takes_no_post(self, client, coachee, eva):
        client.force_login(coachee)
        assert client.post(reverse("portal_home")).status_code == 405


def backstage(coach, eva_record):
    """Eva and Piet in a group: meeting 1 was held (both had a turn and made agreements),
    Eva has a turn at meeting 2, which comes next."""
    group = make_group(coach, video_link="https://meet.example.org/backstage-oost")
    eva_in = member_add(group=group, client=eva_record, joined_on=timezone.localdate())
    piet = ClientFactory(coach=coach, first_name="Piet", account=UserFactory())
    piet_in = member_add(group=group, client=piet, joined_on=timezone.localdate())
    first, second = group.meetings.get(number=1), group.meetings.get(number=2)
    held = timezone.now() - timedelta(days=14)
    Appointment.objects.filter(pk=first.appointment_id).update(
        start=held, end=held + timedelta(hours=2, minutes=30), status=Appointment.Status.COMPLETED
    )
    Contribution.objects.create(
        meeting=first, membership=eva_in, turn=1, agreements="Elke maandag een één-op-één"
    )
    Contribution.objects.create(
        meeting=first, membership=piet_in, turn=2, agreements="PIETS-AFSPRAAK delegeren"
    )
    turn_claim(meeting=second, membership=eva_in)
    return group, second, piet


class TestBackstage:
    def test_the_next_meeting_with_your_turn_and_your_agreements_to_report_back_on(
        self, client, coach_a, coachee, eva
    ):
        group, second, piet = backstage(coach_a, eva)

        html = home(client, coachee)

        assert "Volgende Backstage-bijeenkomst" in html
        assert "Bijeenkomst 2 van 8: Leidinggevenden Oost" in html
        assert capfirst(readable(second.appointment.start, weekday=True, long=True)) in html
        assert "Jij bent aan de beurt" in html
        assert "Elke maandag een één-op-één" in html
        assert "Je afspraken van bijeenkomst 1" in html
        assert "PIETS-AFSPRAAK" not in html  # another participant's agreements
        assert reverse("portal_meeting_ics", args=[second.uuid]) in html
        assert 'href="https://meet.example.org/backstage-oost"' in html
        assert f'href="{reverse("portal_groups")}"' in html

        piets = home(client, piet.account)
        assert "PIETS-AFSPRAAK delegeren" in piets
        assert "Elke maandag" not in piets
        assert "Jij bent aan de beurt" not in piets

    def test_joining_from_a_later_meeting_shows_that_one(self, client, coach_a, coachee, eva):
        """Added to join from meeting 3 on: meeting 2 is the group's next but not hers."""
        group = make_group(coach_a)
        third = group.meetings.select_related("appointment").get(number=3)
        member_add(
            group=group,
            client=eva,
            joined_on=timezone.localtime(third.appointment.start).date(),
        )
        html = home(client, coachee)
        assert "Bijeenkomst 3 van 8: Leidinggevenden Oost" in html
        assert reverse("portal_meeting_ics", args=[third.uuid]) in html

    def test_no_group_no_backstage_card(self, client, coachee, eva):
        assert "Volgende Backstage-bijeenkomst" not in home(client, coachee)


def fill_url(evaluation: Evaluation) -> str:
    return reverse("evaluation_fill", args=[evaluation.uuid, token_for(evaluation)])


class TestEvaluations:
    def test_open_evaluations_wait_with_their_links(self, client, coachee, eva, questionnaires):
        traject = traject_of(eva)
        waiting = [
            evaluation_request(
                key=f"t:{n}", kind="interim", client=eva, traject=traject, prompt=False
            )
            for n in range(2)
        ]
        done = evaluation_request(key="t:done", kind="interim", client=eva, prompt=False)
        Evaluation.objects.filter(pk=done.pk).update(completed_at=timezone.now())
        expired = evaluation_request(key="t:old", kind="interim", client=eva, prompt=False)
        long_ago = timezone.now() - timedelta(days=60)
        Evaluation.objects.filter(pk=expired.pk).update(
            created_at=long_ago, expires_at=long_ago + timedelta(days=14)
        )
        someone_else = evaluation_request(
            key="t:other", kind="interim", client=ClientFactory(coach=eva.coach), prompt=False
        )

        html = home(client, coachee)

        assert "2 evaluaties om in te vullen" in html
        for evaluation in waiting:
            assert fill_url(evaluation) in html
        for evaluation in (done, expired, someone_else):
            assert fill_url(evaluation) not in html

    def test_nothing_waiting_no_card(self, client, coachee, eva):
        assert "om in te vullen" not in home(client, coachee)


class TestUnreadMessages:
    def test_the_coachs_messages_count_until_the_conversation_is_opened(
        self, client, coach_a, coachee, eva
    ):
        conversation = TrajectFactory(client=eva, kind=Traject.Kind.EMAIL)
        message_write(traject=conversation, by=coachee, body="Mijn vraag", from_coach=False)
        for text in ("Antwoord één", "Antwoord twee"):
            message_write(traject=conversation, by=coach_a, body=text, from_coach=True)

        html = home(client, coachee)
        assert "2 nieuwe berichten van je coach" in html
        assert reverse("portal_conversation", args=[conversation.uuid]) in html

        assert (
            client.get(reverse("portal_conversation", args=[conversation.uuid])).status_code == 200
        )
        assert not Message.objects.filter(traject=conversation).unread().exists()
        own = Message.objects.get(traject=conversation, from_coach=False)
        assert own.read_at is None  # the client's own message is not "read" by the client

        html = home(client, coachee)
        assert "van je coach" not in html
        assert "Geen nieuwe berichten." in html

    def test_a_coachs_message_read_by_the_parent_counts_as_read(self, client, coach_a, guardian):
        lotte = Client.objects.get(guardians__account=guardian)
        conversation = TrajectFactory(client=lotte, kind=Traject.Kind.EMAIL)
        message_write(traject=conversation, by=coach_a, body="Hoe ging het?", from_coach=True)

        assert "1 nieuw bericht van je coach" in home(client, guardian)
        client.get(reverse("portal_conversation", args=[conversation.uuid]))
        assert "nieuw bericht" not in home(client, guardian)
        assert Message.objects.get(traject=conversation).read_at is not None

    def test_the_coach_opening_the_traject_does_not_mark_it_read(
        self, client, coach_a, coachee, eva
    ):
        conversation = TrajectFactory(client=eva, kind=Traject.Kind.EMAIL)
        message_write(traject=conversation, by=coach_a, body="Hoe ging het?", from_coach=True)
        client.force_login(coach_a)
        client.get(reverse("traject_detail", args=[conversation.uuid]))
        assert Message.objects.get(traject=conversation).read_at is None

    def test_a_message_written_while_the_page_opens_stays_unread(
        self, client, coach_a, coachee, eva, monkeypatch
    ):
        """Only what the page showed is read: a coach's message that arrives between reading
        the conversation and marking it read was never seen."""
        from trajects.views import messages as messages_views

        conversation = TrajectFactory(client=eva, kind=Traject.Kind.EMAIL)
        message_write(traject=conversation, by=coach_a, body="Gezien", from_coach=True)
        shown = messages_views.conversation_messages

        def and_then_one_more(*args, **kwargs):
            answer = shown(*args, **kwargs)
            message_write(traject=conversation, by=coach_a, body="Net binnen", from_coach=True)
            return answer

        monkeypatch.setattr(messages_views, "conversation_messages", and_then_one_more)
        client.force_login(coachee)
        client.get(reverse("portal_conversation", args=[conversation.uuid]))
        unread = Message.objects.filter(traject=conversation).unread()
        assert [m.body for m in unread] == ["Net binnen"]

    def test_opening_an_already_read_conversation_writes_nothing(
        self, client, coach_a, coachee, eva
    ):
        conversation = TrajectFactory(client=eva, kind=Traject.Kind.EMAIL)
        message_write(traject=conversation, by=coach_a, body="Hoe ging het?", from_coach=True)
        client.force_login(coachee)
        url = reverse("portal_conversation", args=[conversation.uuid])
        client.get(url)
        first = Message.objects.get(traject=conversation).read_at
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        assert not [q for q in queries if q["sql"].startswith("UPDATE")]
        assert Message.objects.get(traject=conversation).read_at == first


def fill(record: Client, coach, rows: int, session_type, hour: int) -> None:
    """A client with `rows` of everything: appointments, evaluations, coach's messages."""
    traject = Traject.objects.filter(client=record, kind=Traject.Kind.STANDARD).first()
    if traject is None:
        traject = running_traject(coach, client=record)
    for n in range(rows):
        appointment_for(traject, future(2 + n, hour), session_type=session_type)
        evaluation_request(key=f"{record.pk}:{n}", kind="interim", client=record, prompt=False)
    conversation = TrajectFactory(client=record, kind=Traject.Kind.EMAIL)
    for n in range(rows):
        message_write(traject=conversation, by=coach, body=f"Bericht {n}", from_coach=True)


def test_the_query_count_is_fixed_whatever_the_children_and_rows(
    client, coach_a, coach_b, coachee, eva, session_type, questionnaires
):
    """Eva with nothing planned, then Eva in a Backstage group with many rows of everything and
    three children (with two coaches) with as many: the same queries, within the budget."""
    client.force_login(coachee)
    client.get(reverse("portal_home"))  # warm: the session
    with CaptureQueriesContext(connection) as nothing:
        client.get(reverse("portal_home"))

    open_all_week(coach_b)
    backstage(coach_a, eva)
    fill(eva, coach_a, 5, session_type, hour=9)
    for name, coach, hour in (
        ("Kind1", coach_a, 10),
        ("Kind2", coach_b, 12),
        ("Kind3", coach_b, 13),
    ):
        child = GuardianFactory(client__coach=coach, client__first_name=name, account=coachee)
        fill(child.client, coach, 6, session_type, hour=hour)
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("portal_home")).content.decode()

    assert all(f"Voor {name}" in html for name in ("Kind1", "Kind2", "Kind3"))
    assert "Jij bent aan de beurt" in html
    assert "6 nieuwe berichten van je coach" in html
    assert len(nothing) == len(many), [q["sql"] for q in many]
    assert len(many) <= PORTAL_HOME_QUERIES, [q["sql"] for q in many]
