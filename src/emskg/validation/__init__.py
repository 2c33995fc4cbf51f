"""Validating a utility's declared management system against the report's framework (SHACL).

``model`` is the run report every front end consumes (cheap to import); ``validator`` runs the
engines (``shacl`` compiled, or pyshacl through ``pyshacl_engine``) over ``shapes`` with the
knowledge graph and adds ``gaps`` suggestions; ``batch`` spreads files over processes; ``report``
writes a run as text, JSON, a SHACL report or JUnit XML. Users import :class:`emskg.Validator`,
:class:`emskg.RunReport` and friends from the package root.
"""
