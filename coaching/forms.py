from datetime import datetime, timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout
from django import forms
from django.conf import settings
from django.contrib.auth.forms import SetPasswordForm
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.models import (
    CONSENT_AGE,
    EMAIL_IN_USE,
    MINOR_NEEDS_GUARDIAN,
    Client,
    CoachProfile,
    Consent,
    Guardian,
    Role,
    ThirdParty,
    User,
)
from coaching.services.accounts import email_in_use


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeLocalInput(forms.DateTimeInput):
    """A date and time picker (`<input type="datetime-local">`). Its value must be
    "2026-12-03T12:00" (a browser drops any other, such as the Dutch "03-12-2026 12:00:00");
    DateTimeField reads that form back in every language."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


# How far from today a time in the calendar may lie (as the pages' week and slot parameters).
REACH = timedelta(days=5 * 366)


def within_reach(moment: datetime) -> None:
    """A time for the calendar: not years away. Year 9999 has no room for an appointment's end,
    and a time in year 1 cannot be read back from the database (before year 1 in UTC)."""
    if abs(moment - timezone.now()) > REACH:
        raise forms.ValidationError(
            _("Kies een tijdstip binnen vijf jaar van vandaag."), code="out_of_reach"
        )


class YesNoField(forms.TypedChoiceField):
    """A question answered with ja or nee: required, and no answer given in advance (nothing
    is assumed, such as a parent's parental authority)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.RadioSelect)
        super().__init__(
            choices=[(True, _("Ja")), (False, _("Nee"))],
            coerce=lambda value: value in (True, "True"),
            empty_value=None,
            **kwargs,
        )


PARENTAL_AUTHORITY = _("Heeft deze ouder/verzorger ouderlijk gezag?")
PARENTAL_AUTHORITY_HELP = _(
    "Alleen een ouder of voogd met ouderlijk gezag kan toestemming geven voor het kind."
)


class AccountFields(forms.Form):
    """Name, address and language of the person who gets the invitation."""

    first_name = forms.CharField(label=_("Voornaam"), max_length=150)
    last_name = forms.CharField(label=_("Achternaam"), max_length=150)
    email = forms.EmailField(label=_("E-mailadres"))
    language = forms.ChoiceField(
        label=_("Taal van de uitnodiging en de site"), choices=settings.LANGUAGES, initial="nl"
    )

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if email_in_use(email):
            raise forms.ValidationError(EMAIL_IN_USE, code="exists")
        return email


class InviteFor(models.TextChoices):
    ADULT = "adult", _("Een volwassen cliënt, die zelf het portaal gebruikt")
    GUARDIAN = "guardian", _("Een ouder of verzorger, die namens een kind het portaal gebruikt")


class ClientInvitationForm(AccountFields):
    """A coach invites a client of their own: an adult, or a child's parent or guardian."""

    invite_for = forms.ChoiceField(
        label=_("Wie nodig je uit?"),
        choices=InviteFor.choices,
        initial=InviteFor.ADULT,
        widget=forms.RadioSelect,
    )
    date_of_birth = forms.DateField(
        label=_("Geboortedatum"),
        required=False,  # required for an adult, see clean()
        widget=DateInput(),
        help_text=_("Een cliënt jonger dan 18 krijgt geen eigen account."),
    )
    relation = forms.ChoiceField(
        label=_("Relatie tot het kind"),
        choices=[("", "—"), *Guardian.Relation.choices],
        required=False,
    )
    has_parental_authority = YesNoField(
        label=PARENTAL_AUTHORITY, required=False, help_text=PARENTAL_AUTHORITY_HELP
    )
    child_first_name = forms.CharField(
        label=_("Voornaam van het kind"), max_length=150, required=False
    )
    child_last_name = forms.CharField(
        label=_("Achternaam van het kind"), max_length=150, required=False
    )
    child_date_of_birth = forms.DateField(
        label=_("Geboortedatum van het kind"),
        required=False,
        widget=DateInput(),
    )

    CHILD_FIELDS = (
        "relation",
        "has_parental_authority",
        "child_first_name",
        "child_last_name",
        "child_date_of_birth",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field("invite_for"),
            "first_name",
            "last_name",
            "email",
            "language",
            Div("date_of_birth", css_id="adult-fields", data_invite_for="adult"),
            Fieldset(
                _("Het kind"),
                *self.CHILD_FIELDS,
                css_id="child-fields",
                data_invite_for="guardian",
            ),
        )

    def clean_date_of_birth(self):
        return self._not_in_the_future("date_of_birth")

    def clean_child_date_of_birth(self):
        return self._not_in_the_future("child_date_of_birth")

    def _not_in_the_future(self, name: str):
        day = self.cleaned_data.get(name)
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("Deze datum ligt in de toekomst."), code="future")
        return day

    def clean(self):
        data = super().clean()
        if data.get("invite_for") == InviteFor.GUARDIAN:
            for name in self.CHILD_FIELDS:
                self._require(name, _("Vul dit in voor een kind."))
            child = Client(date_of_birth=data.get("child_date_of_birth"))
            if data.get("child_date_of_birth") and not child.is_child:
                self.add_error(
                    "child_date_of_birth",
                    _("Dit kind is 18 of ouder: nodig de cliënt dan zelf uit als volwassene."),
                )
        else:
            self._require("date_of_birth", _("Vul de geboortedatum in."))
            if data.get("date_of_birth") and Client(date_of_birth=data["date_of_birth"]).is_child:
                self.add_error("date_of_birth", MINOR_NEEDS_GUARDIAN)
        return data

    def _require(self, name: str, message: str) -> None:
        # "Nee" (False) is an answer; only nothing is missing.
        if self.cleaned_data.get(name) in (None, "") and name not in self.errors:
            self.add_error(name, forms.ValidationError(message, code="required"))


