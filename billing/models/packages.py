"""Session packages (strippenkaarten): what the admin offers, what a client bought, and which
appointment used which strip.

- `Package` is the admin's definition (6 sessions, valid for 6 months, which session types
  count, whether a late cancellation or a no-show uses a strip); its prices are `PackagePrice`
  rows with a valid-from date, like the tariffs: never changed in place once they apply, and
  never two for one package on the same day (PostgreSQL: an exclusion constraint, migration
  0007; every database: `PackagePrice.clean`).
- `PackagePurchase` is one sale to a client. Its terms are fixed at the sale: the price and VAT
  valid that day, the number of sessions, the last day it is valid, whether missed appointments
  count and which session types count. It is invoiced once, as a line of its own under the
  claim key "package:<uuid>" (billing.items).
- `PackageUse` is one strip: an appointment that used the purchase. An appointment uses at most
  one strip of at most one purchase (a unique constraint), and a purchase never gives more
  strips than it has: `used` counts them, and a check constraint keeps it between 0 and
  `sessions`; a strip is taken by a conditional UPDATE of that counter (billing.services.packages).
"""

import uuid
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from coaching.models import Client, User, Vat, to_cents
from sessions.models import Appointment, SessionType


class PackageQuerySet(models.QuerySet):
    def on_sale(self) -> "PackageQuerySet":
        return self.filter(active=True)


class Package(models.Model):
    name = models.CharField(
        _("naam"), max_length=120, help_text=_("Zoals de coach, de cliënt en de factuur hem zien.")
    )
    name_en = models.CharField(_("naam in het Engels"), max_length=120, blank=True)
    sessions = models.PositiveSmallIntegerField(_("aantal sessies"))
    validity_months = models.PositiveSmallIntegerField(
        _("geldig (maanden)"), help_text=_("Vanaf de dag van verkoop.")
    )
    session_types = models.ManyToManyField(
        SessionType,
        blank=True,
        related_name="packages",
        verbose_name=_("soorten afspraken die meetellen"),
        help_text=_("Leeg: elke coachingsessie telt mee."),
    )
    missed_counts = models.BooleanField(
        _("te laat afgezegd of niet verschenen kost een strip"),
        default=False,
        help_text=_(
            "Aan: een te late afzegging door de cliënt of een no-show gaat van de kaart af "
            "(tenzij de coach de kosten kwijtscheldt). Uit: daarvoor geldt het gewone tarief."
        ),
    )
    active = models.BooleanField(
        _("te koop"), default=True, help_text=_("Uit: verkochte kaarten blijven gewoon geldig.")
    )
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)

    objects = PackageQuerySet.as_manager()

    class Meta:
        verbose_name = _("strippenkaart")
        verbose_name_plural = _("strippenkaarten")
        ordering = ["order", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sessions__gte=1, sessions__lte=100),
                name="package_sessions_sensible",
                violation_error_message=_("Een strippenkaart heeft 1 tot 100 sessies."),
            ),
            models.CheckConstraint(
                condition=Q(validity_months__gte=1, validity_months__lte=60),
                name="package_validity_sensible",
                violation_error_message=_("Een strippenkaart is 1 tot 60 maanden geldig."),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    def price_on(self, day: date) -> "PackagePrice | None":
        return self.prices.valid_on(day).order_by("-valid_from", "-pk").first()


class PackagePriceQuerySet(models.QuerySet):
    def valid_on(self, day: date) -> "PackagePriceQuerySet":
        return self.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day), valid_from__lte=day
        )


