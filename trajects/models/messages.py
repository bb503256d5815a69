"""E-mail coaching (seed 002): the coachee writes whenever they like and gets an answer within
24 hours (DESIGN.md §4.6). The messages live here, not in anyone's mailbox."""

import uuid
from datetime import UTC, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.crypto import EncryptedFileField, EncryptedTextField
from coaching.dates import readable
from coaching.models import User
from trajects.models.traject import Traject


def answer_due(written_at):
    """The deadline: a fixed number of hours of real time (so across a DST change the clock
    shows an hour more or less than the time written)."""
    # In UTC: Python adds hours to a local time by the wall clock, which is wrong on the night
    # the clocks change.
    return written_at.astimezone(UTC) + timedelta(hours=settings.PRAKTIJK_EMAIL_ANSWER_HOURS)


class MessageQuerySet(models.QuerySet):
    def from_client(self) -> "MessageQuerySet":
        return self.filter(from_coach=False)

    def open(self) -> "MessageQuerySet":
        """Coachee messages the coach has not answered yet."""
        return self.filter(from_coach=False, answered_at__isnull=True)

    def unread(self) -> "MessageQuerySet":
        """The coach's messages that the client's side has not opened yet."""
        return self.filter(from_coach=True, read_at__isnull=True)

    def waiting(self) -> "MessageQuerySet":
        """Open messages of a conversation that still runs: after the switch to live sessions or
        the end of the traject a message no longer waits for an answer by e-mail."""
        return (
            self.open()
            .filter(traject__kind=Traject.Kind.EMAIL)
            .exclude(traject__status__in=Traject.CLOSED)
        )


class Message(models.Model):
    class State(models.TextChoices):
        ANSWERED = "answered", _("beantwoord")
        OPEN = "open", _("open")
        NEAR_DUE = "near_due", _("bijna te laat")
        OVERDUE = "overdue", _("te laat")

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    traject = models.ForeignKey(
        Traject, on_delete=models.CASCADE, related_name="messages", verbose_name=_("traject")
    )
    from_coach = models.BooleanField(_("van de coach"))
    author = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("door")
    )
    body = EncryptedTextField(_("bericht"))
    # Encrypted in the storage; read it with `attachment.decrypted()`.
    attachment = EncryptedFileField(_("bijlage"), upload_to="messages/%Y/%m/", blank=True)
    attachment_name = models.CharField(_("naam van de bijlage"), max_length=200, blank=True)
    attachment_type = models.CharField(_("soort bijlage"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("geschreven op"), default=timezone.now)
    due_at = models.DateTimeField(_("antwoord uiterlijk"), null=True, blank=True)
    answered_at = models.DateTimeField(_("beantwoord op"), null=True, blank=True)
    # A coach's message, read: when the client's (or a parent's) account first opened the
    # conversation after it was written (the portal's home counts the
    # unread ones). Empty on the client's own messages.
    read_at = models.DateTimeField(_("gelezen op"), null=True, blank=True, editable=False)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("bericht")
        verbose_name_plural = _("berichten")
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["traject", "created_at"], name="message_traject_time"),
            # The coachee's messages waiting for an answer, per traject (few of all): the coach's
            # Vandaag and the deadline alerts.
            models.Index(
                fields=["traject"],
                condition=Q(from_coach=False, answered_at__isnull=True),
                name="message_open",
            ),
        ]
        constraints = [
            # A coachee's message has a deadline; the coach's messages have none.
            models.CheckConstraint(
                condition=Q(from_coach=True, due_at__isnull=True)
                | Q(from_coach=False, due_at__isnull=False),
                name="message_deadline_only_for_the_coachee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.traject} {readable(self.created_at, time=True)}"

    def state(self, now=None) -> str:
        if self.from_coach or self.answered_at:
            return self.State.ANSWERED
        now = now or timezone.now()
        if now >= self.due_at:
            return self.State.OVERDUE
        if now >= self.due_at - timedelta(hours=settings.PRAKTIJK_EMAIL_NEAR_DUE_HOURS):
            return self.State.NEAR_DUE
        return self.State.OPEN
