"""A client's data as a whole: the coach downloads it, reads who opened it (the audit log) or
erases it; the client (or a parent of a child) downloads it in the portal and reads who opened
or changed it. Each download is written to the audit log."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from audit.log import Action, What, record
from audit.models import AuditEvent
from coaching.access import client_of_coach
from coaching.models import Client, Role
from coaching.roles import role_required
from privacy.access import client_to_download, may_download
from privacy.erasure import client_erase, why_not_erasable
from privacy.export import export_zip
from privacy.forms import EraseForm

PER_PAGE = 50  # rows of the log per page


def _download(request: HttpRequest, client: Client, account=None) -> HttpResponse:
    name, content = export_zip(client, account)
    record(request, Action.EXPORT, What.ALL_DATA, client=client, obj=client)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@role_required(Role.COACH)
def client_export(request: HttpRequest, client: str) -> HttpResponse:
    return _download(request, client_of_coach(request.user, client))


@require_safe
@role_required(Role.CLIENT)
def portal_export(request: HttpRequest, client: str) -> HttpResponse:
    """The account's own data, or a child's it acts for (AVG: a parent with authority of a
    child under 16 exercises the child's rights)."""
    client = client_to_download(request.user, client)
    return _download(request, client, request.user)


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def client_erase_view(request: HttpRequest, client: str) -> HttpResponse:
    """Erase a client (AVG art. 17): what goes, what the law keeps, then a confirmation."""
    client = client_of_coach(request.user, client)
    refused = why_not_erasable(client)
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not refused and form.is_valid():
        name = str(client)
        try:
            erased = client_erase(client=client, by=request.user, request=request)
        except ValidationError as error:
            refused = " ".join(error.messages)
        else:
            if erased.anonymised:
                messages.success(
                    request,
                    _("%(name)s is gewist. De verstuurde facturen blijven 7 jaar bewaard (de "
                      "fiscale bewaarplicht), zonder dossier.") % {"name": name},
                )  # fmt: skip
            else:
                messages.success(request, _("%(name)s is gewist.") % {"name": name})
            return redirect("client_list")
    return render(
        request,
        "privacy/client_erase.html",
        {
            "client": client,
            "form": form,
            "refused": refused,
            "trajects": client.trajects.count(),
            "invoices": client.invoices.exclude(status="draft").count(),
        },
    )


@require_safe
@role_required(Role.COACH)
def client_log(request: HttpRequest, client: str) -> HttpResponse:
    client = client_of_coach(request.user, client)
    events = AuditEvent.objects.about_client(client).select_related("actor")
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "privacy/client_log.html", {"client": client, "page": page})


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
        "privacy/portal_privacy.html",
        {"clients": clients, "page": page, "several": len(clients) > 1},
    )
