"""E-mail from templates: templates/emails/<name>_subject.txt, _body.txt and _body.html, written
by the outbox's composers (coaching.outbox sends them).

Notification e-mails never carry dossier or message content (DESIGN.md §7): they say that
something is waiting and link to the site.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def templated_message(
    name: str,
    *,
    to: str,
    context: dict,
    language: str | None = None,
    attachments: list[tuple[str, bytes, str]] = (),
) -> EmailMultiAlternatives:
    """The e-mail `emails/<name>_{subject,body}` in the recipient's language, not sent yet."""
    context = {"site_url": settings.SITE_URL, "practice_name": settings.PRAKTIJK_NAME, **context}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{name}_subject.txt", context)
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
        text = render_to_string(f"emails/{name}_body.txt", context)
        # The subject is the HTML part's <title> (a document without one is invalid HTML).
        html = render_to_string(f"emails/{name}_body.html", {**context, "subject": subject})
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[to],
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message
