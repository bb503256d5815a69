"""Strippenkaarten in the admin: a card with its first price; a new price from a later date ends
the open one the day before; a price that applies is not changed, two on one day are refused;
a card that was sold is not deleted."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Package, PackagePrice
from billing.services.packages import package_sell
from coaching.models import Client

TODAY = timezone.localdate()


def form(prices: list[dict], *, initial: int = 0, **values) -> dict:
    data = {
        "name": "Zes sessies",
        "name_en": "Six sessions",
        "active": "on",
        "order": "0",
        "sessions": "6",
        "validity_months": "6",
        "prices-TOTAL_FORMS": str(len(prices)),
        "prices-INITIAL_FORMS": str(initial),
        "prices-MIN_NUM_FORMS": "0",
        "prices-MAX_NUM_FORMS": "1000",
    }
    for n, price in enumerate(prices):
        for key, value in price.items():
            data[f"prices-{n}-{key}"] = value
    data.update(values)
    return data


def price_row(pk=None, package=None, price="480", vat="exempt", since=TODAY, until=None):
    row = {
        "price": price,
        "vat": vat,
        "valid_from": since.strftime("%d-%m-%Y"),
        "valid_until": until.strftime("%d-%m-%Y") if until else "",
    }
    if pk:
        row.update(id=str(pk), package=str(package))
    return row


@pytest.mark.django_db
class TestPackageAdmin:
    def test_the_admin_adds_a_card_with_a_price_and_later_a_new_price(self, client, admin_user):
        client.force_login(admin_user)
        response = client.post(reverse("admin:billing_package_add"), form([price_row()]))
        assert response.status_code == 302, response.content.decode()[-3000:]
        package = Package.objects.get()
        first = package.prices.get()
        assert (package.sessions, first.price, first.valid_from) == (6, Decimal("480"), TODAY)
        listed = client.get(reverse("admin:billing_package_changelist")).content.decode()
        assert "480,00" in listed  # the price today, exempt of VAT
        # A new price from next month: the first runs until the day before.
        later = TODAY + timedelta(days=30)
        response = client.post(
            reverse("admin:billing_package_change", args=[package.pk]),
            form(
                [price_row(first.pk, package.pk), price_row(price="540", since=later)],
                initial=1,
            ),
        )
        assert response.status_code == 302, response.content.decode()[-3000:]
        first.refresh_from_db()
        assert first.valid_until == later - timedelta(days=1)
        assert package.price_on(later).price == Decimal("540")

    def test_a_price_that_applies_is_not_changed_in_place(self, client, admin_user):
        package = Package.objects.create(name="Zes sessies", sessions=6, validity_months=6)
        price = PackagePrice.objects.create(
            package=package, price=Decimal(480), vat="exempt", valid_from=date(2024, 1, 1)
        )
        client.force_login(admin_user)
        response = client.post(
            reverse("admin:billing_package_change", args=[package.pk]),
            form([price_row(price.pk, package.pk, price="1", since=date(2024, 1, 1))], initial=1),
        )
        assert response.status_code == 200
        assert "blijft zoals hij was" in response.content.decode()
        price.refresh_from_db()
        assert price.price == Decimal(480)

    def test_a_card_that_was_sold_is_not_deleted(self, client, admin_user, coach_a, coachee):
        package = Package.objects.create(name="Zes sessies", sessions=6, validity_months=6)
        PackagePrice.objects.create(package=package, price=480, valid_from=date(2024, 1, 1))
        package_sell(client=Client.objects.get(account=coachee), package=package, by=coach_a)
        client.force_login(admin_user)
        url = reverse("admin:billing_package_delete", args=[package.pk])
        assert client.post(url, {"post": "yes"}).status_code == 403
        assert Package.objects.exists()
