"""The shapes of ``shapes/``: parsed once, and analysed for what the validator needs beyond the
SHACL engines — each shape's label, message, targets and gaps (``ems:gapComponent`` /
``ems:gapElement``), and every IRI the shapes can read (what the pyshacl engine's data slice keeps).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from ..core.rdfio import parse_file, to_rdflib
from ..core.sparqltext import iris_named
from ..core.terms import Term, Triple, best_label
from ..core.vocab import EMS, RDF_TYPE, RDFS_LABEL, RDFS_SUBCLASS_OF, SH
from ..errors import InputError
from .gaps import Gap

if TYPE_CHECKING:  # rdflib is slow to import; only the pyshacl engines need the graph
    import rdflib

__all__ = ["ShapeInfo", "Shapes"]


@dataclass(frozen=True)
class ShapeInfo:
    """What the validator needs to know about a shape besides what pyshacl does with it."""

    iri: str
    label: str
    message: str
    gaps: tuple[Gap, ...]
    targets: tuple[tuple[str, str], ...]  # (sh:targetClass | sh:targetObjectsOf | ..., IRI)


_TARGETS = ("targetClass", "targetObjectsOf", "targetSubjectsOf", "targetNode")


class Shapes:
    """The shapes of ``shapes/``, parsed once: as triples, as an rdflib graph for pyshacl, and indexed."""

    def __init__(self, folder: Path) -> None:
        """Raises ``InputError`` when ``folder`` has no ``*.ttl`` file, ``RdfSyntaxError`` for a broken one."""
        self.folder = folder
        files = sorted(folder.glob("*.ttl"))
        if not files:
            raise InputError(f"no SHACL shapes found in {folder}")
        self.triples: list[Triple] = [t for f in files for t in parse_file(f)]
        self.info = _shape_info(self.triples)
        self.terms = _mentioned_terms(self.triples)
        self._graph: rdflib.Graph | None = None

    @property
    def graph(self) -> rdflib.Graph:
        if self._graph is None:
            import rdflib

            self._graph = to_rdflib(self.triples, rdflib.Graph(bind_namespaces="none"))
        return self._graph


def _mentioned_terms(triples: list[Triple]) -> frozenset[ox.NamedNode]:
    """Every IRI the shapes name as a value or in their SPARQL (prefixed names expanded).

    A shape can only read a predicate it names — as the object of ``sh:path``, of a path operator or
    list, of ``sh:targetObjectsOf`` ... — or writes in its SPARQL, so the pyshacl engine's slice keeps
    the knowledge-base triples with these predicates (a superset: classes, elements and sections are
    in it too). The predicates that *describe* the shapes (``rdfs:label``, ``dcterms:source`` ...)
    are not read from the data. ``rdf:type`` (SPARQL's ``a``, ``sh:class``) and ``rdfs:subClassOf``
    (what ``sh:class`` follows) always are.
    """
    iris = {o.value for _, _, o in triples if isinstance(o, ox.NamedNode)}
    prefixes = _declared_prefixes(triples)
    for _, p, o in triples:
        if p.value in (SH + "select", SH + "ask") and isinstance(o, ox.Literal):
            iris.update(iris_named(o.value, prefixes))
    iris.update((RDF_TYPE.value, RDFS_SUBCLASS_OF.value))
    return frozenset(ox.NamedNode(i) for i in iris)


def _declared_prefixes(triples: list[Triple]) -> dict[str, str]:
    """The ``sh:declare`` prefixes of the shapes graph (what their SPARQL can use)."""
    by_node: dict[Any, dict[str, str]] = defaultdict(dict)
    for s, p, o in triples:
        if p.value in (SH + "prefix", SH + "namespace") and isinstance(o, ox.Literal):
            by_node[s][p.value.removeprefix(SH)] = o.value
    return {d["prefix"]: d["namespace"] for d in by_node.values() if {"prefix", "namespace"} <= d.keys()}


def _shape_info(triples: Iterable[Triple]) -> dict[str, ShapeInfo]:
    by_subject: dict[str, dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]] = defaultdict(
        lambda: defaultdict(list))
    for s, p, o in triples:
        if isinstance(s, ox.NamedNode):
            by_subject[s.value][p.value].append(o)
    shape_types = {SH + "NodeShape", SH + "PropertyShape"}
    out = {}
    for iri, props in by_subject.items():
        if not shape_types & {t.value for t in props[RDF_TYPE.value]}:
            continue
        gaps = [Gap("component", o.value) for o in props[EMS + "gapComponent"]]
        gaps += [Gap("element", o.value) for o in props[EMS + "gapElement"]]
        targets = tuple(sorted((t, o.value) for t in _TARGETS for o in props[SH + t]))
        out[iri] = ShapeInfo(iri, _first_text(props[RDFS_LABEL.value]) or iri, _first_text(props[SH + "message"]),
                             tuple(gaps), targets)
    return out


def _first_text(terms: Sequence[Term]) -> str:
    """The English (or untagged) text, else any, the alphabetically first when there are several."""
    return best_label(sorted((t for t in terms if isinstance(t, ox.Literal)), key=lambda t: t.value)) or ""
