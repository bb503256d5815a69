import json, os
from datetime import timedelta
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from coaching.models import Client
from sessions.booking import portal_book
from sessions.models import Appointment, SessionType
from sessions.tests.test_pages import future, open_all_week
from trajects.tests.factories import running_traject

OUT = "/tmp/h4/counts_%s.json" % os.environ.get("H4_TAG", "x")

@pytest.mark.django_db
def test_measure(client, coach_a, coachee):
    open_all_week(coach_a)
    traject = running_traject(coach_a, client=Client.objects.get(account=coachee))
    st = SessionType.objects.create(kind="session", name="S", default_minutes=60,
        allowed_modes=["practice", "video"], bookable_online=True)
    appt = portal_book(account=coachee, traject=traject, session_type=st, start=future(5), mode="practice")
    counts = {}
    def measure(name, fn):
        with CaptureQueriesContext(connection) as q:
            r = fn()
        counts[name] = (r.status_code, len(q))
    client.force_login(coachee)
    book = f"/portaal/afspraken/boeken/{traject.uuid}/{st.pk}/"
    measure("book GET", lambda: client.get(book))
    measure("book GET video", lambda: client.get(book + "?mode=video"))
    measure("book POST bad", lambda: client.post(book, {"slot": "x", "mode": "practice"}))
    measure("book POST inside", lambda: client.post(book, {"slot": future(0.5).isoformat() if False else "", "mode": "practice"}))
    measure("book POST ok", lambda: client.post(book, {"slot": future(8).isoformat(), "mode": "practice"}))
    res = f"/portaal/afspraken/{appt.uuid}/verzetten/"
    measure("move GET", lambda: client.get(res))
    measure("move POST ok", lambda: client.post(res, {"slot": future(9).isoformat()}))
    measure("list", lambda: client.get("/portaal/afspraken/"))
    measure("ics client", lambda: client.get(f"/afspraken/{appt.uuid}/afspraak.ics"))
    client.force_login(coach_a)
    measure("detail", lambda: client.get(f"/coach/afspraken/{appt.uuid}/"))
    measure("ics coach", lambda: client.get(f"/afspraken/{appt.uuid}/afspraak.ics"))
    measure("feed", lambda: client.get(f"/agenda/{coach_a.coach_profile.calendar_token}.ics"))
    client.logout()
    measure("kennismaking", lambda: client.get("/kennismaking/"))
    json.dump(counts, open(OUT, "w"), indent=1)
