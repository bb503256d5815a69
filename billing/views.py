"""Invoices and quotes in the browser: the coach (or the practice admin, for every coach)
invoices delivered work and makes quotes; a coachee or parent downloads their own invoices."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from billing.forms import InvoiceFilterForm, InvoiceNewForm, LineForm, PaidForm, QuoteForm
from billing.models import Invoice, InvoiceLine, Quote
from billing.pdf import invoice_filename, invoice_pdf, quote_pdf
from billing.services import (
    invoice_create,
    invoice_credit,
    invoice_delete,
    invoice_line_add,
    invoice_line_remove,
    invoice_mark_paid,
    invoice_send,
    quote_create,
)
from coaching.models import Role, Send
from coaching.roles import role_required

STAFF = (Role.COACH, Role.ADMIN)


def invoice_of_staff(user, uuid) -> Invoice:
    """A coach's own invoice (the admin's: any); another's is a 404."""
    return get_object_or_404(
        Invoice.objects.for_staff(user).select_related("credit_for", "client", "coach"), uuid=uuid
    )


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@role_required(*STAFF)
def invoice_list(request: HttpRequest) -> HttpResponse:
    form = InvoiceFilterForm(request.GET or None)
    invoices = Invoice.objects.for_staff(request.user).with_totals().select_related("coach")
    if form.is_valid():
        if query := form.cleaned_data["q"].strip():
            invoices = invoices.search(query)
        if status := form.cleaned_data["status"]:
            invoices = invoices.filter(status=status)
    page = Paginator(invoices, 25).get_page(request.GET.get("page"))
    return render(request, "billing/invoice_list.html", {"form": form, "page": page})


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def invoice_new(request: HttpRequest) -> HttpResponse:
    form = InvoiceNewForm(request.POST or None, user=request.user)
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
    line = get_object_or_404(
        InvoiceLine.objects.filter(
            invoice__in=Invoice.objects.for_staff(request.user)
        ).select_related("invoice"),
        uuid=line,
    )
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
    invoice = get_object_or_404(
        Invoice.objects.for_account(request.user).select_related("credit_for", "client"),
        uuid=invoice,
    )
    return _pdf_response(invoice_pdf(invoice), invoice_filename(invoice))


def quote_of_staff(user, uuid) -> Quote:
    return get_object_or_404(
        Quote.objects.for_staff(user).select_related("organisation", "tariff"), uuid=uuid
    )


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def quote_new(request: HttpRequest) -> HttpResponse:
    form = QuoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            quote = quote_create(
                coach=request.user,
                organisation_name=data["organisation"],
                contact_person=data["contact_person"],
                group_size=data["group_size"],
                meetings=data["meetings"],
                wishes=data["wishes"],
                wishes_price=data["wishes_price"] or 0,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("quote_detail", quote.uuid)
    quotes = Quote.objects.for_staff(request.user).select_related("organisation")[:20]
    return render(request, "billing/quote_new.html", {"form": form, "quotes": quotes})


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
