"""The report's pages opened in a real headless Chromium, driven over the DevTools protocol.

Checked on every page: no console error, exception or dialog; every ``<img>`` loaded with
a width; every link resolves to an existing file (and the notebook pages link back to the
index); no code cell visible. Without Chromium these tests are skipped locally and fail
when ``CI`` is set (``.ci/run`` installs Debian's ``chromium``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from disputelib.report import run_report

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
)

#: What the page reports about itself, evaluated after the load event.
PAGE_FACTS = """JSON.stringify({
  images: Array.from(document.images).map(i => ({complete: i.complete, width: i.naturalWidth,
                                                 src: i.getAttribute('src').slice(0, 22)})),
  links: Array.from(document.links).map(a => ({href: a.getAttribute('href'), url: a.href,
      target: a.hash ? document.getElementById(decodeURIComponent(a.hash.slice(1))) !== null : null})),
  code: Array.from(document.querySelectorAll(
      '.jp-CodeCell .jp-Cell-inputWrapper, .jp-CodeCell .jp-InputArea, .jp-InputPrompt, .jp-CodeMirrorEditor'))
      .filter(e => e.offsetParent !== null).length,
  scripts: document.scripts.length,
  text: document.body.innerText,
})"""


def chromium() -> str:
    """Chromium's path; skip without it, but fail when ``CI`` is set."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    problem = None if found else "chromium is not installed (apt-get install chromium)"
    try:
        import websocket  # noqa: F401  (websocket-client, pinned in requirements.lock)
    except ImportError:
        problem = "websocket-client is not installed (pip install -r requirements.lock)"
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{problem}, and CI is set: .ci/run installs it")
        pytest.skip(problem)
    return found


@dataclass
class PageReport:
    """What one page did in the browser."""

    path: Path
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)
    code: int = 0
    scripts: int = 0
    text: str = ""

    def link_targets(self) -> dict[str, Path]:
        """Each non-fragment link's href and the local file it points to."""
        out = {}
        for link in self.links:
            url = urllib.parse.urlparse(link["url"])
            if link["href"].startswith("#"):
                continue
            assert url.scheme == "file", f"{self.path.name} links outside the report: {link['href']}"
            out[link["href"]] = Path(urllib.parse.unquote(url.path))
        return out


class Browser:
    """One headless Chromium; pages are opened in fresh tabs over a DevTools websocket."""

    def __init__(self, binary: str, profile: Path) -> None:
        import websocket

        profile.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.is_file() and len(port_file.read_text().splitlines()) >= 2):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port, path = port_file.read_text().splitlines()[:2]
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{port}{path}", timeout=60, suppress_origin=True)
        self.next_id = 0
        self.pending: list[dict] = []

    def close(self) -> None:
        if getattr(self, "ws", None) is not None:
            self.ws.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _receive(self) -> dict:
        return json.loads(self.ws.recv())

    def call(self, method: str, session: str | None = None, **params) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            reply = self._receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.pending.append(reply)

    def _events(self, session: str, until: str, timeout: float = 60) -> Iterator[dict]:
        """Events of ``session`` up to and including the first ``until`` event."""
        deadline = time.monotonic() + timeout
        while True:
            event = self.pending.pop(0) if self.pending else self._receive()
            if event.get("sessionId") == session:
                yield event
                if event.get("method") == until:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {until} within {timeout} s")

    def open(self, path: Path) -> PageReport:
        """Load ``path`` in a new tab and report errors, dialogs, images, links and text."""
        report = PageReport(path)
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session)
        self.call("Page.navigate", session, url=path.resolve().as_uri())
        for event in self._events(session, "Page.loadEventFired"):
            self._note(report, event, session)
        # a marker evaluated after the load event flushes console messages still queued
        self.call("Runtime.evaluate", session, expression="console.debug('report-test-done')")
        for event in self._events(session, "Runtime.consoleAPICalled"):
            self._note(report, event, session)
        facts = json.loads(
            self.call("Runtime.evaluate", session, expression=PAGE_FACTS, returnByValue=True)["result"]["value"]
        )
        for event in [e for e in self.pending if e.get("sessionId") == session]:
            self._note(report, event, session)
        self.pending = [e for e in self.pending if e.get("sessionId") != session]
        self.call("Target.closeTarget", targetId=target)
        report.images, report.links = facts["images"], facts["links"]
        report.code, report.scripts, report.text = facts["code"], facts["scripts"], facts["text"]
        return report

    def _note(self, report: PageReport, event: dict, session: str) -> None:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            report.errors.append(f"exception: {details.get('exception', {}).get('description') or details.get('text')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            report.errors.append(
                "console: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
            )
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            report.errors.append(f"log: {params['entry']['text']}")
        elif method == "Page.javascriptDialogOpening":
            report.dialogs.append(params.get("message", ""))
            self.ws.send(
                json.dumps(
                    {"id": 0, "sessionId": session, "method": "Page.handleJavaScriptDialog", "params": {"accept": True}}
                )
            )


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[Browser]:
    binary = chromium()
    instance = Browser(binary, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield instance
    finally:
        instance.close()


@pytest.fixture(scope="module")
def ci_run(ci_report) -> Path:
    """The session's CI report (tests/conftest.py), shared with tests/test_report.py."""
    assert ci_report.code == 0, "the CI report failed: see the captured stderr of the session fixture"
    return ci_report.run_dir


def test_the_harness_sees_broken_pages(browser, tmp_path):
    """The checks below can fail: a page with every fault is reported with every fault."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><body><div class='jp-CodeCell'><div class='jp-InputArea'>import os</div></div>"
        "<img src='data:image/png;base64,AAAA'><a href='missing.html'>gone</a>"
        "<script>console.error('bad thing'); alert('hi'); undefined_name();</script></body></html>"
    )
    report = browser.open(page)
    assert any("bad thing" in e for e in report.errors)
    assert any("undefined_name" in e for e in report.errors)
    assert report.dialogs == ["hi"]
    assert [i["width"] for i in report.images] == [0]
    assert report.code == 1 and report.scripts == 1
    assert not report.link_targets()["missing.html"].exists()


def _code_lines(ipynb: Path) -> list[str]:
    """Distinctive source lines of the notebook's code cells (imports and package calls)."""
    nb = nbformat.read(ipynb, as_version=4)
    lines = [line.strip() for c in nb.cells if c.cell_type == "code" for line in c.source.splitlines()]
    return [line for line in lines if len(line) >= 12 and ("import " in line or "dl." in line)]


def _images_in(ipynb: Path) -> int:
    nb = nbformat.read(ipynb, as_version=4)
    return sum(1 for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {}))


