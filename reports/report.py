"""The report: every section's figures per month of the period (a month without rows reads 0),
the period's total, and its chart; and a section as CSV."""

import csv
import io
from dataclasses import dataclass
from datetime import date
from html import escape

from django.utils import formats
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from coaching.templatetags.money import money
from reports import charts, stored
from reports.charts import month_name
from reports.sections import SECTIONS, Row, Scope, Section


@dataclass
class SectionReport:
    section: Section
    rows: list[tuple[date, Row]]
    total: Row
    chart: dict

    @property
    def key(self) -> str:
        return self.section.key

    @property
    def table(self) -> list[tuple[str, list[str]]]:
        """The table's rows: the month, and each figure in the page's language."""
        return [
            (month_name(month), [shown(row[c.key], c.kind) for c in self.columns])
            for month, row in self.rows
        ]

    @property
    def body_html(self) -> str:
        """The table's rows as HTML, written here rather than cell by cell in the template (six
        tables of a dozen months and up to six figures: the template took 10 ms for them)."""
        return mark_safe(  # noqa: S308 - every text escaped
            "".join(
                f'<tr><th scope="row">{escape(month)}</th>'
                + "".join(f'<td class="text-end">{escape(cell)}</td>' for cell in cells)
                + "</tr>"
                for month, cells in self.table
            )
        )

    @property
    def total_row(self) -> list[str]:
        return [shown(self.total[c.key], c.kind) for c in self.columns]

    @property
    def columns(self) -> tuple:
        return self.section.shown_columns


def section_report(section: Section, scope: Scope, found: dict[date, Row]) -> SectionReport:
    rows = []
    total = stored.empty(section)
    for month in scope.period.months:
        row = found[month]
        for key in total:
            total[key] += row.get(key) or 0
        rows.append((month, {**row, **section.derive(row)}))
    total = {**total, **section.derive(total)}
    return SectionReport(section, rows, total, charts.chart(section, rows))


def report(scope: Scope, keys: list[str] | None = None) -> list[SectionReport]:
    """The sections' reports, from their stored months (reports.stored: those a write touched
    since are counted again, each section's in one aggregate)."""
    sections = [section for section in SECTIONS if keys is None or section.key in keys]
    found = stored.figures(scope, sections)
    return [section_report(section, scope, found[section.key]) for section in sections]


def section_by_key(key: str) -> Section | None:
    return next((section for section in SECTIONS if section.key == key), None)


def csv_value(value, kind: str) -> str:
    """As a Dutch Excel reads it: a decimal comma, no thousands separator; nothing for a figure
    that has no value (an average of no messages)."""
    if value is None:
        return ""
    if kind == "money":
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def as_csv(result: SectionReport) -> str:
    """UTF-8 with a byte order mark (so Excel reads the accents), `;` between fields and a
    decimal comma: what Excel with Dutch settings opens without an import wizard."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    columns = result.columns
    writer.writerow([_("Maand"), *[str(column.label) for column in columns]])
    for month, row in result.rows:
        writer.writerow([f"{month:%Y-%m}", *[csv_value(row[c.key], c.kind) for c in columns]])
    writer.writerow([_("Totaal"), *[csv_value(result.total[c.key], c.kind) for c in columns]])
    return out.getvalue()


def shown(value, kind: str) -> str:
    """A figure in the page's language: an amount as money, an average or share with one
    decimal, a dash for a figure that has no value (an average of nothing)."""
    if value is None:
        return "—"
    if kind == "money":
        return money(value)
    if isinstance(value, float):
        return formats.number_format(value, decimal_pos=1, use_l10n=True)
    return str(value)
