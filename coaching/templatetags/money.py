"""Amounts of money in the page's language: "€ 1.391,50" in Dutch, "€1,391.50" in English.

Used by the tariffs page and the invoices: `{% load money %}{{ tariff.price_incl_vat|money }}`.
"""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language

from coaching.models.tariffs import to_cents

register = template.Library()


@register.filter
def money(value: Decimal | int | float | str | None) -> str:
    """The amount rounded to whole cents (half away from zero), always with two decimals and
    thousands grouped, whatever USE_THOUSAND_SEPARATOR says. A minus goes after the euro sign,
    the Dutch way, in both languages: "€ -12,50", "€-12.50". Not a number: an empty string."""
    if value is None or value == "":
        return ""
    try:
        amount = to_cents(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        return ""
    if amount == 0:
        amount = abs(amount)  # no "€ -0,00"
    # number_format cuts off decimals rather than rounding: to_cents rounded them first.
    number = number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)
    separator = "" if (get_language() or "").startswith("en") else " "
    return f"€{separator}{number}"
