"""The knowledge graph: ontology + KB reasoned once (``reason``, OWL 2 RL), cached and loaded into a
pyoxigraph store (``store``), plus the independent HermiT consistency check (``hermit``)."""
