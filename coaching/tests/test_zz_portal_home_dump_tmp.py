from pathlib import Path

from coaching.tests.test_portal_home import *  # noqa: F403
from coaching.tests.test_portal_home import backstage, fill, home


def test_dump(client, coach_a, coach_b, coachee, eva, session_type, questionnaires):
    open_all_week(coach_b)  # noqa: F405
    backstage(coach_a, eva)
    fill(eva, coach_a, 2, session_type, hour=9)
    child = GuardianFactory(client__coach=coach_b, client__first_name="Kind", account=coachee)  # noqa: F405
    fill(child.client, coach_b, 2, session_type, hour=12)
    Path("/tmp/portal_home_dump.html").write_text(home(client, coachee))
