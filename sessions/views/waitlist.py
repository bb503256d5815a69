"""The waitlist: a client (or a parent) asks for an earlier time and answers offers; the coach
sees the list and removes a request (sessions.services.waitlist)."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from coaching.models import Role
from coaching.roles import role_required
from sessions.access import (
    bookable_online,
    coach_booked_between,
    offer_of_account,
    offers_to_show,
    traject_of_account,
    waitlist_of_account,
    waitlist_of_coach,
    waitlist_request_of_account,
    waitlist_request_of_coach,
)
from sessions.forms import WaitlistForm
from sessions.models import BookingRules, WaitlistOffer, WaitlistRequest
from sessions.services.booking import free_cancel_until
from sessions.services.waitlist import (
    offer_accept,
    offer_decline,
    request_join,
    request_remove,
    request_withdraw,
    why_not_on_the_list,
)

# --- The client (or a parent) ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def portal_waitlist_join(request: HttpRequest, traject: str, session_type: int) -> HttpResponse:
    """Ask (or change what was asked) to be told of an earlier time of this kind."""
    traject = traject_of_account(request.user, traject)
    session_type = bookable_online(traject, session_type)
    if why := why_not_on_the_list(traject, session_type):
        messages.error(request, why)
        return redirect("portal_appointments")
    rules = BookingRules.loaded_with(traject.client.coach)
    waiting = (
        waitlist_of_account(request.user)
        .filter(
            traject=traject,
            session_type=session_type,
            status=WaitlistRequest.Status.WAITING,
            before__gte=timezone.localdate(),
        )
        .first()
    )
    form = WaitlistForm(
        request.POST if request.method == "POST" else None,
        initial=_asked(waiting, session_type, rules),
        session_type=session_type,
        max_ahead=rules.max_ahead,
    )
    if request.method == "POST" and form.is_valid():
        try:
            request_join(
                account=request.user,
                traject=traject,
                session_type=session_type,
                wish=form.wish(),
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(
                request,
                _(
                    "Je staat op de wachtlijst. Komt er een tijd vrij die past, dan krijg je een "
                    "e-mail en zie je het aanbod hier."
                ),
            )
            return redirect("portal_appointments")
    return render(
        request,
        "sessions/portal_waitlist_join.html",
        {
            "form": form,
            "traject": traject,
            "session_type": session_type,
            "waiting": waiting,
            "coach": traject.client.coach,
        },
    )


def _asked(waiting: WaitlistRequest | None, session_type, rules) -> dict:
    """What the form starts with: what was asked before, else two weeks (or the coach's
    booking horizon, when that is shorter) and every form."""
    if waiting is None:
        return {
            "before": timezone.localdate() + min(timedelta(days=14), rules.max_ahead),
            "modes": session_type.allowed_modes,
        }
    return {
        "before": waiting.before,
        "weekdays": waiting.weekdays,
        "dayparts": waiting.dayparts,
        "modes": waiting.modes,
    }


@require_POST
@role_required(Role.CLIENT)
def portal_waitlist_withdraw(request: HttpRequest, waitlist_request: str) -> HttpResponse:
    wanted = waitlist_request_of_account(request.user, waitlist_request)
    if request_withdraw(wanted):
        messages.success(request, _("Je staat niet meer op de wachtlijst voor deze afspraak."))
    else:
        messages.info(request, _("Deze vraag stond al niet meer op de wachtlijst."))
    return redirect("portal_appointments")


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def portal_offer(request: HttpRequest, offer: str) -> HttpResponse:
    """An offered time: accept it (it is booked, if nobody was quicker) or decline it."""
    offer = offer_of_account(request.user, offer)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "decline":
            if offer_decline(offer):
                messages.success(
                    request, _("Je hebt deze tijd afgeslagen. Je blijft op de wachtlijst.")
                )
            else:
                messages.info(request, _("Dit aanbod was al beantwoord, geboekt of verlopen."))
            return redirect("portal_appointments")
        if action == "accept":
            try:
                offer_accept(account=request.user, offer=offer)
            except ValidationError as refused:
                messages.error(request, " ".join(refused.messages))
                return redirect("portal_offer", offer=offer.uuid)
            messages.success(
                request, _("Je afspraak staat vast. Je krijgt een bevestiging per e-mail.")
            )
            return redirect("portal_appointments")
    now = timezone.now()
    filled = coach_booked_between(offer.coach, offer.start, offer.end)
    offer.open = offer.is_open(now) and offer.request.is_waiting and not filled
    offer.taken = offer.status == WaitlistOffer.Status.TAKEN or (
        filled and offer.status == WaitlistOffer.Status.OPEN
    )
    return render(
        request,
        "sessions/portal_offer.html",
        {
            "offer": offer,
            "client": offer.request.traject.client,
            "free_until": free_cancel_until(offer.coach, offer.start),
            "now": now,
        },
    )


def portal_waitlist(account, now) -> dict:
    """The waitlist on the appointments page: the offers still to answer (and those taken a
    moment ago, so the people offered them see what happened) and the requests that wait."""
    offers = offers_to_show(account, now)
    for offer in offers:
        offer.open = offer.status == WaitlistOffer.Status.OPEN and not offer.filled
    waiting = list(
        waitlist_of_account(account)
        .filter(status=WaitlistRequest.Status.WAITING, before__gte=timezone.localdate(now))
        .select_related("session_type", "traject__client")
    )
    return {"waitlist_offers": offers, "waitlist": waiting}


# --- The coach ---------------------------------------------------------------------------------


@require_safe
@role_required(Role.COACH)
def coach_waitlist(request: HttpRequest) -> HttpResponse:
    """The coach's waitlist: who waits for an earlier time, for what, since when, and the
    offers made; in the order they asked (the order offers go out in)."""
    today = timezone.localdate()
    requests = (
        waitlist_of_coach(request.user)
        .filter(status=WaitlistRequest.Status.WAITING, before__gte=today)
        .select_related("session_type", "traject__client", "created_by")
        .annotate(offered=Count("offers"))
        .order_by("created_at", "pk")
    )
    page = Paginator(requests, 50).get_page(request.GET.get("pagina"))
    return render(request, "sessions/coach_waitlist.html", {"page": page, "today": today})


@require_POST
@role_required(Role.COACH)
def coach_waitlist_remove(request: HttpRequest, waitlist_request: str) -> HttpResponse:
    wanted = waitlist_request_of_coach(request.user, waitlist_request)
    if request_remove(wanted):
        messages.success(
            request,
            _("%(client)s staat niet meer op de wachtlijst.") % {"client": wanted.traject.client},
        )
    else:
        messages.info(request, _("Deze vraag stond al niet meer op de wachtlijst."))
    return redirect("coach_waitlist")
