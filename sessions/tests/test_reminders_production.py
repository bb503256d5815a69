"""Reminders for real, in production mode: a real beat runs the sweep, a real worker sends the
reminder over SMTP (into a local aiosmtpd server), both started with PRAKTIJK_ENV=production
and the production checks passing (PostgreSQL, Redis, an https SITE_URL). Needs PostgreSQL and
Redis, which production mode insists on: it runs in CI and wherever DATABASE_URL and
CELERY_BROKER_URL point to them."""

import secrets
from datetime import timedelta
from email import message_from_bytes
from email.policy import default

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from coaching.models import Client, Send
from coaching.tests.smtp_sink import start_sink
from coaching.tests.workers import new_queue, start_beat, start_worker, stop, wait_for
from sessions.tests.factories import appointment_for
from trajects.tests.factories import TrajectFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def production_env():
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("production mode needs PostgreSQL and Redis (DATABASE_URL, CELERY_BROKER_URL)")
    sink, controller = start_sink()
    env = {
        "PRAKTIJK_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        # The test's own keys: the worker reads what this process encrypted.
        "PRAKTIJK_ENCRYPTION_KEYS": ",".join(settings.PRAKTIJK_ENCRYPTION_KEYS),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "praktijk.example",
        "SITE_URL": "https://praktijk.example",
        "CACHE_URL": settings.CACHES["default"]["LOCATION"]
        if "redis" in settings.CACHES["default"]["BACKEND"].lower()
        else "redis://127.0.0.1:6379/15",
        "EMAIL_HOST": controller.hostname,
        "EMAIL_PORT": str(controller.port),
        "EMAIL_USE_TLS": "false",
        "DEFAULT_FROM_EMAIL": "Praktijk <noreply@praktijk.example>",
        "PRAKTIJK_SWEEP_SECONDS": "1",
    }
    yield sink, env
    controller.stop()


def test_a_reminder_arrives_by_smtp_from_a_production_worker_and_beat(
    production_env, coach_a, coachee, tmp_path
):
    sink, env = production_env
    start = timezone.now() + timedelta(hours=23)
    traject = TrajectFactory(client=Client.objects.get(account=coachee))
    appointment = appointment_for(traject, start, booked_at=start - timedelta(days=4))
    queue, log = new_queue(), tmp_path / "celery.log"
    worker = start_worker(queue=queue, log=log, pool="prefork", concurrency=1, env=env)
    beat = start_beat(queue=queue, log=log, schedule=tmp_path / "beat-schedule", env=env)
    try:
        wait_for(lambda: sink.count >= 1, worker, log, seconds=90, what="the reminder by SMTP")
        wait_for(
            lambda: Send.objects.filter(status=Send.Status.SENT).exists(),
            worker,
            log,
            what="the outbox row marked sent",
        )
    finally:
        stop(beat)
        stop(worker)
    (received,) = sink.messages
    assert received.to == [coachee.email]
    parsed = message_from_bytes(received.body, policy=default)
    assert str(parsed["Subject"]).strip().startswith("[Praktijk] Herinnering: coachingsessie op")
    assert str(parsed["From"]) == "Praktijk <noreply@praktijk.example>"
    calendar = [part for part in parsed.walk() if part.get_content_type() == "text/calendar"]
    assert calendar and f"UID:{appointment.uuid}@praktijk" in calendar[0].get_content()
    text = next(p for p in parsed.walk() if p.get_content_type() == "text/plain").get_content()
    assert "https://praktijk.example/portaal/afspraken/" in text
    send = Send.objects.get()
    assert send.recipients == [coachee.email] and send.attempts == 1
