from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.dates import readable
from coaching.forms import DateInput, DateTimeLocalInput, YesNoField, within_reach
from coaching.models import Guardian
from coaching.public_forms import honeypot_field
from sessions.models import (
    Appointment,
    AvailabilityException,
    BookingRules,
    CalendarFeed,
    Daypart,
    Mode,
    SessionType,
    WorkingHours,
)
from sessions.services.waitlist import Wish
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
        label=_("Begin"),
        widget=DateTimeLocalInput(),
        validators=[within_reach],
    )
    minutes = forms.IntegerField(
        label=_("Duur (minuten)"),
        min_value=5,
        max_value=480,
        required=False,
        help_text=_("Leeg: de standaardduur van deze soort afspraak."),
    )
    video_link = forms.URLField(
        label=_("Videolink"),
        required=False,
        assume_scheme="https",
        help_text=_(
            "Leeg bij een video-afspraak: je eigen videoruimte (Mijn profiel), anders een eigen "
            "ruimte van de praktijk."
        ),
    )
    location = forms.CharField(label=_("Locatie"), max_length=200, required=False)

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
            from sessions.services.booking import bookable_kinds

            if session_type.kind not in bookable_kinds(traject):
                self.add_error(
                    "session_type",
                    _("Dit past niet bij de fase van het traject (%(status)s).")
                    % {"status": traject.get_status_display()},
                )
        return data


class MoveForm(forms.Form):
    """A new start, within reach: for an appointment and for a Backstage meeting (whose view
    keeps the group's rhythm and length); the end follows from the duration."""

    start = forms.DateTimeField(
        label=_("Nieuw begin"),
        widget=DateTimeLocalInput(),
        validators=[within_reach],
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


class CancelForm(forms.Form):
    """The coach cancels: who cancels (it decides what it costs the client) and why. Rendered in
    the confirmation page's own <form>."""

    cancelled_by = forms.ChoiceField(
        label=_("Wie zegt af?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Kies wie de afspraak afzegt.")},
    )
    reason = forms.CharField(
        label=_("Reden"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Bijvoorbeeld: ziek, belde af op maandag. Wie de afspraken in het portaal ziet, "
            "leest deze reden: geen details uit het dossier."
        ),
    )

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cancelled_by"].choices = choices
        _helper(self)


class KennismakingForm(forms.Form):
    """The public request for a kennismaking (no account needed)."""

    FOR_SELF, FOR_CHILD = "self", "child"
    BY_SLOT, BY_EMAIL = "slot", "email"

    for_whom = forms.ChoiceField(
        label=_("Voor wie is de coaching?"),
        choices=[(FOR_SELF, _("Voor mijzelf")), (FOR_CHILD, _("Voor mijn kind"))],
        widget=forms.RadioSelect,
        initial=FOR_SELF,
    )
    first_name = forms.CharField(label=_("Je voornaam"), max_length=150)
    last_name = forms.CharField(label=_("Je achternaam"), max_length=150)
    email = forms.EmailField(label=_("Je e-mailadres"))
    phone = forms.CharField(label=_("Je telefoonnummer"), max_length=30, required=False)
    child_first_name = forms.CharField(
        label=_("Voornaam van je kind"), max_length=150, required=False
    )
    child_last_name = forms.CharField(
        label=_("Achternaam van je kind"),
        max_length=150,
        required=False,
        help_text=_("Leeg: dezelfde als de jouwe."),
    )
    # For a child the parent says who they are to the child and whether they have parental
    # authority: nothing is assumed. Required for a child, see clean().
    relation = forms.ChoiceField(
        label=_("Wat is je relatie tot het kind?"),
        choices=[("", "—"), *Guardian.Relation.choices],
        required=False,
    )
    has_parental_authority = YesNoField(
        label=_("Heb je ouderlijk gezag?"),
        required=False,
        help_text=_("Alleen een ouder of voogd met ouderlijk gezag kan toestemming geven voor "
                    "bijvoorbeeld contact met school."),
    )  # fmt: skip
    date_of_birth = forms.DateField(
        label=_("Geboortedatum van wie de coaching krijgt"),
        widget=DateInput(),
    )
    how = forms.ChoiceField(
        label=_("Hoe wil je kennismaken?"),
        choices=[(BY_SLOT, _("Een gesprek op een tijd die ik kies")), (BY_EMAIL, _("Per e-mail"))],
        widget=forms.RadioSelect,
        initial=BY_SLOT,
    )
    message = forms.CharField(
        label=_("Waar wil je het over hebben?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Niet verplicht. Schrijf hier geen gevoelige details; die bespreken we samen."),
    )
    slot = forms.DateTimeField(required=False, widget=forms.HiddenInput, validators=[within_reach])
    # A field people do not see: a robot that fills in every field fills this one too.
    website = honeypot_field()

    def clean_date_of_birth(self):
        day = self.cleaned_data["date_of_birth"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Deze datum ligt in de toekomst."), code="future")
        return day

    def clean(self):
        data = super().clean()
        if data.get("for_whom") == self.FOR_CHILD:
            if not data.get("child_first_name"):
                self.add_error("child_first_name", _("Vul de voornaam van je kind in."))
            if not data.get("relation") and "relation" not in self.errors:
                self.add_error("relation", _("Kies je relatie tot het kind."))
            if data.get("has_parental_authority") is None and (
                "has_parental_authority" not in self.errors
            ):
                self.add_error("has_parental_authority", _("Geef aan of je ouderlijk gezag hebt."))
        if data.get("how") == self.BY_SLOT and not data.get("slot"):
            self.add_error(None, _("Kies een tijd voor het gesprek, of kies ‘Per e-mail’."))
        return data


class ModesField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("Vormen"),
            choices=Mode.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=_("Niets aangevinkt: alle vormen."),
            **kwargs,
        )


