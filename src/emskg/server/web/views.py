"""Shaping API data for pages: the initiative page picks its sections out of the generic description.

Kept apart from the routes so the selection rules (which property feeds which section) are in one
place and the templates stay free of IRIs.
"""

from __future__ import annotations

from typing import Any

from ...core.vocab import EMS

__all__ = ["initiative_view", "grouped", "CELL_LEGEND"]

_COMPONENT_ORDER = {EMS + n: i for i, n in enumerate(("Plan", "Do", "Check", "Act"))}
_TYPES = (EMS + "ManagementSystemFramework", EMS + "ManagementTool")
_PROFILE = (("programType", "Program type"), ("participants", "Participants"), ("driver", "Drivers"),
            ("goal", "Goals and desired outcomes"), ("benefit", "Benefits"))
_SHOWN = {EMS + p for p, _ in _PROFILE} | {EMS + "initiativeKind", EMS + "sponsoredBy"}

CELL_LEGEND = {
    "full": "the report says it supports the component",
    "partial": "supports it in part or indirectly",
    "gap": "the report says it lacks the component",
    "supported": "support derived from the elements it supports",
    "stated": "the report names the outcome itself",
    "via sub-outcome": "the report names a part of the outcome",
}


def _values(detail: dict[str, Any], local: str, inferred: bool = False) -> list[dict[str, Any]]:
    return [v for group in detail["properties"]
            if group["property"].get("iri") == EMS + local and group["inferred"] == inferred
            for v in group["values"]]


def _claims(detail: dict[str, Any], *locals_: str) -> list[dict[str, Any]]:
    iris = {EMS + name for name in locals_}
    return [q for q in detail["qualified"] if q["property"].get("iri") in iris]


def _step_number(step: dict[str, Any]) -> int:
    for group in step["details"]:
        if group["property"].get("iri") == EMS + "stepNumber" and group["values"]:
            try:
                return int(group["values"][0]["label"])
            except ValueError:
                break
    return 0


def grouped(claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Claims that share their words, section and qualifiers, as one entry naming all their targets.

    The report often justifies many cells with one sentence (ISO 14001 covers every value-chain stage
    because it "can be utilized by any ... type of organization"); one quote with the list of stages
    reads better than the same quote twelve times.
    """
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for c in claims:
        key = (tuple(c["evidence"]), tuple(s["label"] for s in c["sources"]), c["basis"], c["level"])
        entry = groups.setdefault(key, {**c, "targets": []})
        if c["target"] is not None:
            entry["targets"].append(c["target"])
    return list(groups.values())


def initiative_view(detail: dict[str, Any]) -> dict[str, Any]:
    """The sections of an initiative's page, from its generic description."""
    components = []
    for claim in _claims(detail, "componentSupport", "componentGap"):
        status = "gap" if claim["property"]["iri"] == EMS + "componentGap" else (claim["level"] or "full")
        components.append({**claim, "status": status})
    components.sort(key=lambda c: _COMPONENT_ORDER.get((c["target"] or {}).get("iri", ""), 9))
    qualified_iris = {EMS + n for n in ("componentSupport", "componentGap", "outcomeFocus", "stageCoverage",
                                        "elementSupport", "hasStep")}
    return {
        "detail": detail,
        "types": [t for t in detail["types"] if t.get("iri") in _TYPES],
        "kind": _values(detail, "initiativeKind"),
        "sponsors": _values(detail, "sponsoredBy"),
        "profile": [(title, _values(detail, local)) for local, title in _PROFILE if _values(detail, local)],
        "components": components,
        "outcomes": grouped(_claims(detail, "outcomeFocus")),
        "stages": grouped(_claims(detail, "stageCoverage")),
        "elements": grouped(_claims(detail, "elementSupport")),
        "steps": sorted(_claims(detail, "hasStep"), key=_step_number),
        "adopters": [q for q in detail["qualified_by"] if q["property"].get("iri") == EMS + "adoption"],
        "other_claims": [q for q in detail["qualified"] if q["property"].get("iri") not in qualified_iris],
        "other": [g for g in detail["properties"] if g["property"].get("iri") not in _SHOWN],
    }
