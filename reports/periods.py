"""A period of whole months in the practice's time zone, and the month of a value the database
truncated."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

LOCAL = ZoneInfo(settings.TIME_ZONE)


def month_shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_of(value: date | datetime) -> date:
    """The first day of the month of a value from TruncMonth: a date (of a DateField), or an
    aware datetime at the start of a month in Amsterdam (PostgreSQL and SQLite both give one)."""
    if isinstance(value, datetime):
        value = timezone.localtime(value, LOCAL).date()
    return value.replace(day=1)


def next_midnight(day: date) -> datetime:
    """The local start of the day after `day`: when a figure counted against `day` changes."""
    after = day + timedelta(days=1)
    return datetime(after.year, after.month, after.day, tzinfo=LOCAL)


@dataclass(frozen=True)
class Period:
    first: date  # the first day of the first month
    last: date  # the first day of the last month (included)

    @property
    def count(self) -> int:
        return (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1

    @property
    def months(self) -> list[date]:
        return [month_shift(self.first, index) for index in range(self.count)]

    @property
    def end(self) -> date:
        """The first day after the period."""
        return month_shift(self.last, 1)

    @property
    def start_at(self) -> datetime:
        """The period's first moment, in Amsterdam (a month starts at local midnight)."""
        return datetime(self.first.year, self.first.month, 1, tzinfo=LOCAL)

    @property
    def end_at(self) -> datetime:
        return datetime(self.end.year, self.end.month, 1, tzinfo=LOCAL)

    def slug(self) -> str:
        return f"{self.first:%Y-%m}-tot-en-met-{self.last:%Y-%m}"
