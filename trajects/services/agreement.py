"""Who must accept the coaching agreement for a traject, who has, and accepting it.

Dutch law on minors (the WGBO's ages, which the practice follows for coaching too):

| the client's age (today) | must accept |
|---|---|
| under 12 | every parent with parental authority (the child does not accept) |
| 12 to 15 | the child, and at least one parent with parental authority |
| 16 and older, or no date of birth known | the client alone (parents do not accept) |

A parent whose authority is not known (`Guardian.has_parental_authority` None) or who has none
cannot accept; the coach sees that the authority must be recorded first. Each person accepts
the versions current when they do (a newer version later changes nothing of theirs), once per
traject, under a lock on the traject so two tabs make one acceptance.

A party is addressed by a key: "client", or a parent's uuid. The personal link
(`party_link`) carries a token derived from the traject, the key and the secret key: a parent
without an account, or a child of 12 to 17 (who has none), accepts from it without logging in.
"""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coaching.models import Client, Guardian, User
from trajects.models import AgreementAcceptance, AgreementText, Traject

PARENTS_ONLY_BELOW = 12
SELF_FROM = 16
CLIENT = "client"

NO_TEXTS = gettext_lazy(
    "De praktijk heeft nog geen overeenkomst en privacyverklaring vastgesteld. Neem contact op "
    "met je coach."
)

OTHER_ACCOUNT = gettext_lazy(
    "Je bent ingelogd als iemand anders dan voor wie deze link is. Log uit, of open de link op "
    "een eigen apparaat, en geef dan zelf akkoord."
)
NO_PARENT = gettext_lazy(
    "Er is geen ouder met ouderlijk gezag bekend: leg bij de ouders vast wie het gezag heeft."
)
CHILD_UNDER_12 = gettext_lazy(
    "Voor een kind jonger dan 12 geven de ouders met ouderlijk gezag akkoord, niet het kind zelf."
)
CLIENT_ALONE = gettext_lazy(
    "Vanaf 16 jaar geeft de cliënt zelf akkoord; een ouder hoeft dat niet te doen."
)
NEEDS_AUTHORITY = gettext_lazy(
    "Alleen een ouder met ouderlijk gezag kan akkoord geven. Klopt dat niet? Vraag je coach het "
    "aan te passen."
)


@dataclass(frozen=True)
class Party:
    """Someone who may (and, for some, must) accept."""

    key: str
    party: str
    name: str
    first_name: str
    guardian: Guardian | None = None
    # The portal account that is this person, if any.
    account_id: int | None = None
    email: str = ""
    # Whether the intake's preparation mail goes to them (trajects.services.intake_prep).
    mailed: bool = False

    @property
    def is_client(self) -> bool:
        return self.party == AgreementAcceptance.Party.CLIENT


@dataclass
class AgreementState:
    """The agreement of one traject, as its coach and its client's side see it."""

    client: Client
    age: int | None
    rule: str  # "parents", "child_and_parent" or "self"
    # Each must accept.
    needed: list[Party]
    # Of these, at least one must accept (a parent, for a child of 12 to 15).
    one_of: list[Party]
    accepted: dict[str, AgreementAcceptance]
    # Parents whose authority is not known: they cannot accept until the coach records it.
    unknown_authority: list[Guardian] = field(default_factory=list)
    # All the client's parents (with their accounts).
    guardians: list[Guardian] = field(default_factory=list)

    @property
    def parties(self) -> list[Party]:
        return self.needed + self.one_of

    @property
    def done(self) -> bool:
        if not self.needed and not self.one_of:
            return False  # a child without a parent with authority: nobody can accept yet
        if any(party.key not in self.accepted for party in self.needed):
            return False
        return not self.one_of or any(party.key in self.accepted for party in self.one_of)

    @property
    def rule_text(self) -> str:
        name = self.client.first_name
        if self.rule == "parents":
            return _("%(name)s is jonger dan 12: de ouders met ouderlijk gezag geven akkoord.") % {
                "name": name
            }
        if self.rule == "child_and_parent":
            return _(
                "%(name)s is %(age)s: %(name)s geeft zelf akkoord, en een ouder met ouderlijk "
                "gezag ook."
            ) % {"name": name, "age": self.age}
        return _("%(name)s geeft zelf akkoord.") % {"name": name}

    def missing(self) -> list[str]:
        """What is still needed, in sentences (the coach's card and the portal)."""
        if self.done:
            return []
        found = []
        if self.rule == "parents" and self.no_parent_known:
            found.append(str(NO_PARENT))
        found += [
            _("%(name)s heeft nog geen akkoord gegeven.") % {"name": party.name}
            for party in self.needed
            if party.key not in self.accepted
        ]
        if self.rule == "child_and_parent":
            if self.no_parent_known:
                found.append(str(NO_PARENT))
            elif not any(party.key in self.accepted for party in self.one_of):
                found.append(_("Nog geen ouder met ouderlijk gezag heeft akkoord gegeven."))
        return found

    @property
    def no_parent_known(self) -> bool:
        """A child for whom no parent with parental authority is recorded: nobody (or only
        the child) can accept until the coach records it."""
        return (self.rule == "parents" and not self.needed) or (
            self.rule == "child_and_parent" and not self.one_of
        )

    def party(self, key: str) -> Party | None:
        return next((party for party in self.parties if party.key == key), None)

    def parties_of(self, account: User) -> list[Party]:
        """The parties this portal account is (itself, or a parent of the child)."""
        return [party for party in self.parties if party.account_id == account.pk]


