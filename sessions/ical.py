"""iCalendar (RFC 5545) for appointments: one event per appointment, the same UID for its whole
life, a SEQUENCE that rises with every change, and METHOD REQUEST or CANCEL in e-mails."""

from datetime import UTC, timedelta
from email.utils import parseaddr
from functools import lru_cache

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from icalendar import Calendar, Conference, Event, vCalAddress, vText
from icalendar.parser.string import _escape_char, _foldline  # (the public names warn)

from coaching.models import User
from sessions.labels import kind_label, mode_label
from sessions.models import Appointment

JOIN_BY_VIDEO = _("Deelnemen via video")


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
    appointment: Appointment,
    *,
    summary: str,
    cancelled: bool,
    private: bool = False,
    video_label: str = "",
) -> Event:
    event = Event()
    event.add("uid", uid(appointment))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("summary", summary)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if private:
        # The coach's feed lands in calendar apps outside the practice, behind a URL that is
        # its only secret: no client's address and never a video link, not even a Backstage
        # group's (whoever has the feed could join the meeting). A Backstage meeting's room is
        # the group's, not a client's address: that one stays.
        where = appointment.kind == Appointment.Kind.BACKSTAGE and appointment.location
        event.add("location", where or appointment.get_mode_display())
        return event
    # A cancelled appointment no longer invites to its video room (the CANCEL in the e-mail,
    # a download afterwards): its place in words, no URL, no CONFERENCE.
    link = "" if cancelled else appointment.video_link
    where = appointment.location or link or appointment.get_mode_display()
    event.add("location", where)
    if link:
        event.add("url", link)
        # RFC 7986: calendar apps that know CONFERENCE show a "join" button.
        event.conferences = [Conference(link, feature="AUDIO,VIDEO", label=video_label or None)]
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
        summary = f"{kind_label(appointment)} – {appointment.coach}"
        video_label = str(JOIN_BY_VIDEO)
    if _in_utc(appointment):
        return _client_text(
            appointment, method=method, summary=summary, video_label=video_label, attendee=attendee
        )
    calendar = _calendar(method)
    event = _event(
        appointment,
        summary=summary,
        cancelled=_cancelled(appointment),
        video_label=video_label,
    )
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


# --- The coachee's copy written directly ---------------------------------------------------------
# What icalendar writes of the calendar above, line for line (the same order of properties, the
# same escaping, parameters and folding, with icalendar's own functions for those), at a tenth
# of its cost: it is in every e-mail about an appointment, a chunk of reminders writes a hundred.
# For times in UTC, as they come from the database (another time zone needs a TZID: icalendar);
# sessions/tests/test_ical.py compares the two.


def _in_utc(appointment: Appointment) -> bool:
    return appointment.start.tzinfo is UTC and appointment.end.tzinfo is UTC


def _client_text(
    appointment: Appointment, *, method: str, summary: str, video_label: str, attendee: str
) -> bytes:
    cancelled = _cancelled(appointment)
    link = "" if cancelled else appointment.video_link
    # Outside the recipient's language, as _event does it.
    where = appointment.location or link or mode_label(appointment)
    event = {
        "ATTENDEE": f"{_attendee_params()}:mailto:{attendee}" if attendee else None,
        "CONFERENCE": f"{_conference_params(video_label)}:{link}" if link else None,
        "LOCATION": f":{_escape_char(where)}",
        "ORGANIZER": _organizer(settings.PRAKTIJK_NAME, settings.DEFAULT_FROM_EMAIL)
        if attendee
        else None,
        "STATUS": ":CANCELLED" if cancelled else ":CONFIRMED",
        "URL": f":{link}" if link else None,
    }
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{_escape_char(f'-//{settings.PRAKTIJK_NAME}//Praktijk//NL')}",
        *([f"METHOD:{_escape_char(method)}"] if method else []),
        "BEGIN:VEVENT",
        f"SUMMARY:{_escape_char(summary)}",
        f"DTSTART:{_utc(appointment.start)}",
        f"DTEND:{_utc(appointment.end)}",
        f"DTSTAMP:{_utc(timezone.now())}",
        f"UID:{_escape_char(uid(appointment))}",
        f"SEQUENCE:{int(appointment.sequence)}",
        *(f"{name}{value}" for name, value in sorted(event.items()) if value is not None),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(
        (line if len(line.encode()) < FOLD_AT else _foldline(line)) + "\r\n" for line in lines
    ).encode()


FOLD_AT = 75  # octets: icalendar folds a line of this length or longer


def _utc(moment) -> str:
    return (
        f"{moment.year:04}{moment.month:02}{moment.day:02}"
        f"T{moment.hour:02}{moment.minute:02}{moment.second:02}Z"
    )


@lru_cache(maxsize=1)
def _attendee_params() -> str:
    guest = vCalAddress("mailto:")
    guest.params["partstat"] = vText("ACCEPTED")
    return f";{guest.params.to_ical().decode()}"


@lru_cache(maxsize=8)
def _conference_params(label: str) -> str:
    uri = Conference("x", feature="AUDIO,VIDEO", label=label or None).to_uri()
    return f";{uri.params.to_ical().decode()}"


@lru_cache(maxsize=8)
def _organizer(name: str, from_email: str) -> str:
    organizer = vCalAddress(f"mailto:{parseaddr(from_email)[1]}")
    organizer.params["cn"] = vText(name)
    return f";{organizer.params.to_ical().decode()}:{organizer}"
