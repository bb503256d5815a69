"""An organisation asks for a quote online.

The public form (linked from the Backstage page) stores the request for the practice's Backstage
coach, who hears of it on Vandaag and by an e-mail without details; a robot (the honeypot) is
thanked and forgotten; more than five requests an hour from one address are refused with a
message, the typed input kept. The coach answers with the existing quote, filled in from the
request, or closes it without one; another coach gets a 404."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.models import Quote, QuoteRequest
from billing.services.quote_requests import SHOWN, backstage_coach, quote_request_close
from billing.tests.helpers import tariff
from coaching.models import Send
from coaching.tests.test_permissions import quick_group

pytestmark = pytest.mark.django_db

FORM_URL = "/backstage-groep/offerte-aanvragen/"


def form(**changes) -> dict:
    return {
        "organisation_name": "Gemeente Zuid",
        "contact_person": "Karin Mol",
        "email": "k.mol@zuid.example",
        "phone": "",
        "group_size": "6",
        "composition": "team",
        "daypart": "evening",
        "wishes": "Graag bij ons op het stadhuis.",
        "website": "",
        **changes,
    }


def new_request(coach, **changes) -> QuoteRequest:
    data = form(**changes)
    data.pop("website")
    return QuoteRequest.objects.create(coach=coach, **{**data, "group_size": 6})


@pytest.fixture
def backstage_tariff(db):
    return tariff(
        "backstage", "5600", unit="group", min_participants=4, max_participants=6, meetings=8
    )


class TestThePublicForm:
    def test_the_backstage_page_leads_to_it(self, client):
        html = client.get(reverse("backstage_info")).content.decode()
        assert f'href="{FORM_URL}"' in html and "Offerte aanvragen" in html

    def test_a_request_is_stored_and_reaches_the_coach(
        self, client, coach_a, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(FORM_URL, form(phone="030 123 45 67"))
        assert response.status_code == 302
        assert response["Location"] == reverse("quote_request_thanks")
        asked = QuoteRequest.objects.get()
        assert (asked.coach, asked.organisation_name, asked.contact_person) == (
            coach_a,
            "Gemeente Zuid",
            "Karin Mol",
        )
        assert (asked.email, asked.phone, asked.group_size) == (
            "k.mol@zuid.example",
            "030 123 45 67",
            6,
        )
        assert (asked.composition, asked.daypart, asked.language) == ("team", "evening", "nl")
        assert asked.wishes == "Graag bij ons op het stadhuis."
        # The coach's e-mail: that a request came in, and the link; nothing of what it says.
        (message,) = mailoutbox
        assert message.to == [coach_a.email]
        assert "Er is een offerteaanvraag binnengekomen" in message.subject
        link = f"http://testserver/offertes/aanvragen/{asked.uuid}/"
        assert link in message.body
        for detail in ("Gemeente Zuid", "Karin Mol", "zuid.example", "stadhuis", "030"):
            assert detail not in message.body + message.subject
            assert detail not in message.alternatives[0][0]
        assert Send.objects.get(subject=f"quoterequest:{asked.pk}").status == "sent"
        thanks = client.get(response["Location"]).content.decode()
        assert "Dank je wel voor je aanvraag" in thanks
        # On the coach's Vandaag, linked.
        client.force_login(coach_a)
        today = client.get(reverse("coach_dashboard")).content.decode()
        assert "Offerteaanvragen" in today and "Gemeente Zuid" in today
        assert reverse("quote_request_detail", args=[asked.uuid]) in today

    def test_another_coach_does_not_see_it(self, client, coach_a, coach_b):
        client.post(FORM_URL, form())
        client.force_login(coach_b)
        assert "Gemeente Zuid" not in client.get(reverse("coach_dashboard")).content.decode()
        assert "Gemeente Zuid" not in client.get(reverse("quote_new")).content.decode()

    def test_the_honeypot_stores_nothing_and_tells_nobody(
        self, client, coach_a, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(FORM_URL, form(website="http://spam.example"))
        assert response["Location"] == reverse("quote_request_thanks")
        assert not QuoteRequest.objects.exists() and not Send.objects.exists()
        assert mailoutbox == []

    def test_the_honeypot_is_hidden_from_people(self, client, coach_a):
        html = client.get(FORM_URL).content.decode()
        box = html[html.index('<div class="d-none" aria-hidden="true">') :]
        assert 'name="website"' in box[: box.index("</div>")]
        assert 'tabindex="-1"' in box[: box.index("</div>")]

    def test_too_many_requests_from_one_address(self, client, coach_a):
        for n in range(5):
            assert client.post(FORM_URL, form(email=f"n{n}@zuid.example")).status_code == 302
        response = client.post(
            FORM_URL, form(email="zes@zuid.example", wishes="Liefst op dinsdag.")
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "Er kwamen te veel aanvragen vanaf deze verbinding" in html
        assert "Probeer het over een uur opnieuw" in html
        # Nothing typed is lost: the form comes back as it was sent.
        for value in ('value="zes@zuid.example"', 'value="Gemeente Zuid"', 'value="6"'):
            assert value in html
        assert "Liefst op dinsdag." in html
        assert re.search(r'value="team"[^>]*checked', html)
        assert re.search(r'value="evening"[^>]*checked', html)
        assert QuoteRequest.objects.count() == 5

    def test_correcting_a_mistake_does_not_count(self, client, coach_a):
        for _n in range(6):
            client.post(FORM_URL, form(email="geen-adres"))
        assert client.post(FORM_URL, form()).status_code == 302
        assert QuoteRequest.objects.count() == 1

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"organisation_name": ""}, "Dit veld is verplicht."),
            ({"email": "geen-adres"}, "geldig e-mailadres"),
            ({"group_size": "0"}, "minstens 1"),
            ({"group_size": "31"}, "hoogstens 30"),
            ({"daypart": ""}, "Dit veld is verplicht."),
            ({"composition": "iets"}, "Selecteer een geldige keuze"),
        ],
    )
    def test_invalid_input_is_explained_and_kept(self, client, coach_a, changes, message):
        response = client.post(FORM_URL, form(**changes))
        html = response.content.decode()
        assert response.status_code == 200 and message in html
        assert "Graag bij ons op het stadhuis." in html
        assert not QuoteRequest.objects.exists()

    def test_in_english(self, client, coach_a):
        from django.conf import settings

        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.get(FORM_URL)
        assert response.status_code == 200 and response["Content-Language"] == "en"
        assert '<html lang="en">' in response.content.decode()
        client.post(FORM_URL, form())
        assert QuoteRequest.objects.get().language == "en"

    def test_closed_without_a_coach(self, client, db):
        html = client.get(FORM_URL).content.decode()
        assert "Online aanvragen kan op dit moment niet" in html
        assert client.post(FORM_URL, form()).status_code == 200
        assert not QuoteRequest.objects.exists()

    def test_the_thanks_page_only_shows(self, client):
        assert client.get(reverse("quote_request_thanks")).status_code == 200
        assert client.post(reverse("quote_request_thanks")).status_code == 405


class TestWhichCoach:
    def test_the_coach_of_the_latest_backstage_group(self, coach_a, coach_b):
        start = timezone.now() + timedelta(days=30)
        quick_group(coach_a, first_start=start)
        quick_group(coach_b, first_start=start + timedelta(hours=3))
        assert backstage_coach() == coach_b

    def test_without_groups_the_first_coach(self, coach_a, coach_b):
        assert backstage_coach() == coach_a

    def test_never_a_coach_who_left(self, coach_a, coach_b):
        quick_group(coach_b, first_start=timezone.now() + timedelta(days=30))
        coach_b.is_active = False
        coach_b.save(update_fields=["is_active"])
        assert backstage_coach() == coach_a


class TestTheCoachAnswers:
    def test_the_quote_form_is_filled_in_from_the_request(self, client, coach_a):
        asked = new_request(coach_a)
        client.force_login(coach_a)
        html = client.get(reverse("quote_request_detail", args=[asked.uuid])).content.decode()
        assert 'name="organisation" value="Gemeente Zuid"' in html
        assert 'name="group_size" value="6"' in html
        assert 'name="contact_person" value="Karin Mol"' in html
        assert "Graag bij ons op het stadhuis." in html
        assert 'href="mailto:k.mol@zuid.example"' in html
        assert "wacht op een offerte" in html

    def test_a_quote_answers_it(self, client, coach_a, backstage_tariff):
        asked = new_request(coach_a)
        client.force_login(coach_a)
        response = client.post(
            reverse("quote_request_detail", args=[asked.uuid]),
            {
                "organisation": "Gemeente Zuid",
                "contact_person": "Karin Mol",
                "group_size": "6",
                "meetings": "8",
                "wishes": "Op het stadhuis",
                "wishes_price": "250",
            },
        )
        quote = Quote.objects.get()
        assert response["Location"] == reverse("quote_detail", args=[quote.uuid])
        assert quote.request == asked and quote.coach == coach_a
        assert quote.organisation.name == "Gemeente Zuid" and quote.group_size == 6
        assert QuoteRequest.objects.with_state().get().answered
        assert not QuoteRequest.objects.open().exists()
        detail = client.get(reverse("quote_request_detail", args=[asked.uuid])).content.decode()
        assert "beantwoord" in detail and quote.number in detail
        assert reverse("quote_detail", args=[quote.uuid]) in detail
        quote_page = client.get(response["Location"]).content.decode()
        assert reverse("quote_request_detail", args=[asked.uuid]) in quote_page
        # Vandaag no longer lists it.
        assert "Gemeente Zuid" not in client.get(reverse("coach_dashboard")).content.decode()

    def test_the_admin_answers_for_the_coach(self, client, coach_a, admin_user, backstage_tariff):
        asked = new_request(coach_a)
        client.force_login(admin_user)
        client.post(
            reverse("quote_request_detail", args=[asked.uuid]),
            {"organisation": "Gemeente Zuid", "group_size": "6", "meetings": "8"},
        )
        assert Quote.objects.get().coach == coach_a

    def test_no_tariff_says_so_and_answers_nothing(self, client, coach_a):
        asked = new_request(coach_a)
        client.force_login(coach_a)
        response = client.post(
            reverse("quote_request_detail", args=[asked.uuid]),
            {"organisation": "Gemeente Zuid", "group_size": "6", "meetings": "8"},
        )
        assert "geen Backstage-tarief voor een groep van 6" in response.content.decode()
        assert not Quote.objects.exists() and QuoteRequest.objects.open().exists()

    def test_another_coach_gets_a_404(self, client, coach_a, coach_b, backstage_tariff):
        asked = new_request(coach_a)
        client.force_login(coach_b)
        detail = reverse("quote_request_detail", args=[asked.uuid])
        assert client.get(detail).status_code == 404
        assert client.post(detail, {"organisation": "X", "group_size": "6"}).status_code == 404
        close = reverse("quote_request_close", args=[asked.uuid])
        assert client.post(close, {"reason": "weg"}).status_code == 404
        assert not Quote.objects.exists() and QuoteRequest.objects.open().exists()

    def test_a_coachee_is_refused_and_a_visitor_logs_in(self, client, coach_a, coachee):
        asked = new_request(coach_a)
        detail = reverse("quote_request_detail", args=[asked.uuid])
        assert client.get(detail)["Location"].startswith("/account/login/")
        client.force_login(coachee)
        assert client.get(detail).status_code == 403

    def test_the_quotes_page_lists_the_open_requests(self, client, coach_a):
        asked = new_request(coach_a)
        new_request(coach_a, organisation_name="Al gesloten BV").__class__.objects.filter(
            organisation_name="Al gesloten BV"
        ).update(closed_at=timezone.now())
        client.force_login(coach_a)
        html = client.get(reverse("quote_new")).content.decode()
        assert "Aanvragen via de website" in html
        assert reverse("quote_request_detail", args=[asked.uuid]) in html
        assert "Al gesloten BV" not in html


class TestClosingWithoutAQuote:
    def test_closed_with_the_reason_it_leaves_vandaag(self, client, coach_a):
        asked = new_request(coach_a)
        client.force_login(coach_a)
        url = reverse("quote_request_close", args=[asked.uuid])
        assert client.get(url).status_code == 405
        response = client.post(url, {"reason": "Telefonisch besproken"}, follow=True)
        html = response.content.decode()
        assert "De aanvraag is afgesloten zonder offerte." in html
        assert "Reden: Telefonisch besproken" in html
        asked.refresh_from_db()
        assert asked.closed_at and asked.close_reason == "Telefonisch besproken"
        assert "Gemeente Zuid" not in client.get(reverse("coach_dashboard")).content.decode()
        # Again: refused with the reason, nothing changes.
        again = client.post(url, {"reason": "Nog eens"}, follow=True).content.decode()
        assert "Deze aanvraag is al afgesloten." in again
        asked.refresh_from_db()
        assert asked.close_reason == "Telefonisch besproken"

    def test_an_answered_request_is_not_closed(self, coach_a, backstage_tariff):
        from django.core.exceptions import ValidationError

        from billing.services.invoicing import quote_create

        asked = new_request(coach_a)
        quote_create(
            coach=coach_a,
            organisation_name="Gemeente Zuid",
            contact_person="",
            group_size=6,
            meetings=8,
            wishes="",
            wishes_price=Decimal(0),
            request=asked,
        )
        with pytest.raises(ValidationError, match="al beantwoord"):
            quote_request_close(quote_request=asked, reason="")

    def test_a_reason_without_closing_is_refused_by_the_database(self, coach_a):
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            new_request(coach_a, close_reason="Zomaar")


def test_vandaag_takes_the_same_queries_for_one_and_many_requests(client, coach_a):
    client.force_login(coach_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("coach_dashboard")).status_code == 200
        return len(captured)

    new_request(coach_a)
    one = queries()
    for n in range(SHOWN + 2):
        new_request(coach_a, organisation_name=f"Organisatie {n:02}")
    many = queries()
    assert one == many
    html = client.get(reverse("coach_dashboard")).content.decode()
    listed = html[html.index('id="quote-request-list"') :]
    assert listed[: listed.index("</ul>")].count("<li") == SHOWN
    assert f"{SHOWN} van {SHOWN + 3} getoond" in html


def test_the_e_mail_of_a_deleted_request_is_skipped(coach_a):
    from coaching import outbox

    asked = new_request(coach_a)
    (pk,) = outbox.outbox_add(
        [(f"quoterequest:{asked.pk}", "quote_request", timezone.now())], deliver_now=False
    )
    asked.delete()
    outbox.deliver([pk])
    assert Send.objects.get(pk=pk).status == Send.Status.SKIPPED


def test_the_admin_reads_and_may_delete_them_in_dutch(client, admin_user, coach_a):
    asked = new_request(coach_a)
    client.force_login(admin_user)
    listing = client.get(reverse("admin:billing_quoterequest_changelist")).content.decode()
    assert "Offerteaanvragen" in listing and "Gemeente Zuid" in listing
    assert "Beantwoord met een offerte" in listing
    page = client.get(reverse("admin:billing_quoterequest_change", args=[asked.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "Contactpersoon" in html and "Wensen en vragen" in html
    assert client.get(reverse("admin:billing_quoterequest_add")).status_code == 403
    response = client.post(
        reverse("admin:billing_quoterequest_delete", args=[asked.pk]), {"post": "yes"}
    )
    assert response.status_code == 302 and not QuoteRequest.objects.exists()
