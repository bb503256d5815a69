"""The traject's timeline as HTML, built here rather than in the template (traject_detail.html
places it): its steps and dossier entries, each entry with its earlier versions. A dossier
grows by an entry a session, and through the template engine (two or three date filters, two
translations with their values and a URL each) an entry cost a third of one of the page's
queries, three times what it costs here: a dossier of forty entries more than all of them.
The markup is what the template made.

As in sessions/grid_html.py, every value from the database or a translation is escaped with
`_e` (the standard library's html.escape, which django.utils.html.escape runs)."""

from datetime import date
from html import escape as _e

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from coaching.dates import readable
from trajects.html_parts import lines, url_for
from trajects.models import DossierEntry, DossierEntryVersion, TrajectEvent


def timeline_html(timeline: list[tuple[str, date, TrajectEvent | DossierEntry]]) -> SafeString:
    """The items of the timeline's list, newest first: ("step", day, event) and ("entry", day,
    entry), the entries from dossier_entries (with their `version_list`)."""
    correct_url = url_for("entry_correct")
    by_website = gettext("via de website")
    items = []
    for kind, day, item in timeline:
        day_text = _e(readable(day))
        if kind == "step":
            border, anchor = "border-primary", ""
            text = _step(item)
        else:
            border, anchor = "border-secondary-subtle", f' id="entry-{item.uuid}"'
            text = _entry(item, day_text, correct_url(item.uuid), by_website)
        items.append(
            f'\n          <li class="border-start border-3 {border} ps-3 pb-3"{anchor}>\n'
            f'            <div class="small text-body-secondary">{day_text}</div>\n'
            f"            {text}\n"
            f"          </li>\n        "
        )
    return mark_safe("".join(items))  # nosec B308 B703


def _step(event: TrajectEvent) -> str:
    by = f", {_e(str(event.by))}" if event.by else ""
    note = f"<div>{lines(event.note)}</div>" if event.note else ""
    return (
        f"\n              <strong>{_e(str(event.label))}</strong> "
        f'<span class="small">({_e(event.get_source_display())} → '
        f"{_e(event.get_target_display())}{by})</span>\n"
        f"              {note}\n"
        f"            "
    )


def _entry(entry: DossierEntry, day_text: str, correct_url: str, by_website: str) -> str:
    current, *earlier = entry.version_list
    kind_text = _e(entry.get_kind_display())
    party = f" – {_e(entry.third_party.name)}" if entry.third_party else ""
    place = f" – {_e(entry.get_location_display())}" if entry.location else ""
    written = gettext("%(by)s, %(when)s") % _by_and_when(current, by_website)
    correct = _e(gettext("Corrigeren"))
    return (
        f"\n              \n"
        f"                <strong>{kind_text}</strong>{party}{place}\n"
        f'                <div class="mt-1">{lines(current.text)}</div>\n'
        f'                <div class="small text-body-secondary">\n'
        f"                  {written}\n"
        f'                  · <a href="{_e(correct_url)}">{correct}<span class="visually-hidden">'
        f" – {kind_text} {day_text}</span></a>\n"
        f"                </div>\n"
        f"                {_earlier(earlier, by_website)}\n"
        f"              \n"
        f"            "
    )


def _earlier(versions: list[DossierEntryVersion], by_website: str) -> str:
    """The earlier versions, newest first, folded away."""
    if not versions:
        return ""
    count = len(versions)
    summary = ngettext("%(counter)s eerdere versie", "%(counter)s eerdere versies", count) % {
        "counter": count
    }
    shown = []
    for version in versions:
        heading = gettext("Versie %(number)s – %(by)s, %(when)s") % _by_and_when(
            version, by_website, number=True
        )
        shown.append(
            f"\n                      "
            f'<div class="border rounded p-2 mt-1 bg-body-tertiary">\n'
            f'                        <div class="text-body-secondary">{heading}</div>\n'
            f"                        {lines(version.text)}\n"
            f"                      </div>\n"
            f"                    "
        )
    return (
        f'\n                  <details class="small mt-1">\n'
        f"                    <summary>{summary}</summary>\n"
        f"                    {''.join(shown)}\n"
        f"                  </details>\n"
        f"                "
    )


def _by_and_when(version: DossierEntryVersion, by_website: str, *, number: bool = False) -> dict:
    values = {
        "by": _e(str(version.created_by) if version.created_by else by_website),
        "when": _e(readable(version.created_at, time=True)),
    }
    if number:
        values["number"] = version.number
    return values
