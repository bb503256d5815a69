"""Shared personas and test settings (healthchecks' hc/test.py style: owner, member, outsider)."""

import uuid
from datetime import date

import pytest

from coaching import celery_app
from coaching.tests.factories import (
    AdminFactory,
    ClientFactory,
    CoachFactory,
    GuardianFactory,
    UserFactory,
    give_totp,
)

# The browser fixtures (page, page_log, browser) for the end-to-end tests.
pytest_plugins = ["coaching.tests.browser"]


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # The configured cache (a file cache by default, Redis in CI), with a key prefix of its own
    # per test: rate limits never carry over from one test to the next.
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SITE_URL = "http://testserver"
    settings.MEDIA_ROOT = tmp_path / "media"  # uploads of a test stay with the test


@pytest.fixture(autouse=True, scope="session")
def _eager_celery():
    """Ordinary tests run tasks in-process; tests marked celery_worker use a real worker."""
    celery_app.conf.task_always_eager = True
    yield


@pytest.fixture
def questionnaires(db):
    """The practice's default questionnaires (made by a migration, but a transactional test
    empties the tables behind it)."""
    from trajects.default_questionnaires import create_defaults
    from trajects.models import Question, Questionnaire

    create_defaults(Questionnaire, Question)


@pytest.fixture
def coach_a(db):
    coach = CoachFactory(first_name="Anna", last_name="Coach", email="coach-a@praktijk.test")
    give_totp(coach)
    return coach


@pytest.fixture
def coach_b(db):
    coach = CoachFactory(first_name="Bram", last_name="Coach", email="coach-b@praktijk.test")
    give_totp(coach)
    return coach


@pytest.fixture
def admin_user(db):
    admin = AdminFactory(first_name="Sanne", last_name="Beheer", email="admin@praktijk.test")
    give_totp(admin)
    return admin


@pytest.fixture
def coachee(coach_a):
    """An adult client of coach A who uses the portal herself."""
    account = UserFactory(first_name="Eva", last_name="Coachee", email="coachee@praktijk.test")
    ClientFactory(coach=coach_a, account=account, first_name="Eva", last_name="Coachee")
    return account


@pytest.fixture
def guardian(coach_a):
    """A father acting in the portal for his 10-year-old daughter, a client of coach A."""
    account = UserFactory(first_name="Marco", last_name="Ouder", email="ouder@praktijk.test")
    child = ClientFactory(
        coach=coach_a, first_name="Lotte", last_name="Ouder", date_of_birth=date(2016, 9, 3)
    )
    GuardianFactory(client=child, account=account, first_name="Marco", last_name="Ouder")
    return account


@pytest.fixture
def client_b(coach_b):
    """A client of coach B (coach A must never see her)."""
    return ClientFactory(coach=coach_b, first_name="Bea", last_name="Anders")
