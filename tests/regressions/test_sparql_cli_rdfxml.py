"""Regression: ``emskg sparql 'CONSTRUCT ...' --format rdfxml`` was refused while ``/sparql`` served RDF/XML.

Found by the architecture review of issue 11 (fixed with it). The CLI kept its own copy of the result
format names (``table, csv, tsv, json, xml, turtle, nt, jsonld``); the copy had drifted from the
formats the renderer and the endpoint support, which include ``rdfxml``, so argparse refused
the choice. The CLI now derives its choices from the one table (``emskg.core.rdfio.GRAPH_FORMATS``).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pyoxigraph as ox
import pytest

from emskg.cli import build_parser
from emskg.core.rdfio import GRAPH_FORMATS
from emskg.server.negotiate import GRAPH_OFFERS

Run = Callable[..., subprocess.CompletedProcess[str]]
CONSTRUCT = "CONSTRUCT { ?i rdfs:label ?l } WHERE { ?i a ems:ManagementInitiative ; rdfs:label ?l } ORDER BY ?i LIMIT 5"


def test_construct_as_rdfxml_from_the_command_line(run_cli: Run) -> None:
    xml = run_cli("sparql", CONSTRUCT, "--format", "rdfxml")
    assert xml.returncode == 0, xml.stderr
    nt = run_cli("sparql", CONSTRUCT, "--format", "nt")
    from_xml = set(ox.parse(xml.stdout.encode(), format=ox.RdfFormat.RDF_XML))
    from_nt = set(ox.parse(nt.stdout.encode(), format=ox.RdfFormat.N_TRIPLES))
    assert len(from_xml) == 5 and from_xml == from_nt


@pytest.mark.parametrize("command", ["query", "sparql"])
def test_every_graph_format_the_endpoint_serves_is_a_cli_choice(command: str) -> None:
    served = {offer.fmt for offer in GRAPH_OFFERS if offer.fmt in GRAPH_FORMATS}
    assert served == set(GRAPH_FORMATS)
    args = build_parser().parse_args([command, "x", "--format", "rdfxml"])
    assert args.format == "rdfxml"
