from django.urls import path

from groups.views import groups, meetings, portal

urlpatterns = [
    path("coach/groepen/", groups.group_list, name="group_list"),
    path("coach/groepen/nieuw/", groups.group_new, name="group_new"),
    path("coach/groepen/<uuid:group>/", groups.group_detail, name="group_detail"),
    path(
        "coach/groepen/<uuid:group>/deelnemers/", groups.group_member_add, name="group_member_add"
    ),
    path("coach/groepen/<uuid:group>/rooster/", groups.group_rota_accept, name="group_rota_accept"),
    path(
        "coach/groepen/<uuid:group>/stoppen/", groups.group_member_leave, name="group_member_leave"
    ),
    path("coach/groepen/<uuid:group>/plaats/", groups.group_place, name="group_place"),
    path("coach/groepen/<uuid:group>/groep-stoppen/", groups.group_stop_view, name="group_stop"),
    path("coach/groepen/<uuid:group>/verwijderen/", groups.group_delete_view, name="group_delete"),
    path("coach/bijeenkomsten/<uuid:meeting>/", meetings.meeting_detail, name="meeting_detail"),
    # The meeting page's forms, one view each (POST only).
    path(
        "coach/bijeenkomsten/<uuid:meeting>/verzetten/",
        meetings.meeting_move_view,
        name="meeting_move",
    ),
    path(
        "coach/bijeenkomsten/<uuid:meeting>/terugkoppeling/",
        meetings.meeting_report_back_view,
        name="meeting_report_back",
    ),
    path(
        "coach/bijeenkomsten/<uuid:meeting>/aanwezigheid/",
        meetings.meeting_attendance,
        name="meeting_attendance",
    ),
    path("coach/bijeenkomsten/<uuid:meeting>/toewijzen/", meetings.turn_assign, name="turn_assign"),
    path(
        "coach/bijeenkomsten/<uuid:meeting>/beurt/<uuid:turn>/",
        meetings.turn_record,
        name="turn_record",
    ),
    path(
        "coach/bijeenkomsten/<uuid:meeting>/beurt/<uuid:turn>/vrijgeven/",
        meetings.turn_release_view,
        name="turn_release",
    ),
    path("portaal/backstage/", portal.portal_groups, name="portal_groups"),
    path(
        "portaal/backstage/<uuid:meeting>/beurt/",
        portal.portal_turn_claim,
        name="portal_turn_claim",
    ),
    path(
        "portaal/backstage/<uuid:meeting>/bijeenkomst.ics",
        portal.portal_meeting_ics,
        name="portal_meeting_ics",
    ),
]
