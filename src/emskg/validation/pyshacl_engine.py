"""The two engines that run pyshacl, and reading its report back.

``pyshacl`` validates the data slice :meth:`emskg.validation.validator.Validator.data_graph` builds
(already reasoned, so no inference); ``reference`` is the naive pipeline — declaration, ontology
and knowledge base with pyshacl's own owlrl inference — that the other engines are held to.
rdflib and pyshacl are imported inside the functions: they are slow to import and the default
engine never needs them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..core.rdfio import from_rdflib_term, to_rdflib
from ..core.terms import Triple
from ..core.vocab import SH
from ..shacl.engine import RawResult
from .shapes import Shapes

if TYPE_CHECKING:
    import rdflib

__all__ = ["run_sliced", "run_reference", "report_results"]

_PREPARED: dict[str, Any] = {}


def run_sliced(data: list[Triple], shapes: Shapes) -> rdflib.Graph:
    """pyshacl on the slice: already reasoned, so no inference; in place, since the graph is ours."""
    import pyshacl

    graph = to_rdflib(data, _query_caching_graph())
    _, report, _ = pyshacl.validate(graph, shacl_graph=shapes.graph, inference="none", inplace=True)
    return report  # type: ignore[no-any-return]


def _query_caching_graph() -> rdflib.Graph:
    """An rdflib graph that parses each SPARQL text once per process.

    pyshacl sends a SPARQL-based constraint's text to ``Graph.query`` once per focus node, and
    rdflib parses it every time (pyparsing: most of a validation). The text only depends on the
    shape, so the parsed query is kept and reused; evaluation is unchanged. The class is defined on
    first use because rdflib is slow to import.
    """
    global _QueryCachingGraph
    if _QueryCachingGraph is None:
        import rdflib
        from rdflib.plugins.sparql import prepareQuery

        class QueryCachingGraph(rdflib.Graph):
            def query(self, query_object: Any, *args: Any, **kwargs: Any) -> Any:
                if isinstance(query_object, str):
                    prepared = _PREPARED.get(query_object)
                    if prepared is None:
                        prepared = _PREPARED[query_object] = prepareQuery(query_object)
                    query_object = prepared
                return super().query(query_object, *args, **kwargs)

        _QueryCachingGraph = QueryCachingGraph
    graph: rdflib.Graph = _QueryCachingGraph(bind_namespaces="none")
    return graph


_QueryCachingGraph: Any = None


def report_results(report: rdflib.Graph) -> Iterator[RawResult]:
    """The sh:result nodes of a pyshacl report, as pyoxigraph terms."""
    from rdflib import URIRef

    sh = {n: URIRef(SH + n) for n in ("result", "focusNode", "resultPath", "resultSeverity", "sourceShape",
                                       "resultMessage", "value", "sourceConstraintComponent")}
    for result in report.objects(None, sh["result"]):
        def one(name: str, node: Any = result) -> Any:
            return report.value(node, sh[name])

        path = one("resultPath")
        value = one("value")
        component = one("sourceConstraintComponent")
        yield RawResult(
            focus=from_rdflib_term(one("focusNode")),
            path=None if path is None else _path_text(report, path),
            severity=str(one("resultSeverity")).removeprefix(SH),
            shape=str(one("sourceShape")),
            messages=tuple(sorted(str(m) for m in report.objects(result, sh["resultMessage"]))),
            value=None if value is None else from_rdflib_term(value),
            component=None if component is None else str(component),
        )


_PATH_OPERATORS = {"inversePath": "^{}", "zeroOrMorePath": "{}*", "oneOrMorePath": "{}+", "zeroOrOnePath": "{}?"}


def _path_text(graph: rdflib.Graph, path: Any) -> str:
    """A predicate path as its IRI; any other SHACL path in SPARQL property-path syntax."""
    from rdflib import RDF, BNode, URIRef
    from rdflib.collection import Collection

    if not isinstance(path, BNode):
        return str(path)
    for name, pattern in _PATH_OPERATORS.items():
        inner = graph.value(path, URIRef(SH + name))
        if inner is not None:
            return pattern.format(_path_part(graph, inner))
    alternatives = graph.value(path, URIRef(SH + "alternativePath"))
    if alternatives is not None:
        return "(" + "|".join(_path_part(graph, p) for p in Collection(graph, alternatives)) + ")"
    if graph.value(path, RDF.first) is not None:
        return "/".join(_path_part(graph, p) for p in Collection(graph, path))
    return "?"


def _path_part(graph: rdflib.Graph, path: Any) -> str:
    from rdflib import URIRef

    return f"<{path}>" if isinstance(path, URIRef) else _path_text(graph, path)


def run_reference(kb: list[Triple], declaration: list[Triple], shapes: Shapes) -> rdflib.Graph:
    """The naive pipeline: pyshacl over declaration + ontology + KB (asserted) with owlrl inference.

    ``PYSHACL_USE_FULL_MIXIN=1`` makes pyshacl mix the *whole* ``ont_graph`` into the data graph
    (without it, pyshacl only copies class and property definitions, not the KB's individuals, so
    no outcome or element would be known). In pyshacl 0.40 that code path returns a bare rdflib
    Dataset and the owlrl step then fails (``'Dataset' object has no attribute 'is_oxigraph'``),
    so this does the same mixing itself: the data graph is declaration ∪ ontology ∪ KB.
    """
    import pyshacl
    import rdflib

    data = to_rdflib(kb, rdflib.Graph(bind_namespaces="none"))
    to_rdflib(declaration, data)
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes.graph, inference="owlrl", inplace=True)
    return report  # type: ignore[no-any-return]
