"""What the apps' PDFs share (ReportLab): an A4 document with the practice as its author, and
text escaped into a paragraph. Billing's invoices and quotes and the trajects' accepted
agreements each keep their own styles and content."""

from io import BytesIO
from xml.sax.saxutils import escape

from django.conf import settings
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate


def paragraph(text: str, style) -> Paragraph:
    """Plain text as a paragraph: escaped, its line breaks kept."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def build(
    flowables: list, title: str, *, side_mm: int, top_mm: int, invariant: bool = False
) -> bytes:
    """The PDF's bytes. `invariant`: no creation time or random id in the file, so the same
    content always gives the same bytes."""
    buffer = BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=side_mm * mm,
        rightMargin=side_mm * mm,
        topMargin=top_mm * mm,
        bottomMargin=top_mm * mm,
        title=title,
        author=settings.PRAKTIJK_NAME,
        invariant=1 if invariant else None,
    ).build(flowables)
    return buffer.getvalue()
