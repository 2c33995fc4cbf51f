"""The ontology's HTML documentation, generated from its Turtle.

emskg writes its own small generator rather than running pyLODE: pyLODE pulls in a dependency tree
of its own (and, for terms of other vocabularies, tries to fetch their labels over the network),
while emskg must never fetch and its ontology has a fixed, simple shape — an ontology header,
classes, object and datatype properties, each with a label, a definition and the report sections it
comes from. One page: the metadata, a table of contents, then every term under an anchor named by
its local name, so ``https://w3id.org/emskg/ontology#ManagementTool`` lands on its entry.

The page has no inline script or style (the server's Content-Security-Policy forbids both): it
links one stylesheet, given by the caller.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape

import pyoxigraph as ox

from ..core.terms import Triple, best_label
from ..core.vocab import DCTERMS, EMS, OWL, RDF_TYPE, RDFS, RDFS_COMMENT, RDFS_LABEL, SKOS_DEFINITION, VANN
from .formats import compact

__all__ = ["ontology_html", "ONTOLOGY_CSS"]

#: The stylesheet ``make docs`` writes beside the page.
ONTOLOGY_CSS = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
dt{font-weight:600}section.term{border-top:1px solid #ddd;padding-top:.5rem}code{font-size:.9em}
table{border-collapse:collapse}td,th{padding:.2rem .6rem;text-align:left;vertical-align:top}
"""

_KINDS = (("Classes", OWL + "Class"), ("Object properties", OWL + "ObjectProperty"),
          ("Datatype properties", OWL + "DatatypeProperty"), ("Annotation properties", OWL + "AnnotationProperty"))
_META = (("Version", OWL + "versionInfo"), ("Version IRI", OWL + "versionIRI"), ("Licence", DCTERMS + "license"),
         ("Creator", DCTERMS + "creator"), ("Publisher", DCTERMS + "publisher"), ("Created", DCTERMS + "created"),
         ("Modified", DCTERMS + "modified"), ("Preferred prefix", VANN + "preferredNamespacePrefix"),
         ("Namespace", VANN + "preferredNamespaceUri"))
_TERM_FIELDS = (("Subclass of", RDFS + "subClassOf"), ("Sub-property of", RDFS + "subPropertyOf"),
                ("Domain", RDFS + "domain"), ("Range", RDFS + "range"), ("Inverse of", OWL + "inverseOf"),
                ("Source", DCTERMS + "source"))


def ontology_html(triples: list[Triple], ontology_iri: str, css_href: str) -> str:
    """The documentation page of the ontology ``ontology_iri`` described by ``triples``."""
    about: dict[str, dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in triples:
        if isinstance(s, ox.NamedNode):
            about[s.value][p.value].append(o)

    def label(iri: str) -> str:
        labels = [o for o in about.get(iri, {}).get(RDFS_LABEL.value, []) if isinstance(o, ox.Literal)]
        return best_label(labels) or compact(ox.NamedNode(iri))

    def show(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
        if isinstance(term, ox.NamedNode):
            href = "#" + term.value[len(EMS):] if term.value.startswith(EMS) else term.value
            return f'<a href="{escape(href)}">{escape(label(term.value))}</a>'
        if isinstance(term, ox.BlankNode):
            return "<em>(a class expression)</em>"
        return escape(term.value)

    def text(iri: str, prop: str) -> str:
        values = [o for o in about.get(iri, {}).get(prop, []) if isinstance(o, ox.Literal)]
        return escape(best_label(values) or "")

    head = about.get(ontology_iri, {})
    title = label(ontology_iri)
    parts = [f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
             f'<link rel="stylesheet" href="{escape(css_href)}"></head><body>',
             f"<h1>{escape(title)}</h1>", f"<p><code>{escape(ontology_iri)}</code></p>",
             f"<p>{text(ontology_iri, RDFS_COMMENT.value) or text(ontology_iri, SKOS_DEFINITION.value)}</p>", "<table>"]
    for name, prop in _META:
        values = head.get(prop, [])
        if values:
            parts.append(f"<tr><th>{name}</th><td>{', '.join(show(v) for v in values)}</td></tr>")
    parts.append("</table>")
    sections = []
    for heading, kind in _KINDS:
        terms = sorted((iri for iri, props in about.items() if iri.startswith(EMS)
                        and any(isinstance(t, ox.NamedNode) and t.value == kind for t in props.get(RDF_TYPE.value, []))),
                       key=lambda i: label(i).casefold())
        if terms:
            sections.append((heading, terms))
    parts.append('<nav id="terms"><h2>Terms</h2>')
    for heading, terms in sections:
        links = ", ".join(f'<a href="#{escape(i[len(EMS):])}">{escape(label(i))}</a>' for i in terms)
        parts.append(f"<h3>{heading}</h3><p>{links}</p>")
    parts.append("</nav>")
    for heading, terms in sections:
        parts.append(f"<h2>{heading}</h2>")
        for iri in terms:
            parts.append(f'<section class="term" id="{escape(iri[len(EMS):])}"><h3>{escape(label(iri))}</h3>'
                         f"<p><code>{escape(iri)}</code></p><p>{text(iri, SKOS_DEFINITION.value)}</p><dl>")
            for name, prop in _TERM_FIELDS:
                values = about[iri].get(prop, [])
                if values:
                    parts.append(f"<dt>{name}</dt><dd>{', '.join(show(v) for v in values)}</dd>")
            parts.append("</dl></section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
