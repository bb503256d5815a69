"""The coach's own page, "Mijn profiel": their details as clients see them, and their video room."""

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from coaching.forms import CoachProfileForm
from coaching.models import Role
from coaching.roles import role_required
from coaching.video import room_changed


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def coach_profile(request: HttpRequest) -> HttpResponse:
    profile = request.user.coach_profile
    old_room = profile.video_room_url
    form = CoachProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            with transaction.atomic():
                form.save()
                # The appointments to come in the old room follow to the new one.
                followed = room_changed(request.user, old_room, profile.video_room_url)
            messages.success(request, _("Je profiel is opgeslagen."))
            if followed:
                messages.info(
                    request,
                    ngettext(
                        "%(count)d geplande video-afspraak gaat nu naar je nieuwe videoruimte; "
                        "de cliënt krijgt de nieuwe link per e-mail.",
                        "%(count)d geplande video-afspraken gaan nu naar je nieuwe videoruimte; "
                        "de cliënten krijgen de nieuwe link per e-mail.",
                        followed,
                    )
                    % {"count": followed},
                )
        return redirect("coach_profile")
    return render(
        request,
        "coaching/profile.html",
        {"form": form, "room_base": settings.PRAKTIJK_VIDEO_ROOM_BASE},
    )
