"""A participant's Backstage meetings among their appointments in the portal (registered with
sessions.portal_extras): each with the group's place and an .ics only a member can fetch."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from coaching.compiled import Compiled
from coaching.models import Client, User
from coaching.portal import register_portal_section
from groups.access import memberships_seen_by_account
from groups.models import Contribution, Meeting
from sessions.models import Appointment

TEMPLATE = "groups/includes/portal_meeting.html"
HOME_TEMPLATE = "groups/includes/portal_home_meeting.html"


def portal_meetings(account: User) -> list[Appointment]:
    """The meetings of the groups the account's clients take part in (or took part in until
    the group stopped), from the day they joined. Two queries."""
    joined = {}
    for group, day in memberships_seen_by_account(account).values_list("group_id", "joined_on"):
        joined[group] = min(day, joined.get(group, day))
    if not joined:
        return []
    appointments = []
    for meeting in Meeting.objects.filter(group__in=joined).select_related(
        "appointment__coach", "group"
    ):
        appointment = meeting.appointment
        if timezone.localtime(appointment.start).date() < joined[meeting.group_id]:
            continue  # before they joined
        appointment.portal_template = TEMPLATE
        appointment.meeting = meeting
        appointment.ics_url = reverse("portal_meeting_ics", args=[meeting.uuid])
        appointments.append(appointment)
    return appointments


@dataclass(frozen=True)
class Report:
    """The agreements a participant made at the meeting before, to report back on."""

    meeting: dict  # {"number": …}, as the template reads a meeting
    agreements: str


def _coming_meetings(clients: Sequence[Client], now) -> list[Meeting]:
    """The booked meetings still to come of the clients' groups, in time order, a row per
    participant and meeting (at most eight per membership), each with the membership
    (`membership_pk`, `member`: its client, `joined_on`), `turns` (how many turns are taken),
    `has_turn` (whether this participant has one) and `report` (the agreements they made at the
    meeting before, if any). One query: the memberships, the turns and the agreements are
    joined and subqueries of it (compiled once per number of clients, coaching.compiled)."""
    return COMING_MEETINGS.all(clients=[client.pk for client in clients], now=now)


def _coming(at):
    turns = (
        Contribution.objects.filter(meeting=OuterRef("pk"))
        .order_by()
        .values("meeting")
        .annotate(n=Count("pk"))
        .values("n")
    )
    own = Contribution.objects.filter(membership=OuterRef("membership_pk")).order_by()
    agreements = own.filter(meeting__number=OuterRef("number") - 1).exclude(agreements="")
    return (
        Meeting.objects.filter(
            group__members__client__pk__in=at.clients,
            group__members__left_on__isnull=True,
            appointment__status=Appointment.Status.BOOKED,
            appointment__end__gt=at.now,
        )
        .select_related("appointment", "group")
        .annotate(
            membership_pk=F("group__members__pk"),
            member=F("group__members__client"),
            joined_on=F("group__members__joined_on"),
            turns=Subquery(turns),
            has_turn=Exists(own.filter(meeting=OuterRef("pk"))),
            report=Subquery(agreements.values("agreements")[:1]),
        )
        .order_by("appointment__start", "pk")
    )


COMING_MEETINGS = Compiled(_coming, clients=[models.BigIntegerField()], now=models.DateTimeField())


def portal_home_meetings(account: User, clients: Sequence[Client]) -> dict[int, dict]:
    """The portal's home (coaching.portal): per client in a Backstage group,
    the next meeting of their groups, whether it is their turn, and the agreements they made at
    the meeting before it, to report back on (DESIGN.md §4.4). The agreements are the client's
    own: this answers only for the clients the account is or acts for.

    One query, whatever the number of clients, groups and meetings, and also when there is
    nothing to show (the page runs the same queries for everyone)."""
    now = timezone.now()
    answers = {}
    for meeting in _coming_meetings(clients, now):
        appointment = meeting.appointment
        # The first from the day they join; the earliest of the client's groups.
        if meeting.member in answers:
            continue
        if timezone.localtime(appointment.start).date() < meeting.joined_on:
            continue
        appointment.under_way = appointment.start <= now
        answers[meeting.member] = {
            "meeting": meeting,
            "appointment": appointment,
            "turn": meeting.has_turn,
            "report": Report({"number": meeting.number - 1}, meeting.report)
            if meeting.report
            else None,
            "free_turn": not meeting.has_turn
            and (meeting.turns or 0) < 2
            and not appointment.under_way,
            "ics_url": reverse("portal_meeting_ics", args=[meeting.uuid]),
        }
    return answers


def register_portal_home() -> None:
    register_portal_section(
        "backstage", template=HOME_TEMPLATE, context=portal_home_meetings, order=20
    )
