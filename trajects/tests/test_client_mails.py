"""The coach sees on a client's page what was e-mailed about that client: the latest outbox rows
that name the client, with their kind, status, time and recipients."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coaching.models import Send
from coaching.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def section(html: str) -> str:
    start = html.index('id="mails-heading"')
    return html[start : html.index("</section>", start)]


def test_the_latest_mails_about_the_client_with_status_time_and_recipients(client, coach_a):
    eva = ClientFactory(coach=coach_a)
    other = ClientFactory(coach=coach_a)
    now = timezone.now()
    sent = Send.objects.create(
        subject="invitation:1:1",
        kind=Send.Kind.INVITATION,
        client=eva,
        status=Send.Status.SENT,
        sent_at=now - timedelta(days=2),
        recipients=["eva@praktijk.test"],
    )
    Send.objects.filter(pk=sent.pk).update(created_at=now - timedelta(days=2))
    Send.objects.create(
        subject="accountmail:1:1",
        kind=Send.Kind.ACCOUNT_MAIL,
        client=eva,
        status=Send.Status.FAILED,
        error="SMTPDataError: 550",
    )
    Send.objects.create(subject="invitation:2:1", kind=Send.Kind.INVITATION, client=other)
    client.force_login(coach_a)
    html = section(client.get(f"/coach/clienten/{eva.uuid}/").content.decode())
    assert html.count("list-group-item") == 2  # not the other client's
    # Newest first: the account mail that failed, then the invitation that went out.
    assert html.index("Accountbericht") < html.index("Uitnodiging")
    assert "mislukt" in html and ">verstuurd<" in html
    assert "aan eva@praktijk.test" in html
    assert timezone.localtime(sent.sent_at).strftime("%H:%M") in html


def test_ten_at_most_and_a_word_when_there_are_none(client, coach_a):
    eva = ClientFactory(coach=coach_a)
    client.force_login(coach_a)
    html = section(client.get(f"/coach/clienten/{eva.uuid}/").content.decode())
    assert "Nog geen e-mails over deze cliënt verstuurd." in html
    Send.objects.bulk_create(
        Send(subject=f"invitation:{n}:1", kind=Send.Kind.INVITATION, client=eva) for n in range(12)
    )
    html = section(client.get(f"/coach/clienten/{eva.uuid}/").content.decode())
    assert html.count("list-group-item") == 10
    assert "De laatste 10 e-mails over deze cliënt." in html
    assert "wordt verstuurd" in html


def test_every_mail_a_service_writes_about_a_client_names_the_client(
    client, coach_a, coachee, questionnaires
):
    """Not only the mails of a change (outbox_send) but also those recorded by subject
    (outbox_add): the coach's list shows them, and the erasure finds them by the client."""
    from decimal import Decimal

    from billing.models import Invoice
    from billing.services.invoicing import invoice_line_add, invoice_send
    from coaching.models import Client
    from coaching.services.consents import consent_withdraw
    from trajects.models import Questionnaire, Traject
    from trajects.services.email_coaching import email_traject_switch, message_write
    from trajects.services.evaluations import evaluation_request
    from trajects.tests.factories import ConsentFactory, ThirdPartyFactory, TrajectFactory

    eva = Client.objects.get(account=coachee)
    traject = TrajectFactory(client=eva, kind=Traject.Kind.EMAIL)
    message_write(traject=traject, by=coachee, body="Hallo", from_coach=False)  # + 2 alerts
    email_traject_switch(traject=traject, by=coach_a)
    evaluation_request(key="k", kind=Questionnaire.Kind.INTERIM, client=eva, traject=traject)
    consent = ConsentFactory(third_party=ThirdPartyFactory(client=eva))
    consent_withdraw(consent=consent, by=coachee, on=timezone.localdate())
    invoice = Invoice.objects.create(
        coach=coach_a,
        recipient_kind="client",
        client=eva,
        bill_to_name="Eva",
        bill_to_email=coachee.email,
        period_start=timezone.localdate().replace(day=1),
        period_end=timezone.localdate(),
        created_by=coach_a,
    )
    invoice_line_add(
        invoice=invoice,
        day=timezone.localdate(),
        description="Sessie",
        quantity=Decimal(1),
        unit_price=Decimal(80),
        vat="21",
    )
    invoice_send(invoice=invoice)
    kinds = [
        Send.Kind.MESSAGE_WAITING,
        Send.Kind.MESSAGE_NEAR_DUE,
        Send.Kind.MESSAGE_OVERDUE,
        Send.Kind.SWITCHED_TO_LIVE,
        Send.Kind.EVALUATION_PROMPT,
        Send.Kind.CONSENT_WITHDRAWN,
        Send.Kind.INVOICE,
    ]
    assert dict(Send.objects.values_list("kind", "client")) == dict.fromkeys(kinds, eva.pk)
    client.force_login(coach_a)
    html = section(client.get(f"/coach/clienten/{eva.uuid}/").content.decode())
    assert "Factuur" in html and "Vraag om een evaluatie" in html
