from django.urls import path

from trajects import evaluation_views, messages_views, views

urlpatterns = [
    path(
        "evaluatie/<uuid:evaluation>/<str:link_token>/",
        evaluation_views.evaluation_fill,
        name="evaluation_fill",
    ),
    path("portaal/evaluaties/", evaluation_views.portal_evaluations, name="portal_evaluations"),
    path("portaal/berichten/", messages_views.portal_messages, name="portal_messages"),
    path(
        "portaal/berichten/<uuid:traject>/",
        messages_views.portal_conversation,
        name="portal_conversation",
    ),
    path(
        "portaal/berichten/<uuid:traject>/live/",
        messages_views.portal_conversation_live,
        name="portal_conversation_live",
    ),
    path(
        "portaal/berichten/<uuid:traject>/afsluiten/",
        messages_views.portal_conversation_close,
        name="portal_conversation_close",
    ),
    path(
        "coach/trajecten/<uuid:traject>/berichten/",
        messages_views.coach_reply,
        name="coach_reply",
    ),
    path(
        "coach/trajecten/<uuid:traject>/live-sessies/",
        messages_views.coach_switch,
        name="coach_switch",
    ),
    path(
        "berichten/<uuid:message>/bijlage/",
        messages_views.message_attachment,
        name="message_attachment",
    ),
    path(
        "coach/berichten/statistiek/",
        messages_views.message_statistics,
        name="message_statistics",
    ),
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
