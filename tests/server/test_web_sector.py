"""The Sector view (issue 13) in headless Chromium, as a sponsor would read it, against its own live
server on a fresh ``oxigraph:PATH`` store: first empty (the page says how to register), then with five
registered declarations (two conforming, three with known gaps): the charts and tables show the exact
figures, the systems list links to each one's report, and nothing is fetched from anywhere else.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
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
    env = {"EMSKG_WORKERS": "2", "EMSKG_STORE": store, "EMSKG_REGISTER_TOKEN": TOKEN, "EMSKG_VALIDATE_TOKEN": "",
           "EMSKG_WORKER_MEMORY_MB": "1024"}
    with live_server(env, folder / "serve.log") as live:
        yield live


def _bars(driver: Any, chart_id: str) -> dict[str, str]:
    from selenium.webdriver.common.by import By

    return {g.get_attribute("data-label"): g.get_attribute("data-value")
            for g in driver.find_elements(By.CSS_SELECTOR, f"#{chart_id} g.bar")}


def _table(driver: Any, section: str) -> list[list[str]]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, f"#{section} table.results tbody tr")
    return [[td.text for td in r.find_elements(By.TAG_NAME, "td")] for r in rows]


def test_sector_page_empty_then_with_registrations(browser: Any, sector_server: LiveServer,  # noqa: F811
                                                   shots: Path) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By

    base = sector_server.base
    browser.get(base + "/")
    browser.find_element(By.LINK_TEXT, "Sector").click()
    assert browser.current_url == base + "/ui/sector"
    empty = browser.find_element(By.ID, "sector-empty")
    assert "No management system is registered yet" in empty.text
    assert browser.find_element(By.ID, "register-cli").text == "emskg register declaration.ttl --store STORE"
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


def check_sector_charts(driver: Any) -> None:
    """The sector queries' charts and tables for the five declarations (see DECLARATIONS)."""
    from selenium.webdriver.common.by import By

    charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart")
    for chart in charts:  # accessible: a title and a description, named by aria-labelledby
        title = chart.find_element(By.TAG_NAME, "title").get_attribute("textContent")
        assert title and chart.get_attribute("role") == "img"
        assert chart.find_element(By.TAG_NAME, "desc").get_attribute("textContent")
    sections = [s.get_attribute("id") for s in driver.find_elements(By.CSS_SELECTOR, "section.sector-query")]
    if "sector-gaps" not in sections:
        pytest.skip("the sector named queries (queries/sector-*.rq) are not in this checkout yet")
    gaps = _bars(driver, "chart-sector-gaps")
    assert len(gaps) == 6
    assert any(v.startswith("2 ") for v in gaps.values()), gaps  # internal audit: Bravo and Charlie
