"""What the pages show of the strippenkaarten: a section on the coach's page of a client
(coaching.client_page) and one on the portal's home (coaching.portal), both registered in
BillingConfig.ready(); and the sale page's context. Each answers in a fixed number of queries,
whatever the number of cards or strips."""

from collections.abc import Sequence
from datetime import date
from urllib.parse import urlencode

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from billing.models import Claim, Package, PackagePurchase, PackageUse
from billing.services.packages import packages_overview
from coaching.client_page import register_client_section
from coaching.models import Client, User
from coaching.portal import register_portal_section

CLIENT_TEMPLATE = "billing/includes/client_packages.html"
PORTAL_TEMPLATE = "billing/includes/portal_packages.html"


def _with_uses(purchases):
    return purchases.prefetch_related(
        Prefetch(
            "uses",
            queryset=PackageUse.objects.select_related("appointment").only(
                "purchase_id", "appointment__start", "appointment__status", "appointment__uuid"
            ),
        )
    )


def _invoices(purchases: list[PackagePurchase]) -> None:
    """Each card's invoice (`invoice`: the one it is on now, a draft or sent; None when on none
    yet, or its invoice was credited): one query."""
    claims = Claim.objects.filter(key__in=[p.claim_key for p in purchases]).select_related(
        "line__invoice"
    )
    on = {claim.key: claim.line.invoice for claim in claims}
    for purchase in purchases:
        purchase.invoice = on.get(purchase.claim_key)


def _invoice_link(client: Client):
    """The new-invoice form filled in for a card not invoiced yet: the client (a child: their
    first parent) and the card's day of sale as the period. No link without someone to bill."""
    if client.is_child:
        parent = next(iter(client.guardians.all()), None)
        key = f"guardian:{parent.uuid}" if parent else None
    else:
        key = f"client:{client.uuid}"

    def link(purchase: PackagePurchase) -> str:
        if key is None or purchase.invoice is not None:
            return ""
        day = purchase.starts_on.isoformat()
        return (
            reverse("invoice_new") + "?" + urlencode({"recipient": key, "start": day, "end": day})
        )

    return link


def client_section(coach: User, client: Client) -> dict | None:
    """The client's cards, newest first, with what is used, left and lapsed, the sessions that
    used them, and the invoice each is on; and whether a card can be sold (one is on sale)."""
    today = timezone.localdate()
    purchases = list(_with_uses(PackagePurchase.objects.filter(client=client)))
    on_sale = Package.objects.on_sale().exists()
    if not purchases and not on_sale:
        return None
    if purchases:
        _invoices(purchases)
        invoice_for = _invoice_link(client)
        for purchase in purchases:
            purchase.invoice_now = invoice_for(purchase)
    return {
        "client": client,
        "purchases": packages_overview(purchases, today),
        "on_sale": on_sale,
        "today": today,
    }


def portal_section(account: User, clients: Sequence[Client]) -> dict[int, dict]:
    """Per client of the account: their cards still valid, and those that expired in the last
    year (with what lapsed), newest first. Two queries for all the account's clients."""
    today = timezone.localdate()
    recent = date(today.year - 1, today.month, min(today.day, 28))
    purchases = list(
        _with_uses(
            PackagePurchase.objects.filter(
                client__in=[client.pk for client in clients], valid_until__gte=recent
            )
        )
    )
    answers: dict[int, dict] = {}
    for purchase in packages_overview(purchases, today):
        answers.setdefault(purchase.client_id, {"purchases": []})["purchases"].append(purchase)
    return answers


def register_card_pages() -> None:
    register_client_section("packages", template=CLIENT_TEMPLATE, context=client_section, order=10)
    register_portal_section("packages", template=PORTAL_TEMPLATE, context=portal_section, order=50)
