import re
from datetime import timedelta

import pytest

from coaching.models import Heartbeat
from coaching.tasks import heartbeat


@pytest.mark.django_db
class TestLanguage:
    def test_dutch_by_default_even_for_an_english_browser(self, client):
        response = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
        assert response.status_code == 200
        assert response["Content-Language"] == "nl"
        assert '<html lang="nl">' in response.content.decode()
        assert "Welkom bij Praktijk" in response.content.decode()

    def test_switch_to_english_sticks(self, client):
        response = client.post("/taal/", {"language": "en", "next": "/"})
        assert response.status_code == 302
        response = client.get("/")
        assert response["Content-Language"] == "en"
        assert "Welcome to Praktijk" in response.content.decode()

    def test_switch_is_remembered_on_the_account(self, client, coachee):
        client.force_login(coachee)
        client.post("/taal/", {"language": "en", "next": "/portaal/"})
        coachee.refresh_from_db()
        assert coachee.language == "en"

    def test_account_language_is_used_without_cookie(self, client, coachee):
        coachee.language = "en"
        coachee.save()
        client.force_login(coachee)
        assert client.get("/portaal/")["Content-Language"] == "en"

    def test_unknown_language_is_ignored(self, client):
        client.post("/taal/", {"language": "xx", "next": "/"})
        assert client.get("/")["Content-Language"] == "nl"

    def test_switch_needs_post(self, client):
        assert client.get("/taal/").status_code == 405


@pytest.mark.django_db
class TestSecurityHeaders:
    def test_headers_on_every_page(self, client):
        response = client.get("/account/login/")
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "object-src 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Permissions-Policy"] == (
            "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
        )
        # Also on the static files (WhiteNoise answers those before the rest of the stack).
        assert "camera=()" in client.get("/static/favicon.svg")["Permissions-Policy"]

    def test_the_matrix_header_check_refuses_what_production_must_not_send(self, client, settings):
        """The permission matrix checks every response with `assert_security_headers`; it
        fails on a plain-HTTP response (no HSTS) and on a cookie without Secure."""
        from coaching.tests.security import assert_security_headers

        settings.SECURE_HSTS_SECONDS = 3600
        settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = settings.SECURE_HSTS_PRELOAD = True
        with pytest.raises(AssertionError):
            assert_security_headers(client.get("/account/login/"))  # not over HTTPS
        response = client.get("/account/login/", secure=True)  # sets the CSRF cookie
        with pytest.raises(AssertionError, match="cookie without Secure"):
            assert_security_headers(response)
        settings.CSRF_COOKIE_SECURE = True
        assert_security_headers(client.get("/account/login/", secure=True))

    def test_inline_script_needs_the_nonce(self, client, rf):
        from django.template import engines

        from coaching.middleware import EnforceMFAMiddleware  # noqa: F401 (settings loaded)

        template = engines["django"].from_string("<script nonce='{{ csp_nonce }}'></script>")
        # A page that uses the nonce gets it in its CSP header: render through the middleware.
        from django.http import HttpResponse
        from django.middleware.csp import ContentSecurityPolicyMiddleware

        def view(request):
            return HttpResponse(template.render({}, request))

        request = rf.get("/")
        response = ContentSecurityPolicyMiddleware(view)(request)
        nonce = re.search(r"nonce='([^']+)'", response.content.decode()).group(1)
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]

    @pytest.mark.parametrize("path", ["/", "/account/login/", "/account/password/reset/"])
    def test_pages_load_nothing_from_other_hosts(self, client, path):
        html = client.get(path).content.decode()
        urls = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert urls
        external = [u for u in urls if re.match(r"^(https?:)?//", u)]
        assert external == []

    def test_vendor_files_are_served(self, client):
        for path in [
            "/static/vendor/bootstrap/bootstrap.min.css",
            "/static/vendor/bootstrap/bootstrap.bundle.min.js",
            "/static/vendor/htmx/htmx.min.js",
        ]:
            response = client.get(path)
            assert response.status_code == 200, path
            b"".join(response.streaming_content)


