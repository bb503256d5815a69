"""The rows of the day's list on *Vandaag* as HTML, built here rather than in
templates/sessions/includes/today.html (which places them): a row reads some thirty values, six
translations and four links, and through the template engine the day's ten rows were a fifth of
the page's time (`make bench`). As in sessions/grid_html.py, every value from the database or a
translation is escaped with `_e` (the standard library's html.escape).

"Gehouden" posts the list's one form (`today-mark`, in the template with its CSRF token) to the
row's own address (`formaction`): one token on the page, not one per row."""

from html import escape as _e
from urllib.parse import quote

from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext

from sessions.models import Appointment

MARK_FORM = "today-mark"


def rows(appointments: list[Appointment], *, next_url: str) -> SafeString:
    """The day's appointments as the list's items, each with what fits the moment
    (sessions.today._what_fits gave each its flags, times and links)."""
    return mark_safe("".join(_row(a, next_url) for a in appointments))  # nosec B308 B703


def _row(a: Appointment, next_url: str) -> str:
    if a.is_cancelled_row:
        state = " today-cancelled"
    elif a.is_now:
        state = " today-now"
    elif a.is_over:
        state = " today-over"
    else:
        state = ""
    now = ""
    if a.is_now and not a.is_cancelled_row:
        now = f' <span class="badge text-bg-primary today-badge">{_e(gettext("nu"))}</span>'
    client = _e(str(a.traject.client)) if a.traject_id else ""
    kind = _e(capfirst(a.kind_label))
    if a.details:
        group = _e(str(a.details["group"]))
        meeting = gettext("bijeenkomst %(number)s van %(of)s") % {
            "number": a.details["number"],
            "of": a.details["of"],
        }
        who = f'<a href="{_e(a.detail_url)}">{group}</a>\n'
        who += f'<span class="today-meeting">· {_e(meeting)}</span>'
    elif a.traject_id:
        who = f'<a href="{_e(a.detail_url)}">{client}</a>'
    else:
        label = _e(a.session_type.label) if a.session_type_id else kind
        who = f'<a href="{_e(a.detail_url)}">{label}</a>'
    what = _e(a.session_type.label) if a.session_type_id and not a.details else kind
    location = f" · {_e(a.location)}" if a.location else ""
    if a.status == Appointment.Status.BOOKED and a.is_over and not a.is_cancelled_row:
        status = _e(gettext("nog vast te leggen"))
    else:
        status = _e(a.status_text)
    contributors = ""
    if a.details:
        names = a.details.get("contributors")
        text = f"{gettext('Inbreng:')} {', '.join(names)}" if names else gettext("Nog geen inbreng")
        contributors = f'<div class="small today-contributors">{_e(text)}</div>\n'
    prep = getattr(a, "prep", None)
    if prep is not None and not a.is_cancelled_row:
        contributors += _prep(prep)
    actions = "" if a.is_cancelled_row else _actions(a, client, next_url)
    return (
        f'<li class="list-group-item today-item{state}" id="today-{a.uuid}">\n'
        f'<div class="today-time">\n<time datetime="{a.start_iso}">{a.start_hm}</time>–'
        f'<time datetime="{a.end_iso}">{a.end_hm}</time>{now}\n</div>\n'
        f'<div class="today-what">\n<div class="today-who">\n{who}\n</div>\n'
        f'<div class="small text-body-secondary">\n{what} · {_e(a.mode_label)}{location}\n'
        f'· <span class="today-status">{status}</span>\n</div>\n{contributors}</div>\n'
        f"{actions}</li>\n"
    )


def _prep(prep) -> str:
    """An intake's preparation by the client's side (trajects.services.intake_prep)."""
    questionnaire = (
        gettext("vragenlijst ingevuld")
        if prep.questionnaire_done
        else gettext("vragenlijst nog niet ingevuld")
    )
    agreement = (
        gettext("overeenkomst geaccepteerd")
        if prep.agreement.done
        else gettext("overeenkomst nog niet geaccepteerd")
    )
    badges = [(agreement, prep.agreement.done)]
    if prep.questionnaire is not None:  # none asked: the practice has none in use
        badges.insert(0, (questionnaire, prep.questionnaire_done))
    spans = " ".join(
        f'<span class="badge {"text-bg-success" if done else "text-bg-warning"}">{_e(text)}</span>'
        for text, done in badges
    )
    return f'<div class="small today-prep">{spans}</div>\n'


def _actions(a: Appointment, client: str, next_url: str) -> str:
    """The row's buttons: join the video, prepare, mark held or no-show, write the note, take
    the attendance; each says for whom and when to a screen reader."""
    when = f"{client} {a.start_hm}"
    group = _e(str(a.details["group"])) if a.details else ""
    buttons = []
    if a.video_link and not a.is_over:
        window = _e(gettext("opent in een nieuw venster"))
        buttons.append(
            f'<a class="btn btn-sm btn-success" href="{_e(a.video_link)}" target="_blank" '
            f'rel="noopener noreferrer">{_e(gettext("Deelnemen via video"))}'
            f'<span class="visually-hidden"> ({window})</span></a>'
        )
    if a.can_prepare:
        whom = group if a.details else client
        buttons.append(
            f'<a class="btn btn-sm btn-outline-primary" href="{_e(a.prepare_url)}">'
            f'{_e(gettext("Voorbereiden"))}<span class="visually-hidden"> – {whom} '
            f"{a.start_hm}</span></a>"
        )
    if a.can_mark:
        buttons.append(
            f'<button type="submit" form="{MARK_FORM}" formaction="{_e(a.mark_url)}" '
            f'class="btn btn-sm btn-primary">{_e(gettext("Gehouden"))}'
            f'<span class="visually-hidden"> – {when}</span></button>'
        )
        no_show = f"{a.no_show_url}?next={quote(next_url, safe='/')}"
        buttons.append(
            f'<a class="btn btn-sm btn-outline-secondary" href="{_e(no_show)}">'
            f'{_e(gettext("Niet verschenen"))}<span class="visually-hidden"> – {when}</span></a>'
        )
    if a.note_url:
        buttons.append(
            f'<a class="btn btn-sm btn-outline-primary" href="{_e(a.note_url)}">'
            f'{_e(gettext("Verslag schrijven"))}<span class="visually-hidden"> – {when}</span></a>'
        )
    if a.can_take_attendance:
        buttons.append(
            f'<a class="btn btn-sm btn-primary" href="{_e(a.attendance_url)}">'
            f"{_e(gettext('Aanwezigheid vastleggen'))}"
            f'<span class="visually-hidden"> – {group}</span></a>'
        )
    return '<div class="today-actions">\n' + "\n".join(buttons) + "\n</div>\n"
