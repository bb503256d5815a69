from django.contrib import admin

from audit.admin import AuditedAdminMixin
from audit.models import AuditEvent
from groups.models import BackstageGroup, Contribution, Meeting, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["client"]


class MeetingInline(admin.TabularInline):
    """The eight meetings: moved on the coach pages, where the 2-4 week rhythm is checked."""

    model = Meeting
    extra = 0
    can_delete = False
    fields = ["number", "appointment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BackstageGroup)
class BackstageGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "coach", "composition", "organisation", "interval_weeks"]
    list_filter = ["composition", "coach"]
    search_fields = ["name", "organisation__name"]
    inlines = [MembershipInline, MeetingInline]


@admin.register(Contribution)
class ContributionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """A participant's contribution (their work problem and agreements): opening, changing and
    deleting it here is written to the audit log."""

    audit_what = AuditEvent.What.BACKSTAGE

    def audit_client_of(self, obj):
        return obj.membership.client

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The choices show a meeting with its group, a member by name: one query each.
        if db_field.name == "meeting":
            kwargs["queryset"] = Meeting.objects.select_related("group")
        elif db_field.name == "membership":
            kwargs["queryset"] = Membership.objects.select_related("client")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    list_display = ["meeting", "turn", "membership"]
    list_select_related = ["meeting__group", "membership__client"]
