"""What the report covers: a period of whole months ("van" and "tot en met", as year-month) and,
for the practice's admin only, one coach or all of them."""

import re
from datetime import date
from html import escape

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from coaching.models import Role, User
from reports.periods import Period, month_shift

# The longest period one page shows: three years of months still read as bars on a laptop, and
# keeps each section's aggregate small.
MAX_MONTHS = 36
MONTH = re.compile(r"(\d{4})-(\d{2})")


class MonthInput(forms.TextInput):
    """A month picker where the browser has one; elsewhere text, as "2026-03" (HTML allows no
    placeholder on a month field: a wrong one is answered with an example)."""

    input_type = "month"

    def __init__(self):
        super().__init__(attrs={"class": "form-control"})


class CoachChoices(ModelChoiceIterator):
    """The coaches as (uuid, name), read as values rather than as accounts: the admin's filter
    lists every coach who ever worked at the practice, on every report. For CoachField only:
    the value is the uuid (its `to_field_name`), the name is the account's `str()`."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        fields = ("uuid", "first_name", "last_name", "email")
        for uuid, first_name, last_name, email in self.queryset.values_list(*fields):
            yield (str(uuid), User.name_of(first_name, last_name, email))


class CoachField(forms.ModelChoiceField):
    """A coach chosen by their uuid; listed as values (CoachChoices)."""

    iterator = CoachChoices


class CoachSelect(forms.Select):
    """A select whose options are written here, not through Django's template and option
    dictionaries for each: a hundred coaches that way took 4 to 7 ms of every report."""

    def render(self, name, value, attrs=None, renderer=None):
        final = {"name": name, **self.build_attrs(self.attrs, attrs)}
        chosen = set(self.format_value(value))
        options = mark_safe(  # noqa: S308 - every text escaped
            "".join(
                f'<option value="{escape(str(option))}"{" selected" if option in chosen else ""}>'
                f"{escape(str(label))}</option>"
                for option, label in self.choices
            )
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)


def parse_month(text: str) -> date | None:
    found = MONTH.fullmatch(text.strip())
    if not found:
        return None
    year, month = int(found[1]), int(found[2])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


class ReportFilterForm(forms.Form):
    """Read from the query string: an empty or absent field takes its default (the last twelve
    months, this one included). The coach field is there only for the practice's admin; a
    coach's report is always their own, whatever the address says."""

    van = forms.CharField(label=_("Van (maand)"), required=False, widget=MonthInput())
    tot = forms.CharField(label=_("Tot en met (maand)"), required=False, widget=MonthInput())
    coach = CoachField(
        label=_("Coach"),
        queryset=User.objects.none(),
        to_field_name="uuid",
        required=False,
        empty_label=_("alle coaches"),
        widget=CoachSelect(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, practice: bool, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        if practice:
            # Every coach who ever worked here: one who left still has months to report.
            self.fields["coach"].queryset = User.objects.filter(role=Role.COACH).order_by(
                "first_name", "last_name", "pk"
            )
        else:
            del self.fields["coach"]

    def _post_clean(self) -> None:
        """A field with an error says so to a screen reader, and points to its message."""
        super()._post_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-describedby"] = f"id_{name}_error"

    def _month(self, name: str) -> date | None:
        text = self.cleaned_data.get(name) or ""
        if not text.strip():
            return None
        month = parse_month(text)
        if month is None:
            raise forms.ValidationError(
                _("Geef een maand als jaar-maand, bijvoorbeeld %(example)s.")
                % {"example": self.today.strftime("%Y-%m")},
                code="month",
            )
        return month

    def clean_van(self) -> date | None:
        return self._month("van")

    def clean_tot(self) -> date | None:
        return self._month("tot")

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        last = data.get("tot") or self.today.replace(day=1)
        first = data.get("van") or month_shift(last, -11)
        if first > last:
            raise forms.ValidationError(
                _("De maand 'van' ligt na de maand 'tot en met': draai ze om."), code="order"
            )
        if Period(first, last).count > MAX_MONTHS:
            raise forms.ValidationError(
                _("Kies hoogstens %(months)s maanden tegelijk.") % {"months": MAX_MONTHS},
                code="long",
            )
        data["period"] = Period(first, last)
        return data
