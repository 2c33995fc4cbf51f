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
