"""When a coach can be booked: weekly working hours, exceptions, and the booking rules."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from coaching.dates import readable
from coaching.models import User


class WorkingHours(models.Model):
    """A block of working time on a weekday; several blocks a day are fine."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("maandag")
        TUESDAY = 1, _("dinsdag")
        WEDNESDAY = 2, _("woensdag")
        THURSDAY = 3, _("donderdag")
        FRIDAY = 4, _("vrijdag")
        SATURDAY = 5, _("zaterdag")
        SUNDAY = 6, _("zondag")

    coach = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="working_hours", verbose_name=_("coach")
    )
    weekday = models.PositiveSmallIntegerField(_("dag"), choices=Weekday)
    start_time = models.TimeField(_("van"))
    end_time = models.TimeField(_("tot"))
    modes = models.JSONField(_("vormen"), default=list, blank=True,
                             help_text=_("Leeg: alle vormen."))  # fmt: skip

    class Meta:
        verbose_name = _("werktijd")
        verbose_name_plural = _("werktijden")
        ordering = ["coach", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="working_hours_end_after_start",
                violation_error_message=_("Het eind moet na het begin liggen."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class AvailabilityException(models.Model):
    """A day (or part of one) off, or extra hours on a day."""

    class Kind(models.TextChoices):
        BLOCKED = "blocked", _("niet beschikbaar")
        EXTRA = "extra", _("extra beschikbaar")

    coach = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="availability_exceptions",
        verbose_name=_("coach"),
    )
    date = models.DateField(_("datum"))
    kind = models.CharField(_("soort"), max_length=10, choices=Kind)
    start_time = models.TimeField(_("van"), null=True, blank=True,
                                  help_text=_("Leeg: de hele dag."))  # fmt: skip
    end_time = models.TimeField(_("tot"), null=True, blank=True)
    modes = models.JSONField(_("vormen"), default=list, blank=True)
    note = models.CharField(_("toelichting"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("uitzondering")
        verbose_name_plural = _("uitzonderingen")
        ordering = ["coach", "date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__isnull=True, end_time__isnull=True)
                | Q(start_time__isnull=False, end_time__gt=F("start_time")),
                name="availability_exception_times",
                violation_error_message=_(
                    "Vul begin en eind in (eind na begin), of geen van beide."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind="extra") | Q(start_time__isnull=False),
                name="availability_extra_has_times",
                violation_error_message=_("Extra uren hebben een begin en een eind."),
            ),
        ]

    def __str__(self) -> str:
        return f"{readable(self.date)} {self.get_kind_display()}"


@dataclass(frozen=True)
class Rules:
    min_notice: timedelta
    max_ahead: timedelta
    buffer: timedelta
    step: timedelta
    cancel_window: timedelta


class BookingRules(models.Model):
    """A coach's own booking rules; an empty field takes the practice's default."""

    coach = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="booking_rules", verbose_name=_("coach")
    )
    min_notice_hours = models.PositiveSmallIntegerField(
        _("minimale aanlooptijd (uren)"), null=True, blank=True
    )
    max_days_ahead = models.PositiveSmallIntegerField(
        _("hoe ver vooruit (dagen)"), null=True, blank=True
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        _("pauze tussen afspraken (minuten)"), null=True, blank=True
    )
    slot_step_minutes = models.PositiveSmallIntegerField(
        _("tijdstappen (minuten)"), null=True, blank=True
    )
    cancel_window_hours = models.PositiveSmallIntegerField(
        _("kosteloos annuleren tot (uren vooraf)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("boekingsregels")
        verbose_name_plural = _("boekingsregels")
        constraints = [
            models.CheckConstraint(
                condition=Q(slot_step_minutes__isnull=True) | Q(slot_step_minutes__gte=5),
                name="booking_rules_step_at_least_5",
                violation_error_message=_("Tijdstappen zijn minstens 5 minuten."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.coach)

    @classmethod
    def for_coach(cls, coach: User) -> Rules:
        return cls.of(cls.objects.filter(coach=coach).first())

    @classmethod
    def loaded_with(cls, coach: User) -> Rules:
        """The rules of a coach loaded with their row (`select_related("…booking_rules")`):
        no row, the practice's defaults."""
        try:
            own = coach.booking_rules
        except cls.DoesNotExist:
            own = None
        return cls.of(own)

    @classmethod
    def of(cls, own: "BookingRules | None") -> Rules:
        """The rules from a coach's own row (None: the practice's defaults); for a page that
        loaded the rows with its appointments (`select_related("coach__booking_rules")`)."""
        defaults = settings.PRAKTIJK_BOOKING

        def pick(name):
            value = getattr(own, name, None) if own else None
            return defaults[name] if value is None else value

        return Rules(
            min_notice=timedelta(hours=pick("min_notice_hours")),
            max_ahead=timedelta(days=pick("max_days_ahead")),
            buffer=timedelta(minutes=pick("buffer_minutes")),
            step=timedelta(minutes=pick("slot_step_minutes")),
            cancel_window=timedelta(hours=pick("cancel_window_hours")),
        )
