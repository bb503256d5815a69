"""An organisation asks for a quote for a Backstage group on the public site.

The request is stored for the practice's Backstage coach, who hears of it on *Vandaag* and by
an e-mail without details (through the outbox: once, after the commit), and answers it with a
quote (billing.services.invoicing.quote_create with the request), or closes it without one."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing.models import QuoteRequest
from coaching.emails import templated_message
from coaching.models import Send, User
from coaching.outbox import one_by_one, outbox_add, register
from groups.models import BackstageGroup

QUOTE_REQUEST_MAIL = Send.Kind.QUOTE_REQUEST
GONE = gettext_noop("De offerteaanvraag bestaat niet meer.")
# Open requests on the coach's Vandaag: the first few, with how many there are.
SHOWN = 10


def backstage_coach() -> User | None:
    """Who answers a quote request: the coach of the practice's most recent Backstage group
    (the one who runs the groups now); in a practice without groups yet, the first coach."""
    coaches = User.objects.coaches().filter(coach_profile__isnull=False)  # who can log in as one
    latest = BackstageGroup.objects.filter(coach__in=coaches).order_by("-created_at", "-pk")
    return (
        coaches.filter(pk__in=latest.values("coach")[:1]).first()
        or coaches.order_by("date_joined", "pk").first()
    )


@transaction.atomic
def quote_request_submit(
    *,
    coach: User,
    organisation_name: str,
    contact_person: str,
    email: str,
    phone: str,
    group_size: int,
    daypart: str,
    composition: str,
    wishes: str,
    language: str,
) -> QuoteRequest:
    """Store the request for the coach, and tell the coach (after the commit, once)."""
    quote_request = QuoteRequest.objects.create(
        coach=coach,
        organisation_name=" ".join(organisation_name.split()),
        contact_person=contact_person.strip(),
        email=email,
        phone=phone.strip(),
        group_size=group_size,
        daypart=daypart,
        composition=composition,
        wishes=wishes.strip(),
        language=language,
    )
    outbox_add([(f"quoterequest:{quote_request.pk}", QUOTE_REQUEST_MAIL, timezone.now())])
    return quote_request


@transaction.atomic
def quote_request_close(*, quote_request: QuoteRequest, reason: str) -> QuoteRequest:
    """Close a request without a quote (answered by phone, not a fit, nonsense): it leaves
    *Vandaag*. The row is locked: a quote made at the same moment is seen (two tabs)."""
    locked = QuoteRequest.objects.with_state().select_for_update().get(pk=quote_request.pk)
    if locked.answered:
        raise ValidationError(_("Deze aanvraag is al beantwoord met een offerte."))
    if locked.closed_at is not None:
        raise ValidationError(_("Deze aanvraag is al afgesloten."))
    locked.closed_at = timezone.now()
    locked.close_reason = reason.strip()
    locked.save(update_fields=["closed_at", "close_reason"])
    return locked


def requests_open_for(coach: User):
    """The coach's open requests (Vandaag asks first whether there are any)."""
    return QuoteRequest.objects.open().filter(coach=coach)


def open_requests(coach: User) -> tuple[list[QuoteRequest], int]:
    """The coach's open requests, oldest first, the first SHOWN of them and how many there are
    (one query: a count over a window)."""
    rows = list(
        requests_open_for(coach)
        .annotate(total=Window(Count("pk")))
        .order_by("created_at", "pk")[:SHOWN]
    )
    return rows, rows[0].total if rows else 0


def dashboard_section(coach: User) -> dict | None:
    """What *Vandaag* shows of the requests (nothing when none is open)."""
    rows, total = open_requests(coach)
    return {"quote_requests": rows, "total": total} if rows else None


def compose_quote_request(send: Send):
    """The coach's notice: that a request came in, and the link. No details of it (who asks,
    for what): those are on the site."""
    pk = int(send.subject.removeprefix("quoterequest:"))
    quote_request = QuoteRequest.objects.select_related("coach").filter(pk=pk).first()
    if quote_request is None:
        return GONE
    coach = quote_request.coach
    return templated_message(
        "quote_request_for_coach",
        to=coach.email,
        language=coach.language,
        context={
            "first_name": coach.first_name,
            "url": settings.SITE_URL + reverse("quote_request_detail", args=[quote_request.uuid]),
        },
    )


def register_quote_requests() -> None:
    """The coach's e-mail through the outbox, and the open requests on Vandaag."""
    from coaching.dashboard import register_section

    register(QUOTE_REQUEST_MAIL, one_by_one(compose_quote_request))
    register_section(
        "quote_requests",
        template="billing/includes/dashboard_quote_requests.html",
        context=dashboard_section,
        rows=lambda at: requests_open_for(at.coach),
    )
