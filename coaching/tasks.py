import socket

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from coaching.models import Heartbeat


@shared_task
def heartbeat(source: str = Heartbeat.Source.BEAT) -> None:
    """Record that a worker ran a task (every minute from beat; on demand from the status page).

    Idempotent: running it twice only moves the timestamp, so acks_late redelivery is harmless.
    """
    now = timezone.now()
    updated = Heartbeat.objects.filter(source=source).update(
        last_seen_at=now, hostname=socket.gethostname(), count=F("count") + 1
    )
    if not updated:
        Heartbeat.objects.update_or_create(
            source=source,
            defaults={"last_seen_at": now, "hostname": socket.gethostname(), "count": 1},
        )
