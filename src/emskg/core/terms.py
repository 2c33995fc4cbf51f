"""RDF terms as emskg handles them (pyoxigraph's classes), the read-only graph protocol the engines
share, and the small helpers every layer needs to show a term to a person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Protocol

import pyoxigraph as ox

from .vocab import PREFIXES, RDF_NIL

__all__ = ["Term", "ResultTerm", "Triple", "GraphView", "curie", "best_label", "read_list"]

#: A term of a graph: what a triple holds.
Term = ox.NamedNode | ox.BlankNode | ox.Literal
#: A term of a query result: SPARQL-star results can also bind a quoted triple.
ResultTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Triple = tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]


class GraphView(Protocol):
    """Read access to a data graph: what the SHACL engine and the SPARQL subset evaluate on.

    The reasoner's layered index (``Closure.index``) provides it; nothing else is needed, so the
    engines never depend on the store or the reasoner."""

    def objects(self, s: Term, p: Term) -> Iterable[Term]: ...

    def subjects(self, p: Term, o: Term) -> Iterable[Term]: ...

    def pairs(self, p: Term) -> Iterator[tuple[Term, Term]]: ...

    def __contains__(self, t: Triple) -> bool: ...


def curie(iri: str, prefixes: Mapping[str, str] = PREFIXES) -> str | None:
    """``ems:selectsOutcome`` for an IRI in a known namespace (with a local part), else None."""
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return None


def best_label(literals: Iterable[ox.Literal]) -> str | None:
    """The text to show for a term: its first English or untagged label, else its first label."""
    first = None
    for lit in literals:
        if lit.language in (None, "en"):
            return lit.value
        if first is None:
            first = lit.value
    return first


def read_list(head: Term, first: Callable[[Term], Term | None], rest: Callable[[Term], Term | None],
              error: type[Exception] = ValueError) -> list[Term]:
    """The members of the RDF list starting at ``head``; ``first``/``rest`` read one node's links.

    Raises ``error`` (ValueError by default; each engine passes its own "unsupported" type) when the
    list is malformed: a node without ``rdf:first``, or a cycle."""
    items: list[Term] = []
    seen: set[Term] = set()
    while head != RDF_NIL:
        item = first(head) if head not in seen else None
        if item is None:
            raise error(f"malformed RDF list at {head}")
        seen.add(head)
        items.append(item)
        head = rest(head) or RDF_NIL
    return items
