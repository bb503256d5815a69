from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoachingConfig(AppConfig):
    name = "coaching"
    verbose_name = _("Praktijk")

    def ready(self) -> None:
        from coaching import admin_phrases, consents
        from coaching.account_mail import register_composers

        register_composers()
        consents.register_composers()
        admin_phrases.install()
