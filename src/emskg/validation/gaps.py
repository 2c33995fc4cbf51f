"""Gap analysis: which initiatives of the knowledge graph would fill what a declaration is missing.

A SHACL shape of ``shapes/`` that finds something missing says what with ``ems:gapComponent`` (a
plan-do-check-act component) or ``ems:gapElement`` (an Appendix C element). For each such result
the validator asks this module for the initiatives the report says support that component or
element *and* address one of the system's selected outcomes — the rebuilt Table 2 of section 5 —
with the report's own words as the reason (the ``ems:evidence`` of the support claim and its
section).

Everything is SPARQL on the reasoned store, so the OWL inferences do the work: ``ems:addressesOutcome``
rolls sub-outcomes up to their broader outcome, ``ems:partOfComponent`` and ``ems:subElementOf`` are
materialised for sub-elements. Answers depend only on (gap, outcomes), so they are cached: a
pipeline validating hundreds of similar declarations asks each question once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox

from ..core.terms import ResultTerm
from ..core.vocab import EMS, RDF_TYPE
from ..graph.store import KnowledgeGraph
from ..query.sparql import run_sparql
from .model import Suggestion

__all__ = ["Suggestion", "Gap", "GapAnalysis"]

_FRAMEWORK = ox.NamedNode(EMS + "ManagementSystemFramework")
_TYPE = RDF_TYPE
_PART_OF_COMPONENT = ox.NamedNode(EMS + "partOfComponent")
_FULL = EMS + "FullSupport"

# One row per (initiative, claim): the claim's words and section, and how it ranks. ?rank 0 is a
# claim about the gap itself, 1 a claim about one of its parts (an element of the component, a
# sub-element of the element). {gap} is the IRI; {outcomes} is empty or restricts to the outcomes.
_COMPONENT_QUERY = """
SELECT ?initiative ?evidence ?source ?level ?rank WHERE {{
  {outcomes}
  {{ ?initiative ems:componentSupport ?claim . ?claim ems:component {gap} . BIND(0 AS ?rank) }}
  UNION
  {{ ?initiative ems:elementSupport ?claim . ?claim ems:element ?element .
     ?element ems:partOfComponent {gap} . BIND(1 AS ?rank) }}
  ?claim ems:evidence ?evidence ; dcterms:source ?source .
  OPTIONAL {{ ?claim ems:supportLevel ?level }}
}}"""

_ELEMENT_QUERY = """
SELECT ?initiative ?evidence ?source ?level ?rank WHERE {{
  {outcomes}
  ?initiative ems:elementSupport ?claim . ?claim ems:element ?element .
  FILTER (?element = {gap} || EXISTS {{ ?element ems:subElementOf {gap} }})
  BIND (IF(?element = {gap}, 0, 1) AS ?rank)
  ?claim ems:evidence ?evidence ; dcterms:source ?source .
  OPTIONAL {{ ?claim ems:supportLevel ?level }}
}}"""


@dataclass(frozen=True, order=True)
class Gap:
    """What a shape says is missing: ``kind`` is ``"component"`` or ``"element"``."""

    kind: str
    iri: str


@dataclass(frozen=True)
class _Claim:
    initiative: str
    evidence: str
    source: str
    rank: tuple[int, int, str, str]  # smaller is better: gap itself, full support, section, words


class GapAnalysis:
    """Suggestions for gaps, computed with SPARQL on the knowledge graph and cached."""

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self._frameworks = frozenset(
            q.subject.value for q in kg.store.quads_for_pattern(None, _TYPE, _FRAMEWORK, ox.DefaultGraph())
            if isinstance(q.subject, ox.NamedNode)
        )
        self._cached = lru_cache(maxsize=4096)(self._suggest)

    def suggest(self, gaps: Iterable[Gap], outcomes: Iterable[str]) -> tuple[Suggestion, ...]:
        """Initiatives for the gaps and outcomes: frameworks first, then tools, each by label.

        With no outcome (the system selects none) any supporting initiative is suggested.
        """
        return self._cached(tuple(sorted(set(gaps))), tuple(sorted(set(outcomes))))

    # -- the work, once per (gaps, outcomes) -------------------------------------------------------
    def _suggest(self, gaps: tuple[Gap, ...], outcomes: tuple[str, ...]) -> tuple[Suggestion, ...]:
        best: dict[str, _Claim] = {}
        for gap in gaps:
            for claim in self._claims(gap, outcomes):
                if claim.initiative not in best or claim.rank < best[claim.initiative].rank:
                    best[claim.initiative] = claim
        suggestions = [self._suggestion(c) for c in best.values()]
        return tuple(sorted(suggestions, key=lambda s: (not s.is_framework, s.label.casefold(), s.initiative)))

    def _claims(self, gap: Gap, outcomes: Sequence[str]) -> list[_Claim]:
        """Claims about the gap; an element nobody claims falls back to its component."""
        if gap.kind == "component":
            return self._run(_COMPONENT_QUERY, gap.iri, outcomes)
        claims = self._run(_ELEMENT_QUERY, gap.iri, outcomes)
        if claims:
            return claims
        return [c for component in self._components_of(gap.iri)
                for c in self._run(_COMPONENT_QUERY, component, outcomes)]

    def _run(self, template: str, gap: str, outcomes: Sequence[str]) -> list[_Claim]:
        restrict = ""
        if outcomes:  # IRIs are written with pyoxigraph's escaping, never pasted raw
            values = " ".join(str(ox.NamedNode(o)) for o in outcomes)
            restrict = f"VALUES ?outcome {{ {values} }} ?initiative ems:addressesOutcome ?outcome ."
        result = run_sparql(self.kg.store, template.format(outcomes=restrict, gap=str(ox.NamedNode(gap))), trusted=True)
        claims = []
        for row in result.rows:
            initiative, evidence, source, level, rank = (_text(t) for t in row)
            claims.append(_Claim(initiative, evidence, source,
                                 (int(rank), 0 if level == _FULL else 1, source, evidence)))
        return claims

    def _components_of(self, element: str) -> list[str]:
        quads = self.kg.store.quads_for_pattern(ox.NamedNode(element), _PART_OF_COMPONENT, None, ox.DefaultGraph())
        return sorted(q.object.value for q in quads if isinstance(q.object, ox.NamedNode))

    def _suggestion(self, claim: _Claim) -> Suggestion:
        label = self.kg.label_of(ox.NamedNode(claim.initiative)) or claim.initiative
        section = self.kg.label_of(ox.NamedNode(claim.source)) or claim.source
        return Suggestion(claim.initiative, label, claim.evidence, claim.source, section,
                          claim.initiative in self._frameworks)


def _text(term: ResultTerm | None) -> str:
    """A result cell's IRI or lexical form; '' when unbound."""
    return "" if term is None or isinstance(term, ox.Triple) else term.value
