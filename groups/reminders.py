"""What the outbox sends about Backstage groups, found every minute by the sweep:

- before a meeting (PRAKTIJK_REMINDER_HOURS, as for every appointment), a reminder to every
  participant, with the meeting for their calendar;
- before a meeting (PRAKTIJK_BACKSTAGE_REMINDER_HOURS), a reminder to prepare to that meeting's
  contributors, and to the previous meeting's contributors who made agreements a reminder to
  report back on them (never the agreements themselves: notices carry no content);
- after meetings 4 and 8, an evaluation for every participant who was a member then
  (trajects.services.evaluations, kind Backstage), linked to the group (GroupEvaluation).

Each is one outbox row per participant and meeting time, contribution or evaluation, so
finding it again is a no-op."""

from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from coaching.compiled import Compiled
from coaching.dates import readable
from coaching.emails import templated_message
from coaching.models import Send
from coaching.outbox import NO_RECIPIENT, Item, register, register_finder
from groups.models import Contribution, GroupEvaluation, Meeting, Membership
from sessions import ical
from sessions.models import Appointment
from trajects.models import Questionnaire
from trajects.services.evaluations import PROMPT, evaluation_request

PREPARE, REPORT_BACK = "backstage_prepare", "backstage_report_back"
MEETING = "backstage_meeting"
LEFT = gettext_noop("De beurt is vrijgegeven of de deelnemer is gestopt.")
MEETING_GONE = gettext_noop("De bijeenkomst is geannuleerd of al begonnen.")
REPORTED = gettext_noop("De terugkoppeling is al vastgelegd.")
# Evaluations after a meeting that ended longer ago than this (the longest gap between two
# meetings) are not asked for any more: a group entered afterwards, or a sweep down for weeks.
EVALUATION_WINDOW = timedelta(weeks=4)


def _lead() -> timedelta:
    return timedelta(hours=settings.PRAKTIJK_BACKSTAGE_REMINDER_HOURS)


def _meetings_within(now: datetime, lead: timedelta, *fields: str) -> list[tuple]:
    """Booked meetings that start within `lead` from now, as `fields` values."""
    now = now.astimezone(UTC)  # real hours: arithmetic on a local time would be wall-clock
    return list(
        Meeting.objects.filter(
            appointment__status=Appointment.Status.BOOKED,
            appointment__start__gt=now,
            appointment__start__lte=now + lead,
        ).values_list(*fields)
    )


def find_meeting_reminders(now: datetime) -> list[Item]:
    lead = _lead()
    meetings = _meetings_within(now, lead, "pk", "group_id", "number", "appointment__start")
    if not meetings:
        return []
    due = {(group, number): start - lead for _pk, group, number, start in meetings}
    items = []
    # Contributors of these meetings who claimed their turn before the reminder's moment.
    for pk, group, number, created in Contribution.objects.filter(
        meeting_id__in=[pk for pk, *_ in meetings]
    ).values_list("pk", "meeting__group_id", "meeting__number", "created_at"):
        if created <= due[(group, number)]:
            items.append((f"contribution:{pk}", PREPARE, due[(group, number)]))
    # Contributors of the meeting before, with agreements not reported back on yet.
    previous = Q()
    for _pk, group, number, _start in meetings:
        if number > 1:
            previous |= Q(meeting__group_id=group, meeting__number=number - 1)
    if previous:
        for pk, group, number in (
            Contribution.objects.filter(previous, report_back="")
            .exclude(agreements="")
            .values_list("pk", "meeting__group_id", "meeting__number")
        ):
            items.append((f"contribution:{pk}", REPORT_BACK, due[(group, number + 1)]))
    return items


def meeting_subject(meeting_pk: int, sequence: int, membership_pk: int) -> str:
    return f"meeting:{meeting_pk}.{sequence}:member:{membership_pk}"


