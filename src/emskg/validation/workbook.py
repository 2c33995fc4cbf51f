"""Declarations as spreadsheets: the workbook a manager fills in, and back to RDF, losslessly.

One sheet per part of a declaration, in the report's terms (utilities, management systems, policy and
commitment, framework and initiatives, outcomes, the Appendix C elements as a checklist, objectives
with target, metric, review and owner, reviews, owners, value-chain scope). Pick-list columns offer
the knowledge graph's labels (data validation from a hidden ``Lists`` sheet).

Lossless for the declaration vocabulary: every node keeps its IRI (or ``_:label``) in an ``Id``
column, and a triple that fits no sheet — a second label, an untyped objective, a literal where a
term belongs — is kept verbatim in ``Other statements`` (N-Triples terms), so Turtle → workbook →
Turtle gives an isomorphic graph. A row without an id gets a stable one made from its name
(``urn:emskg:objective:reduce-phosphorus``).

Reading is bounded: a workbook is a zip archive, so its declared uncompressed size and each sheet's
rows are capped before openpyxl reads them. Every mistake is one :class:`InputError` naming the sheet,
the row and the column.

openpyxl is imported inside the functions that need it (CLI start-up stays cheap).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from ..core.terms import Triple
from ..core.vocab import RDF_TYPE, RDFS_COMMENT, RDFS_LABEL, ems, xsd
from ..errors import InputError
from .picklists import PickList, PickLists, parse_term_text

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["MEDIA_TYPE", "SHEETS", "MAX_UNCOMPRESSED", "MAX_ROWS", "write_workbook", "read_workbook", "is_workbook"]

#: The media type of an .xlsx workbook (what POST /validate accepts it as).
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: A workbook whose parts declare more than this many bytes uncompressed is refused before reading.
MAX_UNCOMPRESSED = 16 * 1024 * 1024
#: Rows a sheet may have (a declaration has tens to hundreds).
MAX_ROWS = 20_000
_MAX_PARTS = 2_000

HOWTO = "How to fill this in"
UTILITIES, SYSTEMS, POLICY, INITIATIVES, OUTCOMES = (
    "Utilities", "Management systems", "Policy and commitment", "Framework and initiatives", "Outcomes")
ELEMENTS, OBJECTIVES, REVIEWS, OWNERS, SCOPE, OTHER, LISTS = (
    "Elements", "Objectives", "Reviews", "Owners", "Value-chain scope", "Other statements", "Lists")

SYSTEM = "Management system"
#: The data sheets and their header rows, in the order they appear in the workbook.
SHEETS: dict[str, tuple[str, ...]] = {
    UTILITIES: ("Id", "Utility", "Description"),
    SYSTEMS: ("Id", SYSTEM, "Description", "Operated by"),
    POLICY: ("Id", SYSTEM, "Kind", "Statement", "Details"),
    INITIATIVES: (SYSTEM, "Role", "Initiative", "Type"),
    OUTCOMES: (SYSTEM, "Management outcome"),
    ELEMENTS: (SYSTEM, "Component", "Appendix C", "Core element", "Element", "In place"),
    OBJECTIVES: ("Id", SYSTEM, "Objective", "Management outcome", "Owner", "Reviewed in", "Target id", "Target",
                 "Target value", "Target unit", "Deadline", "Metric id", "Metric", "Metric unit"),
    REVIEWS: ("Id", "Management review", "Frequency"),
    OWNERS: ("Id", "Owner"),
    SCOPE: (SYSTEM, "Value chain", "Value-chain stage"),
    OTHER: ("Subject", "Predicate", "Object"),
}

_KINDS = {"Policy statement": (ems("hasPolicy"), ems("PolicyStatement")),
          "Management commitment": (ems("hasCommitment"), ems("ManagementCommitment"))}
_ROLES = {"Based on framework": ems("basedOnFramework"), "Uses initiative": ems("usesInitiative")}
_YES = {"yes", "y", "x", "true", "1", "✓", "✔"}
_NO = {"no", "n", "", "false", "0", "-"}
_FREQUENCIES = {"yearly": "P1Y", "annually": "P1Y", "annual": "P1Y", "every six months": "P6M",
                "half-yearly": "P6M", "quarterly": "P3M", "monthly": "P1M", "weekly": "P1W", "daily": "P1D"}
_DURATION = re.compile(r"-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?")
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?\d*\.\d+")
_UNFIT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\r]")  # what a cell cannot hold, or XML rewrites (\r)

_TYPE = RDF_TYPE
_OPERATED_BY, _SELECTS, _IN_SCOPE, _IMPLEMENTS = (ems("operatedBy"), ems("selectsOutcome"), ems("inScope"),
                                                  ems("implementsElement"))
_HAS_OBJECTIVE, _FOR_OUTCOME, _HAS_TARGET, _MEASURED_BY = (ems("hasObjective"), ems("forOutcome"), ems("hasTarget"),
                                                          ems("measuredBy"))
_REVIEWED_IN, _RESPONSIBLE, _FREQUENCY = ems("reviewedIn"), ems("responsibleParty"), ems("frequency")
_TARGET_VALUE, _UNIT, _DEADLINE = ems("targetValue"), ems("unit"), ems("deadline")
_XSD_DECIMAL, _XSD_INTEGER, _XSD_DATE, _XSD_DURATION = xsd("decimal"), xsd("integer"), xsd("date"), xsd("duration")

Node = ox.NamedNode | ox.BlankNode
Term = ox.NamedNode | ox.BlankNode | ox.Literal


# ================================================================================================
# Writing
# ================================================================================================

class _Graph:
    """The declaration indexed by subject, and the triples the sheets have placed so far."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        self.triples: list[Triple] = list(dict.fromkeys(triples))
        self.out: dict[Term, dict[ox.NamedNode, list[Term]]] = defaultdict(lambda: defaultdict(list))
        self.uses_as_object: dict[Term, int] = defaultdict(int)
        for s, p, o in self.triples:
            self.out[s][p].append(o)
            self.uses_as_object[o] += 1
        self.placed: set[Triple] = set()

    def values(self, s: Term, p: ox.NamedNode) -> list[Term]:
        return self.out.get(s, {}).get(p, [])

    def nodes_of_type(self, cls: ox.NamedNode) -> list[Node]:
        return [s for s, p, o in self.triples if p == _TYPE and o == cls and isinstance(s, (ox.NamedNode, ox.BlankNode))]

    def has_type(self, s: Term, cls: ox.NamedNode) -> bool:
        return cls in self.values(s, _TYPE)

    def place(self, s: Term, p: ox.NamedNode, o: Term) -> None:
        self.placed.add((s, p, o))  # type: ignore[arg-type]

    def text(self, s: Term, p: ox.NamedNode) -> str:
        """One English literal of ``p`` that a cell holds exactly (placed), or ''."""
        for o in self.values(s, p):
            if isinstance(o, ox.Literal) and o.language == "en" and _fits(o.value):
                self.place(s, p, o)
                return o.value
        return ""

    def one(self, s: Term, p: ox.NamedNode, accept: Callable[[ox.Literal], Any]) -> Any:
        """The cell value of the first literal of ``p`` that ``accept`` turns into one (placed), or None."""
        for o in self.values(s, p):
            if isinstance(o, ox.Literal):
                v = accept(o)
                if v is not None:
                    self.place(s, p, o)
                    return v
        return None


