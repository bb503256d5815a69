from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrajectsConfig(AppConfig):
    """Individual trajects, intake dossiers, e-mail coaching, evaluations (later issues)."""

    name = "trajects"
    verbose_name = _("Trajecten")

    def ready(self) -> None:
        from trajects.alerts import register_composers

        register_composers()

    def seed_demo(self, demo: dict) -> None:
        """Trajects in every phase for the demo clients (called by `manage.py seed_demo`)."""
        from trajects.demo import demo_trajects

        demo_trajects(**demo)