def find_participant_reminders(now: datetime) -> list[Item]:
    """Every participant who is a member on the day, before each meeting; a moved meeting
    (its sequence rose) is reminded of its new time."""
    lead = timedelta(hours=settings.PRAKTIJK_REMINDER_HOURS)
    meetings = _meetings_within(
        now, lead, "pk", "group_id", "appointment__sequence", "appointment__start"
    )
    if not meetings:
        return []
    members: dict[int, list[tuple[int, date, date | None]]] = {}
    for pk, group, joined, left in Membership.objects.filter(
        group_id__in={group for _pk, group, *_ in meetings}
    ).values_list("pk", "group_id", "joined_on", "left_on"):
        members.setdefault(group, []).append((pk, joined, left))
    items = []
    for pk, group, sequence, start in meetings:
        day = timezone.localtime(start).date()
        for membership, joined, left in members.get(group, []):
            if joined <= day and (left is None or left > day):
                items.append((meeting_subject(pk, sequence, membership), MEETING, start - lead))
    return items


def compose_participant_reminders(sends: list[Send]) -> dict[int, list[EmailMessage] | str]:
    wanted = {}
    for send in sends:
        meeting_part, member_part = send.subject.split(":member:")
        meeting_pk, sequence = meeting_part.removeprefix("meeting:").split(".")
        wanted[send.pk] = (int(meeting_pk), int(sequence), int(member_part))
    meetings = Meeting.objects.select_related("appointment__coach", "group").in_bulk(
        {meeting for meeting, _seq, _member in wanted.values()}
    )
    memberships = (
        Membership.objects.select_related("client__account")
        .prefetch_related("client__guardians__account")
        .in_bulk({member for *_, member in wanted.values()})
    )
    now = timezone.now()
    result: dict[int, list[EmailMessage] | str] = {}
    for send in sends:
        meeting_pk, sequence, member_pk = wanted[send.pk]
        meeting, membership = meetings.get(meeting_pk), memberships.get(member_pk)
        if membership is None or membership.left_on:
            result[send.pk] = LEFT
            continue
        appointment = meeting.appointment if meeting else None
        if (
            appointment is None
            or appointment.status != Appointment.Status.BOOKED
            or appointment.sequence != sequence
            or appointment.start <= now
        ):
            result[send.pk] = MEETING_GONE
            continue
        send.client_id = membership.client_id  # whom it concerns (the coach's list)
        result[send.pk] = [
            _participant_reminder(meeting, address, first_name, language)
            for address, first_name, language in membership.client.mail_recipients()
        ] or NO_RECIPIENT
    return result


def _participant_reminder(meeting, address, first_name, language) -> EmailMessage:
    """The meeting's reminder to a participant, with the meeting in their calendar (.ics)."""
    ics = ical.for_client(
        meeting.appointment, method="REQUEST", language=language, attendee=address
    )
    return _reminder(
        MEETING,
        meeting,
        address,
        first_name,
        language,
        attachments=[("bijeenkomst.ics", ics, "text/calendar; method=REQUEST")],
    )


def participant_reminders_of(meeting: Meeting, members: list[Membership]):
    """What the coach sees on the meeting: the reminders of its current time, by exact
    subjects (the unique index)."""
    sequence = meeting.appointment.sequence
    return REMINDERS_OF.all(
        subjects=[meeting_subject(meeting.pk, sequence, member.pk) for member in members]
    )


# Compiled once per number of participants (coaching.compiled).
REMINDERS_OF = Compiled(
    lambda at: Send.objects.filter(kind=MEETING, subject__in=at.subjects),
    subjects=[models.CharField()],
)


