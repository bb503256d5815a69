"""Erasure and retention: what goes, what the law keeps, and the purge."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent
from billing.models import Invoice
from coaching.models import Client, Send, User
from coaching.outbox import outbox_add
from coaching.tests.factories import ClientFactory, GuardianFactory
from coaching.tests.test_permissions import billing_world
from privacy.erasure import client_erase, expired_clients, purge_expired
from privacy.export import SECTIONS
from privacy.models import RetentionPeriod
from privacy.tests.test_export import _filled
from trajects.models import Traject
from trajects.tests.factories import TrajectFactory

pytestmark = pytest.mark.django_db
KEPT = {"coaching.client", "coaching.guardian", "billing.invoice", "billing.invoiceline"}


def _close_everything(client: Client, on: date | None = None) -> None:
    """The coaching is over: trajects closed, appointments past, Backstage left."""
    on = on or timezone.localdate()
    Traject.objects.filter(client=client, intake_on__isnull=False).update(
        status="afgerond", closed_on=on
    )
    Traject.objects.filter(client=client, intake_on__isnull=True).update(
        status="gestopt", closed_on=on, stop_reason="Klaar"
    )
    from groups.models import Membership
    from sessions.models import Appointment

    Appointment.objects.filter(traject__client=client).update(
        start=timezone.now() - timedelta(days=30), end=timezone.now() - timedelta(days=30)
    )
    Membership.objects.filter(client=client).update(left_on=on)


def _rows_pointing_at(client_pk: int) -> dict[str, int]:
    """Rows of any model that refer to the client by a foreign key (the log's aside)."""
    found = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not field.is_relation or field.related_model is not Client or model is AuditEvent:
                continue
            if count := model.objects.filter(**{field.attname: client_pk}).count():
                found[f"{model._meta.label}.{field.name}"] = count
    return found


@pytest.fixture
def child_done(coach_a, guardian, questionnaires):
    """The child with something in every section, the coaching over."""
    child = Client.objects.get(guardians__account=guardian)
    filled = _filled("WIS-MIJ", coach_a, child, account=guardian)
    _close_everything(child)
    return child, filled


class TestErase:
    def test_everything_goes_and_the_invoices_stay_anonymised(self, coach_a, guardian, child_done):
        child, filled = child_done
        billing_world(coach_a, child)  # a sent invoice to the father
        _close_everything(child)
        attachment = filled["message"].attachment.name
        assert default_storage.exists(attachment)
        outbox_add(
            [(f"message:{filled['message'].pk}", "message_notice", timezone.now())],
            deliver_now=False,
        )
        with _on_commit():
            erased = client_erase(client=child, by=coach_a)
        assert erased.anonymised and erased.kept_invoices == 1 and erased.accounts == 1
        child.refresh_from_db()
        assert (child.first_name, child.last_name, child.date_of_birth, child.erased_on) == (
            "—",
            "—",
            None,
            timezone.localdate(),
        )
        left = {
            section.model._meta.label_lower: section.rows(child, None).count()
            for section in SECTIONS
        }
        assert {label: n for label, n in left.items() if n and label not in KEPT} == {
            "audit.auditevent": AuditEvent.objects.filter(client=child).count()
        }
        guardian_row = child.guardians.get()  # the invoice was addressed to him: kept, nameless
        assert (guardian_row.first_name, guardian_row.email, guardian_row.account) == (
            "—",
            "",
            None,
        )
        assert not User.objects.filter(pk=guardian.pk).exists()
        assert not default_storage.exists(attachment)
        assert not Send.objects.exists()
        invoice = Invoice.objects.get(client=child)
        assert invoice.bill_to_name == "Ouder" and invoice.lines.count() == 1
        event = AuditEvent.objects.get(action="anonymise")
        assert (event.actor, event.client_id, event.what) == (coach_a, child.pk, "client")
        assert "trajects=" in event.detail

    def test_without_invoices_no_row_points_at_the_client(self, coach_a, child_done):
        child, _filled_things = child_done
        pk = child.pk
        with _on_commit():
            erased = client_erase(client=child, by=coach_a)
        assert not erased.anonymised
        assert _rows_pointing_at(pk) == {}
        assert not Client.objects.filter(pk=pk).exists()
        assert AuditEvent.objects.filter(client_id=pk, action="erase").exists()

    def test_refused_while_the_coaching_goes_on(self, coach_a, coachee):
        own = Client.objects.get(account=coachee)
        TrajectFactory(client=own)  # aanmelding: not closed
        with pytest.raises(ValidationError, match="Sluit eerst de lopende trajecten af"):
            client_erase(client=own, by=coach_a)
        assert Client.objects.filter(pk=own.pk, erased_on=None).exists()
        assert User.objects.filter(pk=coachee.pk).exists()

    def test_a_parent_who_acts_for_another_child_keeps_the_account(
        self, coach_a, guardian, child_done
    ):
        child, _things = child_done
        GuardianFactory(
            client__coach=coach_a, client__date_of_birth=date(2018, 1, 1), account=guardian
        )
        with _on_commit():
            erased = client_erase(client=child, by=coach_a)
        assert erased.accounts == 0
        assert User.objects.filter(pk=guardian.pk).exists()

    def test_twice_is_refused(self, coach_a, child_done):
        child, _things = child_done
        billing_world(coach_a, child)
        with _on_commit():
            client_erase(client=child, by=coach_a)
        with pytest.raises(ValidationError, match="al gewist"):
            client_erase(client=child, by=coach_a)


class TestAfterARestore:
    """A backup from before an erasure brings the client back; the
    application log (outside the database) names each erasure by UUID, and
    `reapply_erasures` erases them again."""

    def test_each_erasure_is_one_log_line_with_the_uuid_only(self, coach_a, coachee, caplog):
        own = Client.objects.get(account=coachee)
        _close_everything(own)
        with caplog.at_level("INFO", logger="privacy.erasure"), _on_commit():
            client_erase(client=own, by=coach_a)
        (line,) = [r.getMessage() for r in caplog.records if r.name == "privacy.erasure"]
        assert line == f"Erasure: client {own.uuid} erased"

    def test_the_erasures_in_the_log_are_applied_again(self, coach_a, coachee, tmp_path):
        restored = Client.objects.get(account=coachee)
        TrajectFactory(client=restored)  # the backup is from before the coaching ended
        untouched = ClientFactory(coach=coach_a)
        gone = ClientFactory.build().uuid  # erased before the backup was made
        log = tmp_path / "app.log"
        log.write_text(
            f"2026-12-01 10:00:00 INFO privacy.erasure: Erasure: client {restored.uuid} erased\n"
            f"2026-12-01 10:05:00 INFO privacy.erasure: Erasure: client {gone} erased\n"
            "2026-12-01 10:06:00 INFO django.request: something else\n"
        )
        out = StringIO()
        call_command("reapply_erasures", "--from-log", str(log), "--dry-run", stdout=out)
        assert f"{restored.uuid}  te wissen" in out.getvalue()
        assert Client.objects.filter(pk=restored.pk).exists()

        out = StringIO()
        with _on_commit():
            call_command("reapply_erasures", "--from-log", str(log), stdout=out)
        assert f"{restored.uuid}  gewist" in out.getvalue()
        assert f"{gone}  niet in deze database" in out.getvalue()
        assert "1 cliënt(en) opnieuw gewist" in out.getvalue()
        assert not Client.objects.filter(pk=restored.pk).exists()
        assert not User.objects.filter(pk=coachee.pk).exists()
        assert Client.objects.filter(pk=untouched.pk).exists()
        event = AuditEvent.objects.get(action="erase")
        assert (event.actor_role, event.object_id) == ("system", str(restored.uuid))

        out = StringIO()  # again: nothing left to do
        call_command("reapply_erasures", str(restored.uuid), stdout=out)
        assert "0 cliënt(en) opnieuw gewist" in out.getvalue()

    def test_production_json_log_lines_are_read_too(self, coach_a, coachee, tmp_path):
        """In production the log is JSON lines (coaching.logs): the erasure's line is found in
        them as in plain text."""
        import logging

        from coaching.logs import JSONFormatter

        restored = Client.objects.get(account=coachee)
        record = logging.LogRecord(
            "privacy.erasure", logging.INFO, __file__, 1, "Erasure: client %s %s",
            (restored.uuid, "erased"), None,
        )  # fmt: skip
        log = tmp_path / "app.jsonl"
        log.write_text(JSONFormatter().format(record) + "\n")
        out = StringIO()
        call_command("reapply_erasures", "--from-log", str(log), "--dry-run", stdout=out)
        assert f"{restored.uuid}  te wissen" in out.getvalue()

    def test_a_malformed_uuid_is_refused_before_anything_is_erased(self, coach_a):
        kept = ClientFactory(coach=coach_a)
        with pytest.raises(CommandError, match="Not a client's UUID: niet-een-uuid"):
            call_command("reapply_erasures", str(kept.uuid), "niet-een-uuid", stdout=StringIO())
        assert Client.objects.filter(pk=kept.pk, erased_on=None).exists()


class TestWhatStays:
    def test_the_outbox_keeps_what_went_to_others_and_to_a_shared_parent(
        self, coach_a, guardian, child_done
    ):
        child, _things = child_done
        Client.objects.filter(pk=child.pk).update(email="an@praktijk.test")
        sibling = GuardianFactory(
            client__coach=coach_a, client__date_of_birth=date(2018, 1, 1), account=guardian
        ).client
        rows = {
            "child": Send(subject="x:1", kind="k", recipients=["an@praktijk.test"]),
            "lookalike": Send(subject="x:2", kind="k", recipients=["jan@praktijk.test"]),
            "sibling": Send(subject="x:3", kind="k", recipients=[guardian.email]),
            # Names the child (an invitation to the shared parent, not written yet): it goes.
            "named": Send(subject="x:4", kind="k", client=child),
        }
        for row in rows.values():
            row.save()
        with _on_commit():
            client_erase(client=child, by=coach_a)
        left = set(Send.objects.values_list("subject", flat=True))
        assert left == {"x:2", "x:3"}
        assert Client.objects.filter(pk=sibling.pk).exists()

    def test_the_admin_cannot_delete_a_client_nor_change_an_erased_one(
        self, client, admin_user, coach_a, child_done
    ):
        child, _things = child_done
        billing_world(coach_a, child)
        client.force_login(admin_user)
        assert client.get(f"/beheer/coaching/client/{child.pk}/delete/").status_code == 403
        changelist = client.get("/beheer/coaching/client/").content.decode()
        assert "delete_selected" not in changelist
        with _on_commit():
            client_erase(client=child, by=coach_a)
        page = client.get(f"/beheer/coaching/client/{child.pk}/change/").content.decode()
        assert 'name="first_name"' not in page  # read only

    def test_a_new_invoice_offers_no_erased_client(self, client, admin_user, coach_a, child_done):
        child, _things = child_done
        billing_world(coach_a, child)
        with _on_commit():
            client_erase(client=child, by=coach_a)
        client.force_login(admin_user)
        html = client.get("/facturen/nieuw/").content.decode()
        assert "— —" not in html and "Lotte" not in html


class TestPages:
    def test_the_coach_erases_after_confirming(self, client, coach_a, child_done):
        child, _things = child_done
        client.force_login(coach_a)
        url = f"/coach/clienten/{child.uuid}/wissen/"
        page = client.get(url).content.decode()
        assert "Definitief wissen" in page and "Er zijn 2 trajecten" in page
        response = client.post(url, {})
        assert "Vink aan dat je begrijpt" in response.content.decode()
        assert Client.objects.filter(pk=child.pk).exists()
        response = client.post(url, {"confirm": "on"}, follow=True)
        assert response.redirect_chain[-1][0] == "/coach/clienten/"
        assert "Lotte Ouder is gewist." in response.content.decode()
        assert not Client.objects.filter(pk=child.pk).exists()

    def test_an_erased_client_is_in_no_list(self, client, coach_a, child_done):
        child, _things = child_done
        billing_world(coach_a, child)
        with _on_commit():
            client_erase(client=child, by=coach_a)
        client.force_login(coach_a)
        assert "—&nbsp;—" not in client.get("/coach/clienten/").content.decode()
        assert not client.get("/coach/clienten/").context["page"].object_list
        assert client.get(f"/coach/clienten/{child.uuid}/").status_code == 404

    def test_the_page_says_why_not_yet(self, client, coach_a, coachee):
        own = Client.objects.get(account=coachee)
        TrajectFactory(client=own)
        client.force_login(coach_a)
        url = f"/coach/clienten/{own.uuid}/wissen/"
        html = client.get(url).content.decode()
        assert "Wissen kan nog niet." in html and "Definitief wissen" not in html
        assert client.post(url, {"confirm": "on"}).status_code == 200
        assert Client.objects.filter(pk=own.pk, erased_on=None).exists()

    def test_the_admin_erases_after_a_confirmation(self, client, admin_user, child_done):
        child, _things = child_done
        client.force_login(admin_user)
        url = "/beheer/coaching/client/"
        data = {"action": "erase_selected", "_selected_action": [child.pk]}
        response = client.post(url, data)
        assert "Ja, definitief wissen" in response.content.decode()
        assert Client.objects.filter(pk=child.pk).exists()
        response = client.post(url, data | {"confirm": "yes"}, follow=True)
        assert "Lotte Ouder is gewist." in response.content.decode()
        assert not Client.objects.filter(pk=child.pk).exists()
        assert AuditEvent.objects.get(action="erase").actor == admin_user


class TestRetention:
    def _adult_closed(self, coach, years_ago: float) -> Client:
        client = ClientFactory(coach=coach, date_of_birth=date(1980, 1, 1))
        Client.objects.filter(pk=client.pk).update(
            created_at=timezone.now() - timedelta(days=365 * 10)
        )
        day = timezone.localdate() - timedelta(days=int(365.25 * years_ago))
        TrajectFactory(
            client=client, status="gestopt", stop_reason="Klaar", closed_on=day, registered_on=day
        )
        return client

    def test_past_the_period_is_expired_within_it_not(self, coach_a):
        old = self._adult_closed(coach_a, 2.1)
        recent = self._adult_closed(coach_a, 1.5)
        running = self._adult_closed(coach_a, 5)
        TrajectFactory(client=running)  # a new traject: the coaching goes on
        assert [client for client, _ends in expired_clients()] == [old]
        assert recent not in [c for c, _e in expired_clients()]

    def test_the_practice_sets_the_period(self, coach_a):
        self._adult_closed(coach_a, 3)
        RetentionPeriod.objects.filter(kind="adult").update(years=20)  # under the WGBO
        assert expired_clients() == []

    def test_the_longest_period_of_the_kinds_counts(self, coach_a):
        client = self._adult_closed(coach_a, 3)
        TrajectFactory(
            client=client,
            kind="email",
            status="gestopt",
            stop_reason="Klaar",
            closed_on=date.today() - timedelta(1100),
        )
        RetentionPeriod.objects.filter(kind="email").update(years=5)
        assert expired_clients() == []

    def test_dry_run_lists_and_erases_nothing_the_command_erases(self, coach_a):
        old = self._adult_closed(coach_a, 3)
        out = StringIO()
        call_command("purge_expired", "--dry-run", stdout=out)
        assert str(old.uuid) in out.getvalue() and "1 cliënt(en) te wissen" in out.getvalue()
        assert Client.objects.filter(pk=old.pk).exists()
        call_command("purge_expired", stdout=StringIO())
        assert not Client.objects.filter(pk=old.pk).exists()
        event = AuditEvent.objects.get(action="erase")
        assert (event.actor, event.actor_role) == (None, "system")

    def test_a_prospect_who_did_not_go_on_is_purged(self, coach_a):
        prospect = ClientFactory(coach=coach_a, date_of_birth=date(1990, 1, 1))
        Client.objects.filter(pk=prospect.pk).update(
            created_at=timezone.now() - timedelta(days=365 * 3)
        )
        TrajectFactory(client=prospect, registered_on=date.today() - timedelta(days=365 * 3))
        assert [c for c, _e in expired_clients()] == [prospect]
        assert [c for c, _e in purge_expired()] == [prospect]
        assert not Client.objects.filter(pk=prospect.pk).exists()

    def test_backstage_alone_keeps_its_own_shorter_period(self, coach_a):
        from coaching.tests.test_permissions import quick_group
        from groups.services.members import member_add

        member = ClientFactory(coach=coach_a, date_of_birth=date(1980, 1, 1))
        Client.objects.filter(pk=member.pk).update(
            created_at=timezone.now() - timedelta(days=365 * 3)
        )
        group = quick_group(coach_a, first_start=timezone.now() - timedelta(days=800))
        left = date.today() - timedelta(days=500)
        membership = member_add(group=group, client=member, joined_on=left - timedelta(days=60))
        type(membership).objects.filter(pk=membership.pk).update(left_on=left)
        # The group met on after she left: those meetings are not her activity.
        assert [c for c, _e in expired_clients()] == [member]  # 1 year for Backstage
        RetentionPeriod.objects.filter(kind="backstage").update(years=2)
        assert expired_clients() == []

    def test_one_that_fails_does_not_stop_the_others(self, coach_a, monkeypatch):
        first, second = self._adult_closed(coach_a, 3), self._adult_closed(coach_a, 3)
        import privacy.erasure as erasure

        real = erasure.client_erase

        def failing(*, client, **kwargs):
            if client.pk == first.pk:
                raise RuntimeError("schijf vol")
            return real(client=client, **kwargs)

        monkeypatch.setattr(erasure, "client_erase", failing)
        assert [c for c, _e in purge_expired()] == [second]
        assert Client.objects.filter(pk=first.pk).exists()
        assert not Client.objects.filter(pk=second.pk).exists()

    def test_the_nightly_task_purges(self, coach_a):
        from privacy.tasks import purge_expired as task

        old = self._adult_closed(coach_a, 3)
        assert task.delay().get() == 1
        assert not Client.objects.filter(pk=old.pk).exists()
        assert purge_expired() == []


class _on_commit:
    """Runs the on-commit callbacks (the file deletions) at the end of the block."""

    def __enter__(self):
        from django.test import TestCase

        self._context = TestCase.captureOnCommitCallbacks(execute=True)
        return self._context.__enter__()

    def __exit__(self, *exc):
        return self._context.__exit__(*exc)


def _sent_invoice(coach, client, issued: date) -> Invoice:
    from decimal import Decimal

    from billing.services.invoicing import invoice_line_add, invoice_send

    invoice = Invoice.objects.create(
        coach=coach,
        recipient_kind="client",
        client=client,
        bill_to_name="Naam",
        period_start=issued - timedelta(days=30),
        period_end=issued,
        created_by=coach,
    )
    invoice_line_add(
        invoice=invoice,
        day=issued,
        description="Sessie",
        quantity=Decimal(1),
        unit_price=Decimal(80),
        vat="21",
    )
    return invoice_send(invoice=invoice, on=issued)


class TestInvoicesPastTheirSevenYears:
    def test_the_purge_removes_them_and_then_the_client(self, coach_a):
        today = timezone.localdate()
        old = ClientFactory(coach=coach_a)
        _sent_invoice(coach_a, old, date(today.year - 8, 6, 1))
        recent = ClientFactory(coach=coach_a)
        _sent_invoice(coach_a, recent, date(today.year - 7, 1, 2))  # kept until the end of +7
        for client in (old, recent):
            with _on_commit():
                client_erase(client=client, by=coach_a)
        purge_expired()
        assert _rows_pointing_at(old.pk) == {}
        assert not Client.objects.filter(pk=old.pk).exists()
        assert Invoice.objects.filter(client=recent).count() == 1
        assert Client.objects.filter(pk=recent.pk).exists()
        event = AuditEvent.objects.get(action="erase", client_id=old.pk)
        assert (event.actor_role, event.detail) == ("system", "invoices=1")

    @pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the database refuses deletes of sent invoices on PostgreSQL only (billing 0002)",
    )
    def test_the_database_refuses_to_delete_one_within_them(self, coach_a):
        from django.db import IntegrityError, transaction

        today = timezone.localdate()
        client = ClientFactory(coach=coach_a)
        kept = _sent_invoice(coach_a, client, date(today.year - 7, 1, 2))
        gone = _sent_invoice(coach_a, client, date(today.year - 8, 12, 31))
        with pytest.raises(IntegrityError), transaction.atomic():
            Invoice.objects.filter(pk=kept.pk).delete()
        with pytest.raises(IntegrityError), transaction.atomic():
            kept.lines.all().delete()
        Invoice.objects.filter(pk=gone.pk).delete()
        assert list(Invoice.objects.all()) == [kept] and kept.lines.count() == 1
