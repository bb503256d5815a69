from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from coaching.admin_base import ReadOnlyAdmin
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
    ThirdParty,
    User,
)


class CoachProfileInline(admin.StackedInline):
    model = CoachProfile
    can_delete = False
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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
        super().save_related(request, form, formsets, change)
        if form.instance.role == Role.COACH:
            CoachProfile.objects.get_or_create(user=form.instance)


class GuardianInline(admin.TabularInline):
    model = Guardian
    extra = 0
    raw_id_fields = ["account"]


class ThirdPartyInline(admin.TabularInline):
    model = ThirdParty
    extra = 0


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "coach", "date_of_birth", "organisation"]
    list_filter = ["coach", "organisation"]
    search_fields = ["first_name", "last_name", "email"]
    raw_id_fields = ["account"]
    inlines = [GuardianInline, ThirdPartyInline]
    list_select_related = ["coach", "organisation"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_person", "email", "phone"]
    search_fields = ["name", "contact_person"]


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    """Consent is recorded and withdrawn by the coach or the client, not changed here (nor
    deleted: a recorded contact may rest on it)."""

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
    readonly_fields = [field.name for field in Send._meta.fields]

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
