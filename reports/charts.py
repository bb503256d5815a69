"""A section's chart as SVG, written here and placed by the template: no script (the CSP allows
none inline) and no style attribute, only SVG's own presentation attributes.

Coordinates are strings with a decimal point: the template would write a float in the page's
locale ("136,0"), which SVG refuses (as trajects.services.evaluations.chart does). Each series
has a colour with at least 3:1 contrast against white (WCAG 1.4.11) and its own texture or
marker, so the chart does not rely on colour alone; the table under it has the same figures."""

import math
from datetime import date
from decimal import Decimal
from functools import lru_cache
from html import escape

from django.utils import formats
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

# Narrow enough that the labels stay readable when a phone shrinks the chart to its width.
WIDTH, HEIGHT = 400, 220
LEFT, RIGHT, TOP, BOTTOM = 50, 8, 28, 28
# Blue, red, green, purple, brown: each 4.5:1 or more on white.
COLOURS = ("#0b5ed7", "#b02a37", "#146c43", "#6f42c1", "#8a5a00")
# Solid, diagonal stripes, dots, horizontal stripes, cross-hatch (white over the colour).
TEXTURES = ("solid", "stripes", "dots", "lines", "cross")
MARKERS = ("circle", "square", "diamond")


def _f(value: float) -> str:
    return f"{value:.1f}"


def nice_step(top: float, intervals: int = 4) -> float:
    """A step of 1, 2, 2.5 or 5 times a power of ten, so that `intervals` steps reach `top`."""
    raw = max(top, 1) / intervals
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power  # pragma: no cover - the loop ends at 10


def _number(value: float) -> str:
    decimals = 0 if float(value).is_integer() else 1
    if not decimals and -1000 < value < 1000:
        # No separator in any language: most of a chart's figures (and -0.0 reads "0").
        return str(int(value))
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _value(value) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal | int | float) else None


def chart(section, rows: list[tuple[date, dict]]) -> dict:
    """What the template draws: the axes, the bars or lines, the month labels, the legend."""
    spec = section.chart
    months = [month for month, _row in rows]
    values = {key: [_value(row[key]) for _month, row in rows] for key in spec.series}
    if spec.kind == "stacked":
        highest = max(
            (sum(max(v or 0, 0) for v in column) for column in zip(*values.values(), strict=True)),
            default=0,
        )
    else:
        highest = max((v for series in values.values() for v in series if v is not None), default=0)
    if spec.reference is not None:
        highest = max(highest, spec.reference)
    step = nice_step(highest)
    if spec.kind != "line" and spec.axis:
        step = max(step, 1)
    top = step * max(math.ceil(highest / step), 1)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    band = inner_w / max(len(months), 1)

    def y_of(value: float) -> float:
        return TOP + inner_h * (1 - max(value, 0) / top)

    series = [
        {
            "key": key,
            "label": str(section.column(key).label),  # translated once, not per shape
            "colour": COLOURS[index % len(COLOURS)],
            "texture": TEXTURES[index % len(TEXTURES)],
            "marker": MARKERS[index % len(MARKERS)],
            "dashed": index % 2 == 1,
            "fill": f"url(#{section.key}-t{index})" if index % len(TEXTURES) else "",
            "id": f"{section.key}-t{index}",
        }
        for index, key in enumerate(spec.series)
    ]
    for entry in series:
        entry["fill"] = entry["fill"] or entry["colour"]
    shapes = (_lines if spec.kind == "line" else _bars)(
        spec.kind, series, values, months, band, y_of
    )
    every = math.ceil(len(months) / 12)
    labels = [
        {
            "x": _f(LEFT + band * (index + 0.5)),
            "text": _short_month(month, get_language())
            + (f" {month:%y}" if month.month == 1 or index == 0 else ""),
        }
        for index, month in enumerate(months)
        if index % every == 0
    ]
    ticks = [
        {"y": _f(y_of(step * index)), "text": _number(step * index)}
        for index in range(round(top / step) + 1)
    ]
    reference = None
    if spec.reference is not None:
        reference = {
            "y": _f(y_of(spec.reference)),
            "text": f"{spec.reference_label} {_number(spec.reference)}",
        }
    drawn = {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "label_y": HEIGHT - 8,
        "tick_x": LEFT - 6,
        "axis": spec.axis,
        "series": series,
        "shapes": shapes,
        "labels": labels,
        "ticks": ticks,
        "reference": reference,
        "kind": spec.kind,
    }
    drawn["drawing"] = drawing(drawn)
    drawn["patterns"] = patterns(series)
    drawn["legend"] = legend(drawn)
    return drawn


GREY, DARK = "#495057", "#212529"


