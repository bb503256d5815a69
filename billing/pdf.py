"""Invoices and quotes as PDF (ReportLab: pure Python, nothing to install beside pip).

The document is written in the addressee's language; amounts in that language's format."""

from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from billing.models import Invoice, InvoiceLine, Quote
from coaching.dates import readable
from coaching.models import Vat
from coaching.pdf import build, paragraph
from coaching.templatetags.money import money

ACCENT = colors.HexColor("#2f5d62")
STYLES = getSampleStyleSheet()
BODY = ParagraphStyle(
    "body", parent=STYLES["Normal"], fontName="Helvetica", fontSize=9.5, leading=13
)
SMALL = ParagraphStyle(
    "small", parent=BODY, fontSize=8, leading=10.5, textColor=colors.HexColor("#555555")
)
SMALL_RIGHT = ParagraphStyle("small_right", parent=SMALL, alignment=TA_RIGHT)
RIGHT = ParagraphStyle("right", parent=BODY, alignment=TA_RIGHT)
TITLE = ParagraphStyle(
    "title", parent=BODY, fontName="Helvetica-Bold", fontSize=18, leading=22, textColor=ACCENT
)
HEAD = ParagraphStyle(
    "head", parent=BODY, fontName="Helvetica-Bold", fontSize=13, leading=16, textColor=ACCENT
)


def quantity(value: Decimal) -> str:
    if value == value.to_integral_value():
        return number_format(int(value), use_l10n=True)
    return number_format(value, decimal_pos=2, use_l10n=True)


def _p(text: str, style=BODY) -> Paragraph:
    return paragraph(text, style)


def _practice_block(details: dict) -> list:
    lines = [
        details["address"],
        f"{details['postal_code']} {details['city']}".strip(),
        details["phone"],
        details["email"],
    ]
    registry = [
        f"{_('KvK')} {details['kvk']}" if details["kvk"] else "",
        f"{_('Btw-id')} {details['vat_number']}" if details["vat_number"] else "",
        f"IBAN {details['iban']}" if details["iban"] else "",
    ]
    return [
        _p(details["name"], HEAD),
        _p("\n".join(line for line in lines if line), SMALL),
        _p("\n".join(line for line in registry if line), SMALL),
    ]


def _header(title: str, addressee: str, facts: list[tuple[str, str]], practice: dict) -> list:
    left = [_p(addressee)]
    right = Table(
        [[_p(label, SMALL), _p(value, BODY)] for label, value in facts],
        colWidths=[25 * mm, 52 * mm],
        style=[("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)],
    )
    top = Table(
        [[_practice_block(practice), ""], [left, right]],
        colWidths=[92 * mm, 77 * mm],
        style=[
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 1), (-1, 1), 10 * mm),
        ],
    )
    return [top, Spacer(1, 10 * mm), _p(title, TITLE), Spacer(1, 4 * mm)]


# The frame is A4 less the margins and its own padding: 169 mm wide; the tables fill it.
def _lines_table(rows: list[list], with_day: bool) -> Table:
    head = [_("Datum")] if with_day else []
    head += [_("Omschrijving"), _("Aantal"), _("Prijs"), _("Btw"), _("Bedrag")]
    widths = ([22 * mm] if with_day else []) + [
        (68 if with_day else 90) * mm,
        16 * mm,
        22 * mm,
        18 * mm,
        23 * mm,
    ]
    numbers = len(head) - 4  # the last four columns are amounts: right-aligned, heads too
    head_row = [_p(h, SMALL if n < numbers else SMALL_RIGHT) for n, h in enumerate(head)]
    table = Table([head_row, *rows], colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#cccccc")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (-4, 0), (-1, -1), "RIGHT"),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
            ]
        )
    )
    return table


