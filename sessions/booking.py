"""Booking, moving and cancelling appointments without ever double-booking a coach."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from coaching.models import User
from sessions.models import Appointment
from trajects.models import Traject

SLOT_TAKEN = _("Dit tijdstip is net bezet. Kies een ander moment.")


class SlotTaken(Exception):
    """The time overlaps another appointment of the coach (maybe booked a moment ago)."""

    def __init__(self):
        super().__init__(str(SLOT_TAKEN))


def _overlaps(coach: User, start: datetime, end: datetime, *, exclude=None) -> bool:
    others = Appointment.objects.for_coach(coach).active().overlapping(start, end)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    return others.exists()


def appointment_book(
    *,
    coach: User,
    start: datetime,
    end: datetime,
    kind: str,
    mode: str,
    by: User | None,
    traject: Traject | None = None,
    session_type=None,
    video_link: str = "",
    location: str = "",
) -> Appointment:
    """Put an appointment in the coach's calendar, or raise SlotTaken.

    Two requests for the same time at the same moment: on PostgreSQL both may pass the check,
    but the exclusion constraint lets only one commit (the other's IntegrityError becomes
    SlotTaken). On SQLite the transaction starts with the write lock (IMMEDIATE), so the second
    request waits and then sees the first one's appointment in its check.
    """
    try:
        with transaction.atomic():
            if _overlaps(coach, start, end):
                raise SlotTaken
            return Appointment.objects.create(
                coach=coach, start=start, end=end, kind=kind, mode=mode, created_by=by,
                traject=traject, session_type=session_type, video_link=video_link,
                location=location,
            )  # fmt: skip
    except IntegrityError as error:
        if "appointment_no_overlap" in str(error):
            raise SlotTaken from error
        raise


def appointment_move(*, appointment: Appointment, start: datetime, end: datetime) -> Appointment:
    """Move to another time: the same event (UID) with a higher sequence for calendars."""
    try:
        with transaction.atomic():
            locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
            if _overlaps(locked.coach, start, end, exclude=locked):
                raise SlotTaken
            locked.start, locked.end = start, end
            locked.sequence += 1
            locked.save(update_fields=["start", "end", "sequence", "updated_at"])
            return locked
    except IntegrityError as error:
        if "appointment_no_overlap" in str(error):
            raise SlotTaken from error
        raise