def _fits(text: str) -> bool:
    """A text a cell gives back unchanged: not empty, no control characters, no edge whitespace,
    and not something the reader would take for a term or a list."""
    return bool(text) and text == text.strip() and not _UNFIT.search(text)


def _node_text(n: Term) -> str:
    return n.value if isinstance(n, ox.NamedNode) else f"_:{n.value}"


class _Refs:
    """How cells of other sheets name the rows of one sheet: by name when it is unique, else by id."""

    def __init__(self) -> None:
        self.names: dict[Node, str] = {}

    def add(self, node: Node, name: str) -> None:
        self.names[node] = name

    def cell(self, nodes: list[Node]) -> str:
        counts: dict[str, int] = defaultdict(int)
        for name in self.names.values():
            counts[name.casefold()] += 1
        parts = []
        for n in nodes:
            name = self.names.get(n, "")
            usable = name and counts[name.casefold()] == 1 and ";" not in name and parse_term_text(name) is None
            parts.append(name if usable else _node_text(n))
        return "; ".join(parts)


def _ref_ok(n: Term) -> bool:
    """A term a reference cell can name (an IRI or blank node without the list separator)."""
    return isinstance(n, (ox.NamedNode, ox.BlankNode)) and ";" not in n.value and not any(ch.isspace() for ch in n.value)


def _number_cell(lit: ox.Literal) -> int | float | str | None:
    if lit.datatype == _XSD_INTEGER and _INTEGER.fullmatch(lit.value) and str(int(lit.value)) == lit.value:
        return int(lit.value)
    if lit.datatype == _XSD_DECIMAL and _DECIMAL.fullmatch(lit.value) and repr(float(lit.value)) == lit.value:
        # a whole decimal (30.0) would come back as the integer 30: it stays text, read as a decimal
        return lit.value if float(lit.value).is_integer() else float(lit.value)
    return None


def _date_cell(lit: ox.Literal) -> dt.date | None:
    if lit.datatype != _XSD_DATE:
        return None
    try:
        d = dt.date.fromisoformat(lit.value)
    except ValueError:
        return None
    return d if d.isoformat() == lit.value else None


def _duration_cell(lit: ox.Literal) -> str | None:
    return lit.value if lit.datatype == _XSD_DURATION and _DURATION.fullmatch(lit.value) else None


