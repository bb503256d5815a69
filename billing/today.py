"""Draft invoices on the coach's *Vandaag*: a draft for a period that ended
before this month is work done that is not billed yet. Registered through coaching.dashboard
(trajects renders the page and cannot import billing)."""

from django.db import models
from django.db.models import Count, Window
from django.urls import reverse
from django.utils import timezone
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
    lambda at: _drafts(at).annotate(total=Window(Count("pk")))[:SHOWN],
    coach=models.BigIntegerField(),
    this_month=models.DateField(),
)


def unsent_drafts(coach: User) -> tuple[list[Invoice], int]:
    """The coach's drafts whose period is over (it ended last month, or before: those waited
    even longer), the oldest period first; the first SHOWN and how many there are, in one
    query (a count over a window)."""
    rows = DRAFTS.all(coach=coach.pk, this_month=timezone.localdate().replace(day=1))
    return rows, rows[0].total if rows else 0


def drafts_section(coach: User) -> dict | None:
    rows, total = unsent_drafts(coach)
    if not rows:
        return None
    list_rows(rows)
    for invoice in rows:  # (a translation tag a row was half of the list's rendering)
        invoice.period_text = gettext("periode %(period)s") % {"period": invoice.period}
    return {
        "invoices": rows,
        "total": total,
        "all_url": reverse("invoice_list") + f"?status={Invoice.Status.DRAFT}",
    }


def register_today() -> None:
    from coaching.dashboard import register_section

    register_section(
        "draft_invoices",
        template="billing/includes/dashboard_drafts.html",
        context=drafts_section,
        rows=_drafts,
        position="attention",
        order=60,
    )