class WorkingHoursForm(forms.ModelForm):
    modes = ModesField()

    class Meta:
        model = WorkingHours
        fields = ["weekday", "start_time", "end_time", "modes"]
        widgets = {
            "start_time": forms.TimeInput(attrs={"type": "time"}),
            "end_time": forms.TimeInput(attrs={"type": "time"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="hours", **kwargs)
        _helper(self)

    def clean(self):
        data = super().clean()
        if (
            data.get("start_time")
            and data.get("end_time")
            and data["end_time"] <= data["start_time"]
        ):
            self.add_error("end_time", _("Het eind moet na het begin liggen."))
        return data


class ExceptionForm(forms.ModelForm):
    modes = ModesField()

    class Meta:
        model = AvailabilityException
        fields = ["date", "kind", "start_time", "end_time", "modes", "note"]
        widgets = {
            "date": DateInput(),
            "start_time": forms.TimeInput(attrs={"type": "time"}),
            "end_time": forms.TimeInput(attrs={"type": "time"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="exception", **kwargs)
        _helper(self)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if (start is None) != (end is None) or (start and end and end <= start):
            self.add_error(
                "end_time", _("Vul begin en eind in (eind na begin), of geen van beide.")
            )
        if data.get("kind") == AvailabilityException.Kind.EXTRA and start is None:
            self.add_error("start_time", _("Extra uren hebben een begin en een eind."))
        return data


class CalendarFeedForm(forms.ModelForm):
    """A secret iCalendar address of the coach's own calendar (Google: "Geheim adres in
    iCal-indeling"; Outlook: "Agenda publiceren", the ICS link; iCloud: a public calendar's
    link, webcal:// taken as https://)."""

    url = forms.CharField(
        label=_("Geheim adres (iCal)"),
        max_length=2000,
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "Het adres dat je agendaprogramma geeft om je agenda te delen (eindigt vaak op "
            ".ics). Alleen wanneer je bezet bent wordt bewaard, geen titels of plaatsen."
        ),
    )

    class Meta:
        model = CalendarFeed
        fields = ["label", "url"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="feed", **kwargs)
        self.fields["label"].help_text = _("Bijvoorbeeld: privé, of de agenda van je andere werk.")
        _helper(self)

    def clean_url(self):
        from urllib.parse import urlsplit

        from django.conf import settings

        url = self.cleaned_data["url"].strip()
        if url.lower().startswith("webcal://"):
            url = "https://" + url[len("webcal://") :]
        parts = urlsplit(url)
        schemes = {"https"} if settings.PRODUCTION else {"https", "http"}
        if parts.scheme not in schemes or not parts.hostname:
            raise forms.ValidationError(
                _("Vul het volledige adres in, beginnend met https:// (of webcal://).")
            )
        return url

    def clean(self):
        data = super().clean()
        if (
            self.instance.coach_id
            and not self.instance.pk
            and CalendarFeed.objects.filter(coach_id=self.instance.coach_id).count() >= MAX_FEEDS
        ):
            raise forms.ValidationError(
                _("Je kunt hoogstens %(count)s eigen agenda's koppelen.") % {"count": MAX_FEEDS}
            )
        return data


MAX_FEEDS = 5


class RulesForm(forms.ModelForm):
    class Meta:
        model = BookingRules
        fields = [
            "min_notice_hours",
            "max_days_ahead",
            "buffer_minutes",
            "slot_step_minutes",
            "cancel_window_hours",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="rules", **kwargs)
        from django.conf import settings

        for name, field in self.fields.items():
            field.widget.attrs["placeholder"] = str(settings.PRAKTIJK_BOOKING[name])
            field.help_text = _("Leeg: de standaard van de praktijk (%(value)s).") % {
                "value": settings.PRAKTIJK_BOOKING[name]
            }
        _helper(self)


class WaitlistForm(forms.Form):
    """A client (or a parent) asks to be told of an earlier time (sessions.services.waitlist):
    before which date, on which days, in which parts of the day, in which forms."""

    before = forms.DateField(
        label=_("Uiterlijk op"),
        widget=DateInput(),
        help_text=_("De laatste dag waarop een tijd je nog past."),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Op welke dagen"),
        choices=WorkingHours.Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Kies minstens één dag.")},
    )
    dayparts = forms.MultipleChoiceField(
        label=_("Welke dagdelen"),
        choices=Daypart.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ochtend: vóór 12 uur; middag: 12 tot 17 uur; avond: vanaf 17 uur."),
        error_messages={"required": _("Kies minstens één dagdeel.")},
    )
    modes = forms.MultipleChoiceField(
        label=_("Welke vormen"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Kies minstens één vorm.")},
    )

    def __init__(self, *args, session_type: SessionType, max_ahead, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_ahead = max_ahead
        self.fields["modes"].choices = [
            (value, label) for value, label in Mode.choices if value in session_type.allowed_modes
        ]
        _helper(self)

    def clean_before(self):
        before = self.cleaned_data["before"]
        today = timezone.localdate()
        if before < today:
            raise forms.ValidationError(
                _("Deze datum is al voorbij. Kies een dag die nog moet komen."), code="past"
            )
        last = today + self.max_ahead
        if before > last:
            raise forms.ValidationError(
                _("Zo ver vooruit kun je niet boeken. Kies een dag tot en met %(last)s.")
                % {"last": readable(last)},
                code="too_far",
            )
        return before

    def wish(self) -> Wish:
        data = self.cleaned_data
        return Wish(
            before=data["before"],
            weekdays=data["weekdays"],
            dayparts=data["dayparts"],
            modes=data["modes"],
        )
