"""E-mails about appointments, through the outbox (coaching.outbox): to the coachee, or to the
parents of a child who receive reminders; in each person's language; with the .ics; never with
dossier content. And the coach's notice when a coachee booked, moved or cancelled online.

The service that makes the change (sessions.services.booking, sessions.services.video_rooms)
records the mail in its own transaction with `appointment_notify`: a rolled-back change sends
nothing, a committed one cannot lose its mail. Each change has a subject of its own, so
recording it again is a no-op: `appointment:<pk>:booked`, `appointment:<pk>:cancelled`, and for
a move or a new video room the sequence the change gave the appointment
(`appointment:<pk>:moved:<sequence>`; it rises with every change, so moving it back and forth
again is a new mail each time).

What is sent is written when a worker sends it, from the appointment as it is then:

- a confirmation, a move or a new room of an appointment that was cancelled (or has begun) in
  the meantime is skipped: its .ics would put back in the calendar what the cancellation took
  out, and the cancellation's own mail says what holds;
- a move superseded by a later move is skipped, and the later one names, as the old time, the
  time before the first move nobody was told of; a move back to the time last told is skipped.
  A new room does not supersede a move (its mail says the time stays, which holds of the new
  time); a new room superseded by any later change is skipped: that change's mail names the
  room it has now;
- a cancellation is always sent, and so is the coach's notice (the coach hears of each change).
"""

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from coaching.dates import readable
from coaching.emails import templated_message
from coaching.models import Role, Send, User
from coaching.outbox import NO_RECIPIENT, outbox_send, register
from sessions import ical
from sessions.labels import kind_label, mode_label
from sessions.models import Appointment

# A reminder carries the same event (UID and sequence) again: calendars keep one entry.
# "room": the coach's video room changed (sessions.services.video_rooms): the same time, a new link.
METHOD = {
    "booked": "REQUEST",
    "moved": "REQUEST",
    "cancelled": "CANCEL",
    "reminder": "REQUEST",
    "room": "REQUEST",
}
# The client's mail of each change; the coach's notice shares the change's subject.
KINDS = {
    "booked": Send.Kind.APPOINTMENT_BOOKED,
    "moved": Send.Kind.APPOINTMENT_MOVED,
    "cancelled": Send.Kind.APPOINTMENT_CANCELLED,
    "room": Send.Kind.APPOINTMENT_ROOM,
}
COACH_NOTICE = Send.Kind.COACH_NOTICE
# The changes whose subject carries the sequence the change gave the appointment.
SEQUENCED = ("moved", "room")

# Why a row was skipped (Dutch, translated where it is shown).
GONE = gettext_noop("De afspraak bestaat niet meer.")
NOT_BOOKED = gettext_noop(
    "De afspraak is intussen geannuleerd of vastgelegd: het bericht daarover geldt."
)
BEGUN = gettext_noop("De afspraak is al begonnen.")
SUPERSEDED = gettext_noop(
    "De afspraak is sindsdien opnieuw gewijzigd: het bericht daarover noemt hoe die nu staat."
)
BACK_AS_TOLD = gettext_noop(
    "De afspraak is teruggezet naar de tijd uit het vorige bericht: er is niets nieuws te melden."
)


def recipients(appointment: Appointment) -> list[tuple[str, str, str]]:
    """(address, first name, language) of everyone who hears about this appointment."""
    client = appointment.client
    return [] if client is None else client.mail_recipients()


def _readable(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return readable(timezone.localtime(moment), weekday=True, long=True, time=True)


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
        when, was = _readable(appointment.start), _readable(previous)
        labels = {"kind_label": kind_label(appointment), "mode_label": mode_label(appointment)}
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
            **labels,  # what the reminder's templates show (cheaper than get_kind_display)
            "portal_url": settings.SITE_URL + reverse("portal_appointments"),
        },
        attachments=[
            (
                "afspraak.ics",
                ical.for_client(appointment, method=method, language=language, attendee=address),
                f"text/calendar; method={method}",
            )
        ],
    )


# --- Recording: in the transaction of the change ---------------------------------------------


def subject_of(appointment: Appointment, event: str) -> str:
    if event in SEQUENCED:
        return f"appointment:{appointment.pk}:{event}:{appointment.sequence}"
    return f"appointment:{appointment.pk}:{event}"


def parse_subject(subject: str) -> tuple[int, str, int | None]:
    """(appointment pk, event, sequence or None) of `appointment:<pk>:<event>[:<sequence>]`."""
    _prefix, pk, event, *sequence = subject.split(":")
    return int(pk), event, int(sequence[0]) if sequence else None


def by_client_side(by: User | None) -> bool:
    """The change was made in the portal, by the coachee or a parent (not by the coach, the
    practice or the system): the coach hears of it."""
    return by is not None and by.role == Role.CLIENT


