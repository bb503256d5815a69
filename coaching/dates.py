"""Dates as a person reads them, the same on every page and in every e-mail.

Dutch: "2 dec.", "wo 2 dec. 14:00", "woensdag 2 december"; the year only when it is not this
year: "23 okt. 2025". English: "Dec. 2", "Wed Dec. 2, 14:00", "Wednesday December 2", "Oct. 23,
2025". Times in the practice's time zone (Europe/Amsterdam). In templates: the `datum` filter
(coaching/templatetags/dates.py, loaded everywhere); in Python: `readable()`.
"""

from datetime import date, datetime

from django.utils import dateformat, timezone
from django.utils.translation import get_language, pgettext

# The Taalunie's abbreviations (mei stays whole); English in locale/en.
_MONTHS = {
    1: lambda: pgettext("maand, afgekort", "jan."),
    2: lambda: pgettext("maand, afgekort", "feb."),
    3: lambda: pgettext("maand, afgekort", "mrt."),
    4: lambda: pgettext("maand, afgekort", "apr."),
    5: lambda: pgettext("maand, afgekort", "mei"),
    6: lambda: pgettext("maand, afgekort", "jun."),
    7: lambda: pgettext("maand, afgekort", "jul."),
    8: lambda: pgettext("maand, afgekort", "aug."),
    9: lambda: pgettext("maand, afgekort", "sep."),
    10: lambda: pgettext("maand, afgekort", "okt."),
    11: lambda: pgettext("maand, afgekort", "nov."),
    12: lambda: pgettext("maand, afgekort", "dec."),
}


def readable(
    value: date | datetime | None,
    *,
    time: bool = False,
    weekday: bool = False,
    long: bool = False,
    year: bool | None = None,
    today: date | None = None,
) -> str:
    """`value` for a person: with the time (`time`), the day of the week (`weekday`), months
    and weekdays written out (`long`); the year when it is not this year, or as `year` says."""
    if value is None or value == "":
        return ""
    # Pages write many dates: the time zone is looked up once (localtime() and localdate()
    # would each look it up again).
    zone = timezone.get_current_timezone()
    moment = None
    if isinstance(value, datetime):
        moment = value.astimezone(zone) if timezone.is_aware(value) else value
        day = moment.date()
    else:
        day = value
    if year is None:
        today = today or timezone.now().astimezone(zone).date()
        show_year = day.year != today.year
    else:
        show_year = year
    english = (get_language() or "nl").startswith("en")
    month = dateformat.format(day, "F") if long else _MONTHS[day.month]()
    if english:
        text = f"{month} {day.day}" + (f", {day.year}" if show_year else "")
    else:
        text = f"{day.day} {month}" + (f" {day.year}" if show_year else "")
    if weekday:
        text = f"{dateformat.format(day, 'l' if long else 'D')} {text}"
    if time and moment is not None:
        text += (", " if english and show_year else " ") + f"{moment:%H:%M}"
    return text
