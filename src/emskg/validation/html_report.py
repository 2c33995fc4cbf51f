"""The validation report managers read: one self-contained, printable HTML page per run.

For every declared system: what it is (utility, framework, outcomes, scope), a Plan/Do/Check/Act
scorecard, the gaps ordered by importance (missing core elements and components first), each with the
report's reasoning and the initiatives that would fill it in the report's words, and what is already
in place. Inline CSS only — no script, no font, no image, no link to fetch — and a print stylesheet,
so the page prints to PDF from a browser and can be mailed as one file.

Rendering reads the run report alone; the systems' summaries come from a validator built with
``summarize=True`` (without them the page lists the results by file). The output depends only on the
run, so regenerating it gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape

from .model import FileReport, RunReport, SystemSummary, ValidationResult

__all__ = ["render_html"]

_CSS = """
:root { --ink:#1b2733; --muted:#5b6b7a; --line:#d7dee5; --ok:#1e7b45; --warn:#9a6700; --bad:#b42318; --accent:#1f4e79; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink);
       max-width: 60rem; margin: 2rem auto; padding: 0 1.25rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; color: var(--accent); }
h2 { font-size: 1.3rem; margin: 2rem 0 .5rem; border-bottom: 2px solid var(--accent); padding-bottom: .2rem; }
h3 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
.muted { color: var(--muted); }
.verdict { display: inline-block; padding: .15rem .6rem; border-radius: 1rem; font-weight: 600; font-size: .9rem; }
.verdict.ok { background: #e3f4ea; color: var(--ok); } .verdict.bad { background: #fde8e6; color: var(--bad); }
.verdict.warn { background: #fff4d6; color: var(--warn); }
dl.facts { display: grid; grid-template-columns: 12rem 1fr; gap: .2rem 1rem; margin: .5rem 0 1rem; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
table.scorecard { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
table.scorecard th, table.scorecard td { border: 1px solid var(--line); padding: .4rem .6rem; text-align: left;
  vertical-align: middle; }
table.scorecard th { background: #eef3f8; }
.bar { background: #eef1f4; height: .6rem; border-radius: .3rem; overflow: hidden; min-width: 8rem; }
.bar span { display: block; height: 100%; background: var(--accent); }
ol.gaps { padding-left: 1.4rem; } ol.gaps > li { margin: 0 0 1rem; break-inside: avoid; }
.badge { display: inline-block; font-size: .75rem; font-weight: 700; padding: .05rem .45rem; border-radius: .3rem;
         margin-right: .3rem; text-transform: uppercase; letter-spacing: .03em; }
.badge.Violation { background: var(--bad); color: #fff; } .badge.Warning { background: var(--warn); color: #fff; }
.badge.core { background: var(--accent); color: #fff; } .badge.comp { background: #eef3f8; color: var(--accent); }
.why { margin: .25rem 0; }
ul.fill { margin: .3rem 0 0; padding-left: 1.2rem; } ul.fill li { margin: .2rem 0; }
blockquote { margin: .15rem 0 0; padding-left: .6rem; border-left: 3px solid var(--line); color: var(--muted);
  font-size: .92rem; }
.inplace { columns: 2; column-gap: 2rem; } .inplace section { break-inside: avoid; margin-bottom: .8rem; }
.inplace h4 { margin: 0 0 .2rem; font-size: .95rem; color: var(--accent); }
.inplace ul { margin: 0; padding-left: 1.1rem; }
.num { color: var(--muted); font-variant-numeric: tabular-nums; margin-right: .3rem; }
footer { margin-top: 3rem; font-size: .8rem; color: var(--muted); border-top: 1px solid var(--line); padding-top: .5rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  .system { break-before: page; } .system:first-of-type { break-before: auto; }
  h2, h3 { break-after: avoid; } a { color: inherit; text-decoration: none; }
  .bar span { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  .badge, .verdict { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""


def render_html(report: RunReport, fail_on: str = "violation") -> str:
    """The run as one HTML page (a string); ``fail_on`` decides the verdict shown for a warning-only file."""
    files = report.files
    title = "Management system self-assessment"
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
             f"<header><h1>{escape(title)}</h1>",
             '<p class="muted">Checked against the continual improvement framework of the <em>EMS Integration Project '
             "Workgroup Final Report</em> (WEF, AMSA, US EPA): the plan–do–check–act components, the Appendix C "
             "elements and the core elements of section 3.2.1. For every gap, the initiatives of the report that "
             f"would fill it, in the report's words. {len(files)} declaration{'s' if len(files) != 1 else ''}.</p></header>"]
    for f in files:
        parts.extend(_file(f, fail_on))
    parts.append("<footer>Generated by emskg from the knowledge graph of the report. "
                 "Print this page or save it as PDF from the browser.</footer></body></html>")
    return "\n".join(parts) + "\n"


def _verdict(f: FileReport, fail_on: str) -> str:
    if f.error is not None:
        return '<span class="verdict bad">could not be read</span>'
    violations, warnings = f.count("Violation"), f.count("Warning")
    if violations:
        return f'<span class="verdict bad">{violations} gap{"s" if violations != 1 else ""} to close</span>'
    if warnings:
        cls = "bad" if fail_on == "warning" else "warn"
        return f'<span class="verdict {cls}">conforms, {warnings} point{"s" if warnings != 1 else ""} to improve</span>'
    return '<span class="verdict ok">conforms</span>'


def _file(f: FileReport, fail_on: str) -> Iterator[str]:
    yield f'<article class="file"><h2>{escape(f.file)} {_verdict(f, fail_on)}</h2>'
    if f.error is not None:
        yield f"<p>{escape(f.error)}</p></article>"
        return
    placed: set[int] = set()
    for s in f.systems:
        own = [(i, r) for i, r in enumerate(f.results) if r.focus_node in s.members]
        placed.update(i for i, _ in own)
        yield from _system(s, [r for _, r in own])
    rest = [r for i, r in enumerate(f.results) if i not in placed]
    if rest:
        yield "<h3>Findings</h3>" if f.systems else ""
        yield from _gaps(rest)
    if not f.results and not f.systems:
        yield "<p>No findings.</p>"
    yield "</article>"


def _system(s: SystemSummary, results: list[ValidationResult]) -> Iterator[str]:
    name = s.label or s.system
    yield f'<section class="system"><h3>{escape(name)}</h3>'
    facts = [("Operated by", s.utility), ("Based on framework", ", ".join(s.frameworks) or "none declared"),
             ("Tools used", ", ".join(s.initiatives) or None), ("Outcomes selected", ", ".join(s.outcomes) or "none"),
             ("Policy statement", s.policy or "none declared"), ("Management commitment", s.commitment or "none declared"),
             ("Objectives", f"{len(s.objectives)}" + (f": {'; '.join(s.objectives)}" if s.objectives else "")),
             ("Value-chain stages in scope", ", ".join(s.stages) or None)]
    yield '<dl class="facts">' + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts if v) + "</dl>"
    yield ('<table class="scorecard"><thead><tr><th>Component</th><th>Appendix C elements in place</th><th></th>'
           "<th>Gaps</th></tr></thead><tbody>")
    for c in s.scorecard:
        pct = round(100 * c.in_place / c.outline) if c.outline else 0
        status = ('<span class="verdict bad">' + f"{c.violations} gap{'s' if c.violations != 1 else ''}</span>"
                  if c.violations else ('<span class="verdict ok">none</span>' if c.in_place else
                                        '<span class="verdict bad">nothing in place</span>'))
        yield (f"<tr><th>{escape(c.component.capitalize())}</th><td>{c.in_place} of {c.outline}</td>"
               f'<td><div class="bar"><span style="width:{pct}%"></span></div></td><td>{status}</td></tr>')
    yield "</tbody></table>"
    violations = [r for r in results if r.severity == "Violation"]
    others = [r for r in results if r.severity != "Violation"]
    if violations:
        yield "<h4>Gaps, most important first</h4>"
        yield from _gaps(violations)
    else:
        yield "<p>No gap against what the report requires.</p>"
    if others:
        yield "<h4>Points to improve</h4>"
        yield from _gaps(others)
    yield "<h4>Already in place</h4>"
    if s.elements:
        yield '<div class="inplace">'
        for comp in [c.component for c in s.scorecard]:
            items = [e for e in s.elements if e.component == comp]
            if not items:
                continue
            yield f"<section><h4>{escape(comp.capitalize())}</h4><ul>"
            for e in items:
                core = ' <span class="badge core">core</span>' if e.core else ""
                how = "" if e.declared else ' <span class="muted">(through a sub-element)</span>'
                yield f'<li><span class="num">{escape(e.number)}</span>{escape(e.label)}{core}{how}</li>'
            yield "</ul></section>"
        yield "</div>"
    else:
        yield "<p>No Appendix C element declared.</p>"
    yield "</section>"


def _gaps(results: list[ValidationResult]) -> Iterator[str]:
    ordered = sorted(results, key=lambda r: (r.importance, r.gap_component or "~", r.source_shape, r.focus_node,
                                             r.value or ""))
    yield '<ol class="gaps">'
    for r in ordered:
        badges = f'<span class="badge {escape(r.severity)}">{escape(r.severity.lower())}</span>'
        if r.core_gap:
            badges += '<span class="badge core">core</span>'
        if r.gap_component:
            badges += f'<span class="badge comp">{escape(r.gap_component)}</span>'
        about = r.focus_label or r.focus_node
        value = f" — {escape(r.value_label or r.value or '')}" if r.value else ""
        yield f'<li>{badges}<strong>{escape(about)}</strong>{value}<p class="why">{escape(r.message)}</p>'
        if r.suggestions:
            yield "<div>Initiatives of the report that would fill this gap:</div><ul class=\"fill\">"
            for sg in r.suggestions:
                kind = "framework" if sg.is_framework else "tool"
                yield (f"<li><strong>{escape(sg.label)}</strong> <span class=\"muted\">({kind}; "
                       f"{escape(sg.source_label)})</span><blockquote>“{escape(sg.why)}”</blockquote></li>")
            yield "</ul>"
        yield "</li>"
    yield "</ol>"
