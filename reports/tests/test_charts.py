"""The chart's geometry: SVG numbers with a decimal point whatever the page's language, stacked
bars that add up, a line that breaks where a month has no figure."""

from datetime import date

from django.utils import translation

from reports.charts import HEIGHT, TOP, chart, nice_step
from reports.sections import GROUPS, SESSIONS


def rows(values: list[dict]) -> list[tuple[date, dict]]:
    return [(date(2026, month, 1), row) for month, row in enumerate(values, start=1)]


def test_a_step_of_one_two_two_and_a_half_or_five():
    assert [nice_step(top) for top in (0, 3, 8, 9, 37, 1000, 0.4)] == [
        0.25,
        1,
        2,
        2.5,
        10,
        250,
        0.25,
    ]


def test_stacked_bars_add_up_and_numbers_have_a_decimal_point():
    empty = {"held": 0, "no_show": 0, "late_client": 0, "late_parent": 0, "by_practice": 0}
    with translation.override("nl"):
        drawn = chart(SESSIONS, rows([{**empty, "held": 3, "no_show": 1}, empty]))
    bars = [shape for shape in drawn["shapes"] if shape["shape"] == "rect"]
    assert len(bars) == 2  # nothing drawn for the zeros
    for shape in bars:
        for key in ("x", "y", "width", "height"):
            assert "," not in shape[key]
            float(shape[key])
    held, no_show = bars
    # The no-show sits on top of the held sessions, and the two reach 4 on the axis.
    assert float(no_show["y"]) + float(no_show["height"]) == float(held["y"])
    assert [tick["text"] for tick in drawn["ticks"]] == ["0", "1", "2", "3", "4"]
    assert float(no_show["y"]) == TOP
    assert float(held["y"]) + float(held["height"]) == HEIGHT - 28
    assert held["title"] == "Gehouden, januari 2026: 3"
    assert 'fill="url(#sessies-t1)"' in drawn["drawing"]  # the no-shows' texture


def test_a_line_breaks_where_a_month_has_no_figure():
    drawn = chart(
        GROUPS,
        rows(
            [
                {"fill": 40.0, "attendance_share": 75.0},
                {"fill": None, "attendance_share": None},
                {"fill": 30.0, "attendance_share": 66.7},
                {"fill": 35.0, "attendance_share": 70.0},
            ]
        ),
    )
    lines = [shape for shape in drawn["shapes"] if shape["shape"] == "line"]
    # One line per series from March on: January stands alone (a marker, no line).
    assert len(lines) == 2
    assert all(len(line["points"].split()) == 2 for line in lines)
    markers = [shape for shape in drawn["shapes"] if shape["shape"] in ("circle", "square")]
    assert len(markers) == 6
