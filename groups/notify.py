"""The e-mail to the participants when their group stops or is deleted: in each person's
language, with every cancelled meeting as an .ics (METHOD:CANCEL, the event's own UID) so that
their calendars drop it; never the reason, nor anything said or written in the group."""

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

EVENTS = ("stopped", "deleted")


def cancelled_appointment(coach: User, meeting: dict) -> Appointment:
    """The meeting's appointment as it was cancelled (kept as plain values: after a deletion
    the row is gone), for its .ics."""
    return Appointment(
        uuid=uuid.UUID(meeting["uuid"]),
        sequence=meeting["sequence"],
        start=datetime.fromisoformat(meeting["start"]),
        end=datetime.fromisoformat(meeting["end"]),
        status=Appointment.Status.CANCELLED,
        kind=Appointment.Kind.BACKSTAGE,
        mode=meeting["mode"],
        coach=coach,
        location=meeting["location"],
        video_link=meeting["video_link"],
    )


def group_notice_messages(
    event: str, *, coach: User, group_name: str, clients: list[Client], meetings: list[dict]
) -> list[EmailMultiAlternatives]:
    if event not in EVENTS:
        raise ValueError(event)
    appointments = [(m["number"], cancelled_appointment(coach, m)) for m in meetings]
    messages = []
    for client in clients:
        for address, first_name, language in client.mail_recipients():
            with translation.override(language):
                when = [
                    readable(timezone.localtime(a.start), weekday=True, long=True, time=True)
                    for _number, a in appointments
                ]
            messages.append(
                templated_message(
                    "backstage_group_ended",
                    to=address,
                    language=language,
                    context={
                        "event": event,
                        "first_name": first_name,
                        "group": group_name,
                        "coach": coach,
                        "coach_email": coach.email,
                        "meetings": when,
                        "url": f"{settings.SITE_URL}/portaal/afspraken/",
                    },
                    attachments=[
                        (
                            f"bijeenkomst-{number}.ics",
                            ical.for_client(
                                appointment, method="CANCEL", language=language, attendee=address
                            ),
                            "text/calendar; method=CANCEL",
                        )
                        for number, appointment in appointments
                    ],
                )
            )
    return messages