def _sheet_rows(g: _Graph, picks: PickLists) -> dict[str, list[list[Any]]]:
    """Every data sheet's rows for the declaration ``g``; what no sheet holds goes to Other statements."""
    rows: dict[str, list[list[Any]]] = {name: [] for name in SHEETS}

    utilities = _Refs()
    for u in g.nodes_of_type(ems("Utility")):
        g.place(u, _TYPE, ems("Utility"))
        name = g.text(u, RDFS_LABEL)
        utilities.add(u, name)
        rows[UTILITIES].append([_node_text(u), name, g.text(u, RDFS_COMMENT)])

    systems = _Refs()
    system_nodes = g.nodes_of_type(ems("ManagementSystem"))
    for s in system_nodes:
        systems.add(s, g.text(s, RDFS_LABEL))
    for s in system_nodes:
        g.place(s, _TYPE, ems("ManagementSystem"))
        ops = [o for o in g.values(s, _OPERATED_BY) if _ref_ok(o)]
        for o in ops:
            g.place(s, _OPERATED_BY, o)
        rows[SYSTEMS].append([_node_text(s), systems.names[s], g.text(s, RDFS_COMMENT), utilities.cell(ops)])  # type: ignore[arg-type]

    # policy and commitment: one row a statement, listing the systems that have it
    for kind, (prop, cls) in _KINDS.items():
        holders: dict[Node, list[Node]] = defaultdict(list)
        for s in system_nodes:
            for o in g.values(s, prop):
                if _ref_ok(o) and g.has_type(o, cls):
                    holders[o].append(s)  # type: ignore[index]
        for node, syss in holders.items():
            for s in syss:
                g.place(s, prop, node)
            g.place(node, _TYPE, cls)
            rows[POLICY].append([_node_text(node), systems.cell(syss), kind, g.text(node, RDFS_LABEL),
                                 g.text(node, RDFS_COMMENT)])

    def picked(sheet: str, prop: ox.NamedNode, plist: PickList, extra: Callable[[Term], list[Any]]) -> None:
        for s in system_nodes:
            for o in g.values(s, prop):
                if _ref_ok(o):
                    g.place(s, prop, o)
                    rows[sheet].append([systems.cell([s]), *extra(o), plist.display(o)])  # type: ignore[arg-type]

    for role, prop in _ROLES.items():
        for s in system_nodes:
            for o in g.values(s, prop):
                if _ref_ok(o):
                    g.place(s, prop, o)
                    c = picks.initiatives.get(o.value) if isinstance(o, ox.NamedNode) else None
                    rows[INITIATIVES].append([systems.cell([s]), role, picks.initiatives.display(o),  # type: ignore[arg-type]
                                              c.group if c else ""])
    picked(OUTCOMES, _SELECTS, picks.outcomes, lambda o: [])

    def chain(o: Term) -> list[Any]:
        c = picks.stages.get(o.value) if isinstance(o, ox.NamedNode) else None
        return [c.group if c else ""]
    picked(SCOPE, _IN_SCOPE, picks.stages, chain)

    # elements: per system, the whole Appendix C outline as a checklist, then what the graph lacks
    for s in system_nodes:
        implemented = [o for o in g.values(s, _IMPLEMENTS) if _ref_ok(o)]
        for o in implemented:
            g.place(s, _IMPLEMENTS, o)
        names = {o.value for o in implemented if isinstance(o, ox.NamedNode)}
        for c in picks.elements.choices:
            rows[ELEMENTS].append([systems.cell([s]), c.group, c.number, "core" if c.core else "", c.label,
                                   "yes" if c.iri in names else "no"])
        for o in implemented:
            if not (isinstance(o, ox.NamedNode) and picks.elements.get(o.value)):
                rows[ELEMENTS].append([systems.cell([s]), "", "", "", picks.elements.display(o), "yes"])  # type: ignore[arg-type]

    # reviews and owners first, so objectives can name them
    reviews = _Refs()
    for r in g.nodes_of_type(ems("ManagementReview")):
        g.place(r, _TYPE, ems("ManagementReview"))
        name = g.text(r, RDFS_LABEL)
        reviews.add(r, name)
        rows[REVIEWS].append([_node_text(r), name, g.one(r, _FREQUENCY, _duration_cell) or ""])
    owners = _Refs()
    objective_holders: dict[Node, list[Node]] = defaultdict(list)
    for s in system_nodes:
        for o in g.values(s, _HAS_OBJECTIVE):
            if _ref_ok(o) and g.has_type(o, ems("Objective")):
                objective_holders[o].append(s)  # type: ignore[index]
    for obj in objective_holders:
        for p in g.values(obj, _RESPONSIBLE):
            if _ref_ok(p) and p not in owners.names:
                owners.add(p, g.text(p, RDFS_LABEL))  # type: ignore[arg-type]
                rows[OWNERS].append([_node_text(p), owners.names[p]])  # type: ignore[index]

    for obj, syss in objective_holders.items():
        for s in syss:
            g.place(s, _HAS_OBJECTIVE, obj)
        g.place(obj, _TYPE, ems("Objective"))
        outcomes = [o for o in g.values(obj, _FOR_OUTCOME) if _ref_ok(o)]
        party = [o for o in g.values(obj, _RESPONSIBLE) if _ref_ok(o)]
        reviewed = [o for o in g.values(obj, _REVIEWED_IN) if _ref_ok(o)]
        for prop, vals in ((_FOR_OUTCOME, outcomes), (_RESPONSIBLE, party), (_REVIEWED_IN, reviewed)):
            for v in vals:
                g.place(obj, prop, v)
        label = g.text(obj, RDFS_LABEL)
        target = _inline(g, obj, _HAS_TARGET, ems("Target"))
        metric = _inline(g, obj, _MEASURED_BY, ems("Metric"))
        t_cells: list[Any] = ["", "", "", "", ""]
        if target is not None:
            t_cells = [_node_text(target), g.text(target, RDFS_LABEL), g.one(target, _TARGET_VALUE, _number_cell),
                       g.text(target, _UNIT), g.one(target, _DEADLINE, _date_cell)]
        m_cells: list[Any] = ["", "", ""]
        if metric is not None:
            m_cells = [_node_text(metric), g.text(metric, RDFS_LABEL), g.text(metric, _UNIT)]
        rows[OBJECTIVES].append([_node_text(obj), systems.cell(syss), label,
                                 "; ".join(picks.outcomes.display(o) for o in outcomes),  # type: ignore[arg-type]
                                 owners.cell(party), reviews.cell(reviewed), *t_cells, *m_cells])  # type: ignore[arg-type]

    for s, p, o in g.triples:
        if (s, p, o) not in g.placed:
            rows[OTHER].append([str(s), str(p), str(o)])
    return rows


