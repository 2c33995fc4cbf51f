"""Issue 15: ``emskg release`` writes the dumps, the VoID file and checksums, named by version; ``emskg
docs`` writes the ontology's documentation."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import EMSKG, ROOT
from emskg._version import __version__
from emskg.graph.store import KnowledgeGraph
from emskg.query.linked import ontology_triples, shapes_triples
from emskg.query.publish import DUMP_FORMATS, PARTS

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([*EMSKG, "release", "-o", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return out


def test_every_file_named_by_version_with_checksums(release: Path) -> None:
    expected = {f"emskg-{part}-{__version__}.{ext}" for part in PARTS for ext in DUMP_FORMATS}
    expected |= {f"emskg-void-{__version__}.ttl", "SHA256SUMS"}
    assert {p.name for p in release.iterdir()} == expected
    sums = dict(reversed(line.split("  ")) for line in (release / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == expected - {"SHA256SUMS"}
    for name, digest in sums.items():
        assert hashlib.sha256((release / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("ext", sorted(DUMP_FORMATS))
def test_dumps_reparse_to_the_store(release: Path, kg: KnowledgeGraph, ext: str) -> None:
    fmt = DUMP_FORMATS[ext][0]
    expected = {"inferred": len(kg.triples(inferred=True)), "ontology": len(set(ontology_triples(kg))),
                "shapes": len(set(shapes_triples(kg)))}
    for part in PARTS:
        data = (release / f"emskg-{part}-{__version__}.{ext}").read_bytes()
        triples = list(ox.parse(data, format=fmt))
        assert len(triples) == expected[part], (part, ext)


def test_void_file_names_the_dumps_and_the_licence(release: Path) -> None:
    store = ox.Store()
    store.load((release / f"emskg-void-{__version__}.ttl").read_bytes(), format=ox.RdfFormat.TURTLE)
    dumps = [str(r[0].value) for r in store.query("SELECT ?d { ?s <http://rdfs.org/ns/void#dataDump> ?d }")]
    assert sorted(d.rsplit("/", 1)[1] for d in dumps) == sorted(f"emskg-inferred-{__version__}.{e}" for e in DUMP_FORMATS)
    assert all(d.startswith(f"https://w3id.org/emskg/releases/{__version__}/") for d in dumps)
    assert store.query("ASK { ?s <http://purl.org/dc/terms/license> ?l }")


def test_release_error_is_one_line_exit_2(run_cli: Run, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = run_cli("release", "-o", str(blocker / "dist"))
    assert done.returncode == 2
    assert done.stderr.startswith("emskg: ") and done.stderr.count("\n") == 1


def test_docs_writes_the_ontology_page(run_cli: Run, tmp_path: Path) -> None:
    done = run_cli("docs", "-o", str(tmp_path / "onto"))
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "onto" / "index.html").read_text()
    assert 'id="ManagementTool"' in page and 'href="ontology.css"' in page and "<style" not in page
    assert (tmp_path / "onto" / "ontology.css").is_file()


def test_committed_ontology_docs_are_current(kg: KnowledgeGraph) -> None:
    """docs/ontology/index.html is what ``make docs`` writes now (run it after editing the ontology)."""
    from emskg.query.ontodoc import ontology_html

    page = ontology_html(ontology_triples(kg), "https://w3id.org/emskg/ontology", "ontology.css")
    assert (ROOT / "docs" / "ontology" / "index.html").read_text(encoding="utf-8") == page
