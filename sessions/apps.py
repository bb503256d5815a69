from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgendaConfig(AppConfig):
    """Everything on the calendar: appointments, availability, booking, iCalendar.

    The package is `sessions`, but the app label is `agenda`: the label `sessions` belongs to
    django.contrib.sessions, and two apps cannot share a label.
    """

    name = "sessions"
    label = "agenda"
    verbose_name = _("Agenda")

    def ready(self) -> None:
        from sessions import notify
        from sessions.portal_home import register_portal_home
        from sessions.reminders import register_reminders
        from sessions.services import prospects
        from sessions.services.kennismaking import register_kennismaking_hook
        from sessions.services.traject_end import register_traject_end_hooks
        from sessions.services.video_rooms import register_room_follower_of_sessions
        from sessions.services.waitlist_offers import register_offer_composer
        from sessions.today import register_today

        register_reminders()
        notify.register_composers()  # the appointments' own mails and the coach's notice
        prospects.register_composers()  # the kennismaking asked for on the website
        register_kennismaking_hook()
        register_portal_home()  # the next appointment on the portal's home
        register_traject_end_hooks()
        register_today()  # Vandaag: the day's appointments, the days ahead
        register_room_follower_of_sessions()  # a coach's new video room
        register_offer_composer()  # the waitlist's offers of a freed time

    def seed_demo(self, demo: dict) -> None:
        """Session types, working hours and a few appointments (called by `seed_demo`)."""
        from sessions.demo import demo_calendar

        demo_calendar(**demo)
