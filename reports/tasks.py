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
    """Nightly: the last twelve months of the practice and of every coach, counted where a write
    touched them or the clock moved them on (reports.stored), so that the day's first report
    reads stored months. Returns how many reports were brought up to date."""
    this_month = timezone.localdate().replace(day=1)
    period = Period(month_shift(this_month, -11), this_month)
    coaches = [None, *User.objects.filter(role=Role.COACH).order_by("pk")]
    for coach in coaches:
        stored.figures(Scope(period=period, coach=coach), list(SECTIONS))
    log.info("Reports: the last twelve months of %d coach(es) and the practice", len(coaches) - 1)
    return len(coaches)
