"""The log as the coach and the client see it: the coach the whole log of a client, the client
who opened, changed or downloaded their data (DESIGN.md §7)."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from audit.models import AuditEvent
from coaching.access import client_of_coach
from coaching.models import Client, Role
from coaching.roles import role_required
from privacy.views import may_download

PER_PAGE = 50


@require_safe
@role_required(Role.COACH)
def client_log(request: HttpRequest, client: str) -> HttpResponse:
    client = client_of_coach(request.user, client)
    events = AuditEvent.objects.about_client(client).select_related("actor")
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "audit/client_log.html", {"client": client, "page": page})


@require_safe
@role_required(Role.CLIENT)
def portal_privacy(request: HttpRequest) -> HttpResponse:
    """The client's own data: download it all, and see who opened or changed it."""
    clients = list(Client.objects.for_account(request.user))
    for client in clients:
        client.may_download = may_download(request.user, client)
    events = AuditEvent.objects.opened_by_others(clients, request.user).select_related(
        "actor", "client"
    )
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/portal_privacy.html",
        {"clients": clients, "page": page, "several": len(clients) > 1},
    )
