from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    """Backstage groups, their 8 meetings and contributions (inbreng) with agreements."""

    name = "groups"
    verbose_name = _("Backstage-groepen")

    def ready(self) -> None:
        from groups.portal import portal_meetings
        from groups.reminders import register_backstage_sends
        from sessions.portal_extras import register_portal_appointments

        register_backstage_sends()
        register_portal_appointments("backstage", portal_meetings)

    def seed_demo(self, demo: dict) -> None:
        """A team group halfway through its eight meetings (called by `seed_demo`)."""
        from groups.demo import demo_group

        demo_group(**demo)
