from django.contrib import admin

from coaching.admin_base import EditableListAdmin
from privacy.models import RetentionPeriod


@admin.register(RetentionPeriod)
class RetentionPeriodAdmin(EditableListAdmin):
    """One period per kind of dossier: changed here, never added or deleted (the purge needs
    one for each kind)."""

    list_display = ["kind", "years"]
    list_editable = ["years"]
    fields = ["kind", "years"]
    readonly_fields = ["kind"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
