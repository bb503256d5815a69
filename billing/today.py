"""Draft invoices on the coach's *Vandaag*: a draft for a period that ended
before this month is work done that is not billed yet. Registered through coaching.dashboard
(trajects renders the page and cannot import billing)."""

from html import escape as _e

from django.db import models
from django.db.models import Count, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from billing.models import Invoice
from billing.rows import list_rows
from coaching.compiled import Compiled
from coaching.models import User

SHOWN = 10


def _drafts(at):
    """The coach's drafts whose period is over: it ended before `at.this_month` (the first day
    of this month; a Param of Vandaag's moment, coaching.dashboard), the oldest period first."""
    return Invoice.objects.filter(
        coach=at.coach, status=Invoice.Status.DRAFT, period_end__lt=at.this_month
    ).order_by("period_end", "pk")


DRAFTS = Compiled(
    lambda at: (
        _drafts(at)
        # What the list shows of each (billing.rows: the link and the period).
        .only("uuid", "bill_to_name", "period_start", "period_end", "issued_on")
        .annotate(total=Window(Count("pk")))[:SHOWN]
    ),
    coach=models.BigIntegerField(),
    this_month=models.DateField(),
)


def _drafts_values(coach_pk: int, today) -> dict:
    return {"coach": coach_pk, "this_month": today.replace(day=1)}


def unsent_drafts(coach: User) -> tuple[list[Invoice], int]:
    """The coach's drafts whose period is over (it ended last month, or before: those waited
    even longer), the oldest period first; the first SHOWN and how many there are, in one
    query (a count over a window)."""
    rows = DRAFTS.all(**_drafts_values(coach.pk, timezone.localdate()))
    return rows, rows[0].total if rows else 0


def drafts_section(coach: User) -> dict | None:
    rows, total = unsent_drafts(coach)
    if not rows:
        return None
    list_rows(rows)
    return {
        "invoices": rows,
        "rows_html": _rows_html(rows),
        "total": total,
        "all_url": reverse("invoice_list") + f"?status={Invoice.Status.DRAFT}",
    }


def _rows_html(invoices: list[Invoice]) -> SafeString:
    """The list's rows, written here rather than by the template engine (as sessions/today_html.py
    does the day's): the name billed with the invoice's link, and the period; escaped."""
    period = gettext("periode %(period)s")
    return mark_safe(  # nosec B308 B703
        "".join(
            '<li class="list-group-item d-flex flex-wrap justify-content-between gap-2">'
            f'<a href="{_e(invoice.link)}">{_e(invoice.bill_to_name)}</a>'
            '<span class="small text-body-secondary">'
            f"{_e(period % {'period': invoice.period})}</span></li>"
            for invoice in invoices
        )
    )


def register_today() -> None:
    from coaching.dashboard import register_section

    register_section(
        "draft_invoices",
        template="billing/includes/dashboard_drafts.html",
        context=drafts_section,
        rows=_drafts,
        reads=lambda at: [(DRAFTS, _drafts_values(at["coach"], at["today"]))],
        position="attention",
        order=60,
    )
