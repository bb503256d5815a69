"""What the public forms (no account: the kennismaking, the quote request for a Backstage group)
share against robots and floods: a honeypot field that people do not see, and a limit per
address on how many requests are taken (allauth's rate limits, counted in the shared cache, so
every web process counts together; the rates are in ACCOUNT_RATE_LIMITS)."""

from allauth.core import ratelimit
from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

# The honeypot's name: a robot that fills in every field of a page fills in a "website" too.
HONEYPOT = "website"

TOO_MANY_REQUESTS = _(
    "Er kwamen te veel aanvragen vanaf deze verbinding. Probeer het over een uur opnieuw, of bel "
    "de praktijk."
)


def honeypot_field() -> forms.CharField:
    """The field people do not see (the template puts it in a hidden, aria-hidden box, out of
    the tab order): filled in, the request came from a robot."""
    return forms.CharField(
        required=False,
        label=_("Laat dit veld leeg"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )


def filled_in_by_a_robot(form: forms.Form) -> bool:
    """Whether the (valid) form's honeypot was filled in: then nothing is stored or sent, and
    the robot is thanked as a person would be, so that it learns nothing."""
    return bool(form.cleaned_data.get(HONEYPOT))


def over_the_limit(request: HttpRequest, action: str) -> bool:
    """Counts this request of the address against the action's rate; True when it is one too
    many (the form is shown again, as it was filled in, with TOO_MANY_REQUESTS)."""
    return not ratelimit.consume(request, action=action)
