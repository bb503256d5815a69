"""Evaluations: questionnaires the admin configures, and each one a coachee or participant is
asked to fill in through a personal link (valid for a limited time, used once).

Kinds: interim (every few sessions of an individual traject), final (when a traject is closed),
and Backstage, after meetings 4 and 8 (about the group as a whole). The answers of an
individual evaluation belong to the traject's dossier; those of a Backstage evaluation to the
group (groups.GroupEvaluation links them)."""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from coaching.crypto import EncryptedTextField
from coaching.models import Client, User
from trajects.models.traject import Traject


def _in_language(dutch: str, english: str) -> str:
    if english and (get_language() or "").startswith("en"):
        return english
    return dutch


class Questionnaire(models.Model):
    class Kind(models.TextChoices):
        INTERIM = "interim", _("tussentijdse evaluatie")
        FINAL = "final", _("eindevaluatie")
        BACKSTAGE = "backstage", _("Backstage-evaluatie (na bijeenkomst 4 en 8)")
        INTAKE = "intake", _("intakevragenlijst (vóór het intakegesprek)")

    kind = models.CharField(_("soort"), max_length=10, choices=Kind)
    name = models.CharField(_("naam"), max_length=200)
    name_en = models.CharField(_("naam in het Engels"), max_length=200, blank=True)
    intro = models.TextField(_("inleiding"), blank=True)
    intro_en = models.TextField(_("inleiding in het Engels"), blank=True)
    active = models.BooleanField(
        _("in gebruik"),
        default=True,
        help_text=_("Per soort is één vragenlijst in gebruik; die wordt voortaan verstuurd."),
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("vragenlijst")
        verbose_name_plural = _("vragenlijsten")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(active=True),
                name="questionnaire_one_active_per_kind",
                violation_error_message=_(
                    "Er is al een vragenlijst van deze soort in gebruik. Zet die eerst uit."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _in_language(self.name, self.name_en)

    @property
    def intro_text(self) -> str:
        return _in_language(self.intro, self.intro_en)


class Question(models.Model):
    class Kind(models.TextChoices):
        SCALE = "scale", _("schaal van 1 tot 10")
        CHOICE = "choice", _("meerkeuze")
        OPEN = "open", _("open vraag")

    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("vragenlijst"),
    )
    position = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    kind = models.CharField(_("soort vraag"), max_length=10, choices=Kind)
    text = models.CharField(_("vraag"), max_length=300)
    text_en = models.CharField(_("vraag in het Engels"), max_length=300, blank=True)
    choices = models.TextField(
        _("keuzes"), blank=True, help_text=_("Bij meerkeuze: één keuze per regel.")
    )
    choices_en = models.TextField(
        _("keuzes in het Engels"),
        blank=True,
        help_text=_("In dezelfde volgorde, één per regel."),
    )
    required = models.BooleanField(_("verplicht"), default=True)
    # In an intake questionnaire: the field of the intake form that the answer fills in, as a
    # starting point the coach edits (trajects.services.intake_prep.intake_initial).
    intake_field = models.CharField(
        _("vult in het intakeverslag"),
        max_length=20,
        blank=True,
        default="",
        db_default="",
        choices=[
            ("help_question", _("hulpvraag")),
            ("life_history", _("levensgeschiedenis")),
            ("steps_taken", _("reeds genomen stappen")),
            ("goals", _("doelen")),
        ],
        help_text=_("Alleen bij een intakevragenlijst: waar het antwoord terechtkomt."),
    )

    class Meta:
        verbose_name = _("vraag")
        verbose_name_plural = _("vragen")
        ordering = ["questionnaire", "position", "pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _in_language(self.text, self.text_en)

    def options(self) -> list[str]:
        """The choices in the page's language (stored answers keep the Dutch text)."""
        return _lines(_in_language(self.choices, self.choices_en))

    def dutch_options(self) -> list[str]:
        return _lines(self.choices)

    def clean(self) -> None:
        super().clean()
        if self.kind == self.Kind.CHOICE:
            if len(_lines(self.choices)) < 2:
                raise ValidationError({"choices": _("Geef ten minste twee keuzes.")})
            if self.choices_en and len(_lines(self.choices_en)) != len(_lines(self.choices)):
                raise ValidationError(
                    {"choices_en": _("Geef evenveel Engelse keuzes als Nederlandse.")}
                )
        elif self.choices.strip() or self.choices_en.strip():
            raise ValidationError({"choices": _("Alleen een meerkeuzevraag heeft keuzes.")})
        if self.intake_field and self.kind != self.Kind.OPEN:
            raise ValidationError(
                {"intake_field": _("Alleen een open vraag vult het intakeverslag in.")}
            )
        if (
            self.intake_field
            and self.questionnaire_id
            and self.questionnaire.kind != Questionnaire.Kind.INTAKE
        ):
            raise ValidationError(
                {"intake_field": _("Alleen een intakevragenlijst vult het intakeverslag in.")}
            )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class EvaluationQuerySet(models.QuerySet):
    def completed(self) -> "EvaluationQuerySet":
        return self.filter(completed_at__isnull=False)

    def for_account(self, user: User) -> "EvaluationQuerySet":
        """The evaluations a portal account may fill in or read back: of itself, or of a child
        it acts for."""
        return self.filter(client__in=Client.objects.for_account(user))


class Evaluation(models.Model):
    """One request to fill in a questionnaire, and (once completed) its answers.

    `key` says what it is for ("traject:12:interim:2", "membership:7:meeting:4"): unique, so a
    prompt sent again never makes a second evaluation."""

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    key = models.CharField(_("sleutel"), max_length=100, unique=True, editable=False)
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, verbose_name=_("vragenlijst")
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("cliënt")
    )
    traject = models.ForeignKey(
        Traject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluations",
        verbose_name=_("traject"),
    )
    created_at = models.DateTimeField(_("gevraagd op"), auto_now_add=True)
    expires_at = models.DateTimeField(_("in te vullen tot"))
    completed_at = models.DateTimeField(_("ingevuld op"), null=True, blank=True)
    completed_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ingevuld door"),
    )

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluatie")
        verbose_name_plural = _("evaluaties")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="evaluation_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} – {self.client}"


class Answer(models.Model):
    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="answers", verbose_name=_("evaluatie")
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="answers", verbose_name=_("vraag")
    )
    scale = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    choice = models.CharField(_("keuze"), max_length=300, blank=True)
    text = EncryptedTextField(_("antwoord"), blank=True)

    class Meta:
        verbose_name = _("antwoord")
        verbose_name_plural = _("antwoorden")
        ordering = ["question__position", "question__pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "question"], name="answer_once_per_question"
            ),
            models.CheckConstraint(
                condition=Q(scale__isnull=True) | Q(scale__gte=1, scale__lte=10),
                name="answer_scale_1_to_10",
            ),
        ]

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        """The answer as the reader's language has it (a choice is stored in Dutch)."""
        if self.scale is not None:
            return str(self.scale)
        if self.choice:
            dutch, shown = self.question.dutch_options(), self.question.options()
            if self.choice in dutch and len(shown) == len(dutch):
                return shown[dutch.index(self.choice)]
            return self.choice
        return self.text
