"""Invoices, their lines, the numbering counter and what was invoiced (claims)."""

import uuid
from decimal import Decimal

from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from coaching.models import Client, Guardian, Organisation, Role, Tariff, User, Vat, to_cents

ZERO = Decimal("0.00")
# The largest quantity and price on a line (a line's amount then fits its column, with room).
LINE_LIMITS = {"quantity": Decimal("999"), "price": Decimal("99999.99")}


class InvoiceCounter(models.Model):
    """The last number given out in a year; its row is locked while a number is taken."""

    year = models.PositiveSmallIntegerField(_("jaar"), primary_key=True)
    last = models.PositiveIntegerField(_("laatste nummer"), default=0)

    class Meta:
        verbose_name = _("factuurteller")
        verbose_name_plural = _("factuurtellers")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class InvoiceQuerySet(models.QuerySet):
    def for_staff(self, user: User) -> "InvoiceQuerySet":
        """A coach's own invoices; the practice admin sees them all."""
        if user.is_staff:
            return self
        return self.filter(coach=user)

    def for_account(self, user: User) -> "InvoiceQuerySet":
        """The invoices addressed to a portal account (never a draft)."""
        return self.exclude(status=Invoice.Status.DRAFT).filter(
            Q(recipient_kind=Invoice.Recipient.CLIENT, client__account=user)
            | Q(recipient_kind=Invoice.Recipient.GUARDIAN, guardian__account=user)
        )

    def search(self, query: str) -> "InvoiceQuerySet":
        """By the addressee's name, or by number ("2026-0012")."""
        found = Q(bill_to_name__icontains=query)
        year, _dash, sequence = query.partition("-")
        if len(year) == 4 and year.isdigit() and sequence.isdigit() and len(sequence) <= 9:
            found |= Q(year=int(year), sequence=int(sequence))
        return self.filter(found)

    def with_totals(self) -> "InvoiceQuerySet":
        """With the sums of the lines, newest first, drafts on top (as the index
        invoice_coach_number has them). Each sum is a subquery of the invoice's own lines: a
        page of 25 sums the lines of 25 invoices, where an aggregate over the join would sum
        the lines of all the coach's invoices before the page was cut."""
        lines = InvoiceLine.objects.filter(invoice=OuterRef("pk")).order_by().values("invoice")
        return self.annotate(
            total_excl=Coalesce(Subquery(lines.annotate(sum=Sum("amount")).values("sum")), ZERO),
            total_vat=Coalesce(Subquery(lines.annotate(sum=Sum("vat_amount")).values("sum")), ZERO),
            # A join on the credit's unique key, looked up per invoice of the page (an EXISTS
            # would be planned as a hash of every credit invoice).
            credited=Q(credit_invoice__isnull=False),
        ).order_by(
            F("year").desc(nulls_first=True),
            F("sequence").desc(nulls_first=True),
            "-created_at",
            "-pk",  # drafts made at the same moment: the same order on every page
        )


