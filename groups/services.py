"""The workflows of a Backstage group: create it with its eight meetings, move a meeting within
the rules, add and remove participants, claim and assign turns, record a turn and the
report-back, and a fair rota of turns."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coaching.dates import readable
from coaching.models import Client, Organisation, User
from groups.models import BackstageGroup, Contribution, GroupEvaluation, Meeting, Membership
from sessions.booking import SlotTaken, appointment_book, appointment_move
from sessions.models import Appointment

RULES = settings.PRAKTIJK_BACKSTAGE


class MeetingFull(Exception):
    """Both turns of the meeting are taken."""


def _check_gap(before: datetime | None, after: datetime | None) -> None:
    """Consecutive meetings lie two to four weeks apart (counted in days)."""
    if before is None or after is None:
        return
    days = (timezone.localtime(after).date() - timezone.localtime(before).date()).days
    low, high = 7 * RULES["min_weeks_between"], 7 * RULES["max_weeks_between"]
    if not low <= days <= high:
        raise ValidationError(
            _("Tussen twee bijeenkomsten zitten twee tot vier weken; dit wordt %(days)s dagen.")
            % {"days": days},
            code="interval",
        )


@transaction.atomic
def group_create(
    *,
    coach: User,
    name: str,
    composition: str,
    daypart: str,
    interval_weeks: int,
    first_start: datetime,
    location: str = "",
    organisation: Organisation | None = None,
    contact_person: str = "",
) -> BackstageGroup:
    """The group and its eight meetings, every `interval_weeks` at the same local time, each in
    the coach's calendar. A meeting that collides with another appointment stops it all."""
    group = BackstageGroup(
        coach=coach,
        name=name,
        composition=composition,
        daypart=daypart,
        interval_weeks=interval_weeks,
        meeting_minutes=RULES["meeting_minutes"],
        location=location,
        organisation=organisation,
        contact_person=contact_person,
    )
    group.full_clean()
    group.save()
    local_first = timezone.localtime(first_start)
    for number in range(1, RULES["meetings"] + 1):
        day = local_first.date() + timedelta(weeks=interval_weeks * (number - 1))
        start = timezone.make_aware(datetime.combine(day, local_first.time().replace(tzinfo=None)))
        try:
            appointment = appointment_book(
                coach=coach,
                start=start,
                end=start + timedelta(minutes=group.meeting_minutes),
                kind=Appointment.Kind.BACKSTAGE,
                mode="practice",
                by=coach,
                location=location,
            )
        except SlotTaken as taken:
            raise ValidationError(
                _("Bijeenkomst %(number)s op %(day)s valt samen met een andere afspraak.")
                % {"number": number, "day": readable(day, long=True)},
                code="taken",
            ) from taken
        Meeting.objects.create(group=group, number=number, appointment=appointment)
    return group


@transaction.atomic
def meeting_move(*, meeting: Meeting, start: datetime) -> Meeting:
    """Move one meeting; refused when it would break the 2-4 week rhythm with its neighbours."""
    meetings = {
        m.number: m
        for m in Meeting.objects.select_for_update()
        .filter(group=meeting.group_id)
        .select_related("appointment")
    }
    previous = meetings.get(meeting.number - 1)
    following = meetings.get(meeting.number + 1)
    _check_gap(previous.appointment.start if previous else None, start)
    _check_gap(start, following.appointment.start if following else None)
    duration = timedelta(minutes=meeting.group.meeting_minutes)
    appointment_move(appointment=meeting.appointment, start=start, end=start + duration)
    meeting.appointment.refresh_from_db()
    return meeting


