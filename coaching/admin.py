from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from coaching.models import Client, CoachProfile, Guardian, Heartbeat, Invitation, User


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
        (
            _("Rol en rechten"),
            {"fields": ["role", "is_active", "is_staff", "is_superuser", "groups"]},
        ),
        (_("Datums"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "first_name", "last_name", "role", "password1", "password2"],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]


class GuardianInline(admin.TabularInline):
    model = Guardian
    extra = 0
    raw_id_fields = ["account"]


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "coach", "date_of_birth"]
    list_filter = ["coach"]
    search_fields = ["first_name", "last_name", "email"]
    raw_id_fields = ["account"]
    inlines = [GuardianInline]
    list_select_related = ["coach"]


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
