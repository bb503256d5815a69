"""Backstage groups: eight meetings, the 2-4 week rhythm, two turns a meeting (also under
concurrency), a fair rota, and agreements carried to the next meeting."""

import random
import threading
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from coaching.models import Organisation
from coaching.tests.factories import ClientFactory
from groups.models import BackstageGroup, Contribution, Meeting, Membership
from groups.services.groups import group_create
from groups.services.meetings import (
    MeetingFull,
    RotaTurn,
    agreements_to_report,
    meeting_move,
    plan_rota,
    turn_claim,
)
from groups.services.members import member_add
from sessions.models import Appointment
from sessions.slots import free_slots
from sessions.tests.test_pages import open_all_week


def first_evening(days_ahead=10):
    day = timezone.localdate() + timedelta(days=days_ahead)
    return timezone.make_aware(datetime.combine(day, time(19, 0)))


def make_group(coach, **extra):
    return group_create(
        coach=coach,
        name="Leidinggevenden Oost",
        composition=extra.pop("composition", "mixed"),
        daypart=extra.pop("daypart", "evening"),
        interval_weeks=extra.pop("interval_weeks", 3),
        first_start=extra.pop("first_start", first_evening()),
        location=extra.pop("location", "De praktijk"),
        **extra,
    )


def members(group, n):
    return [
        member_add(group=group, client=ClientFactory(coach=group.coach), joined_on=date.today())
        for _ in range(n)
    ]


@pytest.mark.django_db
class TestMeetings:
    def test_eight_meetings_every_three_weeks_at_the_same_local_time(self, coach_a):
        group = make_group(coach_a)
        meetings = list(group.meetings.select_related("appointment"))
        assert [m.number for m in meetings] == list(range(1, 9))
        starts = [timezone.localtime(m.appointment.start) for m in meetings]
        assert {s.time() for s in starts} == {time(19, 0)}  # also across DST
        assert all(
            (b.date() - a.date()).days == 21 for a, b in zip(starts, starts[1:], strict=False)
        )
        assert all(m.appointment.duration_minutes == 150 for m in meetings)
        assert {m.appointment.kind for m in meetings} == {Appointment.Kind.BACKSTAGE}

    def test_a_team_belongs_to_an_organisation(self, coach_a):
        with pytest.raises(ValidationError):
            make_group(coach_a, composition="team")
        team = make_group(
            coach_a,
            composition="team",
            organisation=Organisation.objects.create(name="Ziekenhuis Oost"),
            contact_person="P. de Wit",
        )
        assert team.organisation.name == "Ziekenhuis Oost"

    def test_the_interval_is_two_to_four_weeks(self, coach_a):
        for weeks in (1, 5):
            with pytest.raises(ValidationError):
                make_group(coach_a, interval_weeks=weeks)
        assert not BackstageGroup.objects.exists()

    def test_a_move_that_breaks_the_rhythm_is_refused_with_the_reason(self, coach_a):
        group = make_group(coach_a)  # every 21 days
        third = group.meetings.get(number=3)
        original = third.appointment.start
        with pytest.raises(ValidationError, match="twee tot vier weken"):
            meeting_move(meeting=third, start=original - timedelta(days=8))  # 13 days after #2
        with pytest.raises(ValidationError, match="twee tot vier weken"):
            meeting_move(meeting=third, start=original + timedelta(days=8))  # 13 before #4
        moved = meeting_move(meeting=third, start=original + timedelta(days=7))  # 28 and 14
        assert moved.appointment.start == original + timedelta(days=7)
        assert moved.appointment.sequence == 1

    def test_meetings_block_the_coachs_calendar(self, coach_a):
        open_all_week(coach_a)
        group = make_group(
            coach_a,
            daypart="day",
            first_start=timezone.make_aware(
                datetime.combine(timezone.localdate() + timedelta(days=3), time(13, 0))
            ),
        )
        first = group.meetings.get(number=1).appointment
        slots = free_slots(
            coach=coach_a,
            duration=timedelta(hours=1),
            first=timezone.localtime(first.start).date(),
            days=1,
        )
        assert all(not (first.start - timedelta(hours=1) < s < first.end) for s in slots)

    def test_a_meeting_cannot_be_planned_over_another_appointment(self, coach_a):
        from sessions.services.booking import appointment_book

        start = first_evening(10 + 21)  # the second meeting's time
        appointment_book(
            coach=coach_a,
            start=start,
            end=start + timedelta(hours=1),
            kind="session",
            mode="practice",
            by=coach_a,
        )
        with pytest.raises(ValidationError, match="Bijeenkomst 2"):
            make_group(coach_a)
        assert not Meeting.objects.exists()

    def test_numbers_stay_one_to_eight_and_unique(self, coach_a):
        group = make_group(coach_a)
        with pytest.raises(IntegrityError), transaction.atomic():
            Meeting.objects.filter(group=group, number=8).update(number=9)
        with pytest.raises(IntegrityError), transaction.atomic():
            Meeting.objects.filter(group=group, number=8).update(number=7)


