"""The command line with hostile or careless input: one ``emskg:`` line and exit 2, never exit 70.

Non-UTF-8 query files and stdin, a UTF-8 byte-order mark on a declaration (accepted: CLI and
``POST /validate``), nesting bombs through ``emskg sparql``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from security.live import EMSKG, EXAMPLE_JSONLD, EXAMPLE_TTL, ROOT, TOKEN, cli_one_line_error

RunCli = Callable[..., subprocess.CompletedProcess[str]]

NON_UTF8 = {
    "invalid byte": b"SELECT * { ?s ?p \xff }",
    "latin-1 literal": b'SELECT * { ?s ?p "caf\xe9" }',
    "truncated sequence": b"SELECT * { ?s ?p ?o } # \xe2\x82",
    "UTF-16 with BOM": "SELECT * { ?s ?p ?o }".encode("utf-16"),
}


@pytest.mark.parametrize("content", list(NON_UTF8.values()), ids=list(NON_UTF8))
def test_non_utf8_query_file_is_exit_2(run_cli: RunCli, tmp_path: Path, content: bytes) -> None:
    """Attack: ``emskg sparql FILE`` where FILE is not UTF-8. Expected: exit 2, one stderr line mentioning UTF-8."""
    path = tmp_path / "bad.rq"
    path.write_bytes(content)
    line = cli_one_line_error(run_cli("sparql", str(path), timeout=60), 2)
    assert "utf-8" in line.lower(), line


def test_non_utf8_query_on_stdin_is_exit_2(tmp_path: Path) -> None:
    """Attack: ``emskg sparql -`` reading invalid UTF-8 from stdin. Expected: exit 2, one line mentioning UTF-8."""
    proc = subprocess.run([*EMSKG, "sparql", "-"], input=b"SELECT * { ?s ?p \xff }", capture_output=True,
                          cwd=ROOT, timeout=60)
    text = subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(errors="replace"),
                                       proc.stderr.decode(errors="replace"))
    line = cli_one_line_error(text, 2)
    assert "utf-8" in line.lower(), line


def test_non_utf8_declaration_is_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    """Attack: ``emskg validate`` on a Turtle file with an invalid UTF-8 byte in a literal. Expected: exit 2 (unreadable
    file, named in the report), no traceback."""
    path = tmp_path / "bad.ttl"
    data = EXAMPLE_TTL.read_bytes()
    literal = b'"Riverbend Water Reclamation District"'
    assert literal in data
    path.write_bytes(data.replace(literal, b'"Riverbend \xff Water Reclamation District"', 1))
    proc = run_cli("validate", str(path), timeout=120)
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-500:], proc.stderr[-500:])
    assert "Traceback" not in proc.stderr + proc.stdout


@pytest.mark.parametrize("example", [EXAMPLE_TTL, EXAMPLE_JSONLD], ids=["turtle", "json-ld"])
def test_bom_declaration_is_accepted_by_the_cli(run_cli: RunCli, tmp_path: Path, example: Path) -> None:
    """Input: a conforming example declaration with a UTF-8 byte-order mark prepended (what Windows
    editors write). Expected: ``emskg validate`` exit 0 (the BOM is not a syntax error)."""
    path = tmp_path / f"bom{example.suffix}"
    path.write_bytes(b"\xef\xbb\xbf" + example.read_bytes())
    proc = run_cli("validate", str(path), timeout=120)
    assert proc.returncode == 0, (proc.returncode, proc.stdout[-1000:], proc.stderr[-500:])


@pytest.mark.parametrize(("example", "ctype"), [(EXAMPLE_TTL, "text/turtle"), (EXAMPLE_JSONLD, "application/ld+json")],
                         ids=["turtle", "json-ld"])
def test_bom_declaration_is_accepted_over_http(client: httpx.Client, example: Path, ctype: str) -> None:
    """Input: ``POST /validate`` (Bearer t) with a BOM-prefixed conforming declaration.
    Expected: 200 and ``conforms: true``."""
    r = client.post("/validate", content=b"\xef\xbb\xbf" + example.read_bytes(),
                    headers={"Content-Type": ctype, "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text[:500]
    assert r.json()["conforms"] is True, r.text[:1000]


def test_bom_query_file_is_accepted(run_cli: RunCli, tmp_path: Path) -> None:
    """Input: a query file starting with a UTF-8 BOM. Expected: it runs (exit 0)."""
    path = tmp_path / "bom.rq"
    path.write_bytes(b"\xef\xbb\xbfASK { ?s ?p ?o }")
    proc = run_cli("sparql", str(path), timeout=60)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-500:])


NESTING = {
    "5000 nested braces": "SELECT * WHERE " + "{" * 5000 + "}" * 5000,
    "5000 nested parentheses": "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
}


@pytest.mark.parametrize("text", list(NESTING.values()), ids=list(NESTING))
def test_nesting_bomb_cli_is_exit_2(run_cli: RunCli, tmp_path: Path, text: str) -> None:
    """Attack: ``emskg sparql FILE`` with 5,000 nested groups / parentheses (a stack-overflow bomb).
    Expected: exit 2 and one ``emskg:`` line mentioning nesting (not a crash, not a signal)."""
    path = tmp_path / "bomb.rq"
    path.write_text(text, encoding="utf-8")
    line = cli_one_line_error(run_cli("sparql", str(path), timeout=60), 2)
    assert "nest" in line.lower(), line
