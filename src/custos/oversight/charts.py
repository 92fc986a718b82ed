"""Charts drawn on the server as inline SVG: no script, no library, the same markup on the page
and in the PDF report.

Words stay in HTML (category labels, legends) where the text engine shapes them: the PDF's SVG
renderer sets text letter by letter, which would break Arabic apart. Inside the SVG there are
only shapes, numbers and, on the page, month names; the PDF writes months as numbers.

Right-to-left pages mirror the charts: time runs from right to left and bars grow leftwards
(the SVG's `direction` keeps text anchors logical). Colours are those of the stylesheet
(`custos.css`), given as presentation attributes so that the PDF, which has no stylesheet for
them, draws them the same. Each chart is hidden from screen readers: the table printed with
it is its accessible alternative.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# custos.css: --accent, --warn, --ok, --muted, --line, and the network legend's orange.
ACCENT, WARN, OK, MUTED, LINE, ORANGE, INK = ("#1f5f8b", "#a33a1a", "#2d6a3e", "#5b6478",
                                              "#d5dae3", "#d9822b", "#1d2433")
WIDTH = 640


@dataclass(frozen=True)
class Series:
    key: str  # the row key holding its counts
    label: str
    colour: str = ACCENT


def _attrs(values: dict) -> str:
    return " ".join(f'{name.replace("_", "-")}="{escape(value)}"'
                    for name, value in values.items() if value is not None)


def _el(tag: str, text: str | None = None, **attrs) -> str:
    opening = f"<{tag} {_attrs(attrs)}".rstrip()
    return f"{opening}/>" if text is None else f"{opening}>{escape(text)}</{tag}>"


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _nice_max(value: float) -> int:
    """The top of the value axis: 1, 2 or 5 times a power of ten, at least the largest value."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return int(next(step * power for step in (1, 2, 5, 10) if step * power >= value))


def _svg(height: float, body: list[str], *, rtl: bool, css_class: str,
         width: int = WIDTH) -> str:
    root = _attrs({"class": f"chart {css_class}", "viewBox": f"0 0 {width} {_n(height)}",
                   "width": str(width), "height": _n(height),
                   "direction": "rtl" if rtl else "ltr", "font-size": "11",
                   "aria-hidden": "true", "focusable": "false"})
    return f'<svg xmlns="http://www.w3.org/2000/svg" {root}>{"".join(body)}</svg>'


def _safe(html: str) -> SafeString:
    return mark_safe(html)  # noqa: S308 — every text in it went through escape()


def _mirror(rtl: bool) -> Callable[..., float]:
    """x of a box of `width` whose left edge is at `x` in the left-to-right drawing."""
    return (lambda x, width=0: WIDTH - x - width) if rtl else (lambda x, width=0: x)


def swatch(colour: str, *, dashed: bool = False) -> str:
    shape = (_el("line", x1="0", x2="12", y1="6", y2="6", stroke=colour, stroke_width="2",
                 stroke_dasharray="3 2") if dashed
             else _el("rect", x="1", y="1", width="10", height="10", fill=colour))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="12" height="12" '
            f'viewBox="0 0 12 12" aria-hidden="true" focusable="false">{shape}</svg>')


def legend(entries: Sequence[tuple[str, str]], *, dashed: bool = False) -> str:
    items = "".join(f'<span class="legend-item">{swatch(colour, dashed=dashed)} '
                    f"{escape(label)}</span> " for label, colour in entries)
    return f'<p class="chart-legend">{items}</p>'


def month_label(month: date, first: bool, *, numeric: bool = False) -> tuple[str, str]:
    """The month (short name, or its number), and the year under the first and January."""
    name = f"{month:%m}" if numeric else date_format(month, "M")
    return name, (f"{month:%Y}" if first or month.month == 1 else "")


