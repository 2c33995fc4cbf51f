"""Charts for the Sector page, drawn as plain SVG on the server: no script, no CDN, no chart library.

A chart is computed here as geometry (bars, points, ticks, every label and value as text) from a
query's display table (:func:`emskg.server.jobs._table`), and ``templates/_charts.html`` writes it
out. Accessibility: each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that
says what it shows, axes are labelled, every bar and point carries its value as visible text (and a
``<title>`` tooltip), and series of the line chart differ by marker shape and dash pattern, not by
colour alone; the table under each chart holds the same figures.

Which columns a chart uses is read from the column names the sector queries use (``label``,
``systems``, ``share``, ``year`` ...), falling back to the first text column and the first numeric
one, so a query that gains a column keeps its chart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BarChart", "LineChart", "bar_chart", "line_chart", "number", "format_number", "chart_for"]

#: Names a chart prefers for its label and value columns, best first.
LABEL_COLUMNS = ("label", "ruleLabel", "elementLabel", "initiativeLabel", "frameworkLabel", "outcomeLabel",
                 "systemLabel", "name", "title")
VALUE_COLUMNS = ("systems", "gaps", "count", "lacking", "failing", "violations", "n", "total")
SHARE_COLUMNS = ("share", "ratio", "fraction", "percent")
X_COLUMNS = ("year", "period", "registrationYear")
#: Marker shapes and dash patterns of the line chart's series (with the colour: three cues each).
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "bar")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")
COLOURS = ("#0b5d7a", "#b5461f", "#3f7d20", "#6a3d9a", "#8c6d00", "#444b52")
#: The line chart shows this many series at most (the most failed rules); the table has them all.
MAX_SERIES = 6


def number(text: str) -> float | None:
    """A cell's text as a number (None when it is not one)."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def format_number(value: float) -> str:
    """An integer without decimals, another number with at most two."""
    if value == int(value):
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _share_text(value: float) -> str:
    """A share as a percentage: 0..1 is a fraction, more is already a percentage."""
    pct = value * 100 if value <= 1 else value
    return f"{format_number(round(pct, 1))}%"


def _columns(table: dict[str, Any]) -> list[str]:
    return list(table.get("columns") or [])


def _text(cell: dict[str, Any]) -> str:
    return str(cell.get("text", ""))


def _numeric(table: dict[str, Any], column: str) -> bool:
    i = _columns(table).index(column)
    cells = [_text(row[i]) for row in table["rows"] if _text(row[i]) != ""]
    return bool(cells) and all(number(c) is not None for c in cells)


def _pick(table: dict[str, Any], preferred: tuple[str, ...], numeric: bool, skip: tuple[str, ...] = ()) -> str | None:
    columns = [c for c in _columns(table) if c not in skip]
    lower = {c.lower(): c for c in columns}
    for name in preferred:
        if name.lower() in lower and _numeric(table, lower[name.lower()]) == numeric:
            return lower[name.lower()]
    for c in columns:
        if _numeric(table, c) == numeric and (numeric or not c.lower().endswith(("iri", "rule", "shape"))):
            return c
    return next((c for c in columns if _numeric(table, c) == numeric), None)


@dataclass
class Bar:
    label: str
    short: str  # the label as drawn (cut to fit); ``label`` is in the bar's tooltip
    value: float
    text: str
    y: float
    width: float
    href: str | None = None


@dataclass
class BarChart:
    """A horizontal bar chart: one bar per row, its label left of it and its value right of it."""

    title: str
    desc: str
    axis: str
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    plot_width: int
    bar_height: int
    ticks: list[tuple[float, str]] = field(default_factory=list)
    kind: str = "bar"


@dataclass
class Point:
    x: float
    y: float
    text: str
    title: str


@dataclass
class Series:
    label: str
    points: list[Point]
    colour: str
    marker: str
    dash: str

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass
class LineChart:
    """A line chart: x = registration year, y = a share (0-100 %), one line per series."""

    title: str
    desc: str
    x_axis: str
    y_axis: str
    series: list[Series]
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    hidden: int = 0
    kind: str = "line"