def _inline(g: _Graph, obj: Node, prop: ox.NamedNode, cls: ox.NamedNode) -> Node | None:
    """The one target (metric) of an objective when it can live in the objective's row: typed, named
    by nothing else, and the objective's only one."""
    vals = g.values(obj, prop)
    if len(vals) != 1:
        return None
    node = vals[0]
    if not _ref_ok(node) or not g.has_type(node, cls) or g.uses_as_object[node] != 1:
        return None
    g.place(obj, prop, node)
    g.place(node, _TYPE, cls)
    return node  # type: ignore[return-value]


def write_workbook(triples: Iterable[Triple], picks: PickLists) -> bytes:
    """The declaration as an .xlsx workbook (no triples: the empty template with its pick lists)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    rows = _sheet_rows(_Graph(triples), picks)
    if not rows[SYSTEMS]:  # the template: the checklist of elements, ready to tick for one system
        rows[ELEMENTS] = [["", c.group, c.number, "core" if c.core else "", c.label, "no"] for c in picks.elements.choices]

    wb = Workbook()
    howto = wb.active
    assert howto is not None
    howto.title = HOWTO
    for line in _HOWTO_TEXT:
        howto.append([line])
    howto["A1"].font = Font(bold=True, size=14)
    howto.column_dimensions["A"].width = 120

    lists = wb.create_sheet(LISTS)
    columns = {"elements": picks.elements.labels, "initiatives": picks.initiatives.labels,
               "outcomes": picks.outcomes.labels, "stages": picks.stages.labels, "kinds": list(_KINDS),
               "roles": list(_ROLES), "yesno": ["yes", "no"], "frequency": ["P1Y", "P6M", "P3M", "P1M", "P1W"]}
    refs = {}
    for i, (key, values) in enumerate(columns.items(), start=1):
        letter = _col(i)
        lists.cell(row=1, column=i, value=key)
        for r, v in enumerate(values, start=2):
            _set(lists.cell(row=r, column=i), v)
        refs[key] = f"'{LISTS}'!${letter}$2:${letter}${len(values) + 1}"
    lists.sheet_state = "hidden"

    validations = {POLICY: {"Kind": "kinds"}, INITIATIVES: {"Role": "roles", "Initiative": "initiatives"},
                   OUTCOMES: {"Management outcome": "outcomes"}, ELEMENTS: {"Element": "elements", "In place": "yesno"},
                   OBJECTIVES: {"Management outcome": "outcomes"}, REVIEWS: {"Frequency": "frequency"},
                   SCOPE: {"Value-chain stage": "stages"}}
    head_font, head_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79")
    for name, header in SHEETS.items():
        ws = wb.create_sheet(name, index=len(wb.sheetnames) - 1)
        ws.append(list(header))
        for c in ws[1]:
            c.font, c.fill = head_font, head_fill
            c.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows[name]:
            ws.append([None] * len(header))
            for j, v in enumerate(row, start=1):
                _set(ws.cell(row=ws.max_row, column=j), v)
        ws.freeze_panes = "A2"
        for j, h in enumerate(header, start=1):
            ws.column_dimensions[_col(j)].width = 14 if h in ("Id", "Target id", "Metric id") else max(16, min(60, len(h) + 24))
        for j, h in enumerate(header, start=1):
            if h in validations.get(name, {}):
                dv = DataValidation(type="list", formula1=f"={refs[validations[name][h]]}", allow_blank=True,
                                    errorStyle="warning", showErrorMessage=True,
                                    error="Not one of the knowledge graph's values: pick from the list.")
                dv.add(f"{_col(j)}2:{_col(j)}{MAX_ROWS}")
                ws.add_data_validation(dv)
            if h in ("Deadline",):
                for r in range(2, ws.max_row + 1):
                    ws.cell(row=r, column=j).number_format = "yyyy-mm-dd"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _col(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(i))


def _set(cell: Any, value: Any) -> None:
    """Write a value as data: a text that starts with ``=`` stays text, never becomes a formula."""
    cell.value = value if value != "" else None
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


_HOWTO_TEXT = [
    "How to fill this in",
    "",
    "This workbook declares a water or wastewater utility's continual improvement management system, in the terms of the",
    "EMS Integration Project Workgroup Final Report. `emskg validate FILE.xlsx` checks it against the report's framework and,",
    "for every gap, names the initiatives that would fill it. `emskg convert FILE.xlsx -o FILE.ttl` turns it into Turtle.",
    "",
    "Sheets",
    "  Utilities — the utility (one row).",
    "  Management systems — the system: its name, a description and the utility that operates it.",
    "  Policy and commitment — the policy statement and the management commitment (Appendix C I.A, I.B).",
    "  Framework and initiatives — the framework the system is based on (ISO 14001, ...) and the tools it uses (section 5).",
    "  Outcomes — the management outcomes the system selects: they define its scope (section 3.1.1, Appendix C II.A).",
    "  Elements — the Appendix C elements as a checklist by Plan / Do / Check / Act: write yes where one is in place.",
    "  Core elements (marked) are required whatever the outcomes (section 3.2.1).",
    "  Objectives — one row per objective: its outcome, owner, the review it is reviewed in, its target and metric.",
    "  Reviews — the management reviews and how often they take place (P1Y = yearly, P3M = quarterly, or write 'yearly').",
    "  Owners — the business units or people responsible for objectives.",
    "  Value-chain scope — the stages of the drinking water, wastewater or stormwater value chain in scope.",
    "  Other statements — anything else, as RDF terms (leave it alone unless you know RDF).",
    "",
    "Rules",
    "  Columns with a drop-down take the knowledge graph's names; a CURIE (kb:ISO14001) or an IRI works too.",
    "  The 'Management system' column may stay empty when the workbook declares one system.",
    "  Cells naming other rows (Operated by, Owner, Reviewed in) take that row's name or id; separate several with ';'.",
    "  Leave 'Id' columns empty for new rows: each gets a stable id made from its name. Keep the ids that are there.",
    "  Frequencies are durations (P1Y, P6M, P3M, P1M) or words (yearly, quarterly, monthly); deadlines are dates.",
]


# ================================================================================================
# Reading
# ================================================================================================

class _Sheet:
    """One data sheet's rows, with the cell errors named by sheet, row and column."""

    def __init__(self, source: str, name: str, header: tuple[str, ...], rows: list[tuple[int, list[Any]]],
                 columns: dict[str, int]) -> None:
        self.source, self.name, self.rows, self.columns = source, name, rows, columns

    def error(self, row: int, column: str, message: str) -> InputError:
        j = self.columns.get(column)
        where = f"column {column!r}" + (f" ({_col(j + 1)})" if j is not None else "")
        return InputError(f"{self.source}: sheet {self.name!r}, row {row}, {where}: {message}")

    def cell(self, row: list[Any], column: str) -> Any:
        j = self.columns.get(column)
        v = row[j] if j is not None and j < len(row) else None
        if isinstance(v, str):
            v = v.strip()
            return v or None
        return v

    def text(self, r: int, row: list[Any], column: str) -> str:
        v = self.cell(row, column)
        if v is None:
            return ""
        if isinstance(v, (dt.date, dt.datetime, dt.time)):
            raise self.error(r, column, f"expected text, found the date {v.isoformat()}")
        if isinstance(v, bool):
            return "yes" if v else "no"
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)


