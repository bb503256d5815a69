"""coaching.smtp: one message with its commands pipelined, against a real SMTP server (aiosmtpd,
coaching/tests/smtp_sink.py), answers and raises as smtplib's command-by-command sendmail does."""

import smtplib

import pytest
from django.utils import timezone

from coaching import outbox
from coaching.models import Client, Send
from coaching.smtp import sendmail
from coaching.tests.smtp_sink import start_sink
from coaching.tests.test_outbox_real import due_reminders
from sessions.reminders import find_reminders

MESSAGE = (
    b"From: praktijk@example.org\r\nTo: eva@example.org\r\nSubject: Herinnering\r\n"
    b"Message-ID: <m.1@example.org>\r\n\r\nTot morgen.\r\n.een regel met een punt\r\n"
)


@pytest.fixture(params=[True, False], ids=["pipelined", "one-by-one"])
def server(request):
    sink, controller = start_sink()
    sink.pipelining = request.param
    with smtplib.SMTP(controller.hostname, controller.port) as smtp:
        sends = []
        send = smtp.send
        smtp.send = lambda data: (sends.append(data), send(data))[1]
        yield sink, smtp, sends
    controller.stop()


def test_the_message_arrives_whole_to_each_recipient_in_two_writes(server):
    sink, smtp, sends = server
    to = ["eva@example.org", "jan@example.org", "ilse@example.org"]
    assert sendmail(smtp, "praktijk@example.org", to, MESSAGE) == {}
    (received,) = sink.messages
    assert received.to == to and received.message_id == "<m.1@example.org>"
    # The leading period went over doubled and arrived single, as smtplib quotes it.
    assert received.body == MESSAGE
    sent = [d for d in sends if not (d if isinstance(d, str) else d.decode()).startswith("ehlo")]
    if sink.pipelining:  # MAIL, three RCPTs and DATA in one write; the message in the next
        assert len(sent) == 2 and sent[0].count("\r\n") == 5
    else:
        assert len(sent) == 6


def test_a_refused_recipient_is_answered_as_smtplib_answers_and_the_others_get_it(server):
    sink, smtp, _sends = server
    sink.refused.add("weg@example.org")
    refused = sendmail(
        smtp, "praktijk@example.org", ["weg@example.org", "eva@example.org"], MESSAGE
    )
    assert list(refused) == ["weg@example.org"] and refused["weg@example.org"][0] == 550
    assert [received.to for received in sink.messages] == [["eva@example.org"]]


@pytest.mark.parametrize(
    "sender, to, message, error",
    [
        ("weg@example.org", ["eva@example.org"], MESSAGE, smtplib.SMTPSenderRefused),
        ("praktijk@example.org", ["weg@example.org"], MESSAGE, smtplib.SMTPRecipientsRefused),
        ("praktijk@example.org", ["eva@example.org"], b"X-Refuse: yes\r\n\r\nNee.\r\n",
         smtplib.SMTPDataError),
    ],
    ids=["sender", "every-recipient", "the-message"],
)  # fmt: skip
def test_a_refusal_raises_what_smtplib_raises_and_the_connection_goes_on(
    server, sender, to, message, error
):
    sink, smtp, _sends = server
    sink.refused.add("weg@example.org")
    with pytest.raises(error) as raised:
        sendmail(smtp, sender, to, message)
    with pytest.raises(error) as expected:
        smtp.sendmail(sender, to, message)
    assert type(raised.value) is type(expected.value)
    assert raised.value.args == expected.value.args
    assert sink.messages == []
    # The transaction was reset: the next message goes out on the same connection.
    assert sendmail(smtp, "praktijk@example.org", ["eva@example.org"], MESSAGE) == {}
    assert sink.count == 1 and sink.connections == 1


def test_a_line_break_in_an_address_is_refused(server):
    sink, smtp, sends = server
    smtp.ehlo()
    sent = len(sends)
    with pytest.raises(ValueError):
        sendmail(smtp, "praktijk@example.org", ["eva@example.org\r\nRCPT TO:<x@y>"], MESSAGE)
    # Pipelined, before anything is sent (smtplib refuses it when it comes to that RCPT).
    assert len(sends) == sent + (0 if sink.pipelining else 1)
    assert sink.messages == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelined", "one-by-one"])
def test_no_message_is_accepted_while_an_accepted_one_is_unmarked(
    settings, coach_a, coachee, pipelining
):
    """The outbox marks a row sent while the server reads the next message's commands (their
    round trips overlap), and always before that message can be accepted: a crash leaves at
    most the message in flight unmarked, sent again after the takeover."""
    sink, controller = start_sink()
    sink.pipelining = pipelining
    settings.MAILERS = {
        "default": {
            "BACKEND": "coaching.mime.SMTPBackend",
            "OPTIONS": {"host": controller.hostname, "port": controller.port, "use_tls": False},
        }
    }
    due_reminders(coach_a, Client.objects.get(account=coachee), 5)
    ids = outbox.outbox_record(find_reminders(timezone.now()))
    seen = []
    sink.before_accepting = lambda: seen.append(
        (sink.count, Send.objects.filter(status=Send.Status.SENT).count())
    )
    try:
        assert outbox.deliver(ids)["sent"] == 5
    finally:
        controller.stop()
    # As the k-th message arrived, the k before it had arrived and were marked sent.
    assert seen == [(k, k) for k in range(5)]
    assert Send.objects.filter(status=Send.Status.SENT).count() == 5
    assert sink.connections == 1 and sink.duplicates() == 0


def test_a_server_closing_at_a_recipient_raises_what_smtplib_raises(server):
    sink, smtp, _sends = server
    sink.closing.add("dicht@example.org")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as raised:
        sendmail(smtp, "praktijk@example.org", ["eva@example.org", "dicht@example.org"], MESSAGE)
    assert raised.value.recipients == {"dicht@example.org": (421, b"4.3.2 Service shutting down")}
    assert smtp.sock is None  # closed, as smtplib closes it: the server answers nothing more
    assert sink.messages == []


def test_when_the_wait_fails_the_message_is_not_sent_and_nothing_more_goes_over(server):
    sink, smtp, _sends = server

    def fails():
        raise ValueError("the mark failed")

    with pytest.raises(ValueError):
        sendmail(smtp, "praktijk@example.org", ["eva@example.org"], MESSAGE, fails)
    if sink.pipelining:
        # The server read the commands and waits for a message: the connection is closed, so
        # that no other message can become this one.
        assert smtp.sock is None
        with pytest.raises(smtplib.SMTPServerDisconnected):
            sendmail(smtp, "praktijk@example.org", ["jan@example.org"], MESSAGE)
    else:  # nothing was sent yet: the connection goes on
        assert sendmail(smtp, "praktijk@example.org", ["jan@example.org"], MESSAGE) == {}
    assert [received.to for received in sink.messages] == (
        [] if sink.pipelining else [["jan@example.org"]]
    )
