"""The report's figures against the practice of reports/tests/practice.py, counted by hand
(its comments say which row counts where). Run on SQLite and on PostgreSQL: the month of a
moment is Amsterdam's on both."""

from datetime import date
from decimal import Decimal

import pytest

from reports.periods import Period
from reports.report import report
from reports.sections import Scope
from reports.tests import practice

pytestmark = pytest.mark.django_db

MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)
PERIOD = Period(MARCH, APRIL)
D = Decimal

# Per section: (March, April, total) of each column, in the columns' order.
PRACTICE = {
    "sessies": [(3, 1, 2, 0, 1), (2, 1, 0, 1, 0), (5, 2, 2, 1, 1)],
    "clienten": [(2, 0, 2), (2, 2, 0), (4, 2, 2)],
    "trajecten": [
        (2, 1, 0, 1, 28.0),
        (1, 1, 2, 0, 125.0),
        (3, 2, 2, 1, 92.7),
    ],
    "email": [
        (2, 2, 1, 0, 50.0, 16.5),
        (2, 1, 1, 1, 100.0, 10.0),
        (4, 3, 2, 1, 66.7, 14.3),
    ],
    "backstage": [(2, 1, 4, 3, 40.0, 75.0), (1, 1, 3, 2, 30.0, 66.7), (3, 2, 7, 5, 35.0, 71.4)],
    "facturen": [
        (D("181.50"), D("121.00"), D("60.50")),
        (D("248.40"), D("200.00"), D("48.40")),
        (D("429.90"), D("321.00"), D("108.90")),
    ],
    "strippenkaarten": [(1, 1, 1), (1, 1, 4), (2, 2, 5)],
}
ANNA = {
    "sessies": [(2, 1, 1, 0, 1), (2, 0, 0, 1, 0), (4, 1, 1, 1, 1)],
    "clienten": [(1, 0, 1), (2, 2, 0), (3, 2, 1)],
    "trajecten": [
        (1, 1, 0, 1, 28.0),
        (1, 0, 1, 0, 100.0),
        (2, 1, 1, 1, 64.0),
    ],
    "email": [
        (2, 2, 1, 0, 50.0, 16.5),
        (1, 0, 0, 1, None, None),
        (3, 2, 1, 1, 50.0, 16.5),
    ],
    "backstage": PRACTICE["backstage"],
    "facturen": [
        (D("181.50"), D("121.00"), D("60.50")),
        (D("48.40"), D("0.00"), D("48.40")),
        (D("229.90"), D("121.00"), D("108.90")),
    ],
    "strippenkaarten": [(1, 1, 1), (0, 1, 4), (1, 2, 5)],
}
BERT = {
    "sessies": [(1, 0, 1, 0, 0), (0, 1, 0, 0, 0), (1, 1, 1, 0, 0)],
    "clienten": [(1, 0, 1), (0, 0, 0), (1, 0, 1)],
    "trajecten": [
        (1, 0, 0, 0, None),
        (0, 1, 1, 0, 150.0),
        (1, 1, 1, 0, 150.0),
    ],
    "email": [(0, 0, 0, 0, None, None), (1, 1, 1, 0, 100.0, 10.0), (1, 1, 1, 0, 100.0, 10.0)],
    "backstage": [(0, 0, 0, 0, None, None)] * 3,
    "facturen": [
        (D("0.00"), D("0.00"), D("0.00")),
        (D("200.00"), D("200.00"), D("0.00")),
        (D("200.00"), D("200.00"), D("0.00")),
    ],
    "strippenkaarten": [(0, 0, 0), (1, 0, 0), (1, 0, 0)],
}


@pytest.fixture
def world():
    return practice.build()


def tables(coach) -> dict[str, list[tuple]]:
    found = {}
    for result in report(Scope(period=PERIOD, coach=coach, now=practice.NOW)):
        keys = [column.key for column in result.columns]
        assert [month for month, _row in result.rows] == [MARCH, APRIL]
        found[result.key] = [
            *[tuple(row[key] for key in keys) for _month, row in result.rows],
            tuple(result.total[key] for key in keys),
        ]
    return found


def test_the_practice_as_counted_by_hand(world):
    assert tables(None) == PRACTICE


@pytest.mark.parametrize("name", ["anna", "bert"])
def test_each_coach_as_counted_by_hand(world, name):
    assert tables(world[name]) == {"anna": ANNA, "bert": BERT}[name]


def test_the_coaches_add_up_to_the_practice(world):
    """Every count of the practice is Anna's plus Bert's (the shares and averages aside)."""
    whole, anna, bert = tables(None), tables(world["anna"]), tables(world["bert"])
    for key, rows in whole.items():
        for row, a, b in zip(rows, anna[key], bert[key], strict=True):
            for value, x, y in zip(row, a, b, strict=True):
                if isinstance(value, int | Decimal) and not isinstance(value, bool):
                    assert value == x + y, (key, row)


def test_a_month_without_rows_reads_zero_and_the_period_has_every_month(world):
    (sessions, *_rest) = report(
        Scope(period=Period(date(2025, 12, 1), APRIL), coach=None, now=practice.NOW)
    )
    assert [month for month, _row in sessions.rows] == [
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
        MARCH,
        APRIL,
    ]
    assert sessions.rows[0][1]["held"] == 0
    assert sessions.rows[2][1]["held"] == 1  # 23:00 on 28 February
    assert sessions.total["held"] == 6


def test_what_is_overdue_depends_on_the_day(world):
    """On 20 April the invoice of 15 April is not due yet, and the e-mail of 2 April is late."""
    from reports.tests.practice import local

    results = {
        r.key: r for r in report(Scope(period=PERIOD, coach=None, now=local(2026, 4, 20, 12)))
    }
    assert results["facturen"].rows[1][1]["overdue"] == D("0.00")
    assert results["email"].rows[1][1]["open_late"] == 1
    early = {r.key: r for r in report(Scope(period=PERIOD, coach=None, now=local(2026, 4, 3, 8)))}
    assert early["email"].rows[1][1]["open_late"] == 0
