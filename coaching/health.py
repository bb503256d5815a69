"""The practice's health, as one snapshot: the admin's status page, the readiness endpoint (JSON,
for a monitor) and the Prometheus metrics all show these checks, with the same limits.

- ``database``: a query answers;
- ``broker``: a connection to the Celery broker opens;
- ``worker``: the heartbeat task (planned by beat every minute, run by a worker) ran lately;
- ``beat``: beat itself ticked lately (its scheduler records it, coaching.beat);
- ``outbox``: how many e-mails are due and not sent, and how long the oldest has waited;
- ``sends_failed``: e-mails that failed in the last 24 hours (they wait for the admin);
- ``backup``: how long ago the last backup succeeded.

The limits (PRAKTIJK_HEALTH_LIMITS) are those of the issue that asked for this: a worker or beat
silent for over 5 minutes, a due e-mail waiting over 15 minutes, no backup for over 36 hours.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Min
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from coaching.models import BackupRun, Heartbeat, Send


@dataclass
class Check:
    name: str
    ok: bool
    # The measured value (seconds of age, or a count); None when there is nothing to measure
    # (never ran, or the database did not answer).
    value: float | None
    limit: float | None
    unit: str  # "seconds", "count" or ""
    since: datetime | None = None
    error: str = ""
    # What it means, when the check alone cannot say (a silent worker while beat runs).
    reason: str = ""

    @property
    def label(self) -> str:
        return str(LABELS[self.name])

    @property
    def state(self) -> str:
        """In a few words, for the status page."""
        if self.ok:
            return str(_("In orde"))
        if self.error == "database" and self.name != "database":
            return str(_("Niet te meten: de database antwoordt niet"))
        if self.error:
            return str(_("Niet bereikbaar"))
        if self.value is None:
            return str(NEVER.get(self.name, _("Onbekend")))
        return self.reason or str(TOO_MUCH.get(self.name, _("Boven de grens")))

    @property
    def measured(self) -> str:
        if self.value is None:
            return self.error if self.error and self.error != "database" else "—"
        if self.unit == "count":
            return str(int(self.value))
        if self.since is None:
            return str(_("geen"))
        if self.value < 60:
            return str(_("zojuist"))
        return str(_("%(ago)s geleden")) % {"ago": timesince(self.since)}

    @property
    def limit_text(self) -> str:
        """When the row turns red."""
        if self.limit is None:
            return "—"
        if self.unit == "count":
            return str(_("1 of meer")) if self.limit == 0 else f"> {int(self.limit)}"
        minutes = int(self.limit // 60)
        if minutes % 60 == 0 and minutes >= 120:
            hours = minutes // 60
            return ngettext("meer dan %(count)s uur", "meer dan %(count)s uur", hours) % {
                "count": hours
            }
        return ngettext("meer dan %(count)s minuut", "meer dan %(count)s minuten", minutes) % {
            "count": minutes
        }

    def as_json(self) -> dict:
        data = asdict(self)
        data["since"] = self.since.isoformat() if self.since else None
        return data


LABELS = {
    "database": _("Database"),
    "broker": _("Broker (wachtrij van de taken)"),
    "worker": _("Worker"),
    "beat": _("Beat (planner)"),
    "outbox_pending": _("E-mails die wachten"),
    "outbox_oldest": _("Oudste wachtende e-mail"),
    "sends_failed": _("Mislukte e-mails (laatste 24 uur)"),
    "backup": _("Laatste back-up"),
}

NEVER = {
    "worker": _("Nog nooit gezien: draait er een worker (en beat)?"),
    "beat": _("Nog nooit gezien: draait beat?"),
    "backup": _("Nog nooit een back-up gemaakt"),
}
TOO_MUCH = {
    "beat": _("Stil: beat draait niet"),
    "outbox_oldest": _("Wacht te lang: verstuurt de worker?"),
    "sends_failed": _("Mislukt: zie Verzendingen"),
    "backup": _("Te oud"),
}

# What readiness depends on: without these the site cannot serve (the rest is for the monitor).
READINESS = ("database", "broker")


def snapshot() -> dict[str, Check]:
    """Every check, now. Each is measured on its own: one that fails does not hide the rest."""
    now = timezone.now()
    limits = settings.PRAKTIJK_HEALTH_LIMITS
    checks = {"database": _database()}
    checks["broker"] = _broker()
    if checks["database"].ok:
        checks.update(_from_database(now, limits))
    else:
        for name in ("worker", "beat", "outbox_pending", "outbox_oldest", "sends_failed", "backup"):
            checks[name] = Check(name, ok=False, value=None, limit=None, unit="", error="database")
    return checks


def ready(checks: dict[str, Check]) -> bool:
    return all(checks[name].ok for name in READINESS)


def _database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return Check("database", ok=False, value=None, limit=None, unit="", error=_kind(error))
    return Check("database", ok=True, value=None, limit=None, unit="")


def _broker() -> Check:
    from coaching.celery import app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL, connect_timeout=2) as broker:
            broker.ensure_connection(max_retries=0, timeout=3)
    except Exception as error:  # noqa: BLE001 - any failure to connect is the answer
        return Check("broker", ok=False, value=None, limit=None, unit="", error=_kind(error))
    return Check("broker", ok=True, value=None, limit=None, unit="")


def _kind(error: BaseException) -> str:
    """What went wrong, by kind only (a message may name a host or a user)."""
    return type(error).__name__


def _age(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else max(0.0, (now - then).total_seconds())


def _from_database(now: datetime, limits: dict) -> dict[str, Check]:
    beats = dict(Heartbeat.objects.values_list("source", "last_seen_at"))
    outbox = Send.objects.filter(
        status__in=[Send.Status.PENDING, Send.Status.CLAIMED], due_at__lte=now
    ).aggregate(count=Count("pk"), oldest=Min("due_at"))
    failed = Send.objects.filter(
        status=Send.Status.FAILED, failed_at__gte=now - timedelta(days=1)
    ).count()
    backup = (
        BackupRun.objects.filter(succeeded=True)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    checks = {}
    for name, source in (("worker", Heartbeat.Source.BEAT), ("beat", Heartbeat.Source.SCHEDULER)):
        age = _age(now, beats.get(source))
        checks[name] = Check(
            name,
            ok=age is not None and age <= limits["heartbeat_seconds"],
            value=age,
            limit=limits["heartbeat_seconds"],
            unit="seconds",
            since=beats.get(source),
        )
    if not checks["worker"].ok and checks["worker"].value is not None:
        checks["worker"].reason = str(
            _("Stil: er draait geen worker (beat draait wel)")
            if checks["beat"].ok
            else _("Stil: beat draait niet, dus plant niemand de taak")
        )
    checks["outbox_pending"] = Check(
        "outbox_pending", ok=True, value=outbox["count"], limit=None, unit="count"
    )
    oldest = _age(now, outbox["oldest"]) or 0.0
    checks["outbox_oldest"] = Check(
        "outbox_oldest",
        ok=oldest <= limits["outbox_oldest_seconds"],
        value=oldest,
        limit=limits["outbox_oldest_seconds"],
        unit="seconds",
        since=outbox["oldest"],
    )
    checks["sends_failed"] = Check(
        "sends_failed", ok=failed == 0, value=failed, limit=0, unit="count"
    )
    age = _age(now, backup)
    checks["backup"] = Check(
        "backup",
        ok=age is not None and age <= limits["backup_seconds"],
        value=age,
        limit=limits["backup_seconds"],
        unit="seconds",
        since=backup,
    )
    return checks
