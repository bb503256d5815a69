from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from coaching.admin_i18n import admin_javascript_catalog
from coaching.views import home, invitations, profile, public, status

# The Django admin signs in through allauth (its rate limits and second factor), not its own form.
admin.site.login = secure_admin_login(admin.site.login)
# Its JavaScript catalog, with the Dutch that Django's lacks (the date widget's spoken names).
admin.site.i18n_javascript = admin_javascript_catalog
admin.site.site_header = settings.PRAKTIJK_NAME
admin.site.site_title = settings.PRAKTIJK_NAME

urlpatterns = [
    path("", home.home, name="home"),
    path("werkwijze/", public.way_of_working, name="way_of_working"),
    path("backstage-groep/", public.backstage, name="backstage_info"),
    path("tarieven/", public.tariffs, name="tariffs"),
    path("contact/", public.contact, name="contact"),
    path("start/", home.after_login, name="after_login"),
    path("healthz", home.healthz, name="healthz"),
    path(
        "favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "favicon.svg"), name="favicon"
    ),
    path("taal/", home.set_language, name="set_language"),
    path("portaal/", home.portal_home, name="portal_home"),
    path("coach/profiel/", profile.coach_profile, name="coach_profile"),
    # The coach's dashboard, clients and their trajects, e-mail coaching (the trajects app).
    path("", include("trajects.urls")),
    # The calendar: appointments, booking, iCalendar (the sessions app, label "agenda").
    path("", include("sessions.urls")),
    # Backstage groups (the groups app).
    path("", include("groups.urls")),
    # Invoices and quotes (the billing app).
    path("", include("billing.urls")),
    # A client's data as a whole: download, the log of who opened it, erasure (privacy app).
    path("", include("privacy.urls")),
    # The monthly report for the practice's admin and each coach (reports app).
    path("", include("reports.urls")),
    path("uitnodigingen/", invitations.invitations, name="invitations"),
    path(
        "uitnodigingen/client/",
        invitations.invitation_create_client,
        name="invitation_create_client",
    ),
    path(
        "uitnodigingen/team/", invitations.invitation_create_staff, name="invitation_create_staff"
    ),
    path(
        "uitnodigingen/<uuid:invitation>/opnieuw/",
        invitations.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "uitnodiging/<uuid:invitation>/<str:token>/",
        invitations.invitation_accept_view,
        name="invitation_accept",
    ),
    path("beheer/status/", status.admin_status, name="admin_status"),
    path("beheer/status/test/", status.admin_status_ping, name="admin_status_ping"),
    path("readyz", status.readyz, name="readyz"),
    path("metrics", status.metrics_view, name="metrics"),
    path("beheer/", admin.site.urls),
    path("account/", include("allauth.urls")),
]