def drawing(chart: dict) -> str:
    """The chart's grid, bars or lines, reference line and labels as SVG markup, written here
    rather than in the template: a dozen months of six sections are hundreds of shapes, which
    the template language took 30 ms to write. Coordinates and colours are this module's own
    numbers and constants; every text is escaped."""
    left, right, bottom = chart["left"], chart["right"], chart["bottom"]
    parts = [
        f'<line x1="{left}" x2="{right}" y1="{tick["y"]}" y2="{tick["y"]}" stroke="#dee2e6"'
        f' stroke-width="1"/><text x="{chart["tick_x"]}" y="{tick["y"]}" font-size="13"'
        f' text-anchor="end" dominant-baseline="middle" fill="{GREY}">{escape(tick["text"])}'
        "</text>"
        for tick in chart["ticks"]
    ]
    parts.append(f'<text x="4" y="14" font-size="13" fill="{GREY}">{escape(chart["axis"])}</text>')
    parts.extend(_shape(shape) for shape in chart["shapes"])
    if reference := chart["reference"]:
        y = reference["y"]
        parts.append(
            f'<line x1="{left}" x2="{right}" y1="{y}" y2="{y}" stroke="{DARK}" stroke-width="1"'
            f' stroke-dasharray="2 3"/><text x="{right}" y="{y}" dy="-4" font-size="13"'
            f' text-anchor="end" fill="{DARK}">{escape(reference["text"])}</text>'
        )
    parts.append(
        f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{GREY}"'
        ' stroke-width="1"/>'
    )
    parts.extend(
        f'<text x="{label["x"]}" y="{chart["label_y"]}" font-size="13" text-anchor="middle"'
        f' fill="{GREY}">{escape(label["text"])}</text>'
        for label in chart["labels"]
    )
    return mark_safe("".join(parts))  # noqa: S308 - numbers and constants; texts escaped


# The white over a series' colour that tells it apart without colour (TEXTURES).
TEXTURE_MARKS = {
    "stripes": '<path d="M0,6 L6,0" stroke="#fff" stroke-width="1.5"/>',
    "dots": '<circle cx="3" cy="3" r="1.2" fill="#fff"/>',
    "lines": '<path d="M0,3 L6,3" stroke="#fff" stroke-width="1.5"/>',
    "cross": '<path d="M0,6 L6,0 M0,0 L6,6" stroke="#fff" stroke-width="1"/>',
}
MARKER_SHAPES = {
    "circle": '<circle cx="12" cy="7" r="4" fill="{}"/>',
    "square": '<rect x="8" y="3" width="8" height="8" fill="{}"/>',
    "diamond": '<polygon points="12,2 17,7 12,12 7,7" fill="{}"/>',
}


def patterns(series: list[dict]) -> str:
    """The SVG patterns of the textured series, for the chart's `<defs>`."""
    return mark_safe(  # noqa: S308 - constants and this module's ids and colours
        "".join(
            f'<pattern id="{entry["id"]}" width="6" height="6" patternUnits="userSpaceOnUse">'
            f'<rect width="6" height="6" fill="{entry["colour"]}"/>'
            f"{TEXTURE_MARKS[entry['texture']]}</pattern>"
            for entry in series
            if entry["texture"] != "solid"
        )
    )


def legend(chart: dict) -> str:
    """The legend's items: each series' swatch (its colour and texture, or its line and
    marker) and name, and the reference line's, written here as the drawing is."""
    line = chart["kind"] == "line"
    swatch = (
        '<svg viewBox="0 0 24 14" class="report-swatch report-swatch-line" aria-hidden="true"'
        ' focusable="false">'
        if line
        else '<svg viewBox="0 0 14 14" class="report-swatch" aria-hidden="true" focusable="false">'
    )
    items = []
    for entry in chart["series"]:
        if line:
            dashed = ' stroke-dasharray="6 3"' if entry["dashed"] else ""
            shape = (
                f'<line x1="0" x2="24" y1="7" y2="7" stroke="{entry["colour"]}"'
                f' stroke-width="2"{dashed}/>'
                + MARKER_SHAPES[entry["marker"]].format(entry["colour"])
            )
        else:
            shape = f'<rect width="14" height="14" fill="{entry["fill"]}"/>'
        items.append(
            f'<li class="list-inline-item">{swatch}{shape}</svg> {escape(entry["label"])}</li>'
        )
    if reference := chart["reference"]:
        items.append(
            '\n<li class="list-inline-item"><svg viewBox="0 0 24 14" class="report-swatch'
            ' report-swatch-line" aria-hidden="true" focusable="false"><line x1="0" x2="24"'
            f' y1="7" y2="7" stroke="{DARK}" stroke-width="1" stroke-dasharray="2 3"/></svg>'
            f" {escape(reference['text'])} {escape(chart['axis'])}</li>"
        )
    return mark_safe("".join(items))  # noqa: S308 - constants and colours; texts escaped


