"""Appointments on a coach's calendar, and the session types the admin configures.

A coach's active appointments never overlap (DESIGN.md §4.1): on PostgreSQL an exclusion
constraint on the time range (migration 0003); on SQLite the booking transaction takes the
database's write lock before it checks (see sessions.services.booking).
"""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from coaching.dates import readable
from coaching.models import Role, User
from trajects.models import Traject


class Mode(models.TextChoices):
    PRACTICE = "practice", _("in de praktijk")
    VIDEO = "video", _("via video")
    PHONE = "phone", _("telefonisch")
    EMAIL = "email", _("per e-mail")
    HOME = "home", _("thuis")
    SCHOOL = "school", _("op school")


class Kind(models.TextChoices):
    KENNISMAKING = "kennismaking", _("kennismakingsgesprek")
    INTAKE = "intake", _("intakegesprek")
    SESSION = "session", _("coachingsessie")
    EVALUATION = "evaluation", _("evaluatie")
    THIRD_PARTY = "third_party", _("contact met een derde partij")
    OBSERVATION = "observation", _("observatie")
    BACKSTAGE = "backstage", _("Backstage-bijeenkomst")


class SessionType(models.Model):
    """What can be planned, how long it lasts by default, how, and whether online."""

    Kind = Kind

    kind = models.CharField(_("soort"), max_length=15, choices=Kind)
    name = models.CharField(_("naam"), max_length=100)
    name_en = models.CharField(_("naam in het Engels"), max_length=100, blank=True)
    default_minutes = models.PositiveSmallIntegerField(_("standaardduur (minuten)"))
    allowed_modes = models.JSONField(
        _("vormen"), default=list, help_text=_("Bijvoorbeeld: practice, video, phone.")
    )
    bookable_online = models.BooleanField(_("online te boeken door de cliënt"), default=False)
    active = models.BooleanField(_("in gebruik"), default=True)

    class Meta:
        verbose_name = _("soort afspraak")
        verbose_name_plural = _("soorten afspraken")
        ordering = ["kind", "default_minutes"]
        constraints = [
            models.CheckConstraint(
                condition=Q(default_minutes__gte=5, default_minutes__lte=480),
                name="session_type_sensible_duration",
                violation_error_message=_("Een afspraak duurt tussen 5 minuten en 8 uur."),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the language of the page (English when there is one)."""
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        super().clean()
        unknown = [mode for mode in self.allowed_modes if mode not in Mode.values]
        if not self.allowed_modes or unknown:
            raise ValidationError(
                {"allowed_modes": _("Kies een of meer van: %(modes)s.")
                 % {"modes": ", ".join(Mode.values)}}
            )  # fmt: skip


class Status(models.TextChoices):
    BOOKED = "booked", _("gepland")
    # Who cancelled, and whether in time, is in `cancelled_by`: a coach who
    # cancels an hour before has cancelled, not the client late.
    CANCELLED = "cancelled", _("geannuleerd")
    CANCELLED_LATE = "cancelled_late", _("te laat geannuleerd")
    NO_SHOW = "no_show", _("niet verschenen")
    COMPLETED = "completed", _("gehouden")


class CancelledBy(models.TextChoices):
    CLIENT = "client", _("de cliënt")
    PARENT = "parent", _("de ouder")
    COACH = "coach", _("de coach")
    PRACTICE = "practice", _("de praktijk")


def label(choices: type[models.TextChoices], value: str) -> str:
    """A choice's label, as get_<field>_display() gives it, at one translation: that method
    translates every choice of the field to find one, which the calendar, with a status for
    most of its few dozen appointments, paid hundreds of times (see also sessions.labels)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


# Statuses that hold the coach's time: a cancelled appointment frees it.
ACTIVE_STATUSES = (Status.BOOKED, Status.COMPLETED, Status.NO_SHOW)
CANCELLED_STATUSES = (Status.CANCELLED, Status.CANCELLED_LATE)
# Only the client's own side can cancel late (and be charged for it); the coach or the practice
# cancelling an hour before costs the client nothing.
CLIENT_SIDE = (CancelledBy.CLIENT, CancelledBy.PARENT)
# What may cost the client something that was not held: a late cancellation or a no-show.
FEE_STATUSES = (Status.CANCELLED_LATE, Status.NO_SHOW)


class AppointmentQuerySet(models.QuerySet):
    def active(self) -> "AppointmentQuerySet":
        return self.filter(status__in=ACTIVE_STATUSES)

    def overlapping(self, start, end) -> "AppointmentQuerySet":
        return self.filter(start__lt=end, end__gt=start)

    def for_coach(self, user: User) -> "AppointmentQuerySet":
        return self.filter(coach=user)

    def chargeable(self) -> "AppointmentQuerySet":
        """What may go on the client's invoice: held; or cancelled late by the client's own
        side, or missed, unless the coach waived the fee."""
        return self.filter(
            Q(status=Status.COMPLETED)
            | Q(status=Status.NO_SHOW, fee_waived_at__isnull=True)
            | Q(
                status=Status.CANCELLED_LATE,
                cancelled_by__in=CLIENT_SIDE,
                fee_waived_at__isnull=True,
            )
        )

    def booked_online(self) -> "AppointmentQuerySet":
        """Booked in the portal: by the client's or a parent's account, not by the coach."""
        return self.filter(created_by__role=Role.CLIENT)

    def upcoming(self, now) -> "AppointmentQuerySet":
        return self.filter(status=Status.BOOKED, start__gt=now)


class Appointment(models.Model):
    Kind = Kind
    Status = Status
    CancelledBy = CancelledBy

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    coach = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="appointments",
        limit_choices_to={"role": Role.COACH},
        verbose_name=_("coach"),
    )
    traject = models.ForeignKey(
        Traject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("traject"),
    )
    session_type = models.ForeignKey(
        SessionType, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("soort")
    )
    kind = models.CharField(_("soort"), max_length=15, choices=Kind)
    mode = models.CharField(_("vorm"), max_length=10, choices=Mode)
    start = models.DateTimeField(_("begin"))
    end = models.DateTimeField(_("einde"))
    status = models.CharField(_("status"), max_length=15, choices=Status, default=Status.BOOKED)
    video_link = models.URLField(_("videolink"), blank=True)
    location = models.CharField(_("locatie"), max_length=200, blank=True)
    # The last-session rule (DESIGN.md §4.7): announced at one session, marked at the next.
    announces_last = models.BooleanField(
        _("hier aangekondigd: de volgende sessie is de laatste"), default=False
    )
    is_last = models.BooleanField(_("laatste sessie"), default=False)
    # iCalendar: every change of time or status raises the sequence of the same event (UID).
    sequence = models.PositiveIntegerField(_("volgnummer van de wijziging"), default=0)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("door")
    )
    # Who cancelled, why and when: only the client's own late cancellation
    # may cost the client something.
    cancelled_by = models.CharField(
        _("afgezegd door"), max_length=10, choices=CancelledBy, blank=True
    )
    cancel_reason = models.CharField(_("reden van afzeggen"), max_length=500, blank=True)
    cancelled_at = models.DateTimeField(_("afgezegd op"), null=True, blank=True)
    # The coach waived the fee of a late cancellation or a no-show, before it was invoiced.
    fee_waived_reason = models.CharField(_("reden van kwijtschelden"), max_length=500, blank=True)
    fee_waived_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kosten kwijtgescholden door"),
    )
    fee_waived_at = models.DateTimeField(_("kosten kwijtgescholden op"), null=True, blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("bijgewerkt op"), auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("afspraak")
        verbose_name_plural = _("afspraken")
        ordering = ["start"]
        indexes = [
            models.Index(fields=["coach", "start"], name="appointment_coach_start"),
            # The reminders' finder, every minute: booked appointments starting soon.
            models.Index(
                fields=["start"], condition=Q(status="booked"), name="appointment_booked_start"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="appointment_ends_after_start",
                violation_error_message=_("Een afspraak moet na het begin eindigen."),
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.CANCELLED_LATE) | Q(cancelled_by__in=CLIENT_SIDE),
                name="appointment_late_only_by_the_client",
                violation_error_message=_(
                    "Alleen de cliënt of een ouder kan te laat afzeggen; zegt de coach of de "
                    "praktijk af, dan is de afspraak gewoon geannuleerd."
                ),
            ),
            models.CheckConstraint(
                condition=Q(cancelled_by="") | Q(status__in=CANCELLED_STATUSES),
                name="appointment_cancelled_by_only_when_cancelled",
            ),
            models.CheckConstraint(
                condition=Q(fee_waived_at__isnull=True)
                | (Q(status__in=FEE_STATUSES) & ~Q(fee_waived_reason="")),
                name="appointment_fee_waived_with_a_reason",
                violation_error_message=_(
                    "Alleen de kosten van een te late afzegging of een no-show worden "
                    "kwijtgescholden, met een reden."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {readable(self.start, time=True)}"

    @property
    def client(self):
        return self.traject.client if self.traject_id else None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_cancelled(self) -> bool:
        return self.status in CANCELLED_STATUSES

    @property
    def fee_waived(self) -> bool:
        return self.fee_waived_at is not None

    @property
    def status_text(self) -> str:
        """The status as people read it, with who cancelled: "geannuleerd door de coach",
        "te laat geannuleerd door de ouder", "niet verschenen (kosten kwijtgescholden)"."""
        text = label(Status, self.status)
        if self.is_cancelled and self.cancelled_by:
            text = _("%(status)s door %(who)s") % {
                "status": text,
                "who": label(CancelledBy, self.cancelled_by),
            }
        if self.fee_waived:
            text = _("%(status)s (kosten kwijtgescholden)") % {"status": text}
        return text

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)