def is_workbook(data: bytes) -> bool:
    """Whether ``data`` starts like a zip archive (an .xlsx workbook is one)."""
    return data[:4] == b"PK\x03\x04"


def _open(data: bytes, source: str) -> Any:
    """The workbook, after checking it is a bounded zip archive. Raises ``InputError`` otherwise."""
    from openpyxl import load_workbook

    if not is_workbook(data):
        raise InputError(f"{source}: not a spreadsheet workbook (.xlsx): it is not a zip archive")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if len(infos) > _MAX_PARTS:
                raise InputError(f"{source}: the workbook has {len(infos)} parts (at most {_MAX_PARTS})")
            total = sum(i.file_size for i in infos)
            if total > MAX_UNCOMPRESSED:
                raise InputError(f"{source}: the workbook unpacks to {total} bytes (at most {MAX_UNCOMPRESSED})")
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except InputError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{source}: not a readable .xlsx workbook ({detail})") from None
    except Exception as exc:  # openpyxl raises assorted errors (XML parse errors among them) on a corrupt part
        raise InputError(f"{source}: not a readable .xlsx workbook ({type(exc).__name__})") from None


def _read_sheet(wb: Any, name: str, source: str) -> _Sheet:
    if name not in wb.sheetnames:
        raise InputError(f"{source}: missing sheet {name!r} (the workbook of `emskg template` has it)")
    ws: Worksheet = wb[name]
    header = SHEETS[name]
    rows: list[tuple[int, list[Any]]] = []
    columns: dict[str, int] = {}
    for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if r > MAX_ROWS + 1:
            raise InputError(f"{source}: sheet {name!r} has more than {MAX_ROWS} rows")
        vals = list(values)
        if r == 1:
            for j, v in enumerate(vals):
                if isinstance(v, str) and v.strip() in header:
                    columns.setdefault(v.strip(), j)
            for h in header:
                if h not in columns:
                    raise InputError(f"{source}: sheet {name!r}, row 1: missing column {h!r}")
            continue
        if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in vals):
            rows.append((r, vals))
    if not columns:
        raise InputError(f"{source}: sheet {name!r}, row 1: missing the header row ({', '.join(header)})")
    return _Sheet(source, name, header, rows, columns)


