from datetime import timedelta
from urllib.parse import urlencode

from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    ReadOnlyPasswordHashWidget,
    SetUnusablePasswordMixin,
    UserChangeForm,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from coaching import admin_mfa  # noqa: F401 (the second factors' admin, in Dutch)
from coaching.admin_base import (
    AuditedAdminMixin,
    EditableListAdmin,
    ReadOnlyAdmin,
    TabularInline,
)
from coaching.admin_phrases import shown_fields
from coaching.dates import readable
from coaching.models import (
    Client,
    CoachProfile,
    Consent,
    Guardian,
    Heartbeat,
    Invitation,
    Organisation,
    Role,
    Send,
    Tariff,
    ThirdParty,
    User,
    tariff_add,
    tariff_remove,
)
from coaching.video import room_changed


class CoachProfileInline(admin.StackedInline):
    model = CoachProfile
    can_delete = False
    extra = 0


class PasswordHashWidget(ReadOnlyPasswordHashWidget):
    """Django's summary of the password hash, without the disabled field's "disabled": Django
    puts it on a <div>, where it is invalid HTML."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].pop("disabled", None)
        return context


class AccountChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].widget = PasswordHashWidget()


class PasswordChangeForm(AdminPasswordChangeForm):
    """Django's, with its warning inside the help text's paragraph as text (Django's <ul> there
    is invalid HTML) and in Dutch. Django's CSS hides it (.messagelist) while password login
    stays on."""

    usable_password_help_text = format_lazy(
        '{}<strong id="id_unusable_warning" class="messagelist"><br>{}</strong>',
        SetUnusablePasswordMixin.usable_password_help_text,
        _("Uitgeschakeld: het huidige wachtwoord van deze gebruiker gaat verloren."),
    )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = AccountChangeForm
    change_password_form = PasswordChangeForm
    ordering = ["last_name", "first_name"]
    list_display = ["email", "first_name", "last_name", "role", "is_staff", "is_active"]
    list_filter = ["role", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    inlines = [CoachProfileInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Persoon"), {"fields": ["first_name", "last_name", "language"]}),
        (_("Rol en rechten"), {"fields": ["role", "is_active", "is_staff"]}),
        (_("Datums"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "first_name",
                    "last_name",
                    "role",
                    "is_staff",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def get_readonly_fields(self, request, obj=None):
        # The address is the login: its owner changes it (allauth verifies the new one). Changed
        # here, the old address would keep working for logins and password resets.
        if obj is not None:
            return [*self.readonly_fields, "email"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"primary": True, "verified": False}
            )

    def save_related(self, request, form, formsets, change):
        rooms = CoachProfile.objects.filter(user=form.instance).values_list(
            "video_room_url", flat=True
        )
        old_room = rooms.first() or ""
        super().save_related(request, form, formsets, change)
        if form.instance.role == Role.COACH:
            CoachProfile.objects.get_or_create(user=form.instance)
            # As on "Mijn profiel": the appointments to come in the old room follow.
            room_changed(form.instance, old_room, rooms.first() or "")


class GuardianInline(TabularInline):
    model = Guardian
    extra = 0
    raw_id_fields = ["account"]


class ThirdPartyInline(TabularInline):
    model = ThirdParty
    extra = 0


@admin.register(Client)
class ClientAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "last_name",
        "first_name",
        "coach",
        "date_of_birth",
        "organisation",
        "erased_on",
    ]
    list_filter = ["coach", "organisation", ("erased_on", admin.EmptyFieldListFilter)]
    search_fields = ["first_name", "last_name", "email"]
    raw_id_fields = ["account"]
    inlines = [GuardianInline, ThirdPartyInline]
    list_select_related = ["coach", "organisation"]

    # A client is erased (the privacy app adds that action here), never deleted: deleting would
    # leave the portal accounts, the files and the outbox's rows behind. An erased client's row
    # (kept for the invoices) is not changed any more.
    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.erased_on is not None:
            return False
        return super().has_change_permission(request, obj)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_person", "email", "phone", "city"]
    search_fields = ["name", "contact_person", "city"]


@admin.register(Consent)
class ConsentAdmin(AuditedAdminMixin, ReadOnlyAdmin):
    """Consent is recorded and withdrawn by the coach or the client, not changed here (nor
    deleted: a recorded contact may rest on it)."""

    audit_what = "consent"

    def audit_client_of(self, obj):
        return obj.client

    list_display = ["client", "third_party", "given_on", "valid_until", "withdrawn_on"]
    list_select_related = ["client", "third_party"]
    search_fields = ["client__first_name", "client__last_name", "third_party__name"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["user", "invited_by", "created_at", "sent_at", "accepted_at"]
    list_select_related = ["user", "invited_by"]
    search_fields = ["user__email", "user__last_name"]
    readonly_fields = ["user", "invited_by", "created_at", "sent_at", "accepted_at"]


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["source", "last_seen_at", "hostname", "count"]
    readonly_fields = ["source", "last_seen_at", "hostname", "count"]


@admin.register(Send)
class SendAdmin(ReadOnlyAdmin):
    """Every reminder and prompt: what went out when, and what failed with its reason. The rows
    are written by the workers only; a failed one can be sent again."""

    list_display = ["kind", "subject", "due_at", "status", "sent_at", "attempts", "error"]
    list_filter = ["status", "kind"]
    search_fields = ["subject"]
    date_hierarchy = "due_at"
    actions = ["send_again"]
    fields = readonly_fields = shown_fields(Send)

    @admin.action(description=_("Mislukte verzendingen opnieuw versturen"))
    def send_again(self, request, queryset):
        from coaching.outbox import retry

        failed = list(queryset.filter(status=Send.Status.FAILED))
        for send in failed:
            retry(send)
        self.message_user(
            request,
            _("%(count)s verzending(en) gaan opnieuw de deur uit.") % {"count": len(failed)},
        )


class TariffValidityFilter(admin.SimpleListFilter):
    title = _("geldigheid")
    parameter_name = "geldig"

    def lookups(self, request, model_admin):
        return [("nu", _("geldt vandaag")), ("later", _("gaat later in")), ("oud", _("verlopen"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "nu":
            return queryset.valid_on(today)
        if self.value() == "later":
            return queryset.filter(valid_from__gt=today)
        if self.value() == "oud":
            return queryset.filter(valid_until__lt=today)
        return queryset


@admin.register(Tariff)
class TariffAdmin(EditableListAdmin):
    """The practice's prices. A price that applies already is not changed in place (what was
    delivered at that price keeps it): the admin adds a new price from a date, and the earlier
    one runs until the day before."""

    list_display = [
        "name",
        "component",
        "unit",
        "duration_minutes",
        "participants",
        "price",
        "price_incl_vat_display",
        "vat",
        "valid_from",
        "valid_until",
        "public",
    ]
    list_filter = [TariffValidityFilter, "component", "vat", "public"]
    search_fields = ["name", "name_en", "description"]
    date_hierarchy = "valid_from"
    list_editable = ["public"]
    fieldsets = [
        (
            None,
            {"fields": ["component", "unit", "name", "name_en", "description", "description_en"]},
        ),
        (
            _("Waarvoor"),
            {
                "fields": ["duration_minutes", "min_participants", "max_participants", "meetings"],
                "description": _(
                    "Een sessietarief kan per duur verschillen; een Backstage-tarief per "
                    "groepsgrootte. Laat leeg wat niet van toepassing is."
                ),
            },
        ),
        (_("Prijs"), {"fields": ["price", "vat", "valid_from", "valid_until"]}),
        (_("Tarievenpagina"), {"fields": ["public", "order", "new_price"]}),
    ]
    PRICE_FIELDS = [
        "component",
        "unit",
        "duration_minutes",
        "min_participants",
        "max_participants",
        "meetings",
        "price",
        "vat",
        "valid_from",
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.valid_from <= timezone.localdate():
            return [*self.PRICE_FIELDS, "new_price"]
        return ["new_price"]

    @admin.display(description=_("deelnemers"))
    def participants(self, tariff):
        if tariff.min_participants is None and tariff.max_participants is None:
            return "–"
        return f"{tariff.min_participants or 1}–{tariff.max_participants or '…'}"

    @admin.display(description=_("prijs inclusief btw"))
    def price_incl_vat_display(self, tariff):
        return tariff.price_incl_vat

    @admin.display(description=_("nieuwe prijs"))
    def new_price(self, tariff):
        if tariff is None or tariff.pk is None:
            return "–"
        fields = [
            "component",
            "unit",
            "name",
            "name_en",
            "description",
            "description_en",
            "duration_minutes",
            "min_participants",
            "max_participants",
            "meetings",
            "vat",
            "order",
        ]
        query = {field: getattr(tariff, field) for field in fields}
        query = {key: value for key, value in query.items() if value not in (None, "")}
        query["price"] = tariff.price
        query["valid_from"] = max(timezone.localdate(), tariff.valid_from) + timedelta(days=1)
        url = reverse("admin:coaching_tariff_add") + "?" + urlencode(query)
        return format_html(
            '<a class="button" href="{}">{}</a><p class="help">{}</p>',
            url,
            _("Nieuwe prijs vanaf een datum"),
            _(
                "Deze prijs geldt al, dus blijft hij zoals hij is: wat tegen deze prijs is "
                "geleverd, houdt hem. Een nieuwe prijs gaat in op een datum; dit tarief loopt "
                "dan tot de dag ervoor."
            ),
        )

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        earlier = tariff_add(tariff=obj)
        if earlier is not None:
            self.message_user(
                request,
                _("%(tariff)s geldt nu tot en met %(day)s.")
                % {"tariff": earlier.name, "day": readable(earlier.valid_until, long=True)},
            )

    def delete_model(self, request, obj):
        earlier = tariff_remove(tariff=obj)
        if earlier is not None:
            self.message_user(
                request,
                _("%(tariff)s geldt weer zonder einddatum.") % {"tariff": earlier.name},
            )

    def delete_queryset(self, request, queryset):
        # "Delete selected" reaches here only without a tariff that applied (Django asks
        # has_delete_permission per object first).
        for tariff in queryset.order_by("-valid_from"):
            self.delete_model(request, tariff)

    def has_delete_permission(self, request, obj=None):
        # A tariff that applies or applied may price what was delivered: it is given an end
        # date instead. One that has not started yet can go.
        if obj is not None and obj.valid_from <= timezone.localdate():
            return False
        return super().has_delete_permission(request, obj)
