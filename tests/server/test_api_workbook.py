"""POST /validate with an .xlsx workbook: the same report as the Turtle, and a 400 naming the cell."""

from __future__ import annotations

import io

import httpx
import openpyxl

from conftest import ROOT, LiveServer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _post(http: httpx.Client, server: LiveServer, body: bytes, ctype: str) -> httpx.Response:
    return http.post("/validate", content=body, params={"name": "lakeshore"},
                     headers={"Content-Type": ctype, "Authorization": f"Bearer {server.token}"})


def test_a_workbook_gets_the_report_its_turtle_gets(http: httpx.Client, server: LiveServer) -> None:
    xlsx = _post(http, server, (ROOT / "examples/workbook/lakeshore.xlsx").read_bytes(), XLSX)
    ttl = _post(http, server, (ROOT / "examples/workbook/lakeshore.ttl").read_bytes(), "text/turtle")
    assert xlsx.status_code == ttl.status_code == 200
    assert xlsx.json() == ttl.json() and xlsx.json()["conforms"] is False


def test_a_bad_workbook_is_a_400_naming_sheet_row_and_column(http: httpx.Client, server: LiveServer) -> None:
    wb = openpyxl.load_workbook(ROOT / "examples/workbook/lakeshore.xlsx")
    wb["Reviews"]["C2"] = "fortnightly-ish"
    buf = io.BytesIO()
    wb.save(buf)
    r = _post(http, server, buf.getvalue(), XLSX)
    assert r.status_code == 400
    assert r.json() == {"error": "lakeshore: sheet 'Reviews', row 2, column 'Frequency' (C): expected a duration such as "
                                 "P1Y (yearly) or P3M (quarterly), found 'fortnightly-ish'"}
    r = _post(http, server, b"@prefix ex: <http://x/> .", XLSX)
    assert r.status_code == 400 and "not a spreadsheet workbook" in r.json()["error"]


def test_the_openapi_schema_offers_the_workbook(http: httpx.Client) -> None:
    body = http.get("/openapi.json").json()["paths"]["/validate"]["post"]["requestBody"]["content"]
    assert body[XLSX] == {"schema": {"type": "string", "format": "binary"}}
    assert "text/turtle" in body


# --- POST /convert ------------------------------------------------------------------------------

def _convert(http: httpx.Client, server: LiveServer, body: bytes, ctype: str, to: str, token: bool = True
             ) -> httpx.Response:
    headers = {"Content-Type": ctype}
    if token:
        headers["Authorization"] = f"Bearer {server.token}"
    return http.post("/convert", content=body, params={"to": to}, headers=headers)


def test_convert_turtle_to_workbook_and_back_is_lossless(http: httpx.Client, server: LiveServer) -> None:
    import rdflib
    from rdflib.compare import isomorphic

    source = (ROOT / "examples/conforming/riverbend-iso14001.ttl").read_bytes()
    xlsx = _convert(http, server, source, "text/turtle", "xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX
    assert xlsx.headers["content-disposition"] == 'attachment; filename="declaration.xlsx"'
    ttl = _convert(http, server, xlsx.content, XLSX, "turtle")
    jsonld = _convert(http, server, xlsx.content, XLSX, "jsonld")
    assert ttl.headers["content-type"].startswith("text/turtle")
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    original = rdflib.Graph().parse(data=source, format="turtle")
    assert isomorphic(original, rdflib.Graph().parse(data=ttl.content, format="turtle"))
    assert isomorphic(original, rdflib.Graph().parse(data=jsonld.content, format="json-ld"))


def test_convert_errors(http: httpx.Client, server: LiveServer) -> None:
    body = (ROOT / "examples/broken/no-policy.ttl").read_bytes()
    r = _convert(http, server, body, "text/turtle", "pdf")
    assert r.status_code == 400 and r.json() == {"error": "convert to one of: turtle, jsonld, xlsx"}
    r = _convert(http, server, b"@prefix ex: <http://x/> .\nex:a ex:b .", "text/turtle", "xlsx")
    assert r.status_code == 400 and r.json()["error"].startswith("declaration:2:")
    assert _convert(http, server, body, "text/turtle", "xlsx", token=False).status_code == 401
    assert _convert(http, server, body, "text/plain", "xlsx").status_code == 415


def test_the_openapi_schema_documents_convert(http: httpx.Client) -> None:
    op = http.get("/openapi.json").json()["paths"]["/convert"]["post"]
    assert XLSX in op["requestBody"]["content"] and "text/turtle" in op["requestBody"]["content"]
    assert set(op["responses"]["200"]["content"]) == {"text/turtle", "application/ld+json", XLSX}
    assert [p["name"] for p in op["parameters"] if p["in"] == "query"] == ["to"]
