"""Tariffs in the admin: a price that applies is not edited in place; a new price from a date
ends the earlier one the day before; overlaps are refused with a clear message."""

import html
import re
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching.models import Tariff


def session_tariff(since=date(2024, 1, 1), price="80"):
    return Tariff.objects.create(
        component="session",
        unit="appointment",
        name="Coachingsessie van 60 minuten",
        duration_minutes=60,
        price=Decimal(price),
        vat="21",
        valid_from=since,
    )


def form_data(**values):
    data = {
        "component": "session",
        "unit": "appointment",
        "name": "Coachingsessie van 60 minuten",
        "name_en": "",
        "description": "",
        "description_en": "",
        "duration_minutes": "60",
        "min_participants": "",
        "max_participants": "",
        "meetings": "",
        "price": "90",
        "vat": "21",
        "valid_from": "",
        "valid_until": "",
        "public": "on",
        "order": "0",
    }
    data.update(values)
    return data


@pytest.mark.django_db
class TestTariffAdmin:
    def test_a_new_price_from_a_date_ends_the_old_one(self, client, admin_user):
        old = session_tariff()
        client.force_login(admin_user)
        change = client.get(reverse("admin:coaching_tariff_change", args=[old.pk])).content.decode()
        assert 'name="price"' not in change  # applies already: shown, not editable
        add_url = reverse("admin:coaching_tariff_add")
        (link,) = re.findall(r'href="(' + re.escape(add_url) + r'\?[^"]+)"', change)
        prefill = parse_qs(urlparse(html.unescape(link)).query)
        assert prefill["component"] == ["session"] and prefill["duration_minutes"] == ["60"]
        assert client.get(html.unescape(link)).status_code == 200
        today = timezone.localdate()
        response = client.post(
            reverse("admin:coaching_tariff_add"), form_data(valid_from=today.isoformat())
        )
        assert response.status_code == 302
        old.refresh_from_db()
        assert old.valid_until == today - timedelta(days=1) and old.price == Decimal("80")
        assert Tariff.objects.valid_on(today).get().price == Decimal("90")

    def test_an_overlap_is_refused_with_a_message(self, client, admin_user):
        session_tariff(since=date(2024, 1, 1))
        Tariff.objects.update(valid_until=date(2030, 12, 31))  # not open-ended: not superseded
        client.force_login(admin_user)
        response = client.post(
            reverse("admin:coaching_tariff_add"), form_data(valid_from="2027-01-01")
        )
        assert response.status_code == 200
        assert "geldt in die periode al een tarief" in response.content.decode()
        assert Tariff.objects.count() == 1

    def test_a_unit_that_does_not_fit_is_explained(self, client, admin_user):
        client.force_login(admin_user)
        response = client.post(
            reverse("admin:coaching_tariff_add"),
            form_data(unit="month", valid_from="2027-01-01"),
        )
        assert "Kies voor coachingsessie: per gesprek, per uur." in response.content.decode()
        assert not Tariff.objects.exists()

    def test_one_that_applied_is_not_deleted_one_ahead_is(self, client, admin_user):
        applied = session_tariff()
        ahead = session_tariff(since=timezone.localdate() + timedelta(days=30), price="95")
        client.force_login(admin_user)
        assert (
            client.get(reverse("admin:coaching_tariff_delete", args=[applied.pk])).status_code
            == 403
        )
        client.post(reverse("admin:coaching_tariff_delete", args=[ahead.pk]), {"post": "yes"})
        assert list(Tariff.objects.all()) == [applied]

    def test_the_list_filters_what_applies_today(self, client, admin_user):
        session_tariff(since=date(2024, 1, 1)).__class__.objects.update(
            valid_until=date(2025, 1, 1)
        )
        current = session_tariff(since=date(2025, 1, 2))
        client.force_login(admin_user)
        page = client.get(reverse("admin:coaching_tariff_changelist"), {"geldig": "nu"})
        assert page.status_code == 200
        assert list(page.context["cl"].queryset) == [current]
