"""The compiled SHACL engine and the SPARQL subset it evaluates itself.

A standalone package: it sees data only through :class:`emskg.core.terms.GraphView` and imports
nothing of emskg but :mod:`emskg.core` (an import-linter contract holds it to that), so it could
become a distribution of its own. Its public surface: :class:`~emskg.shacl.engine.CompiledShapes`
(compile once, ``validate(graph, own_triples)``), :class:`~emskg.shacl.engine.RawResult` and
:class:`~emskg.shacl.engine.UnsupportedShape`.
"""
