"""Everything on the calendar: appointments, session types, and when a coach can be booked."""

from sessions.models.appointments import ACTIVE_STATUSES, Appointment, Mode, SessionType
from sessions.models.availability import AvailabilityException, BookingRules, WorkingHours

__all__ = [
    "ACTIVE_STATUSES",
    "Appointment",
    "AvailabilityException",
    "BookingRules",
    "Mode",
    "SessionType",
    "WorkingHours",
]
