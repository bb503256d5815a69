from django.contrib import admin

from trajects.models import Traject


@admin.register(Traject)
class TrajectAdmin(admin.ModelAdmin):
    """For overview only: the dossier itself is the coach's and opens on the coach pages, where
    every opening is recorded."""

    list_display = ["client", "title", "kind", "status", "registered_on", "closed_on"]
    list_filter = ["status", "kind", "client__coach"]
    search_fields = ["client__first_name", "client__last_name", "title"]
    list_select_related = ["client"]
    fields = ["client", "kind", "title", "status", "registered_on", "closed_on"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # The dossier and its access log are kept; erasure is its own workflow (later).
        return False
