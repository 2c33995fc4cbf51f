"""The web page's validation takes a workbook and offers the printable report as a download (headless Chromium)."""

from __future__ import annotations

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
