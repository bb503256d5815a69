"""The coach's dashboard at any size: the recently changed dossiers come from the
traject's own `dossier_changed_at`, kept by every version the dossier gets; each list shows its
first rows and how many there are, and the rest is in the client list under a filter of the
same name, for the coach's own clients only."""

import importlib
from datetime import datetime, timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from coaching.tests.factories import ClientFactory
from trajects.models import Traject
from trajects.services.dossier import _dossier_changed, dossier_entry_correct, intake_update
from trajects.services.email_coaching import email_switch_request, message_write
from trajects.tests.factories import TrajectFactory, note, running_traject
from trajects.views.dashboard import SHOWN

pytestmark = pytest.mark.django_db


def changed(traject) -> datetime | None:
    traject.refresh_from_db()
    return traject.dossier_changed_at


class TestTheDossierKeepsWhenItChanged:
    def test_every_version_moves_it_forward(self, coach_a):
        traject = TrajectFactory(client__coach=coach_a)
        assert changed(traject) is None
        traject = running_traject(coach_a, client__coach=coach_a)  # the intake's version 1
        after_intake = changed(traject)
        assert after_intake == traject.intake_versions.get().created_at
        entry = note(traject, coach_a)
        after_entry = changed(traject)
        assert after_entry == entry.versions.get().created_at > after_intake
        correction = dossier_entry_correct(entry=entry, by=coach_a, text="Beter zo.")
        assert changed(traject) == correction.created_at > after_entry
        update = intake_update(
            traject=traject,
            by=coach_a,
            help_question="Faalangst",
            life_history="",
            steps_taken="",
            goals="Rust",
        )
        assert changed(traject) == update.created_at > correction.created_at

    def test_an_older_version_never_moves_it_back(self, coach_a):
        # A correction does not lock the traject: a newer version may have been written first.
        traject = running_traject(coach_a, client__coach=coach_a)
        newest = changed(traject)
        _dossier_changed(traject.pk, newest - timedelta(seconds=1))
        assert changed(traject) == newest
        _dossier_changed(traject.pk, newest + timedelta(seconds=1))
        assert changed(traject) == newest + timedelta(seconds=1)

    def test_the_migration_fills_it_in_for_the_versions_written_before(self, coach_a):
        only_intake = running_traject(coach_a, client__coach=coach_a)
        with_entries = running_traject(coach_a, client__coach=coach_a)
        entry = note(with_entries, coach_a)
        newest = dossier_entry_correct(entry=entry, by=coach_a, text="Later gecorrigeerd.")
        untouched = TrajectFactory(client__coach=coach_a)
        Traject.objects.update(dossier_changed_at=None)
        migration = importlib.import_module("trajects.migrations.0009_dossier_changed_at")
        migration.fill_in(apps, None)
        assert changed(only_intake) == only_intake.intake_versions.get().created_at
        assert changed(with_entries) == newest.created_at
        assert changed(untouched) is None


def dashboard(client, coach) -> str:
    client.force_login(coach)
    response = client.get("/coach/")
    assert response.status_code == 200
    return response.content.decode()


class TestRecentDossiers:
    def test_the_latest_change_comes_first_and_another_coachs_never(self, client, coach_a, coach_b):
        old = running_traject(coach_a, client__coach=coach_a, client__first_name="Oudste")
        entry = note(old, coach_a)
        newer = running_traject(coach_a, client__coach=coach_a, client__first_name="Nieuwere")
        theirs = running_traject(coach_b, client__coach=coach_b, client__first_name="Andermans")
        note(theirs, coach_b)
        page = dashboard(client, coach_a)
        recent = page[page.index('id="recent-heading"') :]
        assert recent.index("Nieuwere") < recent.index("Oudste")
        assert "Andermans" not in page
        dossier_entry_correct(entry=entry, by=coach_a, text="Gecorrigeerd.")
        recent = dashboard(client, coach_a)
        recent = recent[recent.index('id="recent-heading"') :]
        assert recent.index("Oudste") < recent.index("Nieuwere")
        assert newer.client.first_name in recent

    def test_at_most_the_first_rows(self, client, coach_a):
        for n in range(SHOWN + 2):
            note(
                running_traject(coach_a, client__coach=coach_a, client__first_name=f"C{n:02}"),
                coach_a,
            )
        recent = dashboard(client, coach_a)
        recent = recent[recent.index('id="recent-heading"') :]
        assert recent.count("/coach/trajecten/") == SHOWN
        assert f"C{SHOWN + 1:02}" in recent and "C00" not in recent


