"""Sections that the apps above the coach's *Vandaag* page (trajects) put on it.

*Vandaag* answers "what needs me today"; some of that lives in an app that trajects must not
import (the calendar's appointments, billing's quote requests and draft invoices, DESIGN.md §3).
Such an app registers a section in its `AppConfig.ready()`: a template, a function that gives
the template's context for a coach (or None when there is nothing to show), and where it goes:

- "top": the coach's day, above everything else (sessions: today's appointments, the days ahead);
- "attention": among the lists of what waits for the coach (quote requests, past appointments
  without an outcome, draft invoices).

Within a position the sections come by `order`, then in the order they were registered; each
section's function keeps its own query count bounded.

Most days most lists are empty. A section that lists rows can say which (`rows`: a queryset for
the coach): the page asks in one query which of its lists and sections have any
(`which_have_rows`), and reads only those. A section that says which compiled queries its
context runs (`reads`) has them read together with the page's own lists: one round trip for all.

The page also keeps when the coach last looked (`visit`): what is new since then (evaluations
answered) is listed as new.

The page's queries are compiled once per process (coaching.compiled): a section's `rows` is
built from `Param`s, not from a coach and a clock — `rows(at)` gets `at.coach`, `at.now`,
`at.today`, `at.today_start` (the local day's first moment) and `at.this_month` (its first
day), each a Param that `moment()` gives the values of."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from types import SimpleNamespace

from django.db import models
from django.db.models import Case, F, Q, QuerySet, When
from django.utils import timezone

from coaching.compiled import Compiled, update
from coaching.models import CoachProfile, User

POSITIONS = ("top", "attention")


@dataclass(frozen=True)
class Section:
    template: str
    context: Callable[[User], dict | None]
    position: str = "attention"
    order: int = 100
    # The rows the section lists, when it shows nothing without them (its context is then not
    # asked for), built from the moment's Params (see moment()); None: always asked.
    rows: Callable[[SimpleNamespace], QuerySet] | None = None
    # The compiled queries its context will run, with their values, from the moment's values
    # (moment()): the page reads them together with its own lists, in one round trip.
    reads: Callable[[dict], list[tuple[Compiled, dict]]] | None = None


SECTIONS: dict[str, Section] = {}


def register_section(
    name: str,
    *,
    template: str,
    context: Callable[[User], dict | None],
    position: str = "attention",
    order: int = 100,
    rows: Callable[[SimpleNamespace], QuerySet] | None = None,
    reads: Callable[[dict], list[tuple[Compiled, dict]]] | None = None,
) -> None:
    if position not in POSITIONS:
        raise ValueError(f"{name}: position must be one of {POSITIONS}, not {position!r}")
    SECTIONS[name] = Section(
        template=template, context=context, position=position, order=order, rows=rows, reads=reads
    )


# The values of a moment on Vandaag that every list may use, as the fields of compiled queries.
MOMENT_FIELDS = {
    "coach": models.BigIntegerField(),
    "now": models.DateTimeField(),
    "today": models.DateField(),
    "today_start": models.DateTimeField(),
    "this_month": models.DateField(),
}


def moment(coach: User, now: datetime) -> dict:
    """The values of MOMENT_FIELDS for the coach at this moment (in the current time zone)."""
    today = timezone.localdate(now)
    return {
        "coach": coach.pk,
        "now": now,
        "today": today,
        "today_start": datetime.combine(today, time.min, tzinfo=timezone.get_current_timezone()),
        "this_month": today.replace(day=1),
    }


def sections_with_rows() -> list[str]:
    """The names of the sections that list rows, in the order of `section_rows`."""
    return [name for name, section in SECTIONS.items() if section.rows]


def section_rows(at: SimpleNamespace) -> dict[str, QuerySet]:
    """The rows of each section that lists them, for `which_have_rows`."""
    return {name: section.rows(at) for name, section in SECTIONS.items() if section.rows}


def which_have_rows(
    lists: dict[str, QuerySet], counts: dict[str, QuerySet] | None = None
) -> tuple[str, list]:
    """One SELECT (its SQL and parameters) that says per named queryset whether it has a row,
    and per named count (a queryset of one value, or none: 0) its value, in that order. A
    queryset's own order_by() is kept, else none. Run it with `has_rows()`.

    Each queryset is compiled on its own and the SELECT joins them as EXISTS(...) and scalar
    subqueries; their aliases stay inside their parentheses. (As Exists() annotations Django
    would relabel every subquery's aliases into an outer query, which for this many costs more
    time than running the query.) The values are parameters, as in any compiled query."""
    counts = counts or {}
    columns, params = [], []
    for queryset in lists.values():
        if queryset.query.order_by:
            # Asked in the list's own order, for its first row: the database may then read it
            # from the index of that order, as the list does (in EXISTS it drops the order).
            sql, values = queryset.values("pk")[:1].query.sql_with_params()
            columns.append(f"(({sql}) IS NOT NULL)")
        else:
            sql, values = queryset.order_by().values("pk")[:1].query.sql_with_params()
            columns.append(f"EXISTS({sql})")
        params.extend(values)
    for queryset in counts.values():
        sql, values = queryset.query.sql_with_params()
        columns.append(f"COALESCE(({sql}), 0)")
        params.extend(values)
    return f"SELECT {', '.join(columns)}", params


def has_rows(row: tuple, lists: list[str], counts: list[str]) -> dict:
    """The row of a `which_have_rows` SELECT by name: a boolean per list, a number per count."""
    found = dict(zip([*lists, *counts], row, strict=True))
    return {name: bool(value) if name in lists else value for name, value in found.items()}


def _shown_sections(has_rows: dict | None) -> list[tuple[str, Section]]:
    """The sections whose context is asked for, in the page's order."""
    ordered = sorted(enumerate(SECTIONS.items()), key=lambda item: (item[1][1].order, item[0]))
    return [
        (name, section)
        for _registered, (name, section) in ordered
        if not (section.rows and has_rows is not None and not has_rows.get(name, True))
    ]


