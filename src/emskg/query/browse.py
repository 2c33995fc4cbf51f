"""Browsing the graph as resources: initiatives, outcomes, elements, value chains, utilities ...

Each collection is a class of the ontology; an entity's id is its IRI's local name
(``kb:QualServe`` -> ``QualServe``). An entity is described generically — labels, types, report
sections (``dcterms:source``), direct properties, and the *qualified* values the KB hangs on blank
nodes (claims with their evidence quote and section, steps, figures) — plus what points at it
(e.g. the utilities whose adoption claims name an initiative). One generic shape serves every
collection, so a new class in the ontology needs one line in :data:`COLLECTIONS`, not new code.

These functions run inside a worker process (they scan the store); they return plain dicts that
the API validates against :mod:`emskg.server.openapi`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox

from ..core.terms import best_label
from ..core.vocab import (
    DCTERMS_SOURCE,
    EMS,
    OWL,
    RDF_TYPE,
    RDFS_LABEL,
    RDFS_SUBCLASS_OF,
    SKOS_ALT_LABEL,
    SKOS_DEFINITION,
    XSD,
    ems,
)
from ..errors import NotFoundError
from ..graph.store import INFERRED_GRAPH, KnowledgeGraph
from .formats import compact

__all__ = ["Collection", "COLLECTIONS", "EntityIndex", "describe", "list_entities", "node"]

SUBCLASS = RDFS_SUBCLASS_OF
ALT_LABEL = SKOS_ALT_LABEL
DEFINITION = SKOS_DEFINITION
SOURCE = DCTERMS_SOURCE
EVIDENCE = ems("evidence")
_TARGETS = tuple(ox.NamedNode(EMS + p) for p in ("component", "outcome", "stage", "element", "initiative"))
_QUALIFIERS = {ems("supportLevel"): "level", ems("basis"): "basis",
               ems("adoptionRole"): "role"}
_HIDDEN_TYPES = {OWL + "NamedIndividual", OWL + "Thing"}
_DEFAULT = ox.DefaultGraph()


@dataclass(frozen=True)
class Collection:
    """A browsable class: ``/<slug>`` lists its instances, ``/<slug>/<id>`` describes one."""

    slug: str
    cls: str
    title: str


#: In link priority: an IRI in two collections links to the first (a utility is also an organization).
COLLECTIONS: dict[str, Collection] = {c.slug: c for c in (
    Collection("initiatives", EMS + "ManagementInitiative", "Management initiatives"),
    Collection("outcomes", EMS + "ManagementOutcome", "Management outcomes"),
    Collection("elements", EMS + "Element", "Management system elements"),
    Collection("components", EMS + "Component", "Plan / Do / Check / Act components"),
    Collection("value-chains", EMS + "ValueChain", "Value chains"),
    Collection("stages", EMS + "ValueChainStage", "Value-chain stages"),
    Collection("utilities", EMS + "Utility", "Utilities"),
    Collection("organizations", EMS + "Organization", "Organizations"),
)}


def local_name(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


class EntityIndex:
    """Which IRIs are browsable, under which collection and id."""

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self.members: dict[str, dict[str, str]] = {}  # slug -> id -> iri
        self.primary: dict[str, tuple[str, str]] = {}  # iri -> (slug, id)
        for c in COLLECTIONS.values():
            ids: dict[str, str] = {}
            for q in kg.store.quads_for_pattern(None, RDF_TYPE, ox.NamedNode(c.cls), _DEFAULT):
                if isinstance(q.subject, ox.NamedNode):
                    ident = local_name(q.subject.value)
                    if ident and ident not in ids:
                        ids[ident] = q.subject.value
                        self.primary.setdefault(q.subject.value, (c.slug, ident))
            self.members[c.slug] = ids

    def lookup(self, slug: str, ident: str) -> ox.NamedNode:
        collection = COLLECTIONS.get(slug)
        if collection is None:
            raise NotFoundError(f"no collection {slug!r}")
        iri = self.members[slug].get(ident)
        if iri is None:
            raise NotFoundError(f"no {collection.title.lower().rstrip('s')} with id {ident!r} "
                                f"(GET /{slug} lists them)")
        return ox.NamedNode(iri)

    def links(self, iri: str) -> dict[str, str]:
        where = self.primary.get(iri)
        if where is None:
            return {}
        slug, ident = where
        return {"id": ident, "href": f"/{slug}/{quote(ident)}", "page": f"/ui/{slug}/{quote(ident)}"}


def node(index: EntityIndex, term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> dict[str, Any]:
    """A term as the API shows it: a label, plus the IRI and links, or a literal's datatype/language."""
    if isinstance(term, ox.NamedNode):
        return {"label": index.kg.label_of(term) or compact(term), "iri": term.value, **index.links(term.value)}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"label": term.value}
        if term.language:
            out["language"] = term.language
        elif term.datatype.value not in (XSD + "string",):
            out["datatype"] = compact(term.datatype)
        return out
    return {"label": compact(term)}


def _by_label(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda n: (n["label"].casefold(), n.get("iri") or ""))


def _objects(kg: KnowledgeGraph, s: ox.NamedNode | ox.BlankNode) -> list[tuple[ox.NamedNode, Any]]:
    return [(q.predicate, q.object) for q in kg.store.quads_for_pattern(s, None, None, _DEFAULT)]


def _properties(index: EntityIndex, grouped: dict[tuple[ox.NamedNode, bool], list[Any]]) -> list[dict[str, Any]]:
    out = [{"property": node(index, p), "inferred": inferred, "values": _by_label([node(index, v) for v in vs])}
           for (p, inferred), vs in grouped.items()]
    return sorted(out, key=lambda g: (g["property"]["label"].casefold(), g["inferred"]))


