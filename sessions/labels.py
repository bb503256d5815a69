"""An appointment's kind and mode in the active language, as get_kind_display and
get_mode_display give them, at one translation each: those translate every choice of the field
to find one, which a chunk of reminders paid six times a message."""

from sessions.models import Appointment

# The field's own choices (what get_*_display reads), translated when used.
KINDS = dict(Appointment._meta.get_field("kind").flatchoices)
MODES = dict(Appointment._meta.get_field("mode").flatchoices)


def kind_label(appointment: Appointment) -> str:
    return str(KINDS.get(appointment.kind, appointment.kind))


def mode_label(appointment: Appointment) -> str:
    return str(MODES.get(appointment.mode, appointment.mode))
