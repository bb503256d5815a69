"""Keeping a coach's busy times from their own calendars (CalendarFeed) up to date.

Every 15 minutes beat hands each address to a worker (sessions.tasks). A refresh fetches the
address (sessions.fetch: a conditional GET), reads it (sessions.busy) from now to the end of
the booking horizon, and replaces that feed's busy times in one transaction. A failure (the
address not answering, an error, a file that is no calendar) is written on the feed, with when
it last succeeded, and leaves the busy times already known as they were: a calendar that is
away for an hour does not open the coach's agenda to bookings.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sessions.busy import UnreadableCalendar, busy_intervals
from sessions.fetch import FetchError, fetch
from sessions.models import BookingRules, CalendarFeed, ExternalBusy


def horizon(feed: CalendarFeed) -> timedelta:
    """How far ahead busy times are kept: the coach's booking horizon and a day."""
    return BookingRules.for_coach(feed.coach).max_ahead + timedelta(days=1)


def refresh(feed: CalendarFeed) -> bool:
    """Fetches and stores the feed's busy times; False (and the reason on the feed) if not."""
    now = timezone.now()
    try:
        fetched = fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        intervals = None
        if fetched.body is not None:
            # From the start of today: an appointment of this morning still counts.
            start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
            intervals = busy_intervals(fetched.body, start, now + horizon(feed))
    except (FetchError, UnreadableCalendar) as error:
        reason = str(error) if isinstance(error, FetchError) else _unreadable()
        CalendarFeed.objects.filter(pk=feed.pk).update(last_error_at=now, last_error=reason[:300])
        return False
    with transaction.atomic():
        if intervals is not None:
            ExternalBusy.objects.filter(feed=feed).delete()
            ExternalBusy.objects.bulk_create(
                ExternalBusy(feed=feed, coach_id=feed.coach_id, starts_at=start, ends_at=end)
                for start, end in intervals
            )
        CalendarFeed.objects.filter(pk=feed.pk).update(
            etag=fetched.etag[:200],
            last_modified=fetched.last_modified[:100],
            last_success_at=now,
            last_error="",
        )
    return True


def _unreadable() -> str:
    return _("Op dit adres staat geen agenda die te lezen is (iCalendar, .ics).")
