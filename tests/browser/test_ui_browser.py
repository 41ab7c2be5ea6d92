"""The page in a real browser: `veracity ui --corpus examples/corpus` in a subprocess, headless Chromium
driven by Selenium (chromium-driver). Submits a known answer, waits for the result and checks the DOM:
highlighted claims, verdict labels, the deciding span; keyboard use; a narrow screen. Screenshots are
saved under $VERACITY_ARTIFACTS (default: the test's tmp folder); VERACITY_UPDATE_DOCS=1 also writes
docs/ui.png."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from _paths import REPO

ROOT = REPO
CORPUS = ROOT / "examples" / "corpus"
ANSWER = (
    "Interleukin-33 is a member of the IL-1 family. It promotes the pathogenesis of asthma. "
    "IL-33 was first discovered in 1987 at the University of Tokyo. "
    "Pif1 helicases suppress DNA damage at G-quadruplex motifs in yeast."
)
LABELS = {"supported", "refuted", "not_enough_info", "unscored"}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (pip install 'veracity[test]')")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="chromium and chromium-driver not installed (make browser, or apt-get install -y chromium chromium-driver)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "VERACITY_API_TOKEN": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "veracity.cli", "ui", "--corpus", str(CORPUS), "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"veracity ui exited: {proc.stdout.read() if proc.stdout else ''}")
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        else:
            pytest.fail("veracity ui did not become ready in 10 minutes")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--window-size=1280,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("VERACITY_ARTIFACTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _corpus_text() -> str:
    return " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in sorted(CORPUS.iterdir()))


def test_page_checks_an_answer_against_the_demo_corpus(server, browser, artifacts) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.set_window_size(1280, 1000)
    browser.get(server + "/")
    wait = WebDriverWait(browser, 300)
    wait.until(lambda d: d.find_element(By.ID, "index-note").text.startswith("Index:"))
    assert browser.find_element(By.ID, "mode-index").is_selected(), "with an index and no contexts, the index is the evidence"
    browser.find_element(By.ID, "answer").send_keys(ANSWER)
    browser.find_element(By.ID, "check").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "status"), "checked"))

    marks = browser.find_elements(By.CSS_SELECTOR, "#answer-view mark.claim")
    cards = browser.find_elements(By.CSS_SELECTOR, "#claims li.claim-card")
    assert len(cards) >= 4 and len({m.get_attribute("data-claim") for m in marks}) == len(cards)
    for mark in marks:
        classes = set(mark.get_attribute("class").split())
        assert "claim" in classes and classes & LABELS, classes
    labels = [c.find_element(By.CSS_SELECTOR, ".verdict-label").text for c in cards]
    assert set(labels) <= LABELS
    by_claim = {c.find_element(By.CSS_SELECTOR, ".claim-text").text: c for c in cards}
    first = by_claim["Interleukin-33 is a member of the IL-1 family."]
    assert first.find_element(By.CSS_SELECTOR, ".verdict-label").text == "supported"
    span = first.find_element(By.CSS_SELECTOR, "mark.deciding-span").text
    assert "IL-1 family" in span and " ".join(span.split()) in _corpus_text(), span
    meta = first.find_element(By.CSS_SELECTOR, ".ev-meta").text
    assert "il-33-interleukin-1-family" in meta and "document chars" in meta
    summary = browser.find_element(By.ID, "summary").text
    assert "claims" in summary and "factual precision" in summary
    browser.save_screenshot(str(artifacts / "ui.png"))
    if os.environ.get("VERACITY_UPDATE_DOCS") == "1":
        browser.execute_script("window.scrollTo(0, 0)")
        browser.save_screenshot(str(ROOT / "docs" / "ui.png"))

    # Keyboard: the first highlight of a claim is focusable; Enter opens its card.
    mark = browser.find_element(By.CSS_SELECTOR, '#answer-view mark.claim[tabindex="0"]')
    mark.send_keys(Keys.ENTER)
    active = browser.switch_to.active_element
    assert active.get_attribute("id") == "claim-" + mark.get_attribute("data-claim")
    assert "active" in active.get_attribute("class")

    # A narrow screen: one column, nothing wider than the viewport.
    browser.set_window_size(400, 900)
    time.sleep(0.5)
    overflow = browser.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than a narrow screen"
    browser.save_screenshot(str(artifacts / "ui-narrow.png"))


def test_page_with_pasted_contexts(server, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.set_window_size(1280, 1000)
    browser.get(server + "/")
    wait = WebDriverWait(browser, 300)
    wait.until(lambda d: d.find_element(By.ID, "index-note").text.startswith("Index:"))
    browser.find_element(By.ID, "mode-contexts").click()
    browser.find_element(By.ID, "answer").send_keys("The Eiffel Tower was completed in 1889. It is in Berlin.")
    browser.find_element(By.ID, "contexts").send_keys(
        "The Eiffel Tower is a wrought-iron lattice tower in Paris, France. It was completed in 1889.\n\nBerlin is the capital of Germany."
    )
    browser.find_element(By.ID, "check").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "status"), "checked"))
    cards = browser.find_elements(By.CSS_SELECTOR, "#claims li.claim-card")
    assert cards[0].find_element(By.CSS_SELECTOR, ".verdict-label").text == "supported"
    assert "completed in 1889" in cards[0].find_element(By.CSS_SELECTOR, "mark.deciding-span").text
    assert "contexts given" in browser.find_element(By.ID, "provenance-facts").get_attribute("textContent")
