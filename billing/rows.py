"""What a row of a list of invoices shows (the invoice list, the drafts on *Vandaag*), made
once a page: the link from one reversed URL, the dates with one look at today's date (a url tag
and three date filters a row were over half of the rows' rendering)."""

from django.utils import timezone

from coaching.dates import readable
from coaching.links import url_for


def list_rows(invoices) -> None:
    """Each invoice's `link`, `period` ("1 nov. – 30 nov.") and `issued` ("–": not yet). A
    list's invoices mostly share their periods (a month's, for each client): each date is
    written once."""
    link = url_for("invoice_detail")
    today = timezone.localdate()
    written: dict = {}

    def day(value) -> str:
        if value not in written:
            written[value] = readable(value, today=today)
        return written[value]

    for invoice in invoices:
        invoice.link = link(invoice.uuid)
        invoice.period = f"{day(invoice.period_start)} – {day(invoice.period_end)}"
        invoice.issued = day(invoice.issued_on) or "–"
