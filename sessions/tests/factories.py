"""Appointments for tests, booked the way the calendar books them."""

from datetime import datetime, timedelta

from sessions.models import Appointment
from sessions.services.booking import appointment_book


def appointment_for(
    traject,
    start: datetime,
    *,
    minutes: int = 60,
    kind: str = Appointment.Kind.SESSION,
    booked_at: datetime | None = None,
    **extra,
) -> Appointment:
    """An appointment of the traject's coach, booked through `appointment_book`; `booked_at`
    moves the moment it was booked (or last moved) back, as if it was booked days ago."""
    coach = traject.client.coach
    appointment = appointment_book(
        coach=coach,
        start=start,
        end=start + timedelta(minutes=minutes),
        kind=kind,
        mode=extra.pop("mode", "practice"),
        by=extra.pop("by", coach),
        traject=traject,
        **extra,
    )
    if booked_at is not None:
        Appointment.objects.filter(pk=appointment.pk).update(updated_at=booked_at)
        appointment.refresh_from_db()
    return appointment
