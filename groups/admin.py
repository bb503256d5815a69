from django.contrib import admin
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from coaching.admin_base import AuditedAdminMixin, TabularInline
from groups.models import BackstageGroup, Contribution, Meeting, Membership
from groups.services.groups import group_delete, group_place_change, why_not_deletable


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
    """A group is made on the coach's pages (its eight meetings, the method's checks) and
    stopped there (with a reason); here it can be corrected. A changed daypart must fit the
    meetings to come (BackstageGroup.clean); a changed place moves along with them; deleting
    goes through groups.services.groups.group_delete, and only while nothing happened yet."""

    list_display = ["name", "coach", "composition", "organisation", "interval_weeks", "stopped_on"]
    list_filter = ["composition", "coach"]
    search_fields = ["name", "organisation__name"]
    # The coach is not changed here: the meetings are in that coach's calendar and the
    # participants are that coach's clients (another coach would see them, and the calendar
    # would stay behind).
    readonly_fields = ["coach", "stopped_on", "stop_reason", "stopped_by"]
    inlines = [MembershipInline, MeetingInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or (not obj.stopped_on and not why_not_deletable(obj))

    def save_model(self, request, obj, form, change):
        if not change or not {"location", "video_link"} & set(form.changed_data):
            super().save_model(request, obj, form, change)
            return
        # A new place goes through the service: the meetings to come follow, the participants
        # are told.
        place = {"location": obj.location, "video_link": obj.video_link}
        obj.location, obj.video_link = form.initial["location"], form.initial["video_link"]
        super().save_model(request, obj, form, change)
        group_place_change(group=obj, **place)
        obj.refresh_from_db()

    def get_deleted_objects(self, objs, request):
        """What deleting takes with it, counted (groups.services.groups.group_delete deletes the
        meetings and their appointments itself; Meeting.group is PROTECT, so that nothing else
        can): the groups by name, their participants and meetings by number."""
        groups = list(objs)
        counts = {
            BackstageGroup._meta.verbose_name_plural: len(groups),
            Membership._meta.verbose_name_plural: Membership.objects.filter(
                group__in=groups
            ).count(),
            Meeting._meta.verbose_name_plural: Meeting.objects.filter(group__in=groups).count(),
        }
        deleted = [f"{BackstageGroup._meta.verbose_name}: {group}" for group in groups]
        return deleted, counts, set(), []

    def delete_model(self, request, obj):
        group_delete(group=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for group in queryset:
            if why_not_deletable(group) or group.stopped_on:
                raise PermissionDenied
        for group in queryset:
            group_delete(group=group, by=request.user)


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
