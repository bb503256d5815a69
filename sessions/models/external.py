"""A coach's own calendars (Google, Outlook, iCloud) by their secret iCalendar address, and the
busy times read from them (sessions.feeds): online booking leaves those times out."""

from urllib.parse import urlsplit

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.crypto import EncryptedTextField
from coaching.models import User


class CalendarFeed(models.Model):
    """One secret address of a coach's own calendar. The address is a key to that calendar:
    encrypted at rest, and shown only by its host."""

    coach = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="calendar_feeds", verbose_name=_("coach")
    )
    label = models.CharField(_("naam"), max_length=60, blank=True)
    url = EncryptedTextField(_("geheim adres (iCal)"))
    # What the last answer said, for a conditional GET (If-None-Match, If-Modified-Since).
    etag = models.CharField(max_length=200, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    last_success_at = models.DateTimeField(_("laatst gelukt"), null=True, blank=True)
    last_error_at = models.DateTimeField(_("laatst mislukt"), null=True, blank=True)
    # Why the last try failed, in the coach's words (sessions.fetch); empty after a success.
    last_error = models.CharField(_("fout"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("toegevoegd op"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("eigen agenda")
        verbose_name_plural = _("eigen agenda's")
        ordering = ["coach", "created_at"]

    def __str__(self) -> str:
        return self.label or self.host

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "?"


class ExternalBusy(models.Model):
    """A time the coach is busy in their own calendar: only when, nothing of what."""

    feed = models.ForeignKey(
        CalendarFeed, on_delete=models.CASCADE, related_name="busy", verbose_name=_("agenda")
    )
    # The feed's coach, kept here for the free slots' query (one index, no join).
    coach = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="external_busy", verbose_name=_("coach")
    )
    starts_at = models.DateTimeField(_("van"))
    ends_at = models.DateTimeField(_("tot"))

    class Meta:
        verbose_name = _("bezet in eigen agenda")
        verbose_name_plural = _("bezet in eigen agenda")
        indexes = [models.Index(fields=["coach", "starts_at"], name="external_busy_coach_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="external_busy_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"
