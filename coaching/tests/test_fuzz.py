"""Every form fuzzed with Hypothesis. Bad input gets a form error (or a 4xx),
never a server error.

Three kinds of test:

* over HTTP, every URL of the permission matrix that takes a POST, by a role that may post
  there, with bodies of the view's own field names (prefixes and `action` values included) and
  random extra keys, their values nasty text (NUL and other control characters, very long
  strings, huge and negative numbers, impossible dates and times) or repeated keys;
* the query strings of the GET pages that read request.GET, in the same way;
* every Form class of the project's apps, bound to such data: `is_valid()` never raises.

The world is the permission matrix's (built once for the module); each example runs in a
savepoint that is rolled back. PRAKTIJK_FUZZ_EXAMPLES sets the examples per test (default 20:
the file runs in about 2.5 minutes on PostgreSQL on two cores; 150 take a quarter of an hour).
PRAKTIJK_FUZZ_STATS=1 (with -s) prints what the examples got: status codes and form errors.
"""

import atexit
import importlib
import inspect
import os
import pkgutil
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from urllib.parse import urlencode

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import QueryDict
from django.test import Client as HttpClient
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from coaching.tests.test_permissions import (  # noqa: F401 - world and world_once are fixtures
    GET,
    OK,
    POST,
    REDIRECT,
    url_for,
    world,
    world_once,
)

# Hypothesis keeps caches (Unicode tables, constants) next to its example database: in a
# directory of its own that goes when the run ends, never .hypothesis/ in the repository.
_HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="praktijk-hypothesis-")
set_hypothesis_home_dir(_HYPOTHESIS_HOME)
atexit.register(shutil.rmtree, _HYPOTHESIS_HOME, ignore_errors=True)

EXAMPLES = int(os.environ.get("PRAKTIJK_FUZZ_EXAMPLES", "20"))