def _client_party(client: Client) -> Party:
    return Party(
        key=CLIENT,
        party=AgreementAcceptance.Party.CLIENT,
        name=str(client),
        first_name=client.first_name,
        account_id=client.account_id,
        email=client.portal_email,
        mailed=bool(client.portal_email),
    )


def _guardian_party(guardian: Guardian) -> Party:
    return Party(
        key=str(guardian.uuid),
        party=AgreementAcceptance.Party.GUARDIAN,
        name=f"{guardian.first_name} {guardian.last_name}",
        first_name=guardian.first_name,
        guardian=guardian,
        account_id=guardian.account_id,
        email=guardian.account.email if guardian.account_id else guardian.email,
        mailed=guardian.receives_reminders
        and bool(guardian.account.email if guardian.account_id else guardian.email),
    )


def agreement_state(
    traject: Traject,
    *,
    guardians: list[Guardian] | None = None,
    acceptances: list[AgreementAcceptance] | None = None,
    day: date | None = None,
) -> AgreementState:
    """Who must accept on `day` (today), and who has. Pass the client's guardians (with their
    accounts) and the traject's acceptances when they are loaded already."""
    client = traject.client
    if guardians is None:
        guardians = list(client.guardians.select_related("account"))
    if acceptances is None:
        acceptances = list(AgreementAcceptance.objects.for_traject(traject))
    age = client.age_on(day or timezone.localdate())
    with_authority = [_guardian_party(g) for g in guardians if g.has_parental_authority]
    unknown = [g for g in guardians if g.has_parental_authority is None]
    if age is not None and age < PARENTS_ONLY_BELOW:
        rule, needed, one_of = "parents", with_authority, []
    elif age is not None and age < SELF_FROM:
        rule, needed, one_of = "child_and_parent", [_client_party(client)], with_authority
    else:
        rule, needed, one_of = "self", [_client_party(client)], []
        unknown = []
    accepted = {
        (CLIENT if a.party == AgreementAcceptance.Party.CLIENT else str(a.guardian_uuid)): a
        for a in acceptances
    }
    return AgreementState(client, age, rule, needed, one_of, accepted, unknown, guardians)


# --- The personal link ------------------------------------------------------------------------


def party_token(traject: Traject, key: str) -> str:
    return salted_hmac(
        "praktijk.agreement-link", f"{traject.uuid}:{key}", algorithm="sha256"
    ).hexdigest()[:40]


def party_token_ok(traject: Traject, key: str, token: str) -> bool:
    return constant_time_compare(party_token(traject, key), token)


def party_path(traject: Traject, key: str) -> str:
    return reverse("agreement_by_link", args=[traject.uuid, key, party_token(traject, key)])


def party_link(traject: Traject, key: str) -> str:
    return settings.SITE_URL + party_path(traject, key)


# --- Accepting --------------------------------------------------------------------------------


def current_texts() -> tuple[AgreementText, AgreementText]:
    texts = AgreementText.objects.current()
    if AgreementText.Kind.TERMS not in texts or AgreementText.Kind.PRIVACY not in texts:
        raise ValidationError(NO_TEXTS, code="no_texts")
    return texts[AgreementText.Kind.TERMS], texts[AgreementText.Kind.PRIVACY]


def reader_language(language: str | None) -> str:
    """The language an acceptance is read in: "en" or "nl" (each text then shows in it, or in
    Dutch where it has no English: AgreementText.in_language)."""
    return "en" if (language or "").startswith("en") else "nl"


