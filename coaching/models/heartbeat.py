"""When a Celery task last ran."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.dates import readable


class Heartbeat(models.Model):
    """When a Celery task last ran: shows that the worker (and beat) are alive."""

    class Source(models.TextChoices):
        # The heartbeat task, planned by beat every minute and run by a worker.
        BEAT = "beat", _("Worker (de taak van elke minuut)")
        PING = "ping", _("Testtaak vanaf de statuspagina")
        # Beat itself: its scheduler records its ticks (coaching.beat).
        SCHEDULER = "scheduler", _("Beat (planner)")

    source = models.CharField(_("bron"), max_length=10, choices=Source, unique=True)
    last_seen_at = models.DateTimeField(_("laatst gezien"))
    hostname = models.CharField(_("worker"), max_length=255, blank=True)
    count = models.PositiveBigIntegerField(_("aantal keer"), default=0)

    class Meta:
        verbose_name = _("hartslag")
        verbose_name_plural = _("hartslagen")

    def __str__(self) -> str:
        return f"{self.source} @ {readable(self.last_seen_at, time=True)}"

    @classmethod
    def record(cls, source: str, hostname: str = "") -> None:
        """Moves the source's timestamp to now (idempotent: a repeat only moves it again)."""
        now = timezone.now()
        updated = cls.objects.filter(source=source).update(
            last_seen_at=now, hostname=hostname, count=models.F("count") + 1
        )
        if not updated:
            cls.objects.update_or_create(
                source=source, defaults={"last_seen_at": now, "hostname": hostname, "count": 1}
            )

    @property
    def is_fresh(self) -> bool:
        age = timezone.now() - self.last_seen_at
        return age.total_seconds() <= settings.PRAKTIJK_HEALTH_LIMITS["heartbeat_seconds"]
