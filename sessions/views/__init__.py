"""The calendar's views, by who uses them."""

from sessions.views.calendar import calendar_week
from sessions.views.coach import (
    appointment_cancel_view,
    appointment_detail,
    appointment_ics,
    appointment_mark_view,
    appointment_move_view,
    appointment_new,
    appointment_no_show_view,
    appointment_waive_fee_view,
    availability,
    calendar_feed,
    calendar_feed_renew,
)
from sessions.views.portal import (
    portal_appointments,
    portal_book_view,
    portal_cancel,
    portal_reschedule,
)
from sessions.views.public import kennismaking, kennismaking_thanks
from sessions.views.waitlist import (
    coach_waitlist,
    coach_waitlist_remove,
    portal_offer,
    portal_waitlist_join,
    portal_waitlist_withdraw,
)

__all__ = [
    "appointment_cancel_view",
    "appointment_detail",
    "appointment_ics",
    "appointment_mark_view",
    "appointment_move_view",
    "appointment_new",
    "appointment_no_show_view",
    "appointment_waive_fee_view",
    "availability",
    "calendar_feed",
    "calendar_feed_renew",
    "calendar_week",
    "coach_waitlist",
    "coach_waitlist_remove",
    "kennismaking",
    "kennismaking_thanks",
    "portal_appointments",
    "portal_book_view",
    "portal_cancel",
    "portal_offer",
    "portal_reschedule",
    "portal_waitlist_join",
    "portal_waitlist_withdraw",
]