@dataclass
class _Ids:
    """Ids of a sheet's rows: given, or made from the name (stable: same name, same id)."""

    kind: str
    used: set[str]

    def make(self, name: str) -> ox.NamedNode:
        slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:60] or "row"
        iri, n = f"urn:emskg:{self.kind}:{slug}", 2
        while iri in self.used:
            iri, n = f"urn:emskg:{self.kind}:{slug}-{n}", n + 1
        self.used.add(iri)
        return ox.NamedNode(iri)


def read_workbook(data: bytes, picks: PickLists, source: str = "<workbook>") -> list[Triple]:
    """The declaration a workbook holds, as triples. Raises ``InputError`` naming the sheet, the row
    and the column of the first mistake (or saying why the file is not a workbook)."""
    wb = _open(data, source)
    try:
        sheets = {name: _read_sheet(wb, name, source) for name in SHEETS}
    except InputError:
        raise
    except Exception as exc:  # read-only mode parses a sheet's XML as it is read: a corrupt part fails here
        raise InputError(f"{source}: not a readable .xlsx workbook ({type(exc).__name__})") from None
    finally:
        wb.close()
    out: list[Triple] = []
    add = out.append
    used: set[str] = set()

    def node_id(sh: _Sheet, r: int, row: list[Any], column: str, ids: _Ids, name: str) -> Node:
        text = sh.text(r, row, column)
        if text:
            term = parse_term_text(text)
            if term is None:
                raise sh.error(r, column, f"{text!r} is not an IRI (leave it empty for a new row)")
            used.add(term.value)
            return term
        if not name:
            raise sh.error(r, column, "a row needs an id or a name")
        return ids.make(name)

    def named_rows(sheet: str, name_col: str, kind: str) -> list[tuple[int, list[Any], Node, str]]:
        sh = sheets[sheet]
        for _r, row in sh.rows:  # ids given anywhere are reserved before new ones are made
            t = parse_term_text(sh.text(_r, row, "Id"))
            if t is not None:
                used.add(t.value)
        ids = _Ids(kind, used)
        result = []
        for r, row in sh.rows:
            name = sh.text(r, row, name_col)
            result.append((r, row, node_id(sh, r, row, "Id", ids, name), name))
        return result

    class Lookup:
        """Names and ids of one sheet's rows, for the cells of other sheets that name them."""

        def __init__(self, sheet: str, rows: list[tuple[int, list[Any], Node, str]]) -> None:
            self.sheet = sheet
            self.by_name: dict[str, Node] = {}
            self.ids = {_node_text(n): n for _r, _row, n, _name in rows}
            for _r, _row, n, name in rows:
                if name:
                    self.by_name.setdefault(name.casefold(), n)

        def resolve(self, sh: _Sheet, r: int, column: str, text: str, lenient: bool = False) -> Node | None:
            if text in self.ids:
                return self.ids[text]
            if text.casefold() in self.by_name:
                return self.by_name[text.casefold()]
            term = parse_term_text(text)
            if term is not None and lenient:
                return term
            if lenient:
                return None
            raise sh.error(r, column, f"names no row of sheet {self.sheet!r}: {text!r}")

    def split(text: str) -> list[str]:
        return [p.strip() for p in text.split(";") if p.strip()]

    # utilities, systems
    utility_rows = named_rows(UTILITIES, "Utility", "utility")
    for r, row, u, _name in utility_rows:
        add((u, _TYPE, ems("Utility")))
        _literal(sheets[UTILITIES], r, row, "Utility", u, RDFS_LABEL, add)
        _literal(sheets[UTILITIES], r, row, "Description", u, RDFS_COMMENT, add)
    utilities = Lookup(UTILITIES, utility_rows)
    system_rows = named_rows(SYSTEMS, SYSTEM, "system")
    systems = Lookup(SYSTEMS, system_rows)
    for r, row, s, _name in system_rows:
        sh = sheets[SYSTEMS]
        add((s, _TYPE, ems("ManagementSystem")))
        _literal(sh, r, row, SYSTEM, s, RDFS_LABEL, add)
        _literal(sh, r, row, "Description", s, RDFS_COMMENT, add)
        for part in split(sh.text(r, row, "Operated by")):
            op = utilities.resolve(sh, r, "Operated by", part, lenient=True)
            if op is None:
                raise sh.error(r, "Operated by", f"names no utility of sheet {UTILITIES!r}: {part!r}")
            add((s, _OPERATED_BY, op))

    def systems_of(sh: _Sheet, r: int, row: list[Any]) -> list[Node]:
        text = sh.text(r, row, SYSTEM)
        if not text:
            if len(system_rows) != 1:
                raise sh.error(r, SYSTEM, f"name the management system (the workbook declares {len(system_rows)})")
            return [system_rows[0][2]]
        return [systems.resolve(sh, r, SYSTEM, part) for part in split(text)]  # type: ignore[misc]

    def pick(sh: _Sheet, r: int, row: list[Any], column: str, plist: PickList) -> list[Node]:
        out_terms = []
        for part in split(sh.text(r, row, column)):
            try:
                out_terms.append(plist.resolve(part))
            except ValueError as exc:
                raise sh.error(r, column, str(exc)) from None
        return out_terms

    # policy and commitment
    sh = sheets[POLICY]
    for r, row, node, _name in named_rows(POLICY, "Statement", "statement"):
        kind = sh.text(r, row, "Kind")
        match = next((k for k in _KINDS if k.casefold() == kind.casefold()), None)
        if match is None:
            raise sh.error(r, "Kind", f"write {' or '.join(repr(k) for k in _KINDS)}, not {kind!r}")
        prop, cls = _KINDS[match]
        for s in systems_of(sh, r, row):
            add((s, prop, node))
        add((node, _TYPE, cls))
        _literal(sh, r, row, "Statement", node, RDFS_LABEL, add)
        _literal(sh, r, row, "Details", node, RDFS_COMMENT, add)

    sh = sheets[INITIATIVES]
    for r, row in sh.rows:
        role = sh.text(r, row, "Role")
        rmatch = next((k for k in _ROLES if k.casefold() == role.casefold()), None)
        if rmatch is None:
            raise sh.error(r, "Role", f"write {' or '.join(repr(k) for k in _ROLES)}, not {role!r}")
        for s in systems_of(sh, r, row):
            for i in pick(sh, r, row, "Initiative", picks.initiatives):
                add((s, _ROLES[rmatch], i))
    for sheet, column, prop, plist in ((OUTCOMES, "Management outcome", _SELECTS, picks.outcomes),
                                       (SCOPE, "Value-chain stage", _IN_SCOPE, picks.stages)):
        sh = sheets[sheet]
        for r, row in sh.rows:
            values = pick(sh, r, row, column, plist)
            if values:
                for s in systems_of(sh, r, row):
                    for v in values:
                        add((s, prop, v))
    sh = sheets[ELEMENTS]
    for r, row in sh.rows:
        flag = sh.text(r, row, "In place").casefold()
        if flag in _NO:
            continue
        if flag not in _YES:
            raise sh.error(r, "In place", f"write yes or no, not {flag!r}")
        elements = pick(sh, r, row, "Element", picks.elements)
        if not elements:
            raise sh.error(r, "Element", "name the element that is in place")
        for s in systems_of(sh, r, row):
            for e in elements:
                add((s, _IMPLEMENTS, e))

    # reviews, owners, objectives
    sh = sheets[REVIEWS]
    review_rows = named_rows(REVIEWS, "Management review", "review")
    for r, row, node, _name in review_rows:
        add((node, _TYPE, ems("ManagementReview")))
        _literal(sh, r, row, "Management review", node, RDFS_LABEL, add)
        freq = sh.cell(row, "Frequency")
        if freq is not None:
            add((node, _FREQUENCY, _duration(sh, r, freq)))
    reviews = Lookup(REVIEWS, review_rows)
    sh = sheets[OWNERS]
    owner_rows = named_rows(OWNERS, "Owner", "owner")
    for r, row, node, _name in owner_rows:
        _literal(sh, r, row, "Owner", node, RDFS_LABEL, add)
    owners = Lookup(OWNERS, owner_rows)
    owner_ids = _Ids("owner", used)

    sh = sheets[OBJECTIVES]
    target_ids, metric_ids = _Ids("target", used), _Ids("metric", used)
    for r, row, obj, name in named_rows(OBJECTIVES, "Objective", "objective"):
        for s in systems_of(sh, r, row):
            add((s, _HAS_OBJECTIVE, obj))
        add((obj, _TYPE, ems("Objective")))
        _literal(sh, r, row, "Objective", obj, RDFS_LABEL, add)
        for o in pick(sh, r, row, "Management outcome", picks.outcomes):
            add((obj, _FOR_OUTCOME, o))
        for part in split(sh.text(r, row, "Owner")):
            owner = owners.resolve(sh, r, "Owner", part, lenient=True)
            if owner is None:  # a new owner, named here only
                owner = owner_ids.make(part)
                owners.by_name[part.casefold()] = owner
                add((owner, RDFS_LABEL, ox.Literal(part, language="en")))
            add((obj, _RESPONSIBLE, owner))
        for part in split(sh.text(r, row, "Reviewed in")):
            review = reviews.resolve(sh, r, "Reviewed in", part, lenient=True)
            if review is None:
                raise sh.error(r, "Reviewed in", f"names no review of sheet {REVIEWS!r}: {part!r} (add it there)")
            add((obj, _REVIEWED_IN, review))
        if any(sh.cell(row, c) is not None for c in ("Target id", "Target", "Target value", "Target unit", "Deadline")):
            t = node_id(sh, r, row, "Target id", target_ids, sh.text(r, row, "Target") or f"{name} target")
            add((obj, _HAS_TARGET, t))
            add((t, _TYPE, ems("Target")))
            _literal(sh, r, row, "Target", t, RDFS_LABEL, add)
            value = sh.cell(row, "Target value")
            if value is not None:
                add((t, _TARGET_VALUE, _number(sh, r, value)))
            _literal(sh, r, row, "Target unit", t, _UNIT, add)
            deadline = sh.cell(row, "Deadline")
            if deadline is not None:
                add((t, _DEADLINE, _date(sh, r, deadline)))
        if any(sh.cell(row, c) is not None for c in ("Metric id", "Metric", "Metric unit")):
            m = node_id(sh, r, row, "Metric id", metric_ids, sh.text(r, row, "Metric") or f"{name} metric")
            add((obj, _MEASURED_BY, m))
            add((m, _TYPE, ems("Metric")))
            _literal(sh, r, row, "Metric", m, RDFS_LABEL, add)
            _literal(sh, r, row, "Metric unit", m, _UNIT, add)

    out.extend(_other_statements(sheets[OTHER]))
    return list(dict.fromkeys(out))


