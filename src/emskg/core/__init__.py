"""The foundation every other layer builds on: vocabulary, RDF terms, RDF I/O, SPARQL text, data paths
and file writing. Nothing here imports another emskg package except :mod:`emskg.errors`."""