def _nice_max(value: float) -> float:
    """The axis end: ``value`` rounded up to 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return float(step * exp)
    return float(10 * exp)


def _axis(largest: float, integers: bool) -> tuple[float, float]:
    """The value axis: its end (a round number at or above ``largest``) and the step between ticks
    (four steps; counts get whole-number steps, so no tick reads "1.25 systems")."""
    if integers:
        step = 1.0
        for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000):
            step = float(candidate)
            if largest <= 5 * candidate:
                break
        else:
            step = _nice_max(largest) / 4
        return max(step, math.ceil(largest / step) * step), step
    top = _nice_max(largest)
    return top, top / 4


def bar_chart(table: dict[str, Any], title: str, axis: str | None = None, max_bars: int = 25) -> BarChart | None:
    """The bar chart of a display table: label and value columns picked by name (see module doc);
    None when the table has no rows or no numeric column."""
    rows = table.get("rows") or []
    if table.get("kind") != "select" or not rows:
        return None
    value_col = _pick(table, VALUE_COLUMNS, numeric=True, skip=SHARE_COLUMNS) or _pick(table, SHARE_COLUMNS, True)
    label_col = _pick(table, LABEL_COLUMNS, numeric=False)
    if value_col is None or label_col is None:
        return None
    cols = _columns(table)
    share_col = next((c for c in cols if c.lower() in SHARE_COLUMNS and c != value_col and _numeric(table, c)), None)
    vi, li = cols.index(value_col), cols.index(label_col)
    si = cols.index(share_col) if share_col else None
    shown = rows[:max_bars]
    values = [number(_text(r[vi])) or 0.0 for r in shown]
    top, step = _axis(max(values), integers=all(v == int(v) for v in values))
    label_width, plot_width, bar_height, gap = 320, 380, 20, 8
    bars = []
    for n, (row, value) in enumerate(zip(shown, values, strict=True)):
        text = format_number(value)
        if si is not None and number(_text(row[si])) is not None:
            text += f" ({_share_text(number(_text(row[si])) or 0.0)})"
        label = _text(row[li])
        bars.append(Bar(label, label if len(label) <= 44 else label[:43] + "…", value, text, 10 + n * (bar_height + gap),
                        plot_width * value / top, row[li].get("href")))
    ticks = [(plot_width * k * step / top, format_number(k * step)) for k in range(round(top / step) + 1)]
    height = 10 + len(bars) * (bar_height + gap) + 44
    axis_text = axis or value_col
    desc = f"{len(bars)} bars, one per {label_col}; bar length: {axis_text}" + \
        (f" (first {max_bars} of {len(rows)} rows)" if len(rows) > max_bars else "")
    return BarChart(title, desc, axis_text, bars, label_width + plot_width + 130, height, label_width, plot_width,
                    bar_height, ticks)


def line_chart(table: dict[str, Any], title: str) -> LineChart | None:
    """The line chart of a trend table (a year column, a share column and a series label column);
    None when the table lacks one of them or has no rows."""
    rows = table.get("rows") or []
    if table.get("kind") != "select" or not rows:
        return None
    cols = _columns(table)
    x_col = next((c for c in cols if c.lower() in [x.lower() for x in X_COLUMNS]), None)
    y_col = _pick(table, SHARE_COLUMNS, numeric=True, skip=(x_col,) if x_col else ())
    label_col = _pick(table, LABEL_COLUMNS, numeric=False, skip=(x_col,) if x_col else ())
    if x_col is None or y_col is None or label_col is None:
        return None
    xi, yi, li = cols.index(x_col), cols.index(y_col), cols.index(label_col)
    data: dict[str, dict[str, float]] = {}
    for row in rows:
        y = number(_text(row[yi]))
        if y is None:
            continue
        data.setdefault(_text(row[li]), {})[_text(row[xi])] = y * 100 if y <= 1 else y
    xs = sorted({x for points in data.values() for x in points}, key=lambda x: (number(x) is None, number(x) or 0, x))
    if not xs:
        return None
    # the series that matter most to a sponsor: the highest latest share first
    ranked = sorted(data, key=lambda s: (-max(data[s].values()), s))
    shown = ranked[:MAX_SERIES]
    left, top, plot_width, plot_height = 60, 20, 560, 220
    step = plot_width / max(1, len(xs) - 1) if len(xs) > 1 else 0.0

    def xpos(i: int) -> float:
        return left + (i * step if len(xs) > 1 else plot_width / 2)

    def ypos(pct: float) -> float:
        return top + plot_height * (1 - pct / 100)

    series = []
    for n, label in enumerate(shown):
        points = [Point(xpos(i), ypos(data[label][x]), _share_text(data[label][x] / 100),
                        f"{label}, {x}: {_share_text(data[label][x] / 100)}")
                  for i, x in enumerate(xs) if x in data[label]]
        series.append(Series(label, points, COLOURS[n % len(COLOURS)], MARKERS[n % len(MARKERS)],
                             DASHES[n % len(DASHES)]))
    desc = (f"share of registered systems failing each rule, by registration {x_col}: {len(shown)} line(s), "
            f"{len(xs)} {x_col}(s)")
    return LineChart(title, desc, x_col, "share of systems failing (%)", series,
                     [(xpos(i), x) for i, x in enumerate(xs)],
                     [(ypos(p), f"{p}%") for p in (0, 25, 50, 75, 100)],
                     left + plot_width + 40, top + plot_height + 60, left, top, plot_width, plot_height,
                     hidden=len(ranked) - len(shown))


def chart_for(name: str, table: dict[str, Any], title: str) -> BarChart | LineChart | None:
    """The chart of one sector query: the trend as lines, the others as bars."""
    if name.endswith("-trend"):
        return line_chart(table, title)
    return bar_chart(table, title)
