"""The e-mail to the participants when their group stops or is deleted (every cancelled meeting
as an .ics, METHOD:CANCEL with the event's own UID, so that their calendars drop it), meets
somewhere else from now on (the meetings to come, METHOD:REQUEST, updated), or when one meeting
moves (the old time and the new, the place, its .ics updated): in each person's language; never
the reason, nor anything said or written in the group."""

import uuid
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone, translation

from coaching.dates import readable
from coaching.emails import templated_message
from coaching.models import Client, User
from sessions import ical
from sessions.models import Appointment

# The event, and whether its meetings are cancelled (else: updated).
EVENTS = {"stopped": True, "deleted": True, "place": False, "moved": False}


def meeting_appointment(coach: User, meeting: dict, *, cancelled: bool) -> Appointment:
    """The meeting's appointment as it is now (kept as plain values: after a deletion the row
    is gone), for its .ics."""
    return Appointment(
        uuid=uuid.UUID(meeting["uuid"]),
        sequence=meeting["sequence"],
        start=datetime.fromisoformat(meeting["start"]),
        end=datetime.fromisoformat(meeting["end"]),
        status=Appointment.Status.CANCELLED if cancelled else Appointment.Status.BOOKED,
        kind=Appointment.Kind.BACKSTAGE,
        mode=meeting["mode"],
        coach=coach,
        location=meeting["location"],
        video_link=meeting["video_link"],
    )


def group_notice_messages(
    event: str,
    *,
    coach: User,
    group_name: str,
    clients: list[Client],
    meetings: list[dict],
    previous: datetime | None = None,
) -> list[EmailMultiAlternatives]:
    """One e-mail per person told; of a move (`event` "moved"), `previous` is the time the
    meeting had, named with the new one."""
    cancelled = EVENTS[event]
    method = "CANCEL" if cancelled else "REQUEST"
    appointments = [
        (m["number"], meeting_appointment(coach, m, cancelled=cancelled)) for m in meetings
    ]
    place = meetings[0]["location"] if meetings else ""
    video_link = meetings[0]["video_link"] if meetings else ""
    messages = []
    for client in clients:
        for address, first_name, language in client.mail_recipients():
            with translation.override(language):
                when = [
                    readable(timezone.localtime(a.start), weekday=True, long=True, time=True)
                    for _number, a in appointments
                ]
                was = (
                    readable(timezone.localtime(previous), weekday=True, long=True, time=True)
                    if previous
                    else ""
                )
            messages.append(
                templated_message(
                    "backstage_group_notice",
                    to=address,
                    language=language,
                    context={
                        "event": event,
                        "first_name": first_name,
                        "group": group_name,
                        "coach": coach,
                        "coach_email": coach.email,
                        "meetings": when,
                        "was": was,
                        "number": appointments[0][0] if appointments else "",
                        "location": place,
                        "video_link": video_link,
                        "url": f"{settings.SITE_URL}/portaal/afspraken/",
                    },
                    attachments=[
                        (
                            f"bijeenkomst-{number}.ics",
                            ical.for_client(
                                appointment, method=method, language=language, attendee=address
                            ),
                            f"text/calendar; method={method}",
                        )
                        for number, appointment in appointments
                    ],
                )
            )
    return messages
