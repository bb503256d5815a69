"""The N+1 detector: django-zeal watches every request of the test suite, so
a page that loads a relation once per row fails its tests. These tests show that it is on, and
that it catches a loop over three rows through the whole middleware stack, where the same page
with select_related passes."""

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.urls import path
from zeal.errors import NPlusOneError

from coaching.models import User
from coaching.tests.factories import ClientFactory
from trajects.models import Traject
from trajects.tests.factories import TrajectFactory


def _names(trajects) -> HttpResponse:
    return HttpResponse(", ".join(str(traject.client) for traject in trajects))


def one_query_per_row(request):
    return _names(Traject.objects.order_by("pk"))


def one_query_for_all(request):
    return _names(Traject.objects.select_related("client").order_by("pk"))


def one_get_per_row(request):
    coaches = [
        User.objects.get(pk=t.client.coach_id) for t in Traject.objects.select_related("client")
    ]
    return HttpResponse(", ".join(map(str, coaches)))


urlpatterns = [
    path("per-row/", one_query_per_row),
    path("for-all/", one_query_for_all),
    path("get-per-row/", one_get_per_row),
    path("beheer/get-per-row/", one_get_per_row),
    path("beheer/per-row/", one_query_per_row),
]


def test_the_detector_watches_every_request_of_the_suite():
    assert "zeal" in settings.INSTALLED_APPS
    assert settings.MIDDLEWARE[0] == "zeal.middleware.zeal_middleware"
    assert settings.MIDDLEWARE[1] == "coaching.tests.zeal_scope.admin_single_gets"
    assert settings.ZEAL_NPLUSONE_THRESHOLD == 3


@pytest.mark.django_db
@pytest.mark.urls(__name__)
class TestAPageWithALoop:
    @pytest.fixture(autouse=True)
    def three_trajects(self, coach_a):
        for _ in range(3):
            TrajectFactory(client=ClientFactory(coach=coach_a))

    def test_loading_each_rows_client_fails(self, client):
        with pytest.raises(NPlusOneError, match="Traject.client"):
            client.get("/per-row/")

    def test_loading_them_together_passes(self, client):
        assert client.get("/for-all/").status_code == 200

    def test_a_get_per_row_fails(self, client):
        with pytest.raises(NPlusOneError, match=r"coaching.User.get\(\)"):
            client.get("/get-per-row/")

    def test_in_the_admin_only_single_gets_of_an_account_pass(self, client):
        # The one allowance (coaching/tests/zeal_scope.py): zeal cannot tell Django's admin
        # code apart; a relation loaded per row is still an N+1 there.
        assert client.get("/beheer/get-per-row/").status_code == 200
        with pytest.raises(NPlusOneError, match="Traject.client"):
            client.get("/beheer/per-row/")
