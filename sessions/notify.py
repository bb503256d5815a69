"""E-mails about appointments: to the coachee, or to the parents of a child who receive
reminders; in each person's language; with the .ics; never with dossier content."""

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone, translation

from coaching.dates import readable
from coaching.emails import templated_message
from sessions import ical
from sessions.models import Appointment

# A reminder carries the same event (UID and sequence) again: calendars keep one entry.
# "room": the coach's video room changed (sessions.video_rooms): the same time, a new link.
METHOD = {
    "booked": "REQUEST",
    "moved": "REQUEST",
    "cancelled": "CANCEL",
    "reminder": "REQUEST",
    "room": "REQUEST",
}


def recipients(appointment: Appointment) -> list[tuple[str, str, str]]:
    """(address, first name, language) of everyone who hears about this appointment."""
    client = appointment.client
    return [] if client is None else client.mail_recipients()


def appointment_message(
    appointment: Appointment,
    event: str,
    *,
    address: str,
    first_name: str,
    language: str,
    previous: datetime | None = None,
) -> EmailMultiAlternatives:
    """The e-mail `appointment_<event>` to one person, in their language, with the .ics; of a
    move, `previous` is the time it had (the e-mail names the old time and the new)."""
    with translation.override(language):
        local = timezone.localtime(appointment.start)
        when = readable(local, weekday=True, long=True, time=True)
        was = (
            readable(timezone.localtime(previous), weekday=True, long=True, time=True)
            if previous
            else ""
        )
    method = METHOD[event]
    return templated_message(
        f"appointment_{event}",
        to=address,
        language=language,
        context={
            "first_name": first_name,
            "appointment": appointment,
            "when": when,
            "was": was,
            "portal_url": f"{settings.SITE_URL}/portaal/afspraken/",
        },
        attachments=[
            (
                "afspraak.ics",
                ical.for_client(appointment, method=method, language=language, attendee=address),
                f"text/calendar; method={method}",
            )
        ],
    )


def appointment_mail(
    appointment: Appointment, event: str, *, previous: datetime | None = None
) -> int:
    sent = 0
    for address, first_name, language in recipients(appointment):
        appointment_message(
            appointment,
            event,
            address=address,
            first_name=first_name,
            language=language,
            previous=previous,
        ).send()
        sent += 1
    return sent
