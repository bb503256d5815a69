"""Dutch for what Django (6.1) shows in English on a Dutch page.

Django's Dutch catalogue lacks the phrases below (new in Django 6), and says "De {name} …" of
every model, also of a het-word ("De tarief"). The msgids here are Django's, word for word (same
plural form), so that our catalogue (LOCALE_PATHS, which comes first) answers them; listed here
so that `make makemessages` keeps them. Their Dutch is in locale/nl, the English (the msgid
itself) in locale/en. The messages after adding, changing or deleting name the model without an
article ("Gewijzigd: tarief ‘Intake’."), which fits every model.

One thing no catalogue reaches is set in `install()` (from CoachingConfig.ready): the text of
the admin's yes/no icons (Django writes "True", "False" or "None" in their alt text).
"""

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext_lazy

PHRASES = [
    # The empty choice at the top of every select (django.db.models.fields.BLANK_CHOICE_LABEL).
    gettext_noop("- Select an option -"),
    # The admin's lists, filters and pages.
    gettext_noop("Search %(name)s"),
    gettext_noop("Search"),
    gettext_noop("Filter by %(field_name)s"),
    gettext_noop("Pagination %(name)s"),
    gettext_noop("Pagination %(name)s entries"),
    gettext_noop("Logout"),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop(", "),
    ngettext_lazy("…and %(count)d more object.", "…and %(count)d more objects."),
    gettext_noop('The app "%s" could not be found.'),
    gettext_noop("No %s matches the given query."),
    # Deleting.
    gettext_noop(
        "Are you sure you want to delete the %(object_name)s “%(escaped_object)s”? All of the "
        "following related items will be deleted:"
    ),
    gettext_noop(
        "Deleting the %(object_name)s “%(escaped_object)s” would require deleting the following "
        "protected related objects:"
    ),
    gettext_noop(
        "Deleting the %(object_name)s “%(escaped_object)s” would result in deleting related "
        "objects, but your account doesn't have permission to delete the following types of "
        "objects:"
    ),
    # After saving: "De {name}" in Django's Dutch, also for a het-word.
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("You may edit it again below."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
]


def _boolean_icon(field_val):
    """Django's yes/no icon, with Dutch alt text (Django's is the Python value)."""
    from django.templatetags.static import static

    icon = {True: "yes", False: "no", None: "unknown"}[field_val]
    text = {True: _("ja"), False: _("nee"), None: _("onbekend")}[field_val]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), text)


def install() -> None:
    from django.contrib.admin.templatetags import admin_list

    # The admin's helpers and utils import _boolean_icon inside their functions, at every use.
    admin_list._boolean_icon = _boolean_icon


def shown_fields(model, **instead: str) -> list[str]:
    """A read-only admin page's fields: every field of the model but its keys (UUIDs mean
    nothing to a person), with `instead` naming a display method for a field (JSON)."""
    from django.db import models

    return [
        instead.get(field.name, field.name)
        for field in model._meta.fields
        if not isinstance(field, models.UUIDField)
    ]
