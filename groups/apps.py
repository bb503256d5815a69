from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    """Backstage groups, their 8 meetings and contributions (inbreng) with agreements."""

    name = "groups"
    verbose_name = _("Backstage-groepen")

    def ready(self) -> None:
        from groups import notify
        from groups.portal import portal_meetings, register_portal_home
        from groups.reminders import register_backstage_sends
        from groups.today import register_today
        from sessions.portal_extras import register_portal_appointments

        register_backstage_sends()
        notify.register_composers()  # the participants' notice of a change in their group
        register_portal_appointments("backstage", portal_meetings)
        register_portal_home()  # the next meeting on the portal's home
        register_today()  # a meeting's group, number and contributors on Vandaag

    def seed_demo(self, demo: dict) -> None:
        """A team group halfway through its eight meetings (called by `seed_demo`)."""
        from groups.demo import demo_group

        demo_group(**demo)
