from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The monthly figures the owner reads (the practice's admin for the practice, a coach for
    their own work). It reads every app's models and sits on top of the layers; none of them
    depends on it."""

    name = "reports"
    verbose_name = _("Rapportage")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate, pre_migrate

        from reports import triggers

        pre_migrate.connect(triggers.before_migrate, sender=self)
        post_migrate.connect(triggers.after_migrate, sender=self)
