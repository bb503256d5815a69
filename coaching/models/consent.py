"""Third parties around a client (school, day care, employer) and the client's consent to
contact them or report to them (DESIGN.md §4.5)."""

import uuid
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.crypto import EncryptedTextField
from coaching.models.accounts import User
from coaching.models.clients import Client, Guardian

# Below this age consent comes from a parent or guardian (the Dutch age of consent for
# processing personal data, AVG/UAVG art. 5).
CONSENT_AGE = 16


class ThirdParty(models.Model):
    class Kind(models.TextChoices):
        SCHOOL = "school", _("school")
        DAYCARE = "daycare", _("kinderdagverblijf")
        EMPLOYER = "employer", _("werkgever")
        GP = "gp", _("huisarts")
        CARE = "care", _("zorgverlener")
        OTHER = "other", _("anders")

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="third_parties", verbose_name=_("cliënt")
    )
    kind = models.CharField(_("soort"), max_length=10, choices=Kind)
    name = models.CharField(_("naam"), max_length=200)
    contact_person = models.CharField(_("contactpersoon"), max_length=200, blank=True)
    email = models.EmailField(_("e-mailadres"), blank=True)
    phone = models.CharField(_("telefoon"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("derde partij")
        verbose_name_plural = _("derde partijen")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "name"],
                name="third_party_name_unique_per_client",
                violation_error_message=_("Deze cliënt heeft al een derde partij met deze naam."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class ConsentQuerySet(models.QuerySet):
    def withdrawn_by_others(self, coach: User, *, since: date) -> "ConsentQuerySet":
        """Of the coach's (current) clients, withdrawn since the day by someone else than the
        coach: the client or a parent, in the portal. What the coach must hear of."""
        return self.filter(
            client__coach=coach, client__erased_on__isnull=True, withdrawn_on__gte=since
        ).exclude(withdrawn_by=coach)

    def valid_on(self, day: date) -> "ConsentQuerySet":
        """Given on or before the day, not expired, and not withdrawn on or before it."""
        return self.filter(
            Q(given_on__lte=day),
            Q(valid_until__isnull=True) | Q(valid_until__gte=day),
            Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day),
        )


class Consent(models.Model):
    """Permission to contact a third party about the traject, or to report to it."""

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="consents", verbose_name=_("cliënt")
    )
    third_party = models.ForeignKey(
        ThirdParty,
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name=_("derde partij"),
    )
    purpose = EncryptedTextField(
        _("doel"), help_text=_("Waarvoor: bijvoorbeeld ‘verslag over het traject aan de mentor’.")
    )
    given_by_guardian = models.ForeignKey(
        Guardian,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents_given",
        verbose_name=_("gegeven door ouder/verzorger"),
        help_text=_("Leeg: de cliënt gaf zelf toestemming."),
    )
    given_on = models.DateField(_("gegeven op"))
    valid_until = models.DateField(_("geldig tot en met"), null=True, blank=True)
    withdrawn_on = models.DateField(_("ingetrokken op"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ingetrokken door"),
    )
    recorded_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("vastgelegd door"),
    )
    created_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("toestemming")
        verbose_name_plural = _("toestemmingen")
        ordering = ["-given_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("given_on")),
                name="consent_valid_until_after_given",
                violation_error_message=_(
                    "‘Geldig tot en met’ ligt vóór de datum van de toestemming."
                ),
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=F("given_on")),
                name="consent_withdrawn_after_given",
                violation_error_message=_("Intrekken kan niet vóór de datum van de toestemming."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.third_party.name}: {self.purpose[:40]}"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.third_party_id and self.client_id and self.third_party.client_id != self.client_id:
            errors["third_party"] = _("Deze derde partij hoort bij een andere cliënt.")
        guardian = self.given_by_guardian
        if guardian is not None and self.client_id and guardian.client_id != self.client_id:
            errors["given_by_guardian"] = _("Deze ouder/verzorger hoort bij een andere cliënt.")
        elif guardian is not None and guardian.has_parental_authority is None:
            errors["given_by_guardian"] = _(
                "Van %(name)s is niet bekend of die ouderlijk gezag heeft. Vraag het na en leg "
                "het vast bij de ouder/verzorger; zonder ouderlijk gezag kan een ouder geen "
                "toestemming geven."
            ) % {"name": guardian.first_name}
        elif guardian is not None and not guardian.has_parental_authority:
            errors["given_by_guardian"] = _(
                "%(name)s heeft geen ouderlijk gezag en kan daarom geen toestemming geven voor "
                "het kind. Vraag de toestemming aan een ouder of voogd met ouderlijk gezag."
            ) % {"name": guardian.first_name}
        age = self.client.age_on(self.given_on) if self.client_id and self.given_on else None
        if guardian is None and age is not None and age < CONSENT_AGE:
            errors["given_by_guardian"] = _(
                "De cliënt is jonger dan 16: de toestemming moet van een ouder of verzorger "
                "met ouderlijk gezag komen."
            )
        if errors:
            raise ValidationError(errors)

    def is_valid_on(self, day: date) -> bool:
        return (
            self.given_on <= day
            and (self.valid_until is None or day <= self.valid_until)
            and (self.withdrawn_on is None or day < self.withdrawn_on)
        )

    @property
    def is_valid_today(self) -> bool:
        return self.is_valid_on(timezone.localdate())

    @property
    def given_by_label(self) -> str:
        return str(self.given_by_guardian) if self.given_by_guardian_id else _("de cliënt zelf")