@pytest.mark.django_db
class TestErrorPages:
    def test_404_in_the_site_style(self, client):
        response = client.get("/bestaat-niet/")
        assert response.status_code == 404
        assert "Deze pagina bestaat niet" in response.content.decode()
        assert "navbar" in response.content.decode()

    def test_403_in_the_site_style(self, client, coachee):
        client.force_login(coachee)
        response = client.get("/coach/")
        assert response.status_code == 403
        assert "Geen toegang" in response.content.decode()

    def test_500_page_renders_without_a_request(self):
        from django.template.loader import render_to_string

        html = render_to_string("500.html")
        assert "Er ging iets mis" in html

    def test_500_handler_uses_the_page(self, client, settings):
        from django.urls import path

        def boom(request):
            raise RuntimeError("boom")

        import coaching.urls

        settings.ROOT_URLCONF = type(
            "urls", (), {"urlpatterns": [path("boom/", boom), *coaching.urls.urlpatterns]}
        )
        client.raise_request_exception = False
        response = client.get("/boom/")
        assert response.status_code == 500
        assert "Er ging iets mis" in response.content.decode()


@pytest.mark.django_db
class TestDashboards:
    def test_coach_sees_own_clients_only(self, client, coach_a, coachee, guardian, client_b):
        client.force_login(coach_a)
        html = client.get("/coach/clienten/").content.decode()
        assert "Eva Coachee" in html
        assert "Lotte Ouder" in html
        assert "Bea Anders" not in html

    def test_guardian_sees_the_child_in_the_portal(self, client, guardian):
        client.force_login(guardian)
        html = client.get("/portaal/").content.decode()
        assert "Je handelt namens Lotte" in html

    def test_adult_coachee_sees_own_coach(self, client, coachee):
        client.force_login(coachee)
        html = client.get("/portaal/").content.decode()
        assert "Je coach is Anna Coach" in html

    def test_after_login_routes_by_role(self, client, coach_a, coachee, admin_user):
        for user, target in [
            (coach_a, "/coach/"),
            (coachee, "/portaal/"),
            (admin_user, "/beheer/status/"),
        ]:
            client.force_login(user)
            assert client.get("/start/")["Location"] == target
        client.logout()
        assert client.get("/start/")["Location"] == "/account/login/"


@pytest.mark.django_db
class TestStatus:
    def test_status_shows_heartbeat(self, client, admin_user):
        heartbeat(source="beat")
        client.force_login(admin_user)
        html = client.get("/beheer/status/").content.decode()
        assert 'data-check="worker" data-ok="true"' in html
        assert "In orde" in html

    def test_stale_heartbeat_is_shown_as_a_problem(self, client, admin_user):
        from datetime import timedelta

        from django.utils import timezone

        heartbeat(source="beat")
        Heartbeat.objects.update(last_seen_at=timezone.now() - timedelta(minutes=10))
        client.force_login(admin_user)
        html = client.get("/beheer/status/").content.decode()
        assert 'data-check="worker" data-ok="false"' in html
        assert "Stil: beat draait niet, dus plant niemand de taak" in html

    def test_heartbeat_counts_runs(self, db):
        heartbeat(source="beat")
        heartbeat(source="beat")
        assert Heartbeat.objects.get(source="beat").count == 2

    def test_ping_enqueues_after_commit(
        self, client, admin_user, django_capture_on_commit_callbacks
    ):
        client.force_login(admin_user)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = client.post("/beheer/status/test/")
        assert response.status_code == 302
        assert not Heartbeat.objects.filter(source="ping").exists()  # not before commit
        assert len(callbacks) == 1
        callbacks[0]()  # eager in tests: runs the task
        assert Heartbeat.objects.filter(source="ping").exists()

    def test_beat_schedules_the_heartbeat_every_minute(self, settings):
        entry = settings.CELERY_BEAT_SCHEDULE["heartbeat"]
        assert entry["task"] == heartbeat.name
        assert entry["schedule"] == timedelta(seconds=60)

    def test_healthz(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200 and response.content == b"ok"
        assert client.head("/healthz").status_code == 200
        assert client.head("/").status_code == 200

    def test_heartbeat_is_shown_in_amsterdam_time(self, db):
        from datetime import UTC, datetime

        beat = Heartbeat(source="beat", last_seen_at=datetime(2026, 7, 1, 10, 0, tzinfo=UTC))
        # As a person reads it (not 2026-07-01 10:00:00+00:00): 12:00 in Amsterdam.
        assert str(beat).startswith("beat @ 1 jul.") and str(beat).endswith(" 12:00")
