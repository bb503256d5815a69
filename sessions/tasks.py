from smtplib import SMTPException

from celery import shared_task

from sessions.models import Appointment


@shared_task(
    # At most once (sending is not idempotent; the reminders issue adds claimed sends).
    acks_late=False,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    max_retries=5,
)
def send_appointment_mail(appointment_pk: int, event: str) -> None:
    from sessions.notify import appointment_mail

    appointment = (
        Appointment.objects.select_related("coach", "traject__client__account")
        .filter(pk=appointment_pk)
        .first()
    )
    if appointment is not None:
        appointment_mail(appointment, event)
