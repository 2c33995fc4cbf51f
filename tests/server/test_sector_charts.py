"""The Sector page's SVG charts (emskg.server.web.charts): which columns they read, their geometry,
and that every figure is there as text (the page itself is tested in Chromium: test_web_sector.py)."""

from __future__ import annotations

from typing import Any

from emskg.server.web.charts import BarChart, LineChart, bar_chart, chart_for, format_number, line_chart


def _table(columns: list[str], rows: list[list[str]]) -> dict[str, Any]:
    return {"kind": "select", "columns": columns, "truncated": False,
            "rows": [[{"text": v, "title": v} if v.startswith("https://") else {"text": v} for v in row] for row in rows]}


GAPS = _table(["rule", "label", "systems", "share"], [
    ["https://w3id.org/emskg/shapes#InternalAuditShape", "Internal audit", "2", "0.4"],
    ["https://w3id.org/emskg/shapes#PolicyShape", "Policy", "1", "0.2"],
])


def test_bar_chart_reads_label_and_count_columns_and_writes_values_as_text() -> None:
    chart = bar_chart(GAPS, "Rules most systems fail")
    assert isinstance(chart, BarChart)
    assert [(b.label, b.value, b.text) for b in chart.bars] == [("Internal audit", 2.0, "2 (40%)"),
                                                                ("Policy", 1.0, "1 (20%)")]
    assert chart.axis == "systems"
    # the axis ends at a round number at or above the largest value; bar lengths are proportional
    assert [t[1] for t in chart.ticks] == ["0", "1", "2"]  # counts: whole-number ticks
    assert chart.bars[0].width == chart.plot_width and chart.bars[1].width == chart.plot_width / 2
    many = bar_chart(_table(["label", "systems"], [["a", "16000"], ["b", "7"]]), "t")
    assert many is not None and [t[1] for t in many.ticks] == ["0", "5000", "10000", "15000", "20000"]
    shares = bar_chart(_table(["label", "share"], [["a", "0.35"], ["b", "0.1"]]), "t")
    assert shares is not None and [t[1] for t in shares.ticks] == ["0", "0.12", "0.25", "0.38", "0.5"]
    assert chart.bars[1].y > chart.bars[0].y
    assert chart_for("sector-gaps", GAPS, "t").kind == "bar"  # type: ignore[union-attr]


def test_no_chart_without_rows_or_numbers() -> None:
    assert bar_chart(_table(["rule", "label", "systems"], []), "t") is None
    assert bar_chart(_table(["label", "note"], [["a", "b"]]), "t") is None
    assert bar_chart({"kind": "ask", "boolean": True, "columns": [], "rows": []}, "t") is None


def test_line_chart_one_series_per_rule_with_shapes_and_dashes() -> None:
    trend = _table(["year", "rule", "label", "share", "systems"], [
        ["2024", "https://w3id.org/emskg/shapes#PolicyShape", "Policy", "0.5", "1"],
        ["2025", "https://w3id.org/emskg/shapes#PolicyShape", "Policy", "0.25", "1"],
        ["2025", "https://w3id.org/emskg/shapes#InternalAuditShape", "Internal audit", "1", "4"],
    ])
    chart = chart_for("sector-trend", trend, "Trend")
    assert isinstance(chart, LineChart)
    assert [x for _, x in chart.x_ticks] == ["2024", "2025"]
    assert [s.label for s in chart.series] == ["Internal audit", "Policy"]  # highest share first
    audit, policy = chart.series
    assert [p.text for p in policy.points] == ["50%", "25%"] and [p.text for p in audit.points] == ["100%"]
    assert audit.marker != policy.marker and audit.dash != policy.dash and audit.colour != policy.colour
    # y: 100 % at the top of the plot, 0 % at the bottom
    assert audit.points[0].y == chart.top and policy.points[1].y == chart.top + chart.plot_height * 0.75
    assert line_chart(_table(["label", "share"], [["a", "0.5"]]), "t") is None  # no year column


def test_numbers_are_written_plainly() -> None:
    assert [format_number(v) for v in (2.0, 0.5, 1 / 3, 40.0)] == ["2", "0.5", "0.33", "40"]
