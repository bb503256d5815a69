"""Every URL × every role: who may open what (pretix's test_permissions style).

A new URL without an expectation here fails `test_every_url_has_an_expectation`.
"""

from datetime import date, time, timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLPattern, URLResolver
from django.utils import timezone

from coaching.models import Client, Invitation
from coaching.services.accounts import invitation_tokens
from coaching.tests import personas, security
from coaching.tests.factories import UserFactory
from sessions.models import (
    Appointment,
    SessionType,
    WaitlistOffer,
    WaitlistRequest,
    WorkingHours,
)
from trajects.tests.factories import ConsentFactory, ThirdPartyFactory, note, running_traject

ROLES = ["anonymous", "coachee", "coachee_b", "guardian", "coach_a", "coach_b", "admin"]

OK, LOGIN, DENIED, NOT_FOUND, METHOD, REDIRECT, GONE, UNAUTHORIZED = (
    "ok",
    "login",
    "denied",
    "not found",
    "method not allowed",
    "redirect",
    "gone",
    "unauthorized",
)


def row(anonymous, coachee, guardian, coach_a, coach_b, admin):
    """The outcome per role. Coachee B (a client of coach B, with her own portal account) has the
    outcome of coachee A, except where A reaches an object of her own (COACHEE_B)."""
    outcomes = dict(
        zip(
            ["anonymous", "coachee", "guardian", "coach_a", "coach_b", "admin"],
            [anonymous, coachee, guardian, coach_a, coach_b, admin],
            strict=True,
        )
    )
    return {**outcomes, "coachee_b": coachee}


def everyone(outcome):
    return row(*[outcome] * 6)