def _totals_table(vat_totals: list[dict], excl: Decimal, vat: Decimal) -> Table:
    rows = [[_p(_("Totaal exclusief btw")), _p(money(excl), RIGHT)]]
    for total in vat_totals:
        if total["vat"] == Vat.EXEMPT:
            label = _("Vrijgesteld van btw over %(base)s") % {"base": money(total["base"])}
        else:
            label = _("Btw %(rate)s %% over %(base)s") % {
                "rate": total["vat"],
                "base": money(total["base"]),
            }
        rows.append([_p(label), _p(money(total["vat_amount"]), RIGHT)])
    rows.append(
        [
            _p(_("Totaal"), HEAD),
            _p(money(excl + vat), ParagraphStyle("t", parent=HEAD, alignment=TA_RIGHT)),
        ]
    )
    table = Table(rows, colWidths=[80 * mm, 35 * mm], hAlign="RIGHT")
    table.setStyle(TableStyle([("LINEABOVE", (0, -1), (-1, -1), 0.8, ACCENT)]))
    return table


def _build(flowables: list, title: str) -> bytes:
    return build(flowables, title, side_mm=18, top_mm=16)


def invoice_filename(invoice: Invoice) -> str:
    """factuur-2026-0001.pdf, in the addressee's language."""
    with translation.override(invoice.language):
        if invoice.is_draft:
            name = _("factuur-concept")
        else:
            name = (
                _("creditfactuur") if invoice.is_credit else _("factuur")
            ) + f"-{invoice.number}"
    return f"{name}.pdf"


def _invoice_heading(invoice: Invoice) -> tuple[str, list, str]:
    """The invoice's title, its facts (number, dates, what it corrects) and its addressee."""
    if invoice.is_credit:
        title = _("Creditfactuur %(number)s") % {"number": invoice.number}
    elif invoice.is_draft:
        title = _("Factuur (concept)")
    else:
        title = _("Factuur %(number)s") % {"number": invoice.number}
    facts = []
    if invoice.number:
        facts.append((_("Factuurnummer"), invoice.number))
    if invoice.issued_on:
        facts.append((_("Factuurdatum"), readable(invoice.issued_on, year=True)))
    facts.append(
        (
            _("Periode"),
            f"{readable(invoice.period_start, year=True)} – "
            f"{readable(invoice.period_end, year=True)}",
        )
    )
    if invoice.is_credit:
        facts.append((_("Correctie van"), invoice.credit_for.number))
    elif invoice.due_on:
        facts.append((_("Te betalen uiterlijk"), readable(invoice.due_on, year=True)))
    addressee = "\n".join(part for part in [invoice.bill_to_name, invoice.bill_to_address] if part)
    if invoice.recipient_kind == Invoice.Recipient.GUARDIAN:
        addressee += "\n" + _("Betreft: %(client)s") % {"client": invoice.client}
    return title, facts, addressee


def _invoice_notes(invoice: Invoice, lines: list[InvoiceLine], total, practice: dict) -> list:
    """Under the totals: the VAT exemption, and what to do (or what was done) about paying."""
    notes = []
    if any(line.vat == Vat.EXEMPT for line in lines):
        notes.append(
            _("Vrijgesteld van btw op grond van artikel 11 van de Wet op de omzetbelasting 1968.")
        )
    if invoice.is_credit:
        notes.append(
            _(
                "Deze creditfactuur vervangt factuur %(number)s. Een betaald bedrag "
                "wordt teruggestort."
            )
            % {"number": invoice.credit_for.number}
        )
    elif invoice.status == Invoice.Status.PAID:
        notes.append(
            _("Betaald op %(day)s. Dank je wel.") % {"day": readable(invoice.paid_on, year=True)}
        )
    elif total > 0:
        notes.append(
            _(
                "Graag het totaal uiterlijk %(due)s overmaken op %(iban)s ten name van "
                "%(name)s, onder vermelding van het factuurnummer."
            )
            % {
                "due": readable(invoice.due_on, year=True) if invoice.due_on else "…",
                "iban": practice["iban"] or "…",
                "name": practice["name"],
            }
        )
    return [_p(note, SMALL) for note in notes]


