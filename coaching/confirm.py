"""One confirmation page for every step that cannot be undone: it asks before it acts.

The pattern: the step's URL answers GET with this page (what will happen, what it costs, a
reason field where one is asked) and does the step on POST. A link or button elsewhere leads to
the GET; nothing destructive happens on a single click, and it all works without JavaScript.
"""

from collections.abc import Iterable

from crispy_forms.helper import FormHelper
from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _


class ReasonForm(forms.Form):
    """The reason a step asks for (kept with what it changed). Rendered inside the confirmation
    page's own <form>, so its helper draws no form tag."""

    reason = forms.CharField(
        label=_("Reden"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, required: bool = True, label=None, help_text=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        if label is not None:
            self.fields["reason"].label = label
        if help_text is not None:
            self.fields["reason"].help_text = help_text
        self.helper = FormHelper()
        self.helper.form_tag = False


def confirmation_page(
    request: HttpRequest,
    *,
    title: str,
    consequences: Iterable[str],
    confirm_label: str,
    back: str,
    cost: str = "",
    form: forms.Form | None = None,
    danger: bool = True,
    status: int = 200,
) -> HttpResponse:
    """Render the confirmation of a step: `consequences` are full sentences (what happens, who
    is told); `cost` says what it costs where it costs (empty: nothing said); `form` holds the
    fields the step asks (a reason; its helper must have form_tag False), posted with the
    confirmation; `back` is where "Terug"
    goes, the page the person came from."""
    return render(
        request,
        "confirm.html",
        {
            "title": title,
            "consequences": list(consequences),
            "cost": cost,
            "form": form,
            "confirm_label": confirm_label,
            "back": back,
            "danger": danger,
        },
        status=status,
    )
