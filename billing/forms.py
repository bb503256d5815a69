from datetime import date, timedelta
from decimal import Decimal

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import LINE_LIMITS, Invoice, Package, PackagePrice, QuoteRequest
from billing.services.invoicing import Recipient
from coaching.forms import DateInput
from coaching.models import Client, Tariff, User, Vat
from coaching.public_forms import honeypot_field
from groups.models import BackstageGroup

# The largest group a quote (and a request for one) is made for.
MAX_GROUP_SIZE = 30


def last_month() -> tuple[date, date]:
    first_of_this = timezone.localdate().replace(day=1)
    end = first_of_this - timedelta(days=1)
    return end.replace(day=1), end


class _Helper:
    def _helper(self):
        self.helper = FormHelper()
        self.helper.form_tag = False


class InvoiceFilterForm(forms.Form):
    q = forms.CharField(label=_("Zoek op naam of nummer"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("alle")), *Invoice.Status.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class InvoiceNewForm(_Helper, forms.Form):
    """For whom and which period. The choices are the user's own clients (a child's through a
    parent), and the organisations of their in-company groups; the admin sees all."""

    recipient = forms.ChoiceField(
        label=_("Aan"),
        help_text=_(
            "Een kind staat hier via een ouder of verzorger; staat een kind er niet bij, voeg "
            "dan eerst een ouder toe op de pagina van de cliënt."
        ),
    )
    start = forms.DateField(label=_("Periode vanaf"), widget=DateInput())
    end = forms.DateField(label=_("Periode tot en met"), widget=DateInput())

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()
        start, end = last_month()
        self.fields["start"].initial = start
        self.fields["end"].initial = end
        clients = Client.objects.current() if user.is_staff else Client.objects.for_coach(user)
        clients = list(clients.select_related("coach").prefetch_related("guardians"))
        teams = BackstageGroup.objects.filter(composition=BackstageGroup.Composition.TEAM)
        if not user.is_staff:
            teams = teams.filter(coach=user)
        # One choice per organisation and coach (the admin may invoice any coach's groups).
        buyers = {
            (group.organisation, group.coach): None
            for group in teams.select_related("organisation", "coach").order_by(
                "organisation__name"
            )
        }
        self.options: dict[str, Recipient] = {}
        people, parents, orgs = [], [], []
        for client in clients:
            if client.is_child:
                for guardian in client.guardians.all():
                    key = f"guardian:{guardian.uuid}"
                    self.options[key] = Recipient(
                        Invoice.Recipient.GUARDIAN, client=client, guardian=guardian
                    )
                    parents.append(
                        (
                            key,
                            _("%(parent)s, voor %(child)s")
                            % {
                                "parent": f"{guardian.first_name} {guardian.last_name}",
                                "child": client,
                            },
                        )
                    )
            else:
                key = f"client:{client.uuid}"
                self.options[key] = Recipient(Invoice.Recipient.CLIENT, client=client)
                people.append((key, str(client)))
        for organisation, coach in buyers:
            key = f"organisation:{organisation.uuid}:{coach.uuid}"
            self.options[key] = Recipient(
                Invoice.Recipient.ORGANISATION, organisation=organisation, group_coach=coach
            )
            label = organisation.name
            if user.is_staff:
                label = f"{label} ({coach.get_full_name()})"
            orgs.append((key, label))
        self.fields["recipient"].choices = [
            ("", "—"),
            *([(_("Cliënten"), people)] if people else []),
            *([(_("Ouders/verzorgers (voor een kind)"), parents)] if parents else []),
            *([(_("Organisaties (in-company groepen)"), orgs)] if orgs else []),
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("De periode eindigt vóór het begin."))
            elif end > timezone.localdate():
                self.add_error(
                    "end", _("Factureer tot en met vandaag: wat later komt, is nog niet geleverd.")
                )
            elif (end - start).days > 366:
                self.add_error("start", _("Een factuur gaat over hoogstens een jaar."))
        return data

    @property
    def chosen(self) -> Recipient:
        return self.options[self.cleaned_data["recipient"]]

    def prefill(self, query) -> None:
        """The choices a link brings along (a strippenkaart's "Nu factureren": the client and
        today): a recipient among the options and ISO dates; anything else is ignored."""
        if query.get("recipient") in self.options:
            self.initial["recipient"] = query["recipient"]
        for name in ("start", "end"):
            try:
                self.initial[name] = date.fromisoformat(query.get(name, ""))
            except (TypeError, ValueError):
                continue


class PaidForm(_Helper, forms.Form):
    on = forms.DateField(label=_("Betaald op"), widget=DateInput(), initial=timezone.localdate)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Without a helper `{% crispy %}` writes a <form> of its own, whose </form> ends the
        # page's form before its button: "Markeren als betaald" then sent nothing.
        self._helper()


class LineForm(_Helper, forms.Form):
    """An extra line on a draft: a tariff (priced as on the line's day) or a price by hand."""

    day = forms.DateField(label=_("Datum"), widget=DateInput(), initial=timezone.localdate)
    tariff = forms.ModelChoiceField(
        label=_("Tarief"),
        required=False,
        queryset=Tariff.objects.none(),
        empty_label=_("— geen: prijs hieronder —"),
    )
    description = forms.CharField(label=_("Omschrijving"), max_length=250, required=False)
    quantity = forms.DecimalField(
        label=_("Aantal"),
        max_digits=7,
        decimal_places=2,
        initial=1,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(LINE_LIMITS["quantity"])],
    )
    unit_price = forms.DecimalField(
        label=_("Prijs per eenheid excl. btw"),
        max_digits=9,
        decimal_places=2,
        required=False,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(LINE_LIMITS["price"])],
    )
    vat = forms.ChoiceField(label=_("Btw"), choices=Vat.choices, initial=Vat.HIGH)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()
        self.fields["tariff"].queryset = Tariff.objects.filter(
            Q(valid_until__isnull=True)
            | Q(valid_until__gte=timezone.localdate() - timedelta(days=366))
        )

    def clean(self):
        data = super().clean()
        if not data.get("tariff"):
            if not data.get("description"):
                self.add_error("description", _("Geef een omschrijving, of kies een tarief."))
            if data.get("unit_price") is None:
                self.add_error("unit_price", _("Geef een prijs, of kies een tarief."))
        return data


