from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrajectsConfig(AppConfig):
    """Individual trajects, intake dossiers, e-mail coaching, evaluations (later issues)."""

    name = "trajects"
    verbose_name = _("Trajecten")
