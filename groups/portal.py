"""A participant's Backstage meetings among their appointments in the portal (registered with
sessions.portal_extras): each with the group's place and an .ics only a member can fetch."""

from collections.abc import Sequence

from django.db.models import Count, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from coaching.models import Client, User
from coaching.portal import register_portal_section
from groups.access import memberships_seen_by_account
from groups.models import Contribution, Meeting, Membership
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


def _next_meetings(groups, now) -> dict[int, list[Meeting]]:
    """Each group's booked meetings that have not ended, in time order, with `turns` (how
    many turns are taken). One query, at most eight rows per group: a participant who joins
    from a later meeting on needs the first one on or after that day, not the group's next."""
    turns = (
        Contribution.objects.filter(meeting=OuterRef("pk"))
        .order_by()
        .values("meeting")
        .annotate(n=Count("pk"))
        .values("n")
    )
    meetings = (
        Meeting.objects.filter(
            group__in=groups,
            appointment__status=Appointment.Status.BOOKED,
            appointment__end__gt=now,
        )
        .select_related("appointment__coach", "group")
        .annotate(turns=Subquery(turns))
        .order_by("appointment__start", "pk")
    )
    upcoming: dict[int, list[Meeting]] = {}
    for meeting in meetings:
        upcoming.setdefault(meeting.group_id, []).append(meeting)
    return upcoming


def portal_home_meetings(account: User, clients: Sequence[Client]) -> dict[int, dict]:
    """The portal's home (coaching.portal): per client in a Backstage group,
    the next meeting of their groups, whether it is their turn, and the agreements they made at
    the meeting before it, to report back on (DESIGN.md §4.4). The agreements are the client's
    own: this answers only for the clients the account is or acts for.

    Three queries, whatever the number of clients, groups and meetings, and also when there
    is nothing to show (the page runs the same queries for everyone): the memberships, each
    group's coming meetings, and the client's turns in those groups (at most eight each)."""
    now = timezone.now()
    active = Membership.objects.active().filter(client__in=[client.pk for client in clients])
    memberships = list(active)
    nexts = _next_meetings(active.values("group"), now)
    turns = {
        (contribution.membership_id, contribution.meeting.number): contribution
        for contribution in Contribution.objects.filter(membership__in=active.values("pk"))
        .select_related("meeting")
        .only("membership", "agreements", "meeting__number")
    }
    chosen: dict[int, tuple[Membership, Meeting]] = {}
    for membership in memberships:
        # The first from the day they join (the group's meetings over: none).
        meeting = next(
            (
                meeting
                for meeting in nexts.get(membership.group_id, [])
                if timezone.localtime(meeting.appointment.start).date() >= membership.joined_on
            ),
            None,
        )
        if meeting is None:
            continue
        earlier = chosen.get(membership.client_id)
        if earlier is None or meeting.appointment.start < earlier[1].appointment.start:
            chosen[membership.client_id] = (membership, meeting)
    answers = {}
    for client_pk, (membership, meeting) in chosen.items():
        appointment = meeting.appointment
        turn = turns.get((membership.pk, meeting.number))
        # The agreements made at the meeting before: reported back on at this one.
        previous = turns.get((membership.pk, meeting.number - 1))
        appointment.under_way = appointment.start <= now
        answers[client_pk] = {
            "meeting": meeting,
            "appointment": appointment,
            "turn": turn,
            "report": previous if previous and previous.agreements else None,
            "free_turn": turn is None and (meeting.turns or 0) < 2 and not appointment.under_way,
            "ics_url": reverse("portal_meeting_ics", args=[meeting.uuid]),
        }
    return answers


def register_portal_home() -> None:
    register_portal_section(
        "backstage", template=HOME_TEMPLATE, context=portal_home_meetings, order=20
    )
