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
