from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings

import disputelib as dl

# CI replays the same examples on every run (a failure there is reproducible from the log);
# a developer's runs keep drawing new ones, which is how new counterexamples are found.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Give ``--dist loadgroup`` the ``@group`` node-id suffix it schedules by.

    pytest-xdist 3.8 writes the suffix to ``item._nodeid``, which pytest 9.2 no longer reads
    (its node ids are structured ``item._id`` values), so every ``xdist_group`` was ignored and
    each worker ran the session's shared reports again. Where xdist's own suffix took, nothing
    changes here.

    The cells of a notebook checked by nbval share one kernel and run in order, so each
    notebook is one group (one worker, its cells in order); the notebooks run beside the
    tests instead of after them. (This hook sees every collected item, the notebooks'
    too, when ``tests/`` is among the paths, as in ``make test``.)
    """
    if not getattr(config.option, "loadgroup", False):  # set in xdist workers only
        return
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.xdist_group("nbval_" + re.sub(r"\W", "_", item.path.stem)))
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                        for m in item.iter_markers("xdist_group")})  # fmt: skip
        suffix = "@" + "_".join(names)
        if names and not item.nodeid.endswith(suffix) and hasattr(item, "_id"):
            item._id = type(item._id).parse(item.nodeid + suffix)


@pytest.fixture(scope="session")
def client():
    """One in-process Dask cluster (two workers) per test process, shared by the Dask tests."""
    from disputelib import distributed  # dask loads only for the tests that ask for it

    with distributed.cluster(workers=2, processes=False) as c:
        yield c


@pytest.fixture(scope="session")
def pack() -> dl.Pack:
    return dl.load_pack("aliexpress-2022")


@pytest.fixture(scope="session")
def legacy() -> dl.Pack:
    return dl.load_pack("aliexpress-legacy")


@pytest.fixture
def run_main(capsys):
    """``disputelib ARGS`` run in this process: a CompletedProcess with its exit code, stdout and stderr.

    For argument and refusal checks, which need no process of their own; the installed script and
    ``python -m disputelib.cli`` keep tests that start them for real.
    """
    from disputelib.cli import main

    def run(*args: str) -> subprocess.CompletedProcess:
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse's own exits: --help, a wrong argument
            code = exit_.code
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(["disputelib", *args], code, out, err)

    return run


def order_frame(**columns) -> pd.DataFrame:
    """A one-or-more-row export with the required columns filled in, as text like a CSV."""
    n = max((len(v) for v in columns.values() if isinstance(v, list)), default=1)
    base = {
        "order_id": [f"O{i}" for i in range(n)],
        "amount_usd": ["10.00"] * n,
        "payment_method": ["card"] * n,
    }
    for name, value in columns.items():
        base[name] = value if isinstance(value, list) else [value] * n
    return pd.DataFrame(base, dtype=object)


# --------------------------------------------------------------------------- reports run once per session
# Running the notebooks is the slowest thing the tests do. The CI report and the hostile-strings report
# are each run once per test session and shared by tests/test_report.py and tests/test_report_browser.py
# (which read, never change, the published folders). Under pytest-xdist the tests sharing one are in one
# xdist_group, and `make test` runs with --dist loadgroup, so each report still runs once.


@dataclass(frozen=True)
class CIReport:
    """``disputelib report --config conf/reports/ci.yaml`` run once: its exit code, --out folder and run."""

    code: int
    out: Path
    run_dir: Path


@pytest.fixture(scope="session")
def ci_report(tmp_path_factory) -> CIReport:
    from test_report import CI_CONFIG

    from disputelib.cli import main

    base = tmp_path_factory.mktemp("ci-report")
    here = os.getcwd()
    os.chdir(base)
    try:  # --out relative to the working folder, as `make report` gives it
        code = main(["report", "--config", str(CI_CONFIG), "--out", "reports"])
    finally:
        os.chdir(here)
    out = base / "reports"
    return CIReport(code=code, out=out, run_dir=(out / "latest").resolve())


@pytest.fixture(scope="session")
def hostile_report(tmp_path_factory):
    """The eligibility notebook's report on sample orders whose strings are HTML (``test_report.hostile_config``)."""
    from test_report import hostile_config

    from disputelib.report import run_report

    folder = tmp_path_factory.mktemp("hostile-report")
    return run_report(hostile_config(folder), folder / "reports", progress=False)
