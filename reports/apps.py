from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The monthly figures the owner reads (the practice's admin for the practice, a coach for
    their own work). It reads every app's models and sits on top of the layers; none of them
    depends on it."""

    name = "reports"
    verbose_name = _("Rapportage")
