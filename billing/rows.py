"""What a row of a list of invoices shows (the invoice list, the drafts on *Vandaag*), made
once a page: the link from one reversed URL, the dates with one look at today's date (a url tag
and three date filters a row were over half of the rows' rendering)."""

from django.utils import timezone

from coaching.dates import readable
from coaching.links import url_for


def list_rows(invoices) -> None:
    """Each invoice's `link`, `period` ("1 nov. – 30 nov.") and `issued` ("–": not yet)."""
    link = url_for("invoice_detail")
    today = timezone.localdate()
    for invoice in invoices:
        invoice.link = link(invoice.uuid)
        invoice.period = (
            f"{readable(invoice.period_start, today=today)} – "
            f"{readable(invoice.period_end, today=today)}"
        )
        invoice.issued = readable(invoice.issued_on, today=today) or "–"
