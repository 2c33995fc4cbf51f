"""The page "What the report found and recommends" (issue 12): the report's own voice — key findings,
conclusions, recommended next steps and the project's objectives — each in the report's words with
its section and links to the initiatives, barriers and responses it concerns.

One route, one template (``findings.html``); the data comes from the ``sparql_table`` worker job, so
the page cannot disagree with the graph.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..state import state
from .routes import _page

router = APIRouter()

#: Groups in the order the page shows them: (class, group id, heading).
GROUPS = (
    ("KeyFinding", "key-findings", "Key findings (section 1.4)"),
    ("Conclusion", "conclusions", "Conclusions (sections 1.4, 7 and 8)"),
    ("FurtherWork", "further-work", "Recommended next steps: further work (section 8)"),
    ("SponsorAction", "sponsor-actions", "Recommended next steps: short-term steps for the sponsors (section 8)"),
    ("ProjectObjective", "objectives", "The project's objectives (section 1)"),
)

_VALUES = " ".join(f'(ems:{cls} "{gid}")' for cls, gid, _ in GROUPS)

QUERY = """SELECT ?group ?statement ?label ?text ?section ?position ?concern ?concernLabel ?barrierOrResponse WHERE {
  VALUES (?class ?group) { VALUES_SLOT }
  ?statement a ?class ; rdfs:label ?label ; skos:definition ?text .
  OPTIONAL { ?statement ems:listPosition ?position }
  OPTIONAL { ?statement dcterms:source/ems:sectionNumber ?section }
  OPTIONAL { ?statement ems:concerns ?concern . ?concern rdfs:label ?concernLabel
             OPTIONAL { ?concern a ?kind FILTER (?kind IN (ems:Barrier, ems:BarrierResponse))
                        BIND (true AS ?barrierOrResponse) } }
}""".replace("VALUES_SLOT", _VALUES)

#: Barriers and responses have no page of their own: they link to the section 6.2 question's answer.
BARRIERS_PAGE = "/ui/queries/barriers-and-responses?run=1"

#: How many initiatives the report reviewed (section 2.1): a statement about all of them says so.
ALL_INITIATIVES = 15

#: The page's own, fixed query may return more rows than a visitor's query is allowed.
MAX_ROWS = 20000


def findings_view(table: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of (statement, concern) cells grouped into statements, in the report's order."""
    cols = table["columns"]
    items: dict[str, dict[str, Any]] = {}
    for row in table["rows"]:
        r = dict(zip(cols, row, strict=True))
        key = r["statement"].get("title", r["statement"]["text"])
        item = items.setdefault(key, {"iri": key, "group": r["group"]["text"], "label": r["label"]["text"],
                                      "text": r["text"]["text"], "sections": set(), "concerns": {},
                                      "position": int(r["position"]["text"] or 0)})
        if r["section"]["text"]:
            item["sections"].add(r["section"]["text"])
        if r["concern"].get("title"):
            page = r["concern"].get("href") or (BARRIERS_PAGE if r["barrierOrResponse"]["text"] else None)
            item["concerns"][r["concern"]["title"]] = {"label": r["concernLabel"]["text"], "iri": r["concern"]["title"],
                                                       "page": page}
    for i in items.values():
        i["sections"] = sorted(i["sections"])
    groups = []
    for _cls, gid, heading in GROUPS:
        members = sorted((i for i in items.values() if i["group"] == gid),
                         key=lambda i: (i["sections"][-1:], i["position"], i["label"]))  # §1.4 before §7
        for i in members:
            i["concerns"] = _collapse(sorted(i["concerns"].values(), key=lambda c: (c["page"] is None, c["label"])))
        groups.append({"id": gid, "heading": heading, "statements": members})
    return groups


def _collapse(concerns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A statement about every initiative links to the list of initiatives, not to fifteen pages."""
    initiatives = [c for c in concerns if (c["page"] or "").startswith("/ui/initiatives/")]
    if len(initiatives) < ALL_INITIATIVES:
        return concerns
    rest = [c for c in concerns if c not in initiatives]
    return [{"label": f"all {len(initiatives)} management initiatives", "iri": "", "page": "/ui/initiatives"}, *rest]


@router.get("/ui/findings", response_class=HTMLResponse)
def findings_page(request: Request) -> Response:
    table = state(request).run("sparql_table", QUERY, MAX_ROWS)
    return _page(request, "findings.html", title="What the report found and recommends",
                 groups=findings_view(table))
