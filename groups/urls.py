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
    # The meeting page's forms, one view each (POST only).
    path(
        "coach/bijeenkomsten/<uuid:meeting>/verzetten/",
        views.meeting_move_view,
        name="meeting_move",
    ),
    path(
        "coach/bijeenkomsten/<uuid:meeting>/terugkoppeling/",
        views.meeting_report_back_view,
        name="meeting_report_back",
    ),
    path(
        "coach/bijeenkomsten/<uuid:meeting>/aanwezigheid/",
        views.meeting_attendance,
        name="meeting_attendance",
    ),
    path("coach/bijeenkomsten/<uuid:meeting>/toewijzen/", views.turn_assign, name="turn_assign"),
    path(
        "coach/bijeenkomsten/<uuid:meeting>/beurt/<uuid:turn>/",
        views.turn_record,
        name="turn_record",
    ),
    path(
        "coach/bijeenkomsten/<uuid:meeting>/beurt/<uuid:turn>/vrijgeven/",
        views.turn_release_view,
        name="turn_release",
    ),
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
