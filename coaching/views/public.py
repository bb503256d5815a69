"""The public site: the way of working, the Backstage group, the tariffs and contact.

Open to everyone, logged in or not; they show texts, the practice's details (settings) and the
public tariffs.
"""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from coaching.models import Tariff


@require_safe
def way_of_working(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "coaching/public/way_of_working.html",
        {"answer_hours": settings.PRAKTIJK_EMAIL_ANSWER_HOURS},
    )


@require_safe
def backstage(request: HttpRequest) -> HttpResponse:
    backstage = settings.PRAKTIJK_BACKSTAGE
    return render(
        request,
        "coaching/public/backstage.html",
        {"backstage": backstage, "meeting_hours": backstage["meeting_minutes"] / 60},
    )


@require_safe
def tariffs(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    # One query: what applies today and what is announced, in the tariffs' own order.
    upcoming = Tariff.objects.public().filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )
    return render(
        request,
        "coaching/public/tariffs.html",
        {
            "groups": tariff_groups(list(upcoming), today=today),
            "cancel_hours": settings.PRAKTIJK_BOOKING["cancel_window_hours"],
        },
    )


@require_safe
def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "coaching/public/contact.html")


@dataclass
class TariffRow:
    tariff: Tariff  # the one that applies today, or else the first one announced
    current: bool
    later: list[Tariff] = field(default_factory=list)  # new prices for the same thing, ahead


@dataclass
class TariffGroup:
    component: Tariff.Component
    rows: list[TariffRow]


def tariff_groups(tariffs: list[Tariff], *, today: date) -> list[TariffGroup]:
    """The tariffs per component, the components in the order a traject runs (Component's own
    order), each group in the tariffs' order. A new price ahead is announced under the price it
    replaces; a tariff with nothing before it today stands on its own, with its date."""
    rows: dict[tuple, TariffRow] = {}
    for tariff in sorted(tariffs, key=lambda t: t.valid_from):
        key = (
            tariff.component,
            tariff.unit,
            tariff.duration_minutes,
            tariff.min_participants,
            tariff.max_participants,
        )
        if key in rows:
            rows[key].later.append(tariff)
        else:
            rows[key] = TariffRow(tariff=tariff, current=tariff.valid_from <= today)
    order = {tariff.pk: index for index, tariff in enumerate(tariffs)}
    groups = []
    for component in Tariff.Component:
        in_group = [row for row in rows.values() if row.tariff.component == component]
        if in_group:
            in_group.sort(key=lambda row: order[row.tariff.pk])
            groups.append(TariffGroup(component=component, rows=in_group))
    return groups
