from django.urls import path

from trajects import views

urlpatterns = [
    path("coach/", views.coach_dashboard, name="coach_dashboard"),
    path("coach/clienten/", views.client_list, name="client_list"),
    path("coach/clienten/<uuid:client>/", views.client_detail, name="client_detail"),
    path("coach/clienten/<uuid:client>/trajecten/nieuw/", views.traject_new, name="traject_new"),
    path("coach/trajecten/<uuid:traject>/", views.traject_detail, name="traject_detail"),
    path(
        "coach/trajecten/<uuid:traject>/stap/<slug:step>/",
        views.traject_step,
        name="traject_step",
    ),
    path("coach/trajecten/<uuid:traject>/intake/", views.intake_edit, name="intake_edit"),
    path("coach/trajecten/<uuid:traject>/aantekeningen/nieuw/", views.entry_new, name="entry_new"),
    path("coach/aantekeningen/<uuid:entry>/corrigeren/", views.entry_correct, name="entry_correct"),
]
