"""No English and no raw value on a Dutch page: every page of the permission matrix
that answers with HTML, for every role; the Django admin (/beheer/) for the admin, its lists,
change pages and date drill-downs; and the readable file in "Alle gegevens downloaden".

What a person reads is checked: the text outside scripts and styles, the option texts, and the
attributes a browser shows or reads aloud (placeholder, title, aria-label, alt, a button's
value). It may hold no English word or phrase (ENGLISH) and no raw value: a timestamp as the
database writes it, a UUID outside a link, a code such as `record_kennismaking`. People's names
(whatever a factory made up) and the language button "English" are allowed.
"""

import contextlib
import io
import re
import zipfile
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from coaching.tests import test_permissions as matrix

# The matrix's world (built once for this module) and production's security settings.
world_once = matrix.world_once
world = matrix.world
production_security = matrix.production_security
_as_in_production = matrix._as_in_production

# English words and phrases (whole words, case as written). Words that are Dutch as well
# ("of", "is", "in", "Filter", "Account", "Code", "Online", "Intake") are not on it, nor are
# the shared short month names in lower case (the Dutch ones: "jan.", "dec.").
ENGLISH = [
    # Django's and allauth's interface
    "Select an option",
    "Search",
    "Filter by",
    "Show counts",
    "Hide counts",
    "None",
    "True",
    "False",
    "Unknown",
    "Add",
    "Add another",
    "Change",
    "Delete",
    "Remove",
    "Save",
    "Save and",
    "History",
    "Home",
    "Yes",
    "No",
    "Today",
    "Now",
    "Yesterday",
    "Tomorrow",
    "Midnight",
    "Noon",
    "Choose",
    "Clear",
    "Show",
    "Hide",
    "Action",
    "Actions",
    "Go",
    "Run",
    "View",
    "View site",
    "Edit",
    "Close",
    "Cancel",
    "Submit",
    "Back",
    "Next",
    "Previous",
    "Welcome",
    "Log out",
    "Logout",
    "Sign in",
    "Sign out",
    "Sign up",
    "Password",
    "Username",
    "Email",
    "Name",
    "Date",
    "Time",
    "Page",
    "All",
    "Any date",
    "Past 7 days",
    "This month",
    "This year",
    "Has date",
    "No date",
    "Recent actions",
    "My actions",
    "Documentation",
    "Change password",
    "Forgotten",
    "Please",
    "Required",
    "Optional",
    "Settings",
    "Session",
    "Sessions",
    "Pagination",
    # English sentences: their small words
    "selected",
    "results",
    "total",
    "the",
    "The",
    "and",
    "by",
    "with",
    "your",
    "Your",
    "you",
    "You",
    "this",
    "This",
    "that",
    "for",
    "from",
    "are",
    "has",
    "have",
    "been",
    "not",
    "or",
    "to",
    # Months and days
    # (April, September, November and December are Dutch too: below, only before a day.)
    "January",
    "February",
    "March",
    "May",
    "June",
    "July",
    "August",
    "October",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Mon",
    "Tue",
    "Wed",
    "Thu",
    "Fri",
    "Sat",
    "Sun",
]
# Whatever their case: Django's labels of fields without a verbose name ("Created at").
ENGLISH_ANY_CASE = ["created at", "updated at", "last used at"]


def _words(words, flags=0) -> re.Pattern:
    longest_first = sorted(words, key=len, reverse=True)
    return re.compile(
        r"(?<![\w-])(?:" + "|".join(map(re.escape, longest_first)) + r")(?![\w-])", flags
    )


ENGLISH_RE = [
    _words(ENGLISH),
    _words(ENGLISH_ANY_CASE, re.I),
    re.compile(r"\b(?:April|September|November|December) \d{1,2}\b(?![\d.])"),
]
ALLOWED = {"English"}  # the language button

RAW = {
    "timestamp": re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"),
    "uuid": re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I),
    "code": re.compile(r"(?<![\w.@/-])[a-z]+(?:_[a-z0-9]+)+(?![\w.@/-])"),
}
# Links and addresses may hold anything (a UUID in a path, an underscore in an address).
LINKS = re.compile(r"\b(?:https?|webcal)://\S+|(?<![\w])/[\w./%?=&-]*|[\w.+-]+@[\w.-]+\.\w+")

