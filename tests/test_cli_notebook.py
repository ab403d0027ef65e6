"""``disputelib notebook``: every parameter checked before anything runs, failures in one sentence.

The refusals run no kernel (they must not: "nothing run" is part of the contract); the two
slow tests execute a small notebook in a real kernel with papermill. The same check guards
``disputelib report`` configs, tested at the end.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from disputelib.cli import main
from disputelib.paths import project_root
from disputelib.report import ReportConfigError, load_config, plan

ROOT = project_root()

PARAMETERS = """as_of: str = "2026-01-01"  # the day to report on, YYYY-MM-DD
pack: str = "aliexpress-2022"  # rule pack
other_pack: str = "aliexpress-2022"  # rule pack B
other_overrides: dict = {}  # values changed in pack B
orders_path: str = ""  # order export, relative to the repository root; "" for none
n: int = 3  # how many rows
share: float = 0.5  # a share
loud: bool = False  # print more
mode: str = "ok"  # ok or fail
"""
BODY = """import disputelib as dl
rules = dl.load_pack(pack)
if mode == "fail":
    raise ValueError("made to fail")
print(f"{n} rows under {rules.name} on {as_of}, share {share}, loud {loud}")
"""


def make_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    params = nbformat.v4.new_code_cell(PARAMETERS)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Small notebook\n\nWhat it shows."), params,
                nbformat.v4.new_code_cell(BODY)]  # fmt: skip
    nbformat.write(nb, path)
    return path


@pytest.fixture
def small(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    return make_notebook(tmp_path / "small.ipynb")


REFUSED = [
    # (-p pairs and options, words of the one sentence)
    (["-p", "sede", "7"], "does not declare parameter 'sede' (it declares: as_of, loud, mode, n, orders_path"),
    (["-p", "n", "three"], "parameter 'n' of small.ipynb must be int, not 'three'"),
    (["-p", "n", "2.5"], "parameter 'n' of small.ipynb must be int, not '2.5'"),
    (["-p", "share", "half"], "parameter 'share' of small.ipynb must be float, not 'half'"),
    (["-p", "loud", "maybe"], "parameter 'loud' of small.ipynb must be bool, not 'maybe'"),
    (["-p", "other_overrides", "[1, 2]"], "parameter 'other_overrides' of small.ipynb must be dict"),
    (["-p", "as_of", "2026-02-30"], "parameter 'as_of' of small.ipynb: '2026-02-30' is not a date"),
    (["-p", "as_of", "27/11/2026"], "parameter 'as_of' of small.ipynb: '27/11/2026' is not a date"),
    (["-p", "pack", "ebay"], "parameter 'pack' of small.ipynb: unknown rule pack 'ebay'"),
    (["-p", "pack", "mine.toml"], "parameter 'pack' of small.ipynb: rule pack file"),
    (["-p", "other_overrides", '{"timers.nope.offset": 5}'], "parameter 'other_pack' of small.ipynb"),
    (["-p", "orders_path", "data/nope.csv"], "parameter 'orders_path' of small.ipynb: cannot read the orders file"),
    (["-p", "orders_path", "src"], "it is a folder, not a file"),
    (["--out", "small.ipynb"], "'small.ipynb' is the notebook file itself"),
    (["--out", "run.html"], "--out 'run.html' must end in .ipynb"),
    (["--out", "folder"], "--out 'folder' must end in .ipynb"),
    (["--out", "missing/run.ipynb"], "folder 'missing' does not exist"),
    (["--out", "run.ipynb", "--html", "run.ipynb"], "--html 'run.ipynb' must end in .html"),
]


@pytest.mark.parametrize(("argv", "words"), REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_bad_parameters_are_one_sentence_and_nothing_runs(small, capsys, argv, words):
    before = sorted(p.name for p in small.parent.iterdir())
    assert main(["notebook", str(small), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("disputelib notebook: "), err
    assert words in err
    assert "running" not in err
    assert sorted(p.name for p in small.parent.iterdir()) == before


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("9.9-nothing", "no notebook '9.9-nothing': give an .ipynb path or one of 1.0-simulate-orders, 2.0-eligibility"),
        ("folder", "'folder' is a folder, not a notebook"),
    ],
)
def test_unknown_notebook_names_the_known_ones(small, capsys, given, words):
    assert main(["notebook", given]) == 2
    assert words in capsys.readouterr().err


def test_a_short_name_finds_the_product_notebook():
    from disputelib.cli.notebook import find_notebook

    assert find_notebook("2.0-eligibility") == ROOT / "notebooks" / "2.0-eligibility.ipynb"
    assert find_notebook("2.0-eligibility.ipynb") == ROOT / "notebooks" / "2.0-eligibility.ipynb"


@pytest.mark.slow
def test_runs_with_checked_values_and_writes_a_safe_page(small, capsys):
    argv = ["notebook", str(small), "-p", "n", "5", "-p", "share", "0.25", "-p", "loud", "yes",
            "-p", "pack", "aliexpress-legacy", "-p", "as_of", "2026-11-27", "--out", "run.ipynb", "--html", "run.html"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    executed = json.loads((small.parent / "run.ipynb").read_text(encoding="utf-8"))
    printed = "".join("".join(o.get("text", "")) for c in executed["cells"] for o in c.get("outputs", []))
    assert "5 rows under aliexpress-legacy on 2026-11-27, share 0.25, loud True" in printed
    page = (small.parent / "run.html").read_text(encoding="utf-8")
    assert "5 rows under aliexpress-legacy" in page and "Content-Security-Policy" in page
    assert "index.html" not in page  # a page of its own: no link back to a report


@pytest.mark.slow
def test_a_failing_cell_is_one_sentence_with_the_executed_notebook(small, capsys):
    assert main(["notebook", str(small), "-p", "mode", "fail", "--out", "failed.ipynb"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        "disputelib notebook: small.ipynb failed: ValueError: made to fail; the executed notebook is failed.ipynb"
    )
    assert "Traceback" not in "\n".join(err)
    assert "made to fail" in (small.parent / "failed.ipynb").read_text(encoding="utf-8")


# ------------------------------------------------------------------ the same check in report configs


@pytest.mark.parametrize(
    ("parameters", "words"),
    [
        ({"pack": "ebay"}, "parameter 'pack' of small.ipynb: unknown rule pack 'ebay'"),
        ({"orders_path": "data/nope.csv"}, "parameter 'orders_path' of small.ipynb: cannot read the orders file"),
        ({"as_of": "2026-13-01"}, "parameter 'as_of' of small.ipynb: '2026-13-01' is not a date"),
        ({"other_overrides": {"timers.seller_response.offset": -1}}, "parameter 'other_pack' of small.ipynb"),
    ],
)
def test_report_configs_catch_notebook_parameter_errors_before_running(small, tmp_path, capsys, parameters, words):
    config = {"as_of": "2026-11-27", "notebooks": [{"path": str(small), "parameters": parameters}]}
    with pytest.raises(ReportConfigError, match="small.ipynb"):
        plan(load_config(config))
    path = tmp_path / "config.yaml"
    path.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    assert main(["report", "--config", str(path), "--out", str(tmp_path / "reports")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err, err
    assert not (tmp_path / "reports" / "runs").exists() and not (tmp_path / "reports" / "failed").exists()


def test_report_shared_pack_is_checked_against_every_notebook(small):
    with pytest.raises(ReportConfigError, match="unknown rule pack 'ebay'"):
        plan(load_config({"as_of": "2026-11-27", "pack": "ebay", "notebooks": [str(small)]}))


@pytest.mark.slow
def test_sigterm_stops_the_notebook_in_one_line(tmp_path):
    import signal
    import sys

    from test_safety import SLEEPER, start, wait_for

    (tmp_path / "sleeper.ipynb").write_text(SLEEPER, encoding="utf-8")
    if not Path(sys.executable).with_name("disputelib").exists():
        pytest.skip("the disputelib console script is not installed in this interpreter's folder")
    process = start(["notebook", "sleeper.ipynb", "--out", "ran.ipynb"], tmp_path)
    wait_for(process, "running sleeper.ipynb")
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 143, err
    assert err.strip().splitlines()[-1] == "disputelib notebook: terminated (SIGTERM); what ran is in ran.ipynb"
    assert "Traceback" not in err
