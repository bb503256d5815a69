from django.urls import path

from privacy import views

urlpatterns = [
    path("coach/clienten/<uuid:client>/logboek/", views.client_log, name="client_log"),
    path("portaal/mijn-gegevens/", views.portal_privacy, name="portal_privacy"),
    path("coach/clienten/<uuid:client>/gegevens.zip", views.client_export, name="client_export"),
    path("coach/clienten/<uuid:client>/wissen/", views.client_erase_view, name="client_erase"),
    path(
        "portaal/mijn-gegevens/<uuid:client>/gegevens.zip",
        views.portal_export,
        name="portal_export",
    ),
]
