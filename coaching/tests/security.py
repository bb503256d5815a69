"""The security headers every response carries in production (DESIGN.md §7).

The permission matrix checks them on every URL × role it requests, with the security settings
that production mode really sets (read from a process started with PRAKTIJK_ENV=production)."""

import json
import re

from coaching.tests.test_setup import PRODUCTION_ENV, run_python

# The settings behind the headers and cookies that only production mode sets.
PRODUCTION_ONLY = [
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE",
]


def production_security() -> dict:
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {PRODUCTION_ONLY!r}}}))"
    )
    result = run_python(code, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    # What production promises (docs/production.md): HSTS for a year with subdomains and
    # preload, and cookies only over HTTPS.
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600, values
    assert all(values[name] for name in PRODUCTION_ONLY), values
    return values


def assert_security_headers(response) -> None:
    """What every response says to the browser, whatever its status or content type."""
    where = f"{response.request['PATH_INFO']} ({response.status_code})"
    csp = response.get("Content-Security-Policy", "")
    for directive in [
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]:
        assert directive in csp, (where, directive, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, (where, csp)
    body = response.content.decode(errors="replace") if not response.streaming else ""
    for nonce in set(re.findall(r'nonce="([^"]+)"', body)):
        assert f"'nonce-{nonce}'" in csp, (where, "a script's nonce is not in the policy")
    hsts = response.get("Strict-Transport-Security", "")
    assert hsts.startswith("max-age=") and "includeSubDomains" in hsts and "preload" in hsts, (
        where,
        hsts,
    )
    assert response.get("X-Content-Type-Options") == "nosniff", where
    assert response.get("Referrer-Policy") == "same-origin", where
    policy = response.get("Permissions-Policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in policy, (where, feature, policy)
    assert response.get("X-Frame-Options") == "DENY", where
    for name, cookie in response.cookies.items():
        if not cookie.value:  # a cookie being deleted
            continue
        assert cookie["secure"], (where, name, "cookie without Secure")
        assert cookie["samesite"] in ("Lax", "Strict"), (where, name, cookie["samesite"])
        if name in ("sessionid", "csrftoken"):
            assert cookie["httponly"], (where, name, "cookie readable by scripts")