# Our own pages. The invitation in the arguments was sent by coach A.
GET = {
    "home": everyone(OK),
    "way_of_working": everyone(OK),
    "backstage_info": everyone(OK),
    "tariffs": everyone(OK),
    "contact": everyone(OK),
    "healthz": everyone(OK),
    "favicon": everyone(REDIRECT),
    "after_login": row(LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "set_language": everyone(METHOD),
    "coach_dashboard": row(LOGIN, DENIED, DENIED, OK, OK, DENIED),
    "coach_profile": row(LOGIN, DENIED, DENIED, OK, OK, DENIED),
    "portal_home": row(LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "invitations": row(LOGIN, DENIED, DENIED, OK, OK, OK),
    "invitation_create_client": everyone(METHOD),
    "invitation_create_staff": everyone(METHOD),
    "invitation_resend": everyone(METHOD),
    "invitation_accept": row(OK, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "admin_status": row(LOGIN, DENIED, DENIED, DENIED, DENIED, OK),
    "admin_status_ping": everyone(METHOD),
    # For a monitor with the bearer token (coaching/tests/test_health.py), or the admin.
    "readyz": row(UNAUTHORIZED, UNAUTHORIZED, UNAUTHORIZED, UNAUTHORIZED, UNAUTHORIZED, OK),
    "metrics": row(UNAUTHORIZED, UNAUTHORIZED, UNAUTHORIZED, UNAUTHORIZED, UNAUTHORIZED, OK),
    # Clients and trajects: the objects in the URL belong to coach A.
    "client_list": row(LOGIN, DENIED, DENIED, OK, OK, DENIED),
    "client_create": row(LOGIN, DENIED, DENIED, OK, OK, DENIED),
    "client_detail": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "client_edit": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "client_invite_portal": everyone(METHOD),
    "guardian_create": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "guardian_edit": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "guardian_invite_portal": everyone(METHOD),
    "third_party_create": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "consent_create": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "consent_withdraw": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),  # asks first
    "traject_new": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "traject_detail": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "traject_step": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "intake_edit": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "entry_new": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "entry_correct": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "client_log": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "portal_privacy": row(LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "client_export": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "portal_export": row(LOGIN, NOT_FOUND, OK, DENIED, DENIED, DENIED),  # the guardian's child
    "client_erase": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    # The portal: the consent in the URL is the guardian's child's.
    "portal_consents": row(LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "portal_consent_withdraw": row(LOGIN, NOT_FOUND, OK, DENIED, DENIED, DENIED),  # asks first
    # The calendar: the appointment in the URL is coach A's, with the guardian's child.
    "calendar_week": row(LOGIN, DENIED, DENIED, OK, OK, DENIED),
    "appointment_new": row(LOGIN, DENIED, DENIED, OK, OK, DENIED),
    "calendar_feed_renew": everyone(METHOD),
    "appointment_detail": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "appointment_move": everyone(METHOD),
    # Cancelling asks first: the confirmation page. A no-show or a waiver of an
    # appointment still to come, without a fee: refused with a message (redirect).
    "appointment_cancel": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "appointment_mark": everyone(METHOD),
    "appointment_no_show": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    "appointment_waive_fee": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    "appointment_ics": row(LOGIN, NOT_FOUND, OK, OK, NOT_FOUND, DENIED),
    "calendar_feed": everyone(OK),  # the secret in the URL is the key
    "portal_appointments": row(LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "portal_book": row(LOGIN, NOT_FOUND, OK, DENIED, DENIED, DENIED),
    "portal_reschedule": row(LOGIN, NOT_FOUND, OK, DENIED, DENIED, DENIED),
    "portal_cancel": row(LOGIN, NOT_FOUND, OK, DENIED, DENIED, DENIED),  # asks first
    "kennismaking": everyone(OK),
    "kennismaking_thanks": everyone(OK),
    "availability": row(LOGIN, DENIED, DENIED, OK, OK, DENIED),
    # The waitlist: the request and the offer in the URL are the guardian's child's.
    "portal_waitlist_join": row(LOGIN, NOT_FOUND, OK, DENIED, DENIED, DENIED),
    "portal_waitlist_withdraw": everyone(METHOD),
    "portal_offer": row(LOGIN, NOT_FOUND, OK, DENIED, DENIED, DENIED),
    "coach_waitlist": row(LOGIN, DENIED, DENIED, OK, OK, DENIED),
    "coach_waitlist_remove": everyone(METHOD),
    # The intake's preparation: the guardian accepted the agreement for his child's traject.
    "portal_intake": row(LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "agreement_by_link": everyone(OK),  # the token in the URL is the key; staff only read
    "agreement_link_pdf": everyone(OK),
    "portal_agreement_pdf": row(LOGIN, NOT_FOUND, OK, DENIED, DENIED, DENIED),
    "coach_agreement_pdf": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    # Backstage: coach A's group, with the coachee as a participant.
    "group_list": row(LOGIN, DENIED, DENIED, OK, OK, DENIED),
    "group_new": row(LOGIN, DENIED, DENIED, OK, OK, DENIED),
    "group_detail": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "group_member_add": everyone(METHOD),
    "group_rota_accept": everyone(METHOD),
    "group_member_leave": everyone(METHOD),
    "group_place": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "group_stop": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),  # the confirmation page
    "group_delete": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),  # nothing happened yet
    "meeting_detail": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "meeting_move": everyone(METHOD),
    "meeting_report_back": everyone(METHOD),
    "meeting_attendance": everyone(METHOD),
    "turn_assign": everyone(METHOD),
    "turn_record": everyone(METHOD),
    "turn_release": everyone(METHOD),
    "portal_groups": row(LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "portal_turn_claim": everyone(METHOD),
    # A meeting's .ics: only for a participant of its group (the guardian's child is none).
    "portal_meeting_ics": row(LOGIN, OK, NOT_FOUND, DENIED, DENIED, DENIED),
    # E-mail coaching: the traject in the URL is the child's standard traject (not e-mail
    # coaching: a 404 in the portal); the message is the coachee's, in her e-mail traject.
    "portal_messages": row(LOGIN, REDIRECT, OK, DENIED, DENIED, DENIED),
    "portal_conversation": row(LOGIN, NOT_FOUND, NOT_FOUND, DENIED, DENIED, DENIED),
    "portal_conversation_live": everyone(METHOD),
    "portal_conversation_close": everyone(METHOD),
    "coach_reply": everyone(METHOD),
    # Asks first; the child's standard traject is no e-mail coaching: nothing to ask (redirect).
    "coach_switch": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    "message_attachment": row(NOT_FOUND, OK, NOT_FOUND, OK, NOT_FOUND, NOT_FOUND),
    "message_statistics": row(LOGIN, DENIED, DENIED, OK, OK, DENIED),
    # The monthly report: the admin's of the practice, each coach's of their own work.
    "report": row(LOGIN, DENIED, DENIED, OK, OK, OK),
    # Evaluations: the personal link is the key (of the child's interim evaluation here).
    "evaluation_fill": everyone(OK),
    "portal_evaluations": row(LOGIN, OK, OK, DENIED, DENIED, DENIED),
    # Invoices and quotes: coach A's, a sent invoice to the guardian for his child. The admin
    # sees every coach's.
    "invoice_list": row(LOGIN, DENIED, DENIED, OK, OK, OK),
    "invoice_new": row(LOGIN, DENIED, DENIED, OK, OK, OK),
    "invoice_detail": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, OK),
    "invoice_pdf": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, OK),
    "invoice_send": everyone(METHOD),
    "invoice_paid": everyone(METHOD),
    "invoice_credit": everyone(METHOD),
    "invoice_delete": everyone(METHOD),
    "invoice_line_new": everyone(METHOD),
    "invoice_line_delete": everyone(METHOD),
    "quote_new": row(LOGIN, DENIED, DENIED, OK, OK, OK),
    "quote_detail": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, OK),
    "quote_pdf": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, OK),
    # A request for a quote from the website, for coach A: the public form, and her answer.
    "quote_request": everyone(OK),
    "quote_request_thanks": everyone(OK),
    "quote_request_detail": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, OK),
    "quote_request_close": everyone(METHOD),
    "portal_invoices": row(LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "portal_invoice_pdf": row(LOGIN, NOT_FOUND, OK, DENIED, DENIED, DENIED),
    # Strippenkaarten: coach A sells one on her client's page, and withdraws a sale.
    "package_sell": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "package_withdraw": everyone(METHOD),
}
POST = {
    "set_language": everyone(REDIRECT),
    "invitations": everyone(METHOD),
    # An empty form is shown again with its errors (200); nothing is created.
    "invitation_create_client": row(LOGIN, DENIED, DENIED, OK, OK, DENIED),
    "invitation_create_staff": row(LOGIN, DENIED, DENIED, DENIED, DENIED, OK),
    "invitation_resend": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, REDIRECT),
    "admin_status_ping": row(LOGIN, DENIED, DENIED, DENIED, DENIED, REDIRECT),
    "report": everyone(METHOD),
    "readyz": everyone(METHOD),
    "metrics": everyone(METHOD),
    # Mijn profiel: the coach's own, saved (an empty phone and room are valid).
    "coach_profile": row(LOGIN, DENIED, DENIED, REDIRECT, REDIRECT, DENIED),
    # Forms posted empty are shown again with their errors (200); nothing changes.
    "client_create": row(LOGIN, DENIED, DENIED, OK, OK, DENIED),
    "client_edit": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "client_invite_portal": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    "guardian_create": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "guardian_edit": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "guardian_invite_portal": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    "third_party_create": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "consent_create": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "consent_withdraw": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    "traject_new": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "traject_step": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "intake_edit": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "entry_new": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "entry_correct": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    # The child's traject runs: erasing is refused, with the reason (200).
    "client_erase": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    # The coachee is not the child's guardian: another client's consent is a 404.
    "portal_consent_withdraw": row(LOGIN, NOT_FOUND, REDIRECT, DENIED, DENIED, DENIED),
    "appointment_new": row(LOGIN, DENIED, DENIED, OK, OK, DENIED),
    "calendar_feed_renew": row(LOGIN, DENIED, DENIED, REDIRECT, REDIRECT, DENIED),
    "appointment_move": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    # Without who cancels and why: the confirmation page again, with what is missing (200).
    "appointment_cancel": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "appointment_mark": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    "appointment_no_show": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    "appointment_waive_fee": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    "portal_book": row(LOGIN, NOT_FOUND, OK, DENIED, DENIED, DENIED),
    "portal_reschedule": row(LOGIN, NOT_FOUND, OK, DENIED, DENIED, DENIED),
    "portal_cancel": row(LOGIN, NOT_FOUND, REDIRECT, DENIED, DENIED, DENIED),
    "kennismaking": everyone(OK),  # the form shown again with its errors; nothing stored
    "availability": row(LOGIN, DENIED, DENIED, NOT_FOUND, NOT_FOUND, DENIED),  # no action: 404
    # Nothing chosen: the form again with what is missing (200); nothing stored.
    "portal_waitlist_join": row(LOGIN, NOT_FOUND, OK, DENIED, DENIED, DENIED),
    "portal_waitlist_withdraw": row(LOGIN, NOT_FOUND, REDIRECT, DENIED, DENIED, DENIED),
    # No answer chosen: the offer's page again (200).
    "portal_offer": row(LOGIN, NOT_FOUND, OK, DENIED, DENIED, DENIED),
    "coach_waitlist": everyone(METHOD),
    "coach_waitlist_remove": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    "portal_intake": everyone(METHOD),
    # Accepted already: back to the page, nothing stored (a second acceptance is refused).
    "agreement_by_link": everyone(REDIRECT),
    "agreement_link_pdf": everyone(METHOD),
    "portal_agreement_pdf": everyone(METHOD),
    "coach_agreement_pdf": everyone(METHOD),
    "group_new": row(LOGIN, DENIED, DENIED, OK, OK, DENIED),
    "group_member_add": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    "group_rota_accept": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    "group_member_leave": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    # No place, no reason: the form again with what is missing (200); nothing changes.
    "group_place": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "group_stop": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "group_delete": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    "meeting_detail": everyone(METHOD),  # its forms post to the views below
    # Posted without what the form asks: refused with a message, or nothing to change (redirect).
    "meeting_move": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    "meeting_report_back": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    "meeting_attendance": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    "turn_assign": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    "turn_record": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    "turn_release": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    "portal_turn_claim": row(LOGIN, REDIRECT, NOT_FOUND, DENIED, DENIED, DENIED),
    "portal_conversation": row(LOGIN, NOT_FOUND, NOT_FOUND, DENIED, DENIED, DENIED),
    "portal_conversation_live": row(LOGIN, NOT_FOUND, NOT_FOUND, DENIED, DENIED, DENIED),
    "portal_conversation_close": row(LOGIN, NOT_FOUND, NOT_FOUND, DENIED, DENIED, DENIED),
    "coach_reply": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),  # empty: shown again
    "coach_switch": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
    "evaluation_fill": everyone(OK),  # empty: shown again with what is missing; not stored
    # Forms posted empty are shown again (200); the world's invoice is sent already, so sending,
    # deleting it or removing its line is refused with a message (redirect); crediting it works.
    "invoice_new": row(LOGIN, DENIED, DENIED, OK, OK, OK),
    "invoice_send": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, REDIRECT),
    "invoice_paid": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, OK),
    "invoice_credit": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, REDIRECT),
    "invoice_delete": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, REDIRECT),
    "invoice_line_new": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, OK),
    "invoice_line_delete": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, REDIRECT),
    "quote_new": row(LOGIN, DENIED, DENIED, OK, OK, OK),
    # Posted empty: the form again with what is missing (200), nothing stored; closing the
    # request works (without a reason).
    "quote_request": everyone(OK),
    "quote_request_detail": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, OK),
    "quote_request_close": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, REDIRECT),
    # Posted empty: the form again (200), nothing sold; the world's card is on no invoice, so
    # withdrawing it works.
    "package_sell": row(LOGIN, DENIED, DENIED, OK, NOT_FOUND, DENIED),
    "package_withdraw": row(LOGIN, DENIED, DENIED, REDIRECT, NOT_FOUND, DENIED),
}

