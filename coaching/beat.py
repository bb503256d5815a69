"""Celery beat's scheduler (CELERY_BEAT_SCHEDULER): Celery's own, which also records that beat is
alive (Heartbeat "scheduler"), so that the status page tells a stopped beat from a stopped worker:
beat plans the heartbeat task that a worker runs; when only that task's heartbeat is old, the
worker is down; when both are, beat is."""

import logging
import socket
import time

from celery.beat import PersistentScheduler
from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)


class Scheduler(PersistentScheduler):
    _recorded = float("-inf")

    def tick(self, *args, **kwargs):
        now = time.monotonic()
        # As often as the heartbeat task is planned (a minute), at most every 30 seconds.
        if now - self._recorded >= min(30.0, settings.PRAKTIJK_HEARTBEAT_SECONDS):
            self._recorded = now
            self._record()
        return super().tick(*args, **kwargs)

    def _record(self) -> None:
        from coaching.models import Heartbeat

        try:
            close_old_connections()  # beat lives long: a connection the server dropped is renewed
            Heartbeat.record(Heartbeat.Source.SCHEDULER, socket.gethostname())
        except Exception:  # noqa: BLE001 - never stop planning for it
            # The status page shows beat's record growing old.
            log.warning("beat: could not record its heartbeat", exc_info=True)
