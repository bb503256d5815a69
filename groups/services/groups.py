"""A Backstage group's life: created with its eight meetings (checking the method), its place
changed, stopped or deleted with what goes with it, and its evaluation summed up."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from coaching.compiled import Compiled
from coaching.dates import readable
from coaching.models import Organisation, User
from groups.models import (
    NO_PLACE,
    Attendance,
    BackstageGroup,
    Contribution,
    GroupEvaluation,
    Meeting,
    daypart_mismatch,
)
from groups.notify import group_notice_record
from sessions.models import Appointment
from sessions.services.booking import SlotTaken, appointment_book
from sessions.services.waitlist_offers import offer_freed

RULES = settings.PRAKTIJK_BACKSTAGE


def check_gap(before: datetime | None, after: datetime | None) -> None:
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


def _check_method(*, daypart: str, first_start: datetime, location: str, video_link: str) -> None:
    """The method's rules for a new group, each on its field: the first
    meeting lies ahead, its time fits the daypart, and the group has a place."""
    errors = {}
    if first_start <= timezone.now():
        errors["first_start"] = [
            ValidationError(
                _("De eerste bijeenkomst ligt in het verleden. Kies een moment dat nog komt."),
                code="past",
            )
        ]
    elif mismatch := daypart_mismatch(daypart, first_start):
        errors["first_start"] = [ValidationError(mismatch, code="daypart")]
    if not location.strip() and not video_link.strip():
        errors["location"] = [ValidationError(NO_PLACE, code="no_place")]
    if errors:
        raise ValidationError(errors)


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
    video_link: str = "",
    organisation: Organisation | None = None,
    contact_person: str = "",
) -> BackstageGroup:
    """The group and its eight meetings, every `interval_weeks` at the same local time, each in
    the coach's calendar with the group's place. A meeting that collides with another
    appointment stops it all. The rules of the method are checked here, so that every way in
    (the coach's form, a script) gets them; the admin cannot add a group."""
    _check_method(
        daypart=daypart, first_start=first_start, location=location, video_link=video_link
    )
    group = BackstageGroup(
        coach=coach,
        name=name,
        composition=composition,
        daypart=daypart,
        interval_weeks=interval_weeks,
        meeting_minutes=RULES["meeting_minutes"],
        location=location.strip(),
        video_link=video_link.strip(),
        organisation=organisation,
        contact_person=contact_person,
    )
    group.full_clean()
    group.save()
    local_first = timezone.localtime(first_start)
    for number in range(1, RULES["meetings"] + 1):
        day = local_first.date() + timedelta(weeks=interval_weeks * (number - 1))
        start = timezone.make_aware(datetime.combine(day, local_first.time().replace(tzinfo=None)))
        appointment = _meeting_book(group=group, number=number, start=start)
        Meeting.objects.create(group=group, number=number, appointment=appointment)
    return group


def _meeting_book(*, group: BackstageGroup, number: int, start: datetime) -> Appointment:
    """A new group's meeting in the coach's calendar, with the group's place; a collision
    with another appointment is an error on the first meeting's field."""
    try:
        return appointment_book(
            coach=group.coach,
            start=start,
            end=start + timedelta(minutes=group.meeting_minutes),
            kind=Appointment.Kind.BACKSTAGE,
            mode=group.meeting_mode,
            by=group.coach,
            location=group.location,
            video_link=group.video_link,
        )
    except SlotTaken as taken:
        raise ValidationError(
            {
                "first_start": ValidationError(
                    _("Bijeenkomst %(number)s op %(day)s valt samen met een andere afspraak.")
                    % {"number": number, "day": readable(start, long=True)},
                    code="taken",
                )
            }
        ) from taken


@transaction.atomic
def group_place_change(*, group: BackstageGroup, location: str, video_link: str) -> int:
    """A new place for the group: the meetings to come follow (their appointments, with a
    higher sequence so that calendars update); meetings held keep where they were. Returns how
    many meetings moved along."""
    location, video_link = location.strip(), video_link.strip()
    if not location and not video_link:
        raise ValidationError({"location": ValidationError(NO_PLACE, code="no_place")})
    group = BackstageGroup.objects.select_for_update().get(pk=group.pk)
    if (group.location, group.video_link) == (location, video_link):
        return 0  # nothing changed: nobody is told
    group.location, group.video_link = location, video_link
    group.full_clean()
    group.save(update_fields=["location", "video_link"])
    to_come = list(meetings_to_come(group).values_list("appointment", flat=True))
    Appointment.objects.filter(pk__in=to_come).update(
        location=location,
        video_link=video_link,
        mode=group.meeting_mode,
        sequence=F("sequence") + 1,
        updated_at=timezone.now(),
    )
    # The participants hear where, with the meetings to come for their calendars (the same
    # events, updated).
    meetings = list(
        Meeting.objects.filter(appointment__in=to_come)
        .order_by("number")
        .select_related("appointment")
    )
    members = group.members.active().values_list("client", flat=True)
    if meetings:
        participants_tell("place", group, list(members), meetings)
    return len(meetings)


def meetings_to_come(group: BackstageGroup):
    """The group's meetings still in the calendar ahead: booked, not begun."""
    return Meeting.objects.filter(
        group=group,
        appointment__status=Appointment.Status.BOOKED,
        appointment__start__gt=timezone.now(),
    ).select_related("appointment")


def why_not_deletable(group: BackstageGroup) -> str:
    """Why the group can only be stopped, not deleted ("" when it can be): once a meeting was
    held or a turn, attendance or evaluation recorded, the group's history is kept."""
    now = timezone.now()
    if group.meetings.filter(appointment__start__lte=now).exists():
        return _("Er is al een bijeenkomst geweest.")
    if Contribution.objects.filter(meeting__group=group).exists():
        return _("Er is al een beurt (inbreng) vastgelegd.")
    if Attendance.objects.filter(meeting__group=group).exists():
        return _("Er is al aanwezigheid vastgelegd.")
    if GroupEvaluation.objects.filter(group=group).exists():
        return _("Er is al een evaluatie gevraagd.")
    return ""


def participants_tell(
    event: str,
    group: BackstageGroup,
    clients: list[int],
    meetings,
    *,
    previous: datetime | None = None,
) -> None:
    """The participants hear of it by e-mail, recorded in the outbox in this transaction
    (groups.notify): with the meetings concerned for their calendars, never anything said in
    the group. Of a move, `previous` is the time the meeting had."""
    group_notice_record(event, group, clients, meetings, previous=previous)


def _locked(group: BackstageGroup) -> BackstageGroup:
    """The group's row, locked (and read again: another request may have changed it)."""
    try:
        return BackstageGroup.objects.select_for_update().get(pk=group.pk)
    except BackstageGroup.DoesNotExist as gone:
        raise ValidationError(_("Deze groep is net verwijderd."), code="gone") from gone


@dataclass(frozen=True)
class Ending:
    """What stopping or deleting a group did (and what the confirmation page announces)."""

    cancelled: int
    told: list[str]


def group_ending(group: BackstageGroup) -> Ending:
    """What stopping or deleting the group now would do: how many meetings leave the calendar,
    who is told (for the confirmation page)."""
    members = group.members.active().select_related("client")
    return Ending(
        cancelled=meetings_to_come(group).count(),
        told=[str(m.client) for m in members],
    )


@transaction.atomic
def group_stop(*, group: BackstageGroup, by: User, reason: str) -> Ending:
    """Stop the group (after something happened): its meetings to come are cancelled (their
    time is free again for booking), its participants' memberships end today and they are
    told; what was held stays (meetings, turns, attendance, evaluations), and the group shows
    as stopped, with the date and the reason."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Zeg waarom de groep stopt.")})
    # Locked: a second stop, a new member or a deletion at the same moment waits for this one.
    group = _locked(group)
    if group.stopped_on:
        raise ValidationError(_("Deze groep is al gestopt."))
    today, now = timezone.localdate(), timezone.now()
    # The meetings to come are cancelled by the coach, all in one statement under one lock (as
    # sessions.services.booking.appointment_cancel does one at a time): a meeting has no client, so
    # its cancellation is never late and costs nobody anything; its time is free again.
    cancelled = list(
        Appointment.objects.select_for_update()
        .filter(pk__in=meetings_to_come(group).values("appointment"))
        .values_list("pk", flat=True)
    )
    Appointment.objects.filter(pk__in=cancelled).update(
        status=Appointment.Status.CANCELLED,
        cancelled_by=Appointment.CancelledBy.COACH,
        # The coach's own reason stays with the group: this one may be read elsewhere.
        cancel_reason=_("De Backstage-groep is gestopt."),
        cancelled_at=now,
        sequence=F("sequence") + 1,
        updated_at=now,
    )
    to_come = list(
        Meeting.objects.filter(appointment__in=cancelled)
        .order_by("number")
        .select_related("appointment")
    )
    for meeting in to_come:  # the time is free again: offered to the coach's waitlist
        offer_freed(
            coach_id=meeting.appointment.coach_id,
            start=meeting.appointment.start,
            end=meeting.appointment.end,
        )
    members = list(group.members.active().select_related("client"))
    group.members.active().update(left_on=today)
    group.stopped_on, group.stop_reason, group.stopped_by = today, reason, by
    group.save(update_fields=["stopped_on", "stop_reason", "stopped_by"])
    participants_tell("stopped", group, [m.client_id for m in members], to_come)
    return Ending(cancelled=len(to_come), told=[str(m.client) for m in members])


@transaction.atomic
def group_delete(*, group: BackstageGroup, by: User | None = None) -> Ending:
    """Delete a group in which nothing happened yet (no meeting held, no turn, attendance or
    evaluation): its meetings and their appointments go (the time is free again), and the
    participants are told. Once something happened, the group can only be stopped."""
    group = _locked(group)
    if group.stopped_on:
        raise ValidationError(_("Deze groep is gestopt; wat er is geweest blijft bewaard."))
    # The meetings locked too: a turn claimed at this moment waits, then finds no meeting.
    meetings = list(
        Meeting.objects.select_for_update().filter(group=group).select_related("appointment")
    )
    if why := why_not_deletable(group):
        raise ValidationError(
            _(
                "Deze groep kan niet meer worden verwijderd: %(why)s Stop de groep in plaats "
                "daarvan."
            )
            % {"why": why},
            code="not_deletable",
        )
    members = list(group.members.filter(left_on__isnull=True).select_related("client"))
    to_come = [m for m in meetings if m.appointment.status == Appointment.Status.BOOKED]
    for meeting in to_come:
        # The participants' calendars get the cancellation of the event they may have saved.
        meeting.appointment.status = Appointment.Status.CANCELLED
        meeting.appointment.sequence += 1
    appointments = [m.appointment_id for m in meetings]
    Meeting.objects.filter(pk__in=[m.pk for m in meetings]).delete()
    Appointment.objects.filter(pk__in=appointments).delete()
    group.delete()  # its memberships with it
    for meeting in to_come:  # the time is free again: offered to the coach's waitlist
        offer_freed(
            coach_id=meeting.appointment.coach_id,
            start=meeting.appointment.start,
            end=meeting.appointment.end,
        )
    participants_tell("deleted", group, [m.client_id for m in members], to_come)
    return Ending(cancelled=len(to_come), told=[str(m.client) for m in members])


# Compiled once (coaching.compiled); the answers are prefetched when there are any.
GROUP_EVALUATIONS = Compiled(
    lambda at: (
        GroupEvaluation.objects.filter(group=at.group)
        .select_related("evaluation__questionnaire")
        .prefetch_related("evaluation__answers__question")
    ),
    group=models.BigIntegerField(),
)


def group_evaluation_summary(group: BackstageGroup) -> list[dict]:
    """The evaluations after meetings 4 and 8, for the group as a whole: how many answered of
    how many were asked, each 1–10 question's mean, how often each choice was made, and the
    open answers without names (the participants answer for the group, not for a file).
    Three queries."""
    links = GROUP_EVALUATIONS.all(known={"group": group}, group=group.pk)
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
