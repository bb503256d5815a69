"""The report page and its CSV downloads: who sees whose figures, the period and coach filters,
bad input, and a fixed number of queries whatever the practice's size."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coaching.tests.factories import ClientFactory, give_totp
from reports.forms import MAX_MONTHS
from reports.models import MonthFigures
from reports.periods import month_shift
from reports.tests import practice
from sessions.models import Appointment

pytestmark = pytest.mark.django_db

URL = reverse("report")
PERIOD = {"van": "2026-03", "tot": "2026-04"}


@pytest.fixture
def world():
    made = practice.build()
    for user in made.values():
        give_totp(user)
    return made


def opened(client, user, **query):
    client.force_login(user)
    return client.get(URL, query)


def figures(response, key: str) -> list[dict]:
    (result,) = [r for r in response.context["results"] if r.key == key]
    return [row for _month, row in result.rows]


class TestWhoSeesWhat:
    def test_the_admin_reads_the_whole_practice_with_a_coach_filter(self, client, world):
        response = opened(client, world["admin"], **PERIOD)
        assert response.status_code == 200
        assert response.context["coach"] is None
        assert [row["held"] for row in figures(response, "sessies")] == [3, 2]
        page = response.content.decode()
        assert "De hele praktijk, per maand, van maart 2026 tot en met april 2026." in page
        assert 'name="coach"' in page
        assert str(world["anna"].uuid) in page and str(world["bert"].uuid) in page

    def test_the_admin_filters_one_coach(self, client, world):
        response = opened(client, world["admin"], **PERIOD, coach=world["bert"].uuid)
        assert response.context["coach"] == world["bert"]
        assert [row["held"] for row in figures(response, "sessies")] == [1, 0]
        assert [row["paid"] for row in figures(response, "facturen")] == [0, 200]
        # The CSV links keep the filter.
        assert f"coach={world['bert'].uuid}" in response.content.decode()

    def test_a_coach_reads_only_their_own_work(self, client, world):
        response = opened(client, world["anna"], **PERIOD)
        assert response.context["coach"] == world["anna"]
        assert [row["held"] for row in figures(response, "sessies")] == [2, 2]
        page = response.content.decode()
        assert 'name="coach"' not in page
        assert str(world["bert"].uuid) not in page

    def test_another_coachs_id_in_the_address_is_ignored(self, client, world):
        """Anna asks for Bert's figures: she gets her own, never his."""
        for query in ({"coach": world["bert"].uuid}, {"coach": "nonsense"}):
            response = opened(client, world["anna"], **PERIOD, **query)
            assert response.status_code == 200
            assert response.context["coach"] == world["anna"]
            assert [row["held"] for row in figures(response, "sessies")] == [2, 2]
            csv = client.get(URL, {**PERIOD, **query, "format": "csv", "section": "sessies"})
            assert "2026-03;2;1;1;0;1" in csv.content.decode("utf-8-sig")

    def test_a_coach_that_is_also_the_admin_reads_the_practice(self, client, world):
        anna = world["anna"]
        anna.is_staff = anna.is_superuser = True  # the database wants both for staff
        anna.save(update_fields=["is_staff", "is_superuser"])
        response = opened(client, anna, **PERIOD)
        assert response.context["coach"] is None
        assert [row["held"] for row in figures(response, "sessies")] == [3, 2]

    def test_a_client_is_refused_and_a_visitor_sent_to_log_in(self, client, world):
        account = ClientFactory(coach=world["anna"])
        from coaching.tests.factories import UserFactory

        user = UserFactory()
        account.account = user
        account.save(update_fields=["account"])
        assert opened(client, user).status_code == 403
        client.logout()
        response = client.get(URL)
        assert response.status_code == 302 and "/account/login/" in response["Location"]

    def test_only_get(self, client, world):
        client.force_login(world["admin"])
        assert client.post(URL, PERIOD).status_code == 405


