from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from billing.models import Invoice, InvoiceLine, Quote, QuoteRequest
from coaching.admin_base import ReadOnlyAdmin, TabularInline
from coaching.admin_phrases import shown_fields


class InvoiceLineInline(TabularInline):
    model = InvoiceLine
    fields = ["day", "description", "quantity", "unit_price", "vat", "amount", "vat_amount"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    """Every coach's invoices, to read: they are made, sent and credited on the invoice pages
    (Facturen), and a sent one is never changed."""

    list_display = [
        "__str__",
        "bill_to_name",
        "coach",
        "period_start",
        "period_end",
        "issued_on",
        "status",
        "credit_for",
    ]
    list_filter = ["status", "recipient_kind", "coach", "year"]
    search_fields = ["bill_to_name", "bill_to_email"]
    date_hierarchy = "issued_on"
    list_select_related = ["coach", "credit_for"]
    inlines = [InvoiceLineInline]
    fields = readonly_fields = shown_fields(Invoice, supplier="supplier_text")

    @admin.display(description=_("afzender"))
    def supplier_text(self, invoice):
        return invoice.supplier_text or "—"


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "organisation", "group_size", "meetings", "issued_on", "coach"]
    list_filter = ["coach"]
    search_fields = ["organisation__name", "contact_person"]
    list_select_related = ["organisation", "coach"]
    fields = readonly_fields = shown_fields(Quote)


@admin.register(QuoteRequest)
class QuoteRequestAdmin(ReadOnlyAdmin):
    """The requests for a quote from the website, to read: the coach answers them on the quote
    pages. One may be deleted (nonsense, or when the person who sent it asks); a quote made for
    it stays."""

    list_display = [
        "__str__",
        "contact_person",
        "group_size",
        "composition",
        "daypart",
        "created_at",
        "coach",
        "answered",
    ]
    list_filter = ["coach", "composition", "daypart"]
    search_fields = ["organisation_name", "contact_person", "email"]
    list_select_related = ["coach"]
    date_hierarchy = "created_at"
    fields = readonly_fields = [*shown_fields(QuoteRequest), "answered"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_state()

    @admin.display(description=_("beantwoord met een offerte"), boolean=True, ordering="answered")
    def answered(self, quote_request: QuoteRequest) -> bool:
        return quote_request.answered

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)
