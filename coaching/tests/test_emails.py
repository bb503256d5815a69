"""The e-mails of coaching/emails.py."""


def test_an_e_mail_subject_is_plain_text_not_html(settings):
    """Subjects were rendered with HTML escaping: "D'Souza & Co" arrived as
    "D&#x27;Souza &amp; Co"."""
    from coaching.emails import templated_message

    settings.PRAKTIJK_NAME = "Praktijk D'Souza & Co"
    message = templated_message(
        "invitation", to="a@praktijk.test", language="nl", context={"url": "x", "days": 7}
    )
    assert message.subject.endswith("Je account bij Praktijk D'Souza & Co")
    html = message.alternatives[0][0]
    assert "<title>" in html and "D&#x27;Souza &amp; Co" in html  # escaped once, in the HTML
