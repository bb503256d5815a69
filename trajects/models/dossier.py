"""The dossier of a traject: the intake record and a timeline of entries.

Nothing here is ever changed in place (DESIGN.md §4.8): a correction is a new version, and the
database refuses an UPDATE of a version or an entry (triggers in migration 0002). Every opening
of a dossier is recorded in the audit log (the audit app).
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.crypto import EncryptedTextField
from coaching.dates import readable
from coaching.models import Consent, ThirdParty, User
from trajects.models.traject import Traject, _choice_label

NO_CONSENT = _(
    "Er is geen geldige toestemming voor contact met %(party)s op %(day)s. Leg eerst bij de "
    "cliënt vast dat de cliënt (of bij een kind onder 16 een ouder met gezag) toestemming gaf, "
    "en probeer het daarna opnieuw."
)
SESSIONS_AFTER_INTAKE = _(
    "Sessieverslagen en evaluaties horen bij een lopend traject, vanaf de datum van de intake."
)


def today():
    return timezone.localdate()


WITHDRAWN = _(
    "De toestemming voor %(party)s is ingetrokken op %(day)s. Contact met of een verslag aan "
    "%(party)s leg je pas weer vast als de cliënt (of bij een kind onder 16 een ouder met gezag) "
    "opnieuw toestemming geeft."
)


def no_consent_message(third_party, day) -> str:
    """Why a contact with the party cannot be recorded: its consent was withdrawn (on that
    date), or there is none for the day."""
    newest = (
        Consent.objects.filter(third_party=third_party)
        .order_by("-given_on", "-created_at")
        .only("withdrawn_on")
        .first()
    )
    if newest is not None and newest.withdrawn_on is not None:
        return WITHDRAWN % {
            "party": third_party.name,
            "day": readable(newest.withdrawn_on, long=True, year=True),
        }
    return NO_CONSENT % {"party": third_party.name, "day": readable(day, long=True)}


class IntakeVersion(models.Model):
    """One version of the intake record; the newest is the current one."""

    # What the coach writes down (the intake form's fields).
    TEXT_FIELDS = ("help_question", "life_history", "steps_taken", "goals")

    traject = models.ForeignKey(
        Traject,
        on_delete=models.CASCADE,
        related_name="intake_versions",
        verbose_name=_("traject"),
    )
    number = models.PositiveIntegerField(_("versie"))
    help_question = EncryptedTextField(_("hulpvraag"))
    life_history = EncryptedTextField(_("levensgeschiedenis"), blank=True)
    steps_taken = EncryptedTextField(_("reeds genomen stappen"), blank=True)
    goals = EncryptedTextField(_("doelen"), blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("door")
    )
    created_at = models.DateTimeField(_("op"), auto_now_add=True)

    class Meta:
        verbose_name = _("intakeversie")
        verbose_name_plural = _("intakeversies")
        ordering = ["traject", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["traject", "number"], name="intake_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.traject} intake v{self.number}"


class DossierEntry(models.Model):
    """Something that happened in the traject, written down by the coach."""

    class Kind(models.TextChoices):
        SESSION_NOTE = "session", _("sessieverslag")
        PHONE = "phone", _("telefonisch contact")
        INTERIM_EVALUATION = "evaluation", _("tussentijdse evaluatie")
        THIRD_PARTY_CONTACT = "contact", _("contact met een derde partij")
        THIRD_PARTY_REPORT = "report", _("verslag aan een derde partij")
        OBSERVATION = "observation", _("observatie")
        OTHER = "other", _("overig")

    class Location(models.TextChoices):
        HOME = "home", _("thuis")
        SCHOOL = "school", _("op school")
        DAYCARE = "daycare", _("op het kinderdagverblijf")
        OTHER = "other", _("elders")

    NEEDS_CONSENT = (Kind.THIRD_PARTY_CONTACT, Kind.THIRD_PARTY_REPORT)
    # Only once the sessions have started (after the intake).
    NEEDS_RUNNING = (Kind.SESSION_NOTE, Kind.INTERIM_EVALUATION)

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    traject = models.ForeignKey(
        Traject, on_delete=models.CASCADE, related_name="entries", verbose_name=_("traject")
    )
    kind = models.CharField(_("soort"), max_length=12, choices=Kind)
    occurred_on = models.DateField(_("datum"))
    third_party = models.ForeignKey(
        ThirdParty,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("derde partij"),
    )
    location = models.CharField(_("waar"), max_length=10, choices=Location, blank=True)
    # The form's own id: the same form sent twice (a double click, a reload) stores one entry.
    submission = models.UUIDField(
        _("kenmerk van het formulier"), null=True, blank=True, unique=True, editable=False
    )
    # Empty for what the site itself wrote down (a kennismaking asked for on the public site).
    created_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("door"),
    )
    created_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("dossieraantekening")
        verbose_name_plural = _("dossieraantekeningen")
        ordering = ["-occurred_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["contact", "report"]) | Q(third_party__isnull=False),
                name="entry_third_party_kinds_name_the_party",
                violation_error_message=_("Kies met welke derde partij er contact was."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["contact", "report"]) | Q(third_party__isnull=True),
                name="entry_third_party_only_for_third_party_kinds",
                violation_error_message=_(
                    "Een derde partij hoort alleen bij contact met of een verslag aan die partij."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind="observation") | ~Q(location=""),
                name="entry_observation_has_a_place",
                violation_error_message=_("Kies waar de observatie plaatsvond."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {readable(self.occurred_on)}"

    # As Traject's: Django's own translates every label of the field on each call, and the
    # dossier's timeline shows these for every entry.
    def get_kind_display(self) -> str:
        return _choice_label(self.Kind, self.kind)

    def get_location_display(self) -> str:
        return _choice_label(self.Location, self.location)

    def clean(self) -> None:
        """The rules of DESIGN.md §4 for a new entry. `dossier_entry_create` checks them again
        under a lock, so that a consent withdrawn at the same moment cannot slip through."""
        super().clean()
        traject = self.traject
        if self.occurred_on and not traject.registered_on <= self.occurred_on <= today():
            raise ValidationError(
                {
                    "occurred_on": _(
                        "Kies een datum vanaf de aanmelding (%(day)s) tot en met vandaag."
                    )
                    % {"day": readable(traject.registered_on, long=True)}
                }
            )
        if traject.is_closed:
            raise ValidationError(
                _("Dit traject is afgesloten: er kunnen geen aantekeningen meer bij."),
                code="closed",
            )
        if self.kind in self.NEEDS_RUNNING and (
            traject.status != Traject.Status.LOPEND or self.occurred_on < traject.intake_on
        ):
            raise ValidationError({"kind": SESSIONS_AFTER_INTAKE})
        if self.kind in self.NEEDS_CONSENT and self.third_party_id:
            if self.third_party.client_id != traject.client_id:
                raise ValidationError(
                    {"third_party": _("Deze derde partij hoort bij een andere cliënt.")}
                )
            if not consent_exists(self.third_party, self.occurred_on):
                raise ValidationError(
                    {"third_party": no_consent_message(self.third_party, self.occurred_on)},
                    code="no_consent",
                )

    @property
    def current(self) -> "DossierEntryVersion":
        return self.versions.all()[0]  # ordered newest first


def consent_exists(third_party: ThirdParty, day, *, lock: bool = False) -> bool:
    """A consent for the party that was valid on the day of the contact and still is today:
    after a withdrawal nothing more is recorded for that party, not even back-dated."""
    consents = (
        Consent.objects.filter(third_party=third_party).valid_on(day).valid_on(max(day, today()))
    )
    if lock:
        # Serialises with a withdrawal of the same consent (consent_withdraw locks it too).
        consents = consents.select_for_update()
    return any(True for _ in consents)


class DossierEntryVersion(models.Model):
    """The text of an entry; a correction adds a version, the earlier ones stay readable."""

    entry = models.ForeignKey(
        DossierEntry,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("aantekening"),
    )
    number = models.PositiveIntegerField(_("versie"))
    text = EncryptedTextField(_("tekst"))
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("door")
    )
    created_at = models.DateTimeField(_("op"), auto_now_add=True)

    class Meta:
        verbose_name = _("versie")
        verbose_name_plural = _("versies")
        ordering = ["entry", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="entry_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.entry} v{self.number}"
