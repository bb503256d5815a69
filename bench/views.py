"""The floor of the benchmark: a page with the same middleware, login and base
template as every coach page, and one primary-key query of its own. A page's time is reported
as a ratio to this one. Beside it the bare view: Django with nothing of ours, what the floor is
measured against (bench/measure.py calls it through a handler without middleware)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from coaching.models import Role, User
from coaching.roles import role_required


@require_safe
@role_required(Role.COACH)
def floor(request: HttpRequest) -> HttpResponse:
    someone = User.objects.get(pk=request.user.pk)
    return render(request, "bench/floor.html", {"someone": someone})


def bare(request: HttpRequest) -> HttpResponse:
    """No middleware, no session, no user, no template, no query: Django's own cost."""
    return HttpResponse("vloer", content_type="text/plain")
