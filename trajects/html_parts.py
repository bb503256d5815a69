"""What the pages' lists written in Python share (trajects/conversation_html.py,
trajects/timeline_html.py): a URL reversed once a page, and a text with its line breaks."""

from html import escape

from django.utils.text import normalize_newlines

from coaching.links import url_for

__all__ = ["lines", "url_for"]


def lines(text: str) -> str:
    """As the linebreaksbr filter: escaped, each line break a <br>."""
    return escape(normalize_newlines(text)).replace("\n", "<br>")
