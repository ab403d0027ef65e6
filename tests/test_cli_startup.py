"""The installed command starts without the heavy libraries, and every user error is one DisputelibError."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import disputelib as dl
from disputelib.errors import DisputelibError

SCRIPT = Path(sys.executable).parent / "disputelib"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=120, check=False)


def test_the_installed_script_runs():
    assert SCRIPT.is_file()
    helped = run("--help")
    assert helped.returncode == 0
    for command in ("eligibility", "rules", "report", "check-log", "check-evidence", "simulate"):
        assert command in helped.stdout
    rules = run("rules", "aliexpress-legacy")
    assert rules.returncode == 0 and "timer seller_response: opened + 5 days, calendar days" in rules.stdout


def test_the_installed_script_says_one_sentence_for_a_user_error(tmp_path):
    done = run("check-log", str(tmp_path / "missing.csv"))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("disputelib check-log: ")


def test_help_and_rules_do_not_import_the_report_machinery():
    code = (
        "import sys\n"
        "from disputelib.cli import build_parser\n"
        "build_parser()\n"
        "heavy = [m for m in ('papermill', 'nbconvert', 'matplotlib', 'statsmodels', 'disputelib.report') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == ""


def test_the_report_help_names_the_real_default_config():
    from disputelib.cli import report as cli_report

    assert cli_report.DEFAULT_CONFIG == dl.report.DEFAULT_CONFIG


@pytest.mark.parametrize(
    "error",
    [
        "disputelib.tables.TableError",
        "disputelib.policy.PackError",
        "disputelib.orders.OrderColumnsError",
        "disputelib.scenario.ScenarioError",
        "disputelib.paths.PathError",
        "disputelib.cli.common.UserError",
        "disputelib.lifecycle.IllegalTransition",
        "disputelib.audit.LogColumnsError",
        "disputelib.clock.AsOfError",
        "disputelib.report.config.ReportConfigError",
        "disputelib.analysis.disputes.AnalysisError",
        "disputelib.simulate.SimulationArgumentError",
    ],
)
def test_every_user_error_is_a_disputelib_error(error):
    module, name = error.rsplit(".", 1)
    cls = getattr(__import__(module, fromlist=[name]), name)
    assert issubclass(cls, DisputelibError)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: dl.load_pack("no-such-pack"), "unknown rule pack 'no-such-pack'"),
        (lambda: dl.load_scenario("nope"), "unknown scenario 'nope'"),
        (lambda: dl.read_table("/no/such/file.csv"), "file.csv"),
        (lambda: dl.simulate(-1, 1), "n_orders must be"),
    ],
)
def test_one_except_clause_catches_them(call, message):
    with pytest.raises(DisputelibError, match=message):
        call()
