"""Shared personas and test settings (healthchecks' hc/test.py style: owner, member, outsider)."""

import uuid

import pytest

from coaching import celery_app
from coaching.tests import personas

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
    return personas.coach_a()


@pytest.fixture
def coach_b(db):
    return personas.coach_b()


@pytest.fixture
def admin_user(db):
    return personas.admin()


@pytest.fixture
def coachee(coach_a):
    """An adult client of coach A who uses the portal herself."""
    return personas.coachee(coach_a)


@pytest.fixture
def guardian(coach_a):
    """A father acting in the portal for his 10-year-old daughter, a client of coach A."""
    return personas.guardian(coach_a)


@pytest.fixture
def client_b(coach_b):
    """A client of coach B (coach A must never see her)."""
    return personas.client_b(coach_b)


@pytest.fixture
def session_type(db):
    """A one-hour coaching session at the practice or by video, bookable online (the session
    type most tests of the calendar, the portal and the e-mails plan)."""
    from sessions.models import SessionType

    return SessionType.objects.create(
        kind="session",
        name="Coachingsessie",
        default_minutes=60,
        allowed_modes=["practice", "video"],
        bookable_online=True,
    )
