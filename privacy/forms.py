from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Ik begrijp dat wissen niet ongedaan kan worden"),
        error_messages={"required": _("Vink aan dat je begrijpt dat wissen definitief is.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
