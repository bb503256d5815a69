"""Backstage groups (seed 000): a group of professionals, eight meetings, at most two
contributions (inbreng) a meeting, with agreements that are reported back on the next time."""

import uuid
from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from coaching.crypto import EncryptedTextField
from coaching.models import Client, Organisation, Role, User
from sessions.models import Appointment
from trajects.models import Evaluation

NO_PLACE = _("Vul een adres of zaal in, of een videolink: de deelnemers moeten weten waar.")


def _decided_by(label) -> models.ForeignKey:
    """Who made a decision the row keeps (set by the service that makes it, not in a form)."""
    return models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=label,
    )


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
    # The group's place, copied to each meeting's appointment (the calendar, the feed, the .ics
    # files and the reminders read it there); a change here updates the meetings to come.
    location = models.CharField(
        _("locatie"), max_length=200, blank=True, help_text=_("Adres of zaal.")
    )
    video_link = models.URLField(_("videolink"), blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    # Stopped (with a reason) once something happened; its meetings to come were cancelled.
    stopped_on = models.DateField(_("gestopt op"), null=True, blank=True, editable=False)
    stop_reason = models.CharField(
        _("reden van stoppen"), max_length=500, blank=True, editable=False
    )
    stopped_by = _decided_by(_("gestopt door"))

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
            models.CheckConstraint(
                condition=Q(stopped_on__isnull=True, stop_reason="")
                | (Q(stopped_on__isnull=False) & ~Q(stop_reason="")),
                name="group_stopped_with_a_reason",
                violation_error_message=_("Een gestopte groep heeft een datum en een reden."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def place(self) -> str:
        """Where the group meets, in words: the address or room, else the video link."""
        return self.location or self.video_link

    @property
    def meeting_mode(self) -> str:
        """The appointments' mode: by video when the group has only a video link."""
        return "video" if self.video_link and not self.location else "practice"

    def clean(self) -> None:
        super().clean()
        if not self.location.strip() and not self.video_link.strip():
            raise ValidationError({"location": ValidationError(NO_PLACE, code="no_place")})
        if self.pk is None:
            return  # a new group: group_create checks the first meeting's time
        self._check_team_members()
        # A changed daypart (the admin) must still fit the meetings to come.
        for start in Appointment.objects.filter(
            backstage_meeting__group=self.pk,
            status=Appointment.Status.BOOKED,
            start__gt=timezone.now(),
        ).values_list("start", flat=True):
            if message := daypart_mismatch(self.daypart, start):
                raise ValidationError({"daypart": message})

    def _check_team_members(self) -> None:
        """A group made a team, or a team given another organisation (the admin), must not hold
        employees of others: its participants work there, or joined with a reason the coach gave
        (groups.services.members.member_add)."""
        if self.composition != self.Composition.TEAM or self.organisation_id is None:
            return
        before = (
            BackstageGroup.objects.filter(pk=self.pk)
            .values_list("composition", "organisation_id")
            .first()
        )
        if before == (self.composition, self.organisation_id):
            return  # unchanged: who joined was checked then
        outside = (
            Membership.objects.active()
            .filter(group=self.pk, outside_organisation_by__isnull=True)
            .exclude(client__organisation=self.organisation_id)
            .select_related("client")
        )
        names = ", ".join(str(membership.client) for membership in outside)
        if names:
            message = gettext(
                "Een team is van één organisatie, maar deze deelnemers werken niet bij "
                "%(organisation)s: %(names)s. Laat hen eerst stoppen in de groep, of laat de "
                "samenstelling en de organisatie zoals ze waren."
            ) % {"organisation": self.organisation, "names": names}
            raise ValidationError({"organisation": message})


def evening_from() -> time:
    return time.fromisoformat(settings.PRAKTIJK_BACKSTAGE["evening_from"])


def daypart_mismatch(daypart: str, start: datetime) -> str:
    """Why a meeting at `start` does not fit the daypart ("" when it does): daytime meetings
    start before the practice's evening time (PRAKTIJK_BACKSTAGE_EVENING_FROM), evening ones
    at or after it, in local time."""
    local = timezone.localtime(start)
    boundary = evening_from()
    when = {"time": f"{local:%H:%M}", "evening": f"{boundary:%H:%M}"}
    if daypart == BackstageGroup.Daypart.EVENING and local.time() < boundary:
        return (
            gettext(
                "Een avondgroep begint om %(evening)s of later; deze bijeenkomst begint om "
                "%(time)s. Kies een later tijdstip of ‘overdag’ als dagdeel."
            )
            % when
        )
    if daypart == BackstageGroup.Daypart.DAY and local.time() >= boundary:
        return (
            gettext(
                "Een groep overdag begint vóór %(evening)s; deze bijeenkomst begint om %(time)s. "
                "Kies een eerder tijdstip of ‘’s avonds’ als dagdeel."
            )
            % when
        )
    return ""


class MembershipQuerySet(models.QuerySet):
    def active(self) -> "MembershipQuerySet":
        return self.filter(left_on__isnull=True)

    def with_presence(self, meeting: "Meeting") -> "MembershipQuerySet":
        """Each with `present`: as recorded for the meeting (None: nothing recorded yet), in
        the same query (the unique index of attendance_once, one row per participant)."""
        recorded = Attendance.objects.filter(meeting=meeting, membership=models.OuterRef("pk"))
        return self.annotate(present=models.Subquery(recorded.values("present")[:1]))

    def seen_by_participant(self) -> "MembershipQuerySet":
        """Active, or ended because the group stopped: the participant still sees that group
        (stopped, with what was held) in the portal."""
        return self.filter(
            Q(left_on__isnull=True)
            | Q(group__stopped_on__isnull=False, left_on=models.F("group__stopped_on"))
        )


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
    # In a team of an organisation, someone employed elsewhere (or nowhere) joins only when
    # the coach says why (groups.services.members.member_add).
    outside_organisation_reason = models.CharField(
        _("reden voor deelname buiten de organisatie"), max_length=500, blank=True, editable=False
    )
    outside_organisation_by = _decided_by(_("toegelaten door"))

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
            models.CheckConstraint(
                condition=Q(outside_organisation_by__isnull=True)
                | ~Q(outside_organisation_reason=""),
                name="membership_exception_has_a_reason",
                violation_error_message=_("Een uitzondering heeft een reden."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.client)


class Meeting(models.Model):
    """One of the eight meetings; its time lives in the coach's calendar (an appointment)."""

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    # PROTECT: a group is deleted only by groups.services.groups.group_delete, which deletes its
    # meetings' appointments too (a plain delete would leave them in the calendar).
    group = models.ForeignKey(
        BackstageGroup, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("groep")
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
