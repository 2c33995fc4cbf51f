"""The declaration form, generated from SHACL shapes: what ``/ui/declare`` shows and how it builds RDF.

The form shapes (``shapes/form/*.ttl``) describe how a declaration is entered: a node shape per part
(its ``sh:targetClass`` is the class of the node it creates), an ``sh:property`` per field with
``sh:name``, ``sh:description``, ``sh:group`` (an ``sh:PropertyGroup``: a section), ``sh:order``,
``sh:minCount`` / ``sh:maxCount``, ``sh:class`` or ``sh:in`` (pick lists), ``sh:datatype`` and
``sh:node`` (a nested part). The validation shapes (``shapes/*.ttl``) add what they require: a field
whose class and path a validation shape gives ``sh:minCount`` is marked required (a violation) or
recommended (a warning). Pick lists come from the knowledge graph, so a new initiative or element
appears in the form without an edit.

The result is plain JSON-able data (it crosses the worker pipe): the page template renders it, and
the page's script reads the same paths and classes to build the declaration it validates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..core.rdfio import parse_file
from ..core.terms import Triple, read_list
from ..core.vocab import EMS, RDF_FIRST, RDF_REST, RDF_TYPE, RDFS_LABEL, XSD, sh
from ..errors import InputError
from ..graph.store import KnowledgeGraph
from .picklists import PickLists

__all__ = ["form_spec", "FORM_FOLDER"]

#: Where the form shapes live, under the shapes folder (validation reads only ``shapes/*.ttl``).
FORM_FOLDER = "form"


class _Index:
    def __init__(self, triples: list[Triple]) -> None:
        self.out: dict[Any, dict[ox.NamedNode, list[Any]]] = defaultdict(lambda: defaultdict(list))
        for s, p, o in triples:
            self.out[s][p].append(o)

    def values(self, s: Any, p: ox.NamedNode) -> list[Any]:
        return self.out.get(s, {}).get(p, [])

    def one(self, s: Any, p: ox.NamedNode) -> Any:
        vals = self.values(s, p)
        return vals[0] if vals else None

    def text(self, s: Any, p: ox.NamedNode) -> str | None:
        lits = [v for v in self.values(s, p) if isinstance(v, ox.Literal)]
        en = [v for v in lits if v.language in ("en", "")] or lits
        return en[0].value if en else None

    def number(self, s: Any, p: ox.NamedNode) -> int | None:
        v = self.one(s, p)
        try:
            return int(v.value) if isinstance(v, ox.Literal) else None
        except ValueError:
            return None


def form_spec(kg: KnowledgeGraph, shapes_dir: Path | None = None) -> dict[str, Any]:
    """The form: its sections (groups) and the root part (the management system) with its fields.

    Raises ``InputError`` when the form shapes are missing or name no ``ems:ManagementSystem`` part."""
    folder = (shapes_dir or kg.paths.shapes)
    files = sorted((folder / FORM_FOLDER).glob("*.ttl"))
    if not files:
        raise InputError(f"no form shapes in {folder / FORM_FOLDER}")
    form = _Index([t for f in files for t in parse_file(f)])
    rules = _Index([t for f in sorted(folder.glob("*.ttl")) for t in parse_file(f)])
    needs = _needs(rules)
    picks = PickLists.from_graph(kg)
    root = next((s for s in form.out if ox.NamedNode(_ems("ManagementSystem")) in form.values(s, sh("targetClass"))
                 and sh("NodeShape") in form.values(s, RDF_TYPE)), None)
    if root is None:
        raise InputError(f"the form shapes in {folder / FORM_FOLDER} have no node shape for ems:ManagementSystem")
    groups = sorted(({"iri": g.value, "label": form.text(g, RDFS_LABEL) or g.value,
                      "order": form.number(g, sh("order")) or 0}
                     for g in form.out if sh("PropertyGroup") in form.values(g, RDF_TYPE)),
                    key=lambda g: (g["order"], g["label"]))
    return {"groups": groups, "root": _node(form, root, kg, picks, needs, depth=0),
            "terms": {"xsd": XSD, "rdfType": RDF_TYPE.value}}


def _ems(local: str) -> str:
    return EMS + local


def _needs(rules: _Index) -> dict[tuple[str, str], str]:
    """(class, path) -> "required" / "recommended", from the validation shapes' sh:minCount."""
    out: dict[tuple[str, str], str] = {}
    for shape in rules.out:
        path, min_count = rules.one(shape, sh("path")), rules.number(shape, sh("minCount"))
        if not isinstance(path, ox.NamedNode) or not min_count:
            continue
        severity = rules.one(shape, sh("severity"))
        need = "recommended" if severity == sh("Warning") else "required"
        for cls in rules.values(shape, sh("targetClass")):
            key = (cls.value, path.value)
            if out.get(key) != "required":
                out[key] = need
    return out