class PackagePrice(models.Model):
    package = models.ForeignKey(
        Package, on_delete=models.CASCADE, related_name="prices", verbose_name=_("strippenkaart")
    )
    price = models.DecimalField(
        _("prijs exclusief btw"),
        max_digits=9,
        decimal_places=2,
        help_text=_("In euro, voor de hele kaart."),
    )
    vat = models.CharField(_("btw"), max_length=6, choices=Vat, default=Vat.HIGH)
    valid_from = models.DateField(_("geldig vanaf"))
    valid_until = models.DateField(
        _("geldig tot en met"), null=True, blank=True, help_text=_("Leeg: tot een nieuwe prijs.")
    )

    objects = PackagePriceQuerySet.as_manager()

    class Meta:
        verbose_name = _("prijs van een strippenkaart")
        verbose_name_plural = _("prijzen van strippenkaarten")
        ordering = ["package", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0, price__lte=99999.99),
                name="package_price_sensible",
                violation_error_message=_("Een prijs ligt tussen € 0 en € 99.999,99."),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="package_price_until_after_from",
                violation_error_message=_("‘Geldig tot en met’ ligt vóór ‘geldig vanaf’."),
            ),
            models.UniqueConstraint(
                fields=["package", "valid_from"],
                name="package_price_one_start_a_day",
                violation_error_message=_("Deze kaart heeft al een prijs die op die dag ingaat."),
            ),
            # On PostgreSQL an exclusion constraint also refuses two prices of one package on
            # the same day (migration 0007); `clean` says so in the admin on every database.
        ]

    def __str__(self) -> str:
        return f"{self.package}: {self.price} ({self.valid_from:%d-%m-%Y})"

    @property
    def vat_amount(self):
        return to_cents(self.price * Vat.percentage(self.vat) / 100)

    @property
    def price_incl_vat(self):
        return self.price + self.vat_amount

    def superseded(self) -> PackagePriceQuerySet:
        """The open-ended earlier price that this new open-ended one ends, the day before it
        starts (billing.services.packages.package_price_add)."""
        if self.pk is not None or self.valid_until is not None or not self.valid_from:
            return PackagePrice.objects.none()
        return PackagePrice.objects.filter(
            package_id=self.package_id, valid_until__isnull=True, valid_from__lt=self.valid_from
        )

    def overlapping(self) -> PackagePriceQuerySet:
        others = PackagePrice.objects.filter(package_id=self.package_id).exclude(pk=self.pk)
        if self.valid_until:
            others = others.filter(valid_from__lte=self.valid_until)
        others = others.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=self.valid_from))
        return others.exclude(pk__in=self.superseded().values("pk"))

    def clean(self) -> None:
        super().clean()
        if not (self.package_id and self.valid_from):
            return
        if self.valid_until and self.valid_until < self.valid_from:
            return  # the check constraint's own message
        today = timezone.localdate()
        if self.valid_from < today and self.superseded().exists():
            raise ValidationError(
                {
                    "valid_from": _(
                        "Een nieuwe prijs gaat op zijn vroegst vandaag in: een verkochte kaart "
                        "houdt de prijs van toen."
                    )
                }
            )
        clash = self.overlapping().first()
        if clash is not None:
            raise ValidationError(
                _(
                    "Deze kaart heeft in die periode al een prijs (vanaf %(day)s). Geef die prijs "
                    "eerst een einddatum, de dag vóór de nieuwe prijs ingaat."
                )
                % {"day": clash.valid_from.strftime("%d-%m-%Y")}
            )
        if self.pk is None:
            return
        before = (
            PackagePrice.objects.filter(pk=self.pk).values("price", "vat", "valid_from").first()
        )
        today = timezone.localdate()
        if (
            before
            and before["valid_from"] <= today
            and (
                before["price"] != self.price
                or before["vat"] != self.vat
                or before["valid_from"] != self.valid_from
            )
        ):
            raise ValidationError(
                _(
                    "Een prijs die al gold, blijft zoals hij was: geef hem een einddatum en voeg "
                    "een nieuwe prijs toe."
                )
            )


class PurchaseQuerySet(models.QuerySet):
    def for_coach(self, user: User) -> "PurchaseQuerySet":
        return self.filter(client__coach=user)


class PackagePurchase(models.Model):
    """One strippenkaart sold to a client, on the terms of the day it was sold."""

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        related_name="package_purchases",
        verbose_name=_("cliënt"),
    )
    package = models.ForeignKey(
        Package, on_delete=models.PROTECT, related_name="purchases", verbose_name=_("soort kaart")
    )
    # The package's name as it was sold (the admin may rename the package later).
    name = models.CharField(_("naam"), max_length=120)
    sessions = models.PositiveSmallIntegerField(_("aantal sessies"))
    used = models.PositiveSmallIntegerField(_("gebruikt"), default=0)
    price = models.DecimalField(_("prijs exclusief btw"), max_digits=9, decimal_places=2)
    vat = models.CharField(_("btw"), max_length=6, choices=Vat)
    starts_on = models.DateField(_("verkocht op"))
    valid_until = models.DateField(_("geldig tot en met"))
    missed_counts = models.BooleanField(_("te laat afgezegd of niet verschenen kost een strip"))
    session_types = models.ManyToManyField(
        SessionType,
        blank=True,
        related_name="+",
        verbose_name=_("soorten afspraken die meetellen"),
    )
    sold_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("verkocht door")
    )
    created_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    objects = PurchaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("verkochte strippenkaart")
        verbose_name_plural = _("verkochte strippenkaarten")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(used__gte=0, used__lte=F("sessions")),
                name="package_purchase_never_more_than_bought",
            ),
            models.CheckConstraint(
                condition=Q(sessions__gte=1),
                name="package_purchase_has_sessions",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("starts_on")),
                name="package_purchase_valid_after_start",
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="package_purchase_price_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on:%d-%m-%Y})"

    @property
    def claim_key(self) -> str:
        return f"package:{self.uuid}"

    @property
    def left(self) -> int:
        return self.sessions - self.used

    def is_expired(self, today: date | None = None) -> bool:
        return self.valid_until < (today or timezone.localdate())

    def lapsed(self, today: date | None = None) -> int:
        """The strips that were not used before the card expired (0 while it is valid)."""
        return self.left if self.is_expired(today) else 0

    @property
    def vat_amount(self):
        return to_cents(self.price * Vat.percentage(self.vat) / 100)

    @property
    def price_incl_vat(self):
        return self.price + self.vat_amount


class PackageUse(models.Model):
    """A strip of a purchase, used by one appointment."""

    purchase = models.ForeignKey(
        PackagePurchase, on_delete=models.CASCADE, related_name="uses", verbose_name=_("kaart")
    )
    appointment = models.OneToOneField(
        Appointment,
        on_delete=models.PROTECT,
        related_name="package_use",
        verbose_name=_("afspraak"),
    )
    created_at = models.DateTimeField(_("afgeschreven op"), auto_now_add=True)

    class Meta:
        verbose_name = _("gebruikte strip")
        verbose_name_plural = _("gebruikte strippen")
        ordering = ["purchase", "appointment__start"]

    def __str__(self) -> str:
        return f"{self.purchase}: {self.appointment}"
