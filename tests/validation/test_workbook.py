"""emskg.validation.workbook: the spreadsheet round trip, its pick lists, and the errors a person makes."""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pyoxigraph as ox
import pytest
from rdflib.compare import isomorphic

from conftest import EXAMPLE_FILES, EXAMPLES, ROOT
from emskg import Validator
from emskg.core.rdfio import parse_file, to_rdflib
from emskg.core.terms import Triple
from emskg.errors import InputError
from emskg.graph.store import KnowledgeGraph
from emskg.validation import workbook as wbmod
from emskg.validation.picklists import PickLists
from emskg.validation.workbook import SHEETS, read_workbook, write_workbook

DECLARATIONS = [p for p in EXAMPLE_FILES if "malformed" not in p.parts]
LAKESHORE = EXAMPLES / "workbook" / "lakeshore.ttl"


@pytest.fixture(scope="module")
def picks(kg: KnowledgeGraph) -> PickLists:
    return PickLists.from_graph(kg)


def _round_trip(triples: list[Triple], picks: PickLists) -> list[Triple]:
    return read_workbook(write_workbook(triples, picks), picks, "t.xlsx")


def _keys(report: Any) -> set[tuple[str, str | None, str, str, str | None]]:
    """What two validations must agree on; a blank node by its label (reports number blank nodes in the
    order a file names them, which a workbook's sheet order changes)."""
    assert report.error is None, report.error
    return {(r.focus_node if not r.focus_node.startswith("_:") else f"_:{r.focus_label}", *r.key()[1:], r.value)
            for r in report.results}


def _edit(data: bytes, sheet: str, cells: dict[str, Any]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for ref, value in cells.items():
        wb[sheet][ref] = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- lossless -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", DECLARATIONS, ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_every_example_round_trips_to_an_isomorphic_graph_with_the_same_results(
        path: Path, picks: PickLists, validator: Validator) -> None:
    triples = parse_file(path)
    data = write_workbook(triples, picks)
    back = read_workbook(data, picks, "t.xlsx")
    assert isomorphic(to_rdflib(triples), to_rdflib(back))
    assert _keys(validator.validate_workbook(data, str(path))) == _keys(validator.validate_file(path))


def test_generated_declarations_round_trip(tmp_path: Path, picks: PickLists, validator: Validator) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from generate import generate  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "bench"))
    manifest = generate(40, tmp_path, defect_share=0.5, seed=11)
    assert len(manifest) == 40
    for name in manifest:
        path = tmp_path / name
        triples = parse_file(path)
        data = write_workbook(triples, picks)
        assert isomorphic(to_rdflib(triples), to_rdflib(read_workbook(data, picks, name))), name
        assert _keys(validator.validate_workbook(data, name)) == _keys(validator.validate_file(path)), name


