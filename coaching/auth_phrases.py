"""Django's own phrases that a client reads (choosing a password after an invitation, changing
or resetting it), in the informal "je" of the rest of the site. Django's Dutch catalogue says
"uw"; these msgids are Django's, word for word, so that our catalogue (LOCALE_PATHS, which
comes first) answers them. Listed here so that `make makemessages` keeps them."""

from django.utils.translation import gettext_noop, ngettext_lazy

PHRASES = [
    gettext_noop("Your old password was entered incorrectly. Please enter it again."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        "min_length",
    ),
]
