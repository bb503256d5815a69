"""`make bench`: the main pages at an organisation's size (L) against the floor.

In one run on PostgreSQL: the practices S, L (and XL) are seeded (committed) side by side, then
measured together. The pages are timed by bench.measure in a plain Django process of its own:
every round opens each page at each size once, in turn (interleaved, so that the sizes share
the machine's busier and quieter minutes), after warm-up rounds; per page the median
and the 95th percentile, as a ratio to the floor page (bench.views.floor: the same middleware,
login and base template, one primary-key query), and the ratio of its median at L to that at
S. Then the free slots for 30 and 90 days, the time of a booking, and 50 bookings of one slot
at once; and the HTTP tier: gunicorn with production settings under wrk (bench.http). Writes
docs/benchmarks.md."""

import json
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from bench import http
from bench.measure import BARE, FLOOR, ROUNDS, WARMUP, p95
from bench.seed import SIZES, seed, settle
from bench.tests.test_budgets import pages
from sessions.models import Appointment, SessionType
from sessions.services.booking import SlotTaken, portal_book
from sessions.slots import free_slots
from trajects.models import Traject

RESULTS = Path(settings.BASE_DIR) / "docs" / "benchmarks.md"
TWO_OF_EACH = [
    "- `coaching/tests/test_two_web_processes.py`: two gunicorn processes and two Celery "
    "workers on one database and broker (SQLite and the file cache in the default test run, "
    "PostgreSQL and Redis in the second): a session made on one process works on the other "
    "and signing out on either ends it on both; the limit on failed logins per account and "
    "the limit on kennismaking requests per address hold across the processes; 16 clients "
    "booking one slot through both processes at once give one appointment, the others are told "
    "the time was just taken; two workers sharing a queue send each mail once.",
    "- `coaching/tests/test_outbox_worker.py`: workers killed with SIGKILL while they send, "
    "their claims taken over by the others' sweep (each mail at most once more per kill), and "
    "two beats sweeping at once (each reminder once).",
    "- `coaching/tests/test_outbox_real.py`: one send handed over many times at once, through "
    "the real broker and worker, arrives once.",
    "- `sessions/tests/test_booking.py`: many coachees booking one slot at once, each on a "
    "connection of their own (one booked), and one client's concurrent online bookings within "
    "the practice's limit.",
    "- `groups/tests/test_groups.py`, `billing/tests/test_concurrency.py`, "
    "`trajects/tests/test_evaluations.py`: Backstage turns, invoice numbers and evaluation "
    "answers under concurrent requests.",
]


