"""The message form of the conversation pages is written by its own template
(trajects/includes/message_form.html) rather than by crispy's generic field templates, which
cost as much as the rest of the conversation. It must stay what `{% crispy form %}` writes, in
every state a person can see it in (rendered without a request: with one, crispy adds a second
CSRF field, which the page's form has already)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import engines
from django.utils import translation

from trajects.forms import MessageForm


def blank(seen=None):
    return MessageForm(initial={"seen": seen})


def sent(body="", seen="5", attachment=None, *, refused=(), attachment_errors=(), errors=()):
    files = {"attachment": attachment} if attachment else {}
    form = MessageForm({"body": body, "seen": seen}, files, refused_uploads=refused)
    form.is_valid()
    for error in attachment_errors:
        form.add_error("attachment", error)
    for error in errors:
        form.add_error(None, error)
    return form


FORMS = {
    "blank": lambda: blank(),
    "blank, after a message": lambda: blank(seen=12),
    "no text": lambda: sent(),
    "text kept, attachment refused": lambda: sent(
        body="Hoi <b>daar</b>\nregel 2",
        attachment=SimpleUploadedFile("x.exe", b"MZ"),
        attachment_errors=["Dit soort bestand kan niet mee."],
    ),
    "every kind of error at once": lambda: sent(
        attachment=SimpleUploadedFile("x.exe", b"MZ"),
        attachment_errors=["een", "twee"],
        errors=["Dit gesprek is afgesloten.", "drie & vier"],
    ),
    "the conversation ended meanwhile": lambda: sent(
        body="Hoi", seen="", errors=["Dit gesprek is afgesloten."]
    ),
    "attachment too large for memory": lambda: sent(body="Hoi", seen="3", refused=["attachment"]),
}


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("state", sorted(FORMS))
def test_the_message_form_is_written_as_crispy_writes_it(state, language):
    engine = engines["django"]
    by_crispy = engine.from_string("{% load crispy_forms_tags %}{% crispy form %}")
    own = engine.get_template("trajects/includes/message_form.html")
    with translation.override(language):
        expected = by_crispy.render({"form": FORMS[state]()})
        assert own.render({"form": FORMS[state]()}) == expected


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("state", ["blank", "blank, after a message"])
def test_a_blank_form_written_in_python_is_what_the_template_writes(state, language):
    own = engines["django"].get_template("trajects/includes/message_form.html")
    with translation.override(language):
        assert FORMS[state]().blank_html() == own.render({"form": FORMS[state]()}).strip()