# Where coachee A reaches what is hers (her conversation's attachment, her e-mail coaching, her
# group's meeting), coachee B gets a 404, or her own (empty) list.
GET["message_attachment"]["coachee_b"] = NOT_FOUND
GET["portal_messages"]["coachee_b"] = OK  # no e-mail coaching of her own: the list
POST["portal_turn_claim"]["coachee_b"] = NOT_FOUND
GET["portal_meeting_ics"]["coachee_b"] = NOT_FOUND

# django-allauth's pages: those for signing in are open (and must never fail); the account
# settings need a login.
ALLAUTH_OPEN = {
    "account_login",
    "account_logout",
    "account_signup",
    "account_inactive",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_email_verification_sent",
    "account_confirm_email",
    "account_confirm_login_code",
    "mfa_authenticate",
    "mfa_login_webauthn",
}
ALLAUTH_LOGIN_REQUIRED = {
    "account_reauthenticate",
    "account_email",
    "account_change_password",
    "account_set_password",
    "mfa_index",
    "mfa_reauthenticate",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_list_webauthn",
    "mfa_add_webauthn",
    "mfa_reauthenticate_webauthn",
    "mfa_remove_webauthn",
    "mfa_edit_webauthn",
    "mfa_login_webauthn",
}
ALLAUTH_LOGIN_REQUIRED -= {"mfa_login_webauthn"}


