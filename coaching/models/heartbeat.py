"""When a Celery task last ran."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.dates import readable


class Heartbeat(models.Model):
    """When a Celery task last ran: shows that the worker (and beat) are alive."""

    class Source(models.TextChoices):
        BEAT = "beat", _("Beat (elke minuut)")
        PING = "ping", _("Testtaak vanaf de statuspagina")

    source = models.CharField(_("bron"), max_length=10, choices=Source, unique=True)
    last_seen_at = models.DateTimeField(_("laatst gezien"))
    hostname = models.CharField(_("worker"), max_length=255, blank=True)
    count = models.PositiveBigIntegerField(_("aantal keer"), default=0)

    class Meta:
        verbose_name = _("hartslag")
        verbose_name_plural = _("hartslagen")

    def __str__(self) -> str:
        return f"{self.source} @ {readable(self.last_seen_at, time=True)}"

    @property
    def is_fresh(self) -> bool:
        age = timezone.now() - self.last_seen_at
        return age.total_seconds() <= settings.PRAKTIJK_HEARTBEAT_MAX_AGE_SECONDS
