"""The outbox: every reminder or prompt the practice sends is a row, claimed before it is sent.

One row per (subject, kind), held by a unique constraint: a retry, a second worker, a second beat
or a redelivered task finds the row already there (and claimed or sent) and does nothing."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Send(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("wacht")
        CLAIMED = "claimed", _("wordt verstuurd")
        SENT = "sent", _("verstuurd")
        SKIPPED = "skipped", _("niet meer nodig")
        FAILED = "failed", _("mislukt")

    # What it is about ("appointment:42") and what is sent about it ("reminder_24h").
    subject = models.CharField(_("onderwerp"), max_length=100)
    kind = models.CharField(_("soort"), max_length=50)
    due_at = models.DateTimeField(_("te versturen vanaf"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    # When it was last handed to the workers (the sweep hands it again when that is long ago
    # and nobody claimed it: the message was lost with the broker, or a passing trouble).
    queued_at = models.DateTimeField(_("in de wachtrij gezet op"), null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("opgepakt op"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("pogingen"), default=0)
    sent_at = models.DateTimeField(_("verstuurd op"), null=True, blank=True)
    recipients = models.JSONField(_("ontvangers"), default=list, blank=True)
    # Of a row with several messages: the addresses the server accepted theirs for already (a
    # later attempt sends to the others only).
    delivered_to = models.JSONField(_("al ontvangen door"), default=list, blank=True)
    error = models.TextField(_("reden van mislukken"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("verzending")
        verbose_name_plural = _("verzendingen")
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "kind"], name="send_once_per_subject"),
            models.CheckConstraint(
                condition=~Q(subject="") & ~Q(kind=""), name="send_has_subject_and_kind"
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False)
                | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="send_sent_at_exactly_when_sent",
            ),
            models.CheckConstraint(
                condition=~Q(status="claimed")
                | Q(claimed_at__isnull=False, claim_token__isnull=False),
                name="send_claim_has_time_and_token",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["pending", "claimed"]),
                name="send_to_do",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} ({self.status})"

    @classmethod
    def new_token(cls) -> uuid.UUID:
        return uuid.uuid4()
