"""The coach's own page, "Mijn profiel": their details as clients see them, and their video room."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from coaching.forms import CoachProfileForm
from coaching.models import Role
from coaching.roles import role_required


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def coach_profile(request: HttpRequest) -> HttpResponse:
    profile = request.user.coach_profile
    form = CoachProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            form.save()
            messages.success(request, _("Je profiel is opgeslagen."))
        return redirect("coach_profile")
    return render(
        request,
        "coaching/profile.html",
        {"form": form, "room_base": settings.PRAKTIJK_VIDEO_ROOM_BASE},
    )