class TestPeriod:
    def test_by_default_the_last_twelve_months(self, client, world):
        response = opened(client, world["admin"])
        this_month = timezone.localdate().replace(day=1)
        (sessions, *_rest) = response.context["results"]
        assert [month for month, _row in sessions.rows] == [
            month_shift(this_month, index) for index in range(-11, 1)
        ]

    def test_only_the_end_month_counts_back_eleven_months(self, client, world):
        response = opened(client, world["admin"], tot="2026-04")
        assert response.context["period"].first == date(2025, 5, 1)

    @pytest.mark.parametrize(
        ("query", "message"),
        [
            ({"van": "2026-13"}, "Geef een maand als jaar-maand, bijvoorbeeld"),
            ({"van": "maart"}, "Geef een maand als jaar-maand, bijvoorbeeld"),
            ({"tot": "2026-4"}, "Geef een maand als jaar-maand, bijvoorbeeld"),
            ({"van": "1999-12"}, "Geef een maand als jaar-maand, bijvoorbeeld"),
            ({"van": "2026-05", "tot": "2026-04"}, "draai ze om"),
            ({"van": "2020-01", "tot": "2026-04"}, f"Kies hoogstens {MAX_MONTHS} maanden"),
            ({"van": "2026-01\x00"}, "Null-tekens zijn niet toegestaan."),
        ],
    )
    def test_bad_input_says_what_is_wrong_in_dutch(self, client, world, query, message):
        response = opened(client, world["admin"], **query)
        assert response.status_code == 200
        page = response.content.decode()
        assert message in page
        assert "results" not in response.context or not response.context["results"]
        # The CSV of a bad period is the page with the message, not a file.
        csv = client.get(URL, {**query, "format": "csv", "section": "sessies"})
        assert csv["Content-Type"].startswith("text/html")

    def test_an_unknown_coach_is_a_form_error(self, client, world):
        response = opened(client, world["admin"], coach="00000000-0000-0000-0000-000000000000")
        assert response.status_code == 200
        assert "Selecteer een geldige keuze" in response.content.decode()


class TestCsv:
    def test_a_table_as_a_dutch_excel_reads_it(self, client, world):
        client.force_login(world["admin"])
        response = client.get(URL, {**PERIOD, "format": "csv", "section": "sessies"})
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == (
            'attachment; filename="rapportage-sessies-2026-03-tot-en-met-2026-04.csv"'
        )
        assert response.content.startswith("\ufeff".encode())
        assert response.content.decode("utf-8-sig").split("\r\n") == [
            "Maand;Gehouden;Niet verschenen;Te laat afgezegd door de cliënt;"
            "Te laat afgezegd door een ouder;Afgezegd door coach of praktijk",
            "2026-03;3;1;2;0;1",
            "2026-04;2;1;0;1;0",
            "Totaal;5;2;2;1;1",
            "",
        ]

    def test_amounts_and_averages_with_a_decimal_comma(self, client, world):
        client.force_login(world["admin"])
        invoices = client.get(URL, {**PERIOD, "format": "csv", "section": "facturen"})
        lines = invoices.content.decode("utf-8-sig").split("\r\n")
        assert lines[0] == "Maand;Gefactureerd;Betaald;Te laat, onbetaald"
        assert lines[1:4] == [
            "2026-03;181,50;121,00;60,50",
            "2026-04;248,40;200,00;48,40",
            "Totaal;429,90;321,00;108,90",
        ]
        email = client.get(URL, {**PERIOD, "format": "csv", "section": "email"})
        lines = email.content.decode("utf-8-sig").split("\r\n")
        assert lines[1] == "2026-03;2;2;1;0;50,0;16,5"
        assert lines[2] == "2026-04;2;1;1;1;100,0;10,0"

    def test_a_coachs_csv_is_their_own(self, client, world):
        client.force_login(world["bert"])
        response = client.get(URL, {**PERIOD, "format": "csv", "section": "facturen"})
        assert "Totaal;200,00;200,00;0,00" in response.content.decode("utf-8-sig")

    def test_an_unknown_section_is_not_found(self, client, world):
        client.force_login(world["admin"])
        assert client.get(URL, {"format": "csv", "section": "pakketten"}).status_code == 404

    def test_every_table_has_its_link(self, client, world):
        page = opened(client, world["admin"], **PERIOD).content.decode()
        for key in ("sessies", "clienten", "trajecten", "email", "backstage", "facturen"):
            assert f"van=2026-03&amp;tot=2026-04&amp;format=csv&amp;section={key}" in page


