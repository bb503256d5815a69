from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from billing.models import (
    Invoice,
    InvoiceLine,
    Package,
    PackagePrice,
    PackagePurchase,
    PackageUse,
    Quote,
    QuoteRequest,
)
from billing.services.packages import package_price_add
from coaching.admin_base import EditableListAdmin, ReadOnlyAdmin, TabularInline
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


class PackagePriceInline(TabularInline):
    """The card's prices, each from a date, like the tariffs: a price that applies already is
    not changed (a sold card keeps the price of its day); it gets an end date, and a new price
    starts the day after."""

    model = PackagePrice
    fields = ["price", "vat", "valid_from", "valid_until"]
    extra = 1

    def has_delete_permission(self, request, obj=None):
        return True


@admin.register(Package)
class PackageAdmin(EditableListAdmin):
    """The strippenkaarten a coach can sell: how many sessions, how long valid, what counts, and
    their prices from a date. A sold card keeps the terms of its day of sale."""

    list_display = ["name", "sessions", "validity_months", "missed_counts", "price_today", "active"]
    list_filter = ["active", "missed_counts"]
    list_editable = ["active"]
    search_fields = ["name", "name_en"]
    filter_horizontal = ["session_types"]
    fieldsets = [
        (None, {"fields": ["name", "name_en", "active", "order"]}),
        (
            _("Wat de kaart geeft"),
            {
                "fields": ["sessions", "validity_months", "session_types", "missed_counts"],
                "description": _(
                    "Een verkochte kaart houdt de voorwaarden van de dag van verkoop; een "
                    "wijziging hier geldt voor kaarten die daarna worden verkocht."
                ),
            },
        ),
    ]
    inlines = [PackagePriceInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not PackagePrice:
            return super().save_formset(request, form, formset, change)
        prices = formset.save(commit=False)
        for gone in formset.deleted_objects:
            gone.delete()
        # Changed prices first (an end date), then the new ones (which end an open price).
        for price in sorted(prices, key=lambda p: p.pk is None):
            if price.pk is None:
                package_price_add(price=price)
            else:
                price.save()
        formset.save_m2m()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("prices")  # the list's prices

    @admin.display(description=_("prijs vandaag (incl. btw)"))
    def price_today(self, package: Package) -> str:
        from django.utils import timezone

        from coaching.templatetags.money import money

        today = timezone.localdate()
        valid = [
            price
            for price in package.prices.all()
            if price.valid_from <= today
            and (price.valid_until is None or today <= price.valid_until)
        ]
        return money(max(valid, key=lambda p: p.valid_from).price_incl_vat) if valid else "—"

    def has_delete_permission(self, request, obj=None):
        # A card that was sold stays (its sales refer to it); switch it off instead.
        if obj is not None and obj.purchases.exists():
            return False
        return super().has_delete_permission(request, obj)


class PackageUseInline(TabularInline):
    model = PackageUse
    fields = ["appointment", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PackagePurchase)
class PackagePurchaseAdmin(ReadOnlyAdmin):
    """The cards sold, to read: the coach sells one on the client's page, and withdraws a sale
    made by mistake there; a held session uses a strip by itself."""

    list_display = ["name", "client", "starts_on", "valid_until", "sessions", "used", "sold_by"]
    list_filter = ["package", "sold_by"]
    search_fields = ["name", "client__first_name", "client__last_name"]
    list_select_related = ["client", "sold_by"]
    date_hierarchy = "starts_on"
    fields = readonly_fields = [
        "client",
        "package",
        "name",
        "sessions",
        "used",
        "price",
        "vat",
        "starts_on",
        "valid_until",
        "missed_counts",
        "sold_by",
        "created_at",
    ]
    inlines = [PackageUseInline]
