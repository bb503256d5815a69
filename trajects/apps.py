from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrajectsConfig(AppConfig):
    """Individual trajects, intake dossiers, e-mail coaching, evaluations."""

    name = "trajects"
    verbose_name = _("Trajecten")

    def ready(self) -> None:
        from trajects.alerts import register_composers
        from trajects.portal_home import register_portal_home
        from trajects.prompts import register_bedenktijd_prompt
        from trajects.services.email_coaching import register_email_composers
        from trajects.services.evaluations import register_evaluation_prompts
        from trajects.services.intake_prep import register_intake_prep

        register_composers()
        register_evaluation_prompts()
        register_bedenktijd_prompt()
        register_email_composers()  # switched to live sessions; a message waits
        register_intake_prep()  # the intake questionnaire and the coaching agreement
        register_portal_home()  # evaluations and unread messages on the portal's home

    def seed_demo(self, demo: dict) -> None:
        """Trajects in every phase for the demo clients (called by `manage.py seed_demo`)."""
        from trajects.demo import demo_trajects

        demo_trajects(**demo)