@pytest.mark.slow
@pytest.mark.xdist_group("ci_report")
def test_report_pages_in_a_real_browser(browser, ci_run):
    index = browser.open(ci_run / "index.html")
    assert index.errors == [] and index.dialogs == []
    assert index.scripts == 0 and index.code == 0
    manifest = json.loads((ci_run / "manifest.json").read_text())
    targets = index.link_targets()
    assert targets["manifest.json"] == ci_run / "manifest.json"
    for href, path in targets.items():
        assert path.is_file(), f"index links to {href}, which does not exist"

    pages = [ci_run / nb["html"] for nb in manifest["notebooks"]]
    assert {targets[nb["html"]] for nb in manifest["notebooks"]} == set(pages)
    total_images = 0
    for page, nb in zip(pages, manifest["notebooks"], strict=True):
        report = browser.open(page)
        assert report.errors == [] and report.dialogs == [], page.name
        assert report.scripts == 0 and report.code == 0, page.name
        back = report.link_targets()
        assert (ci_run / "index.html") in back.values(), f"{page.name} has no link back to the index"
        for href, path in back.items():
            assert path.is_file(), f"{page.name} links to {href}, which does not exist"
        assert all(link["target"] for link in report.links if link["href"].startswith("#")), page.name
        expected = _images_in(ci_run / nb["ipynb"])
        assert len(report.images) == expected, page.name
        assert all(i["complete"] and i["width"] > 0 for i in report.images), f"{page.name}: a figure is not shown"
        total_images += expected
        for line in _code_lines(ci_run / nb["ipynb"]):
            assert line not in report.text, f"{page.name} shows code: {line}"
        assert "injected-parameters" not in page.read_text()
    assert total_images > 0, "the report shows no figure at all"


@pytest.mark.slow
@pytest.mark.xdist_group("hostile_report")
def test_hostile_strings_show_as_text_and_run_nothing(browser, hostile_report):
    from test_report import HOSTILE_ID, HOSTILE_STORE

    result = hostile_report
    assert result.ok, result.failure
    for page in (result.run_dir / "index.html", result.run_dir / result.notebooks[0].html):
        report = browser.open(page)
        assert report.dialogs == [] and report.errors == [], page.name
        assert report.scripts == 0, page.name
        assert HOSTILE_ID in report.text, page.name
        assert all(i["src"].startswith("data:image/png") for i in report.images), page.name
    assert HOSTILE_STORE in browser.open(result.run_dir / "index.html").text


