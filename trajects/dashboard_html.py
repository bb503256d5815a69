"""The rows of *Vandaag*'s list of trajects that wait for the coach, as HTML, built here rather
than in templates/trajects/dashboard.html (which places them): through the template engine the
list's ten rows were most of what a full page costs more than an emptier one (`make bench`,
L ÷ S). As in sessions/today_html.py, every value from the database or a translation is escaped
with `_e` (the standard library's html.escape)."""

from html import escape as _e

from django.utils.safestring import SafeString, mark_safe

from trajects.models import Traject


def waiting_rows(trajects: list[Traject]) -> SafeString:
    """Each waiting traject: the client with its link, the title, what the coach does next
    (`todo`) and the phase (`status_label`), as trajects.views.dashboard gave them."""
    return mark_safe("".join(map(_waiting_row, trajects)))  # nosec B308 B703


def _waiting_row(traject: Traject) -> str:
    title = (
        f' <span class="text-body-secondary">– {_e(traject.title)}</span>' if traject.title else ""
    )
    return (
        '<li class="list-group-item d-flex justify-content-between align-items-start gap-2">'
        f'<div><a href="{_e(traject.url)}">{_e(traject.client_name)}</a>{title}'
        f'<div class="small">{_e(traject.todo)}</div></div>'
        f'<span class="badge text-bg-light">{_e(traject.status_label)}</span></li>'
    )
