"""The public site: way of working, Backstage group, tariffs, contact; and the money filter."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from coaching.models import Tariff
from coaching.templatetags.money import money

# The quote request for a Backstage group (billing) is a public page too, linked from its page.
PAGES = ["home", "way_of_working", "backstage_info", "tariffs", "contact", "quote_request"]
PUBLIC = ["way_of_working", "backstage_info", "tariffs", "contact"]
DUTCH_MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def tariff(**fields) -> Tariff:
    values = {
        "component": Tariff.Component.INTAKE,
        "unit": Tariff.Unit.APPOINTMENT,
        "name": "Intakegesprek",
        "price": Decimal("80"),
        "valid_from": date(2024, 1, 1),
    }
    return Tariff.objects.create(**(values | fields))


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page(client, name: str) -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


def text(html: str) -> str:
    """The page's text with whitespace collapsed, as a person reads it."""
    inline = re.sub(r"</?(?:a|span|strong)\b[^>]*>", "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inline))


@pytest.mark.django_db
class TestPages:
    @pytest.mark.parametrize("name", PAGES)
    @pytest.mark.parametrize("language", ["nl", "en"])
    def test_every_page_answers_in_both_languages(self, client, name, language):
        if language == "en":
            english(client)
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert response["Content-Language"] == language
        assert f'<html lang="{language}">' in response.content.decode()

    @pytest.mark.parametrize("name", [*PAGES, "kennismaking"])
    def test_every_public_page_describes_itself_for_search_engines(self, client, name):
        html = page(client, name)
        descriptions = re.findall(r'<meta name="description" content="([^"]+)">', html)
        assert len(descriptions) == 1 and len(descriptions[0]) > 40, descriptions

    def test_each_page_has_a_description_of_its_own(self, client):
        descriptions = {
            name: re.search(r'<meta name="description" content="([^"]+)">', page(client, name))[1]
            for name in PUBLIC
        }
        assert len(set(descriptions.values())) == len(PUBLIC), descriptions

    @pytest.mark.parametrize("name", PUBLIC)
    def test_pages_only_show(self, client, name):
        assert client.post(reverse(name)).status_code == 405

    @pytest.mark.parametrize("name", PUBLIC)
    def test_a_visitor_finds_every_public_page_in_the_menu(self, client, name):
        html = page(client, "home")
        nav = html.split('id="main-nav"')[1].split("</ul>")[0]
        assert f'href="{reverse(name)}"' in nav
        assert 'aria-current="page"' not in nav

    @pytest.mark.parametrize("name", PUBLIC)
    def test_the_current_page_is_marked_in_menu_and_footer(self, client, name):
        html = page(client, name)
        marked = re.findall(r'<a[^>]*aria-current="page"[^>]*>', html)
        assert len(marked) == 2  # the menu and the footer
        assert all(f'href="{reverse(name)}"' in link for link in marked)

    def test_someone_logged_in_finds_them_in_the_footer(self, client, coachee):
        client.force_login(coachee)
        html = page(client, "portal_home")
        nav = html.split('id="main-nav"')[1].split("</ul>")[0]
        footer = html.split("<footer")[1]
        for name in PUBLIC:
            assert f'href="{reverse(name)}"' not in nav
            assert f'href="{reverse(name)}"' in footer

    def test_home_links_to_the_pages_and_the_kennismaking(self, client):
        main = page(client, "home").split('<main id="main"')[1].split("</main>")[0]
        for name in [*PUBLIC, "kennismaking"]:
            assert reverse(name) in main

    def test_way_of_working_tells_the_steps(self, client):
        html = text(page(client, "way_of_working"))
        for step in ["Kennismakingsgesprek", "Intakegesprek", "Sessies", "E-mailcoaching"]:
            assert step in html
        assert "Binnen 24 uur krijg je antwoord" in html
        assert "via video" in html
        assert "skype" not in html.lower()
        assert reverse("kennismaking") in page(client, "way_of_working")

    def test_backstage_page_takes_its_numbers_from_the_settings(self, client, settings):
        settings.PRAKTIJK_BACKSTAGE = {**settings.PRAKTIJK_BACKSTAGE, "meeting_minutes": 150}
        settings.PRAKTIJK_DETAILS = {**settings.PRAKTIJK_DETAILS, "contact_person": "Drs. A. Test"}
        html = text(page(client, "backstage_info"))
        assert "De groep komt 8 keer bij elkaar" in html
        assert "Een bijeenkomst duurt 2,5 uur" in html
        assert "hoogstens twee deelnemers" in html
        assert "Neem contact op met Drs. A. Test" in html
        assert f'href="{reverse("quote_request")}"' in page(client, "backstage_info")


@pytest.mark.django_db
class TestTariffsPage:
    def test_a_public_tariff_of_today_with_its_price_including_vat(self, client):
        tariff(name="Intakegesprek", description="60 tot 90 minuten.", price=Decimal("80"))
        html = text(page(client, "tariffs"))
        assert "Intakegesprek" in html
        assert "60 tot 90 minuten." in html
        assert "€ 96,80 per gesprek" in html
        assert "incl. 21 % btw (€ 80,00 excl. btw)" in html
        assert "Alle prijzen zijn in euro" in html
        assert "uiterlijk 24 uur van tevoren af" in html

    def test_thousands_are_grouped_the_dutch_way(self, client):
        tariff(
            component=Tariff.Component.BACKSTAGE,
            unit=Tariff.Unit.PARTICIPANT,
            name="Backstage-groep",
            price=Decimal("1150"),
        )
        assert "€ 1.391,50 per deelnemer" in text(page(client, "tariffs"))

    def test_in_english(self, client):
        tariff(name="Intakegesprek", name_en="Intake conversation", price=Decimal("80"))
        html = text(page(english(client), "tariffs"))
        assert "Intake conversation" in html
        assert "€96.80" in html

    def test_hides_what_is_not_public_or_no_longer_valid(self, client):
        yesterday = timezone.localdate() - timedelta(days=1)
        tariff(name="Intake, intern", public=False)
        tariff(
            name="Oude observatie", component=Tariff.Component.OBSERVATION, valid_until=yesterday
        )
        tariff(
            name="Nieuwe observatie",
            component=Tariff.Component.OBSERVATION,
            valid_from=yesterday + timedelta(days=1),
        )
        html = text(page(client, "tariffs"))
        assert "Intake, intern" not in html
        assert "Oude observatie" not in html
        assert "Nieuwe observatie" in html

    def test_a_new_price_ahead_is_announced_under_the_current_one(self, client):
        new_year = date(timezone.localdate().year + 1, 1, 1)
        tariff(
            name="Sessie",
            component=Tariff.Component.SESSION,
            price=Decimal("80"),
            valid_until=new_year - timedelta(days=1),
        )
        tariff(
            name="Sessie",
            component=Tariff.Component.SESSION,
            price=Decimal("85"),
            valid_from=new_year,
        )
        html = text(page(client, "tariffs"))
        assert html.count("Sessie ") == 1
        assert (
            "€ 96,80 per gesprek incl. 21 % btw (€ 80,00 excl. btw) "
            f"Vanaf 1 januari {new_year.year}: € 102,85"
        ) in html

    def test_a_tariff_that_starts_later_says_from_when(self, client):
        start = timezone.localdate() + timedelta(days=40)
        tariff(
            name="Observatie",
            component=Tariff.Component.OBSERVATION,
            unit=Tariff.Unit.HOUR,
            valid_from=start,
        )
        html = text(page(client, "tariffs"))
        month = DUTCH_MONTHS[start.month - 1]
        assert f"Vanaf {start.day} {month} {start.year}: € 96,80 per uur" in html

    def test_free_is_free(self, client):
        tariff(
            name="Kennismakingsgesprek", component=Tariff.Component.KENNISMAKING, price=Decimal("0")
        )
        html = text(page(client, "tariffs"))
        assert "Kennismakingsgesprek gratis" in html
        assert "€ 0,00" not in html

    def test_vat_exempt_says_so(self, client):
        tariff(price=Decimal("80"), vat=Tariff.Vat.EXEMPT)
        html = text(page(client, "tariffs"))
        assert "€ 80,00 per gesprek vrijgesteld van btw" in html

    def test_grouped_by_component_in_the_order_of_a_traject(self, client):
        tariff(name="Niet verschenen", component=Tariff.Component.NO_SHOW, order=0)
        tariff(name="Sessie kort", component=Tariff.Component.SESSION, duration_minutes=45, order=2)
        tariff(name="Sessie lang", component=Tariff.Component.SESSION, duration_minutes=90, order=1)
        tariff(name="Intakegesprek", component=Tariff.Component.INTAKE, order=9)
        html = page(client, "tariffs")
        captions = re.findall(r"<caption[^>]*><h2[^>]*>([^<]+)</h2>", html)
        assert captions == ["Intakegesprek", "Coachingsessie", "Niet verschenen"]
        assert html.index("Sessie lang") < html.index("Sessie kort")  # the tariffs' own order
        assert '<th scope="row"' in html and '<th scope="col"' in html

    def test_without_public_tariffs_a_friendly_sentence(self, client):
        tariff(public=False)
        html = page(client, "tariffs")
        assert "De tarieven staan op dit moment niet online" in text(html)
        assert f'<a href="{reverse("contact")}">Neem contact op</a>' in html
        assert "<table" not in html

    @pytest.mark.parametrize("count", [2, 20])
    def test_one_query_whatever_the_number_of_tariffs(
        self, client, django_assert_num_queries, count
    ):
        for minutes in range(count):
            tariff(
                name=f"Sessie van {30 + minutes} minuten",
                component=Tariff.Component.SESSION,
                duration_minutes=30 + minutes,
            )
        with django_assert_num_queries(1):  # the tariffs that apply today or are announced
            html = page(client, "tariffs")
        assert html.count('<th scope="row"') == count


@pytest.mark.django_db
class TestContact:
    DETAILS = {
        "address": "Lindelaan 4",
        "postal_code": "3512 AB",
        "city": "Utrecht",
        "kvk": "87654321",
        "vat_number": "NL123456789B01",
        "iban": "NL02 ABNA 0123 4567 89",
        "contact_person": "Drs. W. de Haas",
        "email": "info@voorbeeld.test",
        "phone": "030 765 43 21",
    }

    def test_shows_the_practice_details(self, client, settings):
        settings.PRAKTIJK_DETAILS = self.DETAILS
        html = page(client, "contact")
        seen = text(html)
        for value in ["Lindelaan 4", "3512 AB Utrecht", "Drs. W. de Haas", "030 765 43 21"]:
            assert value in seen
        assert "KvK-nummer 87654321" in seen
        assert "Btw-nummer NL123456789B01" in seen
        assert '<a href="mailto:info@voorbeeld.test">info@voorbeeld.test</a>' in html
        assert 'href="tel:0307654321"' in html
        assert f'href="{reverse("kennismaking")}"' in html.split("<footer")[0]
        assert "NL02 ABNA" not in html  # the bank account is for invoices

    def test_hides_what_is_not_set(self, client, settings):
        settings.PRAKTIJK_DETAILS = dict.fromkeys(self.DETAILS, "") | {
            "email": "info@voorbeeld.test"
        }
        html = page(client, "contact")
        for label in ["KvK", "Btw-nummer", "Contactpersoon", "Telefoon", "<address", "tel:"]:
            assert label not in html
        assert "mailto:info@voorbeeld.test" in html

    def test_the_footer_shows_the_kvk_number_when_set(self, client, settings):
        settings.PRAKTIJK_DETAILS = self.DETAILS
        assert "KvK 87654321" in page(client, "home").split("<footer")[1]
        settings.PRAKTIJK_DETAILS = self.DETAILS | {"kvk": ""}
        assert "KvK" not in page(client, "home").split("<footer")[1]


class TestMoney:
    @pytest.mark.parametrize(
        ("amount", "nl", "en"),
        [
            (Decimal("96.8"), "€ 96,80", "€96.80"),
            (Decimal("1391.50"), "€ 1.391,50", "€1,391.50"),
            (Decimal("1234567"), "€ 1.234.567,00", "€1,234,567.00"),
            (Decimal("-12.5"), "€ -12,50", "€-12.50"),
            (Decimal("-1391.5"), "€ -1.391,50", "€-1,391.50"),
            (Decimal("0"), "€ 0,00", "€0.00"),
            (Decimal("-0.001"), "€ 0,00", "€0.00"),
            (Decimal("0.005"), "€ 0,01", "€0.01"),  # half a cent up, as on an invoice
            (Decimal("-0.005"), "€ -0,01", "€-0.01"),  # and away from zero
            (12, "€ 12,00", "€12.00"),
        ],
    )
    def test_formats_in_the_active_language(self, amount, nl, en):
        with translation.override("nl"):
            assert money(amount) == nl
        with translation.override("en"):
            assert money(amount) == en

    def test_groups_thousands_even_without_the_setting(self, settings):
        settings.USE_THOUSAND_SEPARATOR = False
        with translation.override("nl"):
            assert money(Decimal("2500")) == "€ 2.500,00"

    @pytest.mark.parametrize("value", [None, "", "geen getal"])
    def test_nothing_for_what_is_not_an_amount(self, value):
        assert money(value) == ""

    def test_in_a_template(self):
        from django.template import engines

        template = engines["django"].from_string("{% load money %}{{ amount|money }}")
        with translation.override("nl"):
            assert template.render({"amount": Decimal("1391.5")}) == "€ 1.391,50"