def appointment_notify(
    appointment: Appointment, event: str, *, by: User | None = None, previous=None
) -> None:
    """Record the mails of a change (`event`: booked, moved, cancelled, room), in the caller's
    transaction: to the client's side when the appointment has a client; to the coach when the
    client's side made the change (`by`). Of a move, `previous` is the time it had."""
    client = appointment.client
    if client is None:
        return  # no client, nobody to tell (a Backstage meeting's people hear from groups)
    subject = subject_of(appointment, event)
    context = {"start": appointment.start.isoformat()}
    if previous is not None:
        context["previous_start"] = previous.isoformat()
    outbox_send(subject, KINDS[event], client=client, context=context)
    if event != "room" and by_client_side(by):
        outbox_send(subject, COACH_NOTICE, client=client, context=context)


# --- Composing: when a worker sends it ---------------------------------------------------------


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _appointments(sends: list[Send]) -> dict[int, Appointment]:
    pks = {parse_subject(send.subject)[0] for send in sends}
    return {
        appointment.pk: appointment
        for appointment in Appointment.objects.filter(pk__in=pks)
        .select_related("coach", "session_type", "traject__client__account")
        .prefetch_related("traject__client__guardians__account")
    }


def _moves(sends: list[Send], appointments: dict[int, Appointment]) -> dict[int, dict]:
    """Of the appointments the chunk moves: every move recorded, {sequence: row}, in one query
    (by exact subjects, the unique index)."""
    moved = {parse_subject(s.subject)[0] for s in sends if parse_subject(s.subject)[1] == "moved"}
    subjects = [
        f"appointment:{pk}:moved:{sequence}"
        for pk in moved
        if pk in appointments
        for sequence in range(1, appointments[pk].sequence + 1)
    ]
    found: dict[int, dict] = {}
    for row in Send.objects.filter(kind=KINDS["moved"], subject__in=subjects).only(
        "subject", "status", "context"
    ):
        pk, _event, sequence = parse_subject(row.subject)
        found.setdefault(pk, {})[sequence] = row
    return found


def _told_before(moves: dict, sequence: int) -> datetime | None:
    """The time the people were told of before this move: the time before the first of the
    moves since the last one whose mail went out (a move superseded before its mail was sent,
    or whose mail failed, never reached them)."""
    was = None
    for earlier in sorted((n for n in moves if n <= sequence), reverse=True):
        if earlier < sequence and moves[earlier].status == Send.Status.SENT:
            break
        was = moves[earlier].context.get("previous_start")
    return _moment(was)


def _why_not(
    appointment: Appointment | None, event: str, sequence: int | None, now, moves: dict
) -> str:
    """Why the client's mail of this change is no longer wanted ("" when it is). `moves`: the
    appointment's moves recorded, by sequence."""
    if appointment is None:
        return GONE
    if event == "cancelled":
        return ""
    if appointment.status != Appointment.Status.BOOKED:
        return NOT_BOOKED
    if appointment.start <= now:
        return BEGUN
    # A move is superseded by a later move only: after a new room the time it names still holds
    # (the room's mail says the time stays). A new room is superseded by any later change.
    if event == "moved" and any(later > sequence for later in moves):
        return SUPERSEDED
    if event == "room" and appointment.sequence != sequence:
        return SUPERSEDED
    return ""


def compose_appointment_mails(sends: list[Send]) -> dict[int, list[EmailMessage] | str]:
    """The clients' mails of a chunk (booked, moved, cancelled, room), with the appointments
    and their people in three queries, and the moves recorded of them in one."""
    appointments = _appointments(sends)
    moves = _moves(sends, appointments)
    now = timezone.now()
    result = {}
    for send in sends:
        pk, event, sequence = parse_subject(send.subject)
        appointment = appointments.get(pk)
        if why := _why_not(appointment, event, sequence, now, moves.get(pk, {})):
            result[send.pk] = why
            continue
        previous = None
        if event == "moved":
            previous = _told_before(moves.get(pk, {}), sequence)
            if previous == appointment.start:
                result[send.pk] = BACK_AS_TOLD
                continue
        result[send.pk] = [
            appointment_message(
                appointment,
                event,
                address=address,
                first_name=name,
                language=language,
                previous=previous,
            )
            for address, name, language in recipients(appointment)
        ] or NO_RECIPIENT
    return result


def compose_coach_notices(sends: list[Send]) -> dict[int, list[EmailMessage] | str]:
    """The coach hears that a coachee booked, moved or cancelled online (no dossier content):
    the time of the change (of a move, the old time and the new), in the coach's language."""
    appointments = _appointments(sends)
    result = {}
    for send in sends:
        pk, event, _sequence = parse_subject(send.subject)
        appointment = appointments.get(pk)
        if appointment is None:
            result[send.pk] = GONE
            continue
        coach = appointment.coach
        with translation.override(coach.language):
            when = _readable(_moment(send.context.get("start")) or appointment.start)
            was = _readable(_moment(send.context.get("previous_start")))
        result[send.pk] = [
            templated_message(
                "coach_notice",
                to=coach.email,
                language=coach.language,
                context={
                    "coach": coach,
                    "appointment": appointment,
                    "event": event,
                    "when": when,
                    "was": was,
                    "url": settings.SITE_URL + reverse("calendar_week"),
                },
            )
        ]
    return result


def register_composers() -> None:
    for kind in KINDS.values():
        register(kind, compose_appointment_mails)
    register(COACH_NOTICE, compose_coach_notices)
