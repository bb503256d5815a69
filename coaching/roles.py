"""Who may use which part of the site. Every role check goes through this module."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url

from coaching.models import Role


def has_role(user, role: Role) -> bool:
    """True if the (possibly anonymous) user has the role.

    - coach: a coach account with a coach profile;
    - client: a portal account (an adult coachee, or a guardian acting for a child);
    - admin: the practice admin, which is `is_staff` (a coach who owns the practice may be both).
    """
    if not (user.is_authenticated and user.is_active):
        return False
    if role == Role.ADMIN:
        return user.is_staff
    if role == Role.COACH:
        return user.role == Role.COACH and hasattr(user, "coach_profile")
    if role == Role.CLIENT:
        return user.role == Role.CLIENT
    raise ValueError(f"Unknown role {role!r}")


def requires_second_factor(user) -> bool:
    """Coaches and practice admins must use a second factor (DESIGN.md §7), checked on the
    account's role and rights, so also a coach whose profile is missing."""
    return (
        settings.PRAKTIJK_REQUIRE_MFA
        and user.is_authenticated
        and (user.role in (Role.COACH, Role.ADMIN) or user.is_staff or user.is_superuser)
    )


def roles_of(user) -> frozenset[Role]:
    return frozenset(role for role in Role if has_role(user, role))


def home_url_for(user) -> str:
    """Where a user lands after logging in: their own part of the site."""
    if has_role(user, Role.COACH):
        return resolve_url("coach_dashboard")
    if has_role(user, Role.CLIENT):
        return resolve_url("portal_home")
    if has_role(user, Role.ADMIN):
        return resolve_url("admin_status")
    return resolve_url("home")


def role_required(*roles: Role) -> Callable:
    """View decorator: anonymous users go to the login page, other roles get a 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(has_role(request.user, role) for role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
