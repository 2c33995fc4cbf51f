"""The page "What the report found and recommends" (issue 12) in headless Chromium, from the home page,
as a sponsor would read it: the nine next steps in the report's words, with their section and links to
what they concern.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_web import browser, same_origin_only, screenshot, shots  # noqa: F401 -- the module's fixtures

from conftest import LiveServer

pytestmark = pytest.mark.slow


def test_findings_page_from_the_home_page(browser: Any, server: LiveServer, shots: Path) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(server.base + "/")
    browser.find_element(By.ID, "open-findings").click()
    assert browser.current_url == server.base + "/ui/findings"
    assert browser.find_element(By.TAG_NAME, "h1").text == "What the report found and recommends"

    steps = (browser.find_elements(By.CSS_SELECTOR, "#further-work li.statement")
             + browser.find_elements(By.CSS_SELECTOR, "#sponsor-actions li.statement"))
    assert len(steps) == 9  # §8: three areas of further work, six short-term steps for the sponsors
    assert all("Section 8" in s.find_element(By.CSS_SELECTOR, ".sources").text for s in steps)
    incentives = next(s for s in steps if s.find_element(By.TAG_NAME, "strong").text
                      == "Explore regulatory and financial incentives")
    assert "“Further exploration of potential regulatory and financial incentives" in incentives.text
    assert "Regulatory responsiveness incentives" in incentives.find_element(By.CSS_SELECTOR, ".concerns").text

    findings = browser.find_elements(By.CSS_SELECTOR, "#key-findings li.statement")
    assert len(findings) == 6  # §1.4: 1, 2, 2a, 2b, 3, 4
    conclusions = browser.find_element(By.ID, "conclusions").text
    assert "both feasible and desirable" in conclusions

    # the NBP subsidies step links to the NBP EMS for Biosolids initiative page
    subsidies = next(s for s in steps if "such as that provided by NBP" in s.text)
    link = subsidies.find_element(By.LINK_TEXT, "NBP EMS for Biosolids")
    assert link.get_attribute("href").endswith("/ui/initiatives/NBPEMS")
    same_origin_only(browser, server.base)
    screenshot(browser, shots, "findings")
    link.click()
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("NBP EMS for Biosolids")
