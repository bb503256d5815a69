"""Site-wide request handling: the site's language, the second factor for coaches and admins, and
the Permissions-Policy header."""

from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from coaching.roles import requires_second_factor

# Pages a coach or admin without a second factor may still open: setting one up, signing out,
# the language switch, and what allauth needs to re-authenticate or verify an address on the way.
MFA_SETUP_URL_NAMES = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_view_recovery_codes",
        "mfa_download_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_add_webauthn",
        "mfa_reauthenticate",
        "account_reauthenticate",
        "account_logout",
        "account_email_verification_sent",
        "account_confirm_email",
        "set_language",
        "healthz",
        "favicon",
    }
)


class EnforceMFAMiddleware:
    """Sends a coach or admin without TOTP or a passkey to the MFA setup before any other page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and requires_second_factor(user)
            and not request.path_info.startswith(settings.STATIC_URL)
            and self._url_name(request) not in MFA_SETUP_URL_NAMES
            and not self._has_second_factor(user)
        ):
            messages.warning(
                request,
                _(
                    "Stel eerst tweestapsverificatie in. Coaches en beheerders werken met "
                    "gevoelige gegevens en hebben daarom naast hun wachtwoord een tweede "
                    "stap nodig."
                ),
                fail_silently=True,
            )
            target = reverse("mfa_activate_totp")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return HttpResponseRedirect(target)
        return self.get_response(request)

    @staticmethod
    def _has_second_factor(user) -> bool:
        # The sign-in backends load the flag with the user (coaching/auth_backends.py); a user
        # set on the request another way is asked.
        known = getattr(user, "has_second_factor", None)
        if known is not None:
            return known
        return is_mfa_enabled(user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN])

    @staticmethod
    def _url_name(request: HttpRequest) -> str | None:
        try:
            return resolve(request.path_info).url_name
        except Resolver404:
            return None


class DutchFirstLocaleMiddleware(LocaleMiddleware):
    """Dutch unless the visitor chose otherwise: the language cookie, then the account's language.

    Django's LocaleMiddleware would follow the browser's Accept-Language header; this practice
    works in Dutch, so an English browser still gets Dutch until the visitor switches.
    """

    def process_request(self, request: HttpRequest) -> None:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            user = getattr(request, "user", None)
            language = settings.LANGUAGE_CODE
            if user is not None and user.is_authenticated:
                language = user.language
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class PermissionsPolicyMiddleware:
    """No page of ours uses the camera, the microphone, the location, payments or USB devices
    (video sessions run in the coach's own video tool, by link): the browser refuses them to
    every page and every frame, also to a script that got in. Passkeys (WebAuthn) stay allowed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
