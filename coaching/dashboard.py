"""Sections that the apps above the coach's *Vandaag* page (trajects) put on it.

*Vandaag* answers "what needs me today"; some of that lives in an app that trajects must not
import (billing's quote requests, DESIGN.md §3). Such an app registers a section in its
`AppConfig.ready()`: a template and a function that gives the template's context for a coach,
or None when there is nothing to show. The page renders the sections in the order they were
registered; each section's function keeps its own query count bounded."""

from collections.abc import Callable
from dataclasses import dataclass

from coaching.models import User


@dataclass(frozen=True)
class Section:
    template: str
    context: Callable[[User], dict | None]


SECTIONS: dict[str, Section] = {}


def register_section(name: str, *, template: str, context: Callable[[User], dict | None]) -> None:
    SECTIONS[name] = Section(template=template, context=context)


def sections_for(coach: User) -> list[dict]:
    """The sections with something to show: each {"template": …, "section": its context}."""
    shown = []
    for section in SECTIONS.values():
        context = section.context(coach)
        if context:
            shown.append({"template": section.template, "section": context})
    return shown
