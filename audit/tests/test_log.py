"""The audit log: what is written, that nobody can change it, and who sees it.

`test_every_page_with_client_data_is_audited_or_says_why_not` fails on a new URL that takes a
client's data and is neither in AUDITED nor in NOT_AUDITED.
"""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from coaching.models import Client
from coaching.tests.factories import TEST_PASSWORD, GuardianFactory
from coaching.tests.test_permissions import all_url_patterns, quick_group
from groups.models import Contribution
from groups.services.members import member_add
from trajects.services.email_coaching import message_write
from trajects.services.evaluations import evaluation_request, token_for
from trajects.tests.factories import (
    ConsentFactory,
    ThirdPartyFactory,
    TrajectFactory,
    note,
    running_traject,
)

pytestmark = pytest.mark.django_db
TODAY = date.today()
# The turn of the coachee at the group's first meeting: its id names the fields of its forms.
TURN = "5e1f0c2a-7d3b-4c8e-9a61-0b2d4f6e8a10"


@pytest.fixture
def child(guardian):
    return Client.objects.get(guardians__account=guardian)


@pytest.fixture
def things(coach_a, coachee, guardian, child, questionnaires):
    """One object of every kind a logged page takes: the child's traject with a note and a
    consent, and the coachee's e-mail coaching with an attachment."""
    traject = running_traject(coach_a, client=child)
    party = ThirdPartyFactory(client=child)
    own = Client.objects.get(account=coachee)
    conversation = TrajectFactory(client=own, kind="email")
    message = message_write(
        traject=conversation,
        by=coachee,
        body="Vraag",
        from_coach=False,
        attachment=SimpleUploadedFile("a.pdf", b"%PDF-1.7 test"),
    )
    evaluation = evaluation_request(
        key="audit", kind="interim", client=child, traject=traject, prompt=False
    )
    group = quick_group(coach_a, first_start=timezone.now() + timedelta(days=40))
    membership = member_add(group=group, client=own, joined_on=TODAY)
    turn = Contribution.objects.create(
        uuid=TURN,
        meeting=group.meetings.get(number=1),
        membership=membership,
        turn=1,
        problem="Werkdruk",
        agreements="Nee zeggen",
    )
    return {
        "group": group,
        "turn": turn,
        "meeting": group.meetings.get(number=1),
        "meeting2": group.meetings.get(number=2),
        "client": child,
        "own": own,
        "traject": traject,
        "entry": note(traject, coach_a),
        "guardian": child.guardians.get(),
        "party": party,
        "consent": ConsentFactory(third_party=party, given_by_guardian=child.guardians.get()),
        "conversation": conversation,
        "message": message,
        "evaluation": evaluation,
    }


