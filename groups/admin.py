from django.contrib import admin

from audit.admin import AuditedAdminMixin
from audit.models import AuditEvent
from coaching.admin_base import TabularInline
from groups.models import BackstageGroup, Contribution, Meeting, Membership


class MembershipInline(TabularInline):
    """The participants: added on the coach's group page (a client of the group's coach, the
    group's size); here only the dates of joining and leaving can be corrected."""

    model = Membership
    extra = 0
    fields = ["client", "joined_on", "left_on"]
    readonly_fields = ["client"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("client")  # each row's name

    def has_add_permission(self, request, obj=None):
        return False


class MeetingInline(TabularInline):
    """The eight meetings: moved on the coach pages, where the 2-4 week rhythm is checked."""

    model = Meeting
    extra = 0
    can_delete = False
    fields = ["number", "appointment"]
    readonly_fields = fields

    def get_queryset(self, request):
        # A row's title is the meeting with its group's name; its appointment is shown too.
        return super().get_queryset(request).select_related("group", "appointment")

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
