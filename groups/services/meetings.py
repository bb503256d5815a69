"""A Backstage meeting: moved within the rules, its two turns (claimed, assigned, recorded,
released), the report-back on last meeting's agreements, attendance, and a fair rota of turns."""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from coaching.compiled import Compiled
from groups.models import (
    Attendance,
    BackstageGroup,
    Contribution,
    Meeting,
    Membership,
    daypart_mismatch,
)
from groups.services.groups import check_gap, participants_tell
from sessions.models import Appointment
from sessions.services.booking import appointment_move


class MeetingFull(Exception):
    """Both turns of the meeting are taken."""


@transaction.atomic
def meeting_move(*, meeting: Meeting, start: datetime) -> Meeting:
    """Move one meeting; refused when it would break the 2-4 week rhythm with its neighbours,
    or leave the group's daypart (as group_create and BackstageGroup.clean hold it). It keeps
    its place (the appointment's location and video link). The active participants hear of it
    after the commit: the old time and the new, the place, and the meeting's .ics (the same
    event, a higher sequence, so that their calendars move it)."""
    if meeting.group.stopped_on:
        raise ValidationError(_("Deze groep is gestopt."))
    daypart = meeting.group.daypart
    # A group made before the daypart was checked may meet outside it already: such a meeting
    # can still be moved (a week on, at its own hour), not moved out of a daypart it fits.
    fits_now = not daypart_mismatch(daypart, meeting.appointment.start)
    if fits_now and (mismatch := daypart_mismatch(daypart, start)):
        raise ValidationError(mismatch, code="daypart")
    meetings = {
        m.number: m
        for m in Meeting.objects.select_for_update()
        .filter(group=meeting.group_id)
        .select_related("appointment")
    }
    previous = meetings.get(meeting.number - 1)
    following = meetings.get(meeting.number + 1)
    check_gap(previous.appointment.start if previous else None, start)
    check_gap(start, following.appointment.start if following else None)
    duration = timedelta(minutes=meeting.group.meeting_minutes)
    moved = appointment_move(appointment=meeting.appointment, start=start, end=start + duration)
    meeting.appointment.refresh_from_db()
    if moved.previous_start != moved.start:
        members = meeting.group.members.active().values_list("client", flat=True)
        participants_tell(
            "moved", meeting.group, list(members), [meeting], previous=moved.previous_start
        )
    return meeting


def turn_claim(
    *, meeting: Meeting, membership: Membership, problem: str = "", by_coach: bool = False
) -> Contribution:
    """Take a free turn. Race-free: the database holds at most one contribution per turn, and a
    person once per meeting; a claim tries turn 1, then turn 2, each in its own savepoint.
    A participant claims before the meeting; the coach may also assign during or after it."""
    if membership.group_id != meeting.group_id or membership.left_on is not None:
        raise ValidationError(_("Alleen deelnemers van deze groep kunnen een beurt nemen."))
    if meeting.appointment.status not in (
        Appointment.Status.BOOKED,
        Appointment.Status.COMPLETED,
    ):
        raise ValidationError(_("Deze bijeenkomst gaat niet door."))
    if not by_coach and meeting.appointment.start <= timezone.now():
        raise ValidationError(_("Deze bijeenkomst is al geweest."))
    if Contribution.objects.filter(meeting=meeting, membership=membership).exists():
        raise _has_a_turn(membership, by_coach=by_coach)
    for turn in (1, 2):
        try:
            with transaction.atomic():
                return Contribution.objects.create(
                    meeting=meeting, membership=membership, turn=turn, problem=problem
                )
        except IntegrityError:
            if Contribution.objects.filter(meeting=meeting, membership=membership).exists():
                raise _has_a_turn(membership, by_coach=by_coach) from None
            continue
    raise MeetingFull(
        _("Bij deze bijeenkomst zijn beide beurten al bezet. Kies een andere bijeenkomst.")
    )


MEETING_TURNS = Compiled(
    lambda at: (
        Contribution.objects.filter(meeting__group=at.group)
        .filter(Q(meeting__number=at.number) | Q(meeting__number=at.previous) & ~Q(agreements=""))
        .select_related("membership__client")
        .order_by("turn")
    ),
    group=models.BigIntegerField(),
    number=models.IntegerField(),
    previous=models.IntegerField(),
)


def meeting_turns(meeting: Meeting) -> tuple[list[Contribution], list[Contribution]]:
    """The meeting's turns, and last meeting's turns with agreements (agreements_to_report),
    in turn order: one query for the meeting's page, which shows both."""
    both = MEETING_TURNS.all(
        group=meeting.group_id, number=meeting.number, previous=meeting.number - 1
    )
    turns, previous = [], []
    for contribution in both:
        (turns if contribution.meeting_id == meeting.pk else previous).append(contribution)
    return turns, previous