@transaction.atomic
def member_add(*, group: BackstageGroup, client: Client, joined_on: date) -> Membership:
    if client.coach_id != group.coach_id:
        raise ValidationError(_("Alleen cliënten van de coach van de groep kunnen deelnemen."))
    BackstageGroup.objects.select_for_update().get(pk=group.pk)  # one at a time: the size
    if group.members.active().count() >= RULES["max_size"]:
        raise ValidationError(
            _("De groep is vol: hoogstens %(size)s deelnemers.") % {"size": RULES["max_size"]}
        )
    try:
        with transaction.atomic():
            return Membership.objects.create(group=group, client=client, joined_on=joined_on)
    except IntegrityError as error:
        raise ValidationError(_("Deze persoon is al deelnemer van de groep.")) from error


def member_leave(*, membership: Membership, on: date) -> Membership:
    membership.left_on = on
    membership.save(update_fields=["left_on"])
    return membership


def turn_claim(
    *, meeting: Meeting, membership: Membership, problem: str = "", by_coach: bool = False
) -> Contribution:
    """Take a free turn. Race-free: the database holds at most one contribution per turn, and a
    person once per meeting; a claim tries turn 1, then turn 2, each in its own savepoint.
    A participant claims before the meeting; the coach may also assign during or after it."""
    if membership.group_id != meeting.group_id or membership.left_on is not None:
        raise ValidationError(_("Alleen deelnemers van deze groep kunnen een beurt nemen."))
    if not by_coach and meeting.appointment.start <= timezone.now():
        raise ValidationError(_("Deze bijeenkomst is al geweest."))
    if Contribution.objects.filter(meeting=meeting, membership=membership).exists():
        raise ValidationError(_("Je hebt bij deze bijeenkomst al een beurt."))
    for turn in (1, 2):
        try:
            with transaction.atomic():
                return Contribution.objects.create(
                    meeting=meeting, membership=membership, turn=turn, problem=problem
                )
        except IntegrityError:
            if Contribution.objects.filter(meeting=meeting, membership=membership).exists():
                raise ValidationError(_("Je hebt bij deze bijeenkomst al een beurt.")) from None
            continue
    raise MeetingFull(
        _("Bij deze bijeenkomst zijn beide beurten al bezet. Kies een andere bijeenkomst.")
    )


def agreements_to_report(meeting: Meeting) -> list[Contribution]:
    """Last meeting's contributions with agreements: at this meeting they report back."""
    return list(
        Contribution.objects.filter(
            meeting__group=meeting.group_id, meeting__number=meeting.number - 1
        )
        .exclude(agreements="")
        .select_related("membership__client")
    )


# --- A fair rota ---------------------------------------------------------------------------


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


def group_evaluation_summary(group: BackstageGroup) -> list[dict]:
    """The evaluations after meetings 4 and 8, for the group as a whole: how many answered of
    how many were asked, each 1–10 question's mean, how often each choice was made, and the
    open answers without names (the participants answer for the group, not for a file).
    Three queries."""
    links = list(
        GroupEvaluation.objects.filter(group=group)
        .select_related("evaluation__questionnaire")
        .prefetch_related("evaluation__answers__question")
    )
    summary = []
    for after in GroupEvaluation.AFTER_MEETINGS:
        asked = [link.evaluation for link in links if link.after_meeting == after]
        if not asked:
            continue
        done = [evaluation for evaluation in asked if evaluation.completed_at]
        questions: dict[int, dict] = {}
        for evaluation in done:
            for answer in evaluation.answers.all():
                entry = questions.setdefault(
                    answer.question_id,
                    {"question": answer.question, "scores": [], "choices": {}, "texts": []},
                )
                if answer.scale is not None:
                    entry["scores"].append(answer.scale)
                elif answer.choice:
                    shown = answer.display  # in the reader's language
                    entry["choices"][shown] = entry["choices"].get(shown, 0) + 1
                elif answer.text:
                    entry["texts"].append(answer.text)
        rows = sorted(questions.values(), key=lambda e: (e["question"].position, e["question"].pk))
        for entry in rows:
            scores = entry["scores"]
            entry["mean"] = round(sum(scores) / len(scores), 1) if scores else None
            entry["choices"] = sorted(entry["choices"].items())
        summary.append({"after": after, "asked": len(asked), "done": len(done), "rows": rows})
    return summary
