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

The page also keeps when the coach last looked (`visit`): what is new since then (evaluations
answered) is listed as new."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, F, Q, When

from coaching.models import CoachProfile, User

POSITIONS = ("top", "attention")


@dataclass(frozen=True)
class Section:
    template: str
    context: Callable[[User], dict | None]
    position: str = "attention"
    order: int = 100


SECTIONS: dict[str, Section] = {}


def register_section(
    name: str,
    *,
    template: str,
    context: Callable[[User], dict | None],
    position: str = "attention",
    order: int = 100,
) -> None:
    if position not in POSITIONS:
        raise ValueError(f"{name}: position must be one of {POSITIONS}, not {position!r}")
    SECTIONS[name] = Section(template=template, context=context, position=position, order=order)


def sections_for(coach: User) -> dict[str, list[dict]]:
    """The sections with something to show, per position: each {"template": …, "section": its
    context}."""
    shown: dict[str, list[dict]] = {position: [] for position in POSITIONS}
    ordered = sorted(enumerate(SECTIONS.values()), key=lambda item: (item[1].order, item[0]))
    for _registered, section in ordered:
        context = section.context(coach)
        if context:
            shown[section.position].append({"template": section.template, "section": context})
    return shown


# A visit is a sitting: opening Vandaag again within the hour keeps the same "new since".
SITTING = timedelta(hours=1)
# On the very first visit, "new" is what happened in the last week.
FIRST_VISIT_LOOKS_BACK = timedelta(days=7)


def visit(profile: CoachProfile, now: datetime) -> datetime:
    """Record that the coach opened Vandaag now (one UPDATE), and return since when things count
    as new: the previous visit's moment when this opens a new sitting, else the sitting's
    "since" unchanged. The profile is the one already loaded with the user (coaching.roles)."""
    new_sitting = profile.today_seen_at is None or profile.today_seen_at < now - SITTING
    # The condition is the database's too: two tabs opening at once both see a consistent row.
    starts_a_sitting = Q(today_seen_at__isnull=True) | Q(today_seen_at__lt=now - SITTING)
    CoachProfile.objects.filter(pk=profile.pk).update(
        today_since=Case(When(starts_a_sitting, then=F("today_seen_at")), default=F("today_since")),
        today_seen_at=now,
    )
    if new_sitting:
        profile.today_since = profile.today_seen_at
    profile.today_seen_at = now
    return profile.today_since or now - FIRST_VISIT_LOOKS_BACK