def find_group_evaluations(now: datetime) -> list[Item]:
    """Meetings 4 and 8 that ended (not cancelled) in the last four weeks: an evaluation for
    each participant who was a member on that day and has none for it yet."""
    now = now.astimezone(UTC)
    meetings = list(
        Meeting.objects.filter(
            number__in=GroupEvaluation.AFTER_MEETINGS,
            appointment__end__lte=now,
            appointment__end__gt=now - EVALUATION_WINDOW,
            appointment__status__in=[Appointment.Status.BOOKED, Appointment.Status.COMPLETED],
        ).select_related("appointment")
    )
    if not meetings:
        return []
    # Those asked already are handed to the outbox again too (a no-op when it has them): a
    # sweep that died after making an evaluation and before recording its prompt loses none.
    asked = {
        (membership, after): evaluation
        for membership, after, evaluation in GroupEvaluation.objects.filter(
            group_id__in=[m.group_id for m in meetings]
        ).values_list("membership_id", "after_meeting", "evaluation_id")
    }
    members = Membership.objects.filter(group_id__in=[m.group_id for m in meetings])
    by_group: dict[int, list[Membership]] = {}
    for membership in members.select_related("client"):
        by_group.setdefault(membership.group_id, []).append(membership)
    items = []
    for meeting in meetings:
        day = timezone.localtime(meeting.appointment.start).date()
        for membership in by_group.get(meeting.group_id, []):
            if membership.joined_on > day or (membership.left_on and membership.left_on <= day):
                continue
            evaluation_pk = asked.get((membership.pk, meeting.number))
            if evaluation_pk is None:
                evaluation = evaluation_request(
                    key=f"membership:{membership.pk}:meeting:{meeting.number}",
                    kind=Questionnaire.Kind.BACKSTAGE,
                    client=membership.client,
                    prompt=False,  # the sweep records the items returned here
                )
                if evaluation is None:
                    return items  # no Backstage questionnaire in use
                GroupEvaluation.objects.get_or_create(
                    membership=membership,
                    after_meeting=meeting.number,
                    defaults={"evaluation": evaluation, "group_id": meeting.group_id},
                )
                evaluation_pk = evaluation.pk
            items.append((f"evaluation:{evaluation_pk}", PROMPT, now))
    return items


def compose_meeting_reminders(sends: list[Send]) -> dict[int, list[EmailMessage]]:
    wanted = {send.pk: int(send.subject.removeprefix("contribution:")) for send in sends}
    contributions = {
        c.pk: c
        for c in Contribution.objects.filter(pk__in=wanted.values())
        .select_related("membership__client__account", "meeting__group")
        .prefetch_related("membership__client__guardians__account")
    }
    # The meeting each reminder is for: its own (prepare) or the next one (report back).
    next_meetings = {
        (m.group_id, m.number): m
        for m in Meeting.objects.filter(
            group_id__in={c.meeting.group_id for c in contributions.values()}
        ).select_related("appointment", "group")
    }
    now = timezone.now()
    result = {}
    for send in sends:
        contribution = contributions.get(wanted[send.pk])
        if contribution is None or contribution.membership.left_on:
            result[send.pk] = LEFT
            continue
        own = contribution.meeting
        number = own.number if send.kind == PREPARE else own.number + 1
        meeting = next_meetings.get((own.group_id, number))
        if (
            meeting is None
            or meeting.appointment.status != Appointment.Status.BOOKED
            or meeting.appointment.start <= now
        ):
            result[send.pk] = MEETING_GONE
            continue
        if send.kind == REPORT_BACK and contribution.report_back:
            result[send.pk] = REPORTED
            continue
        send.client_id = contribution.membership.client_id  # whom it concerns
        result[send.pk] = [
            _reminder(send.kind, meeting, address, first_name, language)
            for address, first_name, language in contribution.membership.client.mail_recipients()
        ] or NO_RECIPIENT
    return result


def _reminder(kind, meeting, address, first_name, language, attachments=()) -> EmailMessage:
    """A Backstage e-mail about a meeting (its time and place) in the recipient's language."""
    appointment = meeting.appointment
    with translation.override(language):
        local = timezone.localtime(appointment.start)
        when = readable(local, weekday=True, long=True, time=True)
    return templated_message(
        kind,
        to=address,
        language=language,
        context={
            "first_name": first_name,
            "group": meeting.group.name,
            "number": meeting.number,
            "when": when,
            # The group's place, on the meeting's appointment (the group's services keep it there).
            "location": appointment.location or meeting.group.location,
            "video_link": appointment.video_link or meeting.group.video_link,
            "url": settings.SITE_URL + reverse("portal_groups"),
        },
        attachments=attachments,
    )


def register_backstage_sends() -> None:
    register(MEETING, compose_participant_reminders)
    register_finder("backstage_participant_reminders", find_participant_reminders)
    register(PREPARE, compose_meeting_reminders)
    register(REPORT_BACK, compose_meeting_reminders)
    register_finder("backstage_meeting_reminders", find_meeting_reminders)
    register_finder("backstage_evaluations", find_group_evaluations)