def _literal(sh: _Sheet, r: int, row: list[Any], column: str, s: Node, p: ox.NamedNode,
             add: Callable[[Triple], None]) -> None:
    text = sh.text(r, row, column)
    if text:
        add((s, p, ox.Literal(text, language="en")))


def _number(sh: _Sheet, r: int, v: Any) -> ox.Literal:
    if isinstance(v, (bool, dt.date, dt.datetime, dt.time)):
        raise sh.error(r, "Target value", f"expected a number, found {v!r}")
    if isinstance(v, int):
        return ox.Literal(str(v), datatype=_XSD_INTEGER)
    if isinstance(v, float):
        return ox.Literal(repr(v), datatype=_XSD_DECIMAL)
    text = str(v).strip()
    if _INTEGER.fullmatch(text):
        return ox.Literal(text, datatype=_XSD_INTEGER)
    if _DECIMAL.fullmatch(text) or re.fullmatch(r"[+-]?\d+\.\d*", text):
        return ox.Literal(text, datatype=_XSD_DECIMAL)
    raise sh.error(r, "Target value", f"expected a number, found {text!r}")


def _date(sh: _Sheet, r: int, v: Any) -> ox.Literal:
    if isinstance(v, dt.datetime):
        if v.time() != dt.time(0):
            raise sh.error(r, "Deadline", f"expected a date, found the date and time {v.isoformat()}")
        v = v.date()
    if isinstance(v, dt.date):
        return ox.Literal(v.isoformat(), datatype=_XSD_DATE)
    text = str(v).strip()
    try:
        return ox.Literal(dt.date.fromisoformat(text).isoformat(), datatype=_XSD_DATE)
    except ValueError:
        raise sh.error(r, "Deadline", f"expected a date (2028-12-31), found {text!r}") from None


