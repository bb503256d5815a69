from django.urls import path

from sessions import views

urlpatterns = [
    path("kennismaking/", views.kennismaking, name="kennismaking"),
    path("kennismaking/bedankt/", views.kennismaking_thanks, name="kennismaking_thanks"),
    path("coach/agenda/", views.calendar_week, name="calendar_week"),
    path("coach/agenda/nieuw/", views.appointment_new, name="appointment_new"),
    path("coach/beschikbaarheid/", views.availability, name="availability"),
    path("coach/agenda/feed/vernieuwen/", views.calendar_feed_renew, name="calendar_feed_renew"),
    path(
        "coach/afspraken/<uuid:appointment>/", views.appointment_detail, name="appointment_detail"
    ),
    path(
        "coach/afspraken/<uuid:appointment>/verzetten/",
        views.appointment_move_view,
        name="appointment_move",
    ),
    path(
        "coach/afspraken/<uuid:appointment>/annuleren/",
        views.appointment_cancel_view,
        name="appointment_cancel",
    ),
    path(
        "coach/afspraken/<uuid:appointment>/afronden/",
        views.appointment_mark_view,
        name="appointment_mark",
    ),
    path(
        "coach/afspraken/<uuid:appointment>/niet-verschenen/",
        views.appointment_no_show_view,
        name="appointment_no_show",
    ),
    path(
        "coach/afspraken/<uuid:appointment>/kwijtschelden/",
        views.appointment_waive_fee_view,
        name="appointment_waive_fee",
    ),
    path(
        "afspraken/<uuid:appointment>/afspraak.ics", views.appointment_ics, name="appointment_ics"
    ),
    path("agenda/<str:feed_token>.ics", views.calendar_feed, name="calendar_feed"),
    path("portaal/afspraken/", views.portal_appointments, name="portal_appointments"),
    path(
        "portaal/afspraken/boeken/<uuid:traject>/<int:session_type>/",
        views.portal_book_view,
        name="portal_book",
    ),
    path(
        "portaal/afspraken/<uuid:appointment>/verzetten/",
        views.portal_reschedule,
        name="portal_reschedule",
    ),
    path(
        "portaal/afspraken/<uuid:appointment>/annuleren/",
        views.portal_cancel,
        name="portal_cancel",
    ),
    path(
        "portaal/wachtlijst/<uuid:traject>/<int:session_type>/",
        views.portal_waitlist_join,
        name="portal_waitlist_join",
    ),
    path(
        "portaal/wachtlijst/<uuid:waitlist_request>/intrekken/",
        views.portal_waitlist_withdraw,
        name="portal_waitlist_withdraw",
    ),
    path("portaal/wachtlijst/aanbod/<uuid:offer>/", views.portal_offer, name="portal_offer"),
    path("coach/wachtlijst/", views.coach_waitlist, name="coach_waitlist"),
    path(
        "coach/wachtlijst/<uuid:waitlist_request>/verwijderen/",
        views.coach_waitlist_remove,
        name="coach_waitlist_remove",
    ),
]