def test_what_fits_no_sheet_is_kept_in_other_statements(picks: PickLists) -> None:
    odd = [
        (ox.NamedNode("https://example.org/S"), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
         ox.NamedNode("https://w3id.org/emskg/ontology#ManagementSystem")),
        (ox.NamedNode("https://example.org/S"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
         ox.Literal("two labels")),  # not English: not the Name column
        (ox.NamedNode("https://example.org/S"), ox.NamedNode("https://w3id.org/emskg/ontology#selectsOutcome"),
         ox.Literal("Quality")),  # a literal where a term belongs
        (ox.BlankNode("o1"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
         ox.Literal("=HYPERLINK(\"http://evil\")", language="en")),  # a formula stays text
        (ox.NamedNode("https://example.org/S"), ox.NamedNode("https://w3id.org/emskg/ontology#hasObjective"),
         ox.BlankNode("o1")),  # an untyped objective
        (ox.NamedNode("https://example.org/T"), ox.NamedNode("https://w3id.org/emskg/ontology#targetValue"),
         ox.Literal("30.0", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))),
    ]
    data = write_workbook(odd, picks)
    assert isomorphic(to_rdflib(odd), to_rdflib(read_workbook(data, picks)))
    other = openpyxl.load_workbook(io.BytesIO(data))["Other statements"]
    assert other.max_row == 1 + 5  # all but the system's type


def test_new_rows_get_stable_ids_and_pick_lists_take_labels(picks: PickLists) -> None:
    data = write_workbook(parse_file(LAKESHORE), picks)
    data = _edit(data, "Objectives", {"B5": "", "C5": "Balance the budget", "D5": "financials",
                                      "E5": "Finance Office", "F5": "Annual management review with the board",
                                      "H5": "Operating reserve of 90 days", "I5": 90, "K5": dt.date(2027, 6, 30),
                                      "M5": "Days of operating reserve"})
    one, two = read_workbook(data, picks, "a.xlsx"), read_workbook(data, picks, "b.xlsx")
    assert one == two
    ids = {s.value for s, _, _ in one if isinstance(s, ox.NamedNode) and s.value.startswith("urn:emskg:")}
    assert ids == {"urn:emskg:objective:balance-the-budget", "urn:emskg:owner:finance-office",
                   "urn:emskg:target:operating-reserve-of-90-days", "urn:emskg:metric:days-of-operating-reserve"}
    assert (ox.NamedNode("urn:emskg:objective:balance-the-budget"), ox.NamedNode("https://w3id.org/emskg/ontology#forOutcome"),
            ox.NamedNode("https://w3id.org/emskg/kb/Financials")) in one


def test_validating_the_filled_example_workbook_finds_what_the_turtle_expects(validator: Validator) -> None:
    xlsx = EXAMPLES / "workbook" / "lakeshore.xlsx"
    turtle = parse_file(LAKESHORE)
    picks = validator.picklists
    assert isomorphic(to_rdflib(turtle), to_rdflib(read_workbook(xlsx.read_bytes(), picks, str(xlsx)))), \
        "regenerate: emskg convert examples/workbook/lakeshore.ttl -o examples/workbook/lakeshore.xlsx"
    assert _keys(validator.validate_file(xlsx)) == _keys(validator.validate_file(LAKESHORE))


# --- the template ---------------------------------------------------------------------------------

def test_the_template_has_every_sheet_headers_pick_lists_and_instructions(picks: PickLists) -> None:
    data = write_workbook([], picks)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[0] == "How to fill this in" and set(SHEETS) <= set(wb.sheetnames)
    assert wb["Lists"].sheet_state == "hidden"
    for name, header in SHEETS.items():
        assert tuple(c.value for c in wb[name][1]) == header
    lists = {str(dv.sqref)[0]: dv.formula1 for dv in wb["Elements"].data_validations.dataValidation}
    assert "'Lists'!$A$2:$A$55" in lists["E"]  # the 54 elements of Appendix C
    labels = [r[0].value for r in wb["Lists"].iter_rows(min_row=2, max_col=1) if r[0].value]
    assert "Internal audit" in labels and len(labels) == len(picks.elements.choices) == 54
    assert {c.label for c in picks.initiatives.choices} >= {"ISO 14001 – EMS Standard", "QualServe"}
    checklist = list(wb["Elements"].iter_rows(min_row=2, values_only=True))
    assert len(checklist) == 54 and {r[5] for r in checklist} == {"no"}
    assert ("Check", "IV.B.1", "core", "Internal audit") in {r[1:5] for r in checklist}
    assert read_workbook(data, picks, "template.xlsx") == []


# --- mistakes: one error naming sheet, row and column ---------------------------------------------

def _error(data: bytes, picks: PickLists) -> str:
    with pytest.raises(InputError) as exc:
        read_workbook(data, picks, "in.xlsx")
    return exc.value.message


@pytest.fixture(scope="module")
def filled(picks: PickLists) -> bytes:
    return write_workbook(parse_file(LAKESHORE), picks)


def test_a_missing_sheet(filled: bytes, picks: PickLists) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(filled))
    del wb["Reviews"]
    buf = io.BytesIO()
    wb.save(buf)
    assert _error(buf.getvalue(), picks) == "in.xlsx: missing sheet 'Reviews' (the workbook of `emskg template` has it)"


