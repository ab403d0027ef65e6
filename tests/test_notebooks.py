"""The product notebooks: their shape, their README tables, and papermill runs in a real kernel.

The committed outputs themselves are checked by ``pytest --nbval`` (``make test``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
import pytest

import disputelib as dl
from disputelib import paths
from disputelib.simulate import simulate, write_simulation

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(p.name for p in NB_DIR.glob("*.ipynb"))
SIMULATE, ELIGIBILITY, REFUND_TIME, WHAT_IF, ROUTES = (
    "1.0-simulate-orders.ipynb",
    "2.0-eligibility.ipynb",
    "3.0-time-to-refund.ipynb",
    "4.0-what-if.ipynb",
    "5.0-routes.ipynb",
)


def load(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NB_DIR / name, as_version=4)


def code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def run(name: str, tmp_path: Path, **parameters) -> nbformat.NotebookNode:
    """Execute a notebook with papermill in a fresh python3 kernel, from notebooks/ like Jupyter does."""
    return pm.execute_notebook(
        str(NB_DIR / name),
        str(tmp_path / name),
        parameters=parameters,
        kernel_name="python3",
        cwd=str(NB_DIR),
        progress_bar=False,
        log_output=False,
        request_save_on_cell_execute=False,
    )


def text(nb) -> str:
    """Every stdout line and text/plain output of an executed notebook."""
    parts = []
    for cell in code_cells(nb):
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                parts.append(out.text)
            elif "data" in out:
                parts.append(out.data.get("text/plain", ""))
    return "\n".join(parts)


# --------------------------------------------------------------------------- shape


def test_the_five_notebooks():
    assert NOTEBOOKS == [SIMULATE, ELIGIBILITY, REFUND_TIME, WHAT_IF, ROUTES]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_shape(name):
    nb = load(name)
    assert nb.metadata.kernelspec.name == "disputelib"  # the kernel make venv installs into .venv
    assert nb.metadata.kernelspec.display_name == "disputelib (.venv)"
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert len(first.source.split("\n", 1)[1].strip()) > 100, "a paragraph on what the notebook shows"
    cells = code_cells(nb)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is cells[0], "exactly one parameters cell, the first code cell"
    for cell in cells[1:]:
        tree = ast.parse(cell.source)
        defines = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Lambda))]
        assert not defines, f"{name}: no def/class/lambda in a product notebook:\n{cell.source}"
        following = nb.cells[nb.cells.index(cell) + 1] if nb.cells.index(cell) + 1 < len(nb.cells) else None
        assert following is not None and following.cell_type == "markdown", f"{name}: a sentence after\n{cell.source}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_parameters_are_plain_annotated_commented_literals(name):
    source = code_cells(load(name))[0].source
    lines = [line for line in source.splitlines() if line.strip()]
    tree = ast.parse(source)
    assert len(tree.body) == len(lines)
    for statement, line in zip(tree.body, lines, strict=True):
        assert isinstance(statement, ast.AnnAssign), line
        ast.literal_eval(statement.value)  # a plain literal
        assert re.search(r"  # \S", line), f"no comment: {line}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_with_clean_outputs(name):
    nb = load(name)
    cells = code_cells(nb)
    for cell in cells[1:]:
        assert cell.outputs, f"{name}: not executed:\n{cell.source}"
        for out in cell.outputs:
            assert out.output_type != "error", f"{name}: committed with an error"
            assert not (out.output_type == "stream" and out.name == "stderr"), f"{name}: stderr: {out.text}"
            shown = out.get("data", {}).get("text/plain", "")
            assert not re.search(r"0x[0-9a-f]{6,}", shown), f"{name}: an object address is shown: {shown}"
            assert str(ROOT) not in str(out), f"{name}: an absolute path is shown"
            if "image/png" in out.get("data", {}):
                assert cell.source.rstrip().endswith(";"), f"{name}: plot cell must end with ';'"
        if any("image/png" in out.get("data", {}) for out in cell.outputs):
            mimes = [mime for out in cell.outputs for mime in out.get("data", {})]
            assert not any("svg" in mime for mime in mimes), f"{name}: figures must be PNG, not {mimes}"


# --------------------------------------------------------------------------- README


def readme_tables() -> dict[str, dict[str, tuple[str, str, str]]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Notebooks\n", 1)[1]
    section = re.split(r"\n## ", section, maxsplit=1)[0]
    tables: dict[str, dict[str, tuple[str, str, str]]] = {}
    for block in re.split(r"\n### ", section)[1:]:
        name = re.match(r"`([^`]+)`", block).group(1)
        rows = re.findall(r"^\| `([^`]+)` \| ([^|]+) \| `(.*)` \| (.+) \|$", block, flags=re.M)
        tables[name] = {r[0]: (r[1].strip(), r[2], r[3].strip()) for r in rows}
    return tables


def test_readme_has_a_parameter_table_per_notebook():
    assert sorted(readme_tables()) == NOTEBOOKS


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_readme_table_matches_the_notebook(name):
    declared = pm.inspect_notebook(str(NB_DIR / name))
    expected = {p: (v["inferred_type_name"], v["default"], v["help"]) for p, v in declared.items()}
    assert readme_tables()[name] == expected


# --------------------------------------------------------------------------- paths


@pytest.mark.parametrize("where", [".", "notebooks", "src/disputelib"])
def test_project_root_from_anywhere_inside(where):
    assert paths.project_root(ROOT / where) == ROOT


def test_resolve_relative_to_the_root_and_missing_files():
    assert paths.resolve("data/x.csv") == paths.project_root() / "data" / "x.csv"
    with pytest.raises(paths.PathError, match="does not exist"):
        paths.resolve("no/such/file.csv", must_exist=True)
    assert paths.relative(ROOT / "reports" / "a.csv", ROOT) == "reports/a.csv"


# --------------------------------------------------------------------------- papermill runs


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """A small simulation under the legacy pack, written like notebook 1 writes it."""
    folder = tmp_path_factory.mktemp("tiny")
    write_simulation(simulate(600, 3, pack="aliexpress-legacy", start="2026-02-01", progress=False), folder)
    return folder


@pytest.mark.slow
def test_simulate_notebook_small_legacy_story(tmp_path):
    out = tmp_path / "sim"
    nb = run(SIMULATE, tmp_path, scenario="seed-story", pack="aliexpress-legacy", seed=3, n_orders=300,
             start="2026-05-01", out_dir=str(out))
    shown = text(nb)
    assert "## 1.0 300 orders simulated under aliexpress-legacy" in shown  # the heading follows the parameters
    assert "Scenario `seed-story`, seed 3, orders placed from 1 May 2026: 300 orders" in shown
    written = pd.read_parquet(out / "disputes.parquet")
    assert set(written["pack"]) <= {"aliexpress-legacy"}
    assert (out / "orders.parquet").is_file() and (out / "events.parquet").is_file()


@pytest.mark.slow
def test_eligibility_notebook_tiny_export_another_day_legacy(tmp_path):
    orders = pd.DataFrame({
        "order_id": ["A1", "A2", "A3", "A4"],
        "amount_usd": ["12.50", "8", "not a number", "30"],
        "payment_method": ["Visa", "PayPal", "Visa", "Western Union"],
        "shipped_at": ["2026-12-01", "2026-10-20", "2026-11-01", ""],
        "received_at": ["", "2026-11-10", "", ""],
        "buyer_country": ["KR", "US", "RU", "BR"],
        "buyer_timezone": ["Asia/Seoul", "America/New_York", "Europe/Moscow", "America/Sao_Paulo"],
        "problem": ["not_received", "", "", ""],
    })
    path = tmp_path / "orders.csv"
    orders.to_csv(path, index=False)
    nb = run(ELIGIBILITY, tmp_path, orders_path=str(path), as_of="2026-12-24", pack="aliexpress-legacy",
             soon_days=365, timeline_orders=3)
    shown = text(nb)
    assert "## 2.0 Eligibility on 24 Dec 2026 under aliexpress-legacy" in shown
    assert "orders.csv: read 4 rows: 3 accepted, 1 rejected" in shown
    assert "amount_usd" in shown  # the reject reason
    assert "A1" in shown  # open, closing within soon_days


@pytest.mark.slow
def test_eligibility_notebook_empty_export(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("order_id,amount_usd,payment_method,shipped_at\n")
    nb = run(ELIGIBILITY, tmp_path, orders_path=str(path))
    assert "read 0 rows: 0 accepted, 0 rejected" in text(nb)


@pytest.mark.slow
def test_refund_time_notebook_tiny_table_by_strategy(tmp_path, tiny):
    nb = run(REFUND_TIME, tmp_path, disputes_path=str(tiny / "disputes.parquet"), by="strategy")
    shown = text(nb)
    n = len(pd.read_parquet(tiny / "disputes.parquet"))
    assert "## 3.0 Time to refund by buyer's strategy" in shown
    assert f"{n:,} disputes from the dispute table" in shown and "(simulated disputes)" in shown
    assert "Not used in this run: `n_orders` (20000), `seed` (7), `pack` ('aliexpress-2022')" in shown
    assert "Dispute at once" in shown and "Talk first" in shown


@pytest.mark.slow
def test_refund_time_notebook_simulates_when_no_path_and_copes_with_no_disputes(tmp_path, tiny):
    nb = run(REFUND_TIME, tmp_path, disputes_path="", n_orders=400, seed=11, pack="aliexpress-legacy",
             by="buyer_country")
    shown = text(nb)
    assert "400 orders simulated here under aliexpress-legacy (seed 11)" in shown
    assert "## 3.0 Time to refund by buyer country" in shown and "Not used" not in shown
    empty = tmp_path / "none.parquet"
    pd.read_parquet(tiny / "disputes.parquet").iloc[:0].to_parquet(empty)
    nb = run(REFUND_TIME, tmp_path, disputes_path=str(empty))
    shown = text(nb)
    assert "0 disputes from the dispute table" in shown and "none.parquet" in shown
    assert "The dispute table has no disputes." in shown


@pytest.mark.slow
def test_what_if_notebook_small_legacy_against_2022(tmp_path):
    nb = run(WHAT_IF, tmp_path, n_orders=500, seed=5, pack="aliexpress-legacy", other_pack="aliexpress-2022",
             other_overrides={})
    shown = text(nb)
    assert "aliexpress-legacy" in shown and "aliexpress-2022" in shown
    assert "## 4.0 What if: aliexpress-legacy (A) against aliexpress-2022 (B)" in shown
    assert "A, dispute at once" in shown and "B, talk first" in shown


BAD = [
    ("unknown pack", ELIGIBILITY, {"pack": "aliexpress-2030"}, "PackError", "unknown rule pack 'aliexpress-2030'"),
    ("malformed as_of", ELIGIBILITY, {"as_of": "2026-02-30"}, "AsOfError", "'2026-02-30' is not a date"),  # a ValueError
    ("output inside data/", SIMULATE, {"out_dir": "data/sim"}, "PathError", "inside data/"),
    ("missing dispute table", REFUND_TIME, {"disputes_path": "data/nope.parquet"}, "TableError", "no such file"),
    ("override of a timer the pack lacks", WHAT_IF, {"other_overrides": {"timers.nope.offset": 5}},
     "PackError", "cannot override 'timers.nope.offset'"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("case", "name", "parameters", "ename", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_parameter_stops_the_first_code_cell_with_one_clear_message(case, name, parameters, ename, message,
                                                                          tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as error:
        run(name, tmp_path, **parameters)
    assert error.value.ename == ename, case
    assert message in error.value.evalue, case
    assert "\n" not in error.value.evalue.strip(), "one sentence, one line"
    executed = nbformat.read(tmp_path / name, as_version=4)
    cells = code_cells(executed)
    injected = next(i for i, c in enumerate(cells) if "injected-parameters" in c.metadata.get("tags", []))
    failed = [i for i, c in enumerate(cells) if any(o.output_type == "error" for o in c.get("outputs", []))]
    assert failed == [injected + 1], f"{case}: must fail in the cell right after the parameters"
    assert all(c.execution_count is None for c in cells[injected + 2:]), "nothing after it ran"


def test_simulated_tables_have_the_analysis_columns(tiny):
    from disputelib import analysis

    disputes = dl.read_table(tiny / "disputes.parquet")
    assert analysis.check_disputes(disputes, "payment_method") is disputes
