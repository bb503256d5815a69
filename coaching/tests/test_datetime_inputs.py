"""Every date-and-time field keeps its value.

A browser fills an `<input type="datetime-local">` only from "2026-12-03T12:00"; the Dutch
"03-12-2026 12:00:00" that Django's localised DateTimeInput writes is dropped, and the coach has
to type the time again to move an appointment or a meeting. One widget
(coaching.forms.DateTimeLocalInput) is used for every such field: these tests render each form
that has one, in Dutch and in English, with a value, and look at what the browser would get;
and they walk every form class of the project, so a new field with the default widget fails.
"""

import importlib
import re
from datetime import datetime, timedelta

import pytest
from django import forms
from django.apps import apps
from django.utils import timezone, translation

from coaching.forms import DateTimeLocalInput
from groups.forms import GroupForm
from sessions.forms import AppointmentForm, MoveForm
from trajects.forms import StepForm

PRODUCT_APPS = ("coaching", "trajects", "sessions", "groups", "billing", "privacy", "audit")
ISO_MINUTES = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")


def moment() -> datetime:
    """A local time with a day above 12, so a day-month mix-up cannot pass unnoticed."""
    local = timezone.localtime() + timedelta(days=30)
    return local.replace(day=23, hour=14, minute=45, second=0, microsecond=0)


def rendered_value(form: forms.Form, name: str) -> str:
    html = str(form[name])
    assert 'type="datetime-local"' in html, html
    (value,) = re.findall(r'value="([^"]*)"', html)
    return value


FORMS = {
    "new appointment": (lambda coach, at: AppointmentForm(coach=coach, initial={"start": at}),
                        "start"),
    "move appointment": (lambda coach, at: MoveForm(initial={"start": at}), "start"),
    "plan kennismaking": (
        lambda coach, at: StepForm(step="plan_kennismaking", initial={"planned_at": at}),
        "planned_at",
    ),
    "new group": (lambda coach, at: GroupForm(initial={"first_start": at}), "first_start"),
}  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("which", FORMS)
def test_every_datetime_input_renders_the_value_the_browser_accepts(coach_a, which, language):
    build, name = FORMS[which]
    at = moment()
    with translation.override(language):
        value = rendered_value(build(coach_a, at), name)
    assert ISO_MINUTES.match(value), value
    assert value == at.strftime("%Y-%m-%dT%H:%M")


@pytest.mark.django_db
@pytest.mark.parametrize("which", FORMS)
def test_the_value_as_the_browser_sends_it_back_is_read(coach_a, which):
    """What the browser posts ("2026-12-23T14:45") is read back to the same moment."""
    build, name = FORMS[which]
    at = moment()
    field = build(coach_a, at).fields[name]
    with translation.override("nl"):
        read = field.clean(at.strftime("%Y-%m-%dT%H:%M"))
    assert read == at


def _form_classes() -> set[type[forms.BaseForm]]:
    for app in PRODUCT_APPS:
        module = f"{apps.get_app_config(app).name}.forms"
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as missing:
            if missing.name != module:
                raise
    found, todo = set(), [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            # The admin draws its own split date and time inputs (which browsers keep).
            module = sub.__module__
            if module.split(".")[0] in PRODUCT_APPS and not {"tests", "admin"} & set(
                module.split(".")
            ):
                found.add(sub)
    return found


def test_no_form_of_ours_has_a_datetime_field_with_another_widget():
    """Walks every form class of the project (declared and model fields): a DateTimeField is
    either hidden or drawn by the one datetime-local widget."""
    classes = _form_classes()
    assert {"AppointmentForm", "GroupForm", "MoveForm"} <= {cls.__name__ for cls in classes}
    wrong = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in classes
        for name, field in getattr(cls, "base_fields", {}).items()
        if isinstance(field, forms.DateTimeField)
        and not isinstance(field.widget, forms.HiddenInput | DateTimeLocalInput)
    ]
    assert wrong == []
