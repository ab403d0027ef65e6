"""``disputelib report``: config checks, safe publishing, failures, timeouts and escaping.

Every notebook here is executed by papermill in a real kernel (the venv's ``python3``).
The small notebooks written into ``tmp_path`` keep the failure cases fast and independent
of the product notebooks; the end-to-end and hostile-strings runs use the real suite.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

import disputelib as dl
from disputelib.cli import main
from disputelib.paths import project_root
from disputelib.report import ReportConfigError, load_config, plan, run_report

ROOT = project_root()
CI_CONFIG = ROOT / "conf" / "reports" / "ci.yaml"
SAMPLE_ORDERS = ROOT / "data" / "sample" / "orders.csv"
ELIGIBILITY = ROOT / "notebooks" / "2.0-eligibility.ipynb"
HOSTILE_ID = "<script>alert(1)</script>"
HOSTILE_STORE = '<img src=x onerror="alert(2)">Best & <b>Cheap</b>'

PARAMETERS = """mode: str = "ok"  # ok, fail, sleep or die
as_of: str = "2026-01-01"  # the day to report on
n: int = 3  # how many rows
"""
BODY = """import os, time
import pandas as pd
if mode == "fail":
    raise ValueError("made to fail")
if mode == "sleep":
    time.sleep(60)
if mode == "die":
    os._exit(1)
pd.DataFrame({"row": range(n), "as_of": as_of})"""


def make_notebook(path: Path, body: str = BODY, parameters: str = PARAMETERS) -> Path:
    """A tiny product-shaped notebook: a title, a ``parameters`` cell, one code cell."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}\n\nWhat it shows."), params]
    nb.cells.append(nbformat.v4.new_code_cell(body))
    nbformat.write(nb, path)
    return path


def write_config(path: Path, config: dict) -> Path:
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def tiny(tmp_path: Path) -> dict:
    """A config with two tiny notebooks, as a dict."""
    first = make_notebook(tmp_path / "first.ipynb")
    second = make_notebook(tmp_path / "second.ipynb")
    return {
        "title": "Tiny report",
        "as_of": "2026-03-20",
        "timeout": 120,
        "parameters": {"n": 2},
        "notebooks": [{"path": str(first)}, {"path": str(second), "parameters": {"mode": "ok"}}],
    }


# --------------------------------------------------------------------------- config errors


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.update(colour="red"), "unknown key 'colour' in the report config"),
        (lambda c: c["notebooks"][1].update(retries=2), "unknown key 'retries' in notebooks entry 2"),
        (lambda c: c.update(inputs={"order": "x.csv"}), "unknown key 'order' in inputs"),
        (lambda c: c.pop("as_of"), "as_of is missing"),
        (lambda c: c.update(as_of="2026-02-30"), "is not a date"),
        (lambda c: c.update(timeout=-1), "timeout must be a positive number of seconds"),
        (lambda c: c.update(notebooks=[]), "notebooks must be a non-empty list"),
        (lambda c: c["notebooks"].append({"path": "nowhere.ipynb"}), "'nowhere.ipynb' is not an .ipynb file"),
        (lambda c: c["notebooks"].append(dict(c["notebooks"][0])), "two notebooks are named 'first'"),
    ],
)
def test_config_mistakes_are_one_sentence(tiny, change, message):
    change(tiny)
    with pytest.raises(ReportConfigError, match=re.escape(message)):
        load_config(tiny)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda c: c["notebooks"][1]["parameters"].update(seed=3),
            "notebook second.ipynb does not declare parameter 'seed' (it declares: as_of, mode, n)",
        ),
        (lambda c: c["parameters"].update(sede=3), "no notebook declares parameter 'sede'"),
        (lambda c: c["parameters"].update(n="three"), "parameter 'n' of first.ipynb must be int, not 'three'"),
    ],
)
def test_parameters_are_checked_against_the_notebooks(tiny, change, message):
    change(tiny)
    with pytest.raises(ReportConfigError, match=re.escape(message)):
        plan(load_config(tiny))


def test_command_line_values_win_and_reach_only_declaring_notebooks(tiny):
    tiny["notebooks"][1]["parameters"]["n"] = 5
    config = load_config(tiny, as_of="2026-04-01", timeout=9, overrides={"n": 7, "pack": "aliexpress-legacy"})
    params = plan(config)
    assert params["first"] == {"as_of": "2026-04-01", "n": 7}
    assert params["second"] == {"as_of": "2026-04-01", "n": 7, "mode": "ok"}
    assert config.pack == "aliexpress-legacy"
    assert {nb.timeout for nb in config.notebooks} == {9.0}


