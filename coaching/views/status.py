"""The practice's health (coaching.health): the admin's status page, the readiness endpoint for a
monitor (JSON) and the metrics for Prometheus; the last two answer a request with
`Authorization: Bearer PRAKTIJK_STATUS_TOKEN`, or a signed-in practice admin."""

import secrets

from django.conf import settings
from django.contrib import messages
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from coaching import health, metrics, tasks
from coaching.models import Heartbeat, Role
from coaching.roles import has_role, role_required


@require_safe
@role_required(Role.ADMIN)
def admin_status(request: HttpRequest) -> HttpResponse:
    checks = health.snapshot()
    ping = Heartbeat.objects.filter(source=Heartbeat.Source.PING).first()
    return render(
        request,
        "coaching/status.html",
        {
            "checks": checks,
            "all_ok": all(check.ok for check in checks.values()),
            "ping": ping,
            "limits": settings.PRAKTIJK_HEALTH_LIMITS,
            "backup_dir": settings.PRAKTIJK_BACKUP_DIR,
            "broker": settings.CELERY_BROKER_URL.split("://", 1)[0],
            "database": connection.vendor,
            "video_room_base": settings.PRAKTIJK_VIDEO_ROOM_BASE,
        },
    )


@require_POST
@role_required(Role.ADMIN)
def admin_status_ping(request: HttpRequest) -> HttpResponse:
    tasks.heartbeat.delay_on_commit(source=Heartbeat.Source.PING)
    messages.info(
        request,
        _(
            "Testtaak verstuurd. Ververs de pagina over een paar seconden om te zien of "
            "de worker hem heeft uitgevoerd."
        ),
    )
    return redirect("admin_status")


LOOPBACK = {"127.0.0.1", "::1"}


def _monitor_allowed(request: HttpRequest) -> bool:
    token = settings.PRAKTIJK_STATUS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer "):
        # In production the token travels over HTTPS, or stays on the machine (these two are
        # exempt from the HTTPS redirect for a monitor on 127.0.0.1).
        if settings.PRODUCTION and not (
            request.is_secure() or request.META.get("REMOTE_ADDR") in LOOPBACK
        ):
            return False
        return secrets.compare_digest(given.removeprefix("Bearer ").encode(), token.encode())
    return has_role(request.user, Role.ADMIN)


def _refused() -> HttpResponse:
    response = JsonResponse({"error": "a bearer token (PRAKTIJK_STATUS_TOKEN) is required"})
    response.status_code = 401
    response["WWW-Authenticate"] = 'Bearer realm="praktijk"'
    return response


@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness for a monitor: 200 when the database and the broker answer (with ?strict, only
    when every check is within its limit), else 503; the checks as JSON either way."""
    if not _monitor_allowed(request):
        return _refused()
    checks = health.snapshot()
    ready, ok = health.ready(checks), all(check.ok for check in checks.values())
    body = {
        "ready": ready,
        "ok": ok,
        "time": timezone.now().isoformat(),
        "checks": {name: check.as_json() for name, check in checks.items()},
    }
    passing = ok if "strict" in request.GET else ready
    return JsonResponse(body, status=200 if passing else 503)


@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _monitor_allowed(request):
        return _refused()
    return HttpResponse(metrics.exposition(), content_type=metrics.CONTENT_TYPE)
