"""The calendar's background work: the busy times of the coaches' own calendars (sessions.feeds)."""

from celery import shared_task

from sessions.feeds import refresh
from sessions.models import CalendarFeed


@shared_task
def refresh_calendar_feeds() -> int:
    """Every PRAKTIJK_CALENDAR_FEED_MINUTES from beat: each address to a worker of its own, so
    that a slow one holds up no other."""
    ids = list(CalendarFeed.objects.values_list("pk", flat=True))
    for pk in ids:
        refresh_calendar_feed.delay(pk)
    return len(ids)


@shared_task(acks_late=True, soft_time_limit=45, time_limit=60)
def refresh_calendar_feed(feed_id: int) -> bool:
    """Idempotent: fetching again only replaces the busy times with the same ones."""
    feed = CalendarFeed.objects.select_related("coach").filter(pk=feed_id).first()
    return refresh(feed) if feed is not None else False
