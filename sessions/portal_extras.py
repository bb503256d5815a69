"""Appointments that other apps keep in the calendar, in the portal's Afspraken list: an app
above sessions (groups: a Backstage group's meetings) registers a finder in its
AppConfig.ready(); sessions imports none of them (DESIGN.md §3, STYLE.md 8).

A finder gives the account's appointments, each with `portal_template`: the template that
shows it in the list (its own place, its own .ics link)."""

from collections.abc import Callable

from coaching.models import User
from sessions.models import Appointment

Finder = Callable[[User], list[Appointment]]
FINDERS: dict[str, Finder] = {}


def register_portal_appointments(name: str, finder: Finder) -> None:
    FINDERS[name] = finder


def portal_extras(account: User) -> list[Appointment]:
    return [appointment for finder in FINDERS.values() for appointment in finder(account)]
