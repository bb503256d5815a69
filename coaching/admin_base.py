"""What several apps' admins share: records the admin may read but never add, change or
delete (they are written by the application's own workflows, and kept), pages of a client's
data that are written to the audit log, and inputs that are named for screen readers where the
admin shows them without a <label>."""

from collections.abc import Callable

from django.contrib import admin
from django.contrib.admin.utils import display_for_field, lookup_field
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.forms import BaseFormSet
from django.forms.utils import pretty_name
from django.utils.text import capfirst


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def labelled(formset: type[BaseFormSet], row_name: Callable = str) -> type[BaseFormSet]:
    """The formset, with each visible input of its forms named after its field.

    A tabular inline, and the editable columns of a change list, put their inputs in table cells
    under a column header, without a <label>: a screen reader hears "checkbox" and nothing more
    (axe: label, select-name; WCAG 1.3.1, 4.1.2). Each input gets its field's label as its name,
    and the row's name where the row holds an object ("Op tarievenpagina: Intakegesprek")."""

    class Labelled(formset):
        def add_fields(self, form, index):
            super().add_fields(form, index)  # the delete box is added here: after the form
            instance = getattr(form, "instance", None)
            row = row_name(instance) if instance is not None and instance.pk is not None else ""
            for field_name, field in form.fields.items():
                if field.widget.is_hidden:
                    continue
                name = capfirst(field.label or pretty_name(field_name))
                # The admin's wrapper (the add and change links of a choice) renders its inner
                # widget; a new dict, as the wrapper's copy shares its attrs with the original.
                widget = field.widget
                if isinstance(widget, RelatedFieldWidgetWrapper):
                    widget = widget.widget
                widget.attrs = {**widget.attrs, "aria-label": f"{name}: {row}" if row else name}

    Labelled.__name__ = Labelled.__qualname__ = formset.__name__
    return Labelled


class TabularInline(admin.TabularInline):
    """A tabular inline whose inputs are named (see `labelled`): use it instead of Django's."""

    def get_formset(self, request, obj=None, **kwargs):
        return labelled(super().get_formset(request, obj, **kwargs))


class EditableListAdmin(admin.ModelAdmin):
    """For a change list with `list_editable`: its inputs are named (see `labelled`)."""

    def get_changelist_formset(self, request, **kwargs):
        return labelled(super().get_changelist_formset(request, **kwargs), self.row_name)

    def row_name(self, obj) -> str:
        """The row's name as its first column shows it (a tariff's name, a retention's kind)."""
        field, _attr, value = lookup_field(self.list_display[0], obj, self)
        return str(display_for_field(value, field, "") if field is not None else value)


# Writes an admin page's opening, saving or deleting to the audit log: set by the audit app in
# its AppConfig.ready() (the core does not import the log, which sits above it). Called as
# recorder(request, action, what, client=…, obj=…) with the log's action and subject codes.
ADMIN_RECORDER: Callable | None = None


class AuditedAdminMixin:
    """A ModelAdmin whose pages show a client's data: opening an object's page, saving it and
    deleting it are written to the audit log, as on the coach's pages."""

    audit_what = "client"  # the log's code of what the page shows (audit.models.AuditEvent.What)

    def audit_client_of(self, obj):
        return obj

    def _record(self, request, action: str, obj) -> None:
        if ADMIN_RECORDER is None:
            raise RuntimeError("The audit app is not installed: the admin cannot log openings.")
        ADMIN_RECORDER(request, action, self.audit_what, client=self.audit_client_of(obj), obj=obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.method == "GET":
            self._record(request, "view", obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._record(request, "change" if change else "create", obj)

    def delete_model(self, request, obj):
        self._record(request, "erase", obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._record(request, "erase", obj)
        super().delete_queryset(request, queryset)
