"""Backstage groups (seed 000): a group of professionals, eight meetings, at most two
contributions (inbreng) a meeting, with agreements that are reported back on the next time."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coaching.crypto import EncryptedTextField
from coaching.models import Client, Organisation, Role, User
from sessions.models import Appointment
from trajects.models import Evaluation


class BackstageGroup(models.Model):
    class Composition(models.TextChoices):
        MIXED = "mixed", _("gemengd: professionals die elkaar niet kennen")
        TEAM = "team", _("team: een heel team van één organisatie (in-company)")

    class Daypart(models.TextChoices):
        DAY = "day", _("overdag")
        EVENING = "evening", _("'s avonds")

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("naam"), max_length=200)
    coach = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="backstage_groups",
        limit_choices_to={"role": Role.COACH},
        verbose_name=_("coach"),
    )
    composition = models.CharField(_("samenstelling"), max_length=10, choices=Composition)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="backstage_groups",
        verbose_name=_("organisatie"),
    )
    contact_person = models.CharField(_("contactpersoon"), max_length=200, blank=True)
    daypart = models.CharField(_("dagdeel"), max_length=10, choices=Daypart)
    interval_weeks = models.PositiveSmallIntegerField(_("om de hoeveel weken"))
    meeting_minutes = models.PositiveSmallIntegerField(_("duur van een bijeenkomst (minuten)"))
    location = models.CharField(_("locatie"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("Backstage-groep")
        verbose_name_plural = _("Backstage-groepen")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_weeks__gte=2, interval_weeks__lte=4),
                name="group_interval_two_to_four_weeks",
                violation_error_message=_("De groep komt elke twee tot vier weken bijeen."),
            ),
            models.CheckConstraint(
                condition=~Q(composition="team") | Q(organisation__isnull=False),
                name="group_team_has_an_organisation",
                violation_error_message=_("Een team hoort bij een organisatie."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def active(self) -> "MembershipQuerySet":
        return self.filter(left_on__isnull=True)


class Membership(models.Model):
    """A participant in a group; joining and leaving are dated."""

    group = models.ForeignKey(
        BackstageGroup, on_delete=models.CASCADE, related_name="members", verbose_name=_("groep")
    )
    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        related_name="backstage_memberships",
        verbose_name=_("cliënt"),
    )
    joined_on = models.DateField(_("lid sinds"))
    left_on = models.DateField(_("gestopt op"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("deelnemer")
        verbose_name_plural = _("deelnemers")
        ordering = ["client__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "client"],
                condition=Q(left_on__isnull=True),
                name="membership_once_at_a_time",
                violation_error_message=_("Deze persoon is al deelnemer van de groep."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.client)


class Meeting(models.Model):
    """One of the eight meetings; its time lives in the coach's calendar (an appointment)."""

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(
        BackstageGroup, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("groep")
    )
    number = models.PositiveSmallIntegerField(_("bijeenkomst"))
    appointment = models.OneToOneField(
        Appointment,
        on_delete=models.PROTECT,
        related_name="backstage_meeting",
        verbose_name=_("afspraak"),
    )

    class Meta:
        verbose_name = _("bijeenkomst")
        verbose_name_plural = _("bijeenkomsten")
        ordering = ["group", "number"]
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="meeting_number_once"),
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=8), name="meeting_number_one_to_eight"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} – {self.number}"


class Contribution(models.Model):
    """A participant's turn (inbreng) at a meeting, with the steps of the method."""

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="contributions",
        verbose_name=_("bijeenkomst"),
    )
    membership = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="contributions",
        verbose_name=_("deelnemer"),
    )
    turn = models.PositiveSmallIntegerField(_("beurt"))
    problem = EncryptedTextField(_("het probleem zoals ingebracht"), blank=True)
    concretised = EncryptedTextField(_("het geconcretiseerde probleem"), blank=True)
    analysis = EncryptedTextField(_("analyse door de groep"), blank=True)
    solutions = EncryptedTextField(_("creatieve oplossingen"), blank=True)
    own_share = EncryptedTextField(_("eigen aandeel"), blank=True)
    feedback = EncryptedTextField(_("feedback van de groep"), blank=True)
    agreements = EncryptedTextField(pgettext_lazy("made at a turn", "afspraken"), blank=True)
    report_back = EncryptedTextField(_("terugkoppeling bij de volgende bijeenkomst"), blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("inbreng")
        verbose_name_plural = _("inbreng")
        ordering = ["meeting", "turn"]
        constraints = [
            # At most two contributors a meeting, in the database: two turns, each taken once.
            models.CheckConstraint(
                condition=Q(turn__in=[1, 2]), name="contribution_turn_one_or_two"
            ),
            models.UniqueConstraint(
                fields=["meeting", "turn"],
                name="contribution_turn_taken_once",
                violation_error_message=_("Deze beurt is al bezet."),
            ),
            models.UniqueConstraint(
                fields=["meeting", "membership"],
                name="contribution_one_turn_per_person",
                violation_error_message=_("Je hebt bij deze bijeenkomst al een beurt."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.membership}"


class Attendance(models.Model):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("bijeenkomst")
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("deelnemer")
    )
    present = models.BooleanField(_("aanwezig"))

    class Meta:
        verbose_name = _("aanwezigheid")
        verbose_name_plural = _("aanwezigheid")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "membership"], name="attendance_once"),
        ]

    def __str__(self) -> str:
        present = _("aanwezig") if self.present else _("afwezig")
        return f"{self.meeting}: {self.membership} ({present})"


class GroupEvaluation(models.Model):
    """A participant's evaluation after meeting 4 or 8: the answers belong to the group (the
    coach reads them together on the group's page)."""

    AFTER_MEETINGS = (4, 8)

    evaluation = models.OneToOneField(
        Evaluation, on_delete=models.CASCADE, related_name="group_link", verbose_name=_("evaluatie")
    )
    group = models.ForeignKey(
        BackstageGroup,
        on_delete=models.CASCADE,
        related_name="evaluations",
        verbose_name=_("groep"),
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="+", verbose_name=_("deelnemer")
    )
    after_meeting = models.PositiveSmallIntegerField(_("na bijeenkomst"))

    class Meta:
        verbose_name = _("groepsevaluatie")
        verbose_name_plural = _("groepsevaluaties")
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "after_meeting"], name="group_evaluation_once"
            ),
            models.CheckConstraint(
                condition=Q(after_meeting__in=[4, 8]), name="group_evaluation_after_4_or_8"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} – {self.after_meeting}: {self.membership}"
