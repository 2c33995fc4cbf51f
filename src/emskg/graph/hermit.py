"""The independent consistency check: HermiT (through owlready2, on the JVM) classifies ontology + KB.

emskg's own rule engine (:mod:`emskg.graph.reason`) covers OWL 2 RL only, so a DL reasoner is the
second opinion: unsatisfiable classes and an inconsistent ABox are problems. HermiT does not know
``xsd:duration`` or ``xsd:gYear`` (outside the OWL 2 datatype map), so those literals are ignored
rather than failing.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ..core.rdfio import serialize
from .store import KnowledgeGraph

__all__ = ["reasoner_problems"]


def reasoner_problems(kg: KnowledgeGraph) -> list[str]:
    """HermiT over the asserted graph: one line per unsatisfiable class, or for an inconsistent ABox.

    Never raises for a reasoner failure: a missing Java or a HermiT error is reported as a problem
    (the check could not vouch for the graph)."""
    if shutil.which("java") is None:
        return ["java is not installed, so the HermiT consistency check cannot run "
                "(apt-get install default-jre-headless, or pass --no-reasoner)"]
    import owlready2
    from owlready2.base import OwlReadyInconsistentOntologyError

    with tempfile.TemporaryDirectory(prefix="emskg-check-") as tmp:
        nt = Path(tmp) / "emskg.nt"
        import pyoxigraph as ox

        nt.write_bytes(serialize(kg.triples(inferred=False), ox.RdfFormat.N_TRIPLES))
        world = owlready2.World()
        onto = world.get_ontology(nt.as_uri()).load(format="ntriples")
        try:
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0,
                                               ignore_unsupported_datatypes=True)
        except OwlReadyInconsistentOntologyError:
            return ["the ontology and knowledge base are inconsistent (HermiT found no model)"]
        except owlready2.OwlReadyJavaError as exc:
            first = str(exc).strip().splitlines()
            return [f"HermiT failed: {first[-1] if first else 'unknown error'}"]
        bad = [c for c in world.inconsistent_classes() if c is not owlready2.Nothing]
        return [f"unsatisfiable class {c.iri}" for c in bad]
