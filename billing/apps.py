from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    """Invoices and quotes: delivered work priced by the tariffs (coaching), from the calendar
    (sessions), e-mail coaching (trajects) and Backstage groups (groups). It depends on all of
    them; none of them on it."""

    name = "billing"
    verbose_name = _("Facturen")

    def ready(self) -> None:
        from billing.mail import register_mail

        register_mail()

    def seed_demo(self, demo: dict) -> None:
        """A sent invoice for Eva's sessions of the last weeks (called by `seed_demo`)."""
        from billing.demo import demo_invoice

        demo_invoice(**demo)