def section_reads(at: dict, has_rows: dict | None = None) -> list[tuple[Compiled, dict]]:
    """What the sections that will be asked for their context read (their `reads`), for
    coaching.compiled.together; `at` holds the moment's values (moment())."""
    return [
        read
        for _name, section in _shown_sections(has_rows)
        if section.reads
        for read in section.reads(at)
    ]


def sections_for(coach: User, has_rows: dict | None = None) -> dict[str, list[dict]]:
    """The sections with something to show, per position: each {"template": …, "section": its
    context}. A section that lists rows is skipped when `has_rows` (of `which_have_rows`) says
    it has none."""
    shown: dict[str, list[dict]] = {position: [] for position in POSITIONS}
    for _name, section in _shown_sections(has_rows):
        context = section.context(coach)
        if context:
            shown[section.position].append({"template": section.template, "section": context})
    return shown


# A visit is a sitting: opening Vandaag again within the hour keeps the same "new since".
SITTING = timedelta(hours=1)
# On the very first visit, "new" is what happened in the last week.
FIRST_VISIT_LOOKS_BACK = timedelta(days=7)


def visit_statement(at: SimpleNamespace) -> tuple[str, list]:
    """The UPDATE that records a visit, from Params (`at.profile`, `at.now`, `at.sitting_began`:
    now less a SITTING). The condition is the database's too: two tabs opening at once both
    see a consistent row."""
    return update(
        CoachProfile.objects.filter(pk=at.profile),
        today_since=Case(
            When(
                Q(today_seen_at__isnull=True) | Q(today_seen_at__lt=at.sitting_began),
                then=F("today_seen_at"),
            ),
            default=F("today_since"),
        ),
        today_seen_at=at.now,
    )


VISIT_FIELDS = {
    "profile": models.BigIntegerField(),
    "now": models.DateTimeField(),
    "sitting_began": models.DateTimeField(),
}
VISIT = Compiled(visit_statement, **VISIT_FIELDS)


def visit_values(profile: CoachProfile, now: datetime) -> dict:
    """The values of VISIT_FIELDS for a visit now."""
    return {"profile": profile.pk, "now": now, "sitting_began": now - SITTING}


def with_visit(select: tuple[str, list], at: SimpleNamespace) -> tuple[str, list]:
    """A SELECT (SQL and parameters) with the visit's UPDATE in its WITH: one statement, one
    round trip (PostgreSQL; the SELECT sees the tables as they were before the UPDATE, and
    does not read the coach's profile). `at` has VISIT_FIELDS's Params too."""
    update_sql, update_params = visit_statement(at)
    sql, params = select
    return f"WITH visit AS ({update_sql}) {sql}", [*update_params, *params]


def visit(profile: CoachProfile, now: datetime, *, record: bool = True) -> datetime:
    """Record that the coach opened Vandaag now (one UPDATE), and return since when things count
    as new: the previous visit's moment when this opens a new sitting, else the sitting's
    "since" unchanged. The profile is the one already loaded with the user (coaching.roles).
    `record=False`: the caller runs the UPDATE itself, in a statement of its own (`with_visit`,
    `visit_values`)."""
    new_sitting = profile.today_seen_at is None or profile.today_seen_at < now - SITTING
    if record:
        VISIT.execute(**visit_values(profile, now))
    if new_sitting:
        profile.today_since = profile.today_seen_at
    profile.today_seen_at = now
    return profile.today_since or now - FIRST_VISIT_LOOKS_BACK