def measure_apart(sizes: list[str]) -> dict[str, dict[str, dict]]:
    """The pages of the committed practices, timed by bench.measure in a process of its own, with
    the cache production has (Redis: the sessions are read from it): per size, per page."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.measure", *(f"bench-{size.lower()}" for size in sizes)],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "coaching.settings",
            "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/12"),
            "CACHE_KEY_PREFIX": f"bench-{secrets.token_hex(4)}",
            **http.database_environment(),
        },
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    measured = json.loads(result.stdout)
    return {size: measured[f"bench-{size.lower()}"] for size in sizes}


def measure_slots(coach) -> dict:
    result = {}
    for days in (30, 90):
        with CaptureQueriesContext(connection) as captured:
            count = len(
                free_slots(
                    coach=coach, duration=timedelta(hours=1), first=timezone.localdate(), days=days
                )
            )
        times = []
        for _ in range(15):
            started = time.perf_counter()
            free_slots(
                coach=coach, duration=timedelta(hours=1), first=timezone.localdate(), days=days
            )
            times.append((time.perf_counter() - started) * 1000)
        result[days] = {
            "median": statistics.median(times),
            "queries": len(captured),
            "slots": count,
        }
    return result


def measure_http(made: dict) -> dict:
    """The floor and every main page through gunicorn, under wrk, each opened by its person."""
    if http.wrk_path() is None:
        pytest.fail("wrk is missing: `make bench` installs it (Debian's package wrk)")
    coach = made["coaches"][0]
    # Production refuses the development key: the test's sessions are signed with a key of the
    # kind production wants, and gunicorn gets the same one.
    with override_settings(SECRET_KEY=secrets.token_urlsafe(64)):
        cookies, name = {}, settings.SESSION_COOKIE_NAME
        targets = {FLOOR: (coach, "/bench/floor/"), **pages(made)}
        for user, _url in targets.values():
            if user.pk not in cookies:
                browser = Browser()
                browser.force_login(user)
                cookies[user.pk] = f"{name}={browser.cookies[name].value}"
        return http.measure_http(
            {page: (url, cookies[user.pk]) for page, (user, url) in targets.items()}
        )


@override_settings(PRAKTIJK_BOOKING={**settings.PRAKTIJK_BOOKING, "max_open_online": 0})
def measure_booking(made: dict) -> dict:
    """Bookings one after another through the portal's service, then 50 of one slot at once.
    One account books them all: without the practice's limit on open online bookings."""
    page = pages(made)["cliënt: vrije tijden (boeken)"]
    account = page[0]
    traject = Traject.objects.get(uuid=page[1].split("/")[4])
    coach = traject.client.coach
    session_type = SessionType.objects.get(name="Coachingsessie")
    times = []
    first = timezone.localdate() + timedelta(days=60)
    for _ in range(20):  # each at the first time still free
        start = free_slots(coach=coach, duration=timedelta(hours=1), first=first, days=30)[0]
        started = time.perf_counter()
        portal_book(
            account=account,
            traject=traject,
            session_type=session_type,
            start=start,
            mode="practice",
        )
        times.append((time.perf_counter() - started) * 1000)
    slots = free_slots(coach=coach, duration=timedelta(hours=1), first=first, days=30)
    contested = slots[-1]
    barrier = threading.Barrier(50)
    outcomes, lock = [], threading.Lock()

    def attempt():
        barrier.wait()
        try:
            portal_book(
                account=account,
                traject=traject,
                session_type=session_type,
                start=contested,
                mode="practice",
            )
            outcome = "booked"
        except SlotTaken:
            outcome = "taken"
        except Exception as error:  # noqa: BLE001 - reported in the table and failed below
            outcome = type(error).__name__
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    started = time.perf_counter()
    threads = [threading.Thread(target=attempt) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = (time.perf_counter() - started) * 1000
    won = Appointment.objects.filter(coach=coach, start=contested, status="booked").count()
    return {
        "median": statistics.median(times),
        "p95": p95(times),
        "count": len(times),
        "booked": outcomes.count("booked"),
        "taken": outcomes.count("taken"),
        "other": [o for o in outcomes if o not in ("booked", "taken")],
        "rows": won,
        "wall": wall,
    }


SCALING_OUT = [
    "## Scaling out",
    "",
    "One machine of this size serves a practice network (XL above). Beyond it, the parts scale "
    "apart:",
    "",
    "- **Web processes** (gunicorn) on as many machines as needed, behind a load balancer that "
    "sends `X-Forwarded-Proto` (docs/production.md). They keep nothing of their own: sessions "
    "are in Redis and written through to PostgreSQL, rate limits are counted in Redis, uploads "
    "live on storage every web process mounts (`MEDIA_ROOT`).",
    "- **Celery workers** on as many machines as needed, on the one Redis broker; **one beat** "
    "(two at once do no harm: the outbox's claims and the finders' unique keys keep every "
    "mail single, but one is enough).",
    "- **One PostgreSQL**: every rule of the practice is kept there (exclusion constraints "
    "against double booking, row locks for the booking limits and Backstage turns, the "
    "append-only dossier and audit log), so there is one primary. The pages read little per "
    "request (the query counts above); a read replica would serve the exports and reports, "
    "never the pages that decide (booking, claims). The audit log is partitioned by month.",
    "- **Redis**: the broker, the cache, the sessions and the rate limits, shared by all.",
    "",
    "What shows that several processes keep every rule:",
    "",
    *TWO_OF_EACH,
]

# The sizes measured: all three; BENCH_SIZES="S L" leaves out XL (its seeding takes 10 to 20
# minutes), for a quicker run while working on a page.
MEASURED = os.environ.get("BENCH_SIZES", "S L XL").split()
assert {"S", "L"} <= set(MEASURED) <= set(SIZES), MEASURED

# The targets (issue: performance, second round).
MEDIAN_LIMIT, P95_LIMIT, GROWTH_LIMIT, XL_LIMIT = 3, 4, 1.2, 1.1
BEFORE_VIEW_LIMIT = 2  # queries a signed-in request runs before its view


@pytest.mark.django_db(transaction=True)
@override_settings(ROOT_URLCONF="bench.urls")
def test_scale():
    assert connection.vendor == "postgresql", "the benchmark runs on PostgreSQL"
    results, seeding, made = {}, {}, {}
    for size in MEASURED:  # side by side in one database
        started = time.perf_counter()
        made[size] = seed(size, prefix=f"bench-{size.lower()}")
        settle()
        seeding[size] = time.perf_counter() - started
    results = measure_apart(MEASURED)
    slots = measure_slots(made["L"]["coaches"][0])
    booking = measure_booking(made["L"])
    served = measure_http(made["L"])
    write(results, seeding, slots, booking, served)
    assert booking["booked"] == 1 and booking["rows"] == 1 and not booking["other"], booking
    assert all(row["errors"] == 0 for row in served.values()), served
    # What does not depend on the machine holds in every run: the queries.
    assert results["L"][FLOOR]["queries"] - 1 <= BEFORE_VIEW_LIMIT, results["L"][FLOOR]
    for name, at_l in results["L"].items():
        assert all(
            results[size][name]["queries"] == at_l["queries"] for size in MEASURED if size != "S"
        ), name
        # S reads no list it has no rows of (bench/tests/test_budgets.py EMPTY_AT_S).
        assert results["S"][name]["queries"] <= at_l["queries"], name


def pages_of(results) -> list[str]:
    return [name for name in results["L"] if name not in (FLOOR, BARE)]


def targets(results, slots) -> list[tuple[str, str, bool]]:
    """The scale targets, each with this run's figure and whether it holds."""
    floor = results["L"][FLOOR]["median"]
    rows = [
        (
            f"queries a signed-in request runs before its view ≤ {BEFORE_VIEW_LIMIT}",
            str(results["L"][FLOOR]["queries"] - 1),
            results["L"][FLOOR]["queries"] - 1 <= BEFORE_VIEW_LIMIT,
        )
    ]
    for name in pages_of(results):
        at_l, at_s = results["L"][name], results["S"][name]
        ratio, high = at_l["median"] / floor, at_l["p95"] / floor
        growth = at_l["median"] / at_s["median"]
        rows.append(
            (f"{name}: median L ÷ floor ≤ {MEDIAN_LIMIT}", f"{ratio:.2f}", ratio <= MEDIAN_LIMIT)
        )
        rows.append((f"{name}: p95 L ÷ floor ≤ {P95_LIMIT}", f"{high:.2f}", high <= P95_LIMIT))
        rows.append(
            (
                f"{name}: median L ÷ median S ≤ {GROWTH_LIMIT}",
                f"{growth:.2f}",
                growth <= GROWTH_LIMIT,
            )
        )
        if "XL" in results:
            at_xl = results["XL"][name]
            spread = at_xl["median"] / at_l["median"]
            same = at_xl["queries"] == at_l["queries"]
            rows.append(
                (
                    f"{name}: median XL ÷ median L ≤ {XL_LIMIT}, same queries",
                    f"{spread:.2f}, {at_xl['queries']} = {at_l['queries']}"
                    if same
                    else f"{spread:.2f}, {at_xl['queries']} ≠ {at_l['queries']}",
                    spread <= XL_LIMIT and same,
                )
            )
    ninety = slots[90]["median"] / floor
    rows.append(("free slots, 90 days ÷ floor ≤ 5", f"{ninety:.2f}", ninety <= 5))
    spread = slots[90]["median"] / slots[30]["median"]
    rows.append(("free slots, 90 days ÷ 30 days ≤ 3.5", f"{spread:.2f}", spread <= 3.5))
    return rows


def http_targets(served) -> list[tuple[str, str, bool]]:
    return [
        (f"HTTP: {name}: 0 errors", str(row["errors"]), row["errors"] == 0)
        for name, row in served.items()
    ]


def target_table(rows) -> list[str]:
    held = sum(ok for *_, ok in rows)
    return [
        f"{held} of {len(rows)} hold in this run.",
        "",
        "| target | this run | holds |",
        "|---|---:|---|",
        *(f"| {what} | {figure} | {'yes' if ok else '**no**'} |" for what, figure, ok in rows),
    ]


def reminders_target() -> tuple[str, str, bool] | None:
    """The reminders' ratio to no-op tasks, as bench/test_reminders_bench.py wrote it this run."""
    written = Path(settings.BASE_DIR) / "bench" / "REMINDERS.md"
    found = re.search(r"^\| ratio B / A \| ([\d.]+) \|", written.read_text(), re.M)
    if not found:
        return None
    ratio = float(found[1])
    return ("10,000 reminders ÷ 10,000 no-op tasks ≤ 1.5", f"{ratio:.2f}", ratio <= 1.5)


def page_table(results) -> list[str]:
    floor = results["L"][FLOOR]["median"]
    xl = "XL" in results
    head = "| page | queries S | queries L |" + (" queries XL |" if xl else "")
    head += " median L | p95 L | median L ÷ floor | p95 L ÷ floor | L ÷ S |"
    head += " XL ÷ L |" if xl else ""
    lines = [head, "|---" + "|---:" * (head.count("|") - 2) + "|"]
    for name in [FLOOR, *pages_of(results)]:
        at_l, at_s = results["L"][name], results["S"][name]
        row = f"| {name} | {at_s['queries']} | {at_l['queries']} |"
        row += f" {results['XL'][name]['queries']} |" if xl else ""
        row += (
            f" {at_l['median']:.1f} ms | {at_l['p95']:.1f} ms | {at_l['median'] / floor:.2f} | "
            f"{at_l['p95'] / floor:.2f} | {at_l['median'] / at_s['median']:.2f} |"
        )
        row += f" {results['XL'][name]['median'] / at_l['median']:.2f} |" if xl else ""
        lines.append(row)
    return lines


def sizes_text(seeding) -> str:
    L, S = SIZES["L"], SIZES["S"]
    text = (
        f"L = {L.coaches} coaches, {L.clients:,} clients, {L.appointments:,} appointments, "
        f"{L.groups} Backstage groups, {L.messages:,} e-mail coaching messages (seeded and "
        f"vacuumed in {seeding['L']:.0f} s); S = {S.clients} clients, {S.appointments} "
        "appointments."
    )
    if "XL" in MEASURED:
        XL = SIZES["XL"]
        text += (
            f" XL = a network of practices on one installation: {XL.coaches} coaches, "
            f"{XL.clients:,} clients, {XL.appointments:,} appointments, {XL.groups:,} groups, "
            f"{XL.messages:,} messages (seeded with PostgreSQL's COPY and vacuumed in "
            f"{seeding['XL']:.0f} s)."
        )
    return text + (
        " The practices share the database. The pages are each practice's first coach's "
        "(1,000 clients at L and at XL: XL ÷ L is what the other coaches' data costs)."
    )


# Long: the document, section after section, in the order a reader wants them.
def write(results, seeding, slots, booking, served) -> None:
    floor_s, floor_l = results["S"][FLOOR]["median"], results["L"][FLOOR]["median"]
    bare = results["L"][BARE]["median"]
    rows = targets(results, slots) + http_targets(served)
    reminders = reminders_target()
    if reminders:
        rows.append(reminders)
    lines = [
        "# Benchmarks",
        "",
        f"`make bench` on {timezone.localdate():%Y-%m-%d}, on {platform.node()}: "
        f"{os.cpu_count()} cores, {platform.machine()}, {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}, Django "
        f"{django.get_version()}, PostgreSQL {connection.pg_version // 10000}, Redis for the "
        "cache and the sessions as in production. In-process through Django's test client (no "
        "network), in a plain Django process of its own (`bench/measure.py`): "
        f"{WARMUP} warm-up rounds, then {ROUNDS} rounds that open every page once in turn, at "
        "each size (the sizes are measured together, so that they share the machine's busier "
        "and quieter minutes).",
        "",
        sizes_text(seeding),
        "",
        "## Targets",
        "",
        *target_table(rows),
        "",
        "## The main pages",
        "",
        *page_table(results),
        "",
        f"Floor: {floor_s:.1f} ms at S, {floor_l:.1f} ms at L.",
        "",
        "S's pages hold what a practice of 10 clients has (a client list of 10, a few rows in "
        "each list of *Vandaag*); L's hold what the pages show at most (a client list page of "
        "25, the first 10 of each list on *Vandaag*): part of L ÷ S is a fuller page, not a "
        "slower query.",
        "",
        "## The floor: what every page pays",
        "",
        f"A signed-in request runs {results['L'][FLOOR]['queries'] - 1} query before its view: "
        "the user, with their coach profile and whether they have a second factor "
        "(`coaching/auth_backends.py`); the session is read from the cache (Redis in "
        "production, `cached_db`: written through to the database). The floor page adds one "
        f"query of its own. Floor {floor_l:.2f} ms; a bare Django view without middleware, "
        f"session, template or query (`bench/views.py` `bare`) {bare:.2f} ms in the same run: "
        f"the floor is {floor_l / bare:.0f}× Django's own cost. That is the middleware "
        "(security headers, sessions, CSRF, the user, the language, messages, CSP, allauth, "
        "the second-factor check) and the base template with its menu, and every page pays it.",
        "",
        "## Free slots (the first coach, a one-hour session)",
        "",
        "At L the first coach's calendar is booked for the next weeks, so 30 days hold few free "
        "times and 90 days many.",
        "",
        "| days | slots | queries | median | ÷ floor |",
        "|---:|---:|---:|---:|---:|",
        *(
            f"| {days} | {row['slots']} | {row['queries']} | {row['median']:.1f} ms | "
            f"{row['median'] / floor_l:.2f} |"
            for days, row in slots.items()
        ),
        "",
        f"90 days ÷ 30 days: {slots[90]['median'] / slots[30]['median']:.2f}.",
        "",
        "## Booking",
        "",
        f"{booking['count']} bookings one after another through the portal's service "
        f"(`portal_book`: checks, lock, insert): median {booking['median']:.1f} ms, p95 "
        f"{booking['p95']:.1f} ms.",
        "",
        f"50 bookings of one slot at the same moment (50 threads, each its own connection): "
        f"{booking['booked']} booked, {booking['taken']} told the slot was taken, "
        f"{len(booking['other'])} other outcomes; {booking['rows']} appointment in the "
        f"database; {booking['wall']:.0f} ms for all 50.",
        "",
        "## HTTP: gunicorn with production settings",
        "",
        f"gunicorn ({http.WORKERS} workers, `PRAKTIJK_ENV=production`: DEBUG off, Redis cache "
        "and sessions, every middleware, static files collected) serves the L practice over a "
        f"socket to wrk in another process: {http.CONNECTIONS} connections for {http.SECONDS} s "
        "per page after 3 s of warm-up, each page opened by its person (the first coach, or "
        "the client whose page it is). A redirect counts as an error. Client and server share "
        f"the {os.cpu_count()} cores.",
        "",
        "| page | requests/s | median | p95 | requests/s ÷ floor's | errors |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {name} | {row['rps']:.0f} | {row['p50']:.1f} ms | {row['p95']:.1f} ms | "
            f"{row['rps'] / served[FLOOR]['rps']:.2f} | {row['errors']} |"
            for name, row in served.items()
        ),
        "",
        "## Reminders",
        "",
        "The reminder fan-out (10,000 reminders through Redis and a real worker into a local "
        "SMTP server, against 10,000 no-op tasks in the same run) is measured by the same "
        "`make bench` and written to [bench/REMINDERS.md](../bench/REMINDERS.md); its target "
        "is in the table above.",
        "",
        *SCALING_OUT,
    ]
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
