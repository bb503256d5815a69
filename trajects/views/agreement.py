"""The intake prepared online: the portal's page, accepting the coaching agreement (from a
personal link, logged in or not), and the accepted agreement as a PDF for the client's side and
for the coach."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from audit.log import Action, What, client_ip, record
from coaching.models import Role
from coaching.roles import role_required
from trajects.access import (
    acceptance_of_account,
    acceptance_of_coach,
    preparing_trajects_of_account,
    traject_by_agreement_link,
)
from trajects.agreement_pdf import agreement_filename, agreement_pdf, who_accepted
from trajects.forms import AgreementForm
from trajects.models import AgreementAcceptance, Traject
from trajects.services.agreement import (
    agreement_accept,
    agreement_state,
    current_texts,
    may_not_accept,
    reader_language,
    shown_texts,
)
from trajects.services.intake_prep import portal_rows


@require_safe
@role_required(Role.CLIENT)
def portal_intake(request: HttpRequest) -> HttpResponse:
    rows = portal_rows(request.user, preparing_trajects_of_account(request.user))
    return render(request, "trajects/portal_intake.html", {"rows": rows})


# Long: one page for each state of accepting (to read and accept, refused, accepted), for all.
@require_http_methods(["GET", "POST"])
def agreement_by_link(
    request: HttpRequest, traject: str, key: str, agreement_token: str
) -> HttpResponse:
    """A person's own page to read and accept the agreement: the link is the key (no password
    needed), for the client, a parent, or a child of 12 to 15, who has no account. A coach or
    an admin who is logged in reads it but does not accept it for someone."""
    traject = traject_by_agreement_link(traject, key, agreement_token)
    state = agreement_state(traject)
    party = state.party(key)
    acceptance = state.accepted.get(key)
    staff = request.user.is_authenticated and request.user.role != Role.CLIENT
    page_language = reader_language(get_language())
    try:
        terms, privacy = current_texts()
    except ValidationError as error:
        texts, refusal = [], error.messages[0]
    else:
        texts = shown_texts(terms, privacy, page_language)
        refusal = _refusal(traject, state, key, party, staff)
    form = None
    if acceptance is None and not refusal:
        initial = {"terms_version": terms.version, "privacy_version": privacy.version}
        form = AgreementForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                acceptance = agreement_accept(
                    traject=traject,
                    key=key,
                    name=form.cleaned_data["name"],
                    ip_address=client_ip(request),
                    account=request.user,
                    language=page_language,
                    versions=form.versions(),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                record(
                    request,
                    Action.CREATE,
                    What.AGREEMENT,
                    client=traject.client,
                    obj=acceptance,
                )
                messages.success(request, _("Dank je wel! Je akkoord is vastgelegd."))
                return redirect(request.path)
    elif request.method == "POST":
        return redirect(request.path)
    return render(
        request,
        "trajects/agreement.html",
        {
            "traject": traject,
            "client": traject.client,
            "party": party,
            "state": state,
            "acceptance": acceptance,
            "accepted_by": who_accepted(acceptance) if acceptance else "",
            "texts": texts,
            # A text in Dutch on an English page (it has no English): said for screen readers.
            "page_language": page_language,
            "refusal": refusal,
            "form": form,
            "pdf_url": request.path + "pdf/" if acceptance else "",
        },
    )


def _refusal(traject: Traject, state, key: str, party, staff: bool) -> str:
    """Why this page shows no form ("" when it does)."""
    if staff:
        return _(
            "Je bent ingelogd als coach of beheerder. De cliënt of de ouder geeft zelf akkoord, "
            "met deze link."
        )
    if key in state.accepted:
        return ""
    if traject.is_closed:
        return _("Dit traject is afgesloten.")
    if party is None:
        return may_not_accept(state, key)
    return ""


@require_safe
def agreement_link_pdf(
    request: HttpRequest, traject: str, key: str, agreement_token: str
) -> HttpResponse:
    traject = traject_by_agreement_link(traject, key, agreement_token)
    acceptance = agreement_state(traject).accepted.get(key)
    if acceptance is None:
        raise Http404
    return _pdf(request, acceptance)


@require_safe
@role_required(Role.CLIENT)
def portal_agreement_pdf(request: HttpRequest, acceptance: str) -> HttpResponse:
    return _pdf(request, acceptance_of_account(request.user, acceptance))


@require_safe
@role_required(Role.COACH)
def coach_agreement_pdf(request: HttpRequest, acceptance: str) -> HttpResponse:
    return _pdf(request, acceptance_of_coach(request.user, acceptance))


def _pdf(request: HttpRequest, acceptance: AgreementAcceptance) -> HttpResponse:
    record(request, Action.EXPORT, What.AGREEMENT, client=acceptance.traject.client, obj=acceptance)
    response = HttpResponse(agreement_pdf(acceptance), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{agreement_filename(acceptance)}"'
    return response