# url name → how it is reached (who, method, arguments, form), and the row it must write:
# (action, what, whose data). Each row is checked by test_the_page_writes_its_row.
AUDITED = {
    "client_detail": ("coach_a", "get", {"client": "client"}, {}, ("view", "client", "client")),
    "client_edit": ("coach_a", "get", {"client": "client"}, {}, ("view", "client", "client")),
    "client_edit:post": (
        "coach_a",
        "post",
        {"client": "client"},
        {"first_name": "Lotte", "last_name": "Ouder", "date_of_birth": "2016-09-03"},
        ("change", "client", "client"),
    ),
    "client_create:post": (
        "coach_a",
        "post",
        {},
        {"first_name": "Sam", "last_name": "de Vries", "date_of_birth": "1990-01-01"},
        ("create", "client", None),
    ),
    "guardian_create:post": (
        "coach_a",
        "post",
        {"client": "client"},
        {
            "first_name": "Mila",
            "last_name": "Ouder",
            "relation": "mother",
            "has_parental_authority": "True",
        },
        ("create", "guardian", "client"),
    ),
    "guardian_edit": (
        "coach_a",
        "get",
        {"guardian": "guardian"},
        {},
        ("view", "guardian", "client"),
    ),
    "guardian_edit:post": (
        "coach_a",
        "post",
        {"guardian": "guardian"},
        {
            "first_name": "Marco",
            "last_name": "Ouder",
            "relation": "father",
            "has_parental_authority": "True",
        },
        ("change", "guardian", "client"),
    ),
    "third_party_create:post": (
        "coach_a",
        "post",
        {"client": "client"},
        {"kind": "school", "name": "De Linde"},
        ("create", "third_party", "client"),
    ),
    "consent_create:post": (
        "coach_a",
        "post",
        {"client": "client"},
        {
            "third_party": "party",
            "purpose": "Overleg",
            "given_on": str(TODAY),
            "given_by_guardian": "guardian",
        },
        ("create", "consent", "client"),
    ),  # fmt: skip
    "consent_withdraw:post": (
        "coach_a",
        "post",
        {"consent": "consent"},
        {},
        ("change", "consent", "client"),
    ),
    "portal_consent_withdraw:post": (
        "guardian",
        "post",
        {"consent": "consent"},
        {},
        ("change", "consent", "client"),
    ),
    "guardian_invite_portal:post": (
        "coach_a",
        "post",
        {"guardian": "guardian"},
        {},
        None,  # the world's guardian has an account already: refused, nothing written
    ),
    "traject_new:post": (
        "coach_a",
        "post",
        {"client": "client"},
        {"kind": "standard", "title": "Tweede", "registered_on": str(TODAY)},
        ("create", "dossier", "client"),
    ),
    "traject_detail": ("coach_a", "get", {"traject": "traject"}, {}, ("view", "dossier", "client")),
    "traject_step:post": (
        "coach_a",
        "post",
        {"traject": "traject", "step": "close"},
        {"on": str(TODAY), "note": "Klaar"},
        ("change", "dossier", "client"),
    ),
    "intake_edit": ("coach_a", "get", {"traject": "traject"}, {}, ("view", "intake", "client")),
    "intake_edit:post": (
        "coach_a",
        "post",
        {"traject": "traject"},
        {"help_question": "Een nieuwe hulpvraag"},
        ("change", "intake", "client"),
    ),
    "entry_new:post": (
        "coach_a",
        "post",
        {"traject": "traject"},
        {"kind": "phone", "occurred_on": str(TODAY), "text": "Gebeld"},
        ("create", "entry", "client"),
    ),
    "entry_correct": ("coach_a", "get", {"entry": "entry"}, {}, ("view", "entry", "client")),
    "entry_correct:post": (
        "coach_a",
        "post",
        {"entry": "entry"},
        {"text": "Een betere tekst"},
        ("change", "entry", "client"),
    ),
    "portal_conversation": (
        "coachee",
        "get",
        {"traject": "conversation"},
        {},
        ("view", "messages", "own"),
    ),
    "portal_conversation:post": (
        "coachee",
        "post",
        {"traject": "conversation"},
        {"body": "Nog een vraag"},
        ("create", "messages", "own"),
    ),
    "portal_conversation_live:post": (
        "coachee",
        "post",
        {"traject": "conversation"},
        {},
        ("change", "dossier", "own"),
    ),
    "portal_conversation_close:post": (
        "coachee",
        "post",
        {"traject": "conversation"},
        {},
        ("change", "dossier", "own"),
    ),
    "coach_reply:post": (
        "coach_a",
        "post",
        {"traject": "conversation"},
        {"body": "Een antwoord"},
        ("create", "messages", "own"),
    ),
    "coach_switch:post": (
        "coach_a",
        "post",
        {"traject": "conversation"},
        {},
        ("change", "dossier", "own"),
    ),
    "message_attachment": (
        "coach_a",
        "get",
        {"message": "message"},
        {},
        ("view", "attachment", "own"),
    ),
    "client_export": ("coach_a", "get", {"client": "client"}, {}, ("export", "all_data", "client")),
    "portal_export": (
        "guardian",
        "get",
        {"client": "client"},
        {},
        ("export", "all_data", "client"),
    ),
    "group_detail": ("coach_a", "get", {"group": "group"}, {}, ("view", "backstage", "own")),
    "meeting_detail": ("coach_a", "get", {"meeting": "meeting"}, {}, ("view", "backstage", "own")),
    "turn_record": (
        "coach_a",
        "post",
        {"meeting": "meeting", "turn": "turn"},
        {f"{TURN}-problem": "Werkdruk", f"{TURN}-agreements": "Nee zeggen"},
        ("change", "backstage", "own"),
    ),
    "meeting_report_back": (
        "coach_a",
        "post",
        {"meeting": "meeting2"},
        {f"report-{TURN}": "Twee keer gelukt"},
        ("change", "backstage", "own"),
    ),
    "portal_turn_claim:post": (
        "coachee",
        "post",
        {"meeting": "meeting2"},
        {"problem": "Een lastige collega"},
        ("create", "backstage", "own"),
    ),
    "message_attachment:coachee": (
        "coachee",
        "get",
        {"message": "message"},
        {},
        ("view", "attachment", "own"),
    ),
}

