from html import escape as _e

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from coaching.confirm import ReasonForm
from coaching.forms import DateTimeLocalInput, within_reach
from coaching.models import Organisation
from groups.models import BackstageGroup, Contribution


def _helper(form):
    form.helper = FormHelper()
    form.helper.form_tag = False


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Naam van de groep"), max_length=200)
    composition = forms.ChoiceField(
        label=_("Samenstelling"),
        choices=BackstageGroup.Composition.choices,
        widget=forms.RadioSelect,
        initial=BackstageGroup.Composition.MIXED,
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisatie"),
        queryset=Organisation.objects.all(),
        required=False,
        help_text=_("Bij een team: de organisatie die de groep afneemt."),
    )
    new_organisation = forms.CharField(
        label=_("Of een nieuwe organisatie"), max_length=200, required=False
    )
    contact_person = forms.CharField(label=_("Contactpersoon"), max_length=200, required=False)
    daypart = forms.ChoiceField(label=_("Dagdeel"), choices=BackstageGroup.Daypart.choices)
    interval_weeks = forms.TypedChoiceField(
        label=_("Om de hoeveel weken"),
        coerce=int,
        initial=3,
        choices=[(2, _("elke 2 weken")), (3, _("elke 3 weken")), (4, _("elke 4 weken"))],
    )
    first_start = forms.DateTimeField(
        label=_("Eerste bijeenkomst"),
        widget=DateTimeLocalInput(),
        validators=[within_reach],
        help_text=_("De acht bijeenkomsten volgen op dezelfde dag van de week en hetzelfde uur."),
    )
    location = forms.CharField(
        label=_("Locatie"),
        max_length=200,
        required=False,
        help_text=_("Adres of zaal; bij een groep via video: laat leeg en vul de videolink in."),
    )
    video_link = forms.URLField(
        label=_("Videolink"),
        max_length=200,
        required=False,
        assume_scheme="https",
        help_text=_("Bij een groep die (ook) via video bijeenkomt."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _helper(self)

    def clean(self):
        data = super().clean()
        if data.get("composition") == BackstageGroup.Composition.TEAM and not (
            data.get("organisation") or data.get("new_organisation", "").strip()
        ):
            self.add_error(
                "organisation", _("Een team hoort bij een organisatie: kies of typ er een.")
            )
        return data


class PlaceForm(forms.Form):
    """Where the group meets: the meetings to come follow a change."""

    location = GroupForm.base_fields["location"]
    video_link = GroupForm.base_fields["video_link"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _helper(self)


class MemberExceptionForm(ReasonForm):
    """A team member employed elsewhere (or nowhere): the coach adds them anyway, with a
    reason (on the confirmation page, which carries the client and the search along)."""

    client = forms.CharField(widget=forms.HiddenInput, max_length=20)
    zoek = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(
            *args,
            label=_("Waarom doet deze persoon toch mee?"),
            help_text=_("De reden wordt bij de deelname bewaard, met jouw naam."),
            **kwargs,
        )


class MemberSearchForm(forms.Form):
    """The group page's search for a client to add (a coach has too many for one list)."""

    zoek = forms.CharField(
        label=_("Deelnemer toevoegen: zoek op naam"), max_length=100, required=False
    )


class TurnForm(forms.ModelForm):
    """The steps of a turn, as the coach writes them down during or after the meeting."""

    class Meta:
        model = Contribution
        fields = [
            "problem",
            "concretised",
            "analysis",
            "solutions",
            "own_share",
            "feedback",
            "agreements",
        ]
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in fields}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _helper(self)

    def fields_html(self) -> SafeString:
        """The steps as crispy's bootstrap5 layout writes an optional textarea, written here:
        the meeting page shows two turns of seven, and through crispy's templates (three per
        field) they were most of the page's time (`make bench`). The meeting page shows the
        form unbound (a turn recorded with an error says so in a message), so no errors; a
        test holds this equal to what crispy writes."""
        parts = []
        for field in self:
            value = field.value()
            text = "" if value in ("", None) else _e(str(value))  # as Textarea.format_value
            attrs = " ".join(
                f'{k}="{_e(str(v))}"'
                for k, v in field.field.widget.attrs.items()
                if k != "class"  # crispy adds its class to the widget when it renders it
            )
            parts.append(
                f'<div id="div_{field.auto_id}" class="mb-3"> <label for="{field.id_for_label}" '
                f'class="form-label">\n{_e(str(field.label))}\n</label> <textarea '
                f'name="{field.html_name}" {attrs} class="textarea form-control" '
                f'id="{field.auto_id}">\n{text}</textarea> </div> '
            )
        return mark_safe("".join(parts))  # nosec B308 B703


class ClaimForm(forms.Form):
    problem = forms.CharField(
        label=_("Je praktijkprobleem, kort"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Alleen de coach leest dit vooraf."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _helper(self)
