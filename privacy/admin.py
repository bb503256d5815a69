from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from coaching.admin_base import EditableListAdmin
from coaching.models import Client
from privacy.erasure import client_erase, why_not_erasable
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


@admin.action(description=_("Geselecteerde cliënten wissen (AVG)"))
def erase_selected(modeladmin, request, queryset):
    """Erasure as on the coach's page (privacy.erasure), after a confirmation."""
    if request.POST.get("confirm") != "yes":
        return TemplateResponse(
            request,
            "admin/coaching/client/erase_confirmation.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": _("Cliënten wissen"),
                "clients": [(client, why_not_erasable(client)) for client in queryset],
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": modeladmin.model._meta,
            },
        )
    for client in queryset:
        name = str(client)
        try:
            client_erase(client=client, by=request.user, request=request)
        except ValidationError as error:
            modeladmin.message_user(request, f"{name}: {' '.join(error.messages)}", messages.ERROR)
        else:
            modeladmin.message_user(request, _("%(name)s is gewist.") % {"name": name})
    return None


# The core's client admin gets erasure from here: the privacy app reads every app, the core
# none above it. (The admin loads the apps' admin modules in INSTALLED_APPS order: coaching's
# registration exists by now.)
_clients = admin.site.get_model_admin(Client)
_clients.actions = [*_clients.actions, erase_selected]