# Pages that take a client's data in their address but write nothing, and why.
NOT_AUDITED = {
    "client_create": "an empty form",
    "client_log": "the log itself: reading it changes nothing and opens no dossier",
    "client_invite_portal": "logged on its POST (the account linked), like guardian_invite_portal",
    "guardian_create": "an empty form",
    "third_party_create": "an empty form",
    "consent_create": "a form with the client's third parties' names only",
    "consent_withdraw": "GET asks first (the party's name only); the withdrawal is logged",
    "portal_consent_withdraw": "GET asks first (the party's name only); the withdrawal is logged",
    "guardian_invite_portal": "POST only (logged when an account is linked)",
    "traject_new": "an empty form",
    "traject_step": "a form with the step's date and note, no dossier text (Intake vastleggen "
    "prefilled with the intake questionnaire's answers is logged as a view of the intake: "
    "trajects/tests/test_agreement.py)",
    "agreement_by_link": "the practice's texts and who accepts, no dossier content; the "
    "acceptance is logged (trajects/tests/test_agreement.py)",
    "agreement_link_pdf": "logged as a download (trajects/tests/test_agreement.py: the personal "
    "link's token is not one of this table's things)",
    "entry_new": "an empty form",
    "portal_conversation_live": "POST only (logged)",
    "portal_conversation_close": "POST only (logged)",
    "coach_reply": "POST only (logged); a refused reply shows the traject page, which is logged",
    "coach_switch": "GET asks first (the client's name only); the switch is logged",
    "evaluation_fill": "shows the questions only; the answers given are logged on submit",
    "portal_book": "the calendar: a time, no dossier or message content",
    "portal_waitlist_join": "the waitlist: days, parts of the day and a date, no dossier or "
    "message content",
    "group_member_add": "who is in the group: no contribution's content",
    "client_erase": "the page shows counts only; the erasure itself is logged "
    "(privacy/tests/test_erasure.py)",
    "group_rota_accept": "the order of the turns",
    "group_member_leave": "who is in the group: no contribution's content",
    "group_place": "where the group meets: no contribution's content",
    "group_stop": "who is told and how many meetings go: no contribution's content",
    "group_delete": "who is told and how many meetings go: no contribution's content",
    "portal_meeting_ics": "a meeting's time and place: no contribution's content",
    "meeting_move": "a meeting's time: no contribution's content",
    "meeting_attendance": "who was there: no contribution's content",
    "turn_assign": "who has a turn: no contribution's content",
    "turn_release": "frees a turn (what was noted at it goes with it) and shows nothing",
    "package_sell": "the strippenkaarten on sale and their prices; the client's name only",
}


def test_every_page_with_client_data_is_audited_or_says_why_not():
    # (Invoices and appointments hold no dossier or message content: not in this list.)
    data_keys = {
        "client",
        "traject",
        "entry",
        "guardian",
        "consent",
        "message",
        "evaluation",
        "group",
        "meeting",
    }
    audited = {name.split(":")[0] for name in AUDITED}
    missing = [
        name
        for name, params in all_url_patterns()
        if data_keys & set(params) and name not in audited and name not in NOT_AUDITED
    ]
    assert missing == []


