"""The Sector view (issue 13) in headless Chromium, as a sponsor would read it, against its own live
server on a fresh ``oxigraph:PATH`` store: first empty (the page says how to register), then with five
registered declarations (two conforming, three with known gaps): the charts and tables show the exact
figures, the systems list links to each one's report, and nothing is fetched from anywhere else.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_web import browser, same_origin_only, screenshot, shots  # noqa: F401 -- the module's fixtures

from conftest import CLIENT_LIMITS, EXAMPLES, ROOT, LiveServer, live_server

pytestmark = pytest.mark.slow

TOKEN = "sector-register-token"
SHAPES = "https://w3id.org/emskg/shapes#"


def _renamed(path: Path, name: str) -> bytes:
    """A broken example declared by another utility (the examples all describe Millbrook's QMS)."""
    return path.read_text(encoding="utf-8").replace("millbrook", name.lower()).replace("Millbrook", name).encode()


#: (name, body, content type): 2 conform; Alpha lacks a metric; Bravo lacks the whole Check component
#: (5 violations, internal audit among them); Charlie lacks internal audit.
DECLARATIONS = [
    ("riverbend.ttl", (EXAMPLES / "conforming" / "riverbend-iso14001.ttl").read_bytes(), "text/turtle"),
    ("eastfield.jsonld", (EXAMPLES / "conforming" / "eastfield-osha-vpp.jsonld").read_bytes(), "application/ld+json"),
    ("alpha.ttl", _renamed(EXAMPLES / "broken" / "no-metric.ttl", "Alpha"), "text/turtle"),
    ("bravo.ttl", _renamed(EXAMPLES / "broken" / "no-check-element.ttl", "Bravo"), "text/turtle"),
    ("charlie.ttl", _renamed(EXAMPLES / "broken" / "missing-core-element.ttl", "Charlie"), "text/turtle"),
]


@pytest.fixture(scope="module")
def sector_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("sector-store")
    store = f"oxigraph:{folder / 'store'}"
    done = subprocess.run([sys.executable, "-m", "emskg.cli", "load", "--store", store], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # the default worker memory limit (2048 MB): a worker opens the RocksDB writer of an oxigraph:PATH store
    env = {"EMSKG_WORKERS": "2", "EMSKG_STORE": store, "EMSKG_REGISTER_TOKEN": TOKEN, "EMSKG_VALIDATE_TOKEN": ""}
    with live_server(env, folder / "serve.log") as live:
        yield live


def _bars(driver: Any, chart_id: str) -> dict[str, str]:
    from selenium.webdriver.common.by import By

    return {g.get_attribute("data-label"): g.get_attribute("data-value")
            for g in driver.find_elements(By.CSS_SELECTOR, f"#{chart_id} g.bar")}


def _table(driver: Any, section: str) -> list[list[str]]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, f"#{section} table.results tbody tr")
    # textContent: a long table is in a closed <details> (Selenium's .text is empty for hidden text)
    return [[" ".join(td.get_attribute("textContent").split()) for td in r.find_elements(By.TAG_NAME, "td")]
            for r in rows]


def test_sector_page_empty_then_with_registrations(browser: Any, sector_server: LiveServer,  # noqa: F811
                                                   shots: Path) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By

    base = sector_server.base
    browser.get(base + "/")
    browser.find_element(By.LINK_TEXT, "Sector").click()
    assert browser.current_url == base + "/ui/sector"
    empty = browser.find_element(By.ID, "sector-empty")
    assert "No management system is registered yet" in empty.text
    store = f"oxigraph:{sector_server.log.parent / 'store'}"  # the server's own store, named as it is
    assert browser.find_element(By.ID, "register-cli").text == f"emskg register declaration.ttl --store {store}"
    http_how = browser.find_element(By.ID, "register-http").text
    assert "curl -X POST" in http_how and f"{base}/declarations" in http_how and "Bearer" in http_how
    assert not browser.find_elements(By.CSS_SELECTOR, "svg.chart")
    same_origin_only(browser, base)
    screenshot(browser, shots, "sector-empty")

    ids = {}
    with httpx.Client(base_url=base, timeout=60, limits=CLIENT_LIMITS) as client:
        for name, body, media in DECLARATIONS:
            r = client.post("/declarations", params={"name": name}, content=body,
                            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": media})
            assert r.status_code == 201, r.text
            ids[name] = r.json()["registration"]["id"]

    browser.get(base + "/ui/sector")
    assert not browser.find_elements(By.ID, "sector-empty")
    figures = [browser.find_element(By.ID, i).text for i in ("fig-systems", "fig-conforming", "fig-registrations")]
    assert figures == ["5", "2", "5"]

    # the registered systems, each with its conformance in words (not colour alone) and its report
    rows = _table(browser, "systems")
    today = rows[0][4]
    assert len(today) == 10 and all(r[4] == today for r in rows)  # registered today (UTC date)
    assert {r[0]: (r[1], r[2], r[3], r[5]) for r in rows} == {
        "Riverbend Integrated Management System": ("✓ conforms", "0", "0", "1"),
        "Eastfield occupational safety and health management system": ("✓ conforms", "0", "0", "1"),
        "Alpha Quality Management System": ("✗ does not conform", "1", "0", "1"),
        "Bravo Quality Management System": ("✗ does not conform", "5", "0", "1"),
        "Charlie Quality Management System": ("✗ does not conform", "1", "0", "1"),
    }

    # each system links to its stored report
    row = next(r for r in browser.find_elements(By.CSS_SELECTOR, "#systems-table tbody tr")
               if r.text.startswith("Bravo"))
    row.find_element(By.CSS_SELECTOR, "a.report-link").click()
    assert browser.current_url == f"{base}/ui/sector/{ids['bravo.ttl']}"
    assert browser.find_element(By.ID, "report-verdict").text == "Does not conform"
    results = browser.find_elements(By.CSS_SELECTOR, "#report li.result")
    assert len(results) == 5
    assert "InternalAuditShape" in browser.find_element(By.ID, "report").text
    same_origin_only(browser, base)

    browser.get(base + "/ui/sector")
    screenshot(browser, shots, "sector")
    check_sector_charts(browser)
    same_origin_only(browser, base)

    # each chart's question opens on the questions page, answered from the same store
    browser.find_element(By.CSS_SELECTOR, "#sector-gaps a[href='/ui/queries/sector-gaps?run=1']").click()
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.results tbody tr")) == 6
    assert "core element: internal audit" in browser.find_element(By.CSS_SELECTOR, "table.results tbody tr").text


def check_sector_charts(driver: Any) -> None:
    """The sector queries' charts and tables for the five declarations (see DECLARATIONS): every
    figure below follows from the examples' expected results (their ``# expect:`` lines)."""
    from selenium.webdriver.common.by import By

    sections = [s.get_attribute("id") for s in driver.find_elements(By.CSS_SELECTOR, "section.sector-query")]
    assert sections == ["sector-gaps", "sector-elements", "sector-initiatives", "sector-frameworks",
                        "sector-outcomes", "sector-trend"]
    for chart in driver.find_elements(By.CSS_SELECTOR, "svg.chart"):  # accessible: named and described
        assert chart.get_attribute("role") == "img"
        assert chart.find_element(By.TAG_NAME, "title").get_attribute("textContent")
        assert chart.find_element(By.TAG_NAME, "desc").get_attribute("textContent")
        labelled = chart.get_attribute("aria-labelledby").split()
        assert labelled == [chart.get_attribute("id") + "-title", chart.get_attribute("id") + "-desc"]
        assert chart.find_elements(By.CSS_SELECTOR, "text.axis-label")

    # the rules: internal audit fails at Bravo and Charlie (2 of 5); Bravo's four other Check rules and
    # Alpha's metric once each
    assert _bars(driver, "chart-sector-gaps") == {
        "core element: internal audit": "2 (40%)", "implements a Check element": "1 (20%)",
        "core element: measurement": "1 (20%)", "core element: nonconformance and corrective action": "1 (20%)",
        "objective has a metric": "1 (20%)", "core element: reporting": "1 (20%)"}
    assert [r[1:] for r in _table(driver, "sector-gaps")][0] == ["core element: internal audit", "2", "0.4"]
    ticks = [t.text for t in driver.find_elements(By.CSS_SELECTOR, "#chart-sector-gaps text.tick")]
    assert ticks == ["0", "1", "2"]
    assert driver.find_element(By.CSS_SELECTOR, "#chart-sector-gaps text.axis-label").text == \
        "registered systems violating the rule"

    elements = {r[2]: (r[1], r[3], r[4], r[5]) for r in _table(driver, "sector-elements")}
    assert elements["Internal audit"] == ("IV.B.1", "core", "2", "0.4")
    assert elements["Measurement"] == ("IV.A", "core", "1", "0.2")
    assert elements["Audit reports"] == ("IV.C.2", "core", "4", "0.8")
    assert _bars(driver, "chart-sector-elements")["Audit reports"] == "4 (80%)"
    assert len(_bars(driver, "chart-sector-elements")) == 25  # the first 25 rows; the table has them all

    assert _bars(driver, "chart-sector-initiatives") == {
        "ISO 9002 - Quality Management System Standard": "3 (60%)", "Partnership for Safe Water": "1 (20%)",
        "APWA Management Accreditation Program": "1 (20%)", "AMSA Asset Management Handbook": "1 (20%)",
        "Balanced Scorecard": "1 (20%)", "QualServe": "1 (20%)"}
    assert driver.find_element(By.CSS_SELECTOR, "#chart-sector-initiatives text.axis-label").text == \
        "registered systems whose gaps it would fill"
    assert [r[1:] for r in _table(driver, "sector-initiatives")][0] == [
        "ISO 9002 - Quality Management System Standard", "framework", "3", "0.6", "6"]
    assert _bars(driver, "chart-sector-frameworks") == {
        "ISO 9002 - Quality Management System Standard": "3 (60%)", "ISO 14001 – EMS Standard": "1 (20%)",
        "OSHA Voluntary Protection Program": "1 (20%)"}
    assert _bars(driver, "chart-sector-outcomes") == {
        "Quality": "4 (80%)", "Financials": "1 (20%)", "Impacts/Risks": "1 (20%)",
        "Occupational health and safety": "1 (20%)"}

    # the trend: everything was registered this year, one point per rule
    year = str(datetime.now(UTC).year)
    trend = driver.find_element(By.ID, "chart-sector-trend")
    assert [t.text for t in trend.find_elements(By.CSS_SELECTOR, "text.tick")][-1] == year
    series = {g.get_attribute("data-label"): [p.get_attribute("data-value") for p in g.find_elements(By.CSS_SELECTOR, "g.point")]
              for g in trend.find_elements(By.CSS_SELECTOR, "g.series")}
    assert series == {"core element: internal audit": ["40%"], "implements a Check element": ["20%"],
                      "core element: measurement": ["20%"],
                      "core element: nonconformance and corrective action": ["20%"],
                      "objective has a metric": ["20%"], "core element: reporting": ["20%"]}
    legend = driver.find_element(By.CSS_SELECTOR, "#sector-trend ul.chart-legend").text
    assert legend.splitlines() == [  # shape and dash tell the lines apart, not colour alone
        "core element: internal audit (circle)", "core element: measurement (square)",
        "core element: nonconformance and corrective action (triangle)", "core element: reporting (diamond)",
        "implements a Check element (cross)", "objective has a metric (bar)"]
    assert [r[0] for r in _table(driver, "sector-trend")] == [year] * 6
