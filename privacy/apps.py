from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """The client's rights over their data: a download of all of it (this app's export), and
    erasure. It reads every app's models; none of them depends on it."""

    name = "privacy"
    verbose_name = _("Privacy")
