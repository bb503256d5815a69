import socket

from celery import shared_task
from django.conf import settings
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


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    # Below the stale limit of the claims (coaching/settings.py): a claim older than that belongs
    # to no task still running, so the sweep can hand it to another worker soon after a death.
    soft_time_limit=settings.PRAKTIJK_SEND_SOFT_TIME_LIMIT,
    time_limit=settings.PRAKTIJK_SEND_TIME_LIMIT,
)
def deliver_sends(ids: list[int]) -> dict[str, int]:
    """Sends outbox rows; a redelivered or repeated call finds them claimed or sent (a no-op)."""
    from coaching.outbox import deliver

    return deliver(ids)


@shared_task
def sweep_sends() -> int:
    from coaching.outbox import sweep

    return sweep()


@shared_task(acks_late=True)
def noop() -> None:
    """Does nothing: the benchmark's baseline of a task's round trip (broker, worker, ack), to
    which `make bench` compares the time of sending reminders (bench/test_reminders_bench.py)."""
