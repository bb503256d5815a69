"""Health a monitor can read (coaching.health): /healthz stays the cheap liveness check; /readyz
(JSON) and /metrics (Prometheus) answer a bearer token or a practice admin; the admin's status
page shows the same checks, red past their limits (a worker or beat silent over 5 minutes, a due
e-mail waiting over 15, no backup for 36 hours)."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from coaching import celery_app, health
from coaching.beat import Scheduler
from coaching.models import BackupRun, Heartbeat, Send
from coaching.tests.workers import new_queue, start_beat, start_worker, stop, wait_for

pytestmark = pytest.mark.django_db
TOKEN = "monitor-token-0123456789abcdef"


@pytest.fixture
def token(settings):
    settings.PRAKTIJK_STATUS_TOKEN = TOKEN
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def _healthy(now=None):
    """A practice whose worker, beat and backup are all recent."""
    now = now or timezone.now()
    for source in (Heartbeat.Source.BEAT, Heartbeat.Source.SCHEDULER):
        Heartbeat.objects.create(source=source, last_seen_at=now - timedelta(seconds=30))
    BackupRun.objects.create(
        started_at=now - timedelta(hours=3),
        finished_at=now - timedelta(hours=3),
        succeeded=True,
        file_name="praktijk-x.backup",
    )


def test_healthz_stays_the_cheap_check_for_anyone(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"


@pytest.mark.parametrize("path", ["/readyz", "/metrics"])
def test_readyz_and_metrics_need_the_token_or_an_admin(
    client, settings, path, coach_a, admin_user, coachee
):
    settings.PRAKTIJK_STATUS_TOKEN = TOKEN
    assert client.get(path).status_code == 401
    assert client.get(path, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get(path, HTTP_AUTHORIZATION=TOKEN).status_code == 401
    for user in (coach_a, coachee):
        client.force_login(user)
        assert client.get(path).status_code == 401
    client.force_login(admin_user)
    assert client.get(path).status_code in (200, 503)
    client.logout()
    assert client.get(path, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code in (200, 503)
    # No token configured: no bearer works (an empty one included), an admin still does.
    settings.PRAKTIJK_STATUS_TOKEN = ""
    assert client.get(path, HTTP_AUTHORIZATION="Bearer ").status_code == 401


def test_readyz_reports_every_check_as_json(client, token):
    _healthy()
    Send.objects.create(subject="a", kind=Send.Kind.INVITATION, due_at=timezone.now())
    response = client.get("/readyz", **token)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["ready"] is True and body["ok"] is True
    assert set(body["checks"]) == {
        "database",
        "broker",
        "worker",
        "beat",
        "outbox_pending",
        "outbox_oldest",
        "sends_failed",
        "backup",
    }
    checks = body["checks"]
    assert checks["worker"]["ok"] and 29 <= checks["worker"]["value"] < 60
    assert checks["worker"]["limit"] == 300
    assert checks["outbox_pending"]["value"] == 1
    assert checks["backup"]["limit"] == 36 * 3600
    assert 3 * 3600 - 1 <= checks["backup"]["value"] < 3 * 3600 + 60


@pytest.mark.parametrize(
    "make, check",
    [
        (lambda now: Heartbeat.objects.filter(source="beat").update(
            last_seen_at=now - timedelta(minutes=5, seconds=5)), "worker"),
        (lambda now: Heartbeat.objects.filter(source="scheduler").update(
            last_seen_at=now - timedelta(minutes=6)), "beat"),
        (lambda now: Send.objects.create(subject="old", kind=Send.Kind.INVITATION,
            due_at=now - timedelta(minutes=16)), "outbox_oldest"),
        (lambda now: Send.objects.create(subject="f", kind=Send.Kind.INVITATION,
            status=Send.Status.FAILED, failed_at=now - timedelta(hours=2)), "sends_failed"),
        (lambda now: BackupRun.objects.update(finished_at=now - timedelta(hours=36, minutes=1)),
            "backup"),
        (lambda now: BackupRun.objects.all().delete(), "backup"),
        (lambda now: Heartbeat.objects.all().delete(), "worker"),
    ],
    ids=["worker-silent", "beat-silent", "mail-waiting", "send-failed", "backup-old",
         "no-backup", "never-a-heartbeat"],
)  # fmt: skip
def test_past_its_limit_a_check_turns_red_everywhere(client, token, admin_user, make, check):
    now = timezone.now()
    _healthy(now)
    make(now)
    body = client.get("/readyz", **token).json()
    red = {name for name, found in body["checks"].items() if not found["ok"]}
    assert check in red and red <= {check, "beat"}
    assert body["ready"] is True and body["ok"] is False
    # ?strict: a monitor that wants any red to fail the request.
    assert client.get("/readyz?strict", **token).status_code == 503
    metrics = client.get("/metrics", **token).content.decode()
    assert f'praktijk_check_ok{{check="{check}"}} 0.0' in metrics
    client.force_login(admin_user)
    page = client.get("/beheer/status/").content.decode()
    assert re.search(rf'data-check="{check}" data-ok="false"', page)
    assert "Aandacht nodig." in page


def test_just_within_the_limits_all_is_green(client, token, admin_user):
    now = timezone.now()
    _healthy(now)
    Heartbeat.objects.update(last_seen_at=now - timedelta(minutes=4))
    BackupRun.objects.update(finished_at=now - timedelta(hours=35))
    Send.objects.create(subject="w", kind=Send.Kind.INVITATION, due_at=now - timedelta(minutes=14))
    # A failure of yesterday's yesterday no longer counts.
    Send.objects.create(
        subject="f",
        kind=Send.Kind.INVITATION,
        status=Send.Status.FAILED,
        failed_at=now - timedelta(hours=25),
    )
    assert client.get("/readyz?strict", **token).status_code == 200
    client.force_login(admin_user)
    page = client.get("/beheer/status/").content.decode()
    assert 'data-ok="false"' not in page and "Alles in orde." in page


def test_a_broker_that_does_not_answer_makes_the_site_not_ready(client, token, settings):
    _healthy()
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz", **token)
    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert broker["ok"] is False and broker["error"]
    assert "127.0.0.1" not in response.content.decode()


def test_the_metrics_are_prometheus_text(client, token):
    _healthy()
    client.get("/healthz")
    response = client.get("/metrics", **token)
    assert response["Content-Type"].startswith("text/plain; version=")
    families = {family.name: family for family in text_string_to_metric_families(response.text)}
    assert {
        "praktijk_http_requests",
        "praktijk_http_request_duration_seconds",
        "praktijk_check_ok",
        "praktijk_up",
        "praktijk_heartbeat_age_seconds",
        "praktijk_outbox_pending",
        "praktijk_outbox_oldest_pending_seconds",
        "praktijk_sends_failed_24h",
        "praktijk_backup_age_seconds",
    } <= set(families)
    requests = [
        sample
        for sample in families["praktijk_http_requests"].samples
        if sample.labels.get("view") == "healthz"
    ]
    assert requests and requests[0].labels["status"] == "200"
    ages = {s.labels["source"]: s.value for s in families["praktijk_heartbeat_age_seconds"].samples}
    assert 29 <= ages["worker"] < 60 and 29 <= ages["beat"] < 60


def test_the_metrics_never_name_a_path(client, token, coach_a):
    client.force_login(coach_a)
    client.get("/coach/clienten/?q=Jansen")
    client.logout()
    text = client.get("/metrics", **token).content.decode()
    assert "Jansen" not in text and "/coach/clienten" not in text
    assert 'view="client_list"' in text


@pytest.mark.django_db(transaction=True)  # beat renews its connection outside any transaction
def test_beat_records_its_own_ticks(tmp_path, settings):
    scheduler = Scheduler(app=celery_app, schedule_filename=str(tmp_path / "schedule"), lazy=True)
    scheduler.setup_schedule()
    scheduler.tick()
    beat = Heartbeat.objects.get(source=Heartbeat.Source.SCHEDULER)
    assert timezone.now() - beat.last_seen_at < timedelta(seconds=5)
    scheduler.tick()  # within the interval: not recorded again
    assert Heartbeat.objects.get(source=Heartbeat.Source.SCHEDULER).count == 1


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_stopped_worker_and_then_a_stopped_beat_show_on_the_status_page(
    client, admin_user, settings, tmp_path: Path
):
    """Real processes: beat plans the heartbeat every second, a worker runs it (a limit of 10
    seconds instead of 5 minutes). Stopping the worker turns its row red while beat's stays
    green; stopping beat turns beat's red."""
    settings.PRAKTIJK_HEALTH_LIMITS = {**settings.PRAKTIJK_HEALTH_LIMITS, "heartbeat_seconds": 10}
    queue, log = new_queue(), tmp_path / "celery.log"
    fast = {"PRAKTIJK_HEARTBEAT_SECONDS": "1"}
    worker = start_worker(queue=queue, log=log, env=fast)
    beat = start_beat(queue=queue, log=log, schedule=tmp_path / "schedule", env=fast)
    try:

        def ok(name: str) -> bool:
            return health.snapshot()[name].ok

        wait_for(lambda: ok("worker") and ok("beat"), worker, log, what="worker and beat")
        stop(worker)
        wait_for(lambda: not ok("worker"), beat, log, what="the worker's row to turn red")
        assert ok("beat")
        client.force_login(admin_user)
        page = client.get("/beheer/status/").content.decode()
        assert 'data-check="worker" data-ok="false"' in page
        assert "Stil: er draait geen worker (beat draait wel)" in page
        assert 'data-check="beat" data-ok="true"' in page
        stop(beat)
        wait_for(lambda: not ok("beat"), None, log, what="beat's row to turn red")
    finally:
        stop(worker)
        stop(beat)