@pytest.mark.parametrize("case", sorted(AUDITED))
def test_the_page_writes_its_row(client, case, things, request):
    who, method, kwargs, form, expected = AUDITED[case]
    user = request.getfixturevalue(who)
    client.force_login(user)
    url = reverse(
        case.split(":")[0],
        kwargs={
            key: (things[value].uuid if value in things else value) for key, value in kwargs.items()
        },
    )
    data = {key: (things[value].pk if value in things else value) for key, value in form.items()}
    before = AuditEvent.objects.count()
    response = getattr(client, method)(url, data, REMOTE_ADDR="192.0.2.7")
    assert response.status_code in (200, 302), response.content.decode()[:2000]
    written = list(AuditEvent.objects.order_by("pk")[before:])
    if expected is None:
        assert written == []
        return
    action, what, whose = expected
    assert [(e.action, e.what) for e in written] == [(action, what)]
    event = written[0]
    assert (event.actor, event.ip) == (user, "192.0.2.7")
    assert event.page == case.split(":")[0]
    if whose is not None:
        assert event.client_id == things[whose].pk
    assert (
        event.actor_role
        == {
            "coach_a": "coach",
            "coachee": "coachee",
            "guardian": "guardian",
        }[who]
    )


def test_the_evaluation_filled_in_is_logged_for_the_client(client, things):
    evaluation = things["evaluation"]
    url = reverse("evaluation_fill", args=[evaluation.uuid, token_for(evaluation)])
    data = {f"q{q.pk}": "7" for q in evaluation.questionnaire.questions.all()}
    data |= {f"q{q.pk}": "Goed" for q in evaluation.questionnaire.questions.filter(kind="open")}
    for question in evaluation.questionnaire.questions.filter(kind="choice"):
        data[f"q{question.pk}"] = question.dutch_options()[0]
    response = client.post(url, data)
    assert response.status_code == 302
    event = AuditEvent.objects.get()
    assert (event.action, event.what, event.client, event.actor_role) == (
        "create",
        "evaluation",
        things["client"],
        "anonymous",
    )


class TestLogins:
    def test_a_login_and_a_logout(self, client, coachee):
        client.post("/account/login/", {"login": coachee.email, "password": TEST_PASSWORD})
        client.post("/account/logout/")
        rows = [(e.action, e.actor, e.actor_role, e.ip) for e in AuditEvent.objects.order_by("pk")]
        assert rows == [
            ("login", coachee, "coachee", "127.0.0.1"),
            ("logout", coachee, "coachee", "127.0.0.1"),
        ]

    def test_failed_logins_name_the_account_not_what_was_typed(self, client, coachee):
        client.post("/account/login/", {"login": coachee.email, "password": "geheim-fout"})
        client.post("/account/login/", {"login": "niemand@praktijk.test", "password": "x"})
        known, unknown = AuditEvent.objects.order_by("pk")
        assert (known.action, known.actor, known.detail) == ("login_failed", coachee, "")
        # The account tried, not its owner: whoever typed the password was not logged in.
        assert known.actor_role == unknown.actor_role == "anonymous"
        assert (unknown.action, unknown.actor, unknown.detail) == (
            "login_failed",
            None,
            "onbekend account",
        )
        assert not AuditEvent.objects.filter(detail__contains="geheim").exists()
        assert not AuditEvent.objects.filter(detail__contains="niemand").exists()

    def test_a_blocked_login_is_logged(self, client, coachee):
        for _ in range(6):
            client.post("/account/login/", {"login": coachee.email, "password": "fout"})
        actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
        assert actions == ["login_failed"] * 5 + ["login_blocked"]

    def test_a_wrong_second_factor_code_is_logged(self, client, coach_a):
        response = client.post(
            "/account/login/", {"login": coach_a.email, "password": TEST_PASSWORD}
        )
        assert response["Location"].startswith("/account/2fa/authenticate/")
        client.post("/account/2fa/authenticate/", {"code": "000000"})
        rows = [(e.action, e.actor) for e in AuditEvent.objects.order_by("pk")]
        assert rows == [("mfa_failed", coach_a)]

    def test_the_address_behind_the_proxy(self, client, coachee, settings):
        settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
        client.post(
            "/account/login/",
            {"login": coachee.email, "password": "fout"},
            HTTP_X_FORWARDED_FOR="198.51.100.4",
            REMOTE_ADDR="10.0.0.1",
        )
        assert AuditEvent.objects.get().ip == "198.51.100.4"