SHOWN_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}


HIDDEN = {"script", "style", "template"}


class _Visible(HTMLParser):
    """The text a person reads (or hears) on a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0
        self._english_field = False  # a field for the English version of a text

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in HIDDEN:
            self._hidden += 1
        if tag == "textarea":
            self._english_field = (attributes.get("name") or "").endswith("_en")
        self.parts += [value for name, value in attrs if name in SHOWN_ATTRIBUTES and value]
        if tag == "input" and attributes.get("type") in {"submit", "button", "reset"}:
            self.parts.append(attributes.get("value") or "")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        if tag == "textarea":
            self._english_field = False

    def handle_data(self, data):
        if not self._hidden and not self._english_field and data.strip():
            self.parts.append(data)


def visible_text(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return [re.sub(r"\s+", " ", part).strip() for part in parser.parts]


def people() -> re.Pattern:
    """The names of the people in the database (made up by the factories)."""
    from coaching.models import Client, Guardian, Organisation, ThirdParty, User

    names = set()
    for model, fields in [
        (User, ["first_name", "last_name"]),
        (Client, ["first_name", "last_name"]),
        (Guardian, ["first_name", "last_name"]),
        (ThirdParty, ["name", "contact_person"]),
        (Organisation, ["name", "contact_person"]),
    ]:
        for row in model.objects.values_list(*fields):
            names |= {word for value in row if value for word in re.findall(r"[\w'-]+", value)}
    names |= ALLOWED
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, names)) + r")(?![\w-])")


def findings(html: str, names: re.Pattern) -> list[str]:
    """What a Dutch reader should not find on the page: English, raw timestamps, UUIDs, codes."""
    found = []
    for part in visible_text(html):
        text = LINKS.sub(" ", part)
        unnamed = names.sub(" ", text)
        found += [
            f"{word!r} in {part[:120]!r}" for words in ENGLISH_RE for word in words.findall(unnamed)
        ]
        found += [
            f"{kind} {match!r} in {part[:120]!r}"
            for kind, pattern in RAW.items()
            for match in pattern.findall(text)
        ]
    return found


def _dutch(client):
    """A visitor whose browser asks for English: the site is Dutch all the same."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en-US,en;q=0.9"
    return client


def _html(response) -> str | None:
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        return response.content.decode()
    return None


def _check(client, urls, names) -> tuple[int, list[str]]:
    pages, found = 0, []
    for url in urls:
        html = _html(client.get(url, secure=True, follow=True))
        if html is not None:
            pages += 1
            found += [f"{url}: {finding}" for finding in findings(html, names)]
    return pages, found


