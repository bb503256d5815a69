"""The backups made (manage.py backup, the nightly task): the status page shows the last."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BackupRun(models.Model):
    """One backup, made or failed. The archive itself is a file, not in the database."""

    started_at = models.DateTimeField(_("begonnen op"), default=timezone.now)
    finished_at = models.DateTimeField(_("klaar op"), null=True, blank=True)
    succeeded = models.BooleanField(_("gelukt"), default=False)
    file_name = models.CharField(_("bestand"), max_length=255, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("grootte in bytes"), null=True, blank=True)
    seconds = models.FloatField(_("duur in seconden"), null=True, blank=True)
    # What went wrong, for the admin: a tool's message, never a row of data.
    error = models.TextField(_("reden van mislukken"), blank=True)

    class Meta:
        verbose_name = _("back-up")
        verbose_name_plural = _("back-ups")
        ordering = ["-started_at"]
        indexes = [
            models.Index(
                fields=["-finished_at"], condition=models.Q(succeeded=True), name="backup_last_ok"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(succeeded=False) | models.Q(finished_at__isnull=False),
                name="backup_succeeded_when_finished",
            )
        ]

    def __str__(self) -> str:
        return self.file_name or str(self.started_at)
