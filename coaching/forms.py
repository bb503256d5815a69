from django import forms
from django.conf import settings
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from coaching.models import Role, User


class InvitationForm(forms.Form):
    first_name = forms.CharField(label=_("Voornaam"), max_length=150)
    last_name = forms.CharField(label=_("Achternaam"), max_length=150)
    email = forms.EmailField(label=_("E-mailadres"))
    role = forms.ChoiceField(label=_("Rol"), choices=Role.choices)
    language = forms.ChoiceField(
        label=_("Taal van de uitnodiging"), choices=settings.LANGUAGES, initial="nl"
    )

    def __init__(self, *args, inviter: User, **kwargs):
        super().__init__(*args, **kwargs)
        # A coach invites client accounts only; the practice admin may invite every role.
        if not inviter.is_staff:
            self.fields["role"].choices = [(Role.CLIENT, Role.CLIENT.label)]
            self.fields["role"].initial = Role.CLIENT
            self.fields["role"].widget = forms.HiddenInput()
        self.fields["email"].widget.attrs["autocomplete"] = "off"

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("Er bestaat al een account met dit e-mailadres."), code="exists"
            )
        return email


class AcceptInvitationForm(SetPasswordForm):
    """Choose a password for an invited account (Django's password validators apply)."""
