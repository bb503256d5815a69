from smtplib import SMTPException

from celery import shared_task

from coaching.dates import readable
from sessions.models import Appointment


@shared_task(
    # At most once (sending is not idempotent; the reminders issue adds claimed sends).
    acks_late=False,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    max_retries=5,
)
def send_appointment_mail(
    appointment_pk: int, event: str, previous_start: str | None = None
) -> None:
    """`previous_start`: of a move, the time it had (ISO 8601), which the e-mail names."""
    from sessions.notify import appointment_mail

    appointment = (
        Appointment.objects.select_related("coach", "traject__client__account")
        .prefetch_related("traject__client__guardians__account")
        .filter(pk=appointment_pk)
        .first()
    )
    if appointment is not None:
        appointment_mail(appointment, event, previous=_moment(previous_start))


def _moment(value: str | None):
    from datetime import datetime

    return datetime.fromisoformat(value) if value else None


@shared_task(
    acks_late=False,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    max_retries=5,
)
def send_kennismaking_mails(
    traject_pk: int, appointment_pk: int | None, language: str = "nl"
) -> None:
    from sessions.prospects import kennismaking_mails
    from trajects.models import Traject

    traject = Traject.objects.select_related("client__coach").filter(pk=traject_pk).first()
    if traject is None:
        return
    appointment = Appointment.objects.filter(pk=appointment_pk).first() if appointment_pk else None
    kennismaking_mails(traject, appointment, language)


@shared_task(
    acks_late=False,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    max_retries=5,
)
def send_coach_notice(appointment_pk: int, event: str, previous_start: str | None = None) -> None:
    """The coach hears that a coachee booked, moved or cancelled online (no dossier content);
    of a move, the old time (`previous_start`, ISO 8601) and the new one."""
    from django.utils import timezone, translation

    from coaching.emails import send_templated

    appointment = (
        Appointment.objects.select_related("coach", "traject__client")
        .filter(pk=appointment_pk)
        .first()
    )
    if appointment is None:
        return
    coach = appointment.coach
    previous = _moment(previous_start)
    with translation.override(coach.language):
        when = readable(timezone.localtime(appointment.start), weekday=True, long=True, time=True)
        was = readable(timezone.localtime(previous), weekday=True, long=True, time=True)
    send_templated(
        "coach_notice",
        to=coach.email,
        language=coach.language,
        context={
            "coach": coach,
            "appointment": appointment,
            "event": event,
            "when": when,
            "was": was if previous else "",
        },
    )
