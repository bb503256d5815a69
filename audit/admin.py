import functools
import re

from django.apps import apps
from django.contrib import admin
from django.urls import URLResolver, get_resolver, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from coaching.admin_base import ReadOnlyAdmin

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# The words of a row's explanation (the parts of the address of a refused page, what an
# erasure removed, what a step was), for a person.
WORDS = {
    "appointment": _("afspraak"),
    "client": _("cliënt"),
    "consent": _("toestemming"),
    "entry": _("aantekening"),
    "evaluation": _("evaluatie"),
    "group": _("groep"),
    "guardian": _("ouder/verzorger"),
    "invitation": _("uitnodiging"),
    "invoice": _("factuur"),
    "line": _("factuurregel"),
    "meeting": _("bijeenkomst"),
    "message": _("bericht"),
    "quote": _("offerte"),
    "session_type": _("soort afspraak"),
    "step": _("stap"),
    "traject": _("traject"),
    "admin_history": _("beheergeschiedenis"),
    "appointments": _("afspraken"),
    "consents": _("toestemmingen"),
    "contributions": _("inbreng bij Backstage"),
    "draft_invoices": _("conceptfacturen"),
    "evaluations": _("evaluaties"),
    "guardians": _("ouders/verzorgers"),
    "invoices": _("facturen"),
    "memberships": _("Backstage-deelnames"),
    "outbox": _("verzendingen"),
    "third_parties": _("derde partijen"),
    "trajects": _("trajecten"),
    "live": _("overgestapt naar live sessies"),
    "close": _("gesprek afgesloten"),
}


@functools.cache
def _addresses() -> dict[str, str]:
    """Each page's address by its URL name (as the log keeps it), its parameters as …"""
    found = {}

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route, pattern.namespace or namespace)
            elif pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found.setdefault(name, "/" + re.sub(r"<[^>]+>|\(\?P<[^)]*\)", "…", route))

    walk(get_resolver().url_patterns, "", None)
    return found


def _search_link(value: str):
    """A key (a UUID) as a link to every row of the log that names it."""
    url = reverse("admin:audit_auditevent_changelist") + f"?q={value}"
    return format_html('<a href="{}">{}</a>', url, _("alle regels hierover"))


def detail_text(detail: str):
    """A row's explanation as a person reads it: words for its codes, links for its keys."""
    # By name, not by import: the audit log sits below the trajects app (DESIGN.md §3).
    steps = apps.get_model("trajects", "Traject").STEPS
    parts = []
    for word in detail.split():
        key, equals, value = word.partition("=")
        if equals:
            shown = _search_link(value) if UUID.fullmatch(value) else value
            parts.append(format_html("{}: {}", WORDS.get(key, key), shown))
        elif word in steps:
            parts.append(steps[word].label)
        else:
            parts.append(WORDS.get(word, word))
    return format_html_join(", ", "{}", ((part,) for part in parts)) if parts else "—"


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The whole log, to read and search; nobody changes or deletes a row (the database refuses
    it as well). Its codes are shown in words: the page as its address, a key as a link to the
    rows that name it."""

    list_display = ["at", "actor", "actor_role", "action", "what", "client", "ip", "address"]
    list_filter = ["action", "what", "actor_role", ("at", admin.DateFieldListFilter)]
    search_fields = ["=ip", "=object_id", "actor__email", "detail"]
    list_select_related = ["actor", "client"]
    # No date hierarchy: its list of years reads the whole log (17 s at 20 million rows); the
    # date filter beside the list asks nothing of the rows. A filtered list is not counted twice.
    show_full_result_count = False
    fields = [
        "at",
        "actor",
        "actor_role",
        "client",
        "action",
        "what",
        "key",
        "address",
        "ip",
        "explanation",
    ]
    readonly_fields = fields

    @admin.display(description=_("pagina"), ordering="page")
    def address(self, event):
        return _addresses().get(event.page, event.page) or "—"

    @admin.display(description=_("kenmerk"))
    def key(self, event):
        return _search_link(event.object_id) if event.object_id else "—"

    @admin.display(description=_("toelichting"))
    def explanation(self, event):
        return detail_text(event.detail)
