"""The report in a real headless Chromium (Debian's chromium + chromedriver, driven by Selenium)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from report_data import SEARCH_WORD, synthetic_corpus

from zhpolicy.labels import INSTRUMENT_LABELS
from zhpolicy.report import load_tagged, write_report

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOT_COPY = Path("/tmp/zhpolicy-report.png")


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium and chromedriver; installed with apt on a fresh CI machine (as root).
    A machine that cannot get them fails the test: a browser test must never silently skip."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        command = ("apt-get update && DEBIAN_FRONTEND=noninteractive "
                   "apt-get install -y chromium chromium-driver fonts-noto-cjk")
        try:
            result = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=1800)
        except (OSError, subprocess.TimeoutExpired) as exc:
            pytest.fail(f"could not install chromium for the browser test ({command}): {exc}")
        if result.returncode != 0 or not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
            pytest.fail(f"could not install chromium for the browser test ({command}), exit "
                        f"{result.returncode}:\n{result.stderr[-2000:]}")
    return CHROMIUM


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    return write_report(load_tagged(synthetic_corpus(folder / "tagged")), folder / "report.html")


@pytest.fixture()
def driver(chromium):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for arg in ("--headless=new", "--no-sandbox", "--disable-background-networking", "--disable-gpu",
                "--window-size=1280,2200"):
        options.add_argument(arg)
    # Console messages, and the DevTools network events that list every request the page makes.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # An explicit driver path: Selenium Manager must not try to download one.
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield browser
    finally:
        browser.quit()


def open_report(driver, report: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(report.as_uri())
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return document.documentElement.getAttribute('data-rendered')") == "1")


def visible_sentences(driver) -> list[dict]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#sentences article.sent')).map(a => "
        "({doc: a.getAttribute('data-doc'), labels: a.getAttribute('data-labels').split(' ').filter(Boolean),"
        " text: a.querySelector('.entities').textContent}))")


def match_count(driver) -> int:
    text = driver.find_element("id", "count").text
    return 0 if text.startswith("No sentence") else int(text.split(" of ")[1].split()[0].replace(",", ""))


def select(driver, element_id: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element("id", element_id)).select_by_value(value)


def test_loads_offline_without_errors(driver, report, tmp_path):
    open_report(driver, report)
    severe = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert not severe, severe
    requests = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
    assert requests == [report.as_uri()]
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
    rendered_ms = driver.execute_script("return performance.getEntriesByName('zhpolicy-rendered')[0].startTime")
    assert 0 < rendered_ms < 10_000

    for chart in ("heatmap", "profiles"):
        box = driver.execute_script(f"return document.getElementById('{chart}').getBoundingClientRect().toJSON()")
        assert box["width"] > 200 and box["height"] > 50, (chart, box)
        drawn = driver.execute_script(
            f"return Array.from(document.querySelectorAll('#{chart} rect'))"
            ".filter(r => r.getBBox().width > 0 && r.getBBox().height > 0).length")
        assert drawn >= (3 * len(INSTRUMENT_LABELS) if chart == "heatmap" else 3), chart

    # The hostile sentence is text, and the page has not grown any element from it.
    assert driver.execute_script("return document.querySelectorAll('#sentences b:not(.chip b)').length") == 0
    assert driver.execute_script("return document.scripts.length") == 2

    shot = tmp_path / "report.png"
    assert driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    shutil.copyfile(shot, SCREENSHOT_COPY)


def test_paging(driver, report):
    open_report(driver, report)
    assert len(visible_sentences(driver)) == 200 and match_count(driver) == 520
    driver.find_element("id", "more").click()
    assert len(visible_sentences(driver)) == 400
    driver.find_element("id", "more").click()
    assert len(visible_sentences(driver)) == 520
    assert not driver.find_element("id", "more").is_displayed()


def test_label_filter(driver, report):
    open_report(driver, report)
    select(driver, "f-label", str(INSTRUMENT_LABELS.index("tax")))
    shown = visible_sentences(driver)
    assert shown and all("tax" in s["labels"] for s in shown)
    # 300 广东 sentences cycle 8 templates (38 tax), 浙江 uses every third (25), national cycles 3 (7).
    assert match_count(driver) == 38 + 25 + 7
    select(driver, "f-label", "none")
    shown = visible_sentences(driver)
    assert shown and all(not s["labels"] for s in shown)


def test_document_filter_and_search(driver, report):
    open_report(driver, report)
    doc_index = driver.execute_script(
        "return JSON.parse(document.getElementById('zp-data').textContent).docs.map(d => d[0]).indexOf('zj-2026')")
    select(driver, "f-doc", str(doc_index))
    shown = visible_sentences(driver)
    assert len(shown) == 200 and {s["doc"] for s in shown} == {"zj-2026"}

    select(driver, "f-doc", "")
    box = driver.find_element("id", "f-search")
    box.send_keys(SEARCH_WORD)
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10).until(lambda d: len(visible_sentences(d)) == 3)  # the search is debounced
    assert all(SEARCH_WORD in s["text"] for s in visible_sentences(driver))
    box.send_keys(" 不存在的词")
    WebDriverWait(driver, 10).until(lambda d: match_count(d) == 0)
    assert visible_sentences(driver) == []
