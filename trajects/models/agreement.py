"""The coaching agreement: the practice's terms and its privacy statement as versioned texts, and
who accepted which version for a traject.

Both tables are append-only in the database (migration 0015, as the dossier's): a text is never
changed once saved (the admin's "change" saves a new version, trajects.admin), and an acceptance
is never changed at all. So what a client or parent accepted stays exactly what they read: the
acceptance keeps the version and the SHA-256 of the text as it was shown, in the language it was
shown in. Rows go only with their traject (erasure of a client)."""

import hashlib
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from trajects.models.traject import Traject


class AgreementTextQuerySet(models.QuerySet):
    def current(self) -> dict[str, "AgreementText"]:
        """The newest version of each kind (one query)."""
        newest = {}
        for text in self.order_by("kind", "-version"):
            newest.setdefault(text.kind, text)
        return newest


class AgreementText(models.Model):
    class Kind(models.TextChoices):
        TERMS = "terms", _("coachingsovereenkomst en voorwaarden")
        PRIVACY = "privacy", _("privacyverklaring")

    kind = models.CharField(_("soort"), max_length=10, choices=Kind)
    version = models.PositiveIntegerField(_("versie"), editable=False)
    title = models.CharField(_("titel"), max_length=200)
    title_en = models.CharField(_("titel in het Engels"), max_length=200, blank=True)
    body = models.TextField(
        _("tekst"), help_text=_("Gewone tekst; een lege regel begint een nieuwe alinea.")
    )
    body_en = models.TextField(_("tekst in het Engels"), blank=True)
    created_at = models.DateTimeField(_("vastgesteld op"), default=timezone.now, editable=False)
    # Who set it, by name: a plain value, so that deleting that admin's account later neither
    # is refused nor has to change this row.
    created_by = models.CharField(_("door"), max_length=200, blank=True, editable=False)

    objects = AgreementTextQuerySet.as_manager()

    class Meta:
        verbose_name = _("tekst van de overeenkomst")
        verbose_name_plural = _("teksten van de overeenkomst")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version"], name="agreement_text_version_unique"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="agreement_text_version_1"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    def in_language(self, language: str | None = None) -> tuple[str, str, str]:
        """(language, title, body) as a reader in `language` (default: the page's) reads it:
        English where there is an English text, else Dutch."""
        language = language if language is not None else (get_language() or "nl")
        if language.startswith("en") and self.body_en.strip():
            return "en", self.title_en or self.title, self.body_en
        return "nl", self.title, self.body

    @staticmethod
    def digest(title: str, body: str) -> str:
        """The SHA-256 of a text as shown (title, a blank line, the body; line ends as \\n)."""
        text = f"{title}\n\n{body}".replace("\r\n", "\n")
        return hashlib.sha256(text.encode()).hexdigest()


class AgreementAcceptanceQuerySet(models.QuerySet):
    def for_traject(self, traject: Traject) -> "AgreementAcceptanceQuerySet":
        return self.filter(traject=traject).select_related("terms", "privacy")


class AgreementAcceptance(models.Model):
    """One person's acceptance of the agreement for a traject: the client, or a parent with
    parental authority. Who had to accept follows the client's age (trajects.services.agreement)."""

    class Party(models.TextChoices):
        CLIENT = "client", _("de cliënt")
        GUARDIAN = "guardian", _("ouder met gezag")

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    traject = models.ForeignKey(
        Traject,
        on_delete=models.CASCADE,
        related_name="acceptances",
        verbose_name=_("traject"),
    )
    party = models.CharField(_("als"), max_length=10, choices=Party)
    # The parent, by their uuid and not a foreign key: the acceptance outlives a parent's
    # record being removed, and is never updated by it.
    guardian_uuid = models.UUIDField(_("kenmerk van de ouder"), null=True, blank=True)
    relation = models.CharField(_("relatie"), max_length=20, blank=True)
    name = models.CharField(_("naam zoals getypt"), max_length=200)
    client_age = models.PositiveSmallIntegerField(_("leeftijd van de cliënt"), null=True)
    accepted_at = models.DateTimeField(_("akkoord gegeven op"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("vanaf IP-adres"), null=True, blank=True)
    # The portal account that was logged in (its address then), if any: a personal link needs
    # none. A plain value: an erasure that deletes the account neither is refused nor has to
    # change this row.
    account_email = models.EmailField(_("ingelogd als"), blank=True)
    language = models.CharField(_("taal van de tekst"), max_length=5)
    terms = models.ForeignKey(
        AgreementText,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("coachingsovereenkomst"),
    )
    terms_sha256 = models.CharField(_("controlegetal van de overeenkomst"), max_length=64)
    privacy = models.ForeignKey(
        AgreementText,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("privacyverklaring"),
    )
    privacy_sha256 = models.CharField(_("controlegetal van de privacyverklaring"), max_length=64)

    objects = AgreementAcceptanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("akkoord op de overeenkomst")
        verbose_name_plural = _("akkoorden op de overeenkomst")
        ordering = ["traject", "accepted_at", "pk"]
        constraints = [
            # Each person once per traject.
            models.UniqueConstraint(
                fields=["traject"],
                condition=Q(party="client"),
                name="acceptance_client_once",
            ),
            models.UniqueConstraint(
                fields=["traject", "guardian_uuid"],
                condition=Q(party="guardian"),
                name="acceptance_guardian_once",
            ),
            models.CheckConstraint(
                condition=(Q(party="client") & Q(guardian_uuid__isnull=True))
                | (Q(party="guardian") & Q(guardian_uuid__isnull=False)),
                name="acceptance_guardian_names_parent",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="acceptance_has_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} – {self.traject}"