class TestDenied:
    def test_another_coachs_client_is_a_logged_404(self, client, coach_b, things):
        client.force_login(coach_b)
        url = f"/coach/clienten/{things['client'].uuid}/"
        assert client.get(url, REMOTE_ADDR="203.0.113.9").status_code == 404
        event = AuditEvent.objects.exclude(action="login").get()
        assert (event.action, event.actor, event.ip, event.page) == (
            "denied",
            coach_b,
            "203.0.113.9",
            "client_detail",
        )
        assert event.detail == f"404 GET client={things['client'].uuid}"

    def test_a_role_that_may_not_is_a_logged_403(self, client, coachee):
        client.force_login(coachee)
        assert client.get("/coach/").status_code == 403
        event = AuditEvent.objects.exclude(action="login").get()
        assert (event.action, event.actor, event.page) == ("denied", coachee, "coach_dashboard")

    def test_a_wrong_token_is_logged_without_the_token(self, client, things):
        evaluation = things["evaluation"]
        url = reverse("evaluation_fill", args=[evaluation.uuid, "geraden-sleutel"])
        assert client.get(url).status_code == 404
        event = AuditEvent.objects.get()
        assert event.action == "denied" and event.actor is None
        assert "geraden" not in event.detail and str(evaluation.uuid) in event.detail

    def test_a_mistyped_address_is_not_a_denial(self, client, coachee):
        client.force_login(coachee)
        assert client.get("/bestaat-niet/").status_code == 404
        assert not AuditEvent.objects.exclude(action="login").exists()