# No example database in the repository (.hypothesis/): every run draws the same examples.
settings.register_profile(
    "praktijk-fuzz",
    database=None,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("praktijk-fuzz")

fuzzed = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- Nasty values --------------------------------------------------------------------------------

# Any character but a lone surrogate (which no request can carry): NUL and controls included.
ANY_CHARACTER = st.characters(exclude_categories=["Cs"])
# What a person types: no control characters.
PRINTABLE = st.characters(exclude_categories=["Cs", "Cc", "Co", "Cn"])

# The edges that break code, by the kind of value a field expects; the most harmful first.
EDGES = {
    "moment": [
        "9999-12-31T23:59",
        "9999-12-31",
        "0001-01-01T00:00",
        "0001-01-01",
        "2026-02-30",
        "0000-00-00",
        "99999-01-01",
        "25:61",
        "24:00",
        "2026-01-01T25:61",
        "2026-02-30T10:00",
        "9999-12-31 23:59:59",
        "0001-01-01 00:00:00",
        "2026-03-29T02:30",  # not on the clock in Amsterdam (summer time begins)
        "2026-10-25T02:30",  # twice on the clock (summer time ends)
        "2026-06-01T10:00+14:00",
        "1970-01-01T00:00:00Z",
        "31/12/2026",
        "-2026-01-01",
    ],
    "number": [
        "²",
        "9" * 30,
        "-1",
        "0",
        "1e309",
        "NaN",
        "-9223372036854775809",
        "9223372036854775808",
        "2147483648",
        "32768",
        "١٢٣",
        "½",
        "Infinity",
        "1,5",
        "0.001",
        "-0",
        "9999999.99",
        "1" + "0" * 400,
    ],
    "text": [
        "\x00",
        "a\x00b",
        "\x01\x1f\x7f\x85",
        "\x1b[31m",
        "\u202eomgekeerd",
        "\ufeff\u200b",
        "𝕏😀",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "%s%n{{ x }}",
        "../../etc/passwd",
        " ",
        "",
    ],
    "id": [
        "²",
        "9" * 30,
        "-1",
        "0",
        "\x00",
        "00000000-0000-0000-0000-000000000000",
        "not-a-uuid",
        "١",
        "1.5",
        "None",
        "[]",
        "",
    ],
}
EDGES["choice"] = EDGES["id"] + EDGES["text"][:4]

NUMBERS = st.one_of(
    st.integers().map(str),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats().map(str),
    st.decimals().map(str),
)
MOMENTS = st.one_of(
    st.dates().map(date.isoformat),
    st.datetimes().map(lambda moment: moment.isoformat(sep="T", timespec="minutes")),
    st.datetimes().map(str),
    st.times().map(str),
    st.dates().map(lambda day: day.strftime("%d-%m-%Y")),
)
# Long strings, up to 10,000 characters.
LONG = st.tuples(st.text(ANY_CHARACTER, min_size=1, max_size=4), st.integers(1000, 10_000)).map(
    lambda pair: (pair[0] * pair[1])[:10_000]
)
# Ordinary text with a NUL or another control character in it.
POISONED = st.tuples(
    st.text(max_size=12), st.sampled_from(["\x00", "\x01", "\x08", "\x1f", "\x7f", "\u2028"])
).map(lambda pair: pair[0] + pair[1] + pair[0])
ANYTHING = st.one_of(
    st.sampled_from([edge for edges in EDGES.values() for edge in edges]),
    st.text(ANY_CHARACTER, max_size=40),
    NUMBERS,
    MOMENTS,
    LONG,
    POISONED,
)


def nasty(kind: str) -> st.SearchStrategy:
    """A bad value for a field of this kind: mostly its edges, else anything; or the key
    repeated (Django reads the last one, a list field all)."""
    edges = st.sampled_from(EDGES[kind])
    extra = (
        st.one_of(LONG, POISONED) if kind == "text" else NUMBERS if kind == "number" else MOMENTS
    )
    one = st.one_of(edges, edges, edges, extra, ANYTHING)
    return st.one_of(one, one, one, st.lists(one, min_size=2, max_size=3))


NASTY = {kind: nasty(kind) for kind in EDGES}
EXTRA_KEYS = st.one_of(
    st.sampled_from(["csrfmiddlewaretoken", "id", "pk", "next", "action", "page", "prefix"]),
    st.text(ANY_CHARACTER, min_size=1, max_size=20),
)

# --- Plausible values, field by field ------------------------------------------------------------


def _choice_values(choices) -> list[str]:
    values = []
    for value, label in choices:
        if isinstance(label, (list, tuple)):  # an optgroup
            values += _choice_values(label)
        else:
            values.append(str(getattr(value, "value", value)))
    return values


def kind_of(form_field: forms.Field) -> str:
    if isinstance(form_field, (forms.DateField, forms.DateTimeField, forms.TimeField)):
        return "moment"
    if isinstance(form_field, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
        return "number"
    if isinstance(form_field, (forms.ChoiceField, forms.BooleanField, forms.UUIDField)):
        return "choice"
    return "text"


def plausible(form_field: forms.Field) -> st.SearchStrategy:
    """What a browser would send for the field, more or less."""
    today = timezone.localdate()
    if isinstance(form_field, forms.ModelChoiceField):
        keys = [str(pk) for pk in form_field.queryset.values_list("pk", flat=True)[:20]]
        values = st.sampled_from(keys or [""])
        if isinstance(form_field, forms.ModelMultipleChoiceField):
            return st.lists(values, max_size=3)
        return values
    if isinstance(form_field, forms.ChoiceField):
        # A choice of the list; the empty one ("—") is among the edges.
        values = st.sampled_from([v for v in _choice_values(form_field.choices) if v] or [""])
        if isinstance(form_field, forms.MultipleChoiceField):
            return st.lists(values, max_size=3, unique=True)
        return values
    if isinstance(form_field, forms.BooleanField):
        return st.sampled_from(["on", "", "true", "false"])
    # Days drawn evenly (integers() would favour the ends of the range).
    if isinstance(form_field, forms.DateTimeField):
        return st.tuples(
            st.sampled_from(range(-60, 121)),
            st.sampled_from(range(8, 17)),
            st.sampled_from([0, 30]),
        ).map(lambda t: f"{(today + timedelta(days=t[0])).isoformat()}T{t[1]:02}:{t[2]:02}")
    if isinstance(form_field, forms.DateField):
        return st.sampled_from(range(-60, 1)).map(lambda n: (today + timedelta(n)).isoformat())
    if isinstance(form_field, forms.TimeField):
        return st.times().map(lambda moment: moment.strftime("%H:%M"))
    if isinstance(form_field, (forms.IntegerField, forms.DecimalField)):
        low = form_field.min_value if form_field.min_value is not None else 0
        high = form_field.max_value if form_field.max_value is not None else 100
        if isinstance(form_field, forms.DecimalField):
            return st.decimals(low, high, places=2).map(str)
        return st.integers(int(low), int(high)).map(str)
    if isinstance(form_field, forms.EmailField):
        return st.one_of(
            st.sampled_from(["nieuw@praktijk.test", "coach.a@praktijk.test", "A@B.NL"]),
            st.from_regex(r"\A[a-z0-9.+-]{1,30}@[a-z]{1,20}\.(nl|test)\Z"),
        )
    if isinstance(form_field, forms.URLField):
        return st.sampled_from(["", "https://meet.example.com/abc", "meet.example.com"])
    if isinstance(form_field, forms.UUIDField):
        return st.uuids().map(str)
    return st.one_of(
        st.sampled_from(["Jan", "de Vries", "Een gewone zin.", "1234 AB", "0612345678"]),
        st.text(PRINTABLE, min_size=1, max_size=30).filter(str.strip),
    )


@dataclass
class Key:
    """A name in the request: what a browser sends there, and what kind of bad value fits."""

    plausible: st.SearchStrategy
    kind: str = "text"


def raw(kind: str, *values) -> Key:
    """A name the view reads itself (no form field), with the values a page would send."""
    return Key(st.sampled_from([str(value) for value in values]), kind)


def form_keys(form: forms.BaseForm, **overrides) -> dict[str, Key]:
    """Every field of a form under its name in the request (with the form's prefix); overrides
    narrow a field's plausible values to ones that go together with the others."""
    keys = {
        form.add_prefix(name): Key(plausible(form_field), kind_of(form_field))
        for name, form_field in form.fields.items()
        if not isinstance(form_field, forms.FileField)
    }
    for name, values in overrides.items():
        key = keys[form.add_prefix(name)]
        keys[form.add_prefix(name)] = Key(st.sampled_from([str(v) for v in values]), key.kind)
    return keys


@st.composite
def bodies(draw, keys: dict[str, Key]) -> dict:
    """A request's data. Mostly what a browser sends with one value bad; or a few bad; or the
    same bad value everywhere; or each key there or not, anything. Plus random extra keys."""
    names = sorted(keys)
    # Six in ten one bad value, two in ten a few, one the same everywhere, one chaos.
    style = ["one_bad"] * 6 + ["few_bad"] * 2 + ["all_same", "chaos"]
    style = style[draw(st.integers(0, 9))]
    bad = {draw(st.sampled_from(names))} if names and style == "one_bad" else set()
    if style == "few_bad":
        bad = {name for name in names if draw(st.integers(0, 3)) == 3}
    same = draw(ANYTHING) if style == "all_same" else None
    body = {}
    for name in names:
        key = keys[name]
        if style == "all_same":
            body[name] = same
        elif style == "chaos":
            if draw(st.booleans()):
                body[name] = draw(st.one_of(key.plausible, NASTY[key.kind]))
        else:
            body[name] = draw(NASTY[key.kind] if name in bad else key.plausible)
    for name, value in draw(st.dictionaries(EXTRA_KEYS, NASTY["text"], max_size=2)).items():
        body.setdefault(name, value)
    return body


UPLOADS = st.builds(
    SimpleUploadedFile,
    st.sampled_from(["bijlage.pdf", "foto.JPG", "x.png", "a.exe", "geen-extensie", "ü ñ.pdf"]),
    st.one_of(st.binary(max_size=2_000), st.binary(max_size=500).map(lambda b: b"%PDF-1.7" + b)),
    st.sampled_from(["application/pdf", "image/jpeg", "image/png", "text/html", ""]),
)

# --- What each URL reads -------------------------------------------------------------------------


@dataclass
class Spec:
    """The names a view reads from the request; the files it takes; and, where useful, other
    objects for the URL's parameters."""

    keys: dict[str, Key] = field(default_factory=dict)
    files: dict[str, st.SearchStrategy] = field(default_factory=dict)
    url: st.SearchStrategy = st.just({})


def post_specs(fw: dict) -> dict[str, Spec]:
    """For each URL in the matrix's POST dict (and the invitation link): what its view reads."""
    from billing.forms import (
        InvoiceNewForm,
        LineForm,
        PackageSellForm,
        PaidForm,
        QuoteForm,
        QuoteRequestCloseForm,
        QuoteRequestForm,
    )
    from coaching.confirm import ReasonForm
    from coaching.forms import (
        AcceptInvitationForm,
        ClientForm,
        ClientInvitationForm,
        CoachProfileForm,
        ConsentForm,
        GuardianForm,
        StaffInvitationForm,
        ThirdPartyForm,
    )
    from coaching.models import Consent, ThirdParty
    from groups.forms import ClaimForm, GroupForm, PlaceForm, TurnForm
    from privacy.forms import EraseForm
    from sessions.forms import (
        AppointmentForm,
        CancelForm,
        ExceptionForm,
        KennismakingForm,
        MarkForm,
        MoveForm,
        RulesForm,
        WaitlistForm,
        WorkingHoursForm,
    )
    from trajects.forms import (
        AgreementForm,
        CorrectionForm,
        EntryForm,
        EvaluationForm,
        IntakeForm,
        MessageForm,
        StepForm,
        TrajectForm,
    )
    from trajects.models import Traject

    users, child, traject, turn = fw["users"], fw["child"], fw["traject"], fw["turn"]
    # The meeting of the turn (its first) and the next, where its agreements are reported on.
    meetings = st.sampled_from(fw["meetings"]).map(lambda uuid: {"meeting": uuid})
    coach_a = users["coach_a"]
    adult, kid = ("1980-05-01", "2000-01-31"), ("2016-03-01", "2012-12-31")
    message = {
        **form_keys(MessageForm()),
        "body": Key(st.text(PRINTABLE, min_size=1, max_size=50).filter(str.strip)),
        "seen": raw("number", "", *fw["message_pks"]),
    }
    attachment = {"attachment": st.one_of(st.none(), UPLOADS)}
    steps = {}
    for step in Traject.STEPS:
        steps.update(form_keys(StepForm(step=step)))
    email = fw["email_traject"].uuid
    slot_keys = {"slot": raw("moment", *fw["session_slots"])}
    soon = timezone.localdate() + timedelta(days=3)
    return {
        "set_language": Spec(
            {"language": raw("choice", "nl", "en"), "next": raw("text", "/", "/coach/")}
        ),
        "invitation_create_client": Spec(
            form_keys(ClientInvitationForm(), date_of_birth=adult, child_date_of_birth=kid)
        ),
        "invitation_create_staff": Spec(form_keys(StaffInvitationForm())),
        "invitation_resend": Spec(),
        "admin_status_ping": Spec(),
        "client_create": Spec(
            {
                **form_keys(ClientForm(), date_of_birth=adult + kid),
                **form_keys(GuardianForm(prefix="guardian")),
            }
        ),
        "client_edit": Spec(form_keys(ClientForm(instance=child), date_of_birth=kid)),
        "client_invite_portal": Spec(),
        "guardian_create": Spec(form_keys(GuardianForm())),
        "guardian_edit": Spec(form_keys(GuardianForm())),
        "guardian_invite_portal": Spec(),
        "third_party_create": Spec(form_keys(ThirdPartyForm(instance=ThirdParty(client=child)))),
        "consent_create": Spec(
            form_keys(ConsentForm(instance=Consent(client=child, recorded_by=coach_a)))
        ),
        "consent_withdraw": Spec(),
        "traject_new": Spec(form_keys(TrajectForm())),
        "traject_step": Spec(
            steps,
            url=st.fixed_dictionaries(
                {
                    "step": st.sampled_from([*Traject.STEPS, "bestaat-niet"]),
                    "traject": st.sampled_from([traject.uuid, fw["new_traject"].uuid]),
                }
            ),
        ),
        "intake_edit": Spec(form_keys(IntakeForm())),
        "entry_new": Spec(form_keys(EntryForm(traject=traject))),
        "entry_correct": Spec(form_keys(CorrectionForm())),
        "client_erase": Spec(form_keys(EraseForm())),
        "portal_consent_withdraw": Spec(),
        "appointment_new": Spec(
            form_keys(
                AppointmentForm(coach=coach_a),
                traject=[traject.pk],
                session_type=[fw["session_type"].pk],
                mode=["practice"],
                minutes=["", "60", "45"],
            )
        ),
        "calendar_feed_renew": Spec(),
        "appointment_move": Spec(form_keys(MoveForm())),
        "appointment_cancel": Spec(
            form_keys(
                CancelForm(choices=[]),
                cancelled_by=["client", "parent", "coach", "practice", "x"],
            )
        ),
        # `next`: Vandaag's buttons come back to Vandaag; any other value is not
        # followed.
        "appointment_mark": Spec(
            {**form_keys(MarkForm()), "next": raw("text", "/coach/", "/coach/agenda/")}
        ),
        "appointment_no_show": Spec({"next": raw("text", "/coach/")}),
        "coach_profile": Spec(form_keys(CoachProfileForm(instance=coach_a.coach_profile))),
        "appointment_waive_fee": Spec(form_keys(ReasonForm())),
        "portal_book": Spec({"mode": raw("choice", "practice"), **slot_keys}),
        "portal_reschedule": Spec(slot_keys),
        "portal_cancel": Spec(form_keys(ReasonForm())),
        "portal_waitlist_join": Spec(
            form_keys(
                WaitlistForm(session_type=fw["session_type"], max_ahead=timedelta(days=90)),
                before=[soon, timezone.localdate() - timedelta(days=1), "2999-01-01"],
            )
        ),
        "portal_waitlist_withdraw": Spec(),
        "portal_offer": Spec({"action": raw("choice", "accept", "decline", "")}),
        "coach_waitlist_remove": Spec(),
        "kennismaking": Spec(
            {
                **form_keys(
                    KennismakingForm(),
                    date_of_birth=adult + kid,
                    slot=fw["kennismaking_slots"],
                    website=[""],
                ),
                "coach": raw("id", coach_a.uuid),
                "mode": raw("choice", "phone", "video"),
            }
        ),
        "availability": Spec(
            {
                **form_keys(WorkingHoursForm()),
                **form_keys(ExceptionForm()),
                **form_keys(RulesForm()),
                "action": raw(
                    "choice",
                    "add_hours",
                    "add_exception",
                    "rules",
                    "delete_hours",
                    "delete_exception",
                    "delete_feed",
                    "refresh_feed",
                ),  # fmt: skip
                "id": raw("id", *fw["hours_pks"]),
            }
        ),
        "group_new": Spec(form_keys(GroupForm())),
        "group_member_add": Spec(
            {"client": raw("id", *fw["client_pks"]), "zoek": raw("text", "", "Noor")}
        ),
        "group_rota_accept": Spec(),
        "group_member_leave": Spec({"member": raw("id", *fw["member_pks"])}),
        "group_place": Spec(form_keys(PlaceForm())),
        "group_stop": Spec({"reason": raw("text", "Te weinig deelnemers", "")}),
        "group_delete": Spec(),
        "meeting_move": Spec(form_keys(MoveForm()), url=meetings),
        "meeting_report_back": Spec(
            {f"report-{turn.uuid}": raw("text", "Gelukt", "Nog niet")}, url=meetings
        ),
        "meeting_attendance": Spec(
            {"present": Key(st.lists(st.sampled_from(fw["member_pks"]), max_size=2), "id")},
            url=meetings,
        ),
        "turn_assign": Spec({"member": raw("id", *fw["member_pks"])}, url=meetings),
        "turn_record": Spec(form_keys(TurnForm(instance=turn, prefix=str(turn.uuid)))),
        "turn_release": Spec(),
        "portal_turn_claim": Spec(form_keys(ClaimForm())),
        "portal_conversation": Spec(message, attachment, url=st.just({"traject": email})),
        "portal_conversation_live": Spec(url=st.just({"traject": email})),
        "portal_conversation_close": Spec(url=st.just({"traject": email})),
        "coach_reply": Spec(
            message,
            attachment,
            url=st.sampled_from([traject.uuid, email]).map(lambda uuid: {"traject": uuid}),
        ),
        "coach_switch": Spec(),
        "evaluation_fill": Spec(form_keys(EvaluationForm(questions=fw["questions"]))),
        "agreement_by_link": Spec(form_keys(AgreementForm())),
        # The parent of the child with delivered sessions (the admin's choices include it).
        "invoice_new": Spec(
            form_keys(
                InvoiceNewForm(user=coach_a),
                recipient=[f"guardian:{child.guardians.get().uuid}"],
            )
        ),
        "invoice_send": Spec(),
        "invoice_paid": Spec(form_keys(PaidForm())),
        "invoice_credit": Spec(),
        "invoice_delete": Spec(),
        "invoice_line_new": Spec(
            form_keys(LineForm()),
            url=st.sampled_from([fw["kwargs"]["invoice"], fw["draft"].uuid]).map(
                lambda uuid: {"invoice": uuid}
            ),
        ),
        "invoice_line_delete": Spec(),
        "quote_new": Spec(form_keys(QuoteForm())),
        "quote_request": Spec(form_keys(QuoteRequestForm(), website=[""])),
        "quote_request_detail": Spec(form_keys(QuoteForm())),
        "quote_request_close": Spec(form_keys(QuoteRequestCloseForm())),
        "package_sell": Spec(form_keys(PackageSellForm())),
        "package_withdraw": Spec(),
        "invitation_accept": Spec(
            form_keys(
                AcceptInvitationForm(fw["invited"]),
                new_password1=["Een-lang-wachtwoord-42"],
                new_password2=["Een-lang-wachtwoord-42"],
            )
        ),
    }


def get_specs(fw: dict) -> dict[str, Spec]:
    """The GET pages that read their query string, and what they read."""
    from billing.forms import InvoiceFilterForm
    from groups.forms import MemberSearchForm
    from reports.forms import ReportFilterForm
    from trajects.forms import ClientFilterForm, EntryForm

    today = timezone.localdate()
    page = {"page": raw("number", 1, 2, "last")}
    week = raw("moment", *[today + timedelta(days) for days in (-30, 0, 7, 60)])
    email = fw["email_traject"].uuid
    return {
        "client_list": Spec({**form_keys(ClientFilterForm()), **page}),
        "invoice_list": Spec({**form_keys(InvoiceFilterForm()), **page}),
        # A strippenkaart's "Nu factureren": the new-invoice form filled in from the link.
        "invoice_new": Spec(
            {
                "recipient": raw("id", f"guardian:{fw['child'].guardians.get().uuid}"),
                "start": raw("moment", today),
                "end": raw("moment", today),
            }
        ),
        "invitations": Spec(page),
        "client_log": Spec(page),
        "portal_privacy": Spec(page),
        # The time grid's view and a traject the coach came from; a free time clicked.
        "calendar_week": Spec(
            {
                "week": week,
                "date": week,
                "view": raw("choice", "day", "week", "month"),
                "traject": raw("id", fw["traject"].uuid),
            }
        ),
        "appointment_new": Spec(
            {
                "traject": raw("id", fw["traject"].uuid),
                "start": raw("moment", *[f"{today + timedelta(days=7)}T10:30"]),
            }
        ),
        "portal_book": Spec({"week": week, "mode": raw("choice", "practice")}),
        "portal_reschedule": Spec({"week": week}),
        "traject_detail": Spec({"alle": raw("text", "", "1")}),
        "group_detail": Spec(form_keys(MemberSearchForm())),
        "entry_new": Spec(form_keys(EntryForm(traject=fw["traject"]))),
        "kennismaking": Spec(
            {"coach": raw("id", fw["users"]["coach_a"].uuid), "mode": raw("choice", "phone")}
        ),
        "portal_conversation": Spec(
            {"alle": raw("text", "", "1")}, url=st.just({"traject": email})
        ),
        # The period and (for the admin) the coach; a table as CSV.
        "report": Spec(
            {
                **form_keys(
                    ReportFilterForm(practice=True),
                    van=["2026-01", "2025-12", ""],
                    tot=["2026-06", "2026-01", ""],
                    coach=[fw["users"]["coach_a"].uuid, fw["users"]["coach_b"].uuid, ""],
                ),
                "format": raw("choice", "csv", "html"),
                "section": raw("choice", "sessies", "facturen", "pakketten"),
            }
        ),
    }


# --- Who posts where -----------------------------------------------------------------------------

PRIORITY = ["anonymous", "coach_a", "guardian", "coachee", "admin"]

# Where the matrix's own POST (without an `action`, or to the child's traject, which is not
# e-mail coaching) is refused for everyone, the fuzzer posts as the role whose page it is.
ROLE_OVERRIDES = {
    "availability": ["coach_a"],
    "portal_conversation": ["coachee"],
    "portal_conversation_live": ["coachee"],
    "portal_conversation_close": ["coachee"],
    "invitation_accept": ["anonymous"],  # not in POST: whoever has the link
    "invoice_new": ["coach_a", "admin"],  # the admin chooses among every coach's clients
}
# Nobody may post here (GET only): the matrix checks the 405.
NOT_POSTED = {
    name for name, outcomes in POST.items() if set(outcomes.values()) == {"method not allowed"}
}


def posting_roles(name: str) -> list[str]:
    if name in ROLE_OVERRIDES:
        return ROLE_OVERRIDES[name]
    return [next(role for role in PRIORITY if POST[name][role] in (OK, REDIRECT))]


POST_CASES = [
    (name, role)
    for name in [*POST, "invitation_accept"]
    if name not in NOT_POSTED
    for role in posting_roles(name)
]
GET_ROLES = {
    "portal_book": ["guardian"],
    "portal_reschedule": ["guardian"],
    "portal_privacy": ["guardian", "coachee"],
    "portal_conversation": ["coachee"],
    "invitations": ["coach_a", "admin"],
    "invoice_list": ["coach_a", "admin"],
    "kennismaking": ["anonymous"],
    "report": ["coach_a", "admin"],  # the coach field is the admin's only
}
GET_PAGES = [
    "client_list",
    "invoice_list",
    "invoice_new",
    "invitations",
    "client_log",
    "portal_privacy",
    "calendar_week",
    "appointment_new",
    "portal_book",
    "portal_reschedule",
    "traject_detail",
    "entry_new",
    "kennismaking",
    "portal_conversation",
    "report",
]
GET_CASES = [(name, role) for name in GET_PAGES for role in GET_ROLES.get(name, ["coach_a"])]


def test_every_post_url_is_fuzzed_by_a_role_that_may_post():
    """A new URL in the matrix's POST dict needs a spec here (post_specs fails with a KeyError
    otherwise), by a role that may post there."""
    fuzzed_names = {name for name, _role in POST_CASES}
    assert fuzzed_names == (set(POST) - NOT_POSTED) | {"invitation_accept"}
    for name, role in POST_CASES:
        assert name in ROLE_OVERRIDES or POST[name][role] in (OK, REDIRECT), (name, role)
    for name in GET_PAGES:
        if name == "portal_conversation":  # the matrix's URL is the child's traject: a 404
            continue
        assert all(GET[name][role] == OK for role in GET_ROLES.get(name, ["coach_a"])), name


# --- The world, with a few more objects to aim at ------------------------------------------------


class FuzzWorld(dict):
    """The world as a dict, with a short repr for Hypothesis's reports."""

    def __repr__(self) -> str:
        return "<the permission matrix's world>"

    def spec(self, method: str, name: str) -> Spec:
        """The URL's spec, made once per test (its querysets are read then)."""
        specs = self["specs"]
        if method not in specs:
            specs[method] = (post_specs if method == "post" else get_specs)(self)
        return specs[method][name]


@pytest.fixture
def fw(world):  # noqa: F811 - the fixture of the same name
    """The matrix's world, plus what makes the forms reachable: working hours and a kennismaking
    (so that there are slots), agreements at the world's turn, a draft invoice, a
    new traject. Made in the test's savepoint: gone after the test."""
    from billing.models import Invoice
    from coaching.models import Client, Invitation
    from groups.models import Contribution, Membership
    from sessions.models import SessionType, WorkingHours
    from sessions.slots import free_slots
    from trajects.models import Evaluation, Traject
    from trajects.tests.factories import TrajectFactory

    users, kwargs = world["users"], world["kwargs"]
    coach_a = users["coach_a"]
    hours = [
        WorkingHours.objects.create(
            coach=coach_a, weekday=weekday, start_time=time(9), end_time=time(17)
        )
        for weekday in range(6)
    ]
    SessionType.objects.create(
        kind="kennismaking",
        name="Kennismaking",
        default_minutes=30,
        allowed_modes=["phone", "video"],
        bookable_online=True,
    )
    child = Client.objects.get(uuid=kwargs["client"])
    traject = Traject.objects.get(uuid=kwargs["traject"])
    email_traject = Traject.objects.get(client__account=users["coachee"], kind="email")
    turn = Contribution.objects.select_related("meeting__group", "membership").get(
        uuid=kwargs["turn"]
    )
    turn.problem, turn.agreements = "Vooraf", "Een afspraak"
    turn.save()
    meeting, membership = turn.meeting, turn.membership
    draft = Invoice.objects.create(
        coach=coach_a,
        recipient_kind="guardian",
        client=child,
        guardian=child.guardians.get(),
        bill_to_name="Ouder",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        created_by=coach_a,
    )

    # Delivered sessions in the last weeks, with their tariff: something to invoice.
    from billing.tests.helpers import delivered, tariff

    tariff("session", "80", duration_minutes=60)
    for days in (5, 20, 40):
        delivered(traject, timezone.localdate() - timedelta(days=days))

    def slots(minutes, mode):
        found = free_slots(
            coach=coach_a,
            duration=timedelta(minutes=minutes),
            first=timezone.localdate() + timedelta(days=2),
            days=7,
            mode=mode,
        )
        return [slot.isoformat() for slot in found[:: max(1, len(found) // 8)]] or [""]

    return FuzzWorld(
        **world,
        specs={},
        child=child,
        adult=Client.objects.get(account=users["coachee"]),
        traject=traject,
        new_traject=TrajectFactory(client=child),
        email_traject=email_traject,
        message_pks=list(email_traject.messages.values_list("pk", flat=True)),
        session_type=SessionType.objects.get(kind="session"),
        turn=turn,
        meetings=[meeting.uuid, meeting.group.meetings.get(number=2).uuid],
        # The coachee's in both groups: the group pages' and the meeting pages'.
        member_pks=list(
            Membership.objects.filter(client=membership.client_id).values_list("pk", flat=True)
        ),
        client_pks=list(Client.objects.values_list("pk", flat=True)),
        hours_pks=[h.pk for h in hours],
        draft=draft,
        questions=Evaluation.objects.get(uuid=kwargs["evaluation"]).questionnaire.questions.all(),
        invited=Invitation.objects.get(uuid=kwargs["invitation"]).user,
        kennismaking_slots=slots(30, "phone"),
        session_slots=slots(60, "practice"),
    )


@pytest.fixture
def _no_rate_limit(settings):
    """The kennismaking's and the quote request's rate limits (five an hour) would turn every
    later example away before its form is read; the limits themselves are tested in
    sessions/tests and billing/tests."""
    settings.ACCOUNT_RATE_LIMITS = {
        key: value
        for key, value in settings.ACCOUNT_RATE_LIMITS.items()
        if key not in {"kennismaking_request", "quote_request"}
    }


# What each test saw, for PRAKTIJK_FUZZ_STATS=1: the status codes per URL and role.
STATS: dict[tuple, dict[int, int]] = {}


def _send(fw, name, role, spec, data, method):
    """One example: in a savepoint that is rolled back, as the role, the drawn request."""
    kwargs = {**fw["kwargs"], **data.draw(spec.url, label="url")}
    url = url_for(name, {"kwargs": kwargs})
    body = data.draw(bodies(spec.keys), label="body")
    user = fw["users"][role]
    http = HttpClient()
    with transaction.atomic():
        if user is not None:
            http.force_login(user)
        if method == "get":
            query = urlencode(body, doseq=True)
            if data.draw(st.booleans(), label="raw junk in the query"):
                query += "&%FF%FE=%C0%AF&%00=%E2%82"
            response = http.get(f"{url}?{query}")
        elif data.draw(st.booleans(), label="urlencoded"):
            response = http.post(
                url,
                urlencode(body, doseq=True),
                content_type="application/x-www-form-urlencoded",
                follow=True,
            )
        else:
            for key in list(body):  # the test client's multipart encoder cannot quote these
                if any(character in key for character in '"\r\n'):
                    body.pop(key)
            for key, files in spec.files.items():
                upload = data.draw(files, label=key)
                if upload is not None:
                    body[key] = upload
            response = http.post(url, body, follow=True)
        transaction.set_rollback(True)
    # A redirect is followed: the page after a success shows what was stored (a time in
    # year 1 that cannot be read back, say).
    chain = getattr(response, "redirect_chain", None)
    status = chain[0][1] if chain else response.status_code
    codes = STATS.setdefault((method, name, role), {})
    codes[status] = codes.get(status, 0) + 1
    if os.environ.get("PRAKTIJK_FUZZ_STATS") and status == 200 and response.context:
        for form in _forms_of(response):
            for field_name, errors in form.errors.as_data().items():
                for error in errors:
                    reason = f"{field_name}:{error.code or str(error.message)[:40]}"
                    codes[reason] = codes.get(reason, 0) + 1
    assert response.status_code < 500, (name, role, response.status_code)


def _forms_of(response) -> list:
    """The forms a page was rendered with (for the statistics: why they were refused)."""
    contexts = response.context if isinstance(response.context, list) else [response.context]
    found = {}
    for context in contexts:
        for value in context.flatten().values():
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(item, forms.BaseForm):
                    found[id(item)] = item
    return list(found.values())


@pytest.fixture
def _stats():
    """With PRAKTIJK_FUZZ_STATS=1 (and -s): per test, the status codes and the form errors of
    its examples, to see that the bodies reach past the forms (some succeed)."""
    yield
    if os.environ.get("PRAKTIJK_FUZZ_STATS"):
        for key, codes in STATS.items():
            print(*key, dict(sorted(codes.items(), key=str)))
    STATS.clear()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), POST_CASES)
@fuzzed
@given(data=st.data())
def test_post_fuzz(fw, _no_rate_limit, _stats, name, role, data):
    _send(fw, name, role, fw.spec("post", name), data, "post")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), GET_CASES)
@fuzzed
@given(data=st.data())
def test_get_query_fuzz(fw, _stats, name, role, data):
    _send(fw, name, role, fw.spec("get", name), data, "get")


# --- Every form class, bound to fuzzed data ------------------------------------------------------

PROJECT_APPS = [
    "coaching",
    "trajects",
    "groups",
    "sessions",
    "billing",
    "privacy",
    "audit",
    "reports",
]


def project_form_classes() -> set[str]:
    """Every Form or ModelForm class defined in the project's apps (their tests aside)."""
    found = set()
    for app in PROJECT_APPS:
        package = importlib.import_module(app)
        modules = [app] + [
            info.name
            for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}.")
            if ".tests" not in info.name and ".migrations" not in info.name
        ]
        for module_name in modules:
            module = importlib.import_module(module_name)
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__ == module_name:
                    found.add(f"{cls.__module__}.{cls.__qualname__}")
    return found


