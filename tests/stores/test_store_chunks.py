"""A remote store's insert requests keep each registration (one named graph) whole."""

from __future__ import annotations

import pyoxigraph as ox

from emskg.stores.remote import _graph_chunks


def _graph(name: str, n: int) -> list[ox.Quad]:
    g = ox.NamedNode(f"https://w3id.org/emskg/registration/{name}")
    return [ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal(str(i)), g) for i in range(n)]


def test_requests_never_cut_a_registration_in_two() -> None:
    # 256 registrations of ~184 quads go in one insert_quads call; Virtuoso takes 1,000 per request
    quads = [q for i in range(40) for q in _graph(f"r{i}", 150 + 7 * i)]
    chunks = list(_graph_chunks(quads, 1_000))
    assert sorted(map(str, (q for c in chunks for q in c))) == sorted(map(str, quads))  # nothing lost, none twice
    homes: dict[str, set[int]] = {}
    for i, chunk in enumerate(chunks):
        assert len(chunk) <= 1_000
        for q in chunk:
            homes.setdefault(q.graph_name.value, set()).add(i)  # type: ignore[union-attr]
    assert all(len(h) == 1 for h in homes.values())  # each graph in exactly one request


def test_a_graph_larger_than_a_request_is_split() -> None:
    chunks = list(_graph_chunks(_graph("big", 2_500) + _graph("small", 10), 1_000))
    assert [len(c) for c in chunks] == [1_000, 1_000, 500, 10]
