from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from coaching.admin_phrases import shown_fields
from sessions.forms import ModesField
from sessions.models import (
    Appointment,
    AvailabilityException,
    BookingRules,
    Mode,
    SessionType,
    WorkingHours,
)


class SessionTypeForm(forms.ModelForm):
    allowed_modes = forms.MultipleChoiceField(
        label=_("Vormen"), choices=Mode.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = SessionType
        fields = [
            "kind",
            "name",
            "name_en",
            "default_minutes",
            "allowed_modes",
            "bookable_online",
            "active",
        ]


@admin.register(SessionType)
class SessionTypeAdmin(admin.ModelAdmin):
    """The admin configures what can be planned and booked online."""

    form = SessionTypeForm
    list_display = ["name", "kind", "default_minutes", "bookable_online", "active"]
    list_filter = ["kind", "bookable_online", "active"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """An overview; appointments are planned on the coach pages, where overlaps are refused."""

    list_display = ["start", "coach", "kind", "mode", "status", "cancelled_by"]
    list_filter = ["status", "cancelled_by", "kind", "coach"]
    date_hierarchy = "start"
    list_select_related = ["coach"]
    fields = readonly_fields = shown_fields(Appointment)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ModesAsCheckBoxes:
    """The modes as check boxes, as on the coach's availability page; not the JSON list in a
    text area, with a hidden initial value that Django renders with an aria-describedby (invalid
    on a hidden input)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "modes":
            return ModesField()
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(WorkingHours)
class WorkingHoursAdmin(ModesAsCheckBoxes, admin.ModelAdmin):
    list_display = ["coach", "weekday", "start_time", "end_time"]
    list_filter = ["coach", "weekday"]


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(ModesAsCheckBoxes, admin.ModelAdmin):
    list_display = ["coach", "date", "kind", "start_time", "end_time", "note"]
    list_filter = ["coach", "kind"]
    date_hierarchy = "date"


@admin.register(BookingRules)
class BookingRulesAdmin(admin.ModelAdmin):
    list_display = [
        "coach",
        "min_notice_hours",
        "max_days_ahead",
        "buffer_minutes",
        "slot_step_minutes",
        "cancel_window_hours",
    ]
