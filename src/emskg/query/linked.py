"""Linked Data: what emskg answers when one of its IRIs is dereferenced.

* A KB resource (``https://w3id.org/emskg/kb/{name}``) is described by its own triples (asserted and
  inferred), the blank nodes it holds (its claims with their evidence and report sections, steps,
  figures — followed to the end, as a concise bounded description does), the triples of others
  that point at it (and the claims of others about it, with their holder), and the labels of every
  IRI those triples name, so a client can show the description without a second request.
* The ontology (``https://w3id.org/emskg/ontology``, its terms under ``#``) is the ontology document
  as written: the triples of ``ontology/*.ttl``.
* The shapes graph (``https://w3id.org/emskg/shapes``) is read from ``shapes/*.ttl`` (it is not part
  of the store: the shapes check declarations, they are not knowledge).

Runs in a worker (it scans the store); raises :class:`NotFoundError` for a name that names nothing.
"""

from __future__ import annotations

import pyoxigraph as ox

from ..core.rdfio import parse_file
from ..core.terms import Triple
from ..core.vocab import KB, RDFS_LABEL
from ..errors import NotFoundError
from ..graph.store import KnowledgeGraph
from .formats import compact

__all__ = ["resource_description", "kb_iri", "ontology_triples", "shapes_triples"]

_DEFAULT = ox.DefaultGraph()


def _triples(store: ox.Store, s: ox.NamedNode | ox.BlankNode | None, o: ox.NamedNode | ox.BlankNode | None) -> list[Triple]:
    return [(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(s, None, o, _DEFAULT)]  # type: ignore[misc]


def _with_blank_nodes(store: ox.Store, start: list[Triple], seen: set[ox.BlankNode]) -> list[Triple]:
    """``start`` plus every triple of the blank nodes it reaches, transitively."""
    out = list(start)
    todo = [t[2] for t in start if isinstance(t[2], ox.BlankNode)]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for t in _triples(store, node, None):
            out.append(t)
            if isinstance(t[2], ox.BlankNode):
                todo.append(t[2])
    return out


def resource_description(kg: KnowledgeGraph, iri: str) -> list[Triple]:
    """The description of one resource (see the module docstring); raises NotFoundError when the
    graph says nothing about ``iri``."""
    store = kg.store
    node = ox.NamedNode(iri)
    own = _triples(store, node, None)
    if not own:
        raise NotFoundError(f"the knowledge graph says nothing about {compact(node)}")
    seen: set[ox.BlankNode] = set()
    out = _with_blank_nodes(store, own, seen)
    for s, p, o in _triples(store, None, node):
        if isinstance(s, ox.NamedNode):
            out.append((s, p, o))
        elif isinstance(s, ox.BlankNode) and s not in seen:  # a claim of another resource about this one
            seen.add(s)
            out.extend(_triples(store, None, s))  # who holds it
            out.extend(_with_blank_nodes(store, _triples(store, s, None), seen))
    named = {t for s, _, o in out for t in (s, o) if isinstance(t, ox.NamedNode) and t != node}
    for term in sorted(named, key=lambda t: t.value):
        out.extend((term, RDFS_LABEL, q.object) for q in store.quads_for_pattern(term, RDFS_LABEL, None, _DEFAULT)
                   if isinstance(q.object, ox.Literal))
    return list(dict.fromkeys(out))


def kb_iri(name: str) -> str:
    """The KB IRI of a local name; raises NotFoundError for a name that cannot be one."""
    iri = KB + name
    try:
        ox.NamedNode(iri)
    except ValueError:
        raise NotFoundError(f"not a name of the knowledge base: {name[:80]!r}") from None
    return iri


def ontology_triples(kg: KnowledgeGraph) -> list[Triple]:
    """The ontology document: the asserted triples of ``ontology/*.ttl``."""
    prefix = kg.paths.ontology.relative_to(kg.paths.root).as_posix() + "/"
    return [t for g in kg.source_graphs() if g.value.split("/graph/", 1)[-1].startswith(prefix)
            for t in kg.graph_triples(g)]


def shapes_triples(kg: KnowledgeGraph) -> list[Triple]:
    """The shapes graph, read from ``shapes/*.ttl``; raises ``RdfSyntaxError`` when a file is broken."""
    return [t for f in sorted(kg.paths.shapes.glob("*.ttl")) for t in parse_file(f)]