def invoice_pdf(invoice: Invoice) -> bytes:
    lines: list[InvoiceLine] = list(invoice.lines.all())
    with translation.override(invoice.language):
        title, facts, addressee = _invoice_heading(invoice)
        rows = [
            [
                _p(readable(line.day, year=True)),
                _p(line.description),
                _p(quantity(line.quantity), RIGHT),
                _p(money(line.unit_price), RIGHT),
                _p(pgettext("VAT", "vrij") if line.vat == Vat.EXEMPT else f"{line.vat} %", RIGHT),
                _p(money(line.amount), RIGHT),
            ]
            for line in lines
        ]
        totals = invoice.totals(lines)
        practice = invoice.practice
        story = _header(title, addressee, facts, practice)
        story += [_lines_table(rows, with_day=True), Spacer(1, 5 * mm)]
        story.append(_totals_table(totals["per_rate"], totals["excl"], totals["vat"]))
        story.append(Spacer(1, 8 * mm))
        story += _invoice_notes(invoice, lines, totals["incl"], practice)
        return _build(story, title)


def quote_pdf(quote: Quote) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Offerte %(number)s") % {"number": quote.number}
        facts = [
            (_("Offertenummer"), quote.number),
            (_("Datum"), readable(quote.issued_on, year=True)),
            (_("Geldig tot en met"), readable(quote.valid_until, year=True)),
        ]
        org = quote.organisation
        addressee = org.name + (
            "\n" + _("t.a.v. %(person)s") % {"person": quote.contact_person}
            if quote.contact_person
            else ""
        )
        lines = quote.lines()
        rows = [
            [
                _p(line["description"]),
                _p(quantity(line["quantity"]), RIGHT),
                _p(money(line["unit_price"]), RIGHT),
                _p(pgettext("VAT", "vrij") if quote.vat == Vat.EXEMPT else f"{quote.vat} %", RIGHT),
                _p(money(line["amount"]), RIGHT),
            ]
            for line in lines
        ]
        totals = quote.totals()
        vat_totals = [
            {
                "vat": quote.vat,
                "base": totals["excl"],
                "vat_amount": totals["vat"],
            }
        ]
        story = _header(
            title, addressee, facts, {"name": settings.PRAKTIJK_NAME, **settings.PRAKTIJK_DETAILS}
        )
        story.append(_quote_intro(quote))
        story.append(Spacer(1, 4 * mm))
        if quote.wishes:
            story += [_p(_("Specifieke wensen"), HEAD), _p(quote.wishes), Spacer(1, 4 * mm)]
        story += [_lines_table(rows, with_day=False), Spacer(1, 5 * mm)]
        story.append(_totals_table(vat_totals, totals["excl"], totals["vat"]))
        story.append(Spacer(1, 8 * mm))
        story.append(_quote_closing(quote))
        return _build(story, title)


def _quote_intro(quote: Quote):
    """What the quote is for: an in-company Backstage group, as the method has it."""
    return _p(
        _(
            "Backstage-groep in-company: %(size)s deelnemers, %(meetings)s bijeenkomsten "
            "van %(minutes)s minuten, elke twee tot vier weken. Elke bijeenkomst brengen "
            "hoogstens twee deelnemers een praktijkprobleem in; de groep analyseert het en "
            "reikt oplossingen aan, en de inbrenger maakt afspraken voor de werkvloer."
        )
        % {
            "size": quote.group_size,
            "meetings": quote.meetings,
            "minutes": settings.PRAKTIJK_BACKSTAGE["meeting_minutes"],
        }
    )


def _quote_closing(quote: Quote):
    return _p(
        _("Deze offerte is geldig tot en met %(day)s. Met vragen kunt u terecht bij %(person)s.")
        % {
            "day": readable(quote.valid_until, year=True),
            "person": settings.PRAKTIJK_DETAILS["contact_person"] or settings.PRAKTIJK_NAME,
        },
        SMALL,
    )
