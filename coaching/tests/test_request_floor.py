"""What every signed-in page pays before its view runs: one query.

The session comes from the cache (`cached_db`: Redis in production), and the user is loaded with
their coach profile and whether they have a second factor (coaching/auth_backends.py), which the
role checks, the menu and the second-factor middleware all ask. The view below runs no query of its
own and renders the site's base template, so what is counted is the request's own cost.
"""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.db import connection
from django.shortcuts import render
from django.test.utils import CaptureQueriesContext
from django.urls import path

from coaching.models import CoachProfile
from coaching.tests.factories import give_totp
from coaching.urls import urlpatterns as site

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def signed_in_page(request):
    return render(request, "bench/floor.html", {"someone": str(request.user)})


urlpatterns = [path("niets/", signed_in_page), *site]


def queries_of(client) -> list[str]:
    client.get("/niets/")  # the first request may fill the session cache
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/niets/")
    assert response.status_code == 200
    return [query["sql"] for query in captured]


def test_a_coach_costs_one_query_the_user_with_profile_and_second_factor(client, coach_a):
    client.force_login(coach_a)
    (query,) = queries_of(client)
    assert "coaching_coachprofile" in query and "mfa_authenticator" in query


@pytest.mark.parametrize("persona", ["coachee", "guardian", "admin_user"])
def test_a_client_a_parent_and_the_admin_cost_one_query(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert len(queries_of(client)) == 1


def test_an_anonymous_visitor_costs_none(client):
    assert queries_of(client) == []


def test_the_session_is_read_from_the_cache_not_the_database(client, coachee):
    client.force_login(coachee)
    assert not [sql for sql in queries_of(client) if "django_session" in sql]
    # Written through: the database keeps it for when the cache is emptied.
    assert Session.objects.filter(session_key=client.session.session_key).exists()


def test_a_coach_without_a_second_factor_is_still_sent_to_set_one_up(client, coach_a):
    Authenticator.objects.filter(user=coach_a).delete()
    client.force_login(coach_a)
    response = client.get("/niets/")
    assert response.status_code == 302 and "/account/2fa/totp/activate/" in response["Location"]
    give_totp(coach_a)
    assert client.get("/niets/").status_code == 200  # the flag is read fresh on every request


def test_the_role_follows_the_database_not_the_session(client, coach_a):
    """A coach whose profile is removed is no longer a coach on the next request."""
    client.force_login(coach_a)
    assert client.get("/niets/").context["is_coach"]
    CoachProfile.objects.filter(user=coach_a).delete()
    assert not client.get("/niets/").context["is_coach"]


def test_a_deactivated_account_is_signed_out_although_its_session_is_cached(client, coachee):
    client.force_login(coachee)
    assert client.get("/niets/").context["user"].is_authenticated
    coachee.is_active = False
    coachee.save(update_fields=["is_active"])
    assert not client.get("/niets/").context["user"].is_authenticated