def test_an_unknown_element_name_says_where_and_what_was_meant(filled: bytes, picks: PickLists) -> None:
    msg = _error(_edit(filled, "Elements", {"E2": "Commit: Policy and Leadershp", "F2": "yes"}), picks)
    assert msg.startswith("in.xlsx: sheet 'Elements', row 2, column 'Element' (E): 'Commit: Policy and Leadershp' is not "
                          "one of the elements of the knowledge graph (did you mean: Commit: Policy and Leadership?)")


def test_a_typo_in_a_pick_list_value(filled: bytes, picks: PickLists) -> None:
    msg = _error(_edit(filled, "Outcomes", {"B3": "Qualty"}), picks)
    assert msg == ("in.xlsx: sheet 'Outcomes', row 3, column 'Management outcome' (B): 'Qualty' is not one of the "
                   "outcomes of the knowledge graph (did you mean: Quality?)")


def test_a_date_where_a_duration_belongs(filled: bytes, picks: PickLists) -> None:
    msg = _error(_edit(filled, "Reviews", {"C2": dt.date(2026, 1, 1)}), picks)
    assert msg.startswith("in.xlsx: sheet 'Reviews', row 2, column 'Frequency' (C): a date where a duration belongs")
    assert _error(_edit(filled, "Reviews", {"C3": "every now and then"}), picks).startswith(
        "in.xlsx: sheet 'Reviews', row 3, column 'Frequency' (C): expected a duration")
    ok = read_workbook(_edit(filled, "Reviews", {"C3": "quarterly"}), picks)
    assert ox.Literal("P3M", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#duration")) in {o for _, _, o in ok}


def test_a_reference_to_no_row_and_a_bad_kind(filled: bytes, picks: PickLists) -> None:
    assert _error(_edit(filled, "Objectives", {"F2": "Monthly review"}), picks) == (
        "in.xlsx: sheet 'Objectives', row 2, column 'Reviewed in' (F): names no review of sheet 'Reviews': "
        "'Monthly review' (add it there)")
    assert _error(_edit(filled, "Policy and commitment", {"C2": "Vision"}), picks).startswith(
        "in.xlsx: sheet 'Policy and commitment', row 2, column 'Kind' (C): write 'Policy statement' or")
    assert _error(_edit(filled, "Objectives", {"I2": "eight"}), picks) == (
        "in.xlsx: sheet 'Objectives', row 2, column 'Target value' (I): expected a number, found 'eight'")


def test_a_missing_column(filled: bytes, picks: PickLists) -> None:
    assert _error(_edit(filled, "Owners", {"B1": "Who"}), picks) == "in.xlsx: sheet 'Owners', row 1: missing column 'Owner'"


@pytest.mark.parametrize("data", [b"", b"@prefix ex: <http://x/> .", b"PK\x03\x04 truncated", b"\xd0\xcf\x11\xe0old excel"])
def test_a_file_that_is_not_a_workbook(data: bytes, picks: PickLists) -> None:
    assert _error(data, picks).startswith("in.xlsx: not a")


def test_a_zip_bomb_is_refused_before_reading(picks: PickLists, monkeypatch: pytest.MonkeyPatch) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (2 * 1024 * 1024))
    monkeypatch.setattr(wbmod, "MAX_UNCOMPRESSED", 1024 * 1024)
    assert len(buf.getvalue()) < 10_000
    assert _error(buf.getvalue(), picks) == "in.xlsx: the workbook unpacks to 2097152 bytes (at most 1048576)"


def test_too_many_rows_are_refused(filled: bytes, picks: PickLists, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wbmod, "MAX_ROWS", 10)
    assert _error(filled, picks) == "in.xlsx: sheet 'Elements' has more than 10 rows"


# well-formed XML that fails only when the sheet is read: a number cell holding text
_BAD_SHEET = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
              b'<row r="1"><c r="A1" t="n"><v>abc</v></c></row></sheetData></worksheet>')


def test_a_corrupt_sheet_inside_a_good_archive(filled: bytes, picks: PickLists) -> None:
    src, out = zipfile.ZipFile(io.BytesIO(filled)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            data = src.read(info.filename)
            z.writestr(info, _BAD_SHEET if info.filename.startswith("xl/worksheets/") else data)
    assert _error(out.getvalue(), picks).startswith("in.xlsx: not a readable .xlsx workbook (")