def qualified(index: EntityIndex, prop: ox.NamedNode, bnode: ox.BlankNode,
              subject: ox.NamedNode | ox.BlankNode) -> dict[str, Any]:
    """A blank-node value (a claim, a step, a figure) with its evidence, section and qualifiers."""
    kg = index.kg
    out: dict[str, Any] = {"property": node(index, prop), "subject": node(index, subject), "types": [],
                           "label": None, "target": None, "level": None, "basis": None, "role": None,
                           "evidence": [], "sources": [], "details": []}
    labels: list[ox.Literal] = []
    details: dict[tuple[ox.NamedNode, bool], list[Any]] = defaultdict(list)
    for p, o in _objects(kg, bnode):
        if p == RDF_TYPE:
            if o.value not in _HIDDEN_TYPES:
                out["types"].append(node(index, o))
        elif p == RDFS_LABEL and isinstance(o, ox.Literal):
            labels.append(o)
        elif p == EVIDENCE:
            out["evidence"].append(o.value)
        elif p == SOURCE:
            out["sources"].append(node(index, o))
        elif p in _TARGETS and out["target"] is None:
            out["target"] = node(index, o)
        elif p in _QUALIFIERS:
            out[_QUALIFIERS[p]] = node(index, o)["label"]
        else:
            details[(p, False)].append(o)
    out["label"] = best_label(labels)
    out["types"] = _by_label(out["types"])
    out["sources"] = _by_label(out["sources"])
    out["details"] = _properties(index, details)
    return out


def _qualified_sort_key(q: dict[str, Any]) -> tuple[str, str, str]:
    target = q["target"]["label"] if q["target"] else ""
    return (q["property"]["label"].casefold(), target.casefold(), (q["label"] or "").casefold())


def describe(index: EntityIndex, slug: str, ident: str) -> dict[str, Any]:
    """Everything the graph says about one entity, and what refers to it."""
    kg = index.kg
    s = index.lookup(slug, ident)
    inferred = {(q.predicate, q.object) for q in kg.store.quads_for_pattern(s, None, None, INFERRED_GRAPH)}
    labels: list[ox.Literal] = []
    alt: list[str] = []
    definition: list[str] = []
    types: list[dict[str, Any]] = []
    sources: list[dict[str, Any]] = []
    direct: dict[tuple[ox.NamedNode, bool], list[Any]] = defaultdict(list)
    quals: list[dict[str, Any]] = []
    for p, o in _objects(kg, s):
        if p == RDFS_LABEL and isinstance(o, ox.Literal):
            labels.append(o)
        elif p == ALT_LABEL:
            alt.append(o.value)
        elif p == DEFINITION:
            definition.append(o.value)
        elif p == RDF_TYPE:
            if o.value not in _HIDDEN_TYPES:
                types.append(node(index, o))
        elif p == SOURCE:
            sources.append(node(index, o))
        elif isinstance(o, ox.BlankNode):
            quals.append(qualified(index, p, o, s))
        else:
            direct[(p, (p, o) in inferred)].append(o)

    incoming: dict[tuple[ox.NamedNode, bool], list[Any]] = defaultdict(list)
    incoming_quals: list[dict[str, Any]] = []
    for q in kg.store.quads_for_pattern(None, None, s, _DEFAULT):
        subj, pred = q.subject, q.predicate
        if isinstance(subj, ox.BlankNode):  # a claim about this entity: report it from its holder
            for h in kg.store.quads_for_pattern(None, None, subj, _DEFAULT):
                if isinstance(h.subject, ox.NamedNode):
                    incoming_quals.append(qualified(index, h.predicate, subj, h.subject))
        elif pred not in (RDF_TYPE, SOURCE):
            is_inferred = any(True for _ in kg.store.quads_for_pattern(subj, pred, s, INFERRED_GRAPH))
            incoming[(pred, is_inferred)].append(subj)

    collection = COLLECTIONS[slug]
    return {
        "id": ident, "iri": s.value, "collection": slug,
        "label": best_label(labels) or compact(s), "alt_labels": sorted(alt, key=str.casefold),
        "definition": definition[0] if definition else None,
        "types": _by_label(types), "sources": _by_label(sources),
        "properties": _properties(index, direct),
        "qualified": sorted(quals, key=_qualified_sort_key),
        "referenced_by": _properties(index, incoming),
        "qualified_by": sorted(incoming_quals, key=_qualified_sort_key),
        "links": {"self": f"/{slug}/{quote(ident)}", "page": f"/ui/{slug}/{quote(ident)}",
                  "collection": f"/{slug}", "class": collection.cls},
    }


def list_entities(index: EntityIndex, slug: str) -> list[dict[str, Any]]:
    """The members of a collection with their labels, subtypes and definitions, by label."""
    if slug not in COLLECTIONS:
        raise NotFoundError(f"no collection {slug!r}")
    kg = index.kg
    cls = ox.NamedNode(COLLECTIONS[slug].cls)
    out = []
    for ident, iri in index.members[slug].items():
        s = ox.NamedNode(iri)
        subtypes = [o for p, o in _objects(kg, s) if p == RDF_TYPE and o != cls and isinstance(o, ox.NamedNode)
                    and any(True for _ in kg.store.quads_for_pattern(o, SUBCLASS, cls, _DEFAULT))]
        definition = next((o.value for p, o in _objects(kg, s) if p == DEFINITION), None)
        out.append({"id": ident, "iri": iri, "label": kg.label_of(s) or ident, "definition": definition,
                    "types": _by_label([node(index, t) for t in subtypes]),
                    "href": f"/{slug}/{quote(ident)}", "page": f"/ui/{slug}/{quote(ident)}"})
    return _by_label(out)
