"""A prospect (no account) asks for a kennismaking."""

from datetime import date, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from sessions.booking import (
    SlotTaken,
)
from sessions.models import Appointment
from sessions.slots import free_slots

# --- A prospect (no account) -------------------------------------------------------------------


def _bookable_coaches():
    from coaching.models import User

    return (
        User.objects.coaches().filter(working_hours__isnull=False).distinct().order_by("first_name")
    )


@require_http_methods(["GET", "POST"])
def kennismaking(request: HttpRequest) -> HttpResponse:
    from coaching.public_forms import TOO_MANY_REQUESTS, filled_in_by_a_robot, over_the_limit
    from sessions.forms import KennismakingForm
    from sessions.prospects import Prospect, kennismaking_request, kennismaking_type

    coaches = list(_bookable_coaches())
    session_type = kennismaking_type()
    if not coaches or session_type is None:
        return render(request, "sessions/kennismaking.html", {"closed": True})
    chosen = request.POST.get("coach") or request.GET.get("coach")
    coach = next((c for c in coaches if str(c.uuid) == chosen), coaches[0])
    modes = [m for m in session_type.allowed_modes if m in ("phone", "video", "practice")]
    if not modes:  # a kennismaking only by e-mail: no times to pick
        modes = ["email"]
    mode = request.POST.get("mode") or request.GET.get("mode") or modes[0]
    mode = mode if mode in modes else modes[0]
    form = KennismakingForm(request.POST or None)
    error = None
    if request.method == "POST":
        if over_the_limit(request, "kennismaking_request"):
            error = TOO_MANY_REQUESTS
        elif form.is_valid():
            data = form.cleaned_data
            if filled_in_by_a_robot(form):
                return redirect("kennismaking_thanks")  # a robot: nothing is stored
            child = data["for_whom"] == KennismakingForm.FOR_CHILD
            prospect = Prospect(
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                phone=data["phone"],
                date_of_birth=data["date_of_birth"],
                child_first_name=data["child_first_name"] if child else "",
                child_last_name=data["child_last_name"] if child else "",
                relation=data["relation"] if child else "",
                has_parental_authority=data["has_parental_authority"] if child else None,
            )
            by_slot = data["how"] == KennismakingForm.BY_SLOT
            try:
                kennismaking_request(
                    coach=coach,
                    prospect=prospect,
                    start=data["slot"] if by_slot else None,
                    mode=mode,
                    message=data["message"],
                    language=request.LANGUAGE_CODE,
                )
            except SlotTaken as taken:
                error = str(taken)
            else:
                return redirect("kennismaking_thanks")
    slots = (
        []
        if mode == "email"
        else free_slots(
            coach=coach,
            duration=timedelta(minutes=session_type.default_minutes),
            first=timezone.localdate(),
            days=14,
            mode=mode,
        )
    )
    by_day: dict[date, list] = {}
    for slot in slots:
        by_day.setdefault(timezone.localtime(slot).date(), []).append(slot)
    mode_labels = dict(Appointment._meta.get_field("mode").choices)
    return render(
        request,
        "sessions/kennismaking.html",
        {
            "form": form,
            "coaches": coaches,
            "coach": coach,
            "mode": mode,
            "modes": [(m, mode_labels[m]) for m in modes],
            "by_day": by_day.items(),
            "error": error,
            "minutes": session_type.default_minutes,
            "chosen_slot": request.POST.get("slot", ""),
        },
    )


@require_safe
def kennismaking_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "sessions/kennismaking_thanks.html")