def agreements_to_report(meeting: Meeting) -> list[Contribution]:
    """Last meeting's contributions with agreements: at this meeting they report back."""
    return list(
        Contribution.objects.filter(
            meeting__group=meeting.group_id, meeting__number=meeting.number - 1
        )
        .exclude(agreements="")
        .select_related("membership__client")
    )


def meeting_report_back(*, meeting: Meeting, texts: Mapping[str, str]) -> list[Contribution]:
    """How last meeting's agreements went, by turn (`texts` keyed by the turn's uuid): an empty
    or unchanged text changes nothing. Returns the turns that changed."""
    changed = []
    for contribution in agreements_to_report(meeting):
        text = texts.get(str(contribution.uuid), "").strip()
        if text and text != contribution.report_back:
            contribution.report_back = text
            contribution.save(update_fields=["report_back"])
            changed.append(contribution)
    return changed


@transaction.atomic
def meeting_attendance_record(*, meeting: Meeting, present: Collection[int]) -> None:
    """Who was there: every active participant, present (their membership's id in `present`)
    or not; a second record replaces the first. One statement for the whole group (a query per
    participant was an N+1 from the third one on)."""
    Attendance.objects.bulk_create(
        [
            Attendance(meeting=meeting, membership_id=pk, present=pk in present)
            for pk in meeting.group.members.active().values_list("pk", flat=True)
        ],
        update_conflicts=True,
        unique_fields=["meeting", "membership"],
        update_fields=["present"],
    )


def turn_release(*, meeting: Meeting, turn: UUID) -> bool:
    """The coach frees a turn of this meeting, with what was noted at it; False when it was
    free already (a second click)."""
    return Contribution.objects.filter(meeting=meeting, uuid=turn).delete()[0] > 0


def rota_accept(*, group: BackstageGroup) -> int:
    """The proposed rota becomes turns, for the meetings still to come; a turn taken meanwhile
    is skipped (the coach adjusts by hand). Returns how many turns were assigned."""
    members = {m.pk: m for m in group.members.active()}
    meetings = {m.number: m for m in group.meetings.select_related("appointment")}
    taken = [
        RotaTurn(c.meeting.number, c.membership_id)
        for c in Contribution.objects.filter(meeting__group=group).select_related("meeting")
    ]
    upcoming = [
        number
        for number, m in meetings.items()
        if m.appointment.start > timezone.now()
        and m.appointment.status == Appointment.Status.BOOKED
    ]
    assigned = 0
    for turn in plan_rota(list(members), upcoming, taken=taken):
        try:
            turn_claim(meeting=meetings[turn.meeting], membership=members[turn.member])
        except (MeetingFull, ValidationError):
            continue
        assigned += 1
    return assigned


@dataclass(frozen=True)
class RotaTurn:
    meeting: int
    member: int


def plan_rota(
    members: Iterable[int],
    meetings: Iterable[int],
    *,
    absent: dict[int, set[int]] | None = None,
    taken: Iterable[RotaTurn] = (),
    per_meeting: int = 2,
) -> list[RotaTurn]:
    """Propose turns for the free places: whoever has had the fewest turns goes first (so
    everyone gets a turn before anyone gets a second), never someone absent that meeting or
    twice in one meeting; among equals, whoever waited longest, then the list's order."""
    members = list(members)
    absent = absent or {}
    counts = dict.fromkeys(members, 0)
    last = dict.fromkeys(members, -1)
    at = {}
    for turn in taken:
        at.setdefault(turn.meeting, []).append(turn.member)
        if turn.member in counts:
            counts[turn.member] += 1
            last[turn.member] = max(last[turn.member], turn.meeting)
    plan = []
    for meeting in sorted(meetings):
        here = list(at.get(meeting, []))
        while len(here) < per_meeting:
            candidates = [
                m for m in members if m not in here and m not in absent.get(meeting, set())
            ]
            if not candidates:
                break
            chosen = min(candidates, key=lambda m: (counts[m], last[m], members.index(m)))
            here.append(chosen)
            counts[chosen] += 1
            last[chosen] = meeting
            plan.append(RotaTurn(meeting, chosen))
    return plan


def _has_a_turn(membership: Membership, *, by_coach: bool) -> ValidationError:
    """Said to the participant who claims, or to the coach who assigns."""
    if by_coach:
        return ValidationError(
            _("%(name)s heeft bij deze bijeenkomst al een beurt.")
            % {"name": membership.client.first_name}
        )
    return ValidationError(_("Je hebt bij deze bijeenkomst al een beurt."))
