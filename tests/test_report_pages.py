"""Every report page as a manager sees it at 1280 px in headless Chromium.

No page is wider than the window, no table cell says NaN, None or nan, no header is a
snake_case name, every image has alt text, the landing page has a chart, and a 3.0 run
by another column names that column in its title. Without Chromium these tests are
skipped locally and fail when ``CI`` is set, like ``test_report_browser``.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
import yaml
from test_report_browser import Browser, chromium

from disputelib.report import run_report

ROOT = Path(__file__).resolve().parents[1]
WIDTH = 1280

#: What the page looks like once laid out.
LAYOUT = """JSON.stringify({
  ready: document.readyState,
  title: document.title,
  viewport: window.innerWidth,
  scroll: document.documentElement.scrollWidth,
  wide: Array.from(document.querySelectorAll('body *'))
      .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && e.getBoundingClientRect().width > 0)
      .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 5),
  cells: Array.from(document.querySelectorAll('td, th')).map(c => c.innerText.trim()),
  headers: Array.from(document.querySelectorAll('th')).map(c => c.innerText.trim()),
  images: Array.from(document.images).map(i => i.getAttribute('alt')),
  headings: Array.from(document.querySelectorAll('h1, h2')).map(h => h.innerText.trim()),
  links: Array.from(document.links).map(a => a.innerText.trim()),
})"""
MISSING = re.compile(r"\b(nan|NaN|None|NaT|<NA>)\b")


def layout(browser: Browser, path: Path) -> dict:
    """Open ``path`` in a ``WIDTH`` px wide tab and return :data:`LAYOUT` once loaded."""
    target = browser.call("Target.createTarget", url="about:blank")["targetId"]
    session = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    try:
        browser.call(
            "Emulation.setDeviceMetricsOverride", session, width=WIDTH, height=900, deviceScaleFactor=1, mobile=False
        )
        browser.call("Page.navigate", session, url=path.resolve().as_uri())
        deadline = time.monotonic() + 60
        while True:
            reply = browser.call("Runtime.evaluate", session, expression=LAYOUT, returnByValue=True)
            if "value" in reply["result"]:  # else the page was still being replaced by the navigation
                facts = json.loads(reply["result"]["value"])
                if facts["ready"] == "complete":
                    return facts
            if time.monotonic() > deadline:
                raise TimeoutError(f"{path.name} did not load: {reply}")
            time.sleep(0.2)
    finally:
        browser.call("Target.closeTarget", targetId=target)
        browser.pending = [e for e in browser.pending if e.get("sessionId") != session]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    instance = Browser(chromium(), tmp_path_factory.mktemp("chromium-pages"))
    try:
        yield instance
    finally:
        instance.close()


@pytest.fixture(scope="module")
def run_dirs(ci_report, tmp_path_factory) -> tuple[Path, Path]:
    """The session's ci report (tests/conftest.py), and notebook 3.0 run by buyer country on its inputs.

    The second is a report of its own with the ci config's inputs and parameters, so the ci
    notebooks run once for all the tests that read them.
    """
    chromium()
    assert ci_report.code == 0, "the CI report failed: see the captured stderr of the session fixture"
    config = yaml.safe_load((ROOT / "conf/reports/ci.yaml").read_text())
    config["notebooks"] = [
        {"path": "notebooks/3.0-time-to-refund.ipynb", "name": "3.0-by-country", "parameters": {"by": "buyer_country"}}
    ]
    result = run_report(config, tmp_path_factory.mktemp("reports"), progress=False)
    assert result.ok, result.failure
    return ci_report.run_dir, result.run_dir


def pages(run_dir: Path) -> list[Path]:
    manifest = json.loads((run_dir / "manifest.json").read_text())
    return [run_dir / "index.html", *(run_dir / nb["html"] for nb in manifest["notebooks"])]


#: Alternative texts that say nothing of the image (nbconvert's, for an image that has none).
GENERIC_ALT = frozenset({"No description has been provided for this image", "figure", "image"})

def problems(name: str, facts: dict) -> list[str]:
    """What a manager would trip over on a page, one line per kind of problem."""
    found = []
    if facts["viewport"] != WIDTH:
        found.append(f"{name}: the window is {facts['viewport']} px, not {WIDTH}")
    if facts["scroll"] > WIDTH:
        found.append(f"{name} is wider than {WIDTH} px: {facts['wide']}")
    missing = [c for c in facts["cells"] if MISSING.search(c)]
    if missing:
        found.append(f"{name} shows missing values as text: {missing[:5]}")
    snake = [h for h in facts["headers"] if "_" in h]
    if snake:
        found.append(f"{name} has snake_case headers: {snake}")
    if not all(alt and alt.strip() for alt in facts["images"]):
        found.append(f"{name}: an image without alt text")
    generic = [alt for alt in facts["images"] if alt in GENERIC_ALT]
    if generic:
        found.append(f"{name}: {len(generic)} image(s) that do not say what they show ({generic[0]!r})")
    return found


def test_the_checks_see_a_bad_page(browser, tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><body><table><tr><th>payment_method</th><th>median_days</th></tr>"
        "<tr><td>card</td><td>NaN</td></tr></table>"
        "<div style='width: 2000px'>wide</div><img src='data:image/png;base64,AAAA'>"
        "<img src='data:image/png;base64,AAAA' alt='No description has been provided for this image'></body></html>"
    )
    found = problems(page.name, layout(browser, page))
    assert len(found) == 5, found


@pytest.mark.slow
@pytest.mark.xdist_group("ci_report")
def test_every_page_fits_reads_and_describes_its_images(browser, run_dirs):
    found = [p for run_dir in run_dirs for page in pages(run_dir) for p in problems(page.name, layout(browser, page))]
    assert found == []


@pytest.mark.slow
@pytest.mark.xdist_group("ci_report")
def test_landing_page_has_a_chart_and_names_its_sources(browser, run_dirs):
    run_dir = run_dirs[0]
    facts = layout(browser, run_dir / "index.html")
    assert any(alt.startswith("Bar chart of orders by dispute status") for alt in facts["images"])
    text = (run_dir / "index.html").read_text()
    assert "orders file data/sample/orders.csv" in text
    assert "dispute table data/sample/disputes.parquet (simulated)" in text
    assert re.search(r"\d+ open windows? closes? within 7 days", text)


@pytest.mark.slow
@pytest.mark.xdist_group("ci_report")
def test_a_run_by_another_column_names_it_in_its_title(browser, run_dirs):
    ci_run, by_country_run = run_dirs
    by_country = layout(browser, by_country_run / "notebooks" / "3.0-by-country.html")
    assert "by buyer country" in by_country["title"]
    assert any("by buyer country" in h for h in by_country["headings"])
    assert not any("by payment method" in h for h in by_country["headings"])
    default = layout(browser, ci_run / "notebooks" / "3.0-time-to-refund.html")
    assert "by payment method" in default["title"]
    index = layout(browser, by_country_run / "index.html")
    assert any("by buyer country" in link for link in index["links"])
