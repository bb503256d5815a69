"""How long the practice keeps a dossier after the coaching ended.

Coaching has no statutory term; a practice working under the WGBO keeps dossiers 20 years. The
admin sets the periods (Beheer → Bewaartermijnen); the practice starts with the defaults of
migration 0001. Invoices are kept 7 years whatever is set here (the fiscal obligation).
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

INVOICE_YEARS = 7


class RetentionPeriod(models.Model):
    class Kind(models.TextChoices):
        ADULT = "adult", _("coaching van een volwassene")
        CHILD = "child", _("coaching van een kind (jonger dan 18 bij het einde)")
        EMAIL = "email", _("e-mailcoaching (de berichten)")
        BACKSTAGE = "backstage", _("deelname aan een Backstage-groep")

    DEFAULT_YEARS = {Kind.ADULT: 2, Kind.CHILD: 2, Kind.EMAIL: 2, Kind.BACKSTAGE: 1}

    kind = models.CharField(_("soort dossier"), max_length=10, choices=Kind, unique=True)
    years = models.PositiveSmallIntegerField(
        _("jaren bewaren na het einde"),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "Geteld vanaf de laatste activiteit: het afsluiten van het laatste traject, de "
            "laatste afspraak, het laatste bericht of de laatste Backstage-bijeenkomst. Werk je "
            "onder de WGBO, kies dan 20 jaar."
        ),
    )

    class Meta:
        verbose_name = _("bewaartermijn")
        verbose_name_plural = _("bewaartermijnen")
        ordering = ["kind"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(years__gte=1, years__lte=100),
                name="retention_between_1_and_100_years",
                violation_error_message=_("Kies een termijn van 1 tot en met 100 jaar."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.years}"

    @classmethod
    def years_by_kind(cls) -> dict[str, int]:
        found = dict(cls.objects.values_list("kind", "years"))
        return {kind: found.get(kind, default) for kind, default in cls.DEFAULT_YEARS.items()}
