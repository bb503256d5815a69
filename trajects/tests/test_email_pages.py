"""E-mail coaching through the pages: write, see it due, answer, read; notices without text;
attachments refused with a message; the switch and closing."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AuditEvent
from coaching.dates import readable
from coaching.models import Client, Guardian
from trajects.models import Message, Traject
from trajects.tests.factories import TrajectFactory


@pytest.fixture
def conversation(coachee):
    return TrajectFactory(client=Client.objects.get(account=coachee), kind=Traject.Kind.EMAIL)


@pytest.mark.django_db
class TestConversation:
    def test_write_see_it_due_answer_and_read(
        self, client, coachee, coach_a, conversation, mailoutbox, django_capture_on_commit_callbacks
    ):
        client.force_login(coachee)
        assert (
            client.get("/portaal/berichten/")["Location"]
            == f"/portaal/berichten/{conversation.uuid}/"
        )
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                f"/portaal/berichten/{conversation.uuid}/", {"body": "GEHEIME-VRAAG over mijn werk"}
            )
        message = Message.objects.get()
        assert message.due_at == message.created_at + timedelta(hours=24)
        notice = mailoutbox[-1]
        assert notice.to == [coach_a.email] and "GEHEIME-VRAAG" not in notice.body
        assert f"/coach/trajecten/{conversation.uuid}/" in notice.body

        client.force_login(coach_a)
        dashboard = client.get("/coach/").content.decode()
        assert "te beantwoorden" in dashboard and "uiterlijk" in dashboard
        page = client.get(f"/coach/trajecten/{conversation.uuid}/").content.decode()
        assert "GEHEIME-VRAAG" in page
        assert AuditEvent.objects.filter(
            object_id=str(conversation.uuid), actor=coach_a, action="view", what="dossier"
        ).exists()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                f"/coach/trajecten/{conversation.uuid}/berichten/",
                {"body": "Goede vraag; probeer eens dit."},
            )
        message.refresh_from_db()
        assert message.answered_at is not None
        assert mailoutbox[-1].to == [coachee.email] and "probeer eens" not in mailoutbox[-1].body
        assert "te beantwoorden" not in client.get("/coach/").content.decode()

        client.force_login(coachee)
        assert (
            "probeer eens dit"
            in client.get(f"/portaal/berichten/{conversation.uuid}/").content.decode()
        )

    def test_overdue_is_marked_on_the_dashboard(self, client, coachee, coach_a, conversation):
        client.force_login(coachee)
        client.post(f"/portaal/berichten/{conversation.uuid}/", {"body": "Vraag"})
        Message.objects.update(due_at=timezone.now() - timedelta(hours=1))
        client.force_login(coach_a)
        assert "te laat" in client.get("/coach/").content.decode()

    def test_an_attachment_of_the_wrong_kind_is_refused_and_the_text_kept(
        self, client, coachee, conversation
    ):
        client.force_login(coachee)
        upload = SimpleUploadedFile("cv.docx", b"PK\x03\x04 a zip file")
        response = client.post(
            f"/portaal/berichten/{conversation.uuid}/",
            {"body": "Mijn tekst blijft", "attachment": upload},
        )
        html = response.content.decode()
        assert "Stuur een PDF, een JPG of een PNG" in html and "Mijn tekst blijft" in html
        assert not Message.objects.exists()

    def test_an_attachment_lying_about_its_type_is_refused_and_the_text_kept(
        self, client, coachee, conversation
    ):
        client.force_login(coachee)
        upload = SimpleUploadedFile(
            "scan.png", b"<html><script>alert(1)</script></html>", content_type="image/png"
        )
        response = client.post(
            f"/portaal/berichten/{conversation.uuid}/",
            {"body": "Zie de scan", "attachment": upload},
        )
        html = response.content.decode()
        assert "Stuur een PDF, een JPG of een PNG" in html and "Zie de scan" in html
        assert not Message.objects.exists()

    def test_an_attachment_too_big_is_refused_and_the_text_kept(
        self, client, coachee, conversation, settings
    ):
        settings.PRAKTIJK_EMAIL_MAX_ATTACHMENT_MB = 1
        client.force_login(coachee)
        upload = SimpleUploadedFile("groot.pdf", b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 1))
        response = client.post(
            f"/portaal/berichten/{conversation.uuid}/",
            {"body": "Een groot verslag", "attachment": upload},
        )
        html = response.content.decode()
        assert "te groot" in html and "Een groot verslag" in html
        assert not Message.objects.exists()

    def test_the_coach_reply_is_kept_too_when_its_attachment_is_refused(
        self, client, coach_a, conversation
    ):
        client.force_login(coach_a)
        response = client.post(
            f"/coach/trajecten/{conversation.uuid}/berichten/",
            {
                "body": "Een lang antwoord dat niet verloren mag gaan",
                "attachment": SimpleUploadedFile("oefening.exe", b"MZ\x90\x00 program"),
            },
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert "Stuur een PDF, een JPG of een PNG" in html
        assert "Een lang antwoord dat niet verloren mag gaan" in html
        assert not Message.objects.exists()

    def test_a_text_sent_after_the_conversation_ended_is_not_lost(
        self, client, coachee, coach_a, conversation
    ):
        client.force_login(coachee)
        client.post(f"/portaal/berichten/{conversation.uuid}/", {"body": "Vraag"})
        client.force_login(coach_a)
        seen = Message.objects.get().pk
        client.post(f"/coach/trajecten/{conversation.uuid}/live-sessies/")
        response = client.post(
            f"/coach/trajecten/{conversation.uuid}/berichten/",
            {"body": "MIJN-ANTWOORD dat te laat kwam", "seen": seen},
        )
        html = response.content.decode()
        assert "MIJN-ANTWOORD dat te laat kwam" in html and "live sessies" in html
        client.force_login(coachee)
        response = client.post(
            f"/portaal/berichten/{conversation.uuid}/", {"body": "MIJN-VRAAG na de overstap"}
        )
        html = response.content.decode()
        assert "MIJN-VRAAG na de overstap" in html and "niet verstuurd" in html
        assert Message.objects.count() == 1
        # And no deadline is left to miss: the dashboard lists nothing as waiting.
        client.force_login(coach_a)
        assert "te beantwoorden" not in client.get("/coach/").content.decode()

    def test_an_attachment_downloads_with_the_extension_of_its_checked_type(
        self, client, coachee, conversation
    ):
        client.force_login(coachee)
        upload = SimpleUploadedFile("scan", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
        client.post(
            f"/portaal/berichten/{conversation.uuid}/", {"body": "Foto", "attachment": upload}
        )
        message = Message.objects.get()
        response = client.get(f"/berichten/{message.uuid}/bijlage/")
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"].endswith(f'bijlage-{message.uuid.hex[:8]}.png"')

    def test_another_coach_or_client_reads_nothing(
        self, client, coachee, coach_b, guardian, conversation
    ):
        client.force_login(coachee)
        client.post(f"/portaal/berichten/{conversation.uuid}/", {"body": "Privé"})
        client.force_login(coach_b)
        assert client.get(f"/coach/trajecten/{conversation.uuid}/").status_code == 404
        client.force_login(guardian)
        assert client.get(f"/portaal/berichten/{conversation.uuid}/").status_code == 404

    def test_a_parent_reads_their_child_s_conversation_and_no_one_else_does(
        self, client, coachee, guardian
    ):
        child = Client.objects.get(guardians__account=guardian)
        conversation = TrajectFactory(client=child, kind=Traject.Kind.EMAIL)
        url = f"/portaal/berichten/{conversation.uuid}/"
        client.force_login(guardian)
        assert client.get(url).status_code == 200
        client.force_login(coachee)
        assert client.get(url).status_code == 404
        # A parent who may no longer act in the portal for the child.
        Guardian.objects.filter(account=guardian).update(may_act_in_portal=False)
        client.force_login(guardian)
        assert client.get(url).status_code == 404

    def test_the_coachee_asks_for_live_sessions_and_the_coach_switches(
        self, client, coachee, coach_a, conversation
    ):
        client.force_login(coachee)
        client.post(f"/portaal/berichten/{conversation.uuid}/", {"body": "Hallo"})
        client.post(f"/portaal/berichten/{conversation.uuid}/live/")
        client.force_login(coach_a)
        assert "vraagt om live sessies" in client.get("/coach/").content.decode()
        url = f"/coach/trajecten/{conversation.uuid}/live-sessies/"
        # The traject page links to the step; the step asks first and changes nothing yet.
        assert (
            f'href="{url}"' in client.get(f"/coach/trajecten/{conversation.uuid}/").content.decode()
        )
        asked = client.get(url)
        html = asked.content.decode()
        assert asked.status_code == 200 and "Wat er gebeurt" in html
        assert "De cliënt krijgt een e-mail" in html and "Nieuwe berichten kunnen niet meer" in html
        assert "Het gesprek blijft leesbaar" in html
        conversation.refresh_from_db()
        assert conversation.kind == Traject.Kind.EMAIL
        client.post(url)
        conversation.refresh_from_db()
        assert conversation.kind == Traject.Kind.STANDARD
        page = client.get(f"/coach/trajecten/{conversation.uuid}/").content.decode()
        assert "Hallo" in page and "Overgestapt naar live sessies" in page
        # Asked again after the switch: nothing to confirm, nothing changes.
        again = client.get(url)
        assert (
            again.status_code == 302
            and again["Location"] == f"/coach/trajecten/{conversation.uuid}/"
        )
        assert conversation.events.filter(step="switch_to_live").count() == 1

    def test_the_coachee_closes_the_conversation(self, client, coachee, conversation):
        client.force_login(coachee)
        client.post(f"/portaal/berichten/{conversation.uuid}/afsluiten/")
        conversation.refresh_from_db()
        assert conversation.status == Traject.Status.GESTOPT
        assert (
            "Dit gesprek is afgesloten"
            in client.get(f"/portaal/berichten/{conversation.uuid}/").content.decode()
        )

    def test_statistics_page(self, client, coach_a):
        client.force_login(coach_a)
        assert (
            "Antwoordtijden bij e-mailcoaching"
            in client.get("/coach/berichten/statistiek/").content.decode()
        )

    def test_the_statistics_are_in_the_coachs_menu_also_without_open_messages(
        self, client, coach_a
    ):
        client.force_login(coach_a)
        menu = client.get("/coach/").content.decode().split('id="main-nav"')[1].split("</ul>")[0]
        assert 'href="/coach/berichten/statistiek/">Antwoordtijden</a>' in menu


@pytest.mark.django_db
def test_after_the_switch_the_coachee_still_reads_the_conversation(
    client, coachee, coach_a, conversation
):
    from trajects.services.email_coaching import email_traject_switch, message_write

    message_write(traject=conversation, by=coachee, body="Eerste vraag", from_coach=False)
    client.force_login(coachee)
    before = client.get(f"/portaal/berichten/{conversation.uuid}/").content.decode()
    assert "antwoordt binnen 24 uur" in before
    email_traject_switch(traject=conversation, by=coach_a)
    html = client.get(f"/portaal/berichten/{conversation.uuid}/").content.decode()
    assert "Eerste vraag" in html and "Versturen" not in html
    # The portal says so, and promises no answer within 24 hours.
    assert "antwoordt binnen" not in html
    notice = html[html.index('id="switched-to-live"') :]
    today = readable(timezone.localdate(), long=True)
    assert f"Sinds {today} gaat de coaching verder met live sessies" in notice
    assert "Nieuwe berichten kunnen hier niet meer; het gesprek blijft hier leesbaar." in notice
    listed = client.get("/portaal/berichten/")
    assert listed.status_code == 302  # one conversation: straight to it


@pytest.mark.django_db
def test_a_long_conversation_shows_the_latest_messages_and_the_rest_on_request(
    client, coachee, coach_a, conversation
):
    start = timezone.now() - timedelta(days=60)
    Message.objects.bulk_create(
        Message(
            traject=conversation,
            from_coach=True,
            author=coach_a,
            body=f"Bericht-{n:02d}.",
            created_at=start + timedelta(days=n),
        )
        for n in range(55)
    )
    for user, url in (
        (coachee, f"/portaal/berichten/{conversation.uuid}/"),
        (coach_a, f"/coach/trajecten/{conversation.uuid}/"),
    ):
        client.force_login(user)
        html = client.get(url).content.decode()
        assert "5 eerdere berichten tonen" in html
        assert "Bericht-04." not in html and "Bericht-05." in html and "Bericht-54." in html
        assert html.index("Bericht-05.") < html.index("Bericht-54.")
        html = client.get(url + "?alle=1").content.decode()
        assert "eerdere berichten tonen" not in html
        assert all(f"Bericht-{n:02d}." in html for n in range(55))
