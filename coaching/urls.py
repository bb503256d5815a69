from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from coaching import views

# The Django admin signs in through allauth (its rate limits and second factor), not its own form.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = settings.PRAKTIJK_NAME
admin.site.site_title = settings.PRAKTIJK_NAME

urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.after_login, name="after_login"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "favicon.svg"), name="favicon"
    ),
    path("taal/", views.set_language, name="set_language"),
    path("coach/", views.coach_dashboard, name="coach_dashboard"),
    path("portaal/", views.portal_home, name="portal_home"),
    path("uitnodigingen/", views.invitations, name="invitations"),
    path("uitnodigingen/client/", views.invitation_create_client, name="invitation_create_client"),
    path("uitnodigingen/team/", views.invitation_create_staff, name="invitation_create_staff"),
    path(
        "uitnodigingen/<uuid:invitation>/opnieuw/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "uitnodiging/<uuid:invitation>/<str:token>/",
        views.invitation_accept_view,
        name="invitation_accept",
    ),
    path("beheer/status/", views.admin_status, name="admin_status"),
    path("beheer/status/test/", views.admin_status_ping, name="admin_status_ping"),
    path("beheer/", admin.site.urls),
    path("account/", include("allauth.urls")),
]
