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
from sessions.models.external import CalendarFeed, ExternalBusy
from sessions.models.waitlist import Daypart, WaitlistOffer, WaitlistRequest

__all__ = [
    "ACTIVE_STATUSES",
    "CLIENT_SIDE",
    "FEE_STATUSES",
    "Appointment",
    "CancelledBy",
    "ExternalBusy",
    "AvailabilityException",
    "BookingRules",
    "CalendarFeed",
    "Daypart",
    "Mode",
    "SessionType",
    "WaitlistOffer",
    "WaitlistRequest",
    "WorkingHours",
]
