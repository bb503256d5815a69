"""Invoices: priced by the tariff valid on the day, VAT per line, gapless numbers, nothing
invoiced twice, a sent invoice final, credit invoices."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from billing.models import Claim, Invoice, InvoiceCounter, InvoiceLine
from billing.services.invoicing import (
    Recipient,
    invoice_create,
    invoice_credit,
    invoice_delete,
    invoice_line_add,
    invoice_line_remove,
    invoice_mark_paid,
    invoice_send,
)
from billing.tests.helpers import delivered, pdf_text, practice_tariffs, tariff, traject_of
from coaching.models import Client, Send, Tariff, tariff_add, tariff_for
from coaching.tests.factories import ClientFactory
from groups.models import BackstageGroup, Membership
from trajects.services.email_coaching import message_write
from trajects.tests.factories import TrajectFactory

NOV = (date(2026, 11, 1), date(2026, 11, 30))


def make(client, coach, start=NOV[0], end=NOV[1], kind="client", **recipient) -> Invoice:
    return invoice_create(
        recipient=Recipient(kind, client=client, **recipient),
        by=coach,
        start=start,
        end=end,
    )


@pytest.fixture
def eva(coachee):
    return Client.objects.get(account=coachee)


@pytest.fixture
def tariffs(db):
    return practice_tariffs()


@pytest.mark.django_db
class TestTariffValidity:
    def test_the_tariff_valid_on_the_day_prices_it(self, coach_a, eva):
        old = tariff("session", "80", duration_minutes=60, since=date(2026, 1, 1))
        tariff_add(
            tariff=Tariff(
                component="session",
                unit="appointment",
                name="nieuw",
                duration_minutes=60,
                price=Decimal("90"),
                valid_from=date(2026, 11, 15),
            )
        )
        old.refresh_from_db()
        assert old.valid_until == date(2026, 11, 14)
        traject = traject_of(eva, coach_a)
        delivered(traject, date(2026, 11, 14))
        delivered(traject, date(2026, 11, 15))
        prices = list(make(eva, coach_a).lines.values_list("unit_price", flat=True))
        assert prices == [Decimal("80.00"), Decimal("90.00")]

    def test_a_session_takes_the_tariff_of_its_duration_else_the_general_one(self, db):
        general = tariff("session", "70")
        hour = tariff("session", "80", duration_minutes=60)
        day = date(2026, 11, 2)
        assert tariff_for("session", on=day, minutes=60) == hour
        assert tariff_for("session", on=day, minutes=45) == general

    def test_nothing_valid_before_it_starts_or_after_it_ends(self, db):
        tariff("intake", "95", since=date(2026, 6, 1), valid_until=date(2026, 6, 30))
        assert tariff_for("intake", on=date(2026, 5, 31)) is None
        assert tariff_for("intake", on=date(2026, 6, 30)).price == Decimal("95")
        assert tariff_for("intake", on=date(2026, 7, 1)) is None

    def test_even_a_tariff_changed_in_place_leaves_what_was_invoiced(self, coach_a, eva, tariffs):
        """The admin cannot change an applied price, but a shell can: the invoice, its totals
        and its PDF keep the price they were given."""
        delivered(traject_of(eva, coach_a), date(2026, 11, 3))
        invoice = invoice_send(invoice=make(eva, coach_a), on=date(2026, 12, 1))
        Tariff.objects.filter(component="session").update(price=Decimal("120"), vat="9")
        invoice = Invoice.objects.with_totals().get(pk=invoice.pk)
        assert (invoice.total_excl, invoice.total_vat) == (Decimal("80.00"), Decimal("16.80"))
        assert "€ 96,80" in pdf_text(_pdf(invoice))

    def test_two_tariffs_for_the_same_thing_on_one_day_are_refused(self, db):
        tariff("intake", "95", since=date(2026, 1, 1), valid_until=date(2026, 12, 31))
        clash = Tariff(
            component="intake", unit="appointment", name="x", price=1, valid_from=date(2026, 6, 1)
        )
        with pytest.raises(ValidationError, match="al een tarief"):
            clash.full_clean()

    def test_the_database_refuses_an_overlap_on_postgresql(self, db):
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip("the exclusion constraint exists on PostgreSQL; SQLite checks in clean()")
        tariff("intake", "95", since=date(2026, 1, 1))
        with pytest.raises(IntegrityError, match="tariff_no_overlap"), transaction.atomic():
            tariff("intake", "99", since=date(2026, 6, 1))

    def test_a_unit_must_fit_its_component(self, db):
        with pytest.raises(IntegrityError), transaction.atomic():
            tariff("session", "80", unit="month")


@pytest.mark.django_db
class TestVat:
    def test_each_line_is_rounded_and_the_totals_are_their_sums(self, coach_a, eva):
        invoice = Invoice.objects.create(
            coach=coach_a,
            recipient_kind="client",
            client=eva,
            bill_to_name="Eva",
            period_start=NOV[0],
            period_end=NOV[1],
            created_by=coach_a,
        )
        for _ in range(3):
            invoice_line_add(
                invoice=invoice,
                day=NOV[0],
                description="x",
                quantity=Decimal(1),
                unit_price=Decimal("10.01"),
                vat="21",
            )
        lines = list(invoice.lines.all())
        # 10.01 × 21 % = 2.1021 → 2.10 on each line; over the total it would have been 6.31.
        assert [line.vat_amount for line in lines] == [Decimal("2.10")] * 3
        (high,) = invoice.vat_totals(lines)
        assert high["base"] == Decimal("30.03") and high["vat_amount"] == Decimal("6.30")
        totals = Invoice.objects.with_totals().get(pk=invoice.pk)
        assert (totals.total_excl, totals.total_vat) == (Decimal("30.03"), Decimal("6.30"))

    @pytest.mark.parametrize(
        ("quantity", "price", "vat", "amount", "vat_amount"),
        [
            ("1.5", "33.33", "21", "50.00", "10.50"),  # 49.995 → 50.00 (half up)
            ("-1.5", "33.33", "21", "-50.00", "-10.50"),  # a credit rounds away from zero too
            ("1", "0.05", "9", "0.05", "0.00"),  # 0.0045 → 0.00
            ("1", "0.50", "9", "0.50", "0.05"),  # 0.045 → 0.05
            ("3", "95.00", "exempt", "285.00", "0.00"),
        ],
    )
    def test_rounding_to_cents(self, quantity, price, vat, amount, vat_amount):
        got = InvoiceLine.amounts(Decimal(quantity), Decimal(price), vat)
        assert got == (Decimal(amount), Decimal(vat_amount))

    def test_totals_per_rate(self, coach_a, eva, tariffs):
        tariff("observation", "100", vat="exempt", name="Observatie")
        traject = traject_of(eva, coach_a)
        delivered(traject, date(2026, 11, 3))
        delivered(traject, date(2026, 11, 4), kind="observation", minutes=60)
        invoice = make(eva, coach_a)
        totals = {
            t["vat"]: (t["base"], t["vat_amount"])
            for t in invoice.vat_totals(list(invoice.lines.all()))
        }
        assert totals == {
            "21": (Decimal("80.00"), Decimal("16.80")),
            "exempt": (Decimal("100.00"), Decimal("0.00")),
        }


@pytest.mark.django_db
class TestWhatIsInvoiced:
    def test_held_late_cancelled_and_missed_appointments_and_hours(self, coach_a, eva, tariffs):
        traject = traject_of(eva, coach_a)
        delivered(traject, date(2026, 11, 2))
        delivered(traject, date(2026, 11, 3), status="cancelled_late")
        delivered(traject, date(2026, 11, 4), status="no_show")
        delivered(traject, date(2026, 11, 5), status="cancelled")  # in time: free
        delivered(traject, date(2026, 11, 6), kind="third_party", minutes=90)
        delivered(traject, date(2026, 12, 1))  # another period
        lines = list(make(eva, coach_a).lines.order_by("day"))
        assert [(line.day.day, line.quantity, line.unit_price) for line in lines] == [
            (2, Decimal("1.00"), Decimal("80.00")),
            (3, Decimal("1.00"), Decimal("50.00")),
            (4, Decimal("1.00"), Decimal("60.00")),
            (6, Decimal("1.00"), Decimal("105.00")),  # 90 minutes at 70 an hour
        ]
        assert lines[1].description.startswith("Te laat afgezegd")
        assert lines[3].description == "Contact derde, 90 minuten à € 70,00 per uur"

    @pytest.mark.parametrize(("minutes", "price"), [(20, "30.00"), (40, "60.00"), (50, "75.00")])
    def test_an_hourly_tariff_is_priced_by_the_minute(self, coach_a, eva, minutes, price):
        tariff("observation", "90", unit="hour", name="Observatie")
        delivered(traject_of(eva, coach_a), date(2026, 11, 2), kind="observation", minutes=minutes)
        (line,) = make(eva, coach_a).lines.all()
        assert (line.quantity, line.amount) == (Decimal("1.00"), Decimal(price))

    def test_no_place_to_pay_for_after_leaving_before_the_start(self, coach_a, eva, db):
        from coaching.tests.test_permissions import quick_group

        tariff(
            "backstage",
            "1150",
            unit="participant",
            min_participants=1,
            max_participants=10,
            meetings=8,
        )
        group = quick_group(
            coach_a, first_start=timezone.make_aware(timezone.datetime(2026, 11, 2, 19))
        )
        Membership.objects.create(
            group=group, client=eva, joined_on=date(2026, 10, 1), left_on=date(2026, 10, 15)
        )
        stays = ClientFactory(coach=coach_a)
        Membership.objects.create(group=group, client=stays, joined_on=date(2026, 10, 1))
        with pytest.raises(ValidationError, match="niets"):
            make(eva, coach_a)
        (line,) = make(stays, coach_a).lines.all()
        assert line.unit_price == Decimal("1150.00") and "8 bijeenkomsten" in line.description

    def test_no_fee_for_missing_what_is_free(self, coach_a, eva, tariffs):
        tariff("kennismaking", "0", name="Kennismaking")
        traject = traject_of(eva, coach_a)
        delivered(traject, date(2026, 11, 2), kind="kennismaking", minutes=30, status="no_show")
        delivered(traject, date(2026, 11, 3), kind="kennismaking", minutes=30)
        (line,) = make(eva, coach_a).lines.all()
        assert (line.day.day, line.amount, line.description) == (3, Decimal("0.00"), "Kennismaking")

    def test_lines_are_in_the_addressees_language(self, coach_a, eva, tariffs):
        from django.utils import translation

        eva.account.language = "en"
        eva.account.save()
        Tariff.objects.filter(component="no_show").update(name_en="Did not attend")
        delivered(traject_of(eva, coach_a), date(2026, 11, 2), status="no_show")
        with translation.override("nl"):
            (line,) = make(Client.objects.get(pk=eva.pk), coach_a).lines.all()
        assert line.description == "Did not attend: coaching session"

    def test_a_missing_tariff_is_named_and_nothing_is_made(self, coach_a, eva, tariffs):
        delivered(traject_of(eva, coach_a), date(2026, 11, 2), minutes=75)
        with pytest.raises(ValidationError, match="coachingsessie van 75 minuten"):
            make(eva, coach_a)
        assert not Invoice.objects.exists()

    def test_an_empty_period_says_so(self, coach_a, eva, tariffs):
        with pytest.raises(ValidationError, match="niets"):
            make(eva, coach_a)

    def test_email_coaching_per_month_in_which_the_coachee_wrote(self, coach_a, eva, tariffs):
        traject = TrajectFactory(client=eva, kind="email")
        for day in (3, 10):
            message = message_write(traject=traject, by=eva.account, body="Vraag", from_coach=False)
            message.__class__.objects.filter(pk=message.pk).update(
                created_at=timezone.make_aware(timezone.datetime(2026, 11, day, 12))
            )
        (line,) = make(eva, coach_a).lines.all()
        assert line.unit_price == Decimal("85.00") and "november 2026" in line.description

    def test_email_coaching_per_answer(self, coach_a, eva, db):
        tariff("email", "25", unit="message", name="Per antwoord")
        traject = TrajectFactory(client=eva, kind="email")
        message_write(traject=traject, by=eva.account, body="Vraag", from_coach=False)
        message_write(traject=traject, by=coach_a, body="Antwoord", from_coach=True)
        today = timezone.localdate()
        (line,) = make(eva, coach_a, start=today, end=today).lines.all()
        assert line.unit_price == Decimal("25.00")

    def test_a_child_is_invoiced_to_a_parent(self, coach_a, guardian, tariffs):
        child = Client.objects.get(guardians__account=guardian)
        delivered(traject_of(child, coach_a), date(2026, 11, 2))
        parent = child.guardians.get()
        invoice = make(child, coach_a, kind="guardian", guardian=parent)
        assert invoice.bill_to_email == guardian.email
        assert invoice.bill_to_name == f"{parent.first_name} {parent.last_name}"
        assert "Betreft: Lotte Ouder" in pdf_text(_pdf(invoice_send(invoice=invoice)))

    def test_an_in_company_group_is_invoiced_to_its_organisation(self, coach_a, db):
        from coaching.models import Organisation
        from coaching.tests.test_permissions import quick_group

        tariff(
            "backstage", "5600", unit="group", min_participants=4, max_participants=6, meetings=8
        )
        hospital = Organisation.objects.create(name="Ziekenhuis Oost", email="hr@oost.test")
        group = quick_group(
            coach_a, first_start=timezone.make_aware(timezone.datetime(2026, 11, 2, 19))
        )
        BackstageGroup.objects.filter(pk=group.pk).update(composition="team", organisation=hospital)
        for _n in range(5):
            Membership.objects.create(
                group=group, client=ClientFactory(coach=coach_a), joined_on=NOV[0]
            )
        invoice = invoice_create(
            recipient=Recipient("organisation", organisation=hospital, group_coach=coach_a),
            by=coach_a,
            start=NOV[0],
            end=NOV[1],
        )
        (line,) = invoice.lines.all()
        assert line.unit_price == Decimal("5600.00") and "5 deelnemers" in line.description
        assert invoice.bill_to_email == "hr@oost.test"

    def test_a_stopped_group_is_invoiced_for_the_meetings_it_had(self, coach_a, db):
        """Stopping a group cancels its meetings to come: the organisation pays (pro rata) for
        the meetings held and none for those that left the calendar."""
        from coaching.models import Organisation
        from coaching.tests.test_permissions import quick_group
        from groups.services.groups import group_stop

        tariff(
            "backstage", "5600", unit="group", min_participants=4, max_participants=6, meetings=8
        )
        hospital = Organisation.objects.create(name="Ziekenhuis Oost", email="hr@oost.test")
        first = timezone.localtime() - timedelta(weeks=6)
        group = quick_group(coach_a, first_start=first.replace(hour=19, minute=0))
        BackstageGroup.objects.filter(pk=group.pk).update(composition="team", organisation=hospital)
        for _n in range(5):
            Membership.objects.create(
                group=group, client=ClientFactory(coach=coach_a), joined_on=first.date()
            )
        group_stop(group=group, by=coach_a, reason="De organisatie stopt ermee.")
        had = group.meetings.exclude(appointment__status="cancelled").count()
        assert 0 < had < 8
        invoice = invoice_create(
            recipient=Recipient("organisation", organisation=hospital, group_coach=coach_a),
            by=coach_a,
            start=first.date(),
            end=timezone.localdate(),
        )
        (line,) = invoice.lines.all()
        assert line.unit_price == Decimal("5600.00") * had / 8
        assert f"{had} bijeenkomsten" in line.description


def _pdf(invoice):
    from billing.pdf import invoice_pdf

    return invoice_pdf(invoice)


@pytest.mark.django_db
class TestNothingTwice:
    def test_a_second_invoice_for_the_same_period_finds_nothing(self, coach_a, eva, tariffs):
        delivered(traject_of(eva, coach_a), date(2026, 11, 2))
        make(eva, coach_a)
        with pytest.raises(ValidationError, match="niets"):
            make(eva, coach_a)

    def test_the_database_refuses_a_second_claim(self, coach_a, eva, tariffs):
        delivered(traject_of(eva, coach_a), date(2026, 11, 2))
        line = make(eva, coach_a).lines.get()
        with pytest.raises(IntegrityError), transaction.atomic():
            Claim.objects.create(key=line.claims.get().key, line=line)

    def test_a_removed_line_or_a_deleted_draft_frees_the_item(self, coach_a, eva, tariffs):
        delivered(traject_of(eva, coach_a), date(2026, 11, 2))
        draft = make(eva, coach_a)
        invoice_line_remove(line=draft.lines.get())
        again = make(eva, coach_a)
        invoice_delete(invoice=again)
        assert make(eva, coach_a).lines.count() == 1


@pytest.mark.django_db
class TestNumbering:
    def test_numbers_follow_each_other_per_year_and_drafts_have_none(self, coach_a, eva, tariffs):
        traject = traject_of(eva, coach_a)
        for day in (2, 3, 4):
            delivered(traject, date(2026, 11, day))
        drafts = [
            make(eva, coach_a, start=date(2026, 11, d), end=date(2026, 11, d)) for d in (2, 3, 4)
        ]
        assert all(d.number == "" for d in drafts)
        invoice_delete(invoice=drafts[1])  # a deleted draft leaves no gap
        first = invoice_send(invoice=drafts[0], on=date(2026, 12, 30))
        second = invoice_send(invoice=drafts[2], on=date(2027, 1, 2))
        assert (first.number, second.number) == ("2026-0001", "2027-0001")
        assert first.due_on == date(2027, 1, 13)

    def test_a_rolled_back_send_gives_its_number_back(self, coach_a, eva, tariffs):
        traject = traject_of(eva, coach_a)
        delivered(traject, date(2026, 11, 2))
        delivered(traject, date(2026, 11, 3))
        one = make(eva, coach_a, end=date(2026, 11, 2))
        two = make(eva, coach_a, start=date(2026, 11, 3))
        with pytest.raises(RuntimeError), transaction.atomic():
            invoice_send(invoice=one)
            raise RuntimeError("the request failed after numbering")
        assert invoice_send(invoice=two).sequence == 1

    def test_sending_twice_keeps_one_number(self, coach_a, eva, tariffs):
        delivered(traject_of(eva, coach_a), date(2026, 11, 2))
        invoice = invoice_send(invoice=make(eva, coach_a))
        with pytest.raises(ValidationError, match="al verstuurd"):
            invoice_send(invoice=invoice)
        assert InvoiceCounter.objects.get().last == 1


@pytest.mark.django_db
class TestFinal:
    @pytest.fixture
    def sent(self, coach_a, eva, tariffs):
        delivered(traject_of(eva, coach_a), date(2026, 11, 2))
        return invoice_send(invoice=make(eva, coach_a))

    def test_the_database_refuses_to_change_a_sent_invoice(self, sent):
        for change in [{"bill_to_name": "Iemand anders"}, {"sequence": 7}, {"status": "draft"}]:
            with pytest.raises(DatabaseError), transaction.atomic():
                Invoice.objects.filter(pk=sent.pk).update(**change)

    def test_the_database_refuses_to_delete_a_sent_invoice_on_postgresql(self, sent):
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip("SQLite test databases are emptied with DELETE: refused on PostgreSQL")
        with pytest.raises(DatabaseError), transaction.atomic():
            InvoiceLine.objects.filter(invoice=sent).delete()
        with pytest.raises(DatabaseError), transaction.atomic():
            Invoice.objects.filter(pk=sent.pk).delete()

    def test_the_database_refuses_to_change_its_lines(self, sent):
        line = sent.lines.get()
        with pytest.raises(DatabaseError), transaction.atomic():
            InvoiceLine.objects.filter(pk=line.pk).update(unit_price=1)
        with pytest.raises(DatabaseError), transaction.atomic():
            InvoiceLine.objects.create(
                invoice=sent,
                day=NOV[0],
                description="x",
                quantity=1,
                unit_price=1,
                vat="21",
                amount=1,
                vat_amount=0,
            )

    def test_the_services_refuse_with_a_clear_message(self, sent):
        with pytest.raises(ValidationError, match="niet meer gewijzigd"):
            invoice_line_remove(line=sent.lines.get())
        with pytest.raises(ValidationError, match="creditfactuur"):
            invoice_delete(invoice=sent)

    def test_paid_is_recorded(self, sent):
        paid = invoice_mark_paid(invoice=sent, on=timezone.localdate())
        assert paid.status == "paid"
        with pytest.raises(ValidationError):
            invoice_mark_paid(invoice=paid, on=timezone.localdate())

    def test_paid_before_the_invoice_date_is_refused(self, sent):
        with pytest.raises(ValidationError, match="betaaldatum"):
            invoice_mark_paid(invoice=sent, on=sent.issued_on - timedelta(days=1))


@pytest.mark.django_db
class TestCredit:
    def test_a_credit_negates_and_frees_the_items(self, coach_a, eva, tariffs):
        delivered(traject_of(eva, coach_a), date(2026, 11, 2))
        original = invoice_send(invoice=make(eva, coach_a))
        credit = invoice_credit(invoice=original, by=coach_a)
        assert credit.status == "sent" and credit.sequence == 2 and credit.credit_for == original
        (line,) = credit.lines.all()
        assert (line.amount, line.vat_amount) == (Decimal("-80.00"), Decimal("-16.80"))
        text = pdf_text(_pdf(credit))
        assert "Creditfactuur 2026-0002" in text and "2026-0001" in text and "€ -96,80" in text
        assert make(eva, coach_a).lines.count() == 1  # invoiced again, correctly

    def test_credited_once_never_a_credit_nor_a_draft(self, coach_a, eva, tariffs):
        delivered(traject_of(eva, coach_a), date(2026, 11, 2))
        draft = make(eva, coach_a)
        with pytest.raises(ValidationError, match="concept"):
            invoice_credit(invoice=draft, by=coach_a)
        original = invoice_send(invoice=draft)
        credit = invoice_credit(invoice=original, by=coach_a)
        with pytest.raises(ValidationError, match="al gecrediteerd"):
            invoice_credit(invoice=original, by=coach_a)
        with pytest.raises(ValidationError, match="niet zelf"):
            invoice_credit(invoice=credit, by=coach_a)


@pytest.mark.django_db
def test_the_invoice_is_emailed_once_with_its_pdf(
    coach_a, eva, tariffs, django_capture_on_commit_callbacks
):
    from coaching import outbox

    delivered(traject_of(eva, coach_a), date(2026, 11, 2))
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_send(invoice=make(eva, coach_a))
    send = Send.objects.get(subject=f"invoice:{invoice.pk}")
    outbox.deliver([send.pk])  # a retry, a second worker: nothing more
    assert send.__class__.objects.get(pk=send.pk).status == "sent"
    (message,) = mail.outbox
    assert message.to == [eva.account.email] and "2026-0001" in message.subject
    (name, content, mimetype) = message.attachments[0]
    assert name == "factuur-2026-0001.pdf" and mimetype == "application/pdf"
    text = pdf_text(content)
    assert "Factuur 2026-0001" in text and "€ 96,80" in text and "Btw 21 % over € 80,00" in text


@pytest.mark.django_db
def test_making_an_invoice_takes_the_same_queries_for_3_and_12_sessions(
    coach_a, eva, tariffs, django_assert_num_queries
):
    traject = traject_of(eva, coach_a)
    for day in range(2, 14):
        delivered(traject, date(2026, 11, day))

    # the client's strippenkaarten (none: nothing to settle), the tariffs, the appointments,
    # the e-mail messages, the memberships and their groups, the cards sold in the period,
    # what is claimed, the addressee's account, the client's coach; then savepoints, the
    # invoice, its lines and their claims
    fresh = Client.objects.get(pk=eva.pk)
    with django_assert_num_queries(16):
        small = make(fresh, coach_a, start=date(2026, 11, 2), end=date(2026, 11, 4))
    fresh = Client.objects.get(pk=eva.pk)
    with django_assert_num_queries(16):
        large = make(fresh, coach_a, start=date(2026, 11, 5), end=date(2026, 11, 16))
    assert (small.lines.count(), large.lines.count()) == (3, 9)


@pytest.mark.django_db
def test_a_credited_invoice_is_not_paid_nor_overdue(coach_a, eva, tariffs):
    delivered(traject_of(eva, coach_a), date(2026, 11, 2))
    original = invoice_send(invoice=make(eva, coach_a), on=date(2026, 11, 1))
    invoice_credit(invoice=original, by=coach_a)
    with pytest.raises(ValidationError, match="gecrediteerd"):
        invoice_mark_paid(invoice=original, on=timezone.localdate())
    listed = Invoice.objects.with_totals().get(pk=original.pk)
    assert listed.credited and not listed.is_overdue


@pytest.mark.django_db
class TestThePractice:
    def test_a_sent_invoice_keeps_the_practices_details_of_that_day(
        self, coach_a, eva, tariffs, settings
    ):
        delivered(traject_of(eva, coach_a), date(2026, 11, 2))
        invoice = invoice_send(invoice=make(eva, coach_a))
        settings.PRAKTIJK_DETAILS = {**settings.PRAKTIJK_DETAILS, "iban": "NL02 RABO 0123 4567 89"}
        text = pdf_text(_pdf(Invoice.objects.get(pk=invoice.pk)))
        assert "NL91 ABNA 0417 1643 00" in text and "RABO" not in text

    def test_no_invoice_goes_out_without_what_the_law_asks(self, coach_a, eva, tariffs, settings):
        delivered(traject_of(eva, coach_a), date(2026, 11, 2))
        draft = make(eva, coach_a)
        settings.PRAKTIJK_DETAILS = {**settings.PRAKTIJK_DETAILS, "kvk": "", "vat_number": ""}
        with pytest.raises(ValidationError, match="KvK-nummer, btw-identificatienummer"):
            invoice_send(invoice=draft)
        assert Invoice.objects.get(pk=draft.pk).status == "draft"
        assert not InvoiceCounter.objects.filter(last__gt=0).exists()


@pytest.mark.django_db
class TestExtraLines:
    @pytest.fixture
    def draft(self, coach_a, eva, tariffs):
        delivered(traject_of(eva, coach_a), date(2026, 11, 2))
        return make(eva, coach_a)

    def test_a_tariff_that_did_not_apply_that_day_is_refused(self, draft):
        later = tariff("observation", "90", unit="hour", since=date(2026, 12, 1))
        with pytest.raises(ValidationError, match="niet op die datum"):
            invoice_line_add(
                invoice=draft,
                day=date(2026, 11, 20),
                description="",
                quantity=Decimal(1),
                tariff=later,
            )

    @pytest.mark.parametrize(("quantity", "price"), [("1000", "10"), ("1", "100000"), ("0", "10")])
    def test_amounts_that_do_not_fit_are_refused(self, draft, quantity, price):
        with pytest.raises(ValidationError, match="past niet"):
            invoice_line_add(
                invoice=draft,
                day=date(2026, 11, 20),
                description="x",
                quantity=Decimal(quantity),
                unit_price=Decimal(price),
                vat="21",
            )
        assert draft.lines.count() == 1
