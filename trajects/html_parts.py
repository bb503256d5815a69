"""What the pages' lists written in Python share (trajects/conversation_html.py,
trajects/timeline_html.py): a URL reversed once a page, and a text with its line breaks."""

from collections.abc import Callable
from html import escape

from django.urls import reverse
from django.utils.text import normalize_newlines

_MARKER = "00000000-0000-0000-0000-000000000000"


def url_for(name: str) -> Callable[[object], str]:
    """A URL by name with one uuid argument, reversed once a page (not once a row)."""
    head, tail = reverse(name, args=[_MARKER]).split(_MARKER)
    return lambda uuid: f"{head}{uuid}{tail}"


def lines(text: str) -> str:
    """As the linebreaksbr filter: escaped, each line break a <br>."""
    return escape(normalize_newlines(text)).replace("\n", "<br>")
