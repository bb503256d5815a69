from django.contrib import admin

from audit.log import Action, What, record
from audit.models import AuditEvent
from coaching.admin_base import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The whole log, to read and search; nobody changes or deletes a row (the database refuses
    it as well)."""

    list_display = ["at", "actor", "actor_role", "action", "what", "client", "ip", "page"]
    list_filter = ["action", "what", "actor_role", ("at", admin.DateFieldListFilter)]
    search_fields = ["=ip", "=object_id", "actor__email", "detail"]
    list_select_related = ["actor", "client"]
    date_hierarchy = "at"
    fields = [
        "at",
        "actor",
        "actor_role",
        "client",
        "action",
        "what",
        "object_id",
        "page",
        "ip",
        "detail",
    ]
    readonly_fields = fields


class AuditedAdminMixin:
    """A ModelAdmin whose pages show a client's data: opening an object's page, saving it and
    deleting it are written to the audit log, as on the coach's pages."""

    audit_what = What.CLIENT

    def audit_client_of(self, obj):
        return obj

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.method == "GET":
            record(request, Action.VIEW, self.audit_what, client=self.audit_client_of(obj), obj=obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        action = Action.CHANGE if change else Action.CREATE
        record(request, action, self.audit_what, client=self.audit_client_of(obj), obj=obj)

    def delete_model(self, request, obj):
        record(request, Action.ERASE, self.audit_what, client=self.audit_client_of(obj), obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record(
                request, Action.ERASE, self.audit_what, client=self.audit_client_of(obj), obj=obj
            )
        super().delete_queryset(request, queryset)