def _matrix_urls(world):
    yield from (matrix.url_for(name, world) for name in matrix.GET)
    for name in sorted(matrix.ALLAUTH_OPEN | matrix.ALLAUTH_LOGIN_REQUIRED):
        params = dict(matrix.all_url_patterns())[name]
        kwargs = {key: matrix.ALLAUTH_KWARGS[key] for key in params}
        yield reverse(name, kwargs=kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("role", matrix.ROLES)
def test_every_page_is_dutch_for_every_role(client, world, from_the_website, role):
    if world["users"][role]:
        client.force_login(world["users"][role])
    pages, found = _check(_dutch(client), _matrix_urls(world), people())
    assert pages > 10
    assert found == [], "\n".join(found)


def _admin_urls():
    """The admin's own pages, and per model its list (searched, drilled down by date), its add
    page, and the change, history and delete pages of its first and last object."""
    yield from (url for _name, url in matrix.admin_urls())
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        yield from [changelist, f"{changelist}?q=zzz-niets", f"{changelist}?q=a"]
        yield reverse("admin:{}_{}_add".format(*info))
        objects = model.objects.order_by("pk")
        hierarchy = model_admin.date_hierarchy
        if hierarchy and (first := objects.first()) and (day := getattr(first, hierarchy)):
            yield f"{changelist}?{hierarchy}__year={day.year}"
            yield f"{changelist}?{hierarchy}__year={day.year}&{hierarchy}__month={day.month}"
        for obj in {objects.first(), objects.last()} - {None}:
            for view in ["change", "history", "delete"]:
                with contextlib.suppress(NoReverseMatch):
                    yield reverse("admin:{}_{}_{}".format(*info, view), args=[obj.pk])


@pytest.fixture(scope="module")
def from_the_website(world_once, django_db_blocker):
    """What the matrix's world lacks: a note written by the site itself (a kennismaking asked
    for on the public site: no author), and log rows whose explanation holds codes (a step, a
    refused page with a key, what an erasure removed)."""
    from audit.models import AuditEvent
    from trajects.models import Traject
    from trajects.services.dossier import dossier_entry_create

    with django_db_blocker.unblock():
        traject = Traject.objects.get(uuid=world_once["kwargs"]["traject"])
        dossier_entry_create(
            traject=traject,
            by=None,
            kind="other",
            occurred_on=timezone.localdate() - timedelta(days=1),
            text="Aanvraag voor een kennismaking via de website.",
        )
        for detail in [
            "record_kennismaking",
            f"404 GET client={world_once['kwargs']['client']}",
            "trajects=1 appointments=2",
        ]:
            AuditEvent.objects.create(
                actor=world_once["users"]["coach_a"],
                actor_role="coach",
                action="change",
                what="dossier",
                object_id=str(world_once["kwargs"]["traject"]),
                page="traject_step",
                detail=detail,
            )
    return world_once


@pytest.mark.django_db
def test_the_django_admin_is_dutch(client, world, from_the_website):
    client.force_login(world["users"]["admin"])
    pages, found = _check(_dutch(client), list(dict.fromkeys(_admin_urls())), people())
    assert pages > 50
    assert found == [], "\n".join(found)


def _export_html(client, world) -> str:
    client.force_login(world["users"]["coach_a"])
    response = _dutch(client).get(matrix.url_for("client_export", world), secure=True)
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(response.content)).read("gegevens.html").decode()


ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@pytest.mark.django_db
def test_the_readable_export_is_dutch_without_raw_values(client, world):
    html = _export_html(client, world)
    found = findings(html, people())
    # A person reads dates as dates: not even a bare ISO date.
    found += [f"date {match!r}" for part in visible_text(html) for match in ISO_DATE.findall(part)]
    assert found == [], "\n".join(found)
    # What the codes stood for, in words.
    assert "Kennismaking vastleggen" in html


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>Opslaan</p>", []),
        ("<p>Save</p>", ["'Save' in 'Save'"]),
        ('<input type="submit" value="Save">', ["'Save' in 'Save'"]),
        ('<input placeholder="Search">', ["'Search' in 'Search'"]),
        ("<select><option>- Select an option -</option></select>", ["'Select an option'"]),
        ("<script>var Save = 1;</script><style>.None {}</style>", []),
        ('<a href="/c/1b4e28ba-2fa1-11d2-883f-0016d3cca427/">Dossier</a>', []),
        ("<td>1b4e28ba-2fa1-11d2-883f-0016d3cca427</td>", ["uuid"]),
        ("<td>2026-12-02T10:00:00+01:00</td>", ["timestamp"]),
        ("<td>2026-12-02 10:00:00+00:00</td>", ["timestamp"]),
        ("<td>record_kennismaking</td>", ["code"]),
        ("<td>anna_coach@praktijk.test</td>", []),
        ("<p>Door None</p>", ["'None'"]),
        ("<p>Anna Coach, English, 2 dec. of 3 dec.</p>", []),
        ("<p>Filter op fase</p>", []),
        ("<p>Filter by fase</p>", ["'Filter by'"]),
        ("<p>December 2, 2026</p>", ["'December 2'"]),
        ("<p>December 2026</p>", []),  # the admin's date drill-down: Dutch, capitalised
        ("<th>Created at</th>", ["'Created at'"]),
        ('<textarea name="intro_en">Your coach</textarea><textarea name="intro">Je</textarea>', []),
    ],
)
def test_the_check_itself(html, expected):
    names = re.compile(r"(?<![\w-])(?:Anna|Coach|English)(?![\w-])")
    found = findings(html, names)
    assert len(found) == len(expected), found
    for finding, part in zip(found, expected, strict=True):
        assert part in finding


