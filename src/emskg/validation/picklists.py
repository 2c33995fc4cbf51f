"""The knowledge graph's terms a declaration picks from, by their labels: elements, initiatives,
frameworks, outcomes and value-chain stages.

People who fill in a workbook (or, later, a form) write "Internal audit", not ``kb:InternalAudit``.
This module turns the graph's labels into the pick lists a workbook offers (data validation) and
back into IRIs, with a "did you mean" for a typo. A value that is a CURIE (``kb:Foo``) or an IRI is
taken as it is, so a declaration that names something the graph does not know still round-trips
(the shapes report it).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..core.vocab import PREFIXES, RDF_TYPE, ems
from ..graph.store import KnowledgeGraph

__all__ = ["Choice", "PickList", "PickLists", "term_text", "parse_term_text"]


@dataclass(frozen=True)
class Choice:
    """One term of a pick list: its IRI, the label people pick, and what a sheet shows beside it."""

    iri: str
    label: str
    group: str = ""      # the component of an element, the value chain of a stage, "framework"/"tool"
    number: str = ""     # the Appendix C outline number of an element
    core: bool = False   # a core element (Check and Act, section 3.2.1)


@dataclass
class PickList:
    """The choices of one kind, in a stable order, and a case-insensitive lookup by label."""

    kind: str
    choices: list[Choice]
    _by_label: dict[str, Choice] = field(default_factory=dict, repr=False)
    _by_iri: dict[str, Choice] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for c in self.choices:
            self._by_label.setdefault(c.label.casefold(), c)
            self._by_iri[c.iri] = c

    @property
    def labels(self) -> list[str]:
        return [c.label for c in self.choices]

    def get(self, iri: str) -> Choice | None:
        return self._by_iri.get(iri)

    def display(self, term: ox.NamedNode | ox.BlankNode) -> str:
        """What a cell shows for ``term``: its label when the list has it, else its CURIE or IRI."""
        if isinstance(term, ox.NamedNode):
            c = self._by_iri.get(term.value)
            if c is not None:
                return c.label
        return term_text(term)

    def resolve(self, text: str) -> ox.NamedNode | ox.BlankNode:
        """The term a cell names: a label of the list (any case), a CURIE, an IRI or ``_:label``.

        Raises ``ValueError`` with a "did you mean" for anything else (a typo in a label)."""
        c = self._by_label.get(text.strip().casefold())
        if c is not None:
            return ox.NamedNode(c.iri)
        term = parse_term_text(text)
        if term is not None:
            return term
        close = difflib.get_close_matches(text, self.labels, n=1, cutoff=0.6)
        hint = f" (did you mean: {close[0]}?)" if close else ""
        raise ValueError(f"{text!r} is not one of the {self.kind} of the knowledge graph{hint}")


@dataclass
class PickLists:
    """Every pick list a declaration uses, read once from the knowledge graph."""

    elements: PickList
    initiatives: PickList
    outcomes: PickList
    stages: PickList

    @classmethod
    def from_graph(cls, kg: KnowledgeGraph) -> PickLists:
        """Read the lists from the (inferred) graph; labels that two terms share get the local name added."""
        def instances(cls_name: str) -> list[ox.NamedNode]:
            quads = kg.store.quads_for_pattern(None, RDF_TYPE, ems(cls_name), ox.DefaultGraph())
            return sorted({q.subject for q in quads if isinstance(q.subject, ox.NamedNode)}, key=lambda n: n.value)

        def one(subject: ox.NamedNode, prop: str) -> ox.NamedNode | ox.Literal | None:
            for q in kg.store.quads_for_pattern(subject, ems(prop), None, ox.DefaultGraph()):
                if isinstance(q.object, (ox.NamedNode, ox.Literal)):
                    return q.object
            return None

        def is_a(subject: ox.NamedNode, cls_name: str) -> bool:
            return any(True for _ in kg.store.quads_for_pattern(subject, RDF_TYPE, ems(cls_name), ox.DefaultGraph()))

        components = {c.value: kg.label_of(c) or c.value for c in (ems("Plan"), ems("Do"), ems("Check"), ems("Act"))}

        elements = []
        for e in instances("Element"):
            comp = one(e, "partOfComponent")
            num = one(e, "outlineNumber")
            elements.append(Choice(e.value, kg.label_of(e) or e.value,
                                   components.get(comp.value, "") if isinstance(comp, ox.NamedNode) else "",
                                   num.value if isinstance(num, ox.Literal) else "", is_a(e, "CoreElement")))
        elements.sort(key=lambda c: (_outline_key(c.number), c.label))
        initiatives = [Choice(i.value, kg.label_of(i) or i.value,
                              "framework" if is_a(i, "ManagementSystemFramework") else "tool")
                       for i in instances("ManagementInitiative")]
        initiatives.sort(key=lambda c: (c.group != "framework", c.label.casefold()))
        outcomes = sorted((Choice(o.value, kg.label_of(o) or o.value) for o in instances("ManagementOutcome")),
                          key=lambda c: c.label.casefold())
        stages = []
        for s in instances("ValueChainStage"):
            chain = one(s, "stageOf")
            stages.append(Choice(s.value, kg.label_of(s) or s.value,
                                 (kg.label_of(chain) or "") if isinstance(chain, ox.NamedNode) else ""))
        stages.sort(key=lambda c: (c.group, c.label.casefold()))
        return cls(PickList("elements", _unique(elements)), PickList("initiatives", _unique(initiatives)),
                   PickList("outcomes", _unique(outcomes)), PickList("value-chain stages", _unique(stages)))


def _outline_key(number: str) -> tuple[int, ...]:
    """Sort Appendix C numbers as an outline: II.A before II.B, IV.B before IV.B.1 before IV.C."""
    roman = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}
    out: list[int] = []
    for part in number.split("."):
        if part in roman:
            out.append(roman[part])
        elif part.isdigit():
            out.append(int(part))
        elif len(part) == 1 and part.isalpha():
            out.append(ord(part.upper()) - 64)
    return tuple(out) if out else (99,)


def _unique(choices: Iterable[Choice]) -> list[Choice]:
    """Give a label two terms share the local name of each, so every label picks one term."""
    items = list(choices)
    seen: dict[str, int] = {}
    for c in items:
        seen[c.label.casefold()] = seen.get(c.label.casefold(), 0) + 1
    out = []
    for c in items:
        if seen[c.label.casefold()] > 1:
            local = c.iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
            c = Choice(c.iri, f"{c.label} ({local})", c.group, c.number, c.core)
        out.append(c)
    return out


def term_text(term: ox.NamedNode | ox.BlankNode) -> str:
    """An IRI as a CURIE when an emskg prefix fits (``kb:Foo``), else in full; a blank node as ``_:label``."""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    for prefix, ns in PREFIXES.items():
        if term.value.startswith(ns):
            local = term.value[len(ns):]
            if local and all(ch.isalnum() or ch in "_-." for ch in local):
                return f"{prefix}:{local}"
    return term.value


def parse_term_text(text: str) -> ox.NamedNode | ox.BlankNode | None:
    """The term :func:`term_text` wrote (a CURIE of an emskg prefix, an IRI, ``_:label``), or None
    for text that is none of these (a label)."""
    text = text.strip()
    if not text or any(ch.isspace() for ch in text) or ":" not in text:
        return None
    if text.startswith("_:"):
        label = text[2:]
        return ox.BlankNode(label) if label and all(ch.isalnum() or ch in "_-" for ch in label) else None
    prefix, _, local = text.partition(":")
    if prefix in PREFIXES and not local.startswith("//"):
        return ox.NamedNode(PREFIXES[prefix] + local)
    if not prefix or not (prefix[0].isalpha() and all(ch.isalnum() or ch in "+-." for ch in prefix)):
        return None
    try:
        return ox.NamedNode(text)
    except ValueError:
        return None
