import logging
import socket

from celery import shared_task
from django.conf import settings

from coaching.models import Heartbeat

log = logging.getLogger(__name__)


@shared_task
def heartbeat(source: str = Heartbeat.Source.BEAT) -> None:
    """Record that a worker ran a task (every minute from beat; on demand from the status page).

    Idempotent: running it twice only moves the timestamp, so acks_late redelivery is harmless.
    """
    Heartbeat.record(source, socket.gethostname())


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


@shared_task(
    # Acknowledged when taken: a backup runs longer than the broker waits for an acknowledgement
    # (an hour), and must not then run a second time beside the first. A worker that dies leaves
    # the night without a backup, which the status page shows (older than 36 hours).
    acks_late=False,
    soft_time_limit=4 * 3600,
    time_limit=4 * 3600 + 300,
)
def backup_nightly() -> None:
    """The nightly archive into PRAKTIJK_BACKUP_DIR, keeping the newest PRAKTIJK_BACKUP_KEEP."""
    from coaching.backup import make_backup, prune

    made = make_backup(settings.PRAKTIJK_BACKUP_DIR)
    dropped = prune(settings.PRAKTIJK_BACKUP_DIR, settings.PRAKTIJK_BACKUP_KEEP)
    log.info(
        "backup: %s written (%d bytes in %.1f s), %d old archive(s) removed",
        made.path.name,
        made.size,
        made.seconds,
        len(dropped),
    )
