"""Invoices and quotes in the browser: the coach (or the practice admin, for every coach)
invoices delivered work and makes quotes; a coachee or parent downloads their own invoices; an
organisation asks for a quote on the public site, and the coach answers it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from billing.access import (
    invoice_line_of_staff,
    invoice_of_account,
    invoice_of_staff,
    purchase_of_coach,
    quote_of_staff,
    quote_request_of_staff,
)
from billing.forms import (
    InvoiceFilterForm,
    InvoiceNewForm,
    LineForm,
    PackageSellForm,
    PaidForm,
    QuoteForm,
    QuoteRequestCloseForm,
    QuoteRequestForm,
)
from billing.models import Invoice, Quote, QuoteRequest
from billing.pdf import invoice_filename, invoice_pdf, quote_pdf
from billing.rows import list_rows
from billing.services.invoicing import (
    invoice_create,
    invoice_credit,
    invoice_delete,
    invoice_line_add,
    invoice_line_remove,
    invoice_mark_paid,
    invoice_send,
    quote_create,
)
from billing.services.packages import package_sell, package_withdraw
from billing.services.quote_requests import (
    backstage_coach,
    quote_request_close,
    quote_request_submit,
)
from coaching.access import client_of_coach
from coaching.dates import readable
from coaching.models import Role, Send
from coaching.public_forms import TOO_MANY_REQUESTS, filled_in_by_a_robot, over_the_limit
from coaching.roles import role_required

STAFF = (Role.COACH, Role.ADMIN)


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@role_required(*STAFF)
def invoice_list(request: HttpRequest) -> HttpResponse:
    form = InvoiceFilterForm(request.GET or None)
    invoices = Invoice.objects.for_staff(request.user).with_totals()
    if request.user.is_staff:  # the practice admin's list names each invoice's coach
        invoices = invoices.select_related("coach")
    if form.is_valid():
        if query := form.cleaned_data["q"].strip():
            invoices = invoices.search(query)
        if status := form.cleaned_data["status"]:
            invoices = invoices.filter(status=status)
    page = Paginator(invoices, 25).get_page(request.GET.get("page"))
    list_rows(page.object_list)
    return render(request, "billing/invoice_list.html", {"form": form, "page": page})


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def invoice_new(request: HttpRequest) -> HttpResponse:
    form = InvoiceNewForm(request.POST or None, user=request.user)
    if request.method == "GET":
        form.prefill(request.GET)  # a link's choices (a strippenkaart: the client, today)
    if request.method == "POST" and form.is_valid():
        try:
            invoice = invoice_create(
                recipient=form.chosen,
                by=request.user,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Het concept staat klaar. Kijk het na en verstuur het."))
            return redirect("invoice_detail", invoice.uuid)
    return render(request, "billing/invoice_new.html", {"form": form})


@require_safe
@role_required(*STAFF)
def invoice_detail(request: HttpRequest, invoice) -> HttpResponse:
    invoice = invoice_of_staff(request.user, invoice)
    return _detail(request, invoice)


def _detail(request, invoice, *, line_form=None, paid_form=None) -> HttpResponse:
    lines = list(invoice.lines.select_related("tariff"))
    send = Send.objects.filter(subject=f"invoice:{invoice.pk}", kind="invoice").first()
    credit = Invoice.objects.filter(credit_for=invoice).first()
    invoice.credited = credit is not None
    totals = invoice.totals(lines)
    context = {
        "invoice": invoice,
        "lines": lines,
        "totals": totals,
        "missing_address": not invoice.bill_to_address,
        "send": send,
        "credit": credit,
        "line_form": line_form or (LineForm() if invoice.is_draft else None),
        "paid_form": paid_form or PaidForm(),
    }
    return render(request, "billing/invoice_detail.html", context)


def _act(request, invoice, action, success: str) -> HttpResponse:
    try:
        result = action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("invoice_detail", invoice.uuid)
    messages.success(request, success)
    target = result if isinstance(result, Invoice) else invoice
    return redirect("invoice_detail", target.uuid)


@require_POST
@role_required(*STAFF)
def invoice_send_view(request: HttpRequest, invoice) -> HttpResponse:
    invoice = invoice_of_staff(request.user, invoice)
    if not invoice.bill_to_email:
        success = _("De factuur is genummerd. Er is geen e-mailadres: stuur de pdf zelf.")
    else:
        success = _("De factuur is genummerd en gaat per e-mail naar %(email)s.") % {
            "email": invoice.bill_to_email
        }
    return _act(request, invoice, lambda: invoice_send(invoice=invoice), success)


@require_POST
@role_required(*STAFF)
def invoice_paid(request: HttpRequest, invoice) -> HttpResponse:
    invoice = invoice_of_staff(request.user, invoice)
    form = PaidForm(request.POST)
    if not form.is_valid():
        return _detail(request, invoice, paid_form=form)
    return _act(
        request,
        invoice,
        lambda: invoice_mark_paid(invoice=invoice, on=form.cleaned_data["on"]),
        _("De factuur staat op betaald."),
    )


@require_POST
@role_required(*STAFF)
def invoice_credit_view(request: HttpRequest, invoice) -> HttpResponse:
    invoice = invoice_of_staff(request.user, invoice)
    return _act(
        request,
        invoice,
        lambda: invoice_credit(invoice=invoice, by=request.user),
        _(
            "De creditfactuur is gemaakt en verstuurd. Wat erop stond, kan opnieuw "
            "gefactureerd worden."
        ),
    )


@require_POST
@role_required(*STAFF)
def invoice_delete_view(request: HttpRequest, invoice) -> HttpResponse:
    invoice = invoice_of_staff(request.user, invoice)
    try:
        invoice_delete(invoice=invoice)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("invoice_detail", invoice.uuid)
    messages.success(request, _("Het concept is verwijderd."))
    return redirect("invoice_list")


@require_POST
@role_required(*STAFF)
def invoice_line_new(request: HttpRequest, invoice) -> HttpResponse:
    invoice = invoice_of_staff(request.user, invoice)
    form = LineForm(request.POST)
    if not form.is_valid():
        return _detail(request, invoice, line_form=form)
    data = form.cleaned_data
    return _act(
        request,
        invoice,
        lambda: invoice_line_add(
            invoice=invoice,
            day=data["day"],
            description=data["description"],
            quantity=data["quantity"],
            tariff=data["tariff"],
            unit_price=data["unit_price"],
            vat=data["vat"],
        ),
        _("De regel is toegevoegd."),
    )


@require_POST
@role_required(*STAFF)
def invoice_line_delete(request: HttpRequest, line) -> HttpResponse:
    line = invoice_line_of_staff(request.user, line)
    return _act(
        request,
        line.invoice,
        lambda: invoice_line_remove(line=line),
        _("De regel is verwijderd; wat erop stond, kan op een latere factuur."),
    )


@require_safe
@role_required(*STAFF)
def invoice_pdf_view(request: HttpRequest, invoice) -> HttpResponse:
    invoice = invoice_of_staff(request.user, invoice)
    return _pdf_response(invoice_pdf(invoice), invoice_filename(invoice))


@require_safe
@role_required(Role.CLIENT)
def portal_invoices(request: HttpRequest) -> HttpResponse:
    invoices = (
        Invoice.objects.for_account(request.user)
        .with_totals()
        .select_related("client", "credit_for")
    )
    return render(request, "billing/portal_invoices.html", {"invoices": invoices})


@require_safe
@role_required(Role.CLIENT)
def portal_invoice_pdf(request: HttpRequest, invoice) -> HttpResponse:
    invoice = invoice_of_account(request.user, invoice)
    return _pdf_response(invoice_pdf(invoice), invoice_filename(invoice))


def _quote_from_form(form: QuoteForm, *, coach, quote_request=None) -> Quote | None:
    """The quote the (valid) form describes, or None with the reason on the form."""
    data = form.cleaned_data
    try:
        return quote_create(
            coach=coach,
            organisation_name=data["organisation"],
            contact_person=data["contact_person"],
            group_size=data["group_size"],
            meetings=data["meetings"],
            wishes=data["wishes"],
            wishes_price=data["wishes_price"] or 0,
            request=quote_request,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return None


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def quote_new(request: HttpRequest) -> HttpResponse:
    form = QuoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        quote = _quote_from_form(form, coach=request.user)
        if quote is not None:
            return redirect("quote_detail", quote.uuid)
    quotes = Quote.objects.for_staff(request.user).select_related("organisation")[:20]
    # The requests from the website that wait for an answer (the oldest first).
    waiting = QuoteRequest.objects.for_staff(request.user).open().order_by("created_at", "pk")
    return render(
        request,
        "billing/quote_new.html",
        {"form": form, "quotes": quotes, "quote_requests": waiting[:20]},
    )


@require_safe
@role_required(*STAFF)
def quote_detail(request: HttpRequest, quote) -> HttpResponse:
    quote = quote_of_staff(request.user, quote)
    return render(
        request,
        "billing/quote_detail.html",
        {"quote": quote, "lines": quote.lines(), "totals": quote.totals()},
    )


@require_safe
@role_required(*STAFF)
def quote_pdf_view(request: HttpRequest, quote) -> HttpResponse:
    quote = quote_of_staff(request.user, quote)
    return _pdf_response(quote_pdf(quote), f"offerte-{quote.number}.pdf")


# --- A request for a quote: asked on the public site, answered by the coach -------------------


@require_http_methods(["GET", "POST"])
def quote_request(request: HttpRequest) -> HttpResponse:
    """An organisation asks for a quote for a Backstage group (no account needed)."""
    coach = backstage_coach()
    if coach is None:  # a practice without a coach yet takes no requests
        return render(request, "billing/quote_request.html", {"closed": True})
    form = QuoteRequestForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        if filled_in_by_a_robot(form):
            return redirect("quote_request_thanks")  # nothing is stored, nobody is told
        # Counted only for a request that would be stored: correcting a typo costs nothing.
        if over_the_limit(request, "quote_request"):
            error = TOO_MANY_REQUESTS
        else:
            data = form.cleaned_data
            quote_request_submit(
                coach=coach,
                organisation_name=data["organisation_name"],
                contact_person=data["contact_person"],
                email=data["email"],
                phone=data["phone"],
                group_size=data["group_size"],
                daypart=data["daypart"],
                composition=data["composition"],
                wishes=data["wishes"],
                language=request.LANGUAGE_CODE,
            )
            return redirect("quote_request_thanks")
    return render(request, "billing/quote_request.html", {"form": form, "error": error})


@require_safe
def quote_request_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "billing/quote_request_thanks.html")


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def quote_request_detail(request: HttpRequest, quote_request) -> HttpResponse:
    """The request, and the quote form filled in from it ("Offerte maken")."""
    quote_request = quote_request_of_staff(request.user, quote_request)
    form = QuoteForm(
        request.POST or None,
        initial={
            "organisation": quote_request.organisation_name,
            "contact_person": quote_request.contact_person,
            "group_size": quote_request.group_size,
            "wishes": quote_request.wishes,
        },
    )
    if request.method == "POST" and form.is_valid():
        # The coach the request is for, also when the practice admin answers it.
        quote = _quote_from_form(form, coach=quote_request.coach, quote_request=quote_request)
        if quote is not None:
            messages.success(
                request,
                _("De offerte is gemaakt. Stuur de pdf naar %(email)s.")
                % {"email": quote_request.email},
            )
            return redirect("quote_detail", quote.uuid)
    return render(
        request,
        "billing/quote_request_detail.html",
        {
            "quote_request": quote_request,
            "quotes": quote_request.quotes.order_by("-created_at", "-pk"),
            "form": form,
            "close_form": QuoteRequestCloseForm(),
        },
    )


@require_POST
@role_required(*STAFF)
def quote_request_close_view(request: HttpRequest, quote_request) -> HttpResponse:
    quote_request = quote_request_of_staff(request.user, quote_request)
    form = QuoteRequestCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
        return redirect("quote_request_detail", quote_request.uuid)
    try:
        quote_request_close(quote_request=quote_request, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("De aanvraag is afgesloten zonder offerte."))
    return redirect("quote_request_detail", quote_request.uuid)


# --- Strippenkaarten: the coach sells one on the client's page --------------------------------


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def package_sell_view(request: HttpRequest, client) -> HttpResponse:
    client = client_of_coach(request.user, client)
    form = PackageSellForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            purchase = package_sell(
                client=client, package=form.cleaned_data["package"], by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "%(name)s is verkocht aan %(client)s, geldig tot en met %(day)s. De kaart "
                    "komt op de eerstvolgende factuur met vandaag in de periode; meteen "
                    "factureren kan met ‘Nu factureren’ bij de kaart."
                )
                % {
                    "name": purchase.name,
                    "client": client,
                    "day": readable(purchase.valid_until, year=True),
                },
            )
            return redirect("client_detail", client=client.uuid)
    return render(request, "billing/package_sell.html", {"client": client, "form": form})


@require_POST
@role_required(Role.COACH)
def package_withdraw_view(request: HttpRequest, purchase) -> HttpResponse:
    purchase = purchase_of_coach(request.user, purchase)
    try:
        package_withdraw(purchase=purchase)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "De verkoop van %(name)s is ingetrokken. Sessies die de kaart gebruikten, worden "
                "tegen het tarief gefactureerd (of gaan van een andere kaart af)."
            )
            % {"name": purchase.name},
        )
    return redirect("client_detail", client=purchase.client.uuid)
