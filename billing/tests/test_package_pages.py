"""The strippenkaart's pages: the coach sells one on the client's page and sees what is used,
left and lapsed; the client sees it on the portal's home; another coach gets a 404; the wrong
method, a repeat, and bounded queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice, Package, PackagePrice, PackagePurchase
from billing.services.invoicing import Recipient, invoice_create, invoice_send
from billing.services.packages import package_sell
from billing.tests.helpers import delivered, traject_of
from coaching.models import Client
from sessions.services.booking import appointment_mark

TODAY = timezone.localdate()


@pytest.fixture
def eva(coachee):
    return Client.objects.get(account=coachee)


@pytest.fixture
def card(db):
    package = Package.objects.create(name="Vijf sessies", sessions=5, validity_months=6)
    PackagePrice.objects.create(
        package=package, price=Decimal("400"), vat="21", valid_from=TODAY - timedelta(days=30)
    )
    return package


def sold(eva, coach, package, *, on=TODAY, held=0):
    purchase = package_sell(client=eva, package=package, by=coach, on=on)
    traject = traject_of(eva, coach)
    for n in range(held):
        appointment = delivered(traject, on + timedelta(days=n), status="booked", hour=8)
        appointment_mark(appointment=appointment, status="completed")
    return purchase


@pytest.mark.django_db
class TestSell:
    def test_the_coach_sells_a_card_at_todays_price_and_sees_it_on_the_client_page(
        self, client, coach_a, eva, card
    ):
        client.force_login(coach_a)
        url = reverse("package_sell", args=[eva.uuid])
        form = client.get(url).content.decode()
        assert "Vijf sessies: 5 sessies, 6 maanden geldig, € 484,00 incl. btw" in form
        response = client.post(url, {"package": card.pk}, follow=True)
        purchase = PackagePurchase.objects.get()
        assert (purchase.client, purchase.price, purchase.sold_by) == (eva, Decimal("400"), coach_a)
        page = response.content.decode()
        assert "is verkocht aan" in page
        assert "0 van 5 gebruikt, 5 over" in page and "Nog niet gefactureerd" in page

    def test_nu_factureren_opens_the_new_invoice_for_the_client_and_the_day_of_sale(
        self, client, coach_a, eva, card
    ):
        import html
        import re

        purchase = sold(eva, coach_a, card)
        client.force_login(coach_a)
        page = client.get(reverse("client_detail", args=[eva.uuid])).content.decode()
        (link,) = re.findall(r'href="(/facturen/nieuw/\?[^"]+)"', page)
        form = client.get(html.unescape(link)).content.decode()
        assert f'value="client:{eva.uuid}" selected' in form
        assert f'value="{TODAY:%Y-%m-%d}"' in form or f'value="{TODAY:%d-%m-%Y}"' in form
        day = TODAY.isoformat()
        client.post(
            reverse("invoice_new"), {"recipient": f"client:{eva.uuid}", "start": day, "end": day}
        )
        line = Invoice.objects.get().lines.get()
        assert (line.unit_price, line.vat) == (Decimal("400.00"), "21")
        page = client.get(reverse("client_detail", args=[eva.uuid])).content.decode()
        assert "Op een conceptfactuur" in page and "Nu factureren" not in page
        assert purchase.claim_key

    def test_a_link_with_nonsense_prefills_nothing(self, client, coach_a, eva, card):
        from billing.forms import last_month

        client.force_login(coach_a)
        response = client.get(
            reverse("invoice_new"), {"recipient": "client:elses", "start": "gisteren", "end": "x"}
        )
        page = response.content.decode()
        assert response.status_code == 200 and '" selected' not in page.replace(
            'value="" selected', ""
        )
        start, end = last_month()  # the form's own period
        assert f"{start:%Y-%m-%d}" in page or f"{start:%d-%m-%Y}" in page

    def test_without_a_choice_the_form_says_so_and_nothing_is_sold(
        self, client, coach_a, eva, card
    ):
        client.force_login(coach_a)
        response = client.post(reverse("package_sell", args=[eva.uuid]), {})
        assert response.status_code == 200 and "is verplicht" in response.content.decode()
        assert not PackagePurchase.objects.exists()

    def test_a_card_without_a_price_today_is_not_offered(self, client, coach_a, eva, card):
        card.prices.update(valid_from=TODAY + timedelta(days=1))
        client.force_login(coach_a)
        page = client.get(reverse("package_sell", args=[eva.uuid])).content.decode()
        assert "geen strippenkaart te koop" in page
        response = client.post(reverse("package_sell", args=[eva.uuid]), {"package": card.pk})
        assert response.status_code == 200 and not PackagePurchase.objects.exists()

    def test_another_coach_gets_a_404(self, client, coach_b, eva, card):
        client.force_login(coach_b)
        url = reverse("package_sell", args=[eva.uuid])
        assert client.get(url).status_code == 404
        assert client.post(url, {"package": card.pk}).status_code == 404
        assert not PackagePurchase.objects.exists()

    def test_a_client_may_not_sell(self, client, coachee, eva, card):
        client.force_login(coachee)
        response = client.post(reverse("package_sell", args=[eva.uuid]), {"package": card.pk})
        assert response.status_code in (302, 403)
        assert not PackagePurchase.objects.exists()


@pytest.mark.django_db
class TestWithdraw:
    def test_the_coach_withdraws_a_sale_once(self, client, coach_a, eva, card):
        purchase = sold(eva, coach_a, card)
        client.force_login(coach_a)
        url = reverse("package_withdraw", args=[purchase.uuid])
        assert client.get(url).status_code == 405
        response = client.post(url)
        assert response.status_code == 302 and not PackagePurchase.objects.exists()
        assert client.post(url).status_code == 404  # a repeat: it is gone

    def test_another_coach_gets_a_404(self, client, coach_b, eva, coach_a, card):
        purchase = sold(eva, coach_a, card)
        client.force_login(coach_b)
        assert client.post(reverse("package_withdraw", args=[purchase.uuid])).status_code == 404
        assert PackagePurchase.objects.exists()

    def test_a_sale_on_a_sent_invoice_is_refused_with_the_reason(self, client, coach_a, eva, card):
        purchase = sold(eva, coach_a, card)
        invoice = invoice_create(
            recipient=Recipient("client", client=eva), by=coach_a, start=TODAY, end=TODAY
        )
        invoice_send(invoice=invoice)
        client.force_login(coach_a)
        response = client.post(reverse("package_withdraw", args=[purchase.uuid]), follow=True)
        page = response.content.decode()
        assert "Crediteer die factuur eerst" in page and PackagePurchase.objects.exists()
        assert f"Op factuur {Invoice.objects.get().number}" in page


@pytest.mark.django_db
class TestWhatTheySee:
    def test_the_client_sees_what_is_left_and_until_when(self, client, coachee, coach_a, eva, card):
        purchase = sold(eva, coach_a, card, on=TODAY - timedelta(days=3), held=2)
        client.force_login(coachee)
        page = client.get(reverse("portal_home")).content.decode()
        assert "Nog 3 sessies over" in page and "2 van 5 gebruikt" in page
        assert str(purchase.valid_until.year) in page

    def test_an_expired_remainder_is_shown_to_the_client_and_the_coach(
        self, client, coachee, coach_a, eva, card
    ):
        long_ago = TODAY - timedelta(days=200)
        card.prices.update(valid_from=long_ago)
        sold(eva, coach_a, card, on=long_ago, held=1)
        client.force_login(coachee)
        page = client.get(reverse("portal_home")).content.decode()
        assert "4 sessies vervallen op" in page and "1 van 5 sessies gebruikt" in page
        client.force_login(coach_a)
        page = client.get(reverse("client_detail", args=[eva.uuid])).content.decode()
        assert "4 sessies vervallen op" in page and "verlopen" in page

    def test_another_account_sees_nothing_of_it(self, client, guardian, coach_a, eva, card):
        sold(eva, coach_a, card)
        client.force_login(guardian)
        assert "Vijf sessies" not in client.get(reverse("portal_home")).content.decode()


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_client_page_and_portal_take_the_same_queries_for_1_and_6_cards(
    client, coach_a, coachee, eva, card
):
    """The strippenkaarten add a fixed number of queries to each page: on the client's page
    the cards, their strips with the appointments, the invoices they are on (claims with
    lines and invoices) and whether a card is on sale; on the portal's home the cards and
    their strips."""
    card.prices.update(valid_from=TODAY - timedelta(days=100))
    sold(eva, coach_a, card, on=TODAY - timedelta(days=3), held=2)
    client.force_login(coach_a)
    coach_page = reverse("client_detail", args=[eva.uuid])
    coach_small = _count(client, coach_page)
    client.force_login(coachee)
    portal_small = _count(client, reverse("portal_home"))
    for n in range(5):
        sold(eva, coach_a, card, on=TODAY - timedelta(days=10 * (n + 1)), held=1)
    invoice_create(
        recipient=Recipient("client", client=eva),
        by=coach_a,
        start=TODAY - timedelta(days=60),
        end=TODAY,
    )
    client.force_login(coach_a)
    assert _count(client, coach_page) == coach_small
    client.force_login(coachee)
    assert _count(client, reverse("portal_home")) == portal_small


@pytest.mark.django_db
def test_the_sale_page_takes_the_same_queries_for_1_and_5_cards_on_sale(client, coach_a, eva, card):
    """The session and the coach (the login), the client; the cards on sale with a price
    today, and those prices (one prefetch): whatever the number of cards."""
    client.force_login(coach_a)
    url = reverse("package_sell", args=[eva.uuid])
    few = _count(client, url)
    for n in range(4):
        more = Package.objects.create(name=f"Kaart {n}", sessions=n + 2, validity_months=3)
        PackagePrice.objects.create(package=more, price=Decimal(100), valid_from=TODAY)
    assert _count(client, url) == few
    assert "Kaart 3: 5 sessies" in client.get(url).content.decode()
