"""Tariffs: what each component of the practice's work costs, from which date (DESIGN.md §4.10).

A price is never changed in place once it applies: a new price is a new tariff with a later
valid-from date, and the one before it runs until the day before (`tariff_supersede`). What was
delivered on a day is priced by the tariff valid on that day; an invoice line keeps the price it
was given, so nothing already invoiced changes.
"""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    """Round to whole cents, half away from zero (5 cents up, also for a credit's minus)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class Vat(models.TextChoices):
    HIGH = "21", _("21 % btw")
    LOW = "9", _("9 % btw")
    EXEMPT = "exempt", _("vrijgesteld van btw")

    @classmethod
    def percentage(cls, value: str) -> Decimal:
        return Decimal(0) if value == cls.EXEMPT else Decimal(value)


class Component(models.TextChoices):
    KENNISMAKING = "kennismaking", _("kennismakingsgesprek")
    INTAKE = "intake", _("intakegesprek")
    SESSION = "session", _("coachingsessie")
    EMAIL = "email", _("e-mailcoaching")
    THIRD_PARTY = "third_party", _("contact met een derde partij")
    OBSERVATION = "observation", _("observatie")
    BACKSTAGE = "backstage", _("Backstage-groep")
    LATE_CANCEL = "late_cancel", _("te laat geannuleerde afspraak")
    NO_SHOW = "no_show", _("niet verschenen")


class Unit(models.TextChoices):
    APPOINTMENT = "appointment", _("per gesprek")
    HOUR = "hour", _("per uur")
    MONTH = "month", _("per maand")
    MESSAGE = "message", _("per antwoord")
    PARTICIPANT = "participant", _("per deelnemer")
    GROUP = "group", _("per groep")


# Which units fit which component (a database constraint holds it too).
UNITS = {
    Component.EMAIL: (Unit.MONTH, Unit.MESSAGE),
    Component.BACKSTAGE: (Unit.PARTICIPANT, Unit.GROUP),
}
APPOINTMENT_UNITS = (Unit.APPOINTMENT, Unit.HOUR)


def units_for(component: str) -> tuple[str, ...]:
    return UNITS.get(component, APPOINTMENT_UNITS)


class TariffQuerySet(models.QuerySet):
    def valid_on(self, day: date) -> "TariffQuerySet":
        return self.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day), valid_from__lte=day
        )

    def public(self) -> "TariffQuerySet":
        return self.filter(public=True)


class Tariff(models.Model):
    Component = Component
    Unit = Unit
    Vat = Vat

    component = models.CharField(_("onderdeel"), max_length=15, choices=Component)
    unit = models.CharField(_("eenheid"), max_length=12, choices=Unit)
    name = models.CharField(
        _("naam"), max_length=120, help_text=_("Zoals op de tarievenpagina en de factuur.")
    )
    name_en = models.CharField(_("naam in het Engels"), max_length=120, blank=True)
    description = models.CharField(_("toelichting"), max_length=300, blank=True)
    description_en = models.CharField(_("toelichting in het Engels"), max_length=300, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duur (minuten)"),
        null=True,
        blank=True,
        help_text=_(
            "Alleen voor sessies: dit tarief geldt voor sessies van deze duur. Leeg: elke duur "
            "waarvoor geen eigen tarief is."
        ),
    )
    min_participants = models.PositiveSmallIntegerField(
        _("vanaf aantal deelnemers"), null=True, blank=True
    )
    max_participants = models.PositiveSmallIntegerField(
        _("tot en met aantal deelnemers"), null=True, blank=True
    )
    meetings = models.PositiveSmallIntegerField(
        _("aantal bijeenkomsten"),
        null=True,
        blank=True,
        help_text=_("Alleen voor de Backstage-groep: voor hoeveel bijeenkomsten deze prijs is."),
    )
    price = models.DecimalField(
        _("prijs exclusief btw"), max_digits=9, decimal_places=2, help_text=_("In euro.")
    )
    vat = models.CharField(_("btw"), max_length=6, choices=Vat, default=Vat.HIGH)
    valid_from = models.DateField(_("geldig vanaf"))
    valid_until = models.DateField(
        _("geldig tot en met"),
        null=True,
        blank=True,
        help_text=_("Leeg: tot een nieuwe prijs ingaat."),
    )
    public = models.BooleanField(
        _("openbaar"), default=True, help_text=_("Tonen op de tarievenpagina.")
    )
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)

    objects = TariffQuerySet.as_manager()

    class Meta:
        verbose_name = _("tarief")
        verbose_name_plural = _("tarieven")
        ordering = ["order", "component", "duration_minutes", "min_participants", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="tariff_price_not_negative",
                violation_error_message=_("Een prijs kan niet negatief zijn."),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="tariff_valid_until_after_from",
                violation_error_message=_("‘Geldig tot en met’ ligt vóór ‘geldig vanaf’."),
            ),
            models.CheckConstraint(
                condition=Q(component="email", unit__in=["month", "message"])
                | Q(component="backstage", unit__in=["participant", "group"])
                | (~Q(component__in=["email", "backstage"]) & Q(unit__in=["appointment", "hour"])),
                name="tariff_unit_fits_component",
                violation_error_message=_("Deze eenheid past niet bij dit onderdeel."),
            ),
            models.CheckConstraint(
                condition=Q(min_participants__isnull=True)
                | Q(max_participants__isnull=True)
                | Q(max_participants__gte=F("min_participants")),
                name="tariff_participants_range",
                violation_error_message=_(
                    "Het grootste aantal deelnemers is kleiner dan het kleinste."
                ),
            ),
            # On PostgreSQL an exclusion constraint also refuses two tariffs for the same thing
            # on the same day (migration 0005); `clean` says so in the admin on every database.
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.valid_from:%d-%m-%Y})"

    @property
    def label(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    @property
    def explanation(self) -> str:
        if self.description_en and (get_language() or "").startswith("en"):
            return self.description_en
        return self.description

    @property
    def vat_amount(self) -> Decimal:
        return to_cents(self.price * Vat.percentage(self.vat) / 100)

    @property
    def price_incl_vat(self) -> Decimal:
        return self.price + self.vat_amount

    def _same_thing(self) -> "TariffQuerySet":
        """Tariffs for the same thing: the component and (for sessions) the duration. The unit
        too for a Backstage group only, where a price per participant and one per group exist
        side by side; elsewhere a second unit would be a second price for the same work (e-mail
        coaching per month or per answer: the admin chooses one)."""
        same = Tariff.objects.filter(
            component=self.component, duration_minutes=self.duration_minutes
        ).exclude(pk=self.pk)
        if self.component == Component.BACKSTAGE:
            same = same.filter(unit=self.unit)
        return same

    def overlapping(self) -> "TariffQuerySet":
        """Other tariffs for the same thing whose validity overlaps this one's (but for the
        earlier price of exactly the same thing that a new open-ended tariff supersedes)."""
        others = self._same_thing()
        if self.valid_until:
            others = others.filter(valid_from__lte=self.valid_until)
        others = others.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=self.valid_from))
        low, high = self.min_participants or 0, self.max_participants or 10_000
        others = others.filter(
            Q(min_participants__isnull=True) | Q(min_participants__lte=high),
            Q(max_participants__isnull=True) | Q(max_participants__gte=low),
        )
        return others.exclude(pk__in=self.superseded().values("pk"))

    def superseded(self) -> "TariffQuerySet":
        """The open-ended earlier price that this new open-ended one ends (a price with an end
        of its own, a temporary one, supersedes nothing: it would leave no price after it)."""
        if self.pk is not None or self.valid_until is not None or not self.valid_from:
            return Tariff.objects.none()
        return self._same_thing().filter(
            min_participants=self.min_participants,
            max_participants=self.max_participants,
            valid_from__lt=self.valid_from,
            valid_until__isnull=True,
        )

    def clean(self) -> None:
        super().clean()
        if self.component and self.unit and self.unit not in units_for(self.component):
            raise ValidationError(
                {
                    "unit": _("Kies voor %(component)s: %(units)s.")
                    % {
                        "component": self.get_component_display(),
                        "units": ", ".join(str(Unit(u).label) for u in units_for(self.component)),
                    }
                }
            )
        if self.duration_minutes and self.component != Component.SESSION:
            raise ValidationError({"duration_minutes": _("Een duur geldt alleen voor sessies.")})
        if self.component != Component.BACKSTAGE and (
            self.min_participants or self.max_participants or self.meetings
        ):
            raise ValidationError(
                _("Deelnemers en bijeenkomsten gelden alleen voor de Backstage-groep.")
            )
        today = timezone.localdate()
        if self.valid_from and self.valid_from < today and self.superseded().exists():
            raise ValidationError(
                {
                    "valid_from": _(
                        "Een nieuwe prijs gaat op zijn vroegst vandaag in: wat al geleverd is, "
                        "houdt de prijs van toen."
                    )
                }
            )
        if self.pk is not None and self.valid_until is not None:
            before = Tariff.objects.filter(pk=self.pk).values_list("valid_from", "valid_until")
            (started, ended) = before.first() or (None, None)
            if (
                started is not None
                and started <= today
                and self.valid_until != ended
                and self.valid_until < today - timedelta(days=1)
            ):
                raise ValidationError(
                    {
                        "valid_until": _(
                            "Een tarief dat al gold, eindigt niet met terugwerkende kracht: kies "
                            "gisteren of later."
                        )
                    }
                )
        if self.valid_from and not (self.valid_until and self.valid_until < self.valid_from):
            clash = self.overlapping().first()
            if clash is not None:
                raise ValidationError(
                    _(
                        "Voor dit onderdeel geldt in die periode al een tarief: %(tariff)s. "
                        "Laat de nieuwe prijs later ingaan, of geef het andere tarief een "
                        "einddatum."
                    )
                    % {"tariff": clash}
                )


def tariff_for(
    component: str,
    *,
    on: date,
    minutes: int | None = None,
    participants: int | None = None,
    unit: str | None = None,
    among: "list[Tariff] | None" = None,
) -> Tariff | None:
    """The tariff for a component on a day: for a session the one for its duration (else the one
    for any duration), for a Backstage group the one for its size (and unit, when given).
    `among`: tariffs loaded already (`tariffs_between`), so that pricing many items takes one
    query instead of one per item."""
    if among is None:
        among = list(Tariff.objects.valid_on(on).filter(component=component))
    fitting = [
        tariff
        for tariff in among
        if tariff.component == component
        and tariff.valid_from <= on
        and (tariff.valid_until is None or on <= tariff.valid_until)
        and (not unit or tariff.unit == unit)
        and (
            participants is None
            or (
                (tariff.min_participants is None or tariff.min_participants <= participants)
                and (tariff.max_participants is None or participants <= tariff.max_participants)
            )
        )
        and (
            component != Component.SESSION
            or tariff.duration_minutes is None
            or tariff.duration_minutes == minutes
        )
    ]
    # A session's tariff for exactly its duration goes before the one for any duration; then
    # the latest to start (the database refuses overlaps, but a tie must not be left to chance).
    fitting.sort(key=lambda t: (t.duration_minutes is None, -t.valid_from.toordinal(), t.pk or 0))
    return fitting[0] if fitting else None


def tariffs_between(start: date, end: date) -> list[Tariff]:
    """Every tariff valid on some day between start and end, for `tariff_for(among=…)`."""
    return list(
        Tariff.objects.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=start), valid_from__lte=end
        )
    )


@transaction.atomic
def tariff_add(*, tariff: Tariff) -> Tariff | None:
    """Save a new tariff. When it is a new price for something whose tariff has no end yet, that
    earlier one now runs until the day before (first: on PostgreSQL the exclusion constraint
    would refuse the overlap). Returns the tariff that was given an end, if any."""
    earlier = tariff.superseded().select_for_update().order_by("-valid_from").first()
    if earlier is not None:
        earlier.valid_until = tariff.valid_from - timedelta(days=1)
        earlier.save(update_fields=["valid_until"])
    tariff.save()
    return earlier


@transaction.atomic
def tariff_remove(*, tariff: Tariff) -> Tariff | None:
    """Remove a price that has not started yet. The price it would have ended runs on again
    (else the component would have no price from that date). Returns that one, if any."""
    if tariff.valid_from <= timezone.localdate():
        raise ValidationError(_("Een tarief dat al gold, krijgt een einddatum en blijft bewaard."))
    earlier = (
        tariff._same_thing()
        .select_for_update()
        .filter(
            min_participants=tariff.min_participants,
            max_participants=tariff.max_participants,
            valid_until=tariff.valid_from - timedelta(days=1),
        )
        .first()
    )
    tariff.delete()
    if earlier is not None:
        earlier.valid_until = tariff.valid_until
        earlier.save(update_fields=["valid_until"])
    return earlier
