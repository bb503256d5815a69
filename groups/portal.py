"""A participant's Backstage meetings among their appointments in the portal (registered with
sessions.portal_extras): each with the group's place and an .ics only a member can fetch."""

from django.urls import reverse
from django.utils import timezone

from coaching.models import Client, User
from groups.models import Meeting, Membership
from sessions.models import Appointment

TEMPLATE = "groups/includes/portal_meeting.html"


def portal_meetings(account: User) -> list[Appointment]:
    """The meetings of the groups the account's clients take part in (or took part in until
    the group stopped), from the day they joined. Two queries."""
    joined = {}
    for group, day in (
        Membership.objects.seen_by_participant()
        .filter(client__in=Client.objects.for_account(account))
        .values_list("group_id", "joined_on")
    ):
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