class StaffInvitationForm(AccountFields):
    """The practice admin invites a coach or another admin."""

    role = forms.ChoiceField(
        label=_("Rol"),
        choices=[(Role.COACH, Role.COACH.label), (Role.ADMIN, Role.ADMIN.label)],
        initial=Role.COACH,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.order_fields(["role", "first_name", "last_name", "email", "language"])


class AcceptInvitationForm(SetPasswordForm):
    """Choose a password for an invited account (Django's password validators apply)."""


# --- Clients, guardians, third parties and consent (the coach's forms) ---------------------------


class ClientForm(forms.ModelForm):
    new_organisation = forms.CharField(
        label=_("Of een nieuwe werkgever"),
        max_length=200,
        required=False,
        help_text=_("Staat de werkgever er nog niet bij? Typ de naam."),
    )

    class Meta:
        model = Client
        fields = [
            "first_name",
            "last_name",
            "date_of_birth",
            "email",
            "phone",
            "street",
            "postal_code",
            "city",
            "organisation",
        ]
        widgets = {"date_of_birth": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_of_birth"].required = True
        self.fields["organisation"].required = False
        self.fields["organisation"].empty_label = _("geen")
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_date_of_birth(self):
        day = self.cleaned_data["date_of_birth"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Deze datum ligt in de toekomst."), code="future")
        return day


class GuardianForm(forms.ModelForm):
    # Asked, never assumed: no answer is given in advance.
    has_parental_authority = YesNoField(label=PARENTAL_AUTHORITY, help_text=PARENTAL_AUTHORITY_HELP)

    class Meta:
        model = Guardian
        fields = [
            "first_name",
            "last_name",
            "relation",
            "email",
            "phone",
            "has_parental_authority",
            "may_act_in_portal",
            "receives_reminders",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ThirdPartyForm(forms.ModelForm):
    """The instance comes with its client."""

    class Meta:
        model = ThirdParty
        fields = ["kind", "name", "contact_person", "email", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        others = self.instance.client.third_parties.exclude(pk=self.instance.pk)
        if others.filter(name__iexact=name).exists():
            raise forms.ValidationError(
                _("Deze cliënt heeft al een derde partij met deze naam."), code="exists"
            )
        return name


class ConsentForm(forms.ModelForm):
    """The instance comes with its client; the model's clean() holds the rules (a guardian
    with authority for a child under 16, a party of this client)."""

    class Meta:
        model = Consent
        fields = ["third_party", "purpose", "given_by_guardian", "given_on", "valid_until"]
        widgets = {
            "given_on": DateInput(),
            "valid_until": DateInput(),
            "purpose": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        client = self.instance.client
        self.fields["third_party"].queryset = client.third_parties.all()
        given_by = self.fields["given_by_guardian"]
        given_by.queryset = client.guardians.all()
        given_by.empty_label = _("de cliënt zelf")
        if client.age is not None and client.age < CONSENT_AGE:
            # Under 16 only a parent or guardian with parental authority can consent.
            given_by.queryset = client.guardians.filter(has_parental_authority=True)
            given_by.required = True
            given_by.empty_label = None
            given_by.help_text = _(
                "Alleen ouders en verzorgers met ouderlijk gezag staan hier. Staat er niemand? "
                "Leg dan eerst bij de ouder vast of die ouderlijk gezag heeft."
            )
        self.fields["given_on"].initial = timezone.localdate
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_given_on(self):
        day = self.cleaned_data["given_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(
                _("Leg een toestemming vast op of na de dag dat ze gegeven is."), code="future"
            )
        return day


class CoachProfileForm(forms.ModelForm):
    """The coach's own details on "Mijn profiel": how clients reach them, and their video room
    (CoachProfile.clean checks that it is an https address)."""

    class Meta:
        model = CoachProfile
        fields = ["phone", "video_room_url"]
        widgets = {
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "video_room_url": forms.URLInput(attrs={"placeholder": "https://"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].help_text = _(
            "Cliënten en ouders zien dit nummer in het portaal, bij hoe ze je bereiken."
        )
        if not settings.PRAKTIJK_VIDEO_ROOM_BASE:
            self.fields["video_room_url"].help_text = _(
                "Het vaste adres van je videoruimte (bijvoorbeeld bij Jitsi, Whereby of Teams). "
                "Leeg: de praktijk maakt geen videoruimtes; je stuurt de cliënt zelf een link."
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