class QuoteForm(_Helper, forms.Form):
    organisation = forms.CharField(
        label=_("Organisatie"),
        max_length=200,
        help_text=_("Een bestaande organisatie, of een nieuwe naam."),
    )
    contact_person = forms.CharField(label=_("Contactpersoon"), max_length=200, required=False)
    group_size = forms.IntegerField(
        label=_("Aantal deelnemers"), min_value=1, max_value=MAX_GROUP_SIZE
    )
    meetings = forms.IntegerField(
        label=_("Aantal bijeenkomsten"), min_value=1, max_value=24, initial=8
    )
    wishes = forms.CharField(
        label=_("Specifieke wensen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Bijvoorbeeld: op locatie, een extra terugkombijeenkomst, een verslag."),
    )
    wishes_price = forms.DecimalField(
        label=_("Meerprijs voor de wensen (excl. btw)"),
        max_digits=9,
        decimal_places=2,
        initial=0,
        required=False,
        validators=[MinValueValidator(Decimal(0))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()


class QuoteRequestForm(_Helper, forms.ModelForm):
    """An organisation asks for a quote for a Backstage group (the public site, no account)."""

    group_size = forms.IntegerField(
        label=_("Aantal deelnemers"), min_value=1, max_value=MAX_GROUP_SIZE
    )
    website = honeypot_field()

    class Meta:
        model = QuoteRequest
        fields = [
            "organisation_name",
            "contact_person",
            "email",
            "phone",
            "group_size",
            "composition",
            "daypart",
            "wishes",
        ]
        labels = {
            "organisation_name": _("Organisatie"),
            "contact_person": _("Contactpersoon"),
            "email": _("E-mailadres"),
            "phone": _("Telefoonnummer"),
            "composition": _("Wat voor groep?"),
            "daypart": _("Overdag of 's avonds?"),
            "wishes": _("Wensen en vragen"),
        }
        help_texts = {
            "phone": _("Niet verplicht: als je liever gebeld wordt."),
            "wishes": _(
                "Niet verplicht. Bijvoorbeeld: bij jullie op locatie, een gewenste startdatum, "
                "een extra terugkombijeenkomst."
            ),
        }
        widgets = {
            "composition": forms.RadioSelect,
            "daypart": forms.RadioSelect,
            "wishes": forms.Textarea(attrs={"rows": 4}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "contact_person": forms.TextInput(attrs={"autocomplete": "name"}),
            "organisation_name": forms.TextInput(attrs={"autocomplete": "organization"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()
        backstage = settings.PRAKTIJK_BACKSTAGE
        self.fields["group_size"].help_text = _(
            "Een groep telt %(low)s tot %(high)s deelnemers; met meer mensen kunnen het twee "
            "groepen worden."
        ) % {"low": backstage["min_size"], "high": backstage["max_size"]}
        # Radio buttons without a preselected choice (the model's blank dash is not one).
        for name in ("composition", "daypart"):
            self.fields[name].choices = [
                choice for choice in self.fields[name].choices if choice[0]
            ]


class QuoteRequestCloseForm(_Helper, forms.Form):
    reason = forms.CharField(
        label=_("Waarom zonder offerte?"),
        max_length=200,
        required=False,
        help_text=_(
            "Bijvoorbeeld: telefonisch besproken, past niet bij Backstage, geen echte aanvraag."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()


class PackageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, package: Package) -> str:
        from coaching.templatetags.money import money

        price = package.prices_today[0]
        return _(
            "%(name)s: %(sessions)s sessies, %(months)s maanden geldig, %(price)s incl. btw"
        ) % {
            "name": package.label,
            "sessions": package.sessions,
            "months": package.validity_months,
            "price": money(price.price_incl_vat),
        }


class PackageSellForm(_Helper, forms.Form):
    """The coach chooses the card to sell; each shows its price valid today."""

    package = PackageChoiceField(
        label=_("Strippenkaart"),
        queryset=Package.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()
        today = today or timezone.localdate()
        # Only the cards on sale with a price today, each with that price (one query more).
        self.fields["package"].queryset = (
            Package.objects.on_sale()
            .filter(prices__in=PackagePrice.objects.valid_on(today))
            .distinct()
            .prefetch_related(
                Prefetch(
                    "prices",
                    queryset=PackagePrice.objects.valid_on(today).order_by("-valid_from"),
                    to_attr="prices_today",
                )
            )
        )
