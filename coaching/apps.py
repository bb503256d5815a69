from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoachingConfig(AppConfig):
    name = "coaching"
    verbose_name = _("Praktijk")

    def ready(self) -> None:
        from coaching import account_mail, admin_phrases
        from coaching.services import accounts, consents

        account_mail.register_composers()
        accounts.register_composers()
        consents.register_composers()
        admin_phrases.install()
