"""Issue 15: the ontology, the shapes graph and the knowledge base are published with their metadata,
and their version is the package's (one source: a release bumps ``_version.py`` and this test names
every header that still says the old one)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from emskg._version import __version__
from emskg.core.rdfio import parse_file
from emskg.query.named import list_queries
from emskg.query.sparql import run_sparql

ROOT = Path(__file__).resolve().parents[2]
HEADERS = {"ontology/emskg.ttl": "https://w3id.org/emskg/ontology",
           "shapes/management-system.ttl": "https://w3id.org/emskg/shapes",
           "kb/report.ttl": "https://w3id.org/emskg/kb"}
OWL = "http://www.w3.org/2002/07/owl#"
QC = next(q for q in list_queries(include_qc=True) if q.name == "qc/ontology-metadata-violation")


def _store(path: str) -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(s, p, o) for s, p, o in parse_file(ROOT / path))
    return store


@pytest.mark.parametrize("path", sorted(HEADERS))
def test_version_is_the_package_version(path: str) -> None:
    iri = ox.NamedNode(HEADERS[path])
    store = _store(path)
    info = [q.object.value for q in store.quads_for_pattern(iri, ox.NamedNode(OWL + "versionInfo"), None)]
    assert info == [__version__]
    version_iri = [q.object.value for q in store.quads_for_pattern(iri, ox.NamedNode(OWL + "versionIRI"), None)]
    assert version_iri == [f"https://w3id.org/emskg/releases/{__version__}/{HEADERS[path].rsplit('/', 1)[1]}"]


@pytest.mark.parametrize("path", sorted(HEADERS))
def test_header_passes_the_metadata_check(path: str) -> None:
    """The QC query (run by ``emskg check`` on ontology + KB) holds for each file, shapes included."""
    result = run_sparql(_store(path), QC.text)
    assert result.rows == []
    found = run_sparql(_store(path), f"ASK {{ <{HEADERS[path]}> a owl:Ontology }}")
    assert found.boolean is True
