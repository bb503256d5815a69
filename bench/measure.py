"""The in-process timing of `make bench` (bench/test_scale.py), in a process of its own: the
pages of a committed benchmark practice through Django's test client, as a plain Django process
runs them, not inside pytest's.

Measured inside the pytest process, the same pages with the same output took up to half as long
again (the calendar week 21 ms instead of 14, the floor 5.2 instead of 4.9), for no reason a
profile showed: the process a benchmark runs in is part of what it measures. A web worker is a
plain process.

    python -m bench.measure <prefix>...   # prints JSON: per practice and page median, p95, queries
"""

import json
import os
import statistics
import sys
import time

WARMUP, ROUNDS = 3, int(os.environ.get("BENCH_ROUNDS", "30"))
FLOOR = "vloer (één query op primaire sleutel)"
# Django with nothing of ours: a view that returns a word, through a handler without middleware.
BARE = "kaal Django (geen middleware, geen query)"


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[18]


def measure_pages(practices: dict[str, dict]) -> dict[str, dict[str, dict]]:
    """Median and p95 (ms) and queries per page and practice, the floor included.

    Every round opens every page of every size once (S's floor and pages, then L's, then XL's,
    then the bare view), some 50 requests a round: the sizes are compared under the same
    conditions, so that a busier minute of the machine falls on all of them and not on the size
    that happened to be measured then. (The round's first request, S's floor, follows the bare
    view and comes out slower than L's floor: S's floor is not what the targets divide by.)
    """
    from django.db import connection
    from django.test import Client as Browser
    from django.test.utils import CaptureQueriesContext, override_settings

    from bench.tests.test_budgets import pages

    urls: dict[tuple[str, str], tuple] = {}
    for key, made in practices.items():
        coach = made["coaches"][0]
        page_urls = {FLOOR: (coach, "/bench/floor/"), **pages(made)}
        urls.update({(name, key): target for name, target in page_urls.items()})
    browsers = {}
    for user, _url in urls.values():
        if user.pk not in browsers:
            browsers[user.pk] = Browser()
            browsers[user.pk].force_login(user)
    # The bare handler loads its middleware at its first request: none, under this override.
    bare = Browser()
    with override_settings(MIDDLEWARE=[]):
        assert bare.get("/bench/bare/").status_code == 200
    urls[(BARE, "")] = (None, "/bench/bare/")
    queries, times = {}, {page: [] for page in urls}
    # The queries of a page read again, as bench/tests/test_budgets.py counts them: each page is
    # opened once first (the caches; the report's months counted and stored).
    for user, url in urls.values():
        (bare if user is None else browsers[user.pk]).get(url)
    for page, (user, url) in urls.items():
        browser = bare if user is None else browsers[user.pk]
        with CaptureQueriesContext(connection) as captured:
            status = browser.get(url).status_code
        assert status == 200, (page, url, status)
        queries[page] = len(captured)
    for round_number in range(WARMUP + ROUNDS):
        for page, (user, url) in urls.items():
            browser = bare if user is None else browsers[user.pk]
            started = time.perf_counter()
            browser.get(url)
            if round_number >= WARMUP:
                times[page].append((time.perf_counter() - started) * 1000)
    summary = {
        page: {"median": statistics.median(t), "p95": p95(t), "queries": queries[page]}
        for page, t in times.items()
    }
    return {
        key: {name: figures for (name, of), figures in summary.items() if of == key or name == BARE}
        for key in practices
    }


def main(prefixes: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coaching.settings")
    import django

    django.setup()
    from django.conf import settings

    from coaching.models import User

    settings.DEBUG = False  # as the test runner has it, and production
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.ROOT_URLCONF = "bench.urls"
    practices = {
        prefix: {"coaches": [User.objects.get(email=f"{prefix}-coach-0@praktijk.test")]}
        for prefix in prefixes
    }
    json.dump(measure_pages(practices), sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
