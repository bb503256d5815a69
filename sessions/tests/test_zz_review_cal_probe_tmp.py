import json, re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo
import pytest
from django.test import Client as TC
from django.utils import timezone
from sessions.tests.test_calendar_grid import book, at, JSON, make_group
from trajects.tests.factories import running_traject
from sessions.models import Appointment, WorkingHours

U = ZoneInfo("UTC")

@pytest.mark.django_db
def test_probe(client, coach_a):
    traject = running_traject(coach_a, client__coach=coach_a, client__first_name="Noor")
    a = book(coach_a, at(date(2027, 5, 5), 10), 60, traject=traject)
    c = TC(enforce_csrf_checks=True)
    c.force_login(coach_a)
    r = c.post(f"/coach/afspraken/{a.uuid}/verzetten/", {"start": "2027-05-06T10:00"}, HTTP_ACCEPT="application/json")
    print("csrf appt", r.status_code, r["Content-Type"], r.content[:200])
    g = make_group(coach_a)
    m = g.meetings.get(number=1)
    r = c.post(f"/coach/bijeenkomsten/{m.uuid}/", {"start": "2027-05-06T10:00", "action": "move"}, HTTP_ACCEPT="application/json")
    print("csrf meeting", r.status_code, r["Content-Type"])
    client.force_login(coach_a)
    for s in ("2027-03-28T02:30", "2027-10-31T02:30"):
        r = client.post(f"/coach/afspraken/{a.uuid}/verzetten/", {"start": s}, **JSON)
        print("move", s, r.status_code, r.content.decode())
        r = client.get(f"/coach/agenda/nieuw/?start={s}")
        print("new", s, re.search(r'name="start"[^>]*', r.text)[0])
    # midnight crossing
    late = book(coach_a, datetime(2027, 6, 2, 23, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), 120, traject=traject)
    for v, d in (("day", "2027-06-02"), ("day", "2027-06-03"), ("week", "2027-06-02")):
        r = client.get(f"/coach/agenda/?view={v}&date={d}")
        print(v, d, str(late.uuid) in r.text, r.text.count("cal-free"))
    # bad inputs
    for q in ("?view=month&date=2027-02-29", "?view=day&date=", "?week=xx&view=month", "?date=2026-12-31&view=month", "?traject=../../"):
        print(q, client.get("/coach/agenda/" + q).status_code)
