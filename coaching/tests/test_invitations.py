import re
from datetime import date, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from coaching import outbox
from coaching.models import Client, CoachProfile, Guardian, Invitation, Role, Send, User

NEW_PASSWORD = "een-lang-nieuw-wachtwoord"


def invite_client(client, **data):
    payload = {
        "invite_for": "adult",
        "first_name": "Eva",
        "last_name": "Nieuw",
        "email": "eva.nieuw@praktijk.test",
        "language": "nl",
        "date_of_birth": "1990-01-31",
    }
    payload.update(data)
    return client.post("/uitnodigingen/client/", payload)


def invite_guardian(client, **data):
    payload = {
        "invite_for": "guardian",
        "first_name": "Marco",
        "last_name": "Visser",
        "email": "marco@praktijk.test",
        "language": "nl",
        "relation": "father",
        "has_parental_authority": "True",
        "child_first_name": "Lotte",
        "child_last_name": "Visser",
        "child_date_of_birth": "2016-09-03",
    }
    payload.update(data)
    return client.post("/uitnodigingen/client/", payload)


def invite_staff(client, **data):
    payload = {
        "role": Role.COACH,
        "first_name": "Nina",
        "last_name": "Coach",
        "email": "nina@praktijk.test",
        "language": "nl",
    }
    payload.update(data)
    return client.post("/uitnodigingen/team/", payload)


def link_from(mail) -> str:
    return re.search(r"http://testserver(/uitnodiging/\S+/)", mail.body).group(1)


