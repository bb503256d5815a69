"""Test support for the N+1 detector (django-zeal, switched on in coaching/settings.py under
pytest): where it cannot tell one line of code from another.

zeal names each query after the first line of the project's own code on the stack. In Django's
admin every frame below our middleware is Django's, so every query of an admin page is "called
from" coaching/middleware.py, and three unrelated single gets of an account (the logged-in user,
the form's account choice on a POST, the raw-id widget's label) look like one line loading three
accounts. Only that is let through, and only in the admin; relations loaded per row are still
caught there, and anywhere else a third `User.objects.get()` from one line is an N+1
(coaching/tests/test_n_plus_one.py)."""

from zeal import zeal_ignore

ADMIN_SINGLE_GETS = [{"model": "coaching.User", "field": "get()"}]
ADMIN = "/beheer/"


def admin_single_gets(get_response):
    def middleware(request):
        if request.path.startswith(ADMIN):
            with zeal_ignore(ADMIN_SINGLE_GETS):
                return get_response(request)
        return get_response(request)

    return middleware
