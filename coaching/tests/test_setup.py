"""The project's setup: settings modes, the deploy check, the interpreter finder, demo data."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from coaching.models import Client, Guardian, Role, User

ROOT = Path(settings.BASE_DIR)
STRONG_KEY = "k" * 20 + "-production-secret-key-that-is-long-enough-1234567890"
PRODUCTION_ENV = {
    "PRAKTIJK_ENV": "production",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "praktijk.example",
    "SITE_URL": "https://praktijk.example",
    "DATABASE_URL": "postgres://praktijk@localhost/praktijk",
    "CELERY_BROKER_URL": "redis://localhost:6379/0",
    "CACHE_URL": "redis://localhost:6379/1",
    "PRAKTIJK_ENCRYPTION_KEYS": "PJXvIkuWtb3AOzzoHG9GnNY-Y6W_gWUMYjZ7XcfW0Hs=",
}


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", *PRODUCTION_ENV}}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "coaching.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


LOAD = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


class TestProductionMode:
    def refusal(self, **changes) -> str:
        env = {**PRODUCTION_ENV, **changes}
        env = {k: v for k, v in env.items() if v is not None}
        result = run_python(LOAD, **env)
        assert result.returncode != 0
        return result.stderr

    def test_refuses_the_default_secret_key(self):
        assert "Production mode needs its own SECRET_KEY" in self.refusal(SECRET_KEY=None)

    def test_refuses_to_run_without_encryption_keys(self):
        assert "Production mode needs PRAKTIJK_ENCRYPTION_KEYS" in self.refusal(
            PRAKTIJK_ENCRYPTION_KEYS=None
        )

    def test_refuses_debug(self):
        assert "refuses to start with DEBUG on" in self.refusal(DEBUG="true")

    def test_refuses_to_turn_off_mfa(self):
        assert "PRAKTIJK_REQUIRE_MFA cannot be turned off" in self.refusal(
            PRAKTIJK_REQUIRE_MFA="false"
        )

    def test_refuses_missing_hosts(self):
        assert "needs ALLOWED_HOSTS" in self.refusal(ALLOWED_HOSTS=None)

    @pytest.mark.parametrize(
        ("variable", "message"),
        [
            ("DATABASE_URL", "DATABASE_URL must point to PostgreSQL"),
            ("CELERY_BROKER_URL", "CELERY_BROKER_URL must point to Redis"),
            ("CACHE_URL", "CACHE_URL must point to Redis"),
            ("SITE_URL", "SITE_URL must be the site's https:// address"),
        ],
    )
    def test_refuses_the_embedded_services(self, variable, message):
        assert message in self.refusal(**{variable: None})

    def test_refuses_a_plain_http_site_url(self):
        assert "SITE_URL must be" in self.refusal(SITE_URL="http://praktijk.example")

    def test_starts_with_real_settings_and_debug_off(self):
        result = run_python(LOAD, **PRODUCTION_ENV)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "False"

    def test_check_deploy_passes_at_warning_level(self):
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT,
            env={**os.environ, **PRODUCTION_ENV},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout

    def test_development_defaults(self):
        assert settings.TIME_ZONE == "Europe/Amsterdam"
        assert settings.USE_TZ
        assert settings.LANGUAGE_CODE == "nl"
        assert settings.AUTH_USER_MODEL == "coaching.User"


class TestFindPython:
    """scripts/find-python, which `make` uses to create the venv."""

    def fake_python(self, path: Path, version: tuple[int, int]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        too_old = int(version < (3, 12))
        path.write_text(f"#!/bin/sh\nexit {too_old}\n")
        path.chmod(0o755)

    def run(self, tmp_path: Path) -> subprocess.CompletedProcess:
        bin_dir = tmp_path / "bin"
        for tool in ("ls", "sort", "cat"):
            if not (bin_dir / tool).exists():
                (bin_dir / tool).symlink_to(
                    subprocess.check_output(["which", tool], text=True).strip()
                )
        return subprocess.run(
            ["/bin/sh", str(ROOT / "scripts" / "find-python")],
            env={
                "HOME": str(tmp_path / "home"),
                "PATH": str(bin_dir),
                "FIND_PYTHON_ROOTS": str(tmp_path / "home" / ".pyenv"),
                "FIND_PYTHON_PATHS": str(tmp_path / "nowhere"),
            },
            capture_output=True,
            text=True,
            timeout=60,
        )

    def test_takes_a_new_enough_python_on_path(self, tmp_path):
        self.fake_python(tmp_path / "bin" / "python3.13", (3, 13))
        result = self.run(tmp_path)
        assert result.stdout.strip() == str(tmp_path / "bin" / "python3.13")

    def test_finds_a_pyenv_version_that_is_not_on_path(self, tmp_path):
        self.fake_python(tmp_path / "bin" / "python3", (3, 11))
        versions = tmp_path / "home" / ".pyenv" / "versions"
        self.fake_python(versions / "3.11.7" / "bin" / "python", (3, 11))
        self.fake_python(versions / "3.12.9" / "bin" / "python", (3, 12))
        result = self.run(tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == str(versions / "3.12.9" / "bin" / "python")

    def test_explains_what_to_install_when_there_is_none(self, tmp_path):
        self.fake_python(tmp_path / "bin" / "python3", (3, 11))
        result = self.run(tmp_path)
        assert result.returncode == 1
        assert result.stdout == ""
        assert "needs Python 3.12 or newer" in result.stderr
        assert "pyenv install 3.13" in result.stderr


@pytest.mark.django_db
class TestSeedDemo:
    def test_creates_the_demo_people_once(self):
        from trajects.models import DossierEntry, Traject

        call_command("seed_demo", stdout=io.StringIO())
        counts = (User.objects.count(), Client.objects.count(), Traject.objects.count(),
                  DossierEntry.objects.count())  # fmt: skip
        call_command("seed_demo", stdout=io.StringIO())
        assert (User.objects.count(), Client.objects.count(), Traject.objects.count(),
                DossierEntry.objects.count()) == counts  # fmt: skip
        assert User.objects.filter(role=Role.COACH).count() == 2
        assert User.objects.filter(role=Role.ADMIN, is_staff=True).count() == 1
        lotte = Client.objects.get(first_name="Lotte")
        assert lotte.is_child
        assert Guardian.objects.get(client=lotte).account.email == "ouder@praktijk.example"
        eva = User.objects.get(email="coachee@praktijk.example")
        assert eva.check_password("praktijk-demo")
        assert Client.objects.for_account(eva).get().coach.email == "coach@praktijk.example"
        # a traject in every phase, with dossiers
        assert set(Traject.objects.values_list("status", flat=True)) == set(Traject.Status)
        assert DossierEntry.objects.filter(kind="contact").exists()

    def test_refuses_production(self, settings):
        from django.core.management.base import CommandError

        settings.PRODUCTION = True
        with pytest.raises(CommandError):
            call_command("seed_demo")
        assert not User.objects.exists()


class TestCacheUrl:
    @pytest.mark.parametrize(
        ("url", "backend"),
        [
            ("redis://127.0.0.1:6379/1", "django.core.cache.backends.redis.RedisCache"),
            ("file:///tmp/praktijk-cache", "django.core.cache.backends.filebased.FileBasedCache"),
            ("locmem://", "django.core.cache.backends.locmem.LocMemCache"),
        ],
    )
    def test_known_schemes(self, url, backend):
        from coaching.settings import cache_from_url

        assert cache_from_url(url)["BACKEND"] == backend

    def test_unknown_scheme_is_refused(self):
        from django.core.exceptions import ImproperlyConfigured

        from coaching.settings import cache_from_url

        with pytest.raises(ImproperlyConfigured):
            cache_from_url("memcached://localhost")


@pytest.mark.django_db
def test_failed_logins_are_rate_limited_per_account(client, coachee):
    for _ in range(5):
        response = client.post("/account/login/", {"login": coachee.email, "password": "fout"})
        assert response.status_code == 200
    # The sixth try is refused before the password is even checked, the right one too.
    from coaching.tests.factories import TEST_PASSWORD

    response = client.post("/account/login/", {"login": coachee.email, "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Te veel inlogpogingen" in response.content.decode()


def test_english_catalogue_is_complete():
    """Every UI string has an English translation, and none is left fuzzy (fuzzy entries are
    not compiled, so the English site would silently show Dutch)."""
    import polib

    po = polib.pofile(str(ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert len(po.translated_entries()) > 100


@pytest.mark.django_db
def test_rate_limits_count_the_visitor_behind_the_proxy(client, coachee, settings):
    """Behind one proxy, a visitor who mistypes ten times is limited; another visitor is not."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/ip"}

    def attempt(ip: str, password: str = "fout"):
        return client.post(
            "/account/login/",
            {"login": coachee.email, "password": password},
            headers={"X-Forwarded-For": ip},
            REMOTE_ADDR="10.0.0.1",  # the proxy
        )

    for _ in range(3):
        assert "Te veel inlogpogingen" not in attempt("198.51.100.7").content.decode()
    assert "Te veel inlogpogingen" in attempt("198.51.100.7").content.decode()
    from coaching.tests.factories import TEST_PASSWORD

    assert attempt("203.0.113.9", TEST_PASSWORD).status_code == 302  # someone else logs in


