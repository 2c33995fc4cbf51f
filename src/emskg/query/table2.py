"""The report's lost Table 2 and value-chain diagrams, rebuilt from the graph for the web page.

Three SPARQL queries over the inferred graph: initiative x plan/do/check/act (full, partial, gap,
or "supported" when support is only derived from elements), initiative x the four top-level
outcomes ("stated", or "via sub-outcome" naming which), and each value chain's stages with the
initiatives covering them. Each cell keeps the report's words and sections, so the page can show
why a cell says what it says. The queries live here, not in ``queries/``, because the page needs
per-cell evidence that the tabular named queries do not return.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyoxigraph as ox

from ..core.vocab import EMS
from .browse import EntityIndex, node
from .sparql import run_sparql

__all__ = ["table2"]

_COMPONENTS = """
SELECT ?c ?order WHERE { ?c a ems:Component ; ems:cycleOrder ?order } ORDER BY ?order
"""

_INITIATIVES = """
SELECT ?i ?framework ?tool WHERE {
  ?i a ems:ManagementInitiative .
  BIND (EXISTS { ?i a ems:ManagementSystemFramework } AS ?framework)
  BIND (EXISTS { ?i a ems:ManagementTool } AS ?tool)
}
"""

_COMPONENT_CELLS = """
SELECT ?i ?c ?kind ?level ?evidence ?source WHERE {
  ?i a ems:ManagementInitiative .
  { ?i ems:componentSupport ?claim . ?claim ems:component ?c . BIND ("support" AS ?kind)
    OPTIONAL { ?claim ems:supportLevel ?level } }
  UNION { ?i ems:componentGap ?claim . ?claim ems:component ?c . BIND ("gap" AS ?kind) }
  UNION { ?i ems:supportsComponent ?c . BIND ("derived" AS ?kind) }
  OPTIONAL { ?claim ems:evidence ?evidence }
  OPTIONAL { ?claim dcterms:source ?source }
}
"""

_TOP_OUTCOMES = """
SELECT ?o WHERE { ?o a ems:ManagementOutcome FILTER NOT EXISTS { ?o ems:subOutcomeOf ?broader } }
"""

_OUTCOME_CELLS = """
SELECT ?i ?top ?o ?evidence ?source WHERE {
  ?i ems:outcomeFocus ?claim . ?claim ems:outcome ?o .
  ?o ems:subOutcomeOf* ?top .
  ?top a ems:ManagementOutcome FILTER NOT EXISTS { ?top ems:subOutcomeOf ?broader }
  OPTIONAL { ?claim ems:evidence ?evidence }
  OPTIONAL { ?claim dcterms:source ?source }
}
"""

_STAGES = """
SELECT ?chain ?stage ?order ?i ?basis ?part WHERE {
  ?stage ems:stageOf ?chain ; ems:stageOrder ?order .
  OPTIONAL { ?i ems:coversStage ?stage
             OPTIONAL { ?i ems:stageCoverage ?claim . ?claim ems:stage ?stage ; ems:basis ?basis } }
  OPTIONAL { ?part ems:partOfStage ?stage }
}
ORDER BY ?order
"""

_LEVEL = {EMS + "FullSupport": "full",
          EMS + "PartialSupport": "partial"}
_RANK = {"full": 4, "partial": 3, "gap": 2, "supported": 1, "": 0}
#: The order section 2.1.3 lists the outcomes in; any other top-level outcome follows by label.
_OUTCOME_ORDER = ("ImpactsRisks", "Quality", "Financials", "HumanResources")


def _rows(store: ox.Store, query: str) -> list[dict[str, Any]]:
    return run_sparql(store, query, trusted=True).as_dicts()


def _cell() -> dict[str, Any]:
    return {"value": "", "evidence": [], "sources": [], "via": []}


def _add_evidence(cell: dict[str, Any], index: EntityIndex, row: dict[str, Any]) -> None:
    if "evidence" in row and row["evidence"].value not in cell["evidence"]:
        cell["evidence"].append(row["evidence"].value)
    if "source" in row:
        src = node(index, row["source"])
        if src not in cell["sources"]:
            cell["sources"].append(src)


def _component_matrix(index: EntityIndex, components: list[ox.NamedNode]) -> dict[str, dict[str, Any]]:
    cells: dict[str, dict[str, Any]] = defaultdict(lambda: {c.value: _cell() for c in components})
    for row in _rows(index.kg.store, _COMPONENT_CELLS):
        cell = cells[row["i"].value].get(row["c"].value)
        if cell is None:
            continue
        kind = row["kind"].value
        value = (_LEVEL.get(row["level"].value, "partial") if "level" in row else "full") if kind == "support" \
            else "gap" if kind == "gap" else "supported"
        if _RANK[value] > _RANK[cell["value"]]:
            cell["value"] = value
            cell["evidence"], cell["sources"] = [], []
        if value == cell["value"]:
            _add_evidence(cell, index, row)
    return cells


def _outcome_matrix(index: EntityIndex, outcomes: list[ox.NamedNode]) -> dict[str, dict[str, Any]]:
    cells: dict[str, dict[str, Any]] = defaultdict(lambda: {o.value: _cell() for o in outcomes})
    for row in _rows(index.kg.store, _OUTCOME_CELLS):
        cell = cells[row["i"].value].get(row["top"].value)
        if cell is None:
            continue
        if row["o"] == row["top"]:
            cell["value"] = "stated"
        else:
            cell["value"] = cell["value"] or "via sub-outcome"
            sub = node(index, row["o"])
            if sub not in cell["via"]:
                cell["via"].append(sub)
        _add_evidence(cell, index, row)
    return cells


def _value_chains(index: EntityIndex) -> list[dict[str, Any]]:
    chains: dict[str, dict[str, Any]] = {}
    for row in _rows(index.kg.store, _STAGES):
        chain = chains.setdefault(row["chain"].value, {"chain": node(index, row["chain"]), "stages": {}})
        stage = chain["stages"].setdefault(row["stage"].value, {
            "stage": node(index, row["stage"]), "order": int(row["order"].value), "initiatives": {}, "parts": []})
        if "i" in row:
            basis = "from scope" if "basis" in row and row["basis"].value.endswith("FromScope") else "stated"
            entry = stage["initiatives"].setdefault(row["i"].value, {"initiative": node(index, row["i"]),
                                                                     "basis": basis})
            if basis == "stated":
                entry["basis"] = "stated"
        if "part" in row:
            part = node(index, row["part"])
            if part not in stage["parts"]:
                stage["parts"].append(part)
    out = []
    for chain in sorted(chains.values(), key=lambda c: c["chain"]["label"].casefold()):
        stages = sorted(chain["stages"].values(), key=lambda s: s["order"])
        for s in stages:
            s["initiatives"] = sorted(s["initiatives"].values(), key=lambda e: e["initiative"]["label"].casefold())
            s["parts"].sort(key=lambda n: n["label"].casefold())
        out.append({"chain": chain["chain"], "stages": stages})
    return out


def _outcome_key(o: ox.NamedNode) -> tuple[int, str]:
    local = o.value.rsplit("/", 1)[-1]
    return (_OUTCOME_ORDER.index(local) if local in _OUTCOME_ORDER else len(_OUTCOME_ORDER), local)


def table2(index: EntityIndex) -> dict[str, Any]:
    """Component and outcome matrices (frameworks first, then tools, by label) and value-chain coverage."""
    store = index.kg.store
    components = [r["c"] for r in _rows(store, _COMPONENTS)]
    outcomes = sorted((r["o"] for r in _rows(store, _TOP_OUTCOMES)), key=_outcome_key)
    comp_cells = _component_matrix(index, components)
    out_cells = _outcome_matrix(index, outcomes)
    rows: list[dict[str, Any]] = []
    for r in _rows(store, _INITIATIVES):
        framework, tool = r["framework"].value == "true", r["tool"].value == "true"
        kind = "framework and tool" if framework and tool else "framework" if framework else "tool"
        iri = r["i"].value
        rows.append({"initiative": node(index, r["i"]), "type": kind,
                     "components": [comp_cells[iri][c.value] for c in components],
                     "outcomes": [out_cells[iri][o.value] for o in outcomes]})
    rows.sort(key=lambda row: (not row["type"].startswith("framework"), row["initiative"]["label"].casefold()))
    return {"components": [node(index, c) for c in components], "outcomes": [node(index, o) for o in outcomes],
            "rows": rows, "value_chains": _value_chains(index)}
