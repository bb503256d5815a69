"""Draft invoices on the coach's *Vandaag*: a draft for a period that ended
before this month is work done that is not billed yet. Registered through coaching.dashboard
(trajects renders the page and cannot import billing)."""

from django.db.models import Count, Window
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice
from coaching.models import User

SHOWN = 10


def unsent_drafts(coach: User) -> tuple[list[Invoice], int]:
    """The coach's drafts whose period is over (it ended last month, or before: those waited
    even longer), the oldest period first; the first SHOWN and how many there are, in one
    query (a count over a window)."""
    this_month = timezone.localdate().replace(day=1)
    rows = list(
        Invoice.objects.filter(coach=coach, status=Invoice.Status.DRAFT, period_end__lt=this_month)
        .annotate(total=Window(Count("pk")))
        .order_by("period_end", "pk")[:SHOWN]
    )
    return rows, rows[0].total if rows else 0


def drafts_section(coach: User) -> dict | None:
    rows, total = unsent_drafts(coach)
    if not rows:
        return None
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
        position="attention",
        order=60,
    )
