"""A prospect (no account) asks for a kennismaking."""

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from coaching.public_forms import TOO_MANY_REQUESTS, filled_in_by_a_robot, over_the_limit
from sessions.access import coach_chosen, coaches_for_kennismaking
from sessions.forms import KennismakingForm
from sessions.models import Appointment, SessionType
from sessions.services.booking import SlotTaken
from sessions.services.prospects import Prospect, kennismaking_request, kennismaking_type
from sessions.slots import free_slots, slots_by_day

# --- A prospect (no account) -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def kennismaking(request: HttpRequest) -> HttpResponse:
    coaches = list(coaches_for_kennismaking())
    session_type = kennismaking_type()
    if not coaches or session_type is None:
        return render(request, "sessions/kennismaking.html", {"closed": True})
    coach = coach_chosen(coaches, request.POST.get("coach") or request.GET.get("coach"))
    modes = _modes(session_type)
    mode = request.POST.get("mode") or request.GET.get("mode") or modes[0]
    mode = mode if mode in modes else modes[0]
    form = KennismakingForm(request.POST or None)
    error = None
    if request.method == "POST":
        if over_the_limit(request, "kennismaking_request"):
            error = TOO_MANY_REQUESTS
        elif form.is_valid():
            if filled_in_by_a_robot(form):
                return redirect("kennismaking_thanks")  # a robot: nothing is stored
            try:
                _ask(request, form.cleaned_data, coach=coach, mode=mode)
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
            "by_day": slots_by_day(slots).items(),
            "error": error,
            "minutes": session_type.default_minutes,
            "chosen_slot": request.POST.get("slot", ""),
        },
    )


def _modes(session_type: SessionType) -> list[str]:
    """How a kennismaking can be held: by phone, by video, at the practice; only by e-mail when
    it is none of those (no times to pick then)."""
    modes = [m for m in session_type.allowed_modes if m in ("phone", "video", "practice")]
    return modes or ["email"]


def _ask(request: HttpRequest, data: dict, *, coach, mode: str) -> None:
    """The request as the form filled it in: at a free time, or "contact me" (SlotTaken when
    the time was taken meanwhile)."""
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
    kennismaking_request(
        coach=coach,
        prospect=prospect,
        start=data["slot"] if data["how"] == KennismakingForm.BY_SLOT else None,
        mode=mode,
        message=data["message"],
        language=request.LANGUAGE_CODE,
    )


@require_safe
def kennismaking_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "sessions/kennismaking_thanks.html")
