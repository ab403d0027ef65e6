"""Timing metadata is removed from executed notebooks, and nothing else."""

from __future__ import annotations

import nbformat
import pytest

from disputelib.nbclean import main, strip_volatile


def executed() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1 + 1", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)]
    cell.metadata.update(
        {
            "tags": ["parameters"],
            "papermill": {"duration": 0.1, "start_time": "2026-11-27T15:48:32", "status": "completed"},
            "execution": {"iopub.status.busy": "2026-11-27T15:48:32"},
        }
    )
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), cell]
    nb.metadata["papermill"] = {
        "duration": 2.4,
        "start_time": "a",
        "end_time": "b",
        "exception": None,
        "parameters": {"seed": 7},
        "version": "2.7.0",
    }
    nb.metadata["kernelspec"] = {"name": "disputelib", "display_name": "disputelib (.venv)", "language": "python"}
    return nb


@pytest.mark.parametrize(
    ("where", "kept"),
    [
        ("notebook", {"parameters": {"seed": 7}, "version": "2.7.0"}),
        ("cell", {"tags": ["parameters"]}),
    ],
)
def test_only_timing_goes(where, kept):
    clean, removed = strip_volatile(executed())
    assert removed == 4 + 2
    got = clean.metadata["papermill"] if where == "notebook" else clean.cells[1].metadata
    assert dict(got) == kept


def test_outputs_and_the_callers_notebook_are_untouched():
    nb = executed()
    before = nbformat.writes(nb)
    clean, _ = strip_volatile(nb)
    assert nbformat.writes(nb) == before
    assert clean.cells[1].outputs == nb.cells[1].outputs
    assert clean.cells[1].execution_count == 1
    assert clean.metadata.kernelspec == nb.metadata.kernelspec


def test_the_command_is_idempotent(tmp_path, capsys):
    path = tmp_path / "a.ipynb"
    nbformat.write(executed(), path)
    assert main([str(path)]) == 0
    once = path.read_bytes()
    assert main([str(path)]) == 0
    assert path.read_bytes() == once
    assert "nothing to remove" in capsys.readouterr().out
    assert main([]) == 2