def shown_texts(terms: AgreementText, privacy: AgreementText, language: str) -> list[dict]:
    """The two texts as a reader in `language` reads them, each with the language it is in."""
    shown = []
    for text in (terms, privacy):
        used, title, body = text.in_language(language)
        shown.append(
            {"text": text, "title": title, "paragraphs": paragraphs(body), "language": used}
        )
    return shown


def paragraphs(body: str) -> list[str]:
    return [part.strip() for part in body.replace("\r\n", "\n").split("\n\n") if part.strip()]


def agreement_accept(
    *,
    traject: Traject,
    key: str,
    name: str,
    ip_address: str | None,
    account: User | None,
    language: str,
    versions: tuple[int, int] | None = None,
) -> AgreementAcceptance:
    """Record that the party `key` accepts the current texts, or raise ValidationError with a
    sentence for the person. `versions` (the terms' and the privacy statement's, as the page
    showed them): a text that got a new version while the page was open is refused, so
    nobody accepts a text they did not read."""
    name = " ".join(name.split())
    if len(name) < 2:
        raise ValidationError(_("Typ je volledige naam om akkoord te geven."), code="name")
    with transaction.atomic():
        # The traject's row alone (of=self): the client's row is erasure's to lock first.
        locked = (
            Traject.objects.select_for_update(of=("self",))
            .select_related("client")
            .get(pk=traject.pk)
        )
        if locked.is_closed:
            raise ValidationError(_("Dit traject is afgesloten."), code="closed")
        state = agreement_state(locked)
        party = state.party(key)
        if party is None:
            raise ValidationError(may_not_accept(state, key), code="not_a_party")
        if key in state.accepted:
            raise ValidationError(
                _("Je hebt al akkoord gegeven voor dit traject."), code="already_accepted"
            )
        logged_in = account is not None and account.is_authenticated
        if logged_in and account.pk != party.account_id:
            # Someone else's account (a parent on a child's link, a partner's login): each
            # person accepts for themselves, never in another's name.
            raise ValidationError(OTHER_ACCOUNT, code="other_account")
        terms, privacy = current_texts()
        if versions is not None and versions != (terms.version, privacy.version):
            raise ValidationError(
                _("De tekst is zojuist vernieuwd. Lees de nieuwe versie en geef dan akkoord."),
                code="new_version",
            )
        return _record(
            locked,
            party,
            state,
            name=name,
            ip_address=ip_address,
            account_email=account.email if logged_in else "",
            language=reader_language(language),
            texts=(terms, privacy),
        )


def _record(traject, party, state, *, name, ip_address, account_email, language, texts):
    """The acceptance's row, with both texts' checksums as the reader saw them; a second one
    of the same person, a moment ago in another tab, is refused by the database."""
    terms, privacy = texts
    _used, terms_title, terms_body = terms.in_language(language)
    _used, privacy_title, privacy_body = privacy.in_language(language)
    try:
        with transaction.atomic():
            return AgreementAcceptance.objects.create(
                traject=traject,
                party=party.party,
                guardian_uuid=party.guardian.uuid if party.guardian else None,
                relation=party.guardian.relation if party.guardian else "",
                name=name[:200],
                client_age=state.age,
                ip_address=ip_address or None,
                account_email=account_email,
                language=language,
                terms=terms,
                terms_sha256=AgreementText.digest(terms_title, terms_body),
                privacy=privacy,
                privacy_sha256=AgreementText.digest(privacy_title, privacy_body),
            )
    except IntegrityError as error:  # the unique constraints: accepted a moment ago
        raise ValidationError(
            _("Je hebt al akkoord gegeven voor dit traject."), code="already_accepted"
        ) from error


def may_not_accept(state: AgreementState, key: str) -> str:
    """Why the person `key` does not accept, in a sentence."""
    if key == CLIENT and state.rule == "parents":
        return str(CHILD_UNDER_12)
    if key != CLIENT and state.rule == "self":
        return str(CLIENT_ALONE)
    return str(NEEDS_AUTHORITY)


def text_matches(acceptance: AgreementAcceptance) -> bool:
    """Whether both texts, as stored today, still give the checksums the acceptance recorded
    (always, as the texts are append-only: the PDF says so)."""
    pairs = (
        (acceptance.terms, acceptance.terms_sha256),
        (acceptance.privacy, acceptance.privacy_sha256),
    )
    for text, digest in pairs:
        _used, title, body = text.in_language(acceptance.language)
        if AgreementText.digest(title, body) != digest:
            return False
    return True
