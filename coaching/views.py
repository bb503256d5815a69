from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError, connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from coaching import tasks
from coaching.accounts import account_invite, invitation_accept, invitation_is_valid
from coaching.accounts import invitation_send as send_invitation
from coaching.forms import AcceptInvitationForm, InvitationForm
from coaching.models import Client, Heartbeat, Invitation, Role
from coaching.roles import home_url_for, role_required


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "coaching/home.html")


@require_GET
def after_login(request: HttpRequest) -> HttpResponse:
    """One address for 'my part of the site', whatever the role."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    return redirect(home_url_for(request.user))


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """For a load balancer: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also remembers the choice on the account (for e-mails)."""
    response = django_set_language(request)
    language = request.POST.get("language")
    user = request.user
    if user.is_authenticated and language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return response


@require_GET
@role_required(Role.COACH)
def coach_dashboard(request: HttpRequest) -> HttpResponse:
    clients = Client.objects.for_coach(request.user).prefetch_related("guardians")
    page = Paginator(clients, 25).get_page(request.GET.get("page"))
    return render(request, "coach/dashboard.html", {"page": page})


@require_GET
@role_required(Role.CLIENT)
def portal_home(request: HttpRequest) -> HttpResponse:
    clients = Client.objects.for_account(request.user).select_related("coach")
    return render(request, "portal/home.html", {"clients": clients})


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH, Role.ADMIN)
def invitations(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None, inviter=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = account_invite(invited_by=request.user, **form.cleaned_data)
        except IntegrityError:
            # Two invitations for one address at the same moment: the other one won.
            form.add_error("email", _("Er bestaat al een account met dit e-mailadres."))
        else:
            messages.success(
                request,
                _("Uitnodiging verstuurd naar %(email)s.") % {"email": invitation.user.email},
            )
            return redirect("invitations")
    sent = Invitation.objects.visible_to(request.user).select_related("user", "invited_by")
    page = Paginator(sent, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "coaching/invitations.html",
        {"form": form, "page": page, "days": settings.PRAKTIJK_INVITATION_DAYS},
    )


@require_POST
@role_required(Role.COACH, Role.ADMIN)
def invitation_resend(request: HttpRequest, invitation: str) -> HttpResponse:
    invitation = get_object_or_404(
        Invitation.objects.visible_to(request.user).select_related("user"), uuid=invitation
    )
    if invitation.accepted_at is None:
        send_invitation(invitation=invitation)
        messages.success(
            request,
            _("Uitnodiging opnieuw verstuurd naar %(email)s.") % {"email": invitation.user.email},
        )
    else:
        messages.info(request, _("Deze uitnodiging is al geaccepteerd."))
    return redirect("invitations")


@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HttpRequest, invitation: str, token: str) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("user"), uuid=invitation)
    if request.user.is_authenticated:
        messages.info(
            request, _("Je bent al ingelogd. Log eerst uit om een uitnodiging te gebruiken.")
        )
        return redirect("after_login")
    if not invitation_is_valid(invitation, token):
        return render(request, "coaching/invitation_invalid.html", status=410)
    form = AcceptInvitationForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation_accept(invitation=invitation, password=form.cleaned_data["new_password1"])
        messages.success(request, _("Je wachtwoord is ingesteld. Log nu in met je e-mailadres."))
        return redirect("account_login")
    return render(
        request, "coaching/invitation_accept.html", {"form": form, "invitation": invitation}
    )


@require_GET
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
