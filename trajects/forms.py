import copy
import uuid
from html import escape as _e

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from coaching.forms import DateInput, DateTimeLocalInput, within_reach
from coaching.uploads import RefusedUploadsMixin
from trajects.models import DossierEntry, Traject
from trajects.models.evaluations import Question


class HelperMixin:
    def _helper(self):
        self.helper = FormHelper()
        self.helper.form_tag = False


# The dashboard's lists, each also a filter of the client list (where the dashboard shows only
# the first few): trajects.views.ATTENTION.
ATTENTION_CHOICES = [
    ("wacht", _("wacht op jou")),
    ("antwoord", _("e-mailcoaching: te beantwoorden")),
    ("live", _("vraagt om live sessies")),
    ("stil", _("e-mailcoaching al weken stil")),
    ("ingetrokken", _("toestemming ingetrokken")),
    ("verloopt", _("toestemming verloopt binnen 30 dagen")),
]


class ClientFilterForm(forms.Form):
    q = forms.CharField(label=_("Zoek op naam"), required=False)
    status = forms.ChoiceField(
        label=_("Trajecten"),
        required=False,
        choices=[
            ("", _("alle")),
            (_("Vraagt aandacht"), ATTENTION_CHOICES),
            (_("Fase"), Traject.Status.choices),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class TrajectForm(HelperMixin, forms.ModelForm):
    class Meta:
        model = Traject
        fields = ["kind", "title", "registered_on"]
        widgets = {"registered_on": DateInput(), "kind": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()

    def clean_registered_on(self):
        day = self.cleaned_data["registered_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Deze datum ligt in de toekomst."), code="future")
        return day


class StepForm(HelperMixin, forms.Form):
    """The date of a step and an optional note; the steps add their own fields."""

    on = forms.DateField(label=_("Datum"), widget=DateInput(), initial=timezone.localdate)
    note = forms.CharField(
        label=_("Toelichting"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, step: str, traject: Traject | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()
        if step == "plan_kennismaking":
            self.fields["planned_at"] = forms.DateTimeField(
                label=_("Datum en tijd van de kennismaking"),
                widget=DateTimeLocalInput(),
                validators=[within_reach],
            )
            self.fields["on"].label = _("Datum van plannen")
        if step in ("plan_kennismaking", "record_kennismaking"):
            self.fields["mode"] = forms.ChoiceField(
                label=_("Vorm"),
                choices=Traject.Mode.choices,
                widget=forms.RadioSelect,
                # The way the client asked for (a kennismaking by e-mail from the website).
                initial=traject.kennismaking_mode if traject else None,
            )
        if step == "record_kennismaking":
            self.fields["on"].label = _("Gehouden op")
            self.fields["start_directly"] = forms.BooleanField(
                label=_("De cliënt wil meteen starten (geen bedenktijd)"), required=False
            )
        if step in ("record_kennismaking", "start_intake"):
            # The client chooses at the start: live sessions or e-mail coaching. A kennismaking
            # by e-mail does not make the traject e-mail coaching.
            self.fields["kind"] = forms.ChoiceField(
                label=_("Hoe gaat het traject verder?"),
                choices=Traject.Kind.choices,
                widget=forms.RadioSelect,
                required=False,
                initial=traject.kind if traject else Traject.Kind.STANDARD,
                help_text=_("Wat de cliënt kiest om te starten.")
                if step == "start_intake"
                else _("Alleen als de cliënt meteen start; anders kies je dit bij de start."),
            )
        if step == "record_intake":
            self.fields["on"].label = _("Intake gehouden op")
            for name, field in IntakeForm.base_fields.items():
                self.fields[name] = copy.deepcopy(field)
            del self.fields["note"]
        if step == "stop":
            self.fields["note"].label = _("Reden van stoppen")
            self.fields["note"].required = True


class IntakeForm(HelperMixin, forms.Form):
    help_question = forms.CharField(label=_("Hulpvraag"), widget=forms.Textarea(attrs={"rows": 3}))
    life_history = forms.CharField(
        label=_("Levensgeschiedenis"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    steps_taken = forms.CharField(
        label=_("Reeds genomen stappen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    goals = forms.CharField(
        label=_("Doelen"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()


class EntryForm(HelperMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Soort"), choices=DossierEntry.Kind.choices)
    occurred_on = forms.DateField(label=_("Datum"), widget=DateInput(), initial=timezone.localdate)
    third_party = forms.ModelChoiceField(
        label=_("Derde partij"),
        queryset=None,
        required=False,
        help_text=_("Alleen bij contact met of een verslag aan een derde partij."),
    )
    location = forms.ChoiceField(
        label=_("Waar"),
        choices=[("", "—"), *DossierEntry.Location.choices],
        required=False,
        help_text=_("Alleen bij een observatie."),
    )
    text = forms.CharField(label=_("Aantekening"), widget=forms.Textarea(attrs={"rows": 5}))
    submission = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, required=False)

    def __init__(self, *args, traject: Traject, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["third_party"].queryset = traject.client.third_parties.all()
        self._helper()

    def clean(self):
        data = super().clean()
        # A party only with a contact or report, a place only with an observation.
        if data.get("kind") not in DossierEntry.NEEDS_CONSENT:
            data["third_party"] = None
        if data.get("kind") != DossierEntry.Kind.OBSERVATION:
            data["location"] = ""
        return data


class CorrectionForm(HelperMixin, forms.Form):
    text = forms.CharField(
        label=_("Verbeterde tekst"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "De vorige tekst blijft leesbaar in het dossier, met wie hem schreef en wanneer."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()


class MessageForm(RefusedUploadsMixin, HelperMixin, forms.Form):
    body = forms.CharField(label=_("Bericht"), widget=forms.Textarea(attrs={"rows": 6}))
    attachment = forms.FileField(
        label=_("Bijlage"),
        required=False,
        help_text=_("Niet verplicht: een PDF, JPG of PNG."),
    )
    # The last message on the writer's screen: a coach's reply answers the messages up to it.
    seen = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()

    def blank_html(self) -> SafeString:
        """The form as trajects/includes/message_form.html writes it before anything was sent
        (as every conversation page shows it), written here: the field templates were a
        third of the page's rendering (`make bench`). A form sent back with its text and
        errors goes through the template; trajects/tests/test_message_form.py holds this
        equal to it (and so to crispy)."""
        body, attachment, seen = self["body"], self["attachment"], self["seen"]
        text = body.value()
        text = "" if text in ("", None) else _e(str(text))
        seen_value = seen.value()
        seen_attr = "" if seen_value in ("", None) else f' value="{_e(str(seen_value))}"'
        return mark_safe(  # nosec B308 B703
            f'<div id="div_{body.auto_id}" class="mb-3"> <label\n'
            f'                for="{body.id_for_label}" class="form-label requiredField">\n'
            f"                {_e(str(body.label))}"
            '<span class="asteriskField">*</span> </label> '
            f'<textarea name="{body.html_name}" cols="40" rows="6" class="textarea form-control"'
            f' required id="{body.auto_id}">\n{text}</textarea> </div> '
            f'<div id="div_{attachment.auto_id}" class="mb-3"> <label\n'
            f'                for="{attachment.id_for_label}" class="form-label">\n'
            f"                {_e(str(attachment.label))}\n            </label> <div> "
            f'<input type="file" name="{attachment.html_name}" class="form-control" '
            f'id="{attachment.auto_id}" aria-describedby="{attachment.auto_id}_helptext"> '
            f'<div id="{attachment.auto_id}_helptext" class="form-text">'
            f"{attachment.help_text}</div> </div> </div> "
            f'<input type="hidden" name="{seen.html_name}"{seen_attr} id="{seen.auto_id}">'
        )


class EvaluationForm(HelperMixin, forms.Form):
    """A questionnaire as a form: a 1–10 scale and multiple choice as radio buttons (each a
    fieldset with the question as its legend), an open question as a text area."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()
        self.questions = list(questions)
        for question in self.questions:
            name = f"q{question.pk}"
            if question.kind == Question.Kind.SCALE:
                field = forms.TypedChoiceField(
                    choices=[(n, str(n)) for n in range(1, 11)],
                    coerce=int,
                    widget=forms.RadioSelect,
                    help_text=_("1 = helemaal niet, 10 = helemaal wel"),
                )
            elif question.kind == Question.Kind.CHOICE:
                # The value stored is the Dutch text; the label is in the page's language.
                field = forms.ChoiceField(
                    choices=list(zip(question.dutch_options(), question.options(), strict=False)),
                    widget=forms.RadioSelect,
                )
            else:
                field = forms.CharField(
                    widget=forms.Textarea(attrs={"rows": 4}), max_length=5000, strip=True
                )
            field.label = question.label
            field.required = question.required
            self.fields[name] = field
        self.helper.layout = Layout(
            *[
                InlineRadios(f"q{q.pk}") if q.kind == Question.Kind.SCALE else f"q{q.pk}"
                for q in self.questions
            ]
        )

    def answers(self) -> dict[int, object]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}


class AgreementForm(HelperMixin, forms.Form):
    """Accepting the coaching agreement: the person's name, typed, and a box ticked. The
    versions the page showed come back, so a text renewed meanwhile is not accepted unread."""

    name = forms.CharField(
        label=_("Je volledige naam"),
        max_length=200,
        help_text=_("Zo onderteken je de overeenkomst."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    agree = forms.BooleanField(
        label=_("Ik heb de coachingsovereenkomst en de privacyverklaring gelezen en ga akkoord."),
        error_messages={"required": _("Vink aan dat je akkoord gaat.")},
    )
    terms_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    privacy_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if len(name) < 2:
            raise forms.ValidationError(_("Typ je volledige naam."), code="short")
        return name

    def versions(self) -> tuple[int, int]:
        return self.cleaned_data["terms_version"], self.cleaned_data["privacy_version"]
