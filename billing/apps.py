from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    """Invoices and quotes: delivered work priced by the tariffs (coaching), from the calendar
    (sessions), e-mail coaching (trajects) and Backstage groups (groups). It depends on all of
    them; none of them on it."""

    name = "billing"
    verbose_name = _("Facturen")

    def ready(self) -> None:
        from billing.card_pages import register_card_pages
        from billing.items import register_fee_guard
        from billing.mail import register_mail
        from billing.services.packages import register_packages
        from billing.services.quote_requests import register_quote_requests
        from billing.today import register_today

        register_mail()
        register_fee_guard()  # the calendar asks before a fee is waived
        register_quote_requests()
        register_packages()  # a held session takes a strip of the client's strippenkaart
        register_card_pages()  # the cards on the client's page and the portal's home
        register_today()  # Vandaag: drafts of a month that is over

    def seed_demo(self, demo: dict) -> None:
        """A sent invoice for Eva's sessions of the last weeks, a strippenkaart sold to Eva, and
        a request for a quote (called by `seed_demo`)."""
        from billing.demo import demo_invoice, demo_package, demo_quote_request

        demo_invoice(**demo)
        demo_package(**demo)
        demo_quote_request()