def form_cases() -> dict[str, tuple[str, object]]:
    """Each case: the form class's path, and how to make the form (given the world and the
    data and files to bind, or nothing for an unbound one)."""
    from billing.forms import (
        InvoiceFilterForm,
        InvoiceNewForm,
        LineForm,
        PackageSellForm,
        PaidForm,
        QuoteForm,
        QuoteRequestCloseForm,
        QuoteRequestForm,
    )
    from coaching import admin as coaching_admin
    from coaching import forms as coaching_forms
    from coaching.confirm import ReasonForm
    from groups import forms as groups_forms
    from privacy.forms import EraseForm
    from reports.forms import ReportFilterForm
    from sessions import admin as sessions_admin
    from sessions import forms as sessions_forms
    from trajects import forms as trajects_forms
    from trajects.models import Traject

    def plain(cls):
        return lambda fw, **bind: cls(**bind)

    def consent(client_key):
        from coaching.models import Consent

        return lambda fw, **bind: coaching_forms.ConsentForm(
            **bind,
            instance=Consent(client=fw[client_key], recorded_by=fw["users"]["coach_a"]),
        )

    def third_party(fw, **bind):
        from coaching.models import ThirdParty

        return coaching_forms.ThirdPartyForm(**bind, instance=ThirdParty(client=fw["child"]))

    def model_form(cls, make_instance):
        return lambda fw, **bind: cls(**bind, instance=make_instance(fw))

    def hours(fw):
        from sessions.models import WorkingHours

        return WorkingHours(coach=fw["users"]["coach_a"])

    def exception(fw):
        from sessions.models import AvailabilityException

        return AvailabilityException(coach=fw["users"]["coach_a"])

    def feed(fw):
        from sessions.models import CalendarFeed

        return CalendarFeed(coach=fw["users"]["coach_a"])

    def rules(fw):
        from sessions.models import BookingRules

        return BookingRules.objects.get_or_create(coach=fw["users"]["coach_a"])[0]

    cases = {
        "coaching.forms.AccountFields": plain(coaching_forms.AccountFields),
        "coaching.forms.ClientInvitationForm": plain(coaching_forms.ClientInvitationForm),
        "coaching.forms.StaffInvitationForm": plain(coaching_forms.StaffInvitationForm),
        "coaching.forms.AcceptInvitationForm": lambda fw, **bind: (
            coaching_forms.AcceptInvitationForm(fw["invited"], **bind)
        ),
        "coaching.forms.ClientForm": plain(coaching_forms.ClientForm),
        "coaching.forms.ClientForm[edit]": lambda fw, **bind: coaching_forms.ClientForm(
            **bind, instance=fw["child"]
        ),
        "coaching.forms.GuardianForm": plain(coaching_forms.GuardianForm),
        "coaching.forms.CoachProfileForm": model_form(
            coaching_forms.CoachProfileForm, lambda fw: fw["users"]["coach_a"].coach_profile
        ),
        "coaching.forms.ThirdPartyForm": third_party,
        "coaching.forms.ConsentForm[child]": consent("child"),
        "coaching.forms.ConsentForm[adult]": consent("adult"),
        "trajects.forms.ClientFilterForm": plain(trajects_forms.ClientFilterForm),
        "trajects.forms.TrajectForm": plain(trajects_forms.TrajectForm),
        "trajects.forms.IntakeForm": plain(trajects_forms.IntakeForm),
        "trajects.forms.AgreementForm": plain(trajects_forms.AgreementForm),
        "trajects.forms.EntryForm": lambda fw, **bind: trajects_forms.EntryForm(
            **bind, traject=fw["traject"]
        ),
        "trajects.forms.CorrectionForm": plain(trajects_forms.CorrectionForm),
        "trajects.forms.MessageForm": plain(trajects_forms.MessageForm),
        "trajects.forms.EvaluationForm": lambda fw, **bind: trajects_forms.EvaluationForm(
            **bind, questions=fw["questions"]
        ),
        "groups.forms.GroupForm": plain(groups_forms.GroupForm),
        "groups.forms.MemberSearchForm": plain(groups_forms.MemberSearchForm),
        "groups.forms.PlaceForm": plain(groups_forms.PlaceForm),
        "groups.forms.MemberExceptionForm": plain(groups_forms.MemberExceptionForm),
        "groups.forms.TurnForm": model_form(groups_forms.TurnForm, lambda fw: fw["turn"]),
        "groups.forms.ClaimForm": plain(groups_forms.ClaimForm),
        "sessions.forms.AppointmentForm": lambda fw, **bind: sessions_forms.AppointmentForm(
            **bind, coach=fw["users"]["coach_a"]
        ),
        "sessions.forms.MoveForm": plain(sessions_forms.MoveForm),
        "sessions.forms.MarkForm": plain(sessions_forms.MarkForm),
        "sessions.forms.CancelForm": lambda fw, **bind: sessions_forms.CancelForm(
            **bind, choices=[("client", "de cliënt"), ("coach", "ik, de coach")]
        ),
        "sessions.forms.KennismakingForm": plain(sessions_forms.KennismakingForm),
        "sessions.forms.WorkingHoursForm": model_form(sessions_forms.WorkingHoursForm, hours),
        "sessions.forms.ExceptionForm": model_form(sessions_forms.ExceptionForm, exception),
        "sessions.forms.RulesForm": model_form(sessions_forms.RulesForm, rules),
        "sessions.forms.CalendarFeedForm": model_form(sessions_forms.CalendarFeedForm, feed),
        "sessions.forms.WaitlistForm": lambda fw, **bind: sessions_forms.WaitlistForm(
            **bind, session_type=fw["session_type"], max_ahead=timedelta(days=90)
        ),
        "sessions.admin.SessionTypeForm": plain(sessions_admin.SessionTypeForm),
        "coaching.admin.AccountChangeForm": lambda fw, **bind: coaching_admin.AccountChangeForm(
            **bind, instance=fw["users"]["coach_a"]
        ),
        "coaching.admin.PasswordChangeForm": lambda fw, **bind: coaching_admin.PasswordChangeForm(
            fw["users"]["coach_a"], **bind
        ),
        "billing.forms.InvoiceFilterForm": plain(InvoiceFilterForm),
        "billing.forms.InvoiceNewForm[coach]": lambda fw, **bind: InvoiceNewForm(
            **bind, user=fw["users"]["coach_a"]
        ),
        "billing.forms.InvoiceNewForm[admin]": lambda fw, **bind: InvoiceNewForm(
            **bind, user=fw["users"]["admin"]
        ),
        "billing.forms.PaidForm": plain(PaidForm),
        "billing.forms.LineForm": plain(LineForm),
        "billing.forms.QuoteForm": plain(QuoteForm),
        "billing.forms.QuoteRequestForm": plain(QuoteRequestForm),
        "billing.forms.QuoteRequestCloseForm": plain(QuoteRequestCloseForm),
        "billing.forms.PackageSellForm": plain(PackageSellForm),
        "privacy.forms.EraseForm": plain(EraseForm),
        "coaching.confirm.ReasonForm": plain(ReasonForm),
        "reports.forms.ReportFilterForm[admin]": lambda fw, **bind: ReportFilterForm(
            **bind, practice=True
        ),
        "reports.forms.ReportFilterForm[coach]": lambda fw, **bind: ReportFilterForm(
            **bind, practice=False
        ),
    }
    for step in Traject.STEPS:
        cases[f"trajects.forms.StepForm[{step}]"] = lambda fw, step=step, **bind: (
            trajects_forms.StepForm(**bind, step=step)
        )
    return cases


