"""The one date format of every page and e-mail (coaching/dates.py, the `datum` filter)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation

from coaching.dates import readable

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = date(2026, 12, 2)
MOMENT = datetime(2026, 12, 2, 13, 5, tzinfo=ZoneInfo("UTC"))  # 14:05 in Amsterdam


@pytest.mark.parametrize(
    ("value", "options", "dutch", "english"),
    [
        (date(2026, 12, 2), {}, "2 dec.", "Dec. 2"),
        (date(2026, 10, 23), {}, "23 okt.", "Oct. 23"),
        (date(2025, 10, 23), {}, "23 okt. 2025", "Oct. 23, 2025"),
        (date(2026, 5, 6), {}, "6 mei", "May 6"),
        (date(2026, 3, 6), {"year": True}, "6 mrt. 2026", "Mar. 6, 2026"),
        (MOMENT, {"time": True}, "2 dec. 14:05", "Dec. 2 14:05"),
        (MOMENT, {"time": True, "weekday": True}, "wo 2 dec. 14:05", "Wed Dec. 2 14:05"),
        (MOMENT, {"weekday": True, "long": True}, "woensdag 2 december", "Wednesday December 2"),
        (datetime(2027, 1, 4, 9, 0, tzinfo=AMS), {"time": True}, "4 jan. 2027 09:00",
         "Jan. 4, 2027, 09:00"),
    ],
)  # fmt: skip
def test_a_date_as_a_person_reads_it(value, options, dutch, english):
    with translation.override("nl"):
        assert readable(value, today=TODAY, **options) == dutch
    with translation.override("en"):
        assert readable(value, today=TODAY, **options) == english


def test_the_time_is_the_practices_and_nothing_gives_nothing():
    late = datetime(2026, 12, 31, 23, 30, tzinfo=ZoneInfo("UTC"))  # 1 January in Amsterdam
    with translation.override("nl"):
        assert readable(late, time=True, today=TODAY) == "1 jan. 2027 00:30"
        assert readable(None) == ""


def test_the_filter_takes_flags_and_refuses_unknown_ones(settings):
    with translation.override("nl"):
        page = Template('{{ day|datum }} · {{ day|datum:"jaar" }} · {{ day|datum:"dag,lang" }}')
        text = page.render(Context({"day": date(2026, 12, 2)}))
    assert text.startswith("2 dec.") and "2 dec. 2026" in text and "woensdag 2 december" in text
    with pytest.raises(TemplateSyntaxError):
        Template('{{ day|datum:"uur" }}').render(Context({"day": date(2026, 12, 2)}))
