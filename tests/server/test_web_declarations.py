"""The web page's validation takes a workbook and offers the printable report as a download (headless Chromium)."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, LiveServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, downloads: Path) -> Iterator[Any]:
    """Headless Chromium that saves downloads into ``downloads``, with no background networking."""
    if os.environ.get("EMSKG_SKIP_BROWSER") == "1":
        pytest.skip("EMSKG_SKIP_BROWSER=1")
    chromium = os.environ.get("EMSKG_CHROMIUM", "/usr/bin/chromium")
    chromium = chromium if Path(chromium).is_file() else shutil.which("chromium")
    driver_path = os.environ.get("EMSKG_CHROMEDRIVER", "/usr/bin/chromedriver")
    driver_path = driver_path if Path(driver_path).is_file() else shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.fail("chromium and chromedriver are needed for the web tests (make system-deps)")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = chromium
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--window-size=1300,1000",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()


def _wait_for(path: Path, timeout: float = 10) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.is_file() and path.stat().st_size:
            return path
        time.sleep(0.1)
    raise AssertionError(f"{path.name} was not downloaded")


def test_upload_a_workbook_and_download_the_report(browser: Any, server: LiveServer, downloads: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server.base + "/ui/validate")
    browser.find_element(By.NAME, "token").send_keys(server.token)
    browser.find_element(By.ID, "declaration-file").send_keys(str(ROOT / "examples/workbook/lakeshore.xlsx"))
    browser.find_element(By.ID, "run-validate").click()
    assert browser.find_element(By.ID, "report-verdict").text == "Does not conform"
    assert "Core element missing: internal audit" in browser.find_element(By.ID, "report").text
    browser.find_element(By.ID, "download-report").click()
    html = _wait_for(downloads / "emskg-report.html").read_text(encoding="utf-8")
    expected = (ROOT / "examples/workbook/lakeshore-report.html").read_text(encoding="utf-8")
    assert html == expected.replace("examples/workbook/lakeshore.xlsx", "lakeshore.xlsx")


# --- /ui/declare: the form generated from the shapes ---------------------------------------------------

EMS = "https://w3id.org/emskg/ontology#"
KB = "https://w3id.org/emskg/kb/"


def _checks(browser: Any) -> int:
    from selenium.webdriver.common.by import By

    return int(browser.find_element(By.ID, "form-status").get_attribute("data-checks") or 0)


def _report_after(browser: Any, before: int) -> set[str]:
    """Wait for a gap report newer than check ``before``; the shapes of its results."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 15).until(lambda d: _checks(d) > before and "checking" not in
                                     d.find_element(By.ID, "form-status").text)
    return {li.get_attribute("data-shape") for li in browser.find_elements(By.CSS_SELECTOR, "#gap-list > li")}


