"""What an account may reach in the billing app: a coach their own invoices, quotes and quote
requests (the admin: all), a client (or a parent) the invoices addressed to them. Any other id
is a 404, never a 403 that would confirm it exists (STYLE.md 4)."""

from django.shortcuts import get_object_or_404

from billing.models import Invoice, InvoiceLine, PackagePurchase, Quote, QuoteRequest
from coaching.models import User


def invoice_of_staff(user: User, uuid) -> Invoice:
    """A coach's own invoice (the admin's: any); another's is a 404."""
    return get_object_or_404(
        Invoice.objects.for_staff(user).select_related("credit_for", "client", "coach"), uuid=uuid
    )


def invoice_line_of_staff(user: User, uuid) -> InvoiceLine:
    return get_object_or_404(
        InvoiceLine.objects.filter(invoice__in=Invoice.objects.for_staff(user)).select_related(
            "invoice"
        ),
        uuid=uuid,
    )


def invoice_of_account(user: User, uuid) -> Invoice:
    """An invoice addressed to this account (the client, or a parent who pays)."""
    return get_object_or_404(
        Invoice.objects.for_account(user).select_related("credit_for", "client"), uuid=uuid
    )


def quote_of_staff(user: User, uuid) -> Quote:
    return get_object_or_404(
        Quote.objects.for_staff(user).select_related("organisation", "tariff", "request"),
        uuid=uuid,
    )


def quote_request_of_staff(user: User, uuid) -> QuoteRequest:
    """A request the coach answers (the admin's: any); another coach's is a 404."""
    return get_object_or_404(
        QuoteRequest.objects.for_staff(user).with_state().select_related("coach"), uuid=uuid
    )


def purchase_of_coach(user: User, uuid) -> PackagePurchase:
    """A strippenkaart sold to one of the coach's own clients; another's is a 404."""
    return get_object_or_404(
        PackagePurchase.objects.for_coach(user).select_related("client"), uuid=uuid
    )