def _shape(shape: dict) -> str:
    kind = shape["shape"]
    if kind == "line":
        dashed = ' stroke-dasharray="6 3"' if shape["dashed"] else ""
        return (
            f'<polyline points="{shape["points"]}" fill="none" stroke="{shape["stroke"]}"'
            f' stroke-width="2"{dashed}/>'
        )
    title = f"<title>{escape(shape['title'])}</title>"
    if kind == "rect":
        return (
            f'<rect x="{shape["x"]}" y="{shape["y"]}" width="{shape["width"]}"'
            f' height="{shape["height"]}" fill="{shape["fill"]}" stroke="#fff"'
            f' stroke-width="0.5">{title}</rect>'
        )
    if kind == "circle":
        return (
            f'<circle cx="{shape["x"]}" cy="{shape["y"]}" r="4" fill="{shape["fill"]}">'
            f"{title}</circle>"
        )
    if kind == "square":
        return (
            f'<rect x="{shape["x0"]}" y="{shape["y0"]}" width="8" height="8"'
            f' fill="{shape["fill"]}">{title}</rect>'
        )
    return f'<polygon points="{shape["points"]}" fill="{shape["fill"]}">{title}</polygon>'


def _bars(kind, series, values, months, band, y_of) -> list[dict]:
    shapes = []
    for index, month in enumerate(months):
        left = LEFT + band * index
        if kind == "stacked":
            width, base = band * 0.7, 0.0
            for entry in series:
                value = values[entry["key"]][index] or 0
                if value <= 0:
                    continue
                y_top, y_base = y_of(base + value), y_of(base)
                shapes.append(
                    _bar(entry, month, value, left + band * 0.15, y_top, width, y_base - y_top)
                )
                base += value
        else:
            width = band * 0.8 / len(series)
            for number, entry in enumerate(series):
                value = values[entry["key"]][index] or 0
                if value <= 0:
                    continue
                y_top = y_of(value)
                shapes.append(
                    _bar(
                        entry,
                        month,
                        value,
                        left + band * 0.1 + width * number,
                        y_top,
                        width,
                        y_of(0) - y_top,
                    )
                )
    return shapes


def _bar(entry, month, value, x, y, width, height) -> dict:
    return {
        "shape": "rect",
        "x": _f(x),
        "y": _f(y),
        "width": _f(width),
        "height": _f(max(height, 0.5)),
        "fill": entry["fill"],
        "title": _title(entry, month, value),
    }


def _title(entry: dict, month: date, value: float) -> str:
    """A shape's tooltip: what, when, how many."""
    return f"{entry['label']}, {month_name(month)}: {_number(value)}"


def month_name(month: date) -> str:
    """ "maart 2026": the same dozen months are named on every shape and row of the page."""
    return _month_name(month, get_language())


@lru_cache(maxsize=1024)
def _month_name(month: date, language: str) -> str:
    return formats.date_format(month, "F Y")


@lru_cache(maxsize=1024)
def _short_month(month: date, language: str) -> str:
    """ "mrt": a chart's label of a month."""
    return formats.date_format(month, "b")


def _diamond(x: float, y: float) -> str:
    return f"{_f(x)},{_f(y - 5)} {_f(x + 5)},{_f(y)} {_f(x)},{_f(y + 5)} {_f(x - 5)},{_f(y)}"


def _lines(kind, series, values, months, band, y_of) -> list[dict]:
    shapes = []
    for entry in series:
        run: list[str] = []
        runs = [run]
        for index, month in enumerate(months):
            value = values[entry["key"]][index]
            if value is None:  # no figure (no messages): the line breaks there
                run = []
                runs.append(run)
                continue
            x, y = LEFT + band * (index + 0.5), y_of(value)
            run.append(f"{_f(x)},{_f(y)}")
            shapes.append(
                {
                    "shape": entry["marker"],
                    "x": _f(x),
                    "y": _f(y),
                    "x0": _f(x - 4),
                    "y0": _f(y - 4),
                    "points": _diamond(x, y),
                    "fill": entry["colour"],
                    "title": _title(entry, month, value),
                }
            )
        shapes[:0] = [
            {
                "shape": "line",
                "points": " ".join(points),
                "stroke": entry["colour"],
                "dashed": entry["dashed"],
            }
            for points in runs
            if len(points) > 1
        ]
    return shapes
