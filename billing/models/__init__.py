"""Invoices, their lines, the numbering counter, what was invoiced (claims), quotes and the
requests for a quote.

- Numbers are gapless per year: a draft has none; sending takes the next one from a counter row
  locked in the same transaction (a rolled-back send gives its number back).
- A sent invoice is never changed: the database refuses it (migration 0002), a credit invoice
  corrects it.
- Nothing is invoiced twice: every delivered item (an appointment, a month of e-mail coaching, a
  place in a group) is claimed by the line that invoices it, under a unique key. A credit invoice
  gives the claims back, so the item can be invoiced again, correctly.
- An organisation asks for a quote on the public site (a QuoteRequest, for the practice's
  Backstage coach); the coach answers it with a Quote, which then points to the request.
"""

from billing.models.invoices import (
    LINE_LIMITS,
    ZERO,
    Claim,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoiceQuerySet,
)
from billing.models.packages import (
    Package,
    PackagePrice,
    PackagePriceQuerySet,
    PackagePurchase,
    PackageQuerySet,
    PackageUse,
    PurchaseQuerySet,
)
from billing.models.quotes import Quote, QuoteQuerySet, QuoteRequest, QuoteRequestQuerySet

__all__ = [
    "LINE_LIMITS",
    "ZERO",
    "Claim",
    "Invoice",
    "InvoiceCounter",
    "InvoiceLine",
    "InvoiceQuerySet",
    "Package",
    "PackagePrice",
    "PackagePriceQuerySet",
    "PackagePurchase",
    "PackageQuerySet",
    "PackageUse",
    "PurchaseQuerySet",
    "Quote",
    "QuoteQuerySet",
    "QuoteRequest",
    "QuoteRequestQuerySet",
]