# ------------------------------------------------------------------ notebook output cannot act on the reader

HOSTILE_OUTPUT = """from IPython.display import HTML, Markdown, display
import matplotlib.pyplot as plt
import pandas as pd
display(HTML('<meta http-equiv="refresh" content="0;url=landed.html">'
             '<base href="https://example.invalid/">'
             '<iframe src="landed.html"></iframe><object data="landed.html"></object><embed src="landed.html">'
             '<form action="landed.html"><button>go</button></form>'
             '<img src="x" onerror="alert(3)"><a href="javascript:alert(4)">click me</a>'
             '<svg onload="alert(5)"><circle r="5"></circle></svg>'
             '<h2>Kept heading</h2>'))
display(Markdown('<meta http-equiv="refresh" content="1;url=landed.html"> **kept words**'))
display(pd.DataFrame({"order_id": ["A1", "A2"], "amount_usd": [10.0, 5.0]}))
fig, ax = plt.subplots(figsize=(3, 2))
ax.plot([1, 2, 3]);
plt.show()"""

#: What must never be in a report page, as CSS selectors.
ACTIVE = ("meta[http-equiv], base, iframe, object, embed, form, script, svg, [onerror], [onload], [onclick], "
          "a[href^='javascript:' i]")  # fmt: skip
SETTLED_FACTS = f"""JSON.stringify({{
  url: location.href,
  active: Array.from(document.querySelectorAll("{ACTIVE}")).filter(e => e.getAttribute('http-equiv') !==
          'Content-Security-Policy').map(e => e.outerHTML.slice(0, 80)),
  tables: document.querySelectorAll('table').length,
  images: Array.from(document.images).map(i => i.naturalWidth),
  text: document.body ? document.body.innerText : '',
}})"""


def settled(browser: Browser, path: Path, seconds: float = 3.0) -> dict:
    """Open ``path``, wait ``seconds`` (a refresh would have fired), and describe the tab."""
    target = browser.call("Target.createTarget", url="about:blank")["targetId"]
    session = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    browser.call("Page.enable", session)
    browser.call("Page.navigate", session, url=path.resolve().as_uri())
    for _ in browser._events(session, "Page.loadEventFired"):
        pass
    time.sleep(seconds)
    reply = browser.call("Runtime.evaluate", session, expression=SETTLED_FACTS, returnByValue=True)
    browser.pending = [e for e in browser.pending if e.get("sessionId") != session]
    browser.call("Target.closeTarget", targetId=target)
    return json.loads(reply["result"]["value"])


def test_the_harness_sees_a_page_that_navigates(browser, tmp_path):
    """The check below can fail: an unsanitised refresh does move the tab."""
    (tmp_path / "landed.html").write_text("<p>landed</p>", encoding="utf-8")
    page = tmp_path / "raw.html"
    page.write_text('<html><head><meta http-equiv="refresh" content="0;url=landed.html"></head>'
                    '<body><iframe src="landed.html"></iframe></body></html>', encoding="utf-8")  # fmt: skip
    facts = settled(browser, page)
    assert facts["url"].endswith("/landed.html")


@pytest.mark.slow
def test_notebook_output_cannot_navigate_frame_or_run(browser, tmp_path):
    from test_report import make_notebook

    notebook = make_notebook(tmp_path / "hostile.ipynb", body=HOSTILE_OUTPUT)
    config = {"as_of": "2026-11-27", "notebooks": [str(notebook)]}
    result = run_report(config, tmp_path / "reports", progress=False)
    assert result.ok, result.failure
    page = result.run_dir / result.notebooks[0].html
    (page.parent / "landed.html").write_text("<p>landed</p>", encoding="utf-8")  # where a refresh would go
    facts = settled(browser, page)
    assert facts["url"] == page.resolve().as_uri(), "the page navigated"
    assert facts["active"] == []
    assert facts["tables"] >= 1 and facts["images"] and all(w > 0 for w in facts["images"])
    assert "Kept heading" in facts["text"] and "kept words" in facts["text"] and "click me" in facts["text"]
    report = browser.open(page)
    assert report.errors == [] and report.dialogs == [] and report.scripts == 0
    html = page.read_text(encoding="utf-8").lower()
    for needle in ("http-equiv=\"refresh\"", "<base", "<iframe", "<object", "<embed", "<form", "onerror=",
                   "javascript:"):  # fmt: skip
        assert needle not in html, needle
