"""Every e-mail the practice sends is an outbox kind: each template under templates/emails/ is
written by the composer registered for a Send.Kind, every kind has its composer once all apps
are ready, and no application code sends mail but the outbox (coaching/outbox.py), so that a
worker killed at the wrong moment loses none."""

import inspect
import re
from pathlib import Path

import pytest
from django.conf import settings

from coaching import outbox
from coaching.models import Send

Kind = Send.Kind

# Which templates (templates/emails/<name>_subject.txt, _body.txt, _body.html) each kind's
# composer writes. The one place that says so: a new template needs its kind here.
TEMPLATES: dict[str, list[str]] = {
    # allauth's own templates (account/email/, mfa/email/), rendered by its adapter.
    Kind.ACCOUNT_MAIL: [],
    Kind.APPOINTMENT_BOOKED: ["appointment_booked"],
    Kind.APPOINTMENT_CANCELLED: ["appointment_cancelled"],
    Kind.APPOINTMENT_MOVED: ["appointment_moved"],
    Kind.APPOINTMENT_REMINDER: ["appointment_reminder"],
    Kind.APPOINTMENT_REMINDER_2: ["appointment_reminder"],
    Kind.APPOINTMENT_ROOM: ["appointment_room"],
    Kind.BACKSTAGE_GROUP_NOTICE: ["backstage_group_notice"],
    Kind.BACKSTAGE_MEETING: ["backstage_meeting"],
    Kind.BACKSTAGE_PREPARE: ["backstage_prepare"],
    Kind.BACKSTAGE_REPORT_BACK: ["backstage_report_back"],
    Kind.BEDENKTIJD_OVER: ["bedenktijd_over"],
    Kind.COACH_NOTICE: ["coach_notice"],
    Kind.CONSENT_WITHDRAWN: ["consent_withdrawn"],
    Kind.EMAIL_CONFIRMATION: ["email_confirmation"],
    Kind.EVALUATION_PROMPT: ["evaluation_prompt"],
    Kind.INVITATION: ["invitation"],
    Kind.INVOICE: ["invoice"],
    Kind.KENNISMAKING_FOR_COACH: ["kennismaking_for_coach"],
    Kind.KENNISMAKING_RECEIVED: ["kennismaking_received"],
    Kind.MESSAGE_NEAR_DUE: ["message_alert"],
    Kind.MESSAGE_OVERDUE: ["message_alert"],
    Kind.MESSAGE_WAITING: ["message_waiting"],
    Kind.PORTAL_LINKED: ["portal_linked"],
    Kind.QUOTE_REQUEST: ["quote_request_for_coach"],
    Kind.SWITCHED_TO_LIVE: ["switched_to_live"],
    Kind.WAITLIST_OFFER: ["waitlist_offer"],
    Kind.INTAKE_PREP: ["intake_prep"],
}
PARTS = ("_subject.txt", "_body.txt", "_body.html")
EMAILS = Path(settings.BASE_DIR) / "templates" / "emails"
APPS = ("coaching", "trajects", "sessions", "groups", "billing", "audit", "privacy", "bench")
# Sending a message, anywhere but in the outbox (a definition of such a name is no call, nor is
# a signal's send(sender=…)).
SENDING = re.compile(
    r"^(?!\s*(?:async\s+)?def\s).*?"
    r"(\.send\((?!sender=)|\bsend_mail\(|\bsend_messages\(|\bsend_templated\("
    r"|\bmail_admins\(|\bmail_managers\()"
)


def templates() -> set[str]:
    """The e-mails under templates/emails/, by name (before _subject/_body)."""
    return {
        path.name.removesuffix(part)
        for path in EMAILS.iterdir()
        for part in PARTS
        if path.name.endswith(part)
    }


def test_every_template_has_all_its_parts():
    names = templates()
    assert names
    for name in sorted(names):
        missing = [part for part in PARTS if not (EMAILS / f"{name}{part}").exists()]
        assert not missing, f"emails/{name}: {missing}"


def test_every_template_is_written_for_a_kind():
    named = {name for names in TEMPLATES.values() for name in names}
    assert templates() - named == set(), "a template that no kind sends: add it to TEMPLATES"
    assert named - templates() == set(), "TEMPLATES names a template that does not exist"


def test_every_kind_has_its_templates_and_a_registered_composer():
    kinds = {str(kind) for kind in Kind}
    assert set(map(str, TEMPLATES)) == kinds
    missing = sorted(kinds - set(outbox.COMPOSERS))
    assert not missing, f"kinds without a composer (register it in the app's ready()): {missing}"
    assert set(outbox.COMPOSERS) <= kinds, "a composer for a kind that Send.Kind does not know"


@pytest.mark.parametrize(
    ("kind", "name"),
    [(kind, name) for kind, names in TEMPLATES.items() for name in names],
    ids=lambda value: str(value),
)
def test_the_kinds_composer_writes_its_template(kind, name):
    """The module of the kind's composer names the template, or makes its name from a pattern
    (f"appointment_{event}")."""
    composer = outbox.COMPOSERS.get(str(kind))
    if composer is None:
        pytest.fail(f"{kind}: no composer registered")
    source = inspect.getsource(inspect.getmodule(inspect.unwrap(composer)))
    prefix = name.rpartition("_")[0]
    assert f'"{name}"' in source or f'f"{prefix}_{{' in source, (kind, name)


def test_only_the_outbox_sends_mail():
    """Everything else writes a row (outbox_send, outbox_add) that a worker sends."""
    base = Path(settings.BASE_DIR)
    # The outbox, and the SMTP transport its connection writes with (the commands pipelined).
    allowed = {base / "coaching" / "outbox.py", base / "coaching" / "smtp.py"}
    found = []
    for app in APPS:
        for path in sorted((base / app).rglob("*.py")):
            parts = path.relative_to(base).parts
            if path in allowed or "tests" in parts or "migrations" in parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if SENDING.search(line):
                    found.append(f"{path.relative_to(base)}:{number}: {line.strip()}")
    assert not found, "mail sent outside the outbox:\n" + "\n".join(found)
