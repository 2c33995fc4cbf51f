"""The Sector view for sponsors (issue 13): what the registered declarations say about the sector.

``/ui/sector`` charts the sector named queries (``queries/sector-*.rq``: the rules most systems fail,
the Appendix C elements most lack, the initiatives that would fill the most gaps, frameworks,
outcomes, and the trend by registration year) as server-drawn SVG (:mod:`.charts`), each with its
table, then lists the registered systems with their conformance, each linking to
``/ui/sector/{id}``, its stored validation report. With nothing registered the page says how to
register (the CLI and ``POST /declarations``). The data comes from the ``sector`` and
``declaration`` worker jobs, the same as the JSON API's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..services import public_url
from ..state import ServerState, state
from .charts import BarChart, chart_for
from .routes import _page

router = APIRouter()

#: The sector named queries the page charts, in the order it shows them.
SECTOR_QUERIES = ("sector-gaps", "sector-elements", "sector-initiatives", "sector-frameworks", "sector-outcomes",
                  "sector-trend")

#: What each chart's value axis measures, by query (the query's own column name otherwise).
AXES = {
    "sector-gaps": "registered systems violating the rule",
    "sector-elements": "registered systems lacking the element",
    "sector-initiatives": "registered systems whose gaps it would fill",
    "sector-frameworks": "registered systems",
    "sector-outcomes": "registered systems",
}


def sector_view(data: dict[str, Any]) -> dict[str, Any]:
    """The page's sections (a chart and a table per sector query) and its figures."""
    sections = []
    for name, table in data["tables"].items():
        chart = chart_for(name, table, table["title"])
        if isinstance(chart, BarChart) and name in AXES:
            chart.axis = AXES[name]
        sections.append({"name": name, "title": table["title"], "description": table["description"],
                         "table": table, "chart": chart})
    systems = data["systems"]
    return {"sections": sections, "systems": systems,
            "figures": {"systems": len(systems), "conforming": sum(1 for s in systems if s["conforms"]),
                        "registrations": sum(int(s.get("registrations", 1)) for s in systems)}}


def sector_data(st: ServerState) -> dict[str, Any]:
    """The registered systems and each sector query's display table (the query pages' cells), through
    the same jobs as the JSON API (so a ``sparql:`` store is reached the way every query reaches it).
    A sector query missing from the catalog is left out."""
    names = {q.name for q in st.catalog.all()}
    tables: dict[str, Any] = {}
    for name in SECTOR_QUERIES:
        if name in names:
            query = st.catalog.get(name)
            tables[name] = {"title": query.title, "description": query.description,
                            **st.run("named_table", name, {}, st.settings.max_rows)}
    return {"systems": st.run("declarations"), "tables": tables}


@router.get("/ui/sector", response_class=HTMLResponse)
def sector_page(request: Request) -> Response:
    st = state(request)
    view = sector_view(sector_data(st))
    return _page(request, "sector.html", title="The sector: registered management systems", **view,
                 endpoint=public_url(request, st, "/declarations"), register_enabled=bool(st.settings.register_token),
                 store_label=st.store_label)


@router.get("/ui/sector/{ident}", response_class=HTMLResponse)
def registration_page(request: Request, ident: str) -> Response:
    report = state(request).run("declaration", ident)
    return _page(request, "registration.html", title=f"Registration {ident}", ident=ident,
                 report={"conforms": report["conforms"], "files": [report]}, record=report)