@pytest.mark.django_db(transaction=True)
def test_rate_limits_are_shared_between_processes(client, coachee, settings):
    """Five failed logins in another process (another gunicorn worker) lock this one out too:
    the limits live in the configured cache, not in a process's memory."""
    from django.db import connection

    from coaching.tests.factories import TEST_PASSWORD
    from coaching.tests.workers import database_url

    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "c = Client(HTTP_HOST='localhost')\n"
        "for _ in range(5):\n"
        f"    r = c.post('/account/login/', {{'login': '{coachee.email}', 'password': 'fout'}})\n"
        "    assert r.status_code == 200, r.status_code\n"
    )
    # This test run's own configuration (CACHE_URL: Redis in CI), with the test's database.
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url(), "CACHE_KEY_PREFIX": prefix},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    connection.close()
    # The same site (allauth's key is the site's host and the address).
    response = client.post(
        "/account/login/",
        {"login": coachee.email, "password": TEST_PASSWORD},
        headers={"Host": "localhost"},
    )
    assert response.status_code == 200
    assert "Te veel inlogpogingen" in response.content.decode()


def test_make_run_on_another_port_puts_that_port_in_the_e_mail_links():
    """`make run PORT=8101`: the server listens on 8101 and SITE_URL (the links in e-mails)
    follows, unless SITE_URL is set."""
    commands = subprocess.run(
        ["make", "-n", "run", "PORT=8101"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT")},
    ).stdout
    assert "SITE_URL=${SITE_URL:-http://127.0.0.1:8101}" in commands
    assert "scripts/supervise.py -f Procfile.dev -p 8101" in commands


def test_beats_schedule_folder_exists_whatever_the_broker(tmp_path):
    """On Redis nothing else makes var/celery/, and beat stopped at once (FileNotFoundError)."""
    var = tmp_path / "var"
    subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR, check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "coaching.settings",
             "PRAKTIJK_VAR_DIR": str(var), "CELERY_BROKER_URL": "redis://127.0.0.1:6379/9"},
    )  # fmt: skip
    assert (var / "celery").is_dir()
