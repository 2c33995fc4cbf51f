"""RDF I/O's format tables (the one source the CLI and HTTP derive theirs from) and atomic writes."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from emskg.core.fsutil import atomic_write
from emskg.core.rdfio import FORMAT_NAMES, FORMATS, GRAPH_FORMATS, MEDIA_TYPE_FORMATS, format_for, format_name
from emskg.errors import InputError


def test_every_format_has_one_canonical_name() -> None:
    assert list(FORMAT_NAMES.values()) == ["turtle", "nt", "jsonld", "rdfxml", "trig", "nq"]
    assert all(FORMATS[name] is fmt for fmt, name in FORMAT_NAMES.items())
    assert GRAPH_FORMATS == ("turtle", "nt", "jsonld", "rdfxml")
    assert set(MEDIA_TYPE_FORMATS.values()) == set(GRAPH_FORMATS)


@pytest.mark.parametrize(("path", "name"), [("a.ttl", "turtle"), ("a.JSONLD", "jsonld"), ("a.owl", "rdfxml"),
                                            ("a.nq", "nq"), ("a.txt", None)])
def test_format_name_from_the_extension(path: str, name: str | None) -> None:
    assert format_name(path) == name


def test_unknown_format_names_list_the_known_ones() -> None:
    with pytest.raises(InputError, match="turtle, nt, jsonld, rdfxml, trig, nq"):
        format_for("n3")
    assert format_for(media_type="application/rdf+xml; charset=utf-8") == ox.RdfFormat.RDF_XML


def test_atomic_write_replaces_whole_files_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    atomic_write(target, b"old")
    atomic_write(target, lambda f: f.write(b"new"))
    assert target.read_bytes() == b"new"

    def broken(f: object) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic_write(target, broken)
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
