"""The one date filter of every page and e-mail: `{{ appointment.start|datum:"dag,tijd" }}`.

Flags, comma-separated: `tijd` (the time too), `dag` (the day of the week), `lang` (months and
weekdays written out), `jaar` (always the year; else only when it is not this year).
See coaching/dates.py. A builtin: no `{% load %}` needed.
"""

from django import template

from coaching.dates import readable

register = template.Library()


@register.filter
def datum(value, flags: str = "") -> str:
    chosen = {flag.strip() for flag in flags.split(",") if flag.strip()}
    unknown = chosen - {"tijd", "dag", "lang", "jaar"}
    if unknown:
        raise template.TemplateSyntaxError(f"datum: unknown flags {sorted(unknown)}")
    return readable(
        value,
        time="tijd" in chosen,
        weekday="dag" in chosen,
        long="lang" in chosen,
        year=True if "jaar" in chosen else None,
    )