class Invoice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("concept")
        SENT = "sent", _("verstuurd")
        PAID = "paid", _("betaald")

    class Recipient(models.TextChoices):
        CLIENT = "client", _("cliënt")
        GUARDIAN = "guardian", _("ouder/verzorger")
        ORGANISATION = "organisation", _("organisatie")

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    coach = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="invoices",
        limit_choices_to={"role": Role.COACH},
        verbose_name=_("coach"),
    )
    recipient_kind = models.CharField(_("aan"), max_length=12, choices=Recipient)
    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("cliënt"),
    )
    guardian = models.ForeignKey(
        Guardian,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("ouder/verzorger"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("organisatie"),
    )
    # The addressee as it was when the invoice was made (an invoice keeps its address).
    bill_to_name = models.CharField(_("naam"), max_length=250)
    bill_to_address = models.TextField(_("adres"), blank=True)
    bill_to_email = models.EmailField(_("e-mailadres"), blank=True)
    language = models.CharField(_("taal"), max_length=5, default="nl")
    period_start = models.DateField(_("periode vanaf"))
    period_end = models.DateField(_("periode tot en met"))
    status = models.CharField(_("status"), max_length=5, choices=Status, default=Status.DRAFT)
    year = models.PositiveSmallIntegerField(_("jaar"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("volgnummer"), null=True, blank=True)
    issued_on = models.DateField(_("factuurdatum"), null=True, blank=True)
    due_on = models.DateField(_("te betalen uiterlijk"), null=True, blank=True)
    paid_on = models.DateField(_("betaald op"), null=True, blank=True)
    # The practice's name, address, KvK, VAT number and IBAN when it was sent.
    supplier = models.JSONField(_("afzender"), default=dict, blank=True)
    credit_for = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_invoice",
        verbose_name=_("creditfactuur van"),
    )
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("gemaakt door")
    )
    created_at = models.DateTimeField(_("gemaakt op"), auto_now_add=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("factuur")
        verbose_name_plural = _("facturen")
        ordering = ["-year", "-sequence", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="invoice_number_unique"),
            models.CheckConstraint(
                condition=Q(status="draft", sequence__isnull=True, issued_on__isnull=True)
                | (
                    ~Q(status="draft")
                    & Q(sequence__isnull=False, year__isnull=False, issued_on__isnull=False)
                ),
                name="invoice_number_iff_sent",
            ),
            models.CheckConstraint(
                condition=Q(status="paid", paid_on__isnull=False)
                | (~Q(status="paid") & Q(paid_on__isnull=True)),
                name="invoice_paid_on_iff_paid",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="invoice_period_ends_after_start",
                violation_error_message=_("De periode eindigt vóór het begin."),
            ),
            models.CheckConstraint(
                condition=Q(recipient_kind="client", client__isnull=False, guardian__isnull=True)
                | Q(recipient_kind="guardian", client__isnull=False, guardian__isnull=False)
                | Q(
                    recipient_kind="organisation",
                    organisation__isnull=False,
                    guardian__isnull=True,
                ),
                name="invoice_recipient_matches_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["coach", "status"], name="invoice_coach_status"),
            # The coach's list, newest first (InvoiceQuerySet.with_totals): a page is read in
            # the index's order, without sorting all of the coach's invoices.
            models.Index(
                fields=["coach", "-year", "-sequence", "-created_at", "-id"],
                name="invoice_coach_number",
            ),
        ]

    def __str__(self) -> str:
        return self.number or str(_("concept"))

    @property
    def number(self) -> str:
        return f"{self.year}-{self.sequence:04d}" if self.sequence else ""

    @property
    def salutation_name(self) -> str:
        return self.bill_to_name.splitlines()[0] if self.bill_to_name else ""

    @property
    def is_credit(self) -> bool:
        return self.credit_for_id is not None

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return (
            self.status == self.Status.SENT
            and not self.is_credit
            and not getattr(self, "credited", False)
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )

    @property
    def status_label(self) -> str:
        """The status in words, as get_status_display gives it, for a list's rows: that one
        makes every choice hashable again on each call (lazy labels, slow to compare)."""
        return self.Status(self.status).label

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def total_incl(self) -> Decimal:
        """The total including VAT of an invoice from `with_totals()`. Templates show this, not
        `total_excl|add:total_vat`: Django's `add` filter adds int() of both first, so it would
        drop the cents (€ 160,00 + € 33,60 shown as € 193,00)."""
        return self.total_excl + self.total_vat

    @property
    def practice(self) -> dict:
        """The practice's details on this invoice: as they were when it was sent, or (a draft)
        as they are now."""
        from django.conf import settings

        return self.supplier or {"name": settings.PRAKTIJK_NAME, **settings.PRAKTIJK_DETAILS}

    @property
    def supplier_text(self) -> str:
        """The practice's details as sent on the invoice, on one line, as a person reads them
        (the admin's page and the client's export)."""
        details = self.supplier or {}
        parts = [
            details.get("name", ""),
            details.get("address", ""),
            f"{details.get('postal_code', '')} {details.get('city', '')}".strip(),
            _("KvK %(number)s") % {"number": details["kvk"]} if details.get("kvk") else "",
            f"{_('Btw-nummer')} {details['vat_number']}" if details.get("vat_number") else "",
            f"IBAN {details['iban']}" if details.get("iban") else "",
            details.get("contact_person", ""),
            details.get("email", ""),
            details.get("phone", ""),
        ]
        return ", ".join(part for part in parts if part)

    def totals(self, lines: list["InvoiceLine"]) -> dict:
        """The totals of the lines (excluding VAT, VAT, including VAT) and per VAT rate."""
        excl = sum((line.amount for line in lines), ZERO)
        vat = sum((line.vat_amount for line in lines), ZERO)
        return {"excl": excl, "vat": vat, "incl": excl + vat, "per_rate": self.vat_totals(lines)}

    def vat_totals(self, lines: list["InvoiceLine"]) -> list[dict]:
        """Per VAT rate: the amount it is over and the VAT, in cents (the sum of the lines'
        rounded amounts, so the totals add up to the lines)."""
        rates: dict[str, dict] = {}
        for line in lines:
            total = rates.setdefault(
                line.vat,
                {
                    "vat": line.vat,
                    "label": line.get_vat_display(),
                    "base": ZERO,
                    "vat_amount": ZERO,
                },
            )
            total["base"] += line.amount
            total["vat_amount"] += line.vat_amount
        order = [Vat.HIGH, Vat.LOW, Vat.EXEMPT]
        return sorted(rates.values(), key=lambda total: order.index(total["vat"]))


class InvoiceLine(models.Model):
    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("factuur")
    )
    day = models.DateField(_("datum"))
    description = models.CharField(_("omschrijving"), max_length=250)
    quantity = models.DecimalField(_("aantal"), max_digits=7, decimal_places=2)
    unit_price = models.DecimalField(
        _("prijs per eenheid excl. btw"), max_digits=9, decimal_places=2
    )
    vat = models.CharField(_("btw"), max_length=6, choices=Vat)
    amount = models.DecimalField(_("bedrag excl. btw"), max_digits=11, decimal_places=2)
    vat_amount = models.DecimalField(_("btw-bedrag"), max_digits=11, decimal_places=2)
    tariff = models.ForeignKey(
        Tariff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoice_lines",
        verbose_name=_("tarief"),
    )

    class Meta:
        verbose_name = _("factuurregel")
        verbose_name_plural = _("factuurregels")
        ordering = ["day", "pk"]

    def __str__(self) -> str:
        return self.description

    @staticmethod
    def amounts(quantity: Decimal, unit_price: Decimal, vat: str) -> tuple[Decimal, Decimal]:
        """The line's amount and VAT, each rounded to cents on the line (Dutch practice: the
        invoice's totals are the sums of the rounded lines)."""
        amount = to_cents(quantity * unit_price)
        return amount, to_cents(amount * Vat.percentage(vat) / 100)

    def price(self) -> "InvoiceLine":
        self.amount, self.vat_amount = self.amounts(self.quantity, self.unit_price, self.vat)
        return self

    @property
    def total(self) -> Decimal:
        return self.amount + self.vat_amount


class Claim(models.Model):
    """What a line invoices ("appointment:<uuid>"), once: the unique key refuses a second line
    for the same appointment, month or place in a group, also from two requests at once."""

    key = models.CharField(_("sleutel"), max_length=100, unique=True)
    line = models.ForeignKey(
        InvoiceLine, on_delete=models.CASCADE, related_name="claims", verbose_name=_("factuurregel")
    )

    class Meta:
        verbose_name = _("gefactureerd onderdeel")
        verbose_name_plural = _("gefactureerde onderdelen")

    def __str__(self) -> str:
        return self.key
