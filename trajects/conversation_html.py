"""The messages of an e-mail coaching conversation as HTML, built here rather than in the
template (trajects/includes/conversation.html places them): a page shows up to fifty messages,
all of them on request, and through the template engine (a date filter, two or three
translations and some ten lookups each) they cost three times what they cost here, and more
than any of the page's queries. The markup is what the template made.

As in sessions/grid_html.py, every value from the database or a translation is escaped with
`_e` (the standard library's html.escape, which django.utils.html.escape runs)."""

from datetime import datetime
from html import escape as _e

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from coaching.dates import readable
from trajects.html_parts import lines, url_for
from trajects.models import Message


def messages_html(messages: list[Message], *, show_deadline: bool, now: datetime) -> SafeString:
    """The items of the conversation's list, oldest first. `show_deadline`: the coach's page
    of a running conversation, where each coachee message says whether it was answered, and
    if not, by when it must be (or that it is late). The messages come from
    conversation_messages (with `author_first_name`)."""
    attachment_url = url_for("message_attachment")
    coach = _e(gettext("Coach"))
    client = gettext("Cliënt")
    items = []
    for message in messages:
        from_coach = message.from_coach
        who = coach if from_coach else _e(message.author_first_name or client)
        deadline = _deadline(message, now) if show_deadline and not from_coach else ""
        attachment = ""
        if message.attachment:
            attachment = (
                f'<div class="small mt-1"><a href="{_e(attachment_url(message.uuid))}">'
                f"{_e(gettext('Bijlage'))}: {_e(message.attachment_name)}</a></div>"
            )
        items.append(
            f'\n    <li class="mb-3 {"ms-md-5" if from_coach else "me-md-5"}">\n'
            f'      <div class="card {"border-primary-subtle" if from_coach else ""}">'
            f'<div class="card-body py-2">\n'
            f'        <div class="small text-body-secondary d-flex flex-wrap '
            f'justify-content-between gap-2">\n'
            f"          <span>{who} · {_e(readable(message.created_at, time=True))}</span>\n"
            f"          {deadline}\n"
            f"        </div>\n"
            f'        <div class="mt-1">{lines(message.body)}</div>\n'
            f"        {attachment}\n"
            f"      </div></div>\n"
            f"    </li>\n  "
        )
    return mark_safe("".join(items))  # nosec B308 B703


def _deadline(message: Message, now: datetime) -> str:
    """Answered, late, or by when; the whitespace is the template's."""
    if message.answered_at:
        badge = f'<span class="badge text-bg-success">{_e(gettext("beantwoord"))}</span>\n'
    else:
        due = _e(readable(message.due_at, time=True))
        if message.due_at <= now:
            late = _e(gettext("te laat"))
            until = gettext("uiterlijk %(due)s") % {"due": due}
            badge = f'<span class="badge text-bg-danger">{late} – {until}</span>\n'
        else:
            until = gettext("antwoord uiterlijk %(due)s") % {"due": due}
            return f'\n            <span class="badge text-bg-warning">{until}</span>\n          '
    return f"\n            {badge}            \n          "