@pytest.mark.django_db
class TestTurns:
    def test_two_turns_then_the_meeting_is_full(self, coach_a):
        group = make_group(coach_a)
        a, b, c = members(group, 3)
        meeting = group.meetings.get(number=1)
        assert turn_claim(meeting=meeting, membership=a, problem="Conflict in mijn team").turn == 1
        assert turn_claim(meeting=meeting, membership=b).turn == 2
        with pytest.raises(MeetingFull, match="beide beurten al bezet"):
            turn_claim(meeting=meeting, membership=c)
        assert meeting.contributions.count() == 2

    def test_one_person_cannot_take_both_turns(self, coach_a):
        group = make_group(coach_a)
        (a,) = members(group, 1)
        meeting = group.meetings.get(number=2)
        turn_claim(meeting=meeting, membership=a)
        with pytest.raises(ValidationError, match="al een beurt"):
            turn_claim(meeting=meeting, membership=a)
        with pytest.raises(IntegrityError), transaction.atomic():
            Contribution.objects.create(meeting=meeting, membership=a, turn=2)

    def test_the_database_allows_no_third_turn(self, coach_a):
        group = make_group(coach_a)
        a, b, c = members(group, 3)
        meeting = group.meetings.get(number=1)
        turn_claim(meeting=meeting, membership=a)
        turn_claim(meeting=meeting, membership=b)
        for turn in (1, 2, 3):
            with pytest.raises(IntegrityError), transaction.atomic():
                Contribution.objects.create(meeting=meeting, membership=c, turn=turn)

    def test_agreements_are_carried_to_the_next_meeting(self, coach_a):
        group = make_group(coach_a)
        a, b = members(group, 2)
        first, second = group.meetings.get(number=1), group.meetings.get(number=2)
        turn = turn_claim(meeting=first, membership=a)
        turn_claim(meeting=first, membership=b)
        Contribution.objects.filter(pk=turn.pk).update(agreements="Elke week een één-op-één")
        carried = agreements_to_report(second)
        assert [(c.membership, c.agreements) for c in carried] == [(a, "Elke week een één-op-één")]
        assert agreements_to_report(first) == []

    def test_the_group_has_a_size_limit(self, coach_a, settings):
        group = make_group(coach_a)
        members(group, 10)
        with pytest.raises(ValidationError, match="vol"):
            members(group, 1)
        assert Membership.objects.filter(group=group).count() == 10


@pytest.mark.django_db(transaction=True)
def test_many_participants_claiming_one_meeting_at_once_exactly_two_win(coach_a):
    group = make_group(coach_a)
    people = members(group, 10)
    meeting = group.meetings.get(number=1)
    barrier = threading.Barrier(len(people))
    results = []
    lock = threading.Lock()

    def claim(membership):
        barrier.wait()
        try:
            turn_claim(meeting=meeting, membership=membership)
            outcome = "turn"
        except MeetingFull:
            outcome = "full"
        except Exception as error:  # noqa: BLE001 - any other outcome fails below
            outcome = repr(error)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=claim, args=(m,)) for m in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["full"] * 8 + ["turn"] * 2, results
    assert sorted(meeting.contributions.values_list("turn", flat=True)) == [1, 2]


class TestRota:
    def check_fair(self, members, meetings, absent, plan):
        """Replay the plan: whenever someone gets a turn, nobody who could have come that
        meeting (present, not already contributing) had fewer turns."""
        counts = dict.fromkeys(members, 0)
        at = {}
        for turn in plan:
            here = at.setdefault(turn.meeting, [])
            assert turn.member not in here
            assert turn.member not in absent.get(turn.meeting, set())
            available = [
                m for m in members if m not in here and m not in absent.get(turn.meeting, set())
            ]
            assert counts[turn.member] == min(counts[m] for m in available)
            here.append(turn.member)
            counts[turn.member] += 1
        return counts

    def test_everyone_before_anyone_twice(self):
        plan = plan_rota(range(6), range(1, 9))
        counts = self.check_fair(list(range(6)), range(1, 9), {}, plan)
        assert sorted(counts.values()) == [2, 2, 3, 3, 3, 3]
        first_six = [t.member for t in plan[:6]]
        assert sorted(first_six) == list(range(6))

    @pytest.mark.parametrize("seed", range(30))
    def test_fair_on_random_groups_with_absences(self, seed):
        rng = random.Random(seed)
        people = list(range(rng.randint(3, 10)))
        absent = {k: {p for p in people if rng.random() < 0.2} for k in range(1, 9)}
        plan = plan_rota(people, range(1, 9), absent=absent)
        counts = self.check_fair(people, range(1, 9), absent, plan)
        assert len(plan) == sum(min(2, len(set(people) - absent[k])) for k in range(1, 9))
        assert max(counts.values()) - min(counts.values()) <= 2

    def test_turns_already_taken_count(self):
        taken = [RotaTurn(1, 0), RotaTurn(1, 1)]
        plan = plan_rota(range(4), range(1, 3), taken=taken)
        assert {t.member for t in plan} == {2, 3}
