"""Metrics in Prometheus' text format (prometheus_client, the Prometheus project's own library),
at /metrics for a host that scrapes (token-protected like /readyz, coaching.views.status).

- ``praktijk_http_requests_total{view,method,status}`` and
  ``praktijk_http_request_duration_seconds{view}``: every request, by the view's name (never a
  path), counted by coaching.observe;
- the checks of the status page (coaching.health), measured at each scrape:
  ``praktijk_check_ok{check}`` (1 within its limit, 0 not), ``praktijk_up{check}`` for the
  database and the broker, ``praktijk_heartbeat_age_seconds{source}`` (worker, beat),
  ``praktijk_outbox_pending``, ``praktijk_outbox_oldest_pending_seconds``,
  ``praktijk_sends_failed_24h`` and ``praktijk_backup_age_seconds``;
- the process's own (CPU, memory, open files) from prometheus_client.

With several gunicorn processes, set PROMETHEUS_MULTIPROC_DIR to an empty folder that the
processes share (emptied before they start): a scrape then sums them all (docs/production.md).
"""

import logging
import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

REQUESTS = Counter(
    "praktijk_http_requests",
    "HTTP requests answered, by view, method and status.",
    ["view", "method", "status"],
)
DURATION = Histogram(
    "praktijk_http_request_duration_seconds",
    "Time to answer a request, by view.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CONTENT_TYPE = CONTENT_TYPE_LATEST


_failed = False


def observe_request(view: str, method: str, status: int, seconds: float) -> None:
    """Counts the request; a metrics store that fails (PROMETHEUS_MULTIPROC_DIR missing or not
    writable) is logged once and never fails the request."""
    global _failed
    try:
        REQUESTS.labels(view, method, str(status)).inc()
        DURATION.labels(view).observe(seconds)
    except OSError:
        if not _failed:
            _failed = True
            logging.getLogger(__name__).exception(
                "metrics: could not count a request (is PROMETHEUS_MULTIPROC_DIR writable?)"
            )


class HealthCollector:
    """The status page's checks, as gauges, measured when scraped."""

    def collect(self):
        from coaching import health

        checks = health.snapshot()
        ok = GaugeMetricFamily(
            "praktijk_check_ok", "1 when the check is within its limit, else 0.", labels=["check"]
        )
        up = GaugeMetricFamily(
            "praktijk_up", "1 when the service answers, else 0.", labels=["check"]
        )
        for check in checks.values():
            ok.add_metric([check.name], 1.0 if check.ok else 0.0)
            if check.name in health.READINESS:
                up.add_metric([check.name], 1.0 if check.ok else 0.0)
        yield ok
        yield up
        beats = GaugeMetricFamily(
            "praktijk_heartbeat_age_seconds",
            "Seconds since the worker ran the heartbeat task, and since beat ticked.",
            labels=["source"],
        )
        for name in ("worker", "beat"):
            if checks[name].value is not None:
                beats.add_metric([name], checks[name].value)
        yield beats
        for name, metric, text in (
            ("outbox_pending", "praktijk_outbox_pending", "E-mails due and not sent."),
            (
                "outbox_oldest",
                "praktijk_outbox_oldest_pending_seconds",
                "Seconds the oldest due e-mail has waited (0: none waits).",
            ),
            ("sends_failed", "praktijk_sends_failed_24h", "E-mails that failed in the last day."),
            ("backup", "praktijk_backup_age_seconds", "Seconds since the last backup succeeded."),
        ):
            gauge = GaugeMetricFamily(metric, text)
            if checks[name].value is not None:
                gauge.add_metric([], checks[name].value)
            yield gauge


def exposition() -> bytes:
    """The text a scrape gets: the processes' metrics and the checks of this moment."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    checks = CollectorRegistry(auto_describe=False)
    checks.register(HealthCollector())
    return body + generate_latest(checks)
