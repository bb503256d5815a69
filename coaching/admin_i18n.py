"""The Django admin's JavaScript catalog, with the Dutch that Django's own catalog lacks.

Django 6.1 gives the date widget's shortcuts and calendar a spoken name ("Today (%(date)s)"),
but its Dutch catalog has no translation of those yet: a Dutch page showed "Vandaag" and named
the link "Today (december 2, 2026)", in English and without the visible word (axe:
label-content-name-mismatch, WCAG 2.5.3). These are translations of Django's English, used
only where Django has none (once Django ships its own, that one counts)."""

from django.utils.translation import get_language
from django.views.i18n import JavaScriptCatalog

_NOTE = "Let op: vul tijden in volgens de tijdzone %%(timezone)s. (Je loopt %%(offset)s uur %s.)"

MISSING_DUTCH = {
    "Today (%(date)s)": "Vandaag (%(date)s)",
    "Yesterday (%(date)s)": "Gisteren (%(date)s)",
    "Tomorrow (%(date)s)": "Morgen (%(date)s)",
    "Previous (%(month)s %(year)s)": "Vorige maand (%(month)s %(year)s)",
    "Next (%(month)s %(year)s)": "Volgende maand (%(month)s %(year)s)",
    "%(month)s %(day)s, %(year)s": "%(day)s %(month)s %(year)s",
    "%s (today, current selection)": "%s (vandaag, gekozen)",
    "%s (today)": "%s (vandaag)",
    "%s (current selection)": "%s (gekozen)",
    # The time widget's note when the browser's time zone is not the practice's (plural: a list).
    "server": "de server",
    "Note: Enter times in the %(timezone)s timezone. (You are %(offset)s hour ahead.)": [
        _NOTE % "voor",
        _NOTE % "voor",
    ],
    "Note: Enter times in the %(timezone)s timezone. (You are %(offset)s hour behind.)": [
        _NOTE % "achter",
        _NOTE % "achter",
    ],
}


class AdminJavaScriptCatalog(JavaScriptCatalog):
    def get_catalog(self):
        catalog = super().get_catalog()
        if (get_language() or "").split("-")[0] == "nl":
            for msgid, dutch in MISSING_DUTCH.items():
                if not catalog.get(msgid):
                    catalog[msgid] = dutch
        return catalog


def admin_javascript_catalog(request, extra_context=None):
    """AdminSite.i18n_javascript, with the catalog above."""
    return AdminJavaScriptCatalog.as_view(packages=["django.contrib.admin"])(request)
