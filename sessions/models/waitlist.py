"""The waitlist: a client (or a parent) with a running traject asks to be told of an earlier
time, and gets an offer when a fitting time of the coach comes free (sessions.services.waitlist).

A request says which appointment (a session type bookable online), before which date, on which
days, in which parts of the day and in which forms. An offer is one free time for one request;
the first of the people offered a time to accept it books it through the normal booking path,
the others find it taken and stay on the list.
"""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.dates import readable
from coaching.models import User
from sessions.models.appointments import Appointment, Mode, SessionType
from trajects.models import Traject


class Daypart(models.TextChoices):
    """Parts of the day, by the local start of a time: before 12:00, 12:00–17:00, from 17:00."""

    MORNING = "morning", _("ochtend")
    AFTERNOON = "afternoon", _("middag")
    EVENING = "evening", _("avond")

    @classmethod
    def of(cls, hour: int) -> str:
        if hour < 12:
            return cls.MORNING
        if hour < 17:
            return cls.AFTERNOON
        return cls.EVENING


class WaitlistRequest(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("wacht op een eerdere tijd")
        BOOKED = "booked", _("geboekt via een aanbod")
        WITHDRAWN = "withdrawn", _("ingetrokken")
        REMOVED = "removed", _("verwijderd door de coach")
        ENDED = "ended", _("traject beëindigd")

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    traject = models.ForeignKey(
        Traject, on_delete=models.CASCADE, related_name="waitlist", verbose_name=_("traject")
    )
    session_type = models.ForeignKey(
        SessionType, on_delete=models.PROTECT, related_name="+", verbose_name=_("soort afspraak")
    )
    before = models.DateField(_("uiterlijk op"))
    # Weekdays 0 (Monday) to 6, dayparts (Daypart) and forms (Mode): each at least one.
    weekdays = models.JSONField(_("dagen"), default=list)
    dayparts = models.JSONField(_("dagdelen"), default=list)
    modes = models.JSONField(_("vormen"), default=list)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.WAITING)
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("gevraagd door"),
    )
    created_at = models.DateTimeField(_("gevraagd op"), default=timezone.now, editable=False)
    ended_at = models.DateTimeField(_("beëindigd op"), null=True, blank=True)

    class Meta:
        verbose_name = _("wachtlijstverzoek")
        verbose_name_plural = _("wachtlijstverzoeken")
        # The order in which offers go out: who asked first.
        ordering = ["created_at", "pk"]
        constraints = [
            # One waiting request per traject and kind of appointment: asking again changes it.
            models.UniqueConstraint(
                fields=["traject", "session_type"],
                condition=Q(status="waiting"),
                name="waitlist_one_waiting_per_type",
                violation_error_message=_(
                    "Voor deze afspraak sta je al op de wachtlijst; pas die vraag aan."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status="waiting", ended_at__isnull=True)
                | (~Q(status="waiting") & Q(ended_at__isnull=False)),
                name="waitlist_ended_exactly_when_not_waiting",
            ),
        ]

    def __str__(self) -> str:
        return _("%(kind)s, uiterlijk %(before)s") % {
            "kind": self.session_type,
            "before": readable(self.before, year=True),
        }

    @property
    def is_waiting(self) -> bool:
        return self.status == self.Status.WAITING and self.before >= timezone.localdate()

    def fits(self, start, end) -> bool:
        """A free time from `start` to `end` is one this request asked for (day, part of the
        day, ending on or before its date)."""
        local = timezone.localtime(start)
        return (
            timezone.localtime(end).date() <= self.before
            and local.weekday() in self.weekdays
            and Daypart.of(local.hour) in self.dayparts
        )

    def weekday_labels(self) -> list[str]:
        from sessions.models.availability import WorkingHours

        return [str(WorkingHours.Weekday(day).label) for day in sorted(self.weekdays)]

    def daypart_labels(self) -> list[str]:
        return [str(Daypart(part).label) for part in Daypart.values if part in self.dayparts]

    def mode_labels(self) -> list[str]:
        return [str(Mode(mode).label) for mode in Mode.values if mode in self.modes]


class WaitlistOffer(models.Model):
    """One free time offered to one request. Open until it is accepted, declined, taken by
    someone else, or expires (`expires_at`: the practice's time to answer, and never later
    than the time itself)."""

    class Status(models.TextChoices):
        OPEN = "open", _("aangeboden")
        ACCEPTED = "accepted", _("aangenomen")
        DECLINED = "declined", _("afgeslagen")
        TAKEN = "taken", _("al door een ander geboekt")

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(
        WaitlistRequest, on_delete=models.CASCADE, related_name="offers", verbose_name=_("verzoek")
    )
    # The request's coach, kept for the query "offers of this coach's time" (no join).
    coach = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="+", verbose_name=_("coach")
    )
    start = models.DateTimeField(_("begin"))
    end = models.DateTimeField(_("einde"))
    mode = models.CharField(_("vorm"), max_length=10, choices=Mode)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(_("aangeboden op"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("geldig tot"))
    answered_at = models.DateTimeField(_("beantwoord op"), null=True, blank=True)
    # How often the time was offered: it is offered again when it comes free again after it
    # was taken or the offer expired (each time with a mail of its own).
    round = models.PositiveSmallIntegerField(_("keer aangeboden"), default=1)
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("afspraak"),
    )

    class Meta:
        verbose_name = _("aanbod van de wachtlijst")
        verbose_name_plural = _("aanbiedingen van de wachtlijst")
        ordering = ["start"]
        indexes = [models.Index(fields=["coach", "start"], name="waitlist_offer_coach_start")]
        constraints = [
            # The same time is offered to a request once, however often it comes free.
            models.UniqueConstraint(fields=["request", "start"], name="waitlist_offer_once"),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="waitlist_offer_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__lte=F("start")), name="waitlist_offer_ends_by_its_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(answered_at__isnull=False),
                name="waitlist_offer_accepted_when",
            ),
        ]

    def __str__(self) -> str:
        return readable(self.start, weekday=True, time=True, year=True)

    def is_open(self, now=None) -> bool:
        return self.status == self.Status.OPEN and (now or timezone.now()) < self.expires_at