def _node(form: _Index, shape: Any, kg: KnowledgeGraph, picks: PickLists, needs: dict[tuple[str, str], str],
          depth: int) -> dict[str, Any]:
    if depth > 4:
        raise InputError(f"the form shapes nest deeper than 4 parts at {shape}")
    cls = form.one(shape, sh("targetClass"))
    fields = []
    for prop in form.values(shape, sh("property")):
        path = form.one(prop, sh("path"))
        if not isinstance(path, ox.NamedNode):
            continue
        field: dict[str, Any] = {
            "path": path.value, "name": form.text(prop, sh("name")) or path.value.rsplit("#", 1)[-1],
            "description": form.text(prop, sh("description")) or "", "order": form.number(prop, sh("order")) or 0,
            "group": (g.value if isinstance(g := form.one(prop, sh("group")), ox.NamedNode) else None),
            "many": form.number(prop, sh("maxCount")) != 1, "datatype": None, "choices": [], "node": None,
        }
        need = "required" if (form.number(prop, sh("minCount")) or 0) >= 1 else None
        if cls is not None:
            need = need or needs.get((cls.value, path.value))
        field["need"] = need
        node, klass, allowed = form.one(prop, sh("node")), form.one(prop, sh("class")), form.one(prop, sh("in"))
        datatype = form.one(prop, sh("datatype"))
        if node is not None:
            field["kind"], field["node"] = "node", _node(form, node, kg, picks, needs, depth + 1)
        elif isinstance(klass, ox.NamedNode):
            field["kind"], field["choices"] = "choice", list(_class_choices(kg, picks, klass))
        elif allowed is not None:
            members = read_list(allowed, lambda n: form.one(n, RDF_FIRST), lambda n: form.one(n, RDF_REST),
                                InputError)
            field["kind"] = "choice"
            field["choices"] = [{"value": m.value, "label": _duration_words(m.value), "group": "", "number": "",
                                 "core": False} for m in members if isinstance(m, ox.Literal)]
            field["datatype"] = datatype.value if isinstance(datatype, ox.NamedNode) else (
                members[0].datatype.value if members and isinstance(members[0], ox.Literal) else None)
        else:
            dt = datatype.value if isinstance(datatype, ox.NamedNode) else None
            field["datatype"] = dt
            field["kind"] = {XSD + "decimal": "number", XSD + "integer": "number", XSD + "date": "date"}.get(dt or "", "text")
        fields.append(field)
    fields.sort(key=lambda f: (f["order"], f["name"]))
    return {"shape": shape.value if isinstance(shape, ox.NamedNode) else "", "class": cls.value if cls else None,
            "fields": fields}


def _class_choices(kg: KnowledgeGraph, picks: PickLists, cls: ox.NamedNode) -> Iterator[dict[str, Any]]:
    """The knowledge graph's instances of ``cls``: elements with their component, number and core flag."""
    known = {_ems("Element"): picks.elements, _ems("ManagementInitiative"): picks.initiatives,
             _ems("ManagementOutcome"): picks.outcomes, _ems("ValueChainStage"): picks.stages}
    if cls.value in known:
        for c in known[cls.value].choices:
            yield {"value": c.iri, "label": c.label, "group": c.group, "number": c.number, "core": c.core}
        return
    items = []
    for q in kg.store.quads_for_pattern(None, RDF_TYPE, cls, ox.DefaultGraph()):
        if isinstance(q.subject, ox.NamedNode):
            items.append({"value": q.subject.value, "label": kg.label_of(q.subject) or q.subject.value, "group": "",
                          "number": "", "core": False})
    yield from sorted(items, key=lambda c: str(c["label"]).casefold())


_WORDS = {"P1Y": "yearly (P1Y)", "P6M": "every six months (P6M)", "P3M": "quarterly (P3M)", "P1M": "monthly (P1M)",
          "P1W": "weekly (P1W)"}


def _duration_words(value: str) -> str:
    return _WORDS.get(value, value)