@pytest.mark.django_db
def test_the_admins_calendar_and_clock_speak_dutch(client, world):
    """The admin's date and time widgets take their words from the JavaScript catalogue: every
    phrase of Django's (the English catalogue lists them) has its Dutch there."""
    import json
    from pathlib import Path

    import django
    import polib

    client.force_login(world["users"]["admin"])
    response = _dutch(client).get(reverse("admin:jsi18n"))
    catalog = json.loads(
        re.search(r"const newcatalog = (\{.*?\});\n", response.content.decode(), re.S).group(1)
    )
    english = Path(django.__file__).parent / "contrib/admin/locale/en/LC_MESSAGES/djangojs.po"
    keys = [
        f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        for entry in polib.pofile(str(english))
        if not entry.obsolete
    ]
    missing = [key for key in keys if not catalog.get(key)]
    assert missing == []
    with translation.override("nl"):
        assert catalog["Today"] == "Vandaag"


@pytest.mark.django_db
def test_the_admin_speaks_dutch_where_django_has_no_dutch(client, world):
    """Django 6.1's own Dutch lacks these: our catalogue has them."""
    from groups.models import BackstageGroup

    client.force_login(world["users"]["admin"])
    tariffs = reverse("admin:coaching_tariff_changelist")
    html = _dutch(client).get(f"{tariffs}?valid_from__year=2024").content.decode()
    text = " ".join(visible_text(html))
    assert "tarieven doorzoeken" in text and 'alt="Zoeken"' in html
    assert "Filteren op geldig vanaf" in text and "Pagina’s met tarieven" in text
    html = _dutch(client).get(reverse("admin:coaching_tariff_add")).content.decode()
    assert '<option value="" selected>- Maak een keuze -</option>' in html
    group = BackstageGroup.objects.get(uuid=world["kwargs"]["group"])
    html = _dutch(client).get(reverse("admin:groups_backstagegroup_delete", args=[group.pk]))
    assert "Weet je zeker dat je dit wilt verwijderen: Backstage-groep" in html.content.decode()


@pytest.mark.django_db
def test_the_admins_messages_fit_every_model():
    """Django's Dutch says "De {name} …" of every model ("De tarief"): ours names the model
    without an article, and says "je"."""
    from coaching import admin_phrases

    with translation.override("nl"):
        for msgid in admin_phrases.PHRASES:
            if isinstance(msgid, str) and msgid != ", ":
                dutch = gettext(msgid)
                assert dutch != msgid, msgid
                assert not dutch.startswith("De "), dutch
                assert not re.search(r"\b(?:[Uu]|uw)\b", dutch), dutch
        changed = gettext("The {name} “{obj}” was changed successfully.")
        assert changed.format(name="tarief", obj="Intake") == "Gewijzigd: tarief ‘Intake’."


def test_every_select_starts_with_a_dutch_choice():
    from django import forms

    from coaching.models import Send

    field = forms.ModelChoiceField(queryset=Send.objects.none())
    with translation.override("nl"):
        assert str(field.empty_label) == "- Maak een keuze -"
        assert str(Send._meta.get_field("status").get_choices()[0][1]) == "- Maak een keuze -"
    with translation.override("en"):
        assert str(field.empty_label) == "- Select an option -"


def test_the_admins_yes_and_no_icons_say_ja_and_nee():
    from django.contrib.admin.utils import display_for_value

    with translation.override("nl"):
        assert 'alt="ja"' in display_for_value(True, "", boolean=True)
        assert 'alt="nee"' in display_for_value(False, "", boolean=True)
        assert 'alt="onbekend"' in display_for_value(None, "", boolean=True)


def test_every_kind_of_send_has_a_name():
    from coaching.models import Send
    from coaching.outbox import COMPOSERS

    assert sorted(COMPOSERS) == sorted(Send.Kind.values)


@pytest.mark.django_db
def test_the_logs_codes_in_words():
    from audit.admin import _addresses, detail_text

    with translation.override("nl"):
        assert _addresses()["client_erase"] == "/coach/clienten/…/wissen/"
        assert str(detail_text("record_kennismaking")) == "Kennismaking vastleggen"
        assert str(detail_text("trajects=1 outbox=2")) == "trajecten: 1, verzendingen: 2"
        text = str(detail_text("404 GET client=1b4e28ba-2fa1-11d2-883f-0016d3cca427"))
        assert text.startswith("404, GET, cliënt: <a href=")
        assert ">alle regels hierover</a>" in text