@pytest.fixture
def send_now(django_capture_on_commit_callbacks):
    """Run what is sent after commit (the e-mail task, eager in tests) inside the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.mark.django_db
class TestInviteClient:
    def test_adult_client_gets_a_link_and_becomes_the_coachs_client(
        self, client, coach_a, mailoutbox, send_now
    ):
        client.force_login(coach_a)
        with send_now():
            response = invite_client(client)
        assert response.status_code == 302
        user = User.objects.get(email="eva.nieuw@praktijk.test")
        assert user.role == Role.CLIENT
        assert not user.has_usable_password()
        assert not EmailAddress.objects.get(user=user).verified
        record = Client.objects.get(account=user)
        assert (record.coach, record.date_of_birth) == (coach_a, date(1990, 1, 31))
        invitation = Invitation.objects.get(user=user)
        assert invitation.invited_by == coach_a and invitation.sent_at is not None
        assert len(mailoutbox) == 1
        mail = mailoutbox[0]
        assert mail.to == ["eva.nieuw@praktijk.test"]
        assert "Beste Eva" in mail.body
        assert link_from(mail).startswith(f"/uitnodiging/{invitation.uuid}/")
        assert "Anna Coach" in mail.body

    def test_guardian_acts_for_a_new_child_client(self, client, coach_a, send_now, mailoutbox):
        client.force_login(coach_a)
        with send_now():
            response = invite_guardian(client)
        assert response.status_code == 302
        account = User.objects.get(email="marco@praktijk.test")
        child = Client.objects.get(first_name="Lotte")
        assert child.coach == coach_a and child.account is None and child.is_child
        guardian = Guardian.objects.get(client=child)
        assert (guardian.account, guardian.relation) == (account, Guardian.Relation.FATHER)
        assert guardian.has_parental_authority is True
        assert list(Client.objects.for_account(account)) == [child]
        assert mailoutbox[0].to == ["marco@praktijk.test"]

    def test_invitation_mail_is_in_the_chosen_language(self, client, coach_a, mailoutbox, send_now):
        client.force_login(coach_a)
        with send_now():
            invite_client(client, language="en")
        assert "Dear Eva" in mailoutbox[0].body
        assert User.objects.get(email="eva.nieuw@praktijk.test").language == "en"

    def test_nothing_is_sent_before_the_commit(self, client, coach_a, mailoutbox):
        client.force_login(coach_a)
        invite_client(client)  # the test's transaction never commits
        assert mailoutbox == []
        assert Invitation.objects.get().sent_at is None

    @pytest.mark.parametrize(
        ("data", "field", "message"),
        [
            ({"child_first_name": ""}, "child_first_name", "Vul dit in voor een kind."),
            ({"relation": ""}, "relation", "Vul dit in voor een kind."),
            # Parental authority is asked, never assumed.
            ({"has_parental_authority": ""}, "has_parental_authority", "Vul dit in voor een kind."),
            ({"child_date_of_birth": ""}, "child_date_of_birth", "Vul dit in voor een kind."),
            (
                {"child_date_of_birth": "2000-01-01"},
                "child_date_of_birth",
                "Dit kind is 18 of ouder: nodig de cliënt dan zelf uit als volwassene.",
            ),
            (
                {"child_date_of_birth": "2999-01-01"},
                "child_date_of_birth",
                "Deze datum ligt in de toekomst.",
            ),
        ],
    )
    def test_child_details_are_checked(self, client, coach_a, mailoutbox, data, field, message):
        client.force_login(coach_a)
        response = invite_guardian(client, **data)
        assert response.status_code == 200
        assert response.context["client_form"].errors[field] == [message]
        assert not User.objects.filter(email="marco@praktijk.test").exists()
        assert not Client.objects.exists()
        assert 'value="Marco"' in response.content.decode()  # nothing typed is lost

    def test_an_adult_needs_a_date_of_birth(self, client, coach_a):
        client.force_login(coach_a)
        response = invite_client(client, date_of_birth="")
        assert response.context["client_form"].errors["date_of_birth"] == [
            "Vul de geboortedatum in."
        ]
        assert not Client.objects.exists()

    def test_a_minor_is_not_invited_as_an_adult(self, client, coach_a):
        client.force_login(coach_a)
        response = invite_client(
            client, date_of_birth=str(timezone.localdate().year - 12) + "-01-01"
        )
        assert "jonger dan 18" in response.context["client_form"].errors["date_of_birth"][0]
        assert not Client.objects.exists()

    def test_existing_address_is_refused_with_a_message_and_keeps_the_input(
        self, client, coach_a, coachee, mailoutbox
    ):
        client.force_login(coach_a)
        response = invite_client(client, email=coachee.email.upper(), first_name="Iemand")
        assert response.status_code == 200
        assert response.context["client_form"].errors["email"] == [
            "Er bestaat al een account met dit e-mailadres."
        ]
        assert 'value="Iemand"' in response.content.decode()
        assert mailoutbox == []

    def test_invalid_address_is_refused(self, client, coach_a):
        client.force_login(coach_a)
        response = invite_client(client, email="geen-adres")
        assert "email" in response.context["client_form"].errors

    def test_wrong_method(self, client, coach_a):
        client.force_login(coach_a)
        assert client.get("/uitnodigingen/client/").status_code == 405
        assert client.post("/uitnodigingen/").status_code == 405

    def test_client_account_cannot_invite(self, client, coachee):
        client.force_login(coachee)
        assert invite_client(client).status_code == 403
        assert not User.objects.filter(email="eva.nieuw@praktijk.test").exists()

    def test_admin_who_is_not_a_coach_cannot_invite_clients(self, client, admin_user):
        client.force_login(admin_user)
        assert invite_client(client).status_code == 403
        assert not Client.objects.exists()

    def test_double_submit_creates_one_account(self, client, coach_a, mailoutbox, send_now):
        client.force_login(coach_a)
        with send_now():
            invite_client(client)
            second = invite_client(client)
        assert second.status_code == 200  # the form says the address already has an account
        assert User.objects.filter(email="eva.nieuw@praktijk.test").count() == 1
        assert Client.objects.count() == 1
        assert len(mailoutbox) == 1


@pytest.mark.django_db
class TestInviteStaff:
    def test_admin_invites_a_coach_who_gets_a_profile(self, client, admin_user, send_now):
        client.force_login(admin_user)
        with send_now():
            assert invite_staff(client).status_code == 302
        coach = User.objects.get(email="nina@praktijk.test")
        assert coach.role == Role.COACH and not coach.is_staff
        assert CoachProfile.objects.filter(user=coach).exists()

    def test_admin_invites_an_admin(self, client, admin_user):
        client.force_login(admin_user)
        invite_staff(client, role=Role.ADMIN, email="beheer2@praktijk.test")
        new_admin = User.objects.get(email="beheer2@praktijk.test")
        assert new_admin.role == Role.ADMIN and new_admin.is_staff

    def test_client_role_cannot_be_chosen_here(self, client, admin_user):
        client.force_login(admin_user)
        response = invite_staff(client, role=Role.CLIENT)
        assert "role" in response.context["staff_form"].errors
        assert not User.objects.filter(email="nina@praktijk.test").exists()

    def test_a_coach_cannot_invite_coaches_or_admins(self, client, coach_a):
        client.force_login(coach_a)
        for role in (Role.COACH, Role.ADMIN):
            assert invite_staff(client, role=role).status_code == 403
        assert not User.objects.filter(email="nina@praktijk.test").exists()

    def test_practice_owner_who_is_coach_and_admin_sees_both_forms(self, client, coach_a):
        coach_a.is_staff = coach_a.is_superuser = True
        coach_a.save()
        client.force_login(coach_a)
        response = client.get("/uitnodigingen/")
        assert response.context["client_form"] is not None
        assert response.context["staff_form"] is not None

    def test_coach_sees_only_the_client_form(self, client, coach_a):
        client.force_login(coach_a)
        response = client.get("/uitnodigingen/")
        assert response.context["client_form"] is not None
        assert response.context["staff_form"] is None


@pytest.mark.django_db
class TestInvitationList:
    def test_coach_sees_only_own_invitations_admin_sees_all(
        self, client, coach_a, coach_b, admin_user
    ):
        client.force_login(coach_a)
        invite_client(client, email="van-a@praktijk.test")
        client.get("/uitnodigingen/")  # shows (and so clears) the flash message naming van-a
        client.force_login(coach_b)
        invite_client(client, email="van-b@praktijk.test")
        page = client.get("/uitnodigingen/")
        assert [i.user.email for i in page.context["page"].object_list] == ["van-b@praktijk.test"]
        assert "van-a@praktijk.test" not in page.content.decode()
        client.force_login(admin_user)
        page = client.get("/uitnodigingen/")
        assert {i.user.email for i in page.context["page"].object_list} == {
            "van-a@praktijk.test",
            "van-b@praktijk.test",
        }

    def test_shows_for_whom(self, client, coach_a):
        client.force_login(coach_a)
        invite_guardian(client)
        assert "vader van Lotte" in client.get("/uitnodigingen/").content.decode()

    def test_page_runs_a_fixed_number_of_queries(self, client, coach_a):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.force_login(coach_a)
        invite_client(client, email="een@praktijk.test")
        invite_guardian(client, email="ouder0@praktijk.test")

        def measure() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/uitnodigingen/").status_code == 200
            return len(queries)

        few = measure()
        for n in range(6):
            invite_client(client, email=f"meer{n}@praktijk.test")
            invite_guardian(client, email=f"ouder{n + 1}@praktijk.test")
        # session, user, MFA check, count, page (with account, inviter, client record),
        # guardianships with their child, the invitations' e-mails (outbox rows)
        assert measure() == few <= 8


@pytest.mark.django_db
class TestResend:
    def test_resend_sends_again(self, client, coach_a, mailoutbox, send_now):
        client.force_login(coach_a)
        with send_now():
            invite_client(client)
        invitation = Invitation.objects.get()
        with send_now():
            response = client.post(f"/uitnodigingen/{invitation.uuid}/opnieuw/")
        assert response.status_code == 302
        assert len(mailoutbox) == 2

    def test_accepted_invitation_is_not_sent_again(self, client, coach_a, mailoutbox, send_now):
        client.force_login(coach_a)
        with send_now():
            invite_client(client)
        Invitation.objects.update(accepted_at=timezone.now())
        with send_now():
            client.post(f"/uitnodigingen/{Invitation.objects.get().uuid}/opnieuw/")
        assert len(mailoutbox) == 1

    def test_another_coach_gets_404(self, client, coach_a, coach_b, mailoutbox):
        client.force_login(coach_a)
        invite_client(client)
        invitation = Invitation.objects.get()
        client.force_login(coach_b)
        assert client.post(f"/uitnodigingen/{invitation.uuid}/opnieuw/").status_code == 404
        assert mailoutbox == []

    def test_get_is_not_allowed(self, client, coach_a):
        client.force_login(coach_a)
        invite_client(client)
        invitation = Invitation.objects.get()
        assert client.get(f"/uitnodigingen/{invitation.uuid}/opnieuw/").status_code == 405


@pytest.mark.django_db
class TestAccept:
    @pytest.fixture
    def link(self, client, coach_a, mailoutbox, send_now):
        client.force_login(coach_a)
        with send_now():
            invite_client(client)
        client.logout()
        return link_from(mailoutbox[0])

    def test_accepting_sets_the_password_and_verifies_the_address(self, client, link):
        assert client.get(link).status_code == 200
        response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert response["Location"] == "/account/login/"
        user = User.objects.get(email="eva.nieuw@praktijk.test")
        assert user.check_password(NEW_PASSWORD)
        assert EmailAddress.objects.get(user=user).verified
        assert Invitation.objects.get(user=user).accepted_at is not None
        response = client.post("/account/login/", {"login": user.email, "password": NEW_PASSWORD})
        assert response["Location"] == "/portaal/"
        assert "Je coach is Anna Coach" in client.get("/portaal/").content.decode()

    def test_link_works_once(self, client, link):
        client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        other = "iets-anders-12345"
        response = client.post(link, {"new_password1": other, "new_password2": other})
        assert response.status_code == 410
        assert User.objects.get(email="eva.nieuw@praktijk.test").check_password(NEW_PASSWORD)

    def test_expired_link_is_refused(self, client, link):
        Invitation.objects.update(sent_at=timezone.now() - timedelta(days=8))
        assert client.get(link).status_code == 410

    def test_tampered_token_is_refused(self, client, link):
        assert client.get(link[:-3] + "xx/").status_code == 410

    def test_unknown_invitation_is_404(self, client, db):
        url = "/uitnodiging/00000000-0000-0000-0000-000000000000/abc-def/"
        assert client.get(url).status_code == 404

    def test_weak_or_mismatched_password_is_explained(self, client, link):
        response = client.post(link, {"new_password1": "kort", "new_password2": "kort"})
        assert response.status_code == 200
        assert response.context["form"].errors["new_password2"]
        response = client.post(
            link, {"new_password1": NEW_PASSWORD, "new_password2": "anders-dan-dat"}
        )
        assert response.context["form"].errors["new_password2"]
        assert not User.objects.get(email="eva.nieuw@praktijk.test").has_usable_password()

    def test_logged_in_user_is_not_switched(self, client, link, coachee):
        client.force_login(coachee)
        response = client.get(link)
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(coachee.pk)

    def test_coach_must_still_set_up_mfa_after_accepting(
        self, client, admin_user, mailoutbox, send_now
    ):
        client.force_login(admin_user)
        with send_now():
            invite_staff(client)
        client.logout()
        link = link_from(mailoutbox[0])
        client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        client.post("/account/login/", {"login": "nina@praktijk.test", "password": NEW_PASSWORD})
        response = client.get("/coach/")
        assert response["Location"].startswith("/account/2fa/totp/activate/")


@pytest.mark.django_db
class TestReviewedEdges:
    def test_an_address_being_verified_on_another_account_cannot_be_invited(
        self, client, coach_a, coachee
    ):
        EmailAddress.objects.create(user=coachee, email="nieuw-adres@praktijk.test")
        client.force_login(coach_a)
        response = invite_client(client, email="Nieuw-Adres@praktijk.test")
        assert response.context["client_form"].errors["email"] == [
            "Er bestaat al een account met dit e-mailadres."
        ]

    def test_password_chosen_by_reset_closes_the_invitation(
        self, client, coach_a, mailoutbox, send_now
    ):
        client.force_login(coach_a)
        with send_now():
            invite_client(client)
        invitation = Invitation.objects.get()
        invitation.user.set_password("via-wachtwoord-vergeten")
        invitation.user.save()
        with send_now():
            client.post(f"/uitnodigingen/{invitation.uuid}/opnieuw/")
        assert len(mailoutbox) == 1  # nothing more sent
        html = client.get("/uitnodigingen/").content.decode()
        assert "geaccepteerd" in html and "Opnieuw versturen" not in html

    def test_second_submit_of_the_link_does_not_claim_success(
        self, client, coach_a, send_now, mailoutbox
    ):
        from coaching.services.accounts import invitation_accept

        client.force_login(coach_a)
        with send_now():
            invite_client(client)
        client.logout()
        link = link_from(mailoutbox[0])
        invitation = Invitation.objects.get()
        assert invitation_accept(invitation=invitation, password=NEW_PASSWORD)
        assert not invitation_accept(invitation=invitation, password="een-ander-wachtwoord")
        assert User.objects.get(email="eva.nieuw@praktijk.test").check_password(NEW_PASSWORD)
        other = "een-ander-wachtwoord"
        response = client.post(link, {"new_password1": other, "new_password2": other})
        assert response.status_code == 410

    def test_the_token_itself_expires(self, client, coach_a, send_now, mailoutbox, monkeypatch):
        from datetime import datetime

        from coaching.services.accounts import invitation_tokens

        client.force_login(coach_a)
        with send_now():
            invite_client(client)
        client.logout()
        link = link_from(mailoutbox[0])
        later = datetime.now() + timedelta(days=8)
        monkeypatch.setattr(invitation_tokens, "_now", lambda: later)
        assert client.get(link).status_code == 410

    def test_mail_without_an_inviter(self, db, mailoutbox, send_now):
        from coaching.services.accounts import Invitee, account_invite

        with send_now():
            account_invite(
                invitee=Invitee("x@praktijk.test", "X", "Y"), role=Role.CLIENT, invited_by=None
            )
        assert "None" not in mailoutbox[0].body
        assert "Er is een account voor je aangemaakt bij Praktijk" in mailoutbox[0].body

    def test_english_mail_is_marked_english(self, client, coach_a, mailoutbox, send_now):
        client.force_login(coach_a)
        with send_now():
            invite_client(client, language="en")
        html = mailoutbox[0].alternatives[0].content
        assert '<html lang="en">' in html


@pytest.mark.django_db(transaction=True)
def test_two_invitations_for_one_address_at_the_same_moment(coach_a, coach_b):
    """Two coaches submit the same new address at once: one account, the other sees a message."""
    import threading

    from django.db import connection
    from django.test import Client as HttpClient

    barrier = threading.Barrier(2)
    results = {}

    def submit(coach):
        http = HttpClient()
        http.force_login(coach)
        barrier.wait()
        try:
            results[coach.email] = invite_client(http).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(c,)) for c in (coach_a, coach_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [200, 302]
    assert User.objects.filter(email="eva.nieuw@praktijk.test").count() == 1
    assert Client.objects.count() == 1


def status_cell(page: str, email: str) -> str:
    """The status column of the invitation to `email` on the invitations page."""
    row = page[page.rindex(email) :]  # the table, not the flash message
    return row.split("<td>")[2].split("</td>")[0]


@pytest.mark.django_db
class TestThroughTheOutbox:
    """The invitation's e-mail is an outbox row written with the account (services enqueue, the
    worker writes the message and its link), so a mail server that is down or a worker that dies
    loses none; the coach sees what became of it."""

    def test_the_row_is_written_with_the_invitation_and_holds_no_link(self, client, coach_a):
        client.force_login(coach_a)
        invite_client(client)  # the test's transaction never commits: nothing handed over
        invitation = Invitation.objects.get()
        send = Send.objects.get()
        assert (send.kind, send.status) == (Send.Kind.INVITATION, Send.Status.PENDING)
        assert send.context == {"invitation": invitation.pk}
        assert send.client == Client.objects.get(account=invitation.user)
        assert send.subject.startswith(f"invitation:{invitation.pk}:")

    def test_a_parents_invitation_names_the_child_a_colleagues_none(
        self, client, coach_a, admin_user
    ):
        client.force_login(coach_a)
        invite_guardian(client)
        assert Send.objects.get().client == Client.objects.get(first_name="Lotte")
        client.force_login(admin_user)
        invite_staff(client)
        assert (
            Send.objects.get(context__invitation=Invitation.objects.latest("pk").pk).client is None
        )

    def test_the_page_shows_what_became_of_the_mail(self, client, coach_a, mailoutbox):
        client.force_login(coach_a)
        invite_client(client)
        email = "eva.nieuw@praktijk.test"
        assert "wordt verstuurd" in status_cell(
            client.get("/uitnodigingen/").content.decode(), email
        )
        send = Send.objects.get()
        outbox.deliver([send.pk])
        cell = status_cell(client.get("/uitnodigingen/").content.decode(), email)
        assert ">verstuurd<" in cell and "wordt verstuurd" not in cell
        Send.objects.filter(pk=send.pk).update(status=Send.Status.FAILED, sent_at=None)
        assert "mislukt" in status_cell(client.get("/uitnodigingen/").content.decode(), email)

    def test_an_invitation_whose_mail_was_lost_before_the_outbox_says_so(self, client, coach_a):
        user = User.objects.create_user(email="oud@praktijk.test", first_name="O", last_name="D")
        Invitation.objects.create(user=user, invited_by=coach_a)  # no row, never sent
        client.force_login(coach_a)
        page = client.get("/uitnodigingen/").content.decode()
        assert "niet verstuurd" in status_cell(page, "oud@praktijk.test")

    def test_a_resend_is_a_new_row(self, client, coach_a, mailoutbox, send_now):
        client.force_login(coach_a)
        with send_now():
            invite_client(client)
        invitation = Invitation.objects.get()
        with send_now():
            client.post(f"/uitnodigingen/{invitation.uuid}/opnieuw/")
        sends = list(Send.objects.order_by("pk"))
        assert [send.status for send in sends] == [Send.Status.SENT, Send.Status.SENT]
        assert sends[0].subject != sends[1].subject
        assert [mail.extra_headers["Message-ID"] for mail in mailoutbox] == [
            f"<send.{send.pk}.0.{int(send.created_at.timestamp())}@localhost>" for send in sends
        ]

    def test_accepted_before_the_worker_wrote_it_sends_nothing(self, client, coach_a, mailoutbox):
        from coaching.services.accounts import INVITATION_USED, invitation_accept

        client.force_login(coach_a)
        invite_client(client)
        assert invitation_accept(invitation=Invitation.objects.get(), password=NEW_PASSWORD)
        send = Send.objects.get()
        outbox.deliver([send.pk])
        send.refresh_from_db()
        assert (send.status, send.error) == (Send.Status.SKIPPED, INVITATION_USED)
        assert mailoutbox == []

    def test_a_deleted_invitation_sends_nothing(self, client, coach_a, mailoutbox):
        from coaching.services.accounts import INVITATION_GONE

        client.force_login(coach_a)
        invite_client(client)
        Invitation.objects.all().delete()
        send = Send.objects.get()
        outbox.deliver([send.pk])
        send.refresh_from_db()
        assert (send.status, send.error) == (Send.Status.SKIPPED, INVITATION_GONE)
        assert mailoutbox == []

    def test_a_mail_server_that_is_down_loses_no_invitation(
        self, client, coach_a, mailoutbox, send_now, settings
    ):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed = probe.getsockname()[1]  # nobody listens once the block ends
        default = settings.MAILERS
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": closed, "timeout": 2},
            }
        }
        client.force_login(coach_a)
        with send_now():  # the worker's attempt fails
            response = invite_client(client)
        assert response.status_code == 302
        send = Send.objects.get()
        assert send.status == Send.Status.PENDING and "Connection refused" in send.error
        settings.MAILERS = default  # the server is back: the sweep hands it over again
        outbox.deliver([send.pk])
        assert Send.objects.get().status == Send.Status.SENT
        assert link_from(mailoutbox[0]).startswith(f"/uitnodiging/{Invitation.objects.get().uuid}/")


@pytest.mark.django_db
class TestPortalLinked:
    """A parent who has an account already gets the new child linked, and an e-mail about it:
    an outbox row written with the link."""

    @pytest.fixture
    def parent(self, coach_a, guardian):
        from coaching.tests.factories import ClientFactory, GuardianFactory

        sibling = ClientFactory(coach=coach_a, first_name="Pim", date_of_birth=date(2019, 5, 5))
        return GuardianFactory(client=sibling, email=guardian.email, account=None)

    def test_the_row_names_the_child_and_the_mail_links_to_the_portal(
        self, parent, coach_a, guardian, mailoutbox, django_capture_on_commit_callbacks
    ):
        from coaching.services.accounts import guardian_portal_invite

        with django_capture_on_commit_callbacks(execute=True):
            access = guardian_portal_invite(guardian=parent, by=coach_a)
        assert access.account == guardian and not access.invited
        send = Send.objects.get()
        assert (send.kind, send.client, send.status) == (
            Send.Kind.PORTAL_LINKED,
            parent.client,
            Send.Status.SENT,
        )
        (mail,) = mailoutbox
        assert mail.to == [guardian.email]
        assert "namens Pim" in mail.body and "http://testserver/portaal/" in mail.body

    def test_unlinked_before_the_worker_wrote_it_sends_nothing(self, parent, coach_a, mailoutbox):
        from coaching.services.accounts import NOT_LINKED, guardian_portal_invite

        guardian_portal_invite(guardian=parent, by=coach_a)
        Guardian.objects.filter(pk=parent.pk).update(account=None)
        send = Send.objects.get()
        outbox.deliver([send.pk])
        send.refresh_from_db()
        assert (send.status, send.error) == (Send.Status.SKIPPED, NOT_LINKED)
        assert mailoutbox == []
