import logging

from celery import shared_task
from django.utils import timezone

from coaching.models import Role, User
from reports import stored
from reports.periods import Period, month_shift
from reports.sections import SECTIONS, Scope

log = logging.getLogger(__name__)


@shared_task(soft_time_limit=1800, time_limit=1900)
def count_months() -> int:
    """Nightly: the last twelve months of the practice and of every coach counted afresh and
    stored (reports.stored), so that the day's first report reads stored months, and so that a
    month is never wrong for longer than a night, whatever a mark could have missed (two
    transactions that move a client to another coach and write to them at the same moment).
    Returns how many reports were counted."""
    this_month = timezone.localdate().replace(day=1)
    period = Period(month_shift(this_month, -11), this_month)
    coaches = [None, *User.objects.filter(role=Role.COACH).order_by("pk")]
    for coach in coaches:
        stored.figures(Scope(period=period, coach=coach), list(SECTIONS), afresh=True)
    log.info("Reports: twelve months of %d coach(es) and the practice counted", len(coaches) - 1)
    return len(coaches)
