"""The coach's pages of clients: the list, a client with their trajects, and the forms for
clients, guardians, third parties and consent; and the client's view of their consents in the
portal."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from audit.log import Action, What, record
from coaching.access import (
    client_of_coach,
    consent_of_account,
    consent_of_coach,
    guardian_of_coach,
)
from coaching.client_page import client_sections
from coaching.confirm import confirmation_page
from coaching.forms import ClientForm, ConsentForm, GuardianForm, ThirdPartyForm
from coaching.models import Client, Consent, Role, ThirdParty
from coaching.roles import role_required
from coaching.services.accounts import (
    PortalInviteRefused,
    client_portal_invite,
    guardian_portal_invite,
)
from coaching.services.clients import client_register, client_update
from coaching.services.consents import consent_record, consent_withdraw
from trajects.forms import (
    ATTENTION_CHOICES,
    ClientFilterForm,
)
from trajects.models import Traject
from trajects.views.dashboard import attention, ending_consents, now_for, withdrawn_consents


@require_safe
@role_required(Role.COACH)
def client_list(request: HttpRequest) -> HttpResponse:
    form = ClientFilterForm(request.GET or None)
    # What the form accepts (each valid field, also when another is not): a search with a NUL
    # character gets the form's error, not a query the database refuses; an unknown status
    # filters nothing.
    form.is_valid()
    search = getattr(form, "cleaned_data", {})
    clients = (
        Client.objects.for_coach(request.user)
        .named(search.get("q", ""))
        .select_related("organisation")
    )
    status = search.get("status", "")
    if status in Traject.Status.values:
        clients = clients.filter(trajects__status=status).distinct()
    elif status == "ingetrokken":
        clients = clients.filter(pk__in=withdrawn_consents(now_for(request.user)).values("client"))
    elif status == "verloopt":
        clients = clients.filter(pk__in=ending_consents(now_for(request.user)).values("client"))
    elif status in dict(ATTENTION_CHOICES):
        at = now_for(request.user)
        clients = clients.filter(pk__in=attention(at, status).values("client"))
    # What a row shows (the name and link, the age, the employer): fewer columns to read.
    clients = clients.only("uuid", "first_name", "last_name", "date_of_birth", "organisation__name")
    page = Paginator(clients, 25).get_page(request.GET.get("page"))
    page.object_list = _rows(list(page.object_list))
    return render(request, "trajects/client_list.html", {"form": form, "page": page})


def _rows(clients: list[Client]) -> list[Client]:
    """What each row of the list shows, made here once rather than in the template per use:
    the link, the age ("12 jaar"; "" when unknown) and whether a child, and the phases of the
    client's trajects, newest first (one query of two columns for the page; cheaper per row than
    prefetching the trajects as objects)."""
    phases: dict[int, list[str]] = {client.pk: [] for client in clients}
    rows = (
        Traject.objects.filter(client__in=clients)
        .order_by("-registered_on")
        .values_list("client_id", "status")
    )
    for client_id, status in rows:
        phases[client_id].append(Traject.status_label(status))
    today = timezone.localdate()
    for client in clients:
        client.phases = phases[client.pk]
        client.url = client_url(client)
        age = client.age_on(today)
        client.age_text = (
            "" if age is None else ngettext("%(age)s jaar", "%(age)s jaar", age) % {"age": age}
        )
        client.child = age is not None and age < 18
    return clients


@require_safe
@role_required(Role.COACH)
def client_detail(request: HttpRequest, client: str) -> HttpResponse:
    client = client_of_coach(request.user, client)
    record(request, Action.VIEW, What.CLIENT, client=client, obj=client)
    return render(
        request,
        "trajects/client_detail.html",
        {
            "client": client,
            "guardians": client.guardians.all(),
            "trajects": client.trajects.only(
                "uuid", "client", "title", "kind", "status", "registered_on"
            ).order_by("-registered_on"),
            "third_parties": _parties_with_consents(client),
            # The latest e-mails about this client (the outbox's rows that name them): what
            # was sent, is being sent or failed, in one query.
            "mails": list(
                client.sends.only(
                    "client", "kind", "status", "due_at", "sent_at", "recipients", "error"
                ).order_by("-created_at", "-pk")[:10]
            ),
            "today": timezone.localdate(),
            # What the apps above add (billing: the strippenkaarten), coaching.client_page.
            "sections": client_sections(request.user, client),
        },
    )


def _parties_with_consents(client: Client) -> list:
    """The client's third parties, each with its consents (newest first), in two queries (one
    when there are none: a consent is for one of them)."""
    parties = list(client.third_parties.all())
    if not parties:
        return parties
    by_party = {party.pk: [] for party in parties}
    for consent in Consent.objects.filter(client=client).select_related("given_by_guardian"):
        by_party[consent.third_party_id].append(consent)
    for party in parties:
        party.consent_list = by_party[party.pk]
    return parties


def _form_page(request, title: str, forms: list, *, back: str, intro: str = "") -> HttpResponse:
    return render(
        request,
        "coaching/form_page.html",
        {"title": title, "forms": forms, "back": back, "intro": intro},
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def client_create(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None)
    guardian_form = GuardianForm(prefix="guardian")
    if request.method == "POST":
        # A child comes with a parent or guardian (required); for an adult it is optional.
        is_child = form.is_valid() and form.instance.is_child
        typed = any(request.POST.get(f"guardian-{name}") for name in ("first_name", "last_name"))
        with_guardian = is_child or typed
        if with_guardian:
            guardian_form = GuardianForm(request.POST, prefix="guardian")
        if form.is_valid() and (not with_guardian or guardian_form.is_valid()):
            client = client_register(
                coach=request.user,
                client=form.save(commit=False),
                guardian=guardian_form.save(commit=False) if with_guardian else None,
                new_organisation=form.cleaned_data["new_organisation"],
            )
            record(request, Action.CREATE, What.CLIENT, client=client, obj=client)
            messages.success(request, _("%(name)s is ingeschreven.") % {"name": client})
            return redirect("client_detail", client=client.uuid)
    return render(
        request,
        "coaching/client_form.html",
        {"form": form, "guardian_form": guardian_form, "title": _("Nieuwe cliënt")},
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def client_edit(request: HttpRequest, client: str) -> HttpResponse:
    client = client_of_coach(request.user, client)
    if request.method == "GET":  # the form shows the client's data
        record(request, Action.VIEW, What.CLIENT, client=client, obj=client)
    form = ClientForm(request.POST or None, instance=client)
    if request.method == "POST" and form.is_valid():
        try:
            form.instance.full_clean()
        except ValidationError as error:
            form.add_error(None, error)
        else:
            client_update(
                client=form.save(commit=False),
                new_organisation=form.cleaned_data["new_organisation"],
            )
            record(request, Action.CHANGE, What.CLIENT, client=client, obj=client)
            messages.success(request, _("De gegevens zijn opgeslagen."))
            return redirect("client_detail", client=client.uuid)
    return _form_page(
        request,
        _("Gegevens van %(name)s") % {"name": client},
        [form],
        back=client_url(client),
    )


def client_url(client: Client) -> str:
    return reverse("client_detail", args=[client.uuid])


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def guardian_create(request: HttpRequest, client: str) -> HttpResponse:
    client = client_of_coach(request.user, client)
    form = GuardianForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        guardian = form.save(commit=False)
        guardian.client = client
        guardian.save()
        record(request, Action.CREATE, What.GUARDIAN, client=client, obj=guardian)
        messages.success(request, _("%(name)s is toegevoegd.") % {"name": guardian})
        return redirect("client_detail", client=client.uuid)
    return _form_page(
        request,
        _("Ouder of verzorger van %(name)s") % {"name": client},
        [form],
        back=client_url(client),
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def guardian_edit(request: HttpRequest, guardian: str) -> HttpResponse:
    guardian = guardian_of_coach(request.user, guardian)
    if request.method == "GET":
        record(request, Action.VIEW, What.GUARDIAN, client=guardian.client, obj=guardian)
    form = GuardianForm(request.POST or None, instance=guardian)
    if request.method == "POST" and form.is_valid():
        form.save()
        record(request, Action.CHANGE, What.GUARDIAN, client=guardian.client, obj=guardian)
        messages.success(request, _("De gegevens zijn opgeslagen."))
        return redirect("client_detail", client=guardian.client.uuid)
    return _form_page(request, str(guardian), [form], back=client_url(guardian.client))


@require_POST
@role_required(Role.COACH)
def client_invite_portal(request: HttpRequest, client: str) -> HttpResponse:
    client = client_of_coach(request.user, client)
    return _portal_invite(
        request, client, lambda: client_portal_invite(client=client, by=request.user)
    )


@require_POST
@role_required(Role.COACH)
def guardian_invite_portal(request: HttpRequest, guardian: str) -> HttpResponse:
    guardian = guardian_of_coach(request.user, guardian)
    return _portal_invite(
        request, guardian.client, lambda: guardian_portal_invite(guardian=guardian, by=request.user)
    )


def _portal_invite(request: HttpRequest, client: Client, invite) -> HttpResponse:
    try:
        access = invite()
    except PortalInviteRefused as refusal:
        messages.error(request, str(refusal))
    else:
        record(request, Action.CHANGE, What.ACCOUNT, client=client, obj=access.account)
        email = access.account.email
        if access.invited:
            messages.success(request, _("Uitnodiging verstuurd naar %(email)s.") % {"email": email})
        else:
            messages.success(
                request,
                _("%(email)s had al een account: %(child)s is eraan gekoppeld, en de ouder krijgt "
                  "daarover een e-mail.") % {"email": email, "child": client.first_name},
            )  # fmt: skip
    return redirect("client_detail", client=client.uuid)


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def third_party_create(request: HttpRequest, client: str) -> HttpResponse:
    client = client_of_coach(request.user, client)
    form = ThirdPartyForm(request.POST or None, instance=ThirdParty(client=client))
    if request.method == "POST" and form.is_valid():
        party = form.save()
        record(request, Action.CREATE, What.THIRD_PARTY, client=client, obj=party)
        messages.success(request, _("%(name)s is toegevoegd.") % {"name": party.name})
        return redirect("client_detail", client=client.uuid)
    return _form_page(
        request,
        _("Derde partij bij %(name)s") % {"name": client},
        [form],
        back=client_url(client),
        intro=_("Een school, kinderdagverblijf, werkgever of zorgverlener waarmee je contact "
                "kunt hebben. Contact en verslagen vragen daarna nog om toestemming."),
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def consent_create(request: HttpRequest, client: str) -> HttpResponse:
    client = client_of_coach(request.user, client)
    consent = Consent(client=client, recorded_by=request.user)
    form = ConsentForm(request.POST or None, instance=consent)
    if request.method == "POST" and form.is_valid():
        try:
            # The one place a consent is given (a parent only with parental authority).
            consent = consent_record(client=client, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            record(request, Action.CREATE, What.CONSENT, client=client, obj=consent)
            messages.success(request, _("De toestemming is vastgelegd."))
            return redirect("client_detail", client=client.uuid)
    intro = _("Voor contact met of een verslag aan een derde partij is toestemming nodig.")
    if client.age is not None and client.age < 16:
        intro += " " + _("Deze cliënt is jonger dan 16: de toestemming komt van een ouder of "
                         "verzorger met ouderlijk gezag.")  # fmt: skip
    return _form_page(
        request,
        _("Toestemming van %(name)s") % {"name": client},
        [form],
        back=client_url(client),
        intro=intro,
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def consent_withdraw_by_coach(request: HttpRequest, consent: str) -> HttpResponse:
    """GET asks first (what stops, who is told); POST withdraws."""
    consent = consent_of_coach(request.user, consent)
    back = client_url(consent.client)
    if request.method == "POST" or consent.withdrawn_on is not None:
        _withdraw(request, consent)
        return redirect(back)
    party, name = consent.third_party.name, consent.client.first_name
    return confirmation_page(
        request,
        title=_("Toestemming voor %(party)s intrekken") % {"party": party},
        consequences=[
            _(
                "Vanaf vandaag is er over %(name)s geen contact meer met %(party)s en gaan er "
                "geen verslagen meer heen."
            )
            % {"name": name, "party": party},
            _(
                "Contact met of een verslag aan %(party)s kun je daarna niet meer vastleggen, ook "
                "niet met een eerdere datum. Wat al in het dossier staat, blijft staan."
            )
            % {"party": party},
            _("Geeft de cliënt later weer toestemming, dan leg je die opnieuw vast."),
        ],
        confirm_label=_("Toestemming intrekken"),
        back=back,
    )


@require_safe
@role_required(Role.CLIENT)
def portal_consents(request: HttpRequest) -> HttpResponse:
    consents = (
        Consent.objects.filter(client__in=Client.objects.for_account(request.user))
        .select_related("client", "third_party", "given_by_guardian")
        .order_by("client__first_name", "-given_on")
    )
    return render(request, "coaching/portal_consents.html", {"consents": consents})


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def portal_consent_withdraw(request: HttpRequest, consent: str) -> HttpResponse:
    """GET asks first (what stops, that the coach is told); POST withdraws."""
    consent = consent_of_account(request.user, consent)
    if request.method == "POST" or consent.withdrawn_on is not None:
        _withdraw(request, consent)
        return redirect("portal_consents")
    party = consent.third_party.name
    return confirmation_page(
        request,
        title=_("Toestemming voor %(party)s intrekken") % {"party": party},
        consequences=[
            _(
                "Vanaf vandaag heeft je coach geen contact meer met %(party)s over de coaching en "
                "stuurt er geen verslagen meer heen."
            )
            % {"party": party},
            _("Je coach krijgt hiervan bericht."),
            _(
                "Wat al besproken of verstuurd is, blijft in het dossier. Wil je later toch weer "
                "toestemming geven? Dat leg je samen met je coach opnieuw vast."
            ),
        ],
        confirm_label=_("Toestemming intrekken"),
        back=reverse("portal_consents"),
    )


def _withdraw(request: HttpRequest, consent: Consent) -> None:
    try:
        withdrawn = consent_withdraw(consent=consent, by=request.user, on=timezone.localdate())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return
    if withdrawn:
        record(request, Action.CHANGE, What.CONSENT, client=consent.client, obj=consent)
        messages.success(
            request,
            _("De toestemming voor %(party)s is ingetrokken.")
            % {"party": consent.third_party.name},
        )
    else:
        messages.info(request, _("Deze toestemming was al ingetrokken."))
