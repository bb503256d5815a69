"""The outbox: every e-mail the practice sends is a row, claimed before it is sent.

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

    class Kind(models.TextChoices):
        """What is sent: each kind is registered by the app that writes it (its composer)."""

        ACCOUNT_MAIL = "account_mail", _("accountbericht (wachtwoord, beveiliging)")
        APPOINTMENT_BOOKED = "appointment_booked", _("bevestiging van een afspraak")
        APPOINTMENT_CANCELLED = "appointment_cancelled", _("afspraak afgezegd")
        APPOINTMENT_MOVED = "appointment_moved", _("afspraak verplaatst")
        APPOINTMENT_REMINDER = "appointment_reminder", _("herinnering aan een afspraak")
        APPOINTMENT_REMINDER_2 = "appointment_reminder_2", _("tweede herinnering aan een afspraak")
        APPOINTMENT_ROOM = "appointment_room", _("nieuwe videoruimte voor een afspraak")
        BACKSTAGE_GROUP_NOTICE = "backstage_group_notice", _("Backstage: wijziging in de groep")
        BACKSTAGE_MEETING = "backstage_meeting", _("herinnering aan een Backstage-bijeenkomst")
        BACKSTAGE_PREPARE = "backstage_prepare", _("Backstage: inbreng voorbereiden")
        BACKSTAGE_REPORT_BACK = "backstage_report_back", _("Backstage: terugkoppelen")
        BEDENKTIJD_OVER = "bedenktijd_over", _("bedenktijd voorbij")
        COACH_NOTICE = "coach_notice", _("bericht aan de coach over een online afspraak")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("toestemming ingetrokken")
        EMAIL_CONFIRMATION = "email_confirmation", _("bevestiging van een e-mailadres")
        EVALUATION_PROMPT = "evaluation_prompt", _("vraag om een evaluatie")
        INTAKE_PREP = "intake_prep", _("intake voorbereiden: vragenlijst en overeenkomst")
        INVITATION = "invitation", _("uitnodiging")
        INVOICE = "invoice", _("factuur")
        KENNISMAKING_FOR_COACH = "kennismaking_for_coach", _("kennismaking: aanvraag voor de coach")
        KENNISMAKING_RECEIVED = "kennismaking_received", _("kennismaking: aanvraag ontvangen")
        MESSAGE_NEAR_DUE = "message_near_due", _("bericht: antwoord bijna te laat")
        MESSAGE_OVERDUE = "message_overdue", _("bericht: antwoord te laat")
        MESSAGE_WAITING = "message_waiting", _("e-mailcoaching: er wacht een bericht")
        PORTAL_LINKED = "portal_linked", _("portaal: ouder gekoppeld aan een kind")
        QUOTE_REQUEST = "quote_request", _("offerteaanvraag voor de coach")
        SWITCHED_TO_LIVE = "switched_to_live", _("e-mailcoaching: overgestapt naar live sessies")
        WAITLIST_OFFER = "waitlist_offer", _("wachtlijst: een eerdere tijd aangeboden")

    # What it is about ("appointment:42") and what is sent about it ("reminder_24h").
    subject = models.CharField(_("onderwerp"), max_length=100)
    kind = models.CharField(_("soort"), max_length=50, choices=Kind)
    due_at = models.DateTimeField(_("te versturen vanaf"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    # When it was last handed to the workers (the sweep hands it again when that is long ago
    # and nobody claimed it: the message was lost with the broker, or a passing trouble).
    queued_at = models.DateTimeField(_("in de wachtrij gezet op"), null=True, blank=True)
    claim_token = models.UUIDField(
        _("claim van de verzender"), null=True, blank=True, editable=False
    )
    claimed_at = models.DateTimeField(_("opgepakt op"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("pogingen"), default=0)
    sent_at = models.DateTimeField(_("verstuurd op"), null=True, blank=True)
    # Whom it concerns, so that the coach sees what was sent about a client (and erasure finds
    # it); empty for mail to a coach about their own work or to an address without a client.
    client = models.ForeignKey(
        "coaching.Client",
        verbose_name=_("cliënt"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sends",
    )
    # What the composer needs that the database may no longer hold when the row is sent (the
    # time a moved appointment had; a deleted group's name and meetings). Plain values only:
    # never dossier or message text, never a secret (links are made when the message is).
    context = models.JSONField(_("gegevens voor het bericht"), default=dict, blank=True)
    recipients = models.JSONField(_("ontvangers"), default=list, blank=True)
    # Of a row with several messages: the addresses the server accepted theirs for already (a
    # later attempt sends to the others only).
    delivered_to = models.JSONField(_("al ontvangen door"), default=list, blank=True)
    error = models.TextField(_("reden van mislukken"), blank=True)
    # When it last failed (the status page counts the failures of the last day).
    failed_at = models.DateTimeField(_("mislukt op"), null=True, blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), default=timezone.now, editable=False)

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
            ),
            models.Index(
                fields=["failed_at"], condition=Q(status="failed"), name="send_failed_recently"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.subject}, {self.get_status_display()})"

    @classmethod
    def new_token(cls) -> uuid.UUID:
        return uuid.uuid4()
