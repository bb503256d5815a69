"""Everything on the calendar: appointments, session types, and when a coach can be booked."""

from sessions.models.appointments import (
    ACTIVE_STATUSES,
    CLIENT_SIDE,
    FEE_STATUSES,
    Appointment,
    CancelledBy,
    Mode,
    SessionType,
)
from sessions.models.availability import AvailabilityException, BookingRules, WorkingHours

__all__ = [
    "ACTIVE_STATUSES",
    "CLIENT_SIDE",
    "FEE_STATUSES",
    "Appointment",
    "CancelledBy",
    "AvailabilityException",
    "BookingRules",
    "Mode",
    "SessionType",
    "WorkingHours",
]
