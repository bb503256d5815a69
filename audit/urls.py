from django.urls import path

from audit import views

urlpatterns = [
    path("coach/clienten/<uuid:client>/logboek/", views.client_log, name="client_log"),
    path("portaal/mijn-gegevens/", views.portal_privacy, name="portal_privacy"),
]
