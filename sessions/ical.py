"""iCalendar (RFC 5545) for appointments: one event per appointment, the same UID for its whole
life, a SEQUENCE that rises with every change, and METHOD REQUEST or CANCEL in e-mails."""

from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone, translation
from icalendar import Calendar, Event, vCalAddress, vText

from coaching.models import User
from sessions.models import Appointment


def uid(appointment: Appointment) -> str:
    return f"{appointment.uuid}@praktijk"


def _calendar(method: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.PRAKTIJK_NAME}//Praktijk//NL")
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    return calendar


def _event(
    appointment: Appointment, *, summary: str, cancelled: bool, private: bool = False
) -> Event:
    event = Event()
    event.add("uid", uid(appointment))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("summary", summary)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if private and appointment.kind != Appointment.Kind.BACKSTAGE:
        # The coach's feed lands in calendar apps outside the practice: no address, no link.
        # (A Backstage meeting's place is the group's, a room or a video link, not a client's
        # address: it is in the feed too.)
        event.add("location", appointment.get_mode_display())
        return event
    where = appointment.location or appointment.video_link or appointment.get_mode_display()
    event.add("location", where)
    if appointment.video_link:
        event.add("url", appointment.video_link)
    return event


def _cancelled(appointment: Appointment) -> bool:
    return appointment.status in (Appointment.Status.CANCELLED, Appointment.Status.CANCELLED_LATE)


def for_client(
    appointment: Appointment,
    *,
    method: str = "PUBLISH",
    language: str = "nl",
    attendee: str = "",
) -> bytes:
    """The coachee's (or parent's) copy: what and with whom, nothing from the dossier. In an
    e-mail (REQUEST or CANCEL) it is an invitation from the practice to the recipient, which
    calendar programs need to apply updates and cancellations (RFC 5546)."""
    with translation.override(language):
        summary = f"{appointment.get_kind_display()} – {appointment.coach}"
    calendar = _calendar(method)
    event = _event(appointment, summary=summary, cancelled=_cancelled(appointment))
    if attendee:
        organizer = vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
        organizer.params["cn"] = vText(settings.PRAKTIJK_NAME)
        event.add("organizer", organizer)
        guest = vCalAddress(f"mailto:{attendee}")
        guest.params["partstat"] = vText("ACCEPTED")
        event.add("attendee", guest)
    calendar.add_component(event)
    return calendar.to_ical()


def coach_feed(coach: User) -> bytes:
    """The coach's private feed: the past month and the coming year. Clients appear by their
    initials only: the feed ends up in calendar apps outside the practice."""
    now = timezone.now()
    appointments = (
        Appointment.objects.for_coach(coach)
        .filter(start__gte=now - timedelta(days=31), start__lte=now + timedelta(days=366))
        .select_related("traject__client")
    )
    calendar = _calendar()
    calendar.add("x-wr-calname", f"{settings.PRAKTIJK_NAME} – {coach}")
    for appointment in appointments:
        client = appointment.client
        initials = f" – {client.first_name[:1]}.{client.last_name[:1]}." if client else ""
        calendar.add_component(
            _event(
                appointment,
                summary=f"{appointment.get_kind_display()}{initials}",
                cancelled=_cancelled(appointment),
                private=True,
            )
        )
    return calendar.to_ical()
