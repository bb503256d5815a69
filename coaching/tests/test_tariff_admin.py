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

from coaching.models import Tariff, tariff_add


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

    def test_one_that_applied_is_not_deleted_one_ahead_is_and_the_old_runs_on(
        self, client, admin_user
    ):
        applied = session_tariff()
        ahead = Tariff(
            component="session",
            unit="appointment",
            name="Nieuw",
            duration_minutes=60,
            price=Decimal("95"),
            valid_from=timezone.localdate() + timedelta(days=30),
        )
        tariff_add(tariff=ahead)
        applied.refresh_from_db()
        assert applied.valid_until == ahead.valid_from - timedelta(days=1)
        client.force_login(admin_user)
        assert (
            client.get(reverse("admin:coaching_tariff_delete", args=[applied.pk])).status_code
            == 403
        )
        client.post(reverse("admin:coaching_tariff_delete", args=[ahead.pk]), {"post": "yes"})
        assert list(Tariff.objects.all()) == [applied]
        applied.refresh_from_db()
        assert applied.valid_until is None  # without it there would be no price from then on

    def test_delete_selected_keeps_the_ones_that_applied(self, client, admin_user):
        applied = session_tariff()
        ahead = Tariff(
            component="intake",
            unit="appointment",
            name="Intake",
            price=Decimal("95"),
            valid_from=timezone.localdate() + timedelta(days=30),
        )
        tariff_add(tariff=ahead)
        client.force_login(admin_user)
        url = reverse("admin:coaching_tariff_changelist")
        both = {"action": "delete_selected", "_selected_action": [applied.pk, ahead.pk]}
        confirm = client.post(url, both).content.decode()
        assert "Ja, ik weet het zeker" not in confirm  # Django names what may not go instead
        assert client.post(url, {**both, "post": "yes"}).status_code == 403
        assert Tariff.objects.count() == 2
        client.post(
            url, {"action": "delete_selected", "_selected_action": [ahead.pk], "post": "yes"}
        )
        assert list(Tariff.objects.all()) == [applied]
        applied.refresh_from_db()
        assert applied.valid_until is None

    def test_a_new_price_does_not_go_back_in_time(self, client, admin_user):
        session_tariff()
        client.force_login(admin_user)
        yesterday = timezone.localdate() - timedelta(days=1)
        response = client.post(
            reverse("admin:coaching_tariff_add"), form_data(valid_from=yesterday.isoformat())
        )
        assert "op zijn vroegst vandaag" in response.content.decode()
        assert Tariff.objects.count() == 1

    def test_a_tariff_that_applied_does_not_end_back_in_time(self, client, admin_user):
        applied = session_tariff()
        client.force_login(admin_user)
        data = {
            "name": applied.name,
            "name_en": "",
            "description": "",
            "description_en": "",
            "valid_until": "2025-01-01",
            "public": "on",
            "order": "0",
        }
        url = reverse("admin:coaching_tariff_change", args=[applied.pk])
        assert "terugwerkende kracht" in client.post(url, data).content.decode()
        data["valid_until"] = (timezone.localdate() - timedelta(days=1)).isoformat()
        assert client.post(url, data).status_code == 302

    def test_a_temporary_price_does_not_end_the_regular_one(self, client, admin_user):
        session_tariff()
        client.force_login(admin_user)
        start = timezone.localdate() + timedelta(days=10)
        response = client.post(
            reverse("admin:coaching_tariff_add"),
            form_data(
                valid_from=start.isoformat(), valid_until=(start + timedelta(days=30)).isoformat()
            ),
        )
        assert "geldt in die periode al een tarief" in response.content.decode()
        assert Tariff.objects.get().valid_until is None

    def test_email_coaching_is_priced_per_month_or_per_answer_not_both(self, db):
        from django.core.exceptions import ValidationError

        Tariff.objects.create(
            component="email",
            unit="month",
            name="Per maand",
            price=85,
            valid_from=date(2024, 1, 1),
            valid_until=date(2030, 1, 1),
        )
        per_answer = Tariff(
            component="email",
            unit="message",
            name="Per antwoord",
            price=25,
            valid_from=date(2026, 1, 1),
        )
        with pytest.raises(ValidationError, match="al een tarief"):
            per_answer.full_clean()

    def test_the_list_filters_what_applies_today(self, client, admin_user):
        session_tariff(since=date(2024, 1, 1)).__class__.objects.update(
            valid_until=date(2025, 1, 1)
        )
        current = session_tariff(since=date(2025, 1, 2))
        client.force_login(admin_user)
        page = client.get(reverse("admin:coaching_tariff_changelist"), {"geldig": "nu"})
        assert page.status_code == 200
        assert list(page.context["cl"].queryset) == [current]
