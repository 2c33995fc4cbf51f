"""Publishing the graph: the VoID/DCAT dataset description and the release files (``emskg release``).

One module names the release files, so the VoID description the server answers at
``/.well-known/void`` points at exactly the dumps ``make release`` writes: for each part
(``ontology``, ``shapes``, ``inferred`` = ontology + KB + every inference) and each format
(Turtle, N-Triples, JSON-LD, RDF/XML) a file ``emskg-{part}-{version}.{ext}``, published under
``https://w3id.org/emskg/releases/{version}/`` (docs/w3id.md), plus ``emskg-void-{version}.ttl`` and
``SHA256SUMS`` (``sha256sum -c`` format).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox

from .._version import __version__
from ..core.fsutil import atomic_write
from ..core.rdfio import serialize
from ..core.terms import Triple
from ..core.vocab import (
    DATASET,
    DCAT,
    DCTERMS,
    EMS,
    KB,
    LICENSE,
    RDF_TYPE,
    RDFS_SEE_ALSO,
    RELEASES,
    VOID,
    XSD_INTEGER,
    owl,
)
from ..errors import InputError
from ..graph.store import INFERRED_GRAPH, KnowledgeGraph
from .linked import ontology_triples, shapes_triples

__all__ = ["DUMP_FORMATS", "PARTS", "dump_name", "dump_url", "void_triples", "write_release"]

#: extension -> (format, media type), in the order the VoID lists them.
DUMP_FORMATS: dict[str, tuple[ox.RdfFormat, str]] = {
    "ttl": (ox.RdfFormat.TURTLE, "text/turtle"), "nt": (ox.RdfFormat.N_TRIPLES, "application/n-triples"),
    "jsonld": (ox.RdfFormat.JSON_LD, "application/ld+json"), "rdf": (ox.RdfFormat.RDF_XML, "application/rdf+xml"),
}
PARTS = ("ontology", "shapes", "inferred")


def dump_name(part: str, ext: str, version: str = __version__) -> str:
    return f"emskg-{part}-{version}.{ext}"


def dump_url(name: str, version: str = __version__) -> str:
    return f"{RELEASES}{version}/{name}"


def _n(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=XSD_INTEGER)


def _count(store: ox.Store, query: str) -> int:
    row = next(iter(store.query(query)))  # type: ignore[arg-type]
    return int(row[0].value)


def void_triples(kg: KnowledgeGraph, endpoint: str | None, version: str = __version__) -> list[Triple]:
    """The VoID + DCAT description of the dataset: figures of the default (inferred) graph, each named
    graph as a subset, the SPARQL endpoint (when one serves it), the dump files and the licence."""
    store = kg.store
    ds = ox.NamedNode(DATASET)
    a = RDF_TYPE

    def v(name: str) -> ox.NamedNode:
        return ox.NamedNode(VOID + name)

    def d(name: str) -> ox.NamedNode:
        return ox.NamedNode(DCAT + name)

    def dc(name: str) -> ox.NamedNode:
        return ox.NamedNode(DCTERMS + name)

    out: list[Triple] = [
        (ds, a, v("Dataset")), (ds, a, d("Dataset")),
        (ds, dc("title"), ox.Literal("emskg knowledge graph", language="en")),
        (ds, dc("description"), ox.Literal(
            "Continual-improvement management systems of water and wastewater utilities, from the EMS Integration "
            "Project Workgroup Final Report (WEF, AMSA, US EPA): the ontology, the knowledge base and every OWL 2 RL "
            "inference.", language="en")),
        (ds, dc("license"), ox.NamedNode(LICENSE)), (ds, dc("publisher"), ox.Literal("emskg project")),
        (ds, owl("versionInfo"), ox.Literal(version)), (ds, d("version"), ox.Literal(version)),
        (ds, v("vocabulary"), ox.NamedNode(EMS)), (ds, v("uriSpace"), ox.Literal(KB)),
        (ds, v("exampleResource"), ox.NamedNode(KB + "QualServe")),
        (ds, v("triples"), _n(_count(store, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"))),
        (ds, v("classes"), _n(_count(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?s a ?c }"))),
        (ds, v("properties"), _n(_count(store, "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?s ?p ?o }"))),
        (ds, v("distinctSubjects"), _n(_count(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s ?p ?o }"))),
        (ds, v("distinctObjects"), _n(_count(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) { ?s ?p ?o }"))),
    ]
    if endpoint:
        out.append((ds, v("sparqlEndpoint"), ox.NamedNode(endpoint)))
    for g in [*kg.source_graphs(), INFERRED_GRAPH]:
        n = sum(1 for _ in store.quads_for_pattern(None, None, None, g))
        out += [(ds, v("subset"), g), (g, a, v("Dataset")), (g, v("triples"), _n(n))]
    for part in PARTS:
        for ext, (_, media) in DUMP_FORMATS.items():
            url = ox.NamedNode(dump_url(dump_name(part, ext, version), version))
            dist = ox.BlankNode(f"{part}-{ext}")
            out.append((ds, v("dataDump"), url) if part == "inferred" else (ds, RDFS_SEE_ALSO, url))
            out += [(ds, d("distribution"), dist), (dist, a, d("Distribution")), (dist, d("downloadURL"), url),
                    (dist, d("mediaType"), ox.Literal(media)), (dist, dc("title"), ox.Literal(f"emskg {part}"))]
    by_subject: dict[object, list[Triple]] = {}
    for t in out:  # each node's triples together, so Turtle writes each node once
        by_subject.setdefault(t[0], []).append(t)
    return [t for group in by_subject.values() for t in group]


def write_release(kg: KnowledgeGraph, folder: str | Path, endpoint: str | None, version: str = __version__) -> list[Path]:
    """Write the release files into ``folder`` (created if needed); the written paths, SHA256SUMS last.

    Raises ``InputError`` when the folder cannot be created or a file cannot be written, and
    ``RdfSyntaxError`` when a shapes file does not parse."""
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create the release folder ({exc.strerror})") from None
    contents = {"ontology": ontology_triples(kg), "shapes": shapes_triples(kg), "inferred": kg.triples(inferred=True)}
    files: dict[str, bytes] = {}
    for part in PARTS:
        for ext, (fmt, _) in DUMP_FORMATS.items():
            files[dump_name(part, ext, version)] = serialize(contents[part], fmt)
    files[dump_name("void", "ttl", version)] = serialize(void_triples(kg, endpoint, version), ox.RdfFormat.TURTLE)
    files["SHA256SUMS"] = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n"
                                  for name, data in files.items()).encode()
    written = []
    for name, data in files.items():
        try:
            atomic_write(out / name, data)
        except OSError as exc:
            raise InputError(f"{out / name}: cannot write ({exc.strerror})") from None
        written.append(out / name)
    return written