def grow(made: dict, times: int) -> None:
    """More of every kind of row, in the same months: the page must not read more for it."""
    anna = made["anna"]
    start = practice.local(2026, 3, 2, 8)
    Appointment.objects.bulk_create(
        Appointment(
            coach=anna,
            kind="session",
            mode="practice",
            start=start + timedelta(days=index % 50, minutes=15 * (index // 50)),
            end=start + timedelta(days=index % 50, minutes=15 * (index // 50) + 10),
            status="completed",
        )
        for index in range(times)
    )
    for _ in range(times // 10):
        practice._client(anna, practice.local(2026, 4, 3))
        practice._traject(anna, date(2026, 3, 9))


def count(client, user, query) -> tuple[int, int]:
    """The queries of a report whose months are all counted again (none stored), and of the
    same report read again (all stored)."""
    client.force_login(user)
    client.get(URL, query)  # warm: the session, the caches
    MonthFigures.objects.all().delete()
    found = []
    for _time in ("counted", "stored"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, query)
        assert response.status_code == 200
        found.append(len(queries))
    return tuple(found)


def test_the_same_queries_for_a_small_and_a_larger_practice(client, world):
    """The admin's report (with the coach list), a coach's, and a CSV: each the same number of
    queries with more rows. What every signed-in page reads before its view (1, with the caches
    warm); the coaches for the filter (the admin's page only: 1); the report's transaction (a
    savepoint in a test: 2) and its lock (PostgreSQL: 1); the marks applied (1) and the stored
    months read (1). Counted again: one aggregate per section (7; the CSV: its own section's
    only) and one insert of the months counted."""
    small = {
        "admin": count(client, world["admin"], PERIOD),
        "coach": count(client, world["anna"], PERIOD),
        "csv": count(client, world["admin"], {**PERIOD, "format": "csv", "section": "trajecten"}),
    }
    grow(world, 300)
    large = {
        "admin": count(client, world["admin"], PERIOD),
        "coach": count(client, world["anna"], PERIOD),
        "csv": count(client, world["admin"], {**PERIOD, "format": "csv", "section": "trajecten"}),
    }
    assert small == large
    lock = connection.vendor == "postgresql"
    stored = {"admin": 6 + lock, "coach": 5 + lock, "csv": 5 + lock}
    assert large == {key: (n + (8 if key != "csv" else 2), n) for key, n in stored.items()}, large


def test_the_fields_show_the_period_the_report_covers(client, world):
    """Opened without a period, the fields say which twelve months the report shows."""
    page = opened(client, world["admin"]).content.decode()
    this_month = timezone.localdate().replace(day=1)
    assert f'value="{month_shift(this_month, -11):%Y-%m}"' in page
    assert f'value="{this_month:%Y-%m}"' in page
    page = opened(client, world["admin"], coach=world["bert"].uuid).content.decode()
    assert f'<option value="{world["bert"].uuid}" selected>' in page


def test_the_coach_filter_lists_every_coach_by_name_and_no_one_else(client, world):
    """Read as values (reports.forms.CoachChoices): a name is escaped, a coach without one is
    named by their address, a coach who left is still there, and no client or admin is."""
    from coaching.tests.factories import CoachFactory

    odd = CoachFactory(first_name="Zoë & <Co>", last_name="van 't Hof")
    nameless = CoachFactory(first_name="", last_name="", email="zonder.naam@praktijk.test")
    gone = CoachFactory(first_name="Greta", last_name="Vertrokken", is_active=False)
    page = opened(client, world["admin"]).content.decode()
    select = page[page.index('id="id_coach"') :]
    select = select[: select.index("</select>")]
    assert '<option value="" selected>alle coaches</option>' in select
    assert f'<option value="{odd.uuid}">Zoë &amp; &lt;Co&gt; van &#x27;t Hof</option>' in select
    assert f'<option value="{nameless.uuid}">zonder.naam@praktijk.test</option>' in select
    assert f'<option value="{gone.uuid}">Greta Vertrokken</option>' in select
    coaches = type(odd).objects.filter(role="coach")
    assert select.count("<option ") == coaches.count() + 1
    assert str(world["admin"].uuid) not in select
