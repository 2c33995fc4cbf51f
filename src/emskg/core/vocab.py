"""The vocabulary: every namespace and well-known IRI emskg uses, written once.

Modules import the constant (``RDF_TYPE``) or build a term with a namespace function
(``ems("ManagementSystem")``) instead of spelling an IRI, so a namespace can only be wrong in one
place. ``PREFIXES`` is what queries get predeclared and what serialised Turtle and CURIEs use.
"""

from __future__ import annotations

import pyoxigraph as ox

__all__ = [
    "PREFIXES", "RDF", "RDFS", "OWL", "XSD", "SKOS", "DCTERMS", "SH", "EMS", "KB", "EMSH", "GRAPH", "SD", "VOID",
    "FORMATS_NS", "VANN", "DCAT", "EMSKG", "RELEASES", "DATASET", "LICENSE", "REGISTRATION",
    "OWL_RDF_BASED_ENTAILMENT", "OWL_RL_PROFILE", "SPARQL_RESULTS",
    "RDF_TYPE", "RDF_FIRST", "RDF_REST", "RDF_NIL", "RDF_LANG_STRING", "RDFS_LABEL", "RDFS_SUBCLASS_OF",
    "RDFS_COMMENT", "RDFS_SEE_ALSO", "SKOS_ALT_LABEL", "SKOS_DEFINITION", "DCTERMS_SOURCE", "XSD_STRING",
    "XSD_BOOLEAN", "XSD_INTEGER", "XSD_DATETIME", "TRUE", "rdf", "rdfs", "owl", "xsd", "sh", "ems",
]

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
SH = "http://www.w3.org/ns/shacl#"
EMS = "https://w3id.org/emskg/ontology#"
KB = "https://w3id.org/emskg/kb/"
#: The namespace of emskg's SHACL shapes (``shapes/*.ttl``); reports abbreviate it as ``emsh:``.
EMSH = "https://w3id.org/emskg/shapes#"
#: The named graphs of the store: one per source file, and ``inferred``.
GRAPH = "https://w3id.org/emskg/graph/"
#: The named graphs of registered declarations (``emskg register``): ``REGISTRATION + <16 hex id>``.
REGISTRATION = "https://w3id.org/emskg/registration/"
#: emskg's own root (w3id), where its releases are published, the dataset's IRI, and its licence.
EMSKG = "https://w3id.org/emskg/"
RELEASES = "https://w3id.org/emskg/releases/"
#: Skolem IRIs (RDF 1.1 §3.5) standing for blank nodes where a store cannot keep them: Virtuoso loses a
#: blank node shared by two graphs (docs/stores.md "Virtuoso"); emskg.stores.remote maps them back.
GENID = "https://w3id.org/emskg/.well-known/genid/"
#: Stand-in datatypes (``<this>duration`` for ``xsd:duration``) for literals Virtuoso cannot keep: it
#: refuses or rewrites XSD durations ("P6Y" becomes "12"); emskg.stores.remote maps them back.
OPAQUE_DATATYPE = "https://w3id.org/emskg/.well-known/datatype/"
DATASET = "https://w3id.org/emskg/dataset"
LICENSE = "https://spdx.org/licenses/MIT"
#: Publication metadata: the preferred prefix and namespace of a vocabulary (VANN), data catalogues (DCAT).
VANN = "http://purl.org/vocab/vann/"
DCAT = "http://www.w3.org/ns/dcat#"
#: The SPARQL service description vocabulary, VoID and the W3C format IRIs (``/sparql`` describes itself).
SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
OWL_RDF_BASED_ENTAILMENT = "http://www.w3.org/ns/entailment/OWL-RDF-Based"
OWL_RL_PROFILE = "http://www.w3.org/ns/owl-profile/RL"
#: The XML namespace of the SPARQL Query Results XML Format.
SPARQL_RESULTS = "http://www.w3.org/2005/sparql-results#"

#: Prefixes predeclared in every query and used when writing Turtle or a CURIE (in this order).
PREFIXES: dict[str, str] = {
    "ems": EMS, "kb": KB, "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD, "skos": SKOS, "dcterms": DCTERMS,
    "sh": SH,
}


def rdf(name: str) -> ox.NamedNode:
    return ox.NamedNode(RDF + name)


def rdfs(name: str) -> ox.NamedNode:
    return ox.NamedNode(RDFS + name)


def owl(name: str) -> ox.NamedNode:
    return ox.NamedNode(OWL + name)


def xsd(name: str) -> ox.NamedNode:
    return ox.NamedNode(XSD + name)


def sh(name: str) -> ox.NamedNode:
    return ox.NamedNode(SH + name)


def ems(name: str) -> ox.NamedNode:
    return ox.NamedNode(EMS + name)


RDF_TYPE = rdf("type")
RDF_FIRST, RDF_REST, RDF_NIL = rdf("first"), rdf("rest"), rdf("nil")
RDF_LANG_STRING = rdf("langString")
RDFS_LABEL = rdfs("label")
RDFS_SUBCLASS_OF = rdfs("subClassOf")
RDFS_COMMENT = rdfs("comment")
RDFS_SEE_ALSO = rdfs("seeAlso")
SKOS_ALT_LABEL = ox.NamedNode(SKOS + "altLabel")
SKOS_DEFINITION = ox.NamedNode(SKOS + "definition")
DCTERMS_SOURCE = ox.NamedNode(DCTERMS + "source")
XSD_STRING = xsd("string")
XSD_BOOLEAN = xsd("boolean")
XSD_INTEGER = xsd("integer")
XSD_DATETIME = xsd("dateTime")
TRUE = ox.Literal("true", datatype=XSD_BOOLEAN)
