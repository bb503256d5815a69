"""Access helpers of the Backstage groups: a coach reaches only their own groups, meetings and
turns; a participant only the groups they take part in. Any other id is a 404, never a 403
that would confirm it exists (STYLE.md 4). Every view of the app looks objects up here."""

from uuid import UUID

from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from coaching.compiled import Compiled
from coaching.models import Client, User
from groups.models import BackstageGroup, Contribution, Meeting, Membership


def is_id(value: str) -> bool:
    """A row's id as a form sends it: ASCII digits ("²".isdigit() is true, but no int)."""
    return value.isascii() and value.isdigit()


# --- The coach -------------------------------------------------------------------------------


def groups_of_coach(user: User) -> QuerySet[BackstageGroup]:
    return BackstageGroup.objects.filter(coach=user)


# Compiled once (coaching.compiled): every page of a group opens it this way.
GROUP_OF_COACH = Compiled(
    lambda at: groups_of_coach(at.coach).select_related("organisation").filter(uuid=at.uuid),
    coach=models.BigIntegerField(),
    uuid=models.UUIDField(),
)


def group_of_coach(user: User, uuid: UUID | str) -> BackstageGroup:
    found = GROUP_OF_COACH.all(coach=user.pk, uuid=uuid)
    if not found:
        raise Http404("No BackstageGroup matches the given query.")
    return found[0]


MEETING_OF_COACH = Compiled(
    lambda at: Meeting.objects.filter(group__coach=at.coach, uuid=at.uuid).select_related(
        "group", "appointment"
    ),
    coach=models.BigIntegerField(),
    uuid=models.UUIDField(),
)


def meeting_of_coach(user: User, uuid: UUID | str) -> Meeting:
    found = MEETING_OF_COACH.all(coach=user.pk, uuid=uuid)
    if not found:
        raise Http404("No Meeting matches the given query.")
    return found[0]


def turn_of_coach(user: User, meeting: UUID | str, turn: UUID | str) -> Contribution:
    """A turn (contribution) at this meeting of one of the coach's groups."""
    return get_object_or_404(
        Contribution.objects.filter(
            meeting__group__coach=user, meeting__uuid=meeting
        ).select_related("meeting__group", "membership__client"),
        uuid=turn,
    )


def client_to_add(user: User, pk: str) -> Client | None:
    """A client of the coach, by the id the group page's search sent; None for anything else."""
    return Client.objects.for_coach(user).filter(pk=pk).first() if is_id(pk) else None


def clients_to_add(user: User, text: str, *, besides: list[Membership]) -> QuerySet[Client]:
    """The coach's clients named like the search, other than those in the group already."""
    return (
        Client.objects.for_coach(user)
        .named(text)
        .exclude(pk__in=[m.client_id for m in besides])
        .order_by("last_name", "first_name", "pk")
    )


def member_of_group(group: BackstageGroup, pk: str | None) -> Membership | None:
    """An active participant of a group the coach reached, by the id a form sent; None for
    anything else."""
    if pk is None or not is_id(pk):
        return None
    return group.members.active().select_related("client").filter(pk=pk).first()


# --- A participant ---------------------------------------------------------------------------


def memberships_of_account(user: User) -> QuerySet[Membership]:
    """The active memberships of the clients this portal account is, or acts for."""
    return Membership.objects.active().filter(client__in=Client.objects.for_account(user))


def memberships_seen_by_account(user: User) -> QuerySet[Membership]:
    """The memberships a participant still sees: active ones, and those that ended when their
    group stopped (the group shows as stopped, with what was held)."""
    return Membership.objects.seen_by_participant().filter(
        client__in=Client.objects.for_account(user)
    )


def meeting_of_account(user: User, uuid: UUID | str) -> Meeting:
    """A meeting of a group the account sees (its .ics, say)."""
    return get_object_or_404(
        Meeting.objects.filter(
            group__in=memberships_seen_by_account(user).values("group")
        ).select_related("appointment__coach"),
        uuid=uuid,
    )


def meeting_to_claim(user: User, uuid: UUID | str) -> tuple[Meeting, Membership]:
    """A meeting of a group the account takes part in now, with the membership that would take
    the turn there; any other meeting is a 404."""
    meeting = get_object_or_404(Meeting.objects.select_related("appointment", "group"), uuid=uuid)
    membership = (
        memberships_of_account(user).filter(group=meeting.group_id).select_related("client").first()
    )
    if membership is None:
        raise Http404
    return meeting, membership
