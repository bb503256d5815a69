"""The coach's prompt after a bedenktijd: when PRAKTIJK_BEDENKTIJD_DAYS have passed since the
kennismaking and the client has not decided (the traject is still in bedenktijd, so no intake
is planned), the coach gets one e-mail, at 08:00 on the first day after the term. The
dashboard shows the same traject under "waiting"."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from coaching.dates import readable
from coaching.emails import templated_message
from coaching.models import Send
from coaching.outbox import Item, one_by_one, register, register_finder
from trajects.models import Traject

BEDENKTIJD_OVER = "bedenktijd_over"
DECIDED = gettext_noop("De cliënt heeft inmiddels besloten, of het traject is gestopt.")
MORNING = time(8, 0)


def _subject(traject_pk: int, kennismaking_on) -> str:
    return f"traject:{traject_pk}:bedenktijd:{kennismaking_on.isoformat()}"


def prompt_moment(kennismaking_on) -> datetime:
    day = kennismaking_on + timedelta(days=settings.PRAKTIJK_BEDENKTIJD_DAYS + 1)
    return timezone.make_aware(datetime.combine(day, MORNING))


def find_bedenktijd_over(now: datetime) -> list[Item]:
    today = timezone.localdate(now)
    latest = today - timedelta(days=settings.PRAKTIJK_BEDENKTIJD_DAYS + 1)
    # A month back is enough to catch up after an outage; older ones were prompted then (and
    # the dashboard keeps showing them).
    rows = Traject.objects.filter(
        status=Traject.Status.BEDENKTIJD,
        kennismaking_on__lte=latest,
        kennismaking_on__gte=latest - timedelta(days=30),
    ).values_list("pk", "kennismaking_on")
    items = []
    for pk, on in rows:
        due = prompt_moment(on)
        if due <= now:
            items.append((_subject(pk, on), BEDENKTIJD_OVER, due))
    return items


def compose_bedenktijd_over(send: Send) -> EmailMessage | str:
    pk = int(send.subject.split(":")[1])
    traject = Traject.objects.select_related("client__coach").filter(pk=pk).first()
    if (
        traject is None
        or traject.status != Traject.Status.BEDENKTIJD
        or send.subject != _subject(traject.pk, traject.kennismaking_on)
    ):
        return DECIDED
    coach = traject.client.coach
    send.client_id = traject.client_id  # whom it concerns (the coach's list)
    with translation.override(coach.language):
        kennismaking_on = readable(traject.kennismaking_on, long=True)
    return templated_message(
        "bedenktijd_over",
        to=coach.email,
        language=coach.language,
        context={
            "first_name": coach.first_name,
            "client_first_name": traject.client.first_name,
            "kennismaking_on": kennismaking_on,
            "days": settings.PRAKTIJK_BEDENKTIJD_DAYS,
            "url": settings.SITE_URL + reverse("traject_detail", args=[traject.uuid]),
        },
    )


def register_bedenktijd_prompt() -> None:
    register(BEDENKTIJD_OVER, one_by_one(compose_bedenktijd_over))
    register_finder("bedenktijd_over", find_bedenktijd_over)
