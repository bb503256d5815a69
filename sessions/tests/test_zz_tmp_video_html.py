import pytest
from pathlib import Path
from coaching.tests.test_html_valid import run_vnu
from sessions.tests.test_video_links import book, eva_traject, session_type, _pattern  # noqa

pytestmark = pytest.mark.django_db

def test_pages(client, coach_a, coachee, eva_traject, tmp_path):
    a = book(coach_a, eva_traject)
    client.force_login(coach_a)
    pages = {"detail": client.get(f"/coach/afspraken/{a.uuid}/").content, "profile": client.get("/coach/profiel/").content}
    client.force_login(coachee)
    pages["portal"] = client.get("/portaal/afspraken/").content
    for k, v in pages.items():
        (tmp_path / f"{k}.html").write_bytes(v)
    msgs = [m for m in run_vnu(tmp_path) if m.get("type") == "error"]
    assert msgs == []
