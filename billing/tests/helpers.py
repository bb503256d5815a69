"""Data for the billing tests: tariffs, delivered appointments, a client with a traject."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO

from django.utils import timezone
from pypdf import PdfReader

from coaching.models import Client, Tariff
from sessions.models import Appointment
from trajects.tests.factories import running_traject

LONG_AGO = date(2024, 1, 1)


def tariff(component="session", price="80", *, unit="appointment", since=LONG_AGO, **extra):
    return Tariff.objects.create(
        component=component,
        unit=unit,
        name=extra.pop("name", f"{component} {price}"),
        price=Decimal(price),
        vat=extra.pop("vat", "21"),
        valid_from=since,
        **extra,
    )


def practice_tariffs():
    """A 60-minute session, an intake, late cancellation and no-show, third-party contact per
    hour, and e-mail coaching per month."""
    return {
        "session": tariff("session", "80", duration_minutes=60, name="Coachingsessie 60 min"),
        "intake": tariff("intake", "95", name="Intakegesprek"),
        "late": tariff("late_cancel", "50", name="Te laat afgezegd"),
        "no_show": tariff("no_show", "60", name="Niet verschenen"),
        "third_party": tariff("third_party", "70", unit="hour", name="Contact derde"),
        "email": tariff("email", "85", unit="month", name="E-mailcoaching"),
    }


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def delivered(
    traject, day: date, *, minutes=60, kind="session", status="completed", hour=10, **extra
):
    """An appointment that took place (or was cancelled, late by the client, or missed) on a
    day."""
    start = at(day, hour)
    if status in ("cancelled", "cancelled_late"):
        extra.setdefault("cancelled_by", "client")  # the client's own (late) cancellation
    return Appointment.objects.create(
        coach=traject.client.coach,
        traject=traject,
        kind=kind,
        mode="practice",
        start=start,
        end=start + timedelta(minutes=minutes),
        status=status,
        **extra,
    )


def traject_of(account_or_client, coach):
    client = (
        account_or_client
        if isinstance(account_or_client, Client)
        else Client.objects.get(account=account_or_client)
    )
    return running_traject(coach, client=client)


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)
