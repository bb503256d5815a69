from django.urls import path

from groups import views

urlpatterns = [
    path("coach/groepen/", views.group_list, name="group_list"),
    path("coach/groepen/nieuw/", views.group_new, name="group_new"),
    path("coach/groepen/<uuid:group>/", views.group_detail, name="group_detail"),
    path("coach/groepen/<uuid:group>/deelnemers/", views.group_member_add, name="group_member_add"),
    path("coach/groepen/<uuid:group>/rooster/", views.group_rota_accept, name="group_rota_accept"),
    path(
        "coach/groepen/<uuid:group>/stoppen/", views.group_member_leave, name="group_member_leave"
    ),
    path("coach/groepen/<uuid:group>/plaats/", views.group_place, name="group_place"),
    path("coach/groepen/<uuid:group>/groep-stoppen/", views.group_stop_view, name="group_stop"),
    path("coach/groepen/<uuid:group>/verwijderen/", views.group_delete_view, name="group_delete"),
    path("coach/bijeenkomsten/<uuid:meeting>/", views.meeting_detail, name="meeting_detail"),
    path("portaal/backstage/", views.portal_groups, name="portal_groups"),
    path(
        "portaal/backstage/<uuid:meeting>/beurt/",
        views.portal_turn_claim,
        name="portal_turn_claim",
    ),
    path(
        "portaal/backstage/<uuid:meeting>/bijeenkomst.ics",
        views.portal_meeting_ics,
        name="portal_meeting_ics",
    ),
]
