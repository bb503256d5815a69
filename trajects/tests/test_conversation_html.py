"""The conversation's messages written in Python (trajects/conversation_html.py): what the
coach and the coachee read, with every text escaped."""

from datetime import timedelta

from django.utils import timezone, translation

from trajects.conversation_html import messages_html
from trajects.models import Message

NOW = timezone.now()


def written(*, author_first_name="Eva", **fields) -> Message:
    """A message as conversation_messages gives it: with its writer's first name."""
    message = Message(**fields)
    message.author_first_name = author_first_name
    return message


def coachee_message(**fields) -> Message:
    fields.setdefault("body", "Hallo")
    fields.setdefault("created_at", NOW - timedelta(hours=30))
    fields.setdefault("due_at", NOW - timedelta(hours=6))
    return written(from_coach=False, **fields)


def test_who_wrote_it_when_and_what_with_the_text_escaped():
    messages = [
        coachee_message(body="<b>vet</b> & zo\r\nnieuwe regel"),
        written(from_coach=True, body="Antwoord", created_at=NOW, author_first_name="Anna"),
        coachee_message(author_first_name=""),
    ]
    with translation.override("nl"):
        html = messages_html(messages, show_deadline=False, now=NOW)
    assert "&lt;b&gt;vet&lt;/b&gt; &amp; zo<br>nieuwe regel" in html
    assert "<span>Eva · " in html and "<span>Coach · " in html and "<span>Cliënt · " in html
    assert "Anna" not in html  # the coach's messages say "Coach", not the name
    assert 'class="mb-3 ms-md-5"' in html and 'class="mb-3 me-md-5"' in html
    assert "badge" not in html  # the coachee's own page shows no deadlines


def test_the_coach_sees_answered_late_and_by_when():
    messages = [
        coachee_message(answered_at=NOW - timedelta(hours=20)),
        coachee_message(),
        coachee_message(due_at=NOW + timedelta(hours=3)),
    ]
    with translation.override("nl"):
        html = messages_html(messages, show_deadline=True, now=NOW)
    assert html.count("text-bg-success") == 1 and ">beantwoord</span>" in html
    assert html.count("text-bg-danger") == 1 and ">te laat – uiterlijk " in html
    assert html.count("text-bg-warning") == 1 and ">antwoord uiterlijk " in html


def test_an_attachment_is_a_link_with_its_name_escaped():
    message = coachee_message(
        attachment="messages/2026/12/x.pdf.fernet", attachment_name="a<b>.pdf"
    )
    with translation.override("nl"):
        html = messages_html([message], show_deadline=False, now=NOW)
    assert f'<a href="/berichten/{message.uuid}/bijlage/">Bijlage: a&lt;b&gt;.pdf</a>' in html
    assert "bijlage" not in messages_html([coachee_message()], show_deadline=False, now=NOW)