def _fill_conforming_system(browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    find = browser.find_element
    find(By.ID, "f-label").send_keys("Harbor Point Quality System")
    find(By.ID, "f-operatedBy-label").send_keys("Harbor Point Water District")
    find(By.ID, "f-hasPolicy-label").send_keys("Harbor Point quality policy")
    find(By.ID, "f-hasCommitment-label").send_keys("Board resolution 2025-3")
    Select(find(By.ID, "f-basedOnFramework")).select_by_visible_text("ISO 9002 - Quality Management System Standard")
    find(By.ID, "c-f-selectsOutcome-Quality").click()
    for box in browser.find_elements(By.CSS_SELECTOR, "[data-path='https://w3id.org/emskg/ontology#implementsElement'] "
                                                      "input[type=checkbox]"):
        browser.execute_script("arguments[0].checked = true", box)
    find(By.ID, "add-f-hasObjective").click()
    item = find(By.CSS_SELECTOR, "[data-path$='#hasObjective'] .items > .part")
    item.find_element(By.ID, "f-hasObjective-label-1").send_keys("Keep turbidity below 0.1 NTU")
    Select(item.find_element(By.ID, "f-hasObjective-forOutcome-1")).select_by_visible_text("Product quality")
    item.find_element(By.ID, "f-hasObjective-hasTarget-label-1").send_keys("95% of readings at or below 0.1 NTU")
    item.find_element(By.ID, "f-hasObjective-hasTarget-targetValue-1").send_keys("0.1")
    item.find_element(By.ID, "f-hasObjective-measuredBy-label-1").send_keys("Filter effluent turbidity")
    item.find_element(By.ID, "f-hasObjective-reviewedIn-label-1").send_keys("Quarterly management review")
    Select(item.find_element(By.ID, "f-hasObjective-reviewedIn-frequency-1")).select_by_value("P3M")
    item.find_element(By.ID, "f-hasObjective-responsibleParty-label-1").send_keys("Treatment Division")


def test_the_form_shows_the_gap_report_as_it_is_filled_and_downloads_what_the_cli_validates_alike(
        browser: Any, server: LiveServer, downloads: Path, emskg_cli: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server.base + "/ui/declare")
    browser.find_element(By.ID, "token").send_keys(server.token)
    sections = [h.text for h in browser.find_elements(By.CSS_SELECTOR, ".form-section > h2")]
    assert sections == ["The utility and its management system", "Policy and commitment", "Framework and initiatives used",
                        "Outcomes selected", "Appendix C elements in place", "Objectives", "Value-chain stages in scope"]
    core = browser.find_element(By.ID, "c-f-implementsElement-InternalAudit").find_element(By.XPATH, "..")
    assert "CORE" in core.text.upper() and "IV.B.1" in core.text
    _fill_conforming_system(browser)
    browser.find_element(By.TAG_NAME, "h1").click()  # leave the last field (its change event fires now)
    time.sleep(1.5)  # let the checks the fields started finish: the next one is the keystroke's
    before = _checks(browser)
    browser.find_element(By.ID, "f-label").send_keys(" ")  # typing alone starts a (debounced) check
    assert _report_after(browser, before) == set()
    assert browser.find_element(By.ID, "gap-verdict").text == "Conforms to the report's framework"

    before = _checks(browser)
    browser.find_element(By.ID, "c-f-implementsElement-InternalAudit").click()  # no internal audit: a core gap
    assert _report_after(browser, before) == {"https://w3id.org/emskg/shapes#InternalAuditShape"}
    gap = browser.find_element(By.CSS_SELECTOR, "#gap-list > li").text
    assert "Core element missing: internal audit" in gap and "ISO 9002" in gap

    for kind, ext in (("turtle", "ttl"), ("jsonld", "jsonld"), ("xlsx", "xlsx")):
        browser.find_element(By.ID, f"download-{kind}").click()
        path = _wait_for(downloads / f"declaration.{ext}")
        done = emskg_cli("validate", str(path), "--format", "json")
        assert done.returncode == 1, done.stderr
        shapes = {r["sourceShape"] for r in json.loads(done.stdout)["files"][0]["results"]}
        assert shapes == {"https://w3id.org/emskg/shapes#InternalAuditShape"}, kind


def test_an_existing_declaration_opens_in_the_form(browser: Any, server: LiveServer) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server.base + "/ui/declare")
    browser.find_element(By.ID, "token").send_keys(server.token)
    before = _checks(browser)
    browser.find_element(By.ID, "open-file").send_keys(str(ROOT / "examples/workbook/lakeshore.xlsx"))
    shapes = _report_after(browser, before)
    name = browser.find_element(By.ID, "f-label").get_attribute("value")
    assert name == "Lakeshore Environmental and Operations Management System"
    assert browser.find_element(By.ID, "c-f-implementsElement-ExternalAudit").is_selected()
    assert not browser.find_element(By.ID, "c-f-implementsElement-InternalAudit").is_selected()
    assert len(browser.find_elements(By.CSS_SELECTOR, "[data-path$='#hasObjective'] .items > .part")) == 3
    assert "https://w3id.org/emskg/shapes#InternalAuditShape" in shapes