class TestListsShowTheirFirstRowsAndLinkToTheRest:
    def test_a_waiting_row_is_text_not_html(self, client, coach_a):
        """The rows are written in Python (trajects/dashboard_html.py): the client's name and
        the traject's title come out escaped, with the link, what to do and the phase."""
        traject = TrajectFactory(
            client__coach=coach_a,
            client__first_name='<img src=x onerror="alert(1)">',
            title="Rust & <i>ruimte</i>",
        )
        page = dashboard(client, coach_a)
        waiting = page[page.index('id="waiting-heading"') : page.index('id="recent-heading"')]
        row = waiting[waiting.index(f'href="/coach/trajecten/{traject.uuid}/"') :]
        row = row[: row.index("</li>")]
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in row
        assert "– Rust &amp; &lt;i&gt;ruimte&lt;/i&gt;" in row
        assert "Kennismaking plannen" in row and "aanmelding" in row.lower()
        assert "<img" not in waiting and "<i>" not in waiting

    def test_waiting(self, client, coach_a, coach_b):
        for n in range(SHOWN + 3):
            TrajectFactory(client__coach=coach_a, client__first_name=f"Wacht{n:02}")
        TrajectFactory(client__coach=coach_b, client__first_name="Andermans")
        page = dashboard(client, coach_a)
        waiting = page[page.index('id="waiting-heading"') : page.index('id="recent-heading"')]
        assert waiting.count("/coach/trajecten/") == SHOWN
        assert f"{SHOWN} van {SHOWN + 3} getoond" in waiting
        assert "/coach/clienten/?status=wacht" in waiting
        listed = client.get("/coach/clienten/?status=wacht").content.decode()
        assert f"{SHOWN + 3} cliënten" in listed
        assert "Andermans" not in listed

    def test_each_waiting_traject_says_what_comes_next(self, client, coach_a):
        today = timezone.localdate()
        TrajectFactory(client__coach=coach_a, client__first_name="Nieuw")
        thinking = TrajectFactory(
            client__coach=coach_a, client__first_name="Denkt", registered_on=today - timedelta(30)
        )
        thinking.advance("record_kennismaking", by=coach_a, on=today - timedelta(20), mode="phone")
        planned = TrajectFactory(
            client__coach=coach_a, client__first_name="Gepland", registered_on=today - timedelta(9)
        )
        planned.advance(
            "plan_kennismaking",
            by=coach_a,
            on=today - timedelta(8),
            mode="video",
            planned_at=timezone.now() - timedelta(days=1),
        )
        page = dashboard(client, coach_a)
        waiting = page[page.index('id="waiting-heading"') : page.index('id="recent-heading"')]
        rows = {
            name: waiting[waiting.index(name) : waiting.index("</li>", waiting.index(name))]
            for name in ("Nieuw", "Denkt", "Gepland")
        }
        assert "Kennismaking plannen" in rows["Nieuw"] and "aanmelding" in rows["Nieuw"]
        assert "Bedenktijd loopt al 2\xa0weken, 6\xa0dagen: vraag naar het besluit" in rows["Denkt"]
        assert "Kennismaking van " in rows["Gepland"] and " vastleggen" in rows["Gepland"]
        assert f'href="/coach/trajecten/{planned.uuid}/">Gepland' in waiting

    def test_a_short_list_has_no_link(self, client, coach_a):
        TrajectFactory(client__coach=coach_a)
        page = dashboard(client, coach_a)
        assert "?status=wacht" not in page

    def test_messages_to_answer_switch_requests_and_quiet_conversations(
        self, client, coach_a, coach_b
    ):
        long_ago = timezone.now() - timedelta(weeks=10)
        for n in range(SHOWN + 1):
            asking = TrajectFactory(
                client__coach=coach_a, client__first_name=f"Vraag{n:02}", kind="email"
            )
            message_write(traject=asking, by=coach_a, body="Een vraag", from_coach=False)
            email_switch_request(traject=asking)
            quiet = TrajectFactory(
                client__coach=coach_a, client__first_name=f"Stil{n:02}", kind="email"
            )
            # Both began long ago; only the one without a recent message is quiet.
            Traject.objects.filter(pk__in=[asking.pk, quiet.pk]).update(created_at=long_ago)
        # A second open message of one coachee: one more message, not one more client.
        message_write(traject=asking, by=coach_a, body="Nog een vraag", from_coach=False)
        theirs = TrajectFactory(client__coach=coach_b, client__first_name="Andermans", kind="email")
        message_write(traject=theirs, by=coach_b, body="Hallo", from_coach=False)
        email_switch_request(traject=theirs)
        their_quiet = TrajectFactory(
            client__coach=coach_b, client__first_name="Anderstil", kind="email"
        )
        Traject.objects.filter(pk=their_quiet.pk).update(created_at=long_ago)
        page = dashboard(client, coach_a)
        assert "Andermans" not in page and "Anderstil" not in page
        messages = page[page.index('id="messages-heading"') : page.index("email-attention-heading")]
        assert messages.count("/coach/trajecten/") == SHOWN
        assert f"{SHOWN} van {SHOWN + 2} getoond" in messages
        for list_id in ("switch-list", "quiet-list"):
            shown = page[page.index(f'id="{list_id}"') :]
            assert shown[: shown.index("</ul>")].count("<li>") == SHOWN, list_id
        for name in ("antwoord", "live", "stil"):
            assert f"/coach/clienten/?status={name}" in page, name
            listed = client.get(f"/coach/clienten/?status={name}").content.decode()
            assert f"{SHOWN + 1} cliënten" in listed, name
            assert "Andermans" not in listed and "Anderstil" not in listed, name
        quiet_list = client.get("/coach/clienten/?status=stil").content.decode()
        assert "Stil00" in quiet_list and "Vraag00" not in quiet_list


def test_an_unknown_filter_filters_nothing(client, coach_a):
    ClientFactory(coach=coach_a)
    client.force_login(coach_a)
    response = client.get("/coach/clienten/?status=iets")
    assert response.status_code == 200
    assert "1 cliënt" in response.content.decode()
