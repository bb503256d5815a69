"""The report's figures per month, read from those stored (reports.models.MonthFigures) where they
still hold and counted again where not.

A stored month no longer holds when a write touched what it counts (the database's triggers left
a mark, reports/triggers.py), when the clock passed the moment its figures change by time alone
(its `fresh_until`: a message's answer deadline, an invoice's due date, a card's last day), or when
it was counted at a later "now" than the one asked for. The marks are applied first: the months
they name are deleted, for the coach and for the practice. Then each section's missing months are
counted with the section's own aggregate over the range they span (all of them in one round trip
on PostgreSQL) and stored.

All of it runs in one transaction under one lock (PostgreSQL: an advisory lock; SQLite: the
write lock its IMMEDIATE transactions take), so that figures counted before a write can never be
stored after that write's mark was applied: the mark is applied either before they are counted
(and they include the write) or by the next report (and they are counted again)."""

import functools
import hashlib
import inspect
import zlib
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q

from coaching.compiled import together
from reports.models import PRACTICE, MonthFigures
from reports.periods import Period
from reports.sections import SECTIONS, Row, Scope, Section
from reports.triggers import SOURCES

LOCK = zlib.crc32(b"reports.stored")


def figures(
    scope: Scope, sections: list[Section], *, afresh: bool = False
) -> dict[str, dict[date, Row]]:
    """Each section's summed figures for every month of the scope's period; `afresh`: every
    month counted again (the nightly task), whatever is stored."""
    coach = scope.coach.pk if scope.coach is not None else PRACTICE
    months = scope.period.months
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
        apply_touched()
        held = {} if afresh else _held(scope, coach, sections)
        missing = {
            section: [month for month in months if (section.key, month) not in held]
            for section in sections
        }
        missing = {section: wanted for section, wanted in missing.items() if wanted}
        if missing:
            held.update(_count(scope, coach, missing))
    return {
        section.key: {month: held[section.key, month] for month in months} for section in sections
    }


def apply_touched() -> int:
    """Delete the stored months that the triggers' marks name (the coach's and the practice's);
    returns how many marks there were."""
    with connection.cursor() as cursor:
        # Through the primary key first: after a bulk import's marks were applied the table is
        # full of dead rows until it is vacuumed, and the DELETE would read them all, each time
        # (30 ms a report after a large practice was seeded).
        cursor.execute("SELECT id FROM reports_touched ORDER BY id LIMIT 1")
        if cursor.fetchone() is None:
            return 0
        cursor.execute("DELETE FROM reports_touched RETURNING coach, day, source")
        marks = cursor.fetchall()
    if not marks:
        return 0
    # section -> coach (None: every coach; PRACTICE: the practice) -> months (None: every one).
    stale: dict[str, dict[int | None, set[date | None]]] = {}
    for coach, day, source in marks:
        months = _months_of(day)
        for section in SOURCES[source].sections:
            by_coach = stale.setdefault(section, {})
            for who in (coach, PRACTICE):
                by_coach.setdefault(who, set()).update(months)
    # One DELETE per section, a condition per coach (not per month: SQLite refuses an
    # expression of a thousand terms, and a bulk import of years of history marks every month).
    for section, by_coach in stale.items():
        rows = MonthFigures.objects.filter(section=section)
        if None in by_coach.get(None, ()):  # every month of every coach
            rows.delete()
            continue
        condition = Q()
        for coach, months in by_coach.items():
            where = Q(pk__isnull=False) if coach is None else Q(coach=coach)
            if None not in months:
                where &= Q(month__in=sorted(months))
            condition |= where
        rows.filter(condition).delete()
    return len(marks)


def _months_of(day: date | str | None) -> list[date | None]:
    """The local months a marked day may fall in: a UTC day's last hours are the next local day."""
    if day is None:
        return [None]
    if isinstance(day, str):  # SQLite's cursor gives the text
        day = date.fromisoformat(day)
    return sorted({day.replace(day=1), (day + timedelta(days=1)).replace(day=1)})


def _held(scope: Scope, coach: int, sections: list[Section]) -> dict[tuple[str, date], Row]:
    """The stored months of the period that still hold."""
    rows = MonthFigures.objects.filter(
        coach=coach,
        section__in=[section.key for section in sections],
        month__gte=scope.period.first,
        month__lt=scope.period.end,
        counted_at__lte=scope.now,
    ).exclude(fresh_until__lte=scope.now)
    by_key = {section.key: section for section in sections}
    return {
        (key, month): _loaded(by_key[key], figures)
        for key, month, figures, counted_by in rows.values_list(
            "section", "month", "figures", "version"
        )
        if counted_by == version(by_key[key])
    }


def version(section: Section) -> str:
    """A fingerprint of what counts a section's months: its columns and the code of its query,
    its collect and its clock (once per process)."""
    return _version(section.key)


@functools.cache
def _version(key: str) -> str:
    section = next(section for section in SECTIONS if section.key == key)
    code = [inspect.getsource(f) for f in (section.query, section.collect, section.until)]
    columns = [(column.key, column.kind, column.derived) for column in section.columns]
    return hashlib.sha256(repr((columns, code)).encode()).hexdigest()[:16]


def _count(scope: Scope, coach: int, missing: dict[Section, list[date]]) -> dict:
    """Count each section's missing months again (the range from the first to the last of them)
    and store them; returns them as _held does."""
    scopes = {
        section: Scope(period=Period(min(wanted), max(wanted)), coach=scope.coach, now=scope.now)
        for section, wanted in missing.items()
    }
    counted, stored = {}, []
    with together(section.call(part) for section, part in scopes.items()):
        for section, part in scopes.items():
            found = section.figures(part)
            for month in part.period.months:
                row = {**empty(section), **found.get(month, {})}
                fresh_until = section.until(month, row, part)
                counted[section.key, month] = row
                stored.append(
                    MonthFigures(
                        coach=coach,
                        section=section.key,
                        version=version(section),
                        month=month,
                        figures=row,
                        counted_at=scope.now,
                        fresh_until=fresh_until,
                    )
                )
    MonthFigures.objects.bulk_create(
        stored,
        update_conflicts=True,
        unique_fields=["coach", "section", "month"],
        update_fields=["figures", "version", "counted_at", "fresh_until"],
    )
    return counted


def empty(section: Section) -> Row:
    """A month without rows: every summed figure 0."""
    zero = {"money": Decimal("0.00"), "hours": 0.0, "days": 0}
    return {c.key: zero.get(c.kind, 0) for c in section.columns if not c.derived}


def _loaded(section: Section, figures: dict) -> Row:
    """A stored month as counted: amounts back to Decimal (the JSON holds them as text)."""
    return {
        column.key: Decimal(figures[column.key]) if column.kind == "money" else figures[column.key]
        for column in section.columns
        if not column.derived
    }
