from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from sessions.models import Appointment, Mode, SessionType
from trajects.models import Traject


def _helper(form):
    form.helper = FormHelper()
    form.helper.form_tag = False


class AppointmentForm(forms.Form):
    """The coach plans an appointment for one of their open trajects."""

    traject = forms.ModelChoiceField(label=_("Traject"), queryset=Traject.objects.none())
    session_type = forms.ModelChoiceField(
        label=_("Soort afspraak"), queryset=SessionType.objects.filter(active=True)
    )
    mode = forms.ChoiceField(label=_("Vorm"), choices=Mode.choices)
    start = forms.DateTimeField(
        label=_("Begin"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    minutes = forms.IntegerField(
        label=_("Duur (minuten)"),
        min_value=5,
        max_value=480,
        required=False,
        help_text=_("Leeg: de standaardduur van deze soort afspraak."),
    )
    video_link = forms.URLField(label=_("Videolink"), required=False, assume_scheme="https")
    location = forms.CharField(label=_("Plaats"), max_length=200, required=False)

    def __init__(self, *args, coach, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["traject"].queryset = (
            Traject.objects.for_coach(coach).open().select_related("client")
        )
        _helper(self)

    def clean(self):
        data = super().clean()
        session_type, mode = data.get("session_type"), data.get("mode")
        if session_type and mode and mode not in session_type.allowed_modes:
            self.add_error("mode", _("Deze vorm past niet bij deze soort afspraak."))
        traject = data.get("traject")
        if session_type and traject:
            from sessions.booking import bookable_kinds

            if session_type.kind not in bookable_kinds(traject):
                self.add_error(
                    "session_type",
                    _("Dit past niet bij de fase van het traject (%(status)s).")
                    % {"status": traject.get_status_display()},
                )
        return data


class MoveForm(forms.Form):
    start = forms.DateTimeField(
        label=_("Nieuw begin"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _helper(self)


class MarkForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Hoe ging het?"),
        choices=[
            (Appointment.Status.COMPLETED, _("gehouden")),
            (Appointment.Status.NO_SHOW, _("niet verschenen")),
        ],
        widget=forms.RadioSelect,
    )
    announces_last = forms.BooleanField(
        label=_("Aangekondigd: de volgende sessie is de laatste"), required=False
    )
    is_last = forms.BooleanField(label=_("Dit was de laatste sessie"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _helper(self)
