"""The SPARQL editor at ``/ui/sparql``: YASGUI (npm ``@zazuko/yasgui``), bundled with the package.

YASGUI is the editor researchers know from Fuseki, Oxigraph and Wikidata. Its built files are
committed under ``static/yasgui/`` (no CDN: the page works offline), and ``static/sparql-editor.js``
starts it with everything that would reach another host switched off — the endpoint catalogue
holds this server's endpoint only, no CORS proxy, no link shortener, no prefix.cc or LOV
autocompletion — and the page's Content-Security-Policy (``connect-src 'self'``) would refuse any
such request anyway. It opens on the query given as ``?query=`` (run at once: the Linked Data
routes send resources without a page of their own here as a ``DESCRIBE``), or an example, with the
named queries as further tabs, each with the PREFIX lines it needs so it runs anywhere.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ...core.vocab import PREFIXES
from ..middleware import CSP_YASGUI
from ..state import state
from .routes import _page

router = APIRouter()

EXAMPLE = ("SELECT ?initiative ?label ?kind WHERE {\n  ?initiative a ems:ManagementInitiative ;\n"
           "              rdfs:label ?label ;\n              ems:initiativeKind/rdfs:label ?kind .\n}\nORDER BY ?label")


def with_prefixes(text: str) -> str:
    """``text`` with PREFIX lines for the emskg prefixes it uses and does not declare itself."""
    declared = {m.group(1) for m in re.finditer(r"(?im)^\s*PREFIX\s+([\w-]*):", text)}
    body = re.sub(r"(?m)#.*$", "", text)
    used = [p for p in PREFIXES if p not in declared and re.search(rf"(?<![\w:<]){re.escape(p)}:", body)]
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in used) + text


def editor_config(request: Request, query: str | None) -> dict[str, Any]:
    """What ``sparql-editor.js`` needs: the endpoint, the prefixes and the tabs."""
    catalog = state(request).catalog.all()
    tabs = [{"name": "Query", "query": with_prefixes(query if query else EXAMPLE)}]
    tabs += [{"name": q.title, "query": with_prefixes(q.text)} for q in catalog]
    return {"endpoint": "/sparql", "prefixes": PREFIXES, "tabs": tabs, "run": bool(query)}


@router.get("/ui/sparql", response_class=HTMLResponse)
def sparql_page(request: Request, query: str | None = None) -> Response:
    page = _page(request, "sparql.html", title="SPARQL editor", config=editor_config(request, query))
    page.headers["content-security-policy"] = CSP_YASGUI
    return page
