"""Reminders before an appointment, sent through the outbox (coaching.outbox).

Every minute the sweep asks `find_reminders` which booked appointments come within a reminder's
lead time (PRAKTIJK_REMINDER_HOURS, and PRAKTIJK_REMINDER_SECOND_HOURS when set); each becomes
one outbox row per appointment and reminder, so finding it again is a no-op. The row's subject
carries the appointment's sequence, which rises with every move: a moved appointment gets
reminders for its new time, and a reminder recorded for the old time is skipped.

Not reminded: an appointment booked or moved after the reminder's moment (its confirmation has
just gone out), one that was cancelled or has begun, and Backstage meetings (they have no
traject: groups.reminders reminds their participants). The coachee, or the parents of a child
who receive reminders, each get it in their own language, with the .ics.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from coaching.models import Send
from coaching.outbox import NO_RECIPIENT, Item, register, register_finder
from sessions.models import Appointment
from sessions.notify import appointment_message, recipients

FIRST, SECOND = "appointment_reminder", "appointment_reminder_2"
NOT_NEEDED = gettext_noop("De afspraak is verzet, geannuleerd of al begonnen.")
KINDS = (FIRST, SECOND)


def lead_times() -> list[tuple[str, timedelta]]:
    leads = [(FIRST, timedelta(hours=settings.PRAKTIJK_REMINDER_HOURS))]
    if settings.PRAKTIJK_REMINDER_SECOND_HOURS:
        leads.append((SECOND, timedelta(hours=settings.PRAKTIJK_REMINDER_SECOND_HOURS)))
    return leads


def subject_of(appointment_pk: int, sequence: int) -> str:
    return f"appointment:{appointment_pk}.{sequence}"


def parse_subject(subject: str) -> tuple[int, int]:
    pk, sequence = subject.removeprefix("appointment:").split(".")
    return int(pk), int(sequence)


def find_reminders(now: datetime) -> list[Item]:
    # In UTC: arithmetic on an aware local time is wall-clock arithmetic (wrong across DST).
    now = now.astimezone(UTC)
    items = []
    for kind, lead in lead_times():
        due = Appointment.objects.filter(
            status=Appointment.Status.BOOKED,
            traject__isnull=False,
            start__gt=now,
            start__lte=now + lead,
            updated_at__lte=F("start") - lead,
        ).values_list("pk", "sequence", "start")
        items += [(subject_of(pk, sequence), kind, start - lead) for pk, sequence, start in due]
    return items


def compose_reminders(sends: list[Send]) -> dict[int, list[EmailMessage]]:
    """The reminders of a chunk, with the appointments and their people in three queries."""
    wanted = {send.pk: parse_subject(send.subject) for send in sends}
    appointments = {
        appointment.pk: appointment
        for appointment in Appointment.objects.filter(pk__in=[pk for pk, _ in wanted.values()])
        .select_related("coach", "traject__client__account")
        .prefetch_related("traject__client__guardians__account")
    }
    now = timezone.now()
    result = {}
    for send in sends:
        pk, sequence = wanted[send.pk]
        appointment = appointments.get(pk)
        if (
            appointment is None
            or appointment.status != Appointment.Status.BOOKED
            or appointment.sequence != sequence  # moved since: a reminder for the new time
            or appointment.start <= now
        ):
            result[send.pk] = NOT_NEEDED
            continue
        send.client_id = appointment.traject.client_id  # whom it concerns (the coach's list)
        result[send.pk] = [
            appointment_message(
                appointment, "reminder", address=address, first_name=name, language=language
            )
            for address, name, language in recipients(appointment)
        ] or NO_RECIPIENT
    return result


def reminders_of(appointment: Appointment):
    """What the coach sees on the appointment: the reminders recorded for it, at any of its
    times, with their state and when they went out."""
    # Exact subjects (one per time the appointment had), so the unique index is used.
    subjects = [
        subject_of(appointment.pk, sequence) for sequence in range(appointment.sequence + 1)
    ]
    return Send.objects.filter(subject__in=subjects, kind__in=KINDS).order_by("due_at")


def reminders_to_come(appointment: Appointment, recorded, now: datetime | None = None) -> list:
    """What the coach sees for each reminder not recorded yet of a booked appointment still to
    come, by the finder's own rule: (kind of line, its moment, its lead in hours).

    - "confirmation": booked or moved after the reminder's moment, so none goes out (the
      confirmation was just sent; an appointment less than 24 hours away gets no reminder);
    - "later": it goes out at the moment;
    - "due": its moment has come, the next sweep (within a minute) sends it.
    """
    if appointment.status != Appointment.Status.BOOKED or appointment.traject_id is None:
        return []
    now = now or timezone.now()
    if appointment.start <= now:
        return []
    done = {
        send.kind
        for send in recorded
        if send.subject == subject_of(appointment.pk, appointment.sequence)
    }
    lines = []
    for kind, lead in lead_times():
        if kind in done:
            continue
        moment = appointment.start - lead
        hours = int(lead.total_seconds() // 3600)
        if appointment.updated_at > moment:
            lines.append(("confirmation", moment, hours))
        elif moment > now:
            lines.append(("later", moment, hours))
        else:
            lines.append(("due", moment, hours))
    return lines


def register_reminders() -> None:
    for kind in KINDS:
        register(kind, compose_reminders)
    register_finder("appointment_reminders", find_reminders)
