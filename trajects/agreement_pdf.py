"""The accepted coaching agreement as a PDF: who accepted what, when and from where, and the two
texts exactly as they were accepted (the versions the acceptance refers to, which never change:
trajects.models.agreement), with their checksums. In the language the texts were read in.

The document is `invariant` (ReportLab: no creation time or random id in it), so the same
acceptance always gives the same bytes, whenever it is downloaded."""

from django.conf import settings
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from coaching.dates import readable
from coaching.models import Guardian
from coaching.pdf import build, paragraph
from trajects.models import AgreementAcceptance
from trajects.services.agreement import paragraphs

ACCENT = colors.HexColor("#2f5d62")
STYLES = getSampleStyleSheet()
BODY = ParagraphStyle(
    "body", parent=STYLES["Normal"], fontName="Helvetica", fontSize=10, leading=14
)
SMALL = ParagraphStyle(
    "small", parent=BODY, fontSize=8, leading=10.5, textColor=colors.HexColor("#555555")
)
TITLE = ParagraphStyle(
    "title", parent=BODY, fontName="Helvetica-Bold", fontSize=17, leading=21, textColor=ACCENT
)
HEAD = ParagraphStyle(
    "head", parent=BODY, fontName="Helvetica-Bold", fontSize=13, leading=17, textColor=ACCENT
)


def _p(text: str, style=BODY) -> Paragraph:
    return paragraph(text, style)


def relation_label(relation: str) -> str:
    """A parent's relation in words ("moeder"); as stored when it is no longer a choice."""
    try:
        return str(Guardian.Relation(relation).label)
    except ValueError:
        return relation


def who_accepted(acceptance: AgreementAcceptance) -> str:
    """ "Marieke de Vries (moeder, ouder met gezag)" or "Lotte Bakker (de cliënt)"."""
    if acceptance.party == AgreementAcceptance.Party.GUARDIAN:
        relation = relation_label(acceptance.relation)
        role = _("%(relation)s, ouder met gezag") % {"relation": relation}
    else:
        role = _("de cliënt")
    return f"{acceptance.name} ({role})"


def agreement_filename(acceptance: AgreementAcceptance) -> str:
    """overeenkomst-marieke-de-vries-2026-12-06.pdf, in the language of the texts."""
    with translation.override(acceptance.language):
        name = slugify(acceptance.name) or "akkoord"
        day = timezone.localdate(acceptance.accepted_at)
        return f"{slugify(_('overeenkomst'))}-{name}-{day.isoformat()}.pdf"


def agreement_pdf(acceptance: AgreementAcceptance, *, trace: bool = True) -> bytes:
    """The PDF; `trace` adds where it was accepted from (the IP address, the account): for the
    person who accepted and the coach, not in what others download (the other parent, the
    data export)."""
    with translation.override(acceptance.language):
        traject = acceptance.traject
        client = traject.client
        facts = [
            (_("Cliënt"), str(client)),
            (_("Coach"), str(client.coach)),
            (_("Akkoord gegeven door"), who_accepted(acceptance)),
            (_("Op"), readable(acceptance.accepted_at, long=True)),
        ]
        if trace:  # where from: for the person themself and the coach, not for others
            facts += [
                (_("Vanaf IP-adres"), acceptance.ip_address or _("onbekend")),
                (_("Ingelogd als"), acceptance.account_email or _("via de persoonlijke link")),
            ]
        if acceptance.client_age is not None:
            facts.append((_("Leeftijd van de cliënt"), str(acceptance.client_age)))
        flowables = [
            _p(settings.PRAKTIJK_NAME, SMALL),
            Spacer(1, 3 * mm),
            _p(_("Akkoord op de coachingsovereenkomst"), TITLE),
            Spacer(1, 5 * mm),
            _facts_table(facts),
        ]
        for text, digest in (
            (acceptance.terms, acceptance.terms_sha256),
            (acceptance.privacy, acceptance.privacy_sha256),
        ):
            _used, title, body = text.in_language(acceptance.language)
            flowables += [Spacer(1, 7 * mm), _p(f"{title} ({_('versie')} {text.version})", HEAD)]
            flowables += [Spacer(1, 2 * mm)]
            for part in paragraphs(body):
                flowables += [_p(part), Spacer(1, 2 * mm)]
            flowables.append(
                _p(
                    _("Controlegetal (SHA-256) van deze tekst: %(digest)s") % {"digest": digest},
                    SMALL,
                )
            )
        return _build(flowables, _("Akkoord op de coachingsovereenkomst"))


def _facts_table(facts: list[tuple[str, str]]) -> Table:
    table = Table(
        [[_p(label, SMALL), _p(value)] for label, value in facts], colWidths=[45 * mm, None]
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _build(flowables: list, title: str) -> bytes:
    return build(flowables, title, side_mm=20, top_mm=18, invariant=True)