class TestCannotBeChanged:
    def _event(self, coach_a):
        return AuditEvent.objects.create(
            actor=coach_a, actor_role="coach", action="view", what="dossier"
        )

    def test_an_update_is_refused_by_the_database(self, coach_a):
        event = self._event(coach_a)
        with pytest.raises(IntegrityError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(action="export")
        with pytest.raises(IntegrityError), transaction.atomic():
            event.detail = "verborgen"
            event.save()
        event.refresh_from_db()
        assert (event.action, event.detail) == ("view", "")

    @pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite's DELETE stays allowed: Django's test runner empties tables with it",
    )
    def test_a_delete_is_refused_by_the_database_also_in_sql(self, coach_a):
        event = self._event(coach_a)
        with pytest.raises(IntegrityError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent")
        assert AuditEvent.objects.filter(pk=event.pk).exists()

    def test_erasing_the_people_it_names_leaves_the_row(self, coach_a, coachee):
        account_row = AuditEvent.objects.create(
            actor=coachee, actor_role="coachee", action="login", what="account"
        )
        client_row = AuditEvent.objects.create(
            actor=coach_a,
            actor_role="coach",
            client=Client.objects.get(account=coachee),
            action="view",
            what="client",
        )
        Client.objects.filter(account=coachee).delete()
        coachee.delete()
        rows = AuditEvent.objects.select_related("actor", "client").order_by("pk")
        assert [(e.pk, e.actor, e.client) for e in rows] == [
            (account_row.pk, None, None),
            (client_row.pk, coach_a, None),
        ]

    def test_the_admin_only_reads_it(self, client, admin_user, coach_a):
        event = self._event(coach_a)
        client.force_login(admin_user)
        assert client.get("/beheer/audit/auditevent/").status_code == 200
        assert client.get(f"/beheer/audit/auditevent/{event.pk}/change/").status_code == 200
        assert client.get(f"/beheer/audit/auditevent/{event.pk}/delete/").status_code == 403
        assert client.get("/beheer/audit/auditevent/add/").status_code == 403


class TestWhoSeesIt:
    def test_the_coach_sees_the_clients_log_with_logins_of_the_parents(
        self, client, coach_a, guardian, things
    ):
        client.force_login(guardian)  # force_login sends user_logged_in: a login row
        client.force_login(coach_a)
        client.get(f"/coach/trajecten/{things['traject'].uuid}/")
        html = client.get(f"/coach/clienten/{things['client'].uuid}/logboek/").content.decode()
        assert "Marco Ouder" in html and "ingelogd" in html
        assert "Anna Coach" in html and "traject en dossier" in html and "ingezien" in html

    def test_a_parents_other_child_stays_out_of_this_childs_log(
        self, client, coach_a, coach_b, guardian, things
    ):
        sibling = GuardianFactory(
            client__coach=coach_b,
            client__first_name="Broer",
            client__date_of_birth=date(2019, 1, 1),
            account=guardian,
        ).client
        client.force_login(guardian)
        client.get(f"/portaal/mijn-gegevens/{sibling.uuid}/gegevens.zip")
        client.force_login(coach_a)
        html = client.get(f"/coach/clienten/{things['client'].uuid}/logboek/").content.decode()
        assert "Marco Ouder" in html  # his login is there
        assert "gedownload" not in html  # what he did for the sibling is not
        events = AuditEvent.objects.about_client(things["client"])
        assert not events.filter(client=sibling).exists()
        assert set(events.filter(client=None).values_list("action", flat=True)) == {"login"}

    def test_the_log_of_one_client_shows_nothing_of_another(self, client, coach_a, things):
        client.force_login(coach_a)
        client.get(f"/coach/clienten/{things['own'].uuid}/")
        html = client.get(f"/coach/clienten/{things['client'].uuid}/logboek/").content.decode()
        assert "cliëntgegevens" not in html

    def test_the_client_sees_who_opened_their_dossier_not_their_own_visits(
        self, client, coach_a, guardian, things
    ):
        client.force_login(coach_a)
        client.get(f"/coach/trajecten/{things['traject'].uuid}/")
        client.force_login(guardian)
        client.post(f"/portaal/toestemmingen/{things['consent'].uuid}/intrekken/")
        html = client.get("/portaal/mijn-gegevens/").content.decode()
        assert "Anna Coach" in html and "traject en dossier" in html
        assert "Marco Ouder" not in html  # the parent's own withdrawal is not "someone else"

    def test_a_client_sees_nothing_of_another_client(self, client, coach_a, coachee, things):
        client.force_login(coach_a)
        client.get(f"/coach/trajecten/{things['traject'].uuid}/")  # the child's, not Eva's
        client.force_login(coachee)
        html = client.get("/portaal/mijn-gegevens/").content.decode()
        assert "Anna Coach" not in html and "Nog niemand anders" in html

    def test_a_guardian_of_two_children_sees_whose(self, client, coach_a, guardian, things):
        second = GuardianFactory(
            client__coach=coach_a, client__date_of_birth=date(2018, 1, 1), account=guardian
        ).client
        client.force_login(coach_a)
        client.get(f"/coach/clienten/{second.uuid}/")
        client.get(f"/coach/clienten/{things['client'].uuid}/")
        client.force_login(guardian)
        html = client.get("/portaal/mijn-gegevens/").content.decode()
        assert "Van wie" in html and second.first_name in html and "Lotte" in html


def test_the_log_page_runs_the_same_queries_for_3_rows_and_for_60(client, coach_a, things):
    client.force_login(coach_a)
    url = f"/coach/clienten/{things['client'].uuid}/logboek/"
    for _ in range(3):
        client.get(f"/coach/clienten/{things['client'].uuid}/")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(60):
        client.get(f"/coach/clienten/{things['client'].uuid}/")
    with CaptureQueriesContext(connection) as many:
        assert "Pagina 1 van 2" in client.get(url).content.decode()
    assert len(many) == len(few)
