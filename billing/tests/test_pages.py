"""The invoice and quote pages: the happy path, another coach (404), the wrong method, a repeat
that changes nothing, bad input that loses nothing, and bounded queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice, Quote
from billing.services.invoicing import Recipient, invoice_create, invoice_send
from billing.tests.helpers import delivered, pdf_text, practice_tariffs, tariff, traject_of
from coaching.models import Client

NOV = (date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def eva(coachee):
    return Client.objects.get(account=coachee)


@pytest.fixture
def delivered_in_november(coach_a, eva):
    practice_tariffs()
    traject = traject_of(eva, coach_a)
    delivered(traject, date(2026, 11, 2))
    delivered(traject, date(2026, 11, 9))
    return traject


def draft_for(eva, coach):
    return invoice_create(
        recipient=Recipient("client", client=eva), by=coach, start=NOV[0], end=NOV[1]
    )


@pytest.mark.django_db
class TestCreate:
    def test_the_coach_makes_a_draft_for_a_period(
        self, client, coach_a, eva, delivered_in_november
    ):
        client.force_login(coach_a)
        form = client.get(reverse("invoice_new"))
        assert f"client:{eva.uuid}" in form.content.decode()
        response = client.post(
            reverse("invoice_new"),
            {"recipient": f"client:{eva.uuid}", "start": "2026-11-01", "end": "2026-11-30"},
        )
        invoice = Invoice.objects.get()
        assert response.status_code == 302 and response["Location"].endswith(f"{invoice.uuid}/")
        page = client.get(response["Location"]).content.decode()
        assert "Conceptfactuur" in page and "€ 193,60" in page  # 2 × 80 + 21 %

    def test_again_for_the_same_period_says_there_is_nothing_left(
        self, client, coach_a, eva, delivered_in_november
    ):
        client.force_login(coach_a)
        data = {"recipient": f"client:{eva.uuid}", "start": "2026-11-01", "end": "2026-11-30"}
        client.post(reverse("invoice_new"), data)
        response = client.post(reverse("invoice_new"), data)
        assert (
            response.status_code == 200
            and "niets (meer) te factureren" in response.content.decode()
        )
        assert Invoice.objects.count() == 1

    def test_another_coachs_client_is_not_a_choice(
        self, client, coach_b, eva, delivered_in_november
    ):
        client.force_login(coach_b)
        assert f"client:{eva.uuid}" not in client.get(reverse("invoice_new")).content.decode()
        response = client.post(
            reverse("invoice_new"),
            {"recipient": f"client:{eva.uuid}", "start": "2026-11-01", "end": "2026-11-30"},
        )
        assert response.status_code == 200 and not Invoice.objects.exists()
        assert "Selecteer een geldige keuze" in response.content.decode()

    def test_a_period_that_ends_before_it_starts_keeps_the_input(self, client, coach_a, eva):
        client.force_login(coach_a)
        response = client.post(
            reverse("invoice_new"),
            {"recipient": f"client:{eva.uuid}", "start": "2026-11-30", "end": "2026-11-01"},
        )
        page = response.content.decode()
        assert "De periode eindigt vóór het begin." in page and 'value="2026-11-30"' in page

    def test_a_child_is_offered_through_a_parent(self, client, coach_a, guardian):
        client.force_login(coach_a)
        parent = Client.objects.get(guardians__account=guardian).guardians.get()
        page = client.get(reverse("invoice_new")).content.decode()
        assert f"guardian:{parent.uuid}" in page and "voor Lotte Ouder" in page


@pytest.mark.django_db
class TestDraftToPaid:
    def test_send_then_paid(self, client, coach_a, eva, delivered_in_november, mailoutbox):
        invoice = draft_for(eva, coach_a)
        client.force_login(coach_a)
        with_commit = client.post(reverse("invoice_send", args=[invoice.uuid]))
        assert with_commit.status_code == 302
        invoice.refresh_from_db()
        assert invoice.status == "sent" and invoice.number.endswith("-0001")
        again = client.post(reverse("invoice_send", args=[invoice.uuid]), follow=True)
        assert "al verstuurd" in again.content.decode()
        invoice.refresh_from_db()
        assert invoice.sequence == 1
        today = timezone.localdate().isoformat()
        client.post(reverse("invoice_paid", args=[invoice.uuid]), {"on": today})
        invoice.refresh_from_db()
        assert invoice.status == "paid" and invoice.paid_on == timezone.localdate()

    def test_a_bad_payment_date_is_shown_on_the_page(
        self, client, coach_a, eva, delivered_in_november
    ):
        invoice = invoice_send(invoice=draft_for(eva, coach_a))
        client.force_login(coach_a)
        response = client.post(reverse("invoice_paid", args=[invoice.uuid]), {"on": "gisteren"})
        assert (
            response.status_code == 200 and "Voer een geldige datum in" in response.content.decode()
        )
        invoice.refresh_from_db()
        assert invoice.status == "sent"

    def test_an_extra_line_priced_by_hand_or_by_a_tariff(
        self, client, coach_a, eva, delivered_in_november
    ):
        invoice = draft_for(eva, coach_a)
        client.force_login(coach_a)
        url = reverse("invoice_line_new", args=[invoice.uuid])
        missing = client.post(
            url, {"day": "2026-11-20", "quantity": "1", "vat": "21", "description": "Verslag"}
        )
        assert "Geef een prijs, of kies een tarief." in missing.content.decode()
        third = invoice.lines.model.objects.none()
        from coaching.models import Tariff

        third = Tariff.objects.get(component="third_party")
        client.post(url, {"day": "2026-11-20", "quantity": "0.5", "vat": "21", "tariff": third.pk})
        line = invoice.lines.get(tariff=third)
        assert (line.unit_price, line.amount) == (Decimal("70.00"), Decimal("35.00"))

    def test_credit_from_the_page(self, client, coach_a, eva, delivered_in_november):
        invoice = invoice_send(invoice=draft_for(eva, coach_a))
        client.force_login(coach_a)
        response = client.post(reverse("invoice_credit", args=[invoice.uuid]), follow=True)
        assert (
            "Creditfactuur" in response.content.decode()
            and "€ -193,60" in response.content.decode()
        )
        client.post(reverse("invoice_credit", args=[invoice.uuid]))
        assert Invoice.objects.filter(credit_for=invoice).count() == 1

    def test_the_wrong_method(self, client, coach_a, eva, delivered_in_november):
        invoice = draft_for(eva, coach_a)
        client.force_login(coach_a)
        for name in ["invoice_send", "invoice_paid", "invoice_credit", "invoice_delete"]:
            assert client.get(reverse(name, args=[invoice.uuid])).status_code == 405
        assert Invoice.objects.get().status == "draft"

    def test_another_coach_cannot_touch_it(
        self, client, coach_b, eva, coach_a, delivered_in_november
    ):
        invoice = draft_for(eva, coach_a)
        client.force_login(coach_b)
        for name in ["invoice_detail", "invoice_pdf"]:
            assert client.get(reverse(name, args=[invoice.uuid])).status_code == 404
        for name in ["invoice_send", "invoice_delete", "invoice_credit"]:
            assert client.post(reverse(name, args=[invoice.uuid])).status_code == 404
        line = invoice.lines.first()
        assert client.post(reverse("invoice_line_delete", args=[line.uuid])).status_code == 404
        assert Invoice.objects.get().status == "draft" and invoice.lines.count() == 2


@pytest.mark.django_db
class TestPortal:
    def test_the_coachee_sees_her_sent_invoices_only(
        self, client, coach_a, eva, coachee, delivered_in_november, guardian
    ):
        invoice_send(invoice=draft_for(eva, coach_a))
        delivered(traject_of(eva, coach_a), date(2026, 11, 16))
        draft = draft_for(eva, coach_a)  # a draft is not hers yet
        client.force_login(coachee)
        page = client.get(reverse("portal_invoices")).content.decode()
        assert "-0001" in page and "€ 193,60" in page
        assert client.get(reverse("portal_invoice_pdf", args=[draft.uuid])).status_code == 404
        sent = Invoice.objects.get(sequence=1)
        response = client.get(reverse("portal_invoice_pdf", args=[sent.uuid]))
        assert response["Content-Type"] == "application/pdf"
        assert "€ 193,60" in pdf_text(response.content)
        client.force_login(guardian)  # another family
        assert client.get(reverse("portal_invoice_pdf", args=[sent.uuid])).status_code == 404
        assert "-0001" not in client.get(reverse("portal_invoices")).content.decode()


@pytest.mark.django_db
def test_the_invoice_list_runs_the_same_queries_with_more_invoices(
    client, coach_a, eva, django_assert_num_queries
):
    practice_tariffs()
    traject = traject_of(eva, coach_a)
    client.force_login(coach_a)

    def invoices(count):
        for _n in range(count):
            delivered(traject, date(2026, 11, 2 + Invoice.objects.count()))
            day = date(2026, 11, 2 + Invoice.objects.count())
            invoice_send(
                invoice=invoice_create(
                    recipient=Recipient("client", client=eva),
                    by=coach_a,
                    start=day,
                    end=day,
                )
            )

    invoices(2)
    # the user with their coach profile and second factor (the session is cached), the count,
    # the page of invoices with their totals
    with django_assert_num_queries(3):
        client.get(reverse("invoice_list"))
    invoices(10)
    with django_assert_num_queries(3):
        assert client.get(reverse("invoice_list")).content.decode().count("<tr>") == 13


@pytest.mark.django_db
class TestQuote:
    def test_a_quote_from_the_group_tariff_pro_rata(self, client, coach_a):
        tariff(
            "backstage", "5600", unit="group", min_participants=4, max_participants=6, meetings=8
        )
        client.force_login(coach_a)
        response = client.post(
            reverse("quote_new"),
            {
                "organisation": "Ziekenhuis Oost",
                "contact_person": "P. de Wit",
                "group_size": "5",
                "meetings": "10",
                "wishes": "Bij ons op locatie",
                "wishes_price": "250",
            },
        )
        quote = Quote.objects.get()
        assert response.status_code == 302
        # 5600 for 8 meetings → 7000 for 10, plus 250: 7250 + 21 % = 8772,50
        assert quote.unit_price == Decimal("7000.00") and quote.totals()["incl"] == Decimal(
            "8772.50"
        )
        page = client.get(reverse("quote_detail", args=[quote.uuid])).content.decode()
        assert "€ 8.772,50" in page
        text = pdf_text(client.get(reverse("quote_pdf", args=[quote.uuid])).content)
        assert "Ziekenhuis Oost" in text and "Bij ons op locatie" in text and "€ 8.772,50" in text

    def test_no_tariff_for_that_size_says_so(self, client, coach_a):
        tariff(
            "backstage", "5600", unit="group", min_participants=4, max_participants=6, meetings=8
        )
        client.force_login(coach_a)
        response = client.post(
            reverse("quote_new"), {"organisation": "X", "group_size": "12", "meetings": "8"}
        )
        assert "geen Backstage-tarief voor een groep van 12" in response.content.decode()
        assert not Quote.objects.exists()

    def test_another_coach_gets_a_404(self, client, coach_a, coach_b):
        tariff(
            "backstage",
            "1150",
            unit="participant",
            min_participants=4,
            max_participants=10,
            meetings=8,
        )
        client.force_login(coach_a)
        client.post(reverse("quote_new"), {"organisation": "X", "group_size": "6", "meetings": "8"})
        quote = Quote.objects.get()
        assert quote.quantity == 6 and quote.unit_price == Decimal("1150.00")
        client.force_login(coach_b)
        assert client.get(reverse("quote_detail", args=[quote.uuid])).status_code == 404
        assert client.get(reverse("quote_pdf", args=[quote.uuid])).status_code == 404


@pytest.mark.django_db
def test_the_admin_invoices_an_in_company_group_for_its_coach(client, coach_a, admin_user):
    from coaching.models import Organisation
    from coaching.tests.factories import ClientFactory
    from coaching.tests.test_permissions import quick_group
    from groups.models import BackstageGroup, Membership

    tariff("backstage", "5600", unit="group", min_participants=4, max_participants=6, meetings=8)
    hospital = Organisation.objects.create(name="Ziekenhuis Oost", email="hr@oost.test")
    group = quick_group(
        coach_a, first_start=timezone.make_aware(timezone.datetime(2026, 11, 2, 19))
    )
    BackstageGroup.objects.filter(pk=group.pk).update(composition="team", organisation=hospital)
    for _n in range(4):
        Membership.objects.create(
            group=group, client=ClientFactory(coach=coach_a), joined_on=NOV[0]
        )
    client.force_login(admin_user)
    page = client.get(reverse("invoice_new")).content.decode()
    key = f"organisation:{hospital.uuid}:{coach_a.uuid}"
    assert key in page and "Ziekenhuis Oost (Anna Coach)" in page
    client.post(
        reverse("invoice_new"), {"recipient": key, "start": "2026-11-01", "end": "2026-11-30"}
    )
    invoice = Invoice.objects.get()
    assert invoice.coach == coach_a and invoice.created_by == admin_user
    assert invoice.lines.get().unit_price == Decimal("5600.00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-01-01", "9999-12-31", "Factureer tot en met vandaag"),
        ("2020-01-01", "2026-11-30", "hoogstens een jaar"),
    ],
)
def test_a_period_out_of_bounds_is_explained(client, coach_a, eva, start, end, message):
    client.force_login(coach_a)
    response = client.post(
        reverse("invoice_new"), {"recipient": f"client:{eva.uuid}", "start": start, "end": end}
    )
    assert response.status_code == 200 and message in response.content.decode()


@pytest.mark.django_db
def test_huge_numbers_on_a_line_are_a_form_error(client, coach_a, eva, delivered_in_november):
    invoice = draft_for(eva, coach_a)
    client.force_login(coach_a)
    response = client.post(
        reverse("invoice_line_new", args=[invoice.uuid]),
        {
            "day": "2026-11-20",
            "quantity": "99999.99",
            "unit_price": "9999999.99",
            "vat": "21",
            "description": "x",
        },
    )
    errors = response.context["line_form"].errors
    assert response.status_code == 200 and {"quantity", "unit_price"} <= set(errors)
    assert invoice.lines.count() == 2


@pytest.mark.django_db
def test_a_quote_refused_leaves_no_organisation_behind(client, coach_a):
    from coaching.models import Organisation

    client.force_login(coach_a)
    client.post(
        reverse("quote_new"), {"organisation": "Nieuw BV", "group_size": "6", "meetings": "8"}
    )
    assert not Organisation.objects.filter(name="Nieuw BV").exists()


@pytest.mark.django_db
def test_the_portal_list_runs_the_same_queries_with_more_invoices(
    client, coach_a, eva, coachee, django_assert_num_queries
):
    practice_tariffs()
    traject = traject_of(eva, coach_a)
    client.force_login(coachee)

    def invoices(count):
        for _n in range(count):
            day = date(2026, 11, 2 + Invoice.objects.count())
            delivered(traject, day)
            invoice_send(
                invoice=invoice_create(
                    recipient=Recipient("client", client=eva), by=coach_a, start=day, end=day
                )
            )

    invoices(1)
    with django_assert_num_queries(2):  # her account, her invoices with their totals
        client.get(reverse("portal_invoices"))
    invoices(8)
    with django_assert_num_queries(2):
        assert client.get(reverse("portal_invoices")).content.decode().count("list-group-item") == 9


@pytest.mark.django_db
def test_the_list_finds_by_name_or_number_and_odd_input_is_no_error(
    client, coach_a, eva, delivered_in_november
):
    invoice = invoice_send(invoice=draft_for(eva, coach_a))
    client.force_login(coach_a)
    for query in [invoice.number, "Coachee", "99999999999-99999999999", "2026-", "-"]:
        response = client.get(reverse("invoice_list"), {"q": query})
        assert response.status_code == 200
    found = lambda q: list(client.get(reverse("invoice_list"), {"q": q}).context["page"])  # noqa: E731
    assert found(invoice.number) == found("Coachee") == [invoice]
    assert found("2025-0001") == []
