"""The admin's status page: is the worker alive, does mail go out."""

from django.conf import settings
from django.contrib import messages
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from coaching import tasks
from coaching.models import Heartbeat, Role
from coaching.roles import role_required


@require_safe
@role_required(Role.ADMIN)
def admin_status(request: HttpRequest) -> HttpResponse:
    beats = {beat.source: beat for beat in Heartbeat.objects.all()}
    return render(
        request,
        "coaching/status.html",
        {
            "beat": beats.get(Heartbeat.Source.BEAT),
            "ping": beats.get(Heartbeat.Source.PING),
            "max_age_minutes": settings.PRAKTIJK_HEARTBEAT_MAX_AGE_SECONDS // 60,
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
