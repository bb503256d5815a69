from django.conf import settings
from django.http import HttpRequest

from coaching.models import Role
from coaching.roles import roles_of


def praktijk(request: HttpRequest) -> dict:
    roles = roles_of(request.user) if hasattr(request, "user") else frozenset()
    return {
        "practice_name": settings.PRAKTIJK_NAME,
        "practice": settings.PRAKTIJK_DETAILS,
        "is_coach": Role.COACH in roles,
        "is_client": Role.CLIENT in roles,
        "is_practice_admin": Role.ADMIN in roles,
    }
