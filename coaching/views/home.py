"""The way in: the home page, where an account goes after logging in, the language, the portal's
home, and the liveness check."""

from django.conf import settings
from django.db import connection, models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe
from django.views.i18n import set_language as django_set_language

from coaching.compiled import Compiled
from coaching.models import Client, Role
from coaching.models.clients import adult_born_before
from coaching.portal import portal_cards
from coaching.roles import home_url_for, role_required


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "coaching/home.html")


@require_safe
def after_login(request: HttpRequest) -> HttpResponse:
    """One address for 'my part of the site', whatever the role."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    return redirect(home_url_for(request.user))


@require_safe
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


# The clients the account acts for, with their coach (compiled once, coaching.compiled).
PORTAL_CLIENTS = Compiled(
    lambda at: Client.objects.acting_for(
        at.account, adult_born_before=at.adult_born_before
    ).select_related("coach__coach_profile"),
    account=models.BigIntegerField(),
    adult_born_before=models.DateField(),
)


@require_safe
@role_required(Role.CLIENT)
def portal_home(request: HttpRequest) -> HttpResponse:
    """What comes next, per client the account is or acts for: the
    sections the apps above coaching registered (coaching.portal), and how to reach the coach."""
    clients = PORTAL_CLIENTS.all(
        account=request.user.pk, adult_born_before=adult_born_before(timezone.localdate())
    )
    return render(request, "coaching/portal.html", {"cards": portal_cards(request.user, clients)})
