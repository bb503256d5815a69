"""Quotes for in-company Backstage groups, and the requests for one from the public site."""

import uuid
from decimal import Decimal

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from billing.models.invoices import ZERO, InvoiceLine
from coaching.models import Organisation, Tariff, User, Vat


class QuoteRequestQuerySet(models.QuerySet):
    def for_staff(self, user: User) -> "QuoteRequestQuerySet":
        """The requests a coach answers; the practice admin sees them all."""
        return self if user.is_staff else self.filter(coach=user)

    def with_state(self) -> "QuoteRequestQuerySet":
        """With `answered`: whether a quote was made for it (one subquery, not one per row)."""
        return self.annotate(answered=Exists(Quote.objects.filter(request=OuterRef("pk"))))

    def open(self) -> "QuoteRequestQuerySet":
        """Waiting for the coach: no quote yet, and not closed without one."""
        return self.with_state().filter(answered=False, closed_at__isnull=True)


class QuoteRequest(models.Model):
    """An organisation asks for a quote for a Backstage group on the public site. It goes to
    the practice's Backstage coach (billing.services.quote_requests.backstage_coach), who
    answers it with a Quote, or closes it without one (with the reason)."""

    # The values of a Backstage group's own (groups.BackstageGroup), in the asker's words.
    class Daypart(models.TextChoices):
        DAY = "day", _("overdag")
        EVENING = "evening", _("'s avonds")

    class Composition(models.TextChoices):
        TEAM = "team", _("een team uit onze organisatie (in-company)")
        MIXED = "mixed", _("deelnemers in een gemengde groep, met mensen van buiten")

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    coach = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="quote_requests", verbose_name=_("coach")
    )
    organisation_name = models.CharField(_("organisatie"), max_length=200)
    contact_person = models.CharField(_("contactpersoon"), max_length=200)
    email = models.EmailField(_("e-mailadres"))
    phone = models.CharField(_("telefoon"), max_length=30, blank=True)
    group_size = models.PositiveSmallIntegerField(_("aantal deelnemers"))
    daypart = models.CharField(_("dagdeel"), max_length=10, choices=Daypart)
    composition = models.CharField(_("samenstelling"), max_length=10, choices=Composition)
    wishes = models.TextField(_("wensen en vragen"), blank=True)
    # The language of the page it was sent from: the coach answers in it.
    language = models.CharField(_("taal"), max_length=5, default="nl")
    created_at = models.DateTimeField(_("ontvangen op"), auto_now_add=True)
    closed_at = models.DateTimeField(_("afgesloten zonder offerte op"), null=True, blank=True)
    close_reason = models.CharField(_("reden"), max_length=200, blank=True)

    objects = QuoteRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("offerteaanvraag")
        verbose_name_plural = _("offerteaanvragen")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(group_size__gte=1), name="quote_request_sensible_size"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=False) | Q(close_reason=""),
                name="quote_request_reason_only_when_closed",
            ),
        ]
        indexes = [models.Index(fields=["coach", "closed_at"], name="quote_request_coach_open")]

    def __str__(self) -> str:
        return self.organisation_name


class QuoteQuerySet(models.QuerySet):
    def for_staff(self, user: User) -> "QuoteQuerySet":
        """A coach's own quotes; the practice admin sees them all."""
        return self if user.is_staff else self.filter(coach=user)


class Quote(models.Model):
    """An offer for an in-company Backstage group: size, meetings and wishes → a price."""

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    coach = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="quotes", verbose_name=_("coach")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="quotes",
        verbose_name=_("organisatie"),
    )
    contact_person = models.CharField(_("contactpersoon"), max_length=200, blank=True)
    group_size = models.PositiveSmallIntegerField(_("aantal deelnemers"))
    meetings = models.PositiveSmallIntegerField(_("aantal bijeenkomsten"), default=8)
    wishes = models.TextField(_("specifieke wensen"), blank=True)
    wishes_price = models.DecimalField(
        _("meerprijs voor de wensen (excl. btw)"),
        max_digits=9,
        decimal_places=2,
        default=ZERO,
    )
    tariff = models.ForeignKey(
        Tariff, on_delete=models.PROTECT, related_name="quotes", verbose_name=_("tarief")
    )
    description = models.CharField(_("omschrijving"), max_length=250)
    quantity = models.DecimalField(_("aantal"), max_digits=7, decimal_places=2)
    unit_price = models.DecimalField(
        _("prijs per eenheid excl. btw"), max_digits=9, decimal_places=2
    )
    vat = models.CharField(_("btw"), max_length=6, choices=Vat)
    issued_on = models.DateField(_("datum"))
    request = models.ForeignKey(
        QuoteRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quotes",
        verbose_name=_("aanvraag"),
    )
    valid_until = models.DateField(_("geldig tot en met"))
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    objects = QuoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("offerte")
        verbose_name_plural = _("offertes")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(group_size__gte=1, meetings__gte=1, wishes_price__gte=0),
                name="quote_sensible_numbers",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"O{self.issued_on:%Y}-{self.pk:04d}" if self.pk else ""

    def lines(self) -> list[dict]:
        """The quote's lines with their amounts, rounded per line like an invoice's."""
        rows = [(self.description, self.quantity, self.unit_price)]
        if self.wishes_price:
            rows.append(
                (str(_("Specifieke wensen (zie toelichting)")), Decimal(1), self.wishes_price)
            )
        lines = []
        for description, quantity, unit_price in rows:
            amount, vat_amount = InvoiceLine.amounts(quantity, unit_price, self.vat)
            lines.append(
                {
                    "description": description,
                    "quantity": quantity,
                    "unit_price": unit_price,
                    "amount": amount,
                    "vat_amount": vat_amount,
                }
            )
        return lines

    def totals(self) -> dict:
        lines = self.lines()
        excl = sum((line["amount"] for line in lines), ZERO)
        vat = sum((line["vat_amount"] for line in lines), ZERO)
        return {"excl": excl, "vat": vat, "incl": excl + vat}
