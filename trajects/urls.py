from django.urls import path

from trajects.views import agreement, clients, dashboard, evaluations, messages, trajects

urlpatterns = [
    path("portaal/intake/", agreement.portal_intake, name="portal_intake"),
    path(
        "overeenkomst/<uuid:traject>/<str:key>/<str:agreement_token>/",
        agreement.agreement_by_link,
        name="agreement_by_link",
    ),
    path(
        "overeenkomst/<uuid:traject>/<str:key>/<str:agreement_token>/pdf/",
        agreement.agreement_link_pdf,
        name="agreement_link_pdf",
    ),
    path(
        "portaal/overeenkomst/<uuid:acceptance>/",
        agreement.portal_agreement_pdf,
        name="portal_agreement_pdf",
    ),
    path(
        "coach/overeenkomst/<uuid:acceptance>/",
        agreement.coach_agreement_pdf,
        name="coach_agreement_pdf",
    ),
    path(
        "evaluatie/<uuid:evaluation>/<str:link_token>/",
        evaluations.evaluation_fill,
        name="evaluation_fill",
    ),
    path("portaal/evaluaties/", evaluations.portal_evaluations, name="portal_evaluations"),
    path("portaal/berichten/", messages.portal_messages, name="portal_messages"),
    path(
        "portaal/berichten/<uuid:traject>/",
        messages.portal_conversation,
        name="portal_conversation",
    ),
    path(
        "portaal/berichten/<uuid:traject>/live/",
        messages.portal_conversation_live,
        name="portal_conversation_live",
    ),
    path(
        "portaal/berichten/<uuid:traject>/afsluiten/",
        messages.portal_conversation_close,
        name="portal_conversation_close",
    ),
    path(
        "coach/trajecten/<uuid:traject>/berichten/",
        messages.coach_reply,
        name="coach_reply",
    ),
    path(
        "coach/trajecten/<uuid:traject>/live-sessies/",
        messages.coach_switch,
        name="coach_switch",
    ),
    path(
        "berichten/<uuid:message>/bijlage/",
        messages.message_attachment,
        name="message_attachment",
    ),
    path(
        "coach/berichten/statistiek/",
        messages.message_statistics,
        name="message_statistics",
    ),
    path("coach/", dashboard.coach_dashboard, name="coach_dashboard"),
    path("coach/clienten/", clients.client_list, name="client_list"),
    path("coach/clienten/<uuid:client>/", clients.client_detail, name="client_detail"),
    path("coach/clienten/<uuid:client>/trajecten/nieuw/", trajects.traject_new, name="traject_new"),
    path("coach/trajecten/<uuid:traject>/", trajects.traject_detail, name="traject_detail"),
    path(
        "coach/trajecten/<uuid:traject>/stap/<slug:step>/",
        trajects.traject_step,
        name="traject_step",
    ),
    path("coach/trajecten/<uuid:traject>/intake/", trajects.intake_edit, name="intake_edit"),
    path(
        "coach/trajecten/<uuid:traject>/aantekeningen/nieuw/", trajects.entry_new, name="entry_new"
    ),
    path(
        "coach/aantekeningen/<uuid:entry>/corrigeren/", trajects.entry_correct, name="entry_correct"
    ),
    path("portaal/toestemmingen/", clients.portal_consents, name="portal_consents"),
    path(
        "portaal/toestemmingen/<uuid:consent>/intrekken/",
        clients.portal_consent_withdraw,
        name="portal_consent_withdraw",
    ),
    path("coach/clienten/nieuw/", clients.client_create, name="client_create"),
    path("coach/clienten/<uuid:client>/bewerken/", clients.client_edit, name="client_edit"),
    path(
        "coach/clienten/<uuid:client>/portaal/",
        clients.client_invite_portal,
        name="client_invite_portal",
    ),
    path(
        "coach/clienten/<uuid:client>/ouders/nieuw/",
        clients.guardian_create,
        name="guardian_create",
    ),
    path("coach/ouders/<uuid:guardian>/bewerken/", clients.guardian_edit, name="guardian_edit"),
    path(
        "coach/ouders/<uuid:guardian>/portaal/",
        clients.guardian_invite_portal,
        name="guardian_invite_portal",
    ),
    path(
        "coach/clienten/<uuid:client>/derden/nieuw/",
        clients.third_party_create,
        name="third_party_create",
    ),
    path(
        "coach/clienten/<uuid:client>/toestemmingen/nieuw/",
        clients.consent_create,
        name="consent_create",
    ),
    path(
        "coach/toestemmingen/<uuid:consent>/intrekken/",
        clients.consent_withdraw_by_coach,
        name="consent_withdraw",
    ),
]