def all_url_patterns(patterns=None, namespace=None, params=()):
    """Yield (name, names of the URL's parameters) for every pattern, included ones too."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        here = (*params, *pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            yield from all_url_patterns(pattern.url_patterns, pattern.namespace or namespace, here)
        elif isinstance(pattern, URLPattern):
            yield (f"{namespace}:" if namespace else "") + str(pattern.name), here


def test_every_url_has_an_expectation():
    missing = [
        name
        for name, _pattern in all_url_patterns()
        if name not in GET
        and name not in ALLAUTH_OPEN
        and name not in ALLAUTH_LOGIN_REQUIRED
        and not name.startswith("admin:")
    ]
    assert missing == [], f"URLs without a permission expectation: {missing}"


def quick_group(coach, *, first_start):
    """A Backstage group with its eight meetings, written in three statements: the matrix
    builds its world 800 times, and group_create books each meeting through the calendar's
    checks (groups/tests covers that)."""
    from groups.models import BackstageGroup, Meeting

    group = BackstageGroup.objects.create(
        coach=coach,
        name="Groep",
        composition="mixed",
        daypart="evening",
        interval_weeks=3,
        meeting_minutes=150,
    )
    appointments = Appointment.objects.bulk_create(
        [
            Appointment(
                coach=coach,
                kind=Appointment.Kind.BACKSTAGE,
                mode="practice",
                start=first_start + timedelta(weeks=3 * number),
                end=first_start + timedelta(weeks=3 * number, minutes=150),
            )
            for number in range(8)
        ]
    )
    Meeting.objects.bulk_create(
        [
            Meeting(group=group, number=number, appointment=appointment)
            for number, appointment in enumerate(appointments, start=1)
        ]
    )
    return group


def billing_world(coach, child):
    """A sent invoice of the coach to the child's parent, with one line, a quote, and a request
    for a quote from the website."""
    from decimal import Decimal

    from billing.models import Invoice, Quote, QuoteRequest
    from billing.services.invoicing import invoice_line_add, invoice_send
    from coaching.models import Organisation, Tariff

    invoice = Invoice.objects.create(
        coach=coach,
        recipient_kind="guardian",
        client=child,
        guardian=child.guardians.get(),
        bill_to_name="Ouder",
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        created_by=coach,
    )
    day = date(2026, 11, 2)
    invoice_line_add(
        invoice=invoice,
        day=day,
        description="Sessie",
        quantity=Decimal(1),
        unit_price=Decimal(80),
        vat="21",
    )
    invoice_send(invoice=invoice)
    tariff = Tariff.objects.create(
        component="backstage", unit="group", name="Groep", price=5600, valid_from=date(2024, 1, 1)
    )
    quote = Quote.objects.create(
        coach=coach,
        organisation=Organisation.objects.create(name="Ziekenhuis"),
        group_size=6,
        tariff=tariff,
        description="Groep",
        quantity=1,
        unit_price=5600,
        vat="21",
        issued_on=day,
        valid_until=day,
    )
    quote_request = QuoteRequest.objects.create(
        coach=coach,
        organisation_name="Gemeente Zuid",
        contact_person="K. Mol",
        email="k.mol@zuid.test",
        group_size=6,
        daypart="day",
        composition="team",
    )
    return invoice, quote, quote_request


def package_world(coach, child):
    """A strippenkaart sold to the child, on no invoice yet."""
    from decimal import Decimal

    from billing.models import Package, PackagePrice
    from billing.services.packages import package_sell

    package = Package.objects.create(name="Vijf sessies", sessions=5, validity_months=6)
    PackagePrice.objects.create(package=package, price=Decimal(400), valid_from=date(2024, 1, 1))
    return package_sell(client=child, package=package, by=coach)


def build_world() -> dict:
    """Every persona and one object of every kind that a URL takes."""
    from trajects.default_questionnaires import create_defaults
    from trajects.models import Question, Questionnaire

    create_defaults(Questionnaire, Question)
    coach_a, coach_b = personas.coach_a(), personas.coach_b()
    coachee, guardian = personas.coachee(coach_a), personas.guardian(coach_a)
    coachee_b = personas.coachee_b(coach_b)
    admin_user = personas.admin()
    invited = UserFactory(email="uitgenodigd@praktijk.test", password="!")
    invited.set_unusable_password()
    invited.save()
    invitation = Invitation.objects.create(user=invited, invited_by=coach_a)
    child = Client.objects.get(guardians__account=guardian)
    party = ThirdPartyFactory(client=child)
    consent = ConsentFactory(third_party=party, given_by_guardian=child.guardians.get())
    traject = running_traject(coach_a, client=child)
    entry = note(traject, coach_a)
    session = SessionType.objects.create(
        kind="session",
        name="Sessie",
        default_minutes=60,
        allowed_modes=["practice"],
        bookable_online=True,
    )
    from groups.services.meetings import turn_claim
    from groups.services.members import member_add

    # Two groups with the coachee in them: the group pages' in which nothing happened yet (it
    # can still be deleted), and the meeting pages', with her turn at its first meeting.
    group = quick_group(coach_a, first_start=timezone.now() + timedelta(days=40))
    member_add(group=group, client=Client.objects.get(account=coachee), joined_on=date.today())
    held = quick_group(coach_a, first_start=timezone.now() + timedelta(days=41))
    turn = turn_claim(
        meeting=held.meetings.get(number=1),
        membership=member_add(
            group=held, client=Client.objects.get(account=coachee), joined_on=date.today()
        ),
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    from trajects.services.email_coaching import message_write
    from trajects.tests.factories import TrajectFactory

    email_traject = TrajectFactory(client=Client.objects.get(account=coachee), kind="email")
    message = message_write(
        traject=email_traject,
        by=coachee,
        body="Vraag",
        from_coach=False,
        attachment=SimpleUploadedFile("a.pdf", b"%PDF-1.7 test"),
    )
    from trajects.services.evaluations import evaluation_request, token_for

    evaluation = evaluation_request(
        key="permissions", kind="interim", client=child, traject=traject, prompt=False
    )
    invoice, quote, quote_request = billing_world(coach_a, child)
    purchase = package_world(coach_a, child)
    start = timezone.now() + timedelta(days=5)
    appointment = Appointment.objects.create(
        coach=coach_a,
        traject=traject,
        session_type=session,
        kind="session",
        mode="practice",
        start=start,
        end=start + timedelta(hours=1),
    )
    from sessions.services.waitlist import Wish, request_join
    from sessions.services.waitlist_offers import offer_freed

    waiting = request_join(
        account=guardian,
        traject=traject,
        session_type=session,
        wish=Wish(
            before=date.today() + timedelta(days=60),
            weekdays=list(range(7)),
            dayparts=["morning", "afternoon", "evening"],
            modes=["practice"],
        ),
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(coach=coach_a, weekday=day, start_time=time(0), end_time=time(23, 59))
        for day in range(7)
    )
    freed = start + timedelta(days=2)
    (offer,) = offer_freed(coach_id=coach_a.pk, start=freed, end=freed + timedelta(hours=1))
    from trajects.default_agreement import create_defaults
    from trajects.models import AgreementText, Question, Questionnaire
    from trajects.services.agreement import agreement_accept, party_token

    create_defaults(AgreementText, Questionnaire, Question)
    party = str(child.guardians.get().uuid)
    acceptance = agreement_accept(
        traject=traject, key=party, name="Ouder", ip_address=None, account=guardian, language="nl"
    )
    return {
        "users": {
            "anonymous": None,
            "coachee": coachee,
            "coachee_b": coachee_b,
            "guardian": guardian,
            "coach_a": coach_a,
            "coach_b": coach_b,
            "admin": admin_user,
        },
        "kwargs": {
            "invitation": invitation.uuid,
            "token": invitation_tokens.make_token(invited),
            "client": child.uuid,
            "guardian": child.guardians.get().uuid,
            "consent": consent.uuid,
            "traject": traject.uuid,
            "entry": entry.uuid,
            "step": "close",
            "appointment": appointment.uuid,
            "session_type": session.pk,
            "feed_token": coach_a.coach_profile.calendar_token,
            "group": group.uuid,
            "message": message.uuid,
            "meeting": turn.meeting.uuid,
            "turn": turn.uuid,
            "evaluation": evaluation.uuid,
            "link_token": token_for(evaluation),
            "invoice": invoice.uuid,
            "line": invoice.lines.get().uuid,
            "quote": quote.uuid,
            "quote_request": quote_request.uuid,
            "purchase": purchase.uuid,
            "waitlist_request": waiting.uuid,
            "offer": offer.uuid,
            "key": party,
            "agreement_token": party_token(traject, party),
            "acceptance": acceptance.uuid,
        },
        # As stored: encrypted (coaching.crypto), so the download decrypts it.
        "attachment": (
            message.attachment.name,
            message.attachment.storage.open(message.attachment.name).read(),
        ),
    }


@pytest.fixture(scope="module")
def world_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built once for the module's thousand tests inside a transaction that is
    rolled back at the end: each test runs in a savepoint within it (pytest-django's `db`), so
    what a test changes is undone before the next."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(world_once, db, settings):
    # The attachment's file, where this test keeps its uploads (MEDIA_ROOT is per test).
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    name, content = world_once["attachment"]
    assert default_storage.save(name, ContentFile(content)) == name
    return world_once


@pytest.fixture(scope="module")
def production_security():
    return security.production_security()


@pytest.fixture(autouse=True)
def _as_in_production(production_security, settings):
    """Every request of the matrix goes over HTTPS with production's security settings, so that
    each response can be checked for the headers and cookies production sends."""
    for name, value in production_security.items():
        setattr(settings, name, value)


def outcome(response) -> str:
    code = response.status_code
    if code == 302:
        return LOGIN if response["Location"].startswith("/account/login/") else REDIRECT
    known = {200: OK, 401: UNAUTHORIZED, 403: DENIED, 404: NOT_FOUND, 405: METHOD, 410: GONE}
    return known.get(code, str(code))


def url_for(name, world):
    params = dict(all_url_patterns())[name]
    return reverse(name, kwargs={key: world["kwargs"][key] for key in params})


CASES = [(name, role) for name in GET for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), CASES)
def test_get(client, world, name, role):
    if world["users"][role]:
        client.force_login(world["users"][role])
    response = client.get(url_for(name, world), secure=True)
    assert outcome(response) == GET[name][role]
    security.assert_security_headers(response)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), [(n, r) for n in POST for r in ROLES])
def test_post(client, world, name, role):
    if world["users"][role]:
        client.force_login(world["users"][role])
    response = client.post(url_for(name, world), {"language": "en", "next": "/"}, secure=True)
    assert outcome(response) == POST[name][role]
    security.assert_security_headers(response)


ALLAUTH_KWARGS = {"key": "not-a-real-key", "uidb36": "1", "pk": 1}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ALLAUTH_LOGIN_REQUIRED))
def test_account_settings_need_a_login(client, name):
    kwargs = {key: ALLAUTH_KWARGS[key] for key in dict(all_url_patterns())[name]}
    response = client.get(reverse(name, kwargs=kwargs))
    assert outcome(response) == LOGIN


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(ALLAUTH_OPEN | ALLAUTH_LOGIN_REQUIRED))
def test_allauth_pages_never_fail(client, world, name, role):
    if world["users"][role]:
        client.force_login(world["users"][role])
    kwargs = {key: ALLAUTH_KWARGS[key] for key in dict(all_url_patterns())[name]}
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code in {200, 302, 404, 405, 410}


ADMIN_KWARGS = {
    "app_label": "coaching",
    "object_id": "1",
    "id": "1",
    "content_type_id": "1",
    "url": "x",
}


ADMIN_REFUSES_EVERYONE = {
    "admin:autocomplete",
    "admin:coaching_consent_add",
    "admin:coaching_consent_delete",
    "admin:trajects_traject_add",
    "admin:trajects_traject_delete",
    "admin:agenda_appointment_add",
    "admin:coaching_send_add",  # sends are written by the workers only
    "admin:coaching_send_delete",
    "admin:trajects_evaluation_add",  # evaluations are asked for by the prompts only
    "admin:trajects_evaluation_delete",
    "admin:trajects_questionnaire_delete",  # the world's questionnaire was used: it is kept
    "admin:trajects_agreementtext_delete",  # the world's texts were accepted: they are kept
    "admin:trajects_agreementacceptance_add",  # accepted by the client's side only
    "admin:trajects_agreementacceptance_delete",
    "admin:coaching_tariff_delete",  # a tariff that applied is given an end, not deleted
    "admin:billing_invoice_add",  # invoices are made, sent and credited on the invoice pages
    "admin:billing_invoice_delete",
    "admin:billing_quote_add",
    "admin:billing_quote_delete",
    "admin:billing_quoterequest_add",  # requests come from the website only
    "admin:billing_packagepurchase_add",  # a card is sold on the client's page
    "admin:billing_packagepurchase_delete",  # and withdrawn there
    "admin:billing_package_delete",  # the world's card was sold: it is switched off instead
    "admin:audit_auditevent_add",  # the audit log is written by the application only
    "admin:audit_auditevent_delete",
    "admin:privacy_retentionperiod_add",  # one period per kind: changed, never added
    "admin:privacy_retentionperiod_delete",
    "admin:coaching_client_delete",  # a client is erased (an action), never deleted
    "admin:groups_backstagegroup_add",  # made on the coach's pages, with its eight meetings
    "admin:mfa_authenticator_add",  # a second factor is set up by its owner
}


def admin_urls():
    for name, params in all_url_patterns():
        # The admin's unnamed catch-all pattern only redirects or 404s.
        if name.startswith("admin:") and name != "admin:None":
            yield name, reverse(name, kwargs={key: ADMIN_KWARGS[key] for key in params})


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_staff_gets_into_the_django_admin(client, world, role):
    user = world["users"][role]
    if user:
        client.force_login(user)
    for name, url in admin_urls():
        response = client.get(url, follow=True)
        final = response.redirect_chain[-1][0] if response.redirect_chain else url
        if response.status_code == 405:  # GET on a POST-only page (logout): shows nothing
            continue
        if role == "admin":
            # 403 only where nobody may: autocomplete without its parameters, and adding
            # consents or trajects (those are recorded on the coach pages, not in the admin).
            allowed = {200, 404, 403} if name in ADMIN_REFUSES_EVERYONE else {200, 404}
            assert response.status_code in allowed, (name, url, response.status_code)
            assert not final.startswith("/account/login/"), (name, url)
        elif user is None:
            assert final.startswith("/account/login/"), (name, url, final)
        else:
            assert response.status_code == 403, (name, url, response.status_code)


# The world is built once per module: what a test changes is rolled back before the next.
@pytest.mark.django_db
def test_a_test_may_change_the_world(world):
    from billing.models import Quote

    assert Quote.objects.filter(uuid=world["kwargs"]["quote"]).delete()[0] == 1
    assert Client.objects.filter(uuid=world["kwargs"]["client"]).update(first_name="Veranderd")


@pytest.mark.django_db
def test_the_next_test_finds_it_as_it_was(world):
    from billing.models import Quote

    assert Quote.objects.filter(uuid=world["kwargs"]["quote"]).exists()
    assert Client.objects.get(uuid=world["kwargs"]["client"]).first_name == "Lotte"


def _sweepable():
    """The object behind each URL parameter, for the id sweep (tokens are keys, not ids)."""
    from billing.models import Invoice, InvoiceLine, PackagePurchase, Quote, QuoteRequest
    from coaching.models import Consent, Guardian
    from groups.models import BackstageGroup, Contribution, Meeting
    from trajects.models import AgreementAcceptance, DossierEntry, Message, Traject

    return {
        "client": Client,
        "guardian": Guardian,
        "consent": Consent,
        "traject": Traject,
        "entry": DossierEntry,
        "appointment": Appointment,
        "group": BackstageGroup,
        "meeting": Meeting,
        "turn": Contribution,
        "message": Message,
        "invoice": Invoice,
        "line": InvoiceLine,
        "quote": Quote,
        "quote_request": QuoteRequest,
        "purchase": PackagePurchase,
        "invitation": Invitation,
        "waitlist_request": WaitlistRequest,
        "offer": WaitlistOffer,
        "acceptance": AgreementAcceptance,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["coach_b", "coachee_b"])
def test_id_sweep_every_object_of_others_is_out_of_reach(client, world, role):
    """Logged in as coach B or coachee B, every id of every object that is not
    theirs, in every URL that takes it, by GET and POST: 0 successes (a page, or a redirect that
    is not to the login)."""
    user = world["users"][role]
    client.force_login(user)
    own_client = Client.objects.get(account=user) if role == "coachee_b" else None
    sweepable = _sweepable()
    requests, successes = 0, []
    for name, params in all_url_patterns():
        swept = [param for param in params if param in sweepable]
        if not swept or name.startswith("admin:") or any("token" in p for p in params):
            continue
        # One parameter at a time (a meeting's turn: the meeting, then the turn); the others
        # are the world's.
        for param in swept:
            model = sweepable[param]
            objects = model.objects.all()
            if model is Client:
                objects = objects.exclude(coach=user).exclude(pk=getattr(own_client, "pk", None))
            for uuid in objects.values_list("uuid", flat=True):
                kwargs = {key: world["kwargs"][key] for key in params}
                kwargs[param] = uuid
                url = reverse(name, kwargs=kwargs)
                for method in (client.get, client.post):
                    response = method(url)
                    requests += 1
                    if response.status_code == 200 or (
                        response.status_code == 302
                        and not response["Location"].startswith("/account/login/")
                    ):
                        successes.append((method.__name__, url, response.status_code))
    print(f"id sweep as {role}: {requests} requests, {len(successes)} successes")
    assert requests > 100
    assert successes == []