def test_cli_config_error_exits_2_before_anything_runs(tiny, tmp_path, capsys):
    tiny["notebooks"][0]["parameters"] = {"seed": 1}
    config = write_config(tmp_path / "bad.yaml", tiny)
    out = tmp_path / "reports"
    assert main(["report", "--config", str(config), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "does not declare parameter 'seed'" in err
    assert not out.exists()


def test_cli_rejects_a_bad_date_and_timeout(tmp_path, capsys):
    for argv in (["--as-of", "2026-13-01"], ["--timeout", "soon"], ["--timeout", "0"]):
        with pytest.raises(SystemExit) as exit_:
            main(["report", "--out", str(tmp_path), *argv])
        assert exit_.value.code == 2


# --------------------------------------------------------------------------- runs with tiny notebooks


def test_good_run_publishes_and_moves_latest_and_a_failing_run_keeps_it(tiny, tmp_path, capsys):
    """One good run of the tiny config, then the same config with a failing notebook into the same --out."""
    out = tmp_path / "reports"
    result = run_report(tiny, out)
    assert result.ok and result.run_dir.parent == out / "runs"
    assert (out / "latest").is_symlink() and (out / "latest").resolve() == result.run_dir.resolve()
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
    names = sorted(p.name for p in (result.run_dir / "notebooks").iterdir())
    assert names == ["first.html", "first.ipynb", "second.html", "second.ipynb"]
    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    assert [(nb["name"], nb["status"]) for nb in manifest["notebooks"]] == [("first", "ok"), ("second", "ok")]
    assert manifest["notebooks"][0]["parameters"] == {"as_of": "2026-03-20", "n": 2}
    assert manifest["notebooks"][0]["duration_seconds"] > 0
    assert manifest["started"] <= manifest["finished"]
    assert set(manifest["versions"]) >= {"disputelib", "pandas", "numpy", "papermill", "nbconvert", "matplotlib"}
    assert manifest["versions"]["disputelib"] == dl.__version__
    assert manifest["code_revision"] is None or re.fullmatch(r"[0-9a-f]{40}", manifest["code_revision"])
    err = capsys.readouterr().err
    assert "[1/2] first: running" in err and re.search(r"\[2/2\] second: ok in \d+\.\d s", err)
    page = (result.run_dir / "notebooks" / "first.html").read_text()
    assert "injected-parameters" not in page and "Parameters" not in page
    assert 'mode: str = "ok"' not in page and "time.sleep(60)" not in page

    # the same config with its second notebook failing: the good run stays published
    index_before = (result.run_dir / "index.html").read_bytes()
    tiny["notebooks"][1]["parameters"]["mode"] = "fail"
    config = write_config(tmp_path / "failing.yaml", tiny)

    assert main(["report", "--config", str(config), "--out", str(out)]) == 1

    assert (out / "latest").resolve() == result.run_dir.resolve()
    assert (result.run_dir / "index.html").read_bytes() == index_before
    assert [p.name for p in (out / "runs").iterdir()] == [result.run_dir.name]
    (failed,) = (out / "failed").iterdir()
    executed = nbformat.read(failed / "notebooks" / "second.ipynb", as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert [(e.ename, e.evalue) for e in errors] == [("ValueError", "made to fail")]
    manifest = json.loads((failed / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert manifest["notebooks"][1]["status"] == "failed"
    assert manifest["notebooks"][1]["message"] == "ValueError: made to fail"
    assert "made to fail" in (failed / "notebooks" / "second.html").read_text()
    err = capsys.readouterr().err
    assert f"executed notebook kept in {failed / 'notebooks'}" in err
    assert "previous report and latest untouched" in err


def test_a_failure_skips_the_rest(tiny, tmp_path):
    tiny["notebooks"][0]["parameters"] = {"mode": "fail"}
    result = run_report(tiny, tmp_path / "reports", progress=False)
    assert [(nb.name, nb.status) for nb in result.notebooks] == [("first", "failed"), ("second", "skipped")]
    assert result.latest is None and not (tmp_path / "reports" / "latest").exists()


def test_timeout_stops_a_notebook(tiny, tmp_path):
    tiny["notebooks"] = [{"path": tiny["notebooks"][0]["path"], "parameters": {"mode": "sleep"}}]
    result = run_report(tiny, tmp_path / "reports", timeout=3, progress=False)
    (nb,) = result.notebooks
    assert (nb.status, nb.message) == ("timed_out", "stopped after the 3 s timeout")
    assert nb.duration < 50
    assert result.run_dir.parent.name == "failed"


def test_dead_kernel_is_reported_as_such(tiny, tmp_path, capsys):
    tiny["notebooks"] = [{"path": tiny["notebooks"][0]["path"], "parameters": {"mode": "die"}}]
    config = write_config(tmp_path / "die.yaml", tiny)
    assert main(["report", "--config", str(config), "--out", str(tmp_path / "reports")]) == 1
    assert "first: kernel_died" in capsys.readouterr().err
    (failed,) = (tmp_path / "reports" / "failed").iterdir()
    assert json.loads((failed / "manifest.json").read_text())["notebooks"][0]["status"] == "kernel_died"


def test_run_placeholder_gives_notebooks_a_folder_inside_the_run(tmp_path):
    writer = make_notebook(
        tmp_path / "writer.ipynb",
        body='from pathlib import Path\nPath(folder).mkdir()\n(Path(folder) / "t.csv").write_text("a\\n1\\n")',
        parameters='folder: str = "out"  # where to write',
    )
    config = {"as_of": "2026-03-20", "notebooks": [{"path": str(writer), "parameters": {"folder": "{run}/tables"}}]}
    result = run_report(config, tmp_path / "reports", progress=False)
    assert result.ok and (result.run_dir / "tables" / "t.csv").read_text() == "a\n1\n"


# --------------------------------------------------------------------------- the real suite


def _headline(index_html: str) -> str:
    return re.search(r'<section id="headline">.*?</section>', index_html, re.S).group(0)


def _tables(ipynb: Path) -> list[str]:
    nb = nbformat.read(ipynb, as_version=4)
    return [
        "".join(o["data"]["text/html"])
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "text/html" in o.get("data", {})
    ]


@pytest.mark.slow
@pytest.mark.xdist_group("ci_report")
def test_ci_report_end_to_end_is_reproducible(ci_report, tmp_path):
    out = tmp_path / "reports"
    assert ci_report.code == 0, "the CI report failed: see the captured stderr of the session fixture"
    first = ci_report.run_dir
    manifest = json.loads((first / "manifest.json").read_text())
    config = yaml.safe_load(CI_CONFIG.read_text())
    assert len(manifest["notebooks"]) == len(config["notebooks"]) == 5
    assert {nb["status"] for nb in manifest["notebooks"]} == {"ok"}
    for nb in manifest["notebooks"]:
        assert (first / nb["html"]).is_file() and (first / nb["ipynb"]).is_file()

    # headline numbers are the package's, on the same file
    orders = config["inputs"]["orders"]
    expected = dl.eligibility(dl.read_table(ROOT / orders), manifest["as_of"], manifest["pack"])
    assert manifest["headline"]["orders"]["accepted"] == len(expected.table)
    table = expected.table
    soon = ((table["status"] == "open") & (table["days_left"] <= config.get("soon_days", 7))).sum()
    assert manifest["headline"]["open_closing_soon"] == soon
    assert manifest["files"][orders]["sha256"] == hashlib.sha256((ROOT / orders).read_bytes()).hexdigest()
    if "disputes" in config["inputs"]:
        disputes = dl.read_table(ROOT / config["inputs"]["disputes"])
        assert manifest["headline"]["disputes"] == len(disputes)
        assert manifest["headline"]["refund_times"], manifest["headline"]["notes"]
    index = (first / "index.html").read_text()
    assert f'<div class="big">{len(expected.table):,}</div><div>orders</div>' in index
    for nb in manifest["notebooks"]:  # a page never names the build folder, gone once the run is published
        assert ".tmp-" not in (first / nb["html"]).read_text(), nb["name"]

    # the same config again, into the same --out folder: the same numbers and tables
    out = ci_report.out
    assert main(["report", "--config", str(CI_CONFIG), "--out", str(out)]) == 0
    second = (out / "latest").resolve()
    assert second != first and first.is_dir()
    again = json.loads((second / "manifest.json").read_text())
    assert again["headline"] == manifest["headline"]
    inputs = list(config["inputs"].values())
    assert [again["files"][f] for f in inputs] == [manifest["files"][f] for f in inputs]
    assert _headline((second / "index.html").read_text()) == _headline(index)
    for nb in manifest["notebooks"]:
        assert _tables(second / nb["ipynb"]) == _tables(first / nb["ipynb"]), nb["name"]


def hostile_config(tmp_path: Path, as_of: str = "2026-11-27") -> dict:
    """A config running the eligibility notebook on sample orders with HTML in their strings.

    The hostile order id goes to the open order closing first on ``as_of``, so it is on
    the landing page and in the notebook's list of windows closing soon.
    """
    orders = pd.read_csv(SAMPLE_ORDERS, dtype=str, keep_default_na=False)
    orders["store_name"] = HOSTILE_STORE
    table = dl.eligibility(orders, as_of).table
    first = table[table["status"] == "open"].sort_values(["window_closes", "order_id"]).iloc[0]["order_id"]
    orders.loc[orders["order_id"] == first, "order_id"] = HOSTILE_ID
    path = tmp_path / "hostile.csv"
    orders.to_csv(path, index=False)
    return {"as_of": as_of, "inputs": {"orders": str(path)}, "notebooks": [{"path": str(ELIGIBILITY)}]}


@pytest.mark.slow
@pytest.mark.xdist_group("hostile_report")
def test_hostile_strings_are_escaped_on_every_page(hostile_report):
    result = hostile_report
    assert result.ok, result.failure
    pages = [result.run_dir / "index.html", result.run_dir / "notebooks" / f"{ELIGIBILITY.stem}.html"]
    for page in pages:
        text = page.read_text()
        assert "alert(1)" in text, f"{page.name} does not show the hostile order at all"
        assert "<script>alert(1)</script>" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, page.name
    index = pages[0].read_text()
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;Best &amp; &lt;b&gt;Cheap&lt;/b&gt;" in index
