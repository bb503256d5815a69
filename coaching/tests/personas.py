"""The shared personas, as plain functions: the root conftest's fixtures call them per test,
and the permission matrix builds its world from them once per module."""

from datetime import date

from coaching.models import Client, User
from coaching.tests.factories import (
    AdminFactory,
    ClientFactory,
    CoachFactory,
    GuardianFactory,
    UserFactory,
    give_totp,
)


def coach_a() -> User:
    coach = CoachFactory(first_name="Anna", last_name="Coach", email="coach-a@praktijk.test")
    give_totp(coach)
    return coach


def coach_b() -> User:
    coach = CoachFactory(first_name="Bram", last_name="Coach", email="coach-b@praktijk.test")
    give_totp(coach)
    return coach


def admin() -> User:
    user = AdminFactory(first_name="Sanne", last_name="Beheer", email="admin@praktijk.test")
    give_totp(user)
    return user


def coachee(coach: User) -> User:
    """An adult client of the coach who uses the portal herself."""
    account = UserFactory(first_name="Eva", last_name="Coachee", email="coachee@praktijk.test")
    ClientFactory(coach=coach, account=account, first_name="Eva", last_name="Coachee")
    return account


def coachee_b(coach: User) -> User:
    """An adult client of another coach, with her own portal account."""
    account = UserFactory(first_name="Bea", last_name="Anders", email="coachee-b@praktijk.test")
    ClientFactory(coach=coach, account=account, first_name="Bea", last_name="Anders")
    return account


def guardian(coach: User) -> User:
    """A father acting in the portal for his 10-year-old daughter, a client of the coach."""
    account = UserFactory(first_name="Marco", last_name="Ouder", email="ouder@praktijk.test")
    child = ClientFactory(
        coach=coach, first_name="Lotte", last_name="Ouder", date_of_birth=date(2016, 9, 3)
    )
    GuardianFactory(client=child, account=account, first_name="Marco", last_name="Ouder")
    return account


def client_b(coach: User) -> Client:
    """A client of coach B (coach A must never see her)."""
    return ClientFactory(coach=coach, first_name="Bea", last_name="Anders")