def month_bars(rows: Sequence[dict], series: Sequence[Series], *, rtl: bool = False,
               numeric_months: bool = False, height: int = 200) -> SafeString:
    """Grouped bars, one group a month (`rows[i]["month"]`), one bar a series, and the
    legend above them."""
    top, bottom, start, end = 8, 36, 44, 12
    plot_h = height - top - bottom
    x = _mirror(rtl)
    peak = _nice_max(max((row[s.key] for row in rows for s in series), default=0))
    body = []
    for tick in (0, peak // 2, peak) if peak % 2 == 0 else (0, peak):
        y = top + plot_h * (1 - tick / peak)
        body.append(_el("line", x1=_n(x(start)), x2=_n(x(WIDTH - end)), y1=_n(y), y2=_n(y),
                        stroke=LINE, stroke_width="1"))
        body.append(_el("text", _n(tick), x=_n(x(start - 6)), y=_n(y + 4), text_anchor="end",
                        fill=MUTED))
    slot = (WIDTH - start - end) / max(len(rows), 1)
    bar = slot * 0.8 / max(len(series), 1)
    every = math.ceil(len(rows) / 12) or 1
    for i, row in enumerate(rows):
        left = start + i * slot + slot * 0.1
        label, year = month_label(row["month"], i == 0, numeric=numeric_months)
        for j, s in enumerate(series):
            value = row[s.key]
            h = plot_h * value / peak
            width = max(bar - 1, 1)
            rect = _attrs({"class": f"bar {s.key}", "x": _n(x(left + j * bar, width)),
                           "y": _n(top + plot_h - h), "width": _n(width), "height": _n(h),
                           "fill": s.colour})
            title = _el("title", f"{row['month']:%Y-%m} · {s.label}: {value}")
            body.append(f"<rect {rect}>{title}</rect>")
        if i % every == 0 or year:
            centre = x(start + (i + 0.5) * slot)
            body.append(_el("text", label, x=_n(centre), y=_n(height - bottom + 14),
                            text_anchor="middle", fill=MUTED))
            if year:
                body.append(_el("text", year, x=_n(centre), y=_n(height - bottom + 28),
                                text_anchor="middle", fill=MUTED))
    key = legend([(s.label, s.colour) for s in series])
    return _safe(f'<div class="chart months table-scroll">{key}'
                 f'{_svg(height, body, rtl=rtl, css_class="months")}</div>')


def category_bars(items: Sequence[tuple[str, float]], *, rtl: bool = False,
                  colour: str = ACCENT, whole: float | None = None,
                  marks: Sequence[tuple[float, str]] = (), suffix: str = "") -> SafeString:
    """One bar a category, its label above it in HTML; lengths relative to `whole` (default
    the largest value). `marks` draw a dashed line across at a value (the official capacity)
    and name it in the legend."""
    start, end, height = 2, 70, 16
    peak = max([whole or 0, *(v for _l, v in items), *(v for v, _l in marks)]) or 1
    span = WIDTH - start - end
    x = _mirror(rtl)
    rows = []
    for label, value in items:
        length = span * value / peak
        body = [_el("rect", x=_n(x(start, length)), y="2", width=_n(length), height="12",
                    fill=colour, **{"class": "bar"}),
                _el("text", _n(value) + suffix, x=_n(x(start + length + 6)), y="12",
                    text_anchor="start", fill=INK)]
        for at, _name in marks:
            body.append(_el("line", x1=_n(x(start + span * at / peak)),
                            x2=_n(x(start + span * at / peak)), y1="0", y2=str(height),
                            stroke=WARN, stroke_width="2", stroke_dasharray="3 2"))
        rows.append(f'<div class="bar-row"><div class="bar-label">{escape(label)}</div>'
                    f'{_svg(height, body, rtl=rtl, css_class="categories")}</div>')
    key = legend([(name, WARN) for _at, name in marks], dashed=True) if marks else ""
    return _safe(f'<div class="chart categories table-scroll">{key}{"".join(rows)}</div>')


def dashboard_charts(figures: dict, *, rtl: bool = False,
                     numeric_months: bool = False) -> dict[str, SafeString]:
    """Every chart of the dashboard and of the report, from `dashboard.figures`."""
    from django.utils.translation import gettext as _

    occupancy = figures["occupancy"]["by_facility"]
    percents = [(f"{row['facility']} {row['name']}", row["percent"] or 0) for row in occupancy]
    measures, flags = figures["measures"], figures["flags"]
    discipline, complaints = figures["discipline"], figures["complaints"]

    def kinds(items: list[dict], field: str = "count") -> list[tuple[str, float]]:
        return [(item["label"], item[field]) for item in items]

    def months(rows: list[dict], *series: Series) -> SafeString:
        return month_bars(rows, series, rtl=rtl, numeric_months=numeric_months)

    return {
        "occupancy": category_bars(percents, rtl=rtl, whole=100, suffix="%",
                                   marks=[(100, _("Official capacity"))]),
        "measures_in_force": category_bars(kinds(measures["in_force"]), rtl=rtl),
        "measures_started": months(measures["started"],
                                   Series("count", _("Measures started"))),
        "flags_monthly": months(flags["monthly"], Series("raised", _("Raised"), WARN),
                                Series("resolved", _("Resolved"), OK)),
        "flags_open": category_bars([(row["code"], row["open"]) for row in flags["by_code"]
                                     if row["open"]], rtl=rtl, colour=WARN),
        "discipline_monthly": months(discipline["monthly"], Series("charges", _("Charges")),
                                     Series("sanctions", _("Sanctions"), ORANGE)),
        "sanctions_by_kind": category_bars(kinds(discipline["sanctions_by_kind"]), rtl=rtl,
                                           colour=ORANGE),
        "cases_by_kind": category_bars(kinds(figures["cases"]["by_kind"]), rtl=rtl,
                                       colour=WARN),
        "complaints_monthly": months(complaints["monthly"], Series("received", _("Received")),
                                     Series("answered", _("Answered"), OK)),
        "recommendations": category_bars(kinds(figures["recommendations"]["by_status"]),
                                         rtl=rtl),
    }