def _duration(sh: _Sheet, r: int, v: Any) -> ox.Literal:
    if isinstance(v, (dt.date, dt.datetime, dt.time)):
        raise sh.error(r, "Frequency", f"a date where a duration belongs ({v.isoformat()}): write how often, "
                                       "e.g. P1Y (yearly) or P3M (quarterly)")
    text = str(v).strip()
    text = _FREQUENCIES.get(text.casefold(), text)
    if not _DURATION.fullmatch(text):
        raise sh.error(r, "Frequency", f"expected a duration such as P1Y (yearly) or P3M (quarterly), found {text!r}")
    return ox.Literal(text, datatype=_XSD_DURATION)


def _other_statements(sh: _Sheet) -> list[Triple]:
    """The Other statements sheet: N-Triples terms, parsed as one document (a row is a line)."""
    if not sh.rows:
        return []
    lines = []
    for r, row in sh.rows:
        cells = [sh.text(r, row, c) for c in ("Subject", "Predicate", "Object")]
        for c, v in zip(("Subject", "Predicate", "Object"), cells, strict=True):
            if not v:
                raise sh.error(r, c, "empty: a statement needs a subject, a predicate and an object")
            if "\n" in v:
                raise sh.error(r, c, "a term is on one line")
        lines.append(" ".join(cells) + " .")
    try:
        quads = ox.parse("\n".join(lines).encode(), format=ox.RdfFormat.N_TRIPLES)
        return [(q.subject, q.predicate, q.object) for q in quads]
    except SyntaxError as exc:
        text = str(exc).splitlines()[0] if str(exc) else "syntax error"
        m = re.search(r"line (\d+)", text)
        idx = int(m.group(1)) - 1 if m else 0
        r = sh.rows[min(max(idx, 0), len(sh.rows) - 1)][0]
        raise sh.error(r, "Object", f"not an RDF statement in N-Triples terms ({text})") from None