FORM_CASES = sorted(form_cases())


def test_every_form_class_is_fuzzed():
    covered = {case.split("[")[0] for case in FORM_CASES}
    missing = project_form_classes() - covered
    assert not missing, f"Form classes without a case in form_cases(): {sorted(missing)}"
    assert covered <= project_form_classes(), covered - project_form_classes()


@pytest.mark.django_db
@pytest.mark.parametrize("case", FORM_CASES)
@fuzzed
@given(data=st.data())
def test_form_fuzz(fw, case, data):
    """Bound to fuzzed data, every form validates (errors or not) and renders: no exception."""
    make = form_cases()[case]
    unbound = make(fw)
    body = data.draw(bodies(form_keys(unbound)), label="data")
    bound, files = QueryDict(mutable=True), {}
    for name, value in body.items():
        bound.setlist(name, value if isinstance(value, list) else [value])
    for name, form_field in unbound.fields.items():
        if isinstance(form_field, forms.FileField):
            upload = data.draw(st.one_of(st.none(), UPLOADS), label=name)
            if upload is not None:
                files[unbound.add_prefix(name)] = upload
    with transaction.atomic():
        form = make(fw, data=bound, files=MultiValueDict({k: [v] for k, v in files.items()}))
        form.is_valid()
        form.errors.get_json_data()
        form.as_div()
        transaction.set_rollback(True)
