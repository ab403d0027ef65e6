"""Nothing lost, nothing overwritten: outputs never replace inputs, sets are published whole.

The commands run for real: in-process through ``disputelib.cli.main`` for the fast
refusals, and as the installed ``.venv/bin/disputelib`` in a child process where a real
signal is sent. Read-only and full file systems are real mounts (a read-only bind mount,
a 64 kB tmpfs); those cases are skipped where the test cannot mount.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import disputelib as dl
from disputelib.cli import main
from disputelib.cli.signals import Terminated
from disputelib.paths import LOCK_NAME, PathError, check_outputs, clean_stale, make_temp_folder
from disputelib.report.runner import _point_latest, _reserve
from disputelib.simulate.run import SIMULATION_FILES
from disputelib.tables import write_table

DISPUTELIB = Path(sys.executable).with_name("disputelib")

ORDERS = """order_id,amount_usd,payment_method,shipped_at,received_at,buyer_country
A1,10.00,Visa,2026-03-03,2026-03-20,US
A2,5.00,card,2026-03-12,,RU
"""
EVENTS = """dispute_id,order_id,event,at,amount_usd
D1,A1,opened,2026-03-21T10:00:00-07:00,
"""


def digest(folder: Path) -> dict[str, str]:
    """Name to SHA-256 of every file in a folder (hidden ones included)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def files(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "orders.csv").write_text(ORDERS, encoding="utf-8")
    (tmp_path / "ev.csv").write_text(EVENTS, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    os.symlink("orders.csv", tmp_path / "link.csv")
    os.link(tmp_path / "ev.csv", tmp_path / "hard.csv")
    os.mkfifo(tmp_path / "pipe.csv")
    (tmp_path / "folder.csv").mkdir()
    return tmp_path


def one_sentence(capsys, command: str) -> str:
    """The error: one line, the last on stderr (after any progress line), no traceback."""
    err = capsys.readouterr().err.strip()
    errors = [line for line in err.splitlines() if line.startswith(f"disputelib {command}: ")]
    assert len(errors) == 1 and err.endswith(errors[0]) and "Traceback" not in err, err
    return errors[0]


# ------------------------------------------------------------------ refusals, in-process

REFUSALS = [
    # (argv, words in the one sentence)
    (["check-log", "ev.csv", "--out", "ev.csv"], "is the events file itself"),
    (["check-log", "ev.csv", "--out", "sub/../ev.csv"], "is the events file itself"),
    (["check-log", "ev.csv", "--out", "hard.csv"], "is the events file itself"),
    (["check-log", "ev.csv", "--orders", "orders.csv", "--out", "link.csv"], "is the orders file itself"),
    (["check-log", "hard.csv", "--out", "./ev.csv"], "is the events file itself"),
    (["eligibility", "orders.csv", "--as-of", "2026-03-25", "--out", "link.csv"], "is the orders file itself"),
    (["eligibility", "link.csv", "--as-of", "2026-03-25", "--out", "sub/../orders.csv"], "is the orders file itself"),
    # the implied rejects file (out.rejects.csv beside --out) would be the input
    (["eligibility", "orders.rejects.csv", "--as-of", "2026-03-25", "--out", "orders.csv"], "is the orders file"),
    (["eligibility", "orders.csv", "--as-of", "2026-03-25", "--out", "folder.csv"], "it is a folder, not a file"),
    (["eligibility", "orders.csv", "--as-of", "2026-03-25", "--out", "pipe.csv"], "it is a named pipe (FIFO)"),
    (["eligibility", "pipe.csv", "--as-of", "2026-03-25", "--out", "o.csv"], "it is a named pipe (FIFO), not a file"),
    (["eligibility", "folder.csv", "--as-of", "2026-03-25"], "it is a folder, not a file"),
    (["check-log", "pipe.csv"], "it is a named pipe (FIFO), not a file"),
    (["check-log", "ev.csv", "--orders", "folder.csv"], "it is a folder, not a file"),
    (["eligibility", "orders.csv", "--as-of", "2026-03-25", "--out", "gone/o.csv"], "folder 'gone' does not exist"),
    (["simulate", "--orders", "5", "--seed", "1", "--out", "orders.csv"], "is a file, not a folder"),
    (["simulate", "--orders", "5", "--seed", "1", "--out", "x", "--pack", "x/orders.parquet"], "would replace"),
    (["report", "--out", "orders.csv"], "is a file, not a folder"),
    (["simulate", "--orders", "5", "--seed", "1", "--out", "s", "--pack", "pipe.csv"], "rule pack file 'pipe.csv'"),
    (["simulate", "--orders", "5", "--seed", "1", "--out", "s", "--scenario", "folder.csv"], "it is a folder"),
    (["eligibility", "orders.csv", "--as-of", "2026-03-25", "--pack", "pipe.csv"], "it is a named pipe (FIFO)"),
    (["check-log", "ev.csv", "--pack", "folder.csv"], "rule pack file 'folder.csv': it is a folder"),
]


@pytest.mark.parametrize(("argv", "words"), REFUSALS, ids=[" ".join(a) for a, _ in REFUSALS])
def test_refused_before_anything_is_written(files, capsys, argv, words):
    if "orders.rejects.csv" in argv:
        (files / "orders.rejects.csv").write_text(ORDERS, encoding="utf-8")
    if "x/orders.parquet" in argv:
        (files / "x").mkdir()
        (files / "x" / "orders.parquet").write_text("[evidence]\n", encoding="utf-8")
    before = digest(files)
    assert main(argv) == 2
    assert words in one_sentence(capsys, argv[0])
    assert digest(files) == before  # nothing written, nothing replaced
    assert not any(p.name.endswith(".partial") for p in files.rglob("*"))


def test_check_log_out_over_its_log_keeps_the_log(files, capsys):
    """The case that destroyed the log: ``check-log ev.csv --out ev.csv``."""
    assert main(["check-log", "ev.csv", "--out", "ev.csv"]) == 2
    assert (files / "ev.csv").read_text(encoding="utf-8") == EVENTS
    assert main(["check-log", "ev.csv", "--out", "findings.csv"]) == 0
    assert (files / "ev.csv").read_text(encoding="utf-8") == EVENTS


def test_check_outputs_allows_distinct_files(files):
    check_outputs({"orders": "orders.csv", "events": "ev.csv"}, {"--out": "out.csv", "--rejects": "sub/r.csv"})
    with pytest.raises(PathError, match="--out and --rejects name the same file"):
        check_outputs({"orders": "orders.csv"}, {"--out": "o.csv", "--rejects": "sub/../o.csv"})


# ------------------------------------------------------------------ read-only and full file systems


@contextlib.contextmanager
def mounted(args: list[str], target: Path) -> Iterator[Path]:
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", *args, str(target)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here ({done.stderr.strip() or 'mount failed'}), so no read-only or full disk")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


@pytest.fixture
def read_only(tmp_path) -> Iterator[Path]:
    source = tmp_path / "ro-source"
    source.mkdir()
    (source / "old.csv").write_text("kept\n", encoding="utf-8")
    with mounted(["--bind", "-o", "ro", str(source)], tmp_path / "ro") as folder:
        # a bind mount is read-write until remounted read-only on some kernels
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=False)
        if os.access(folder, os.W_OK):
            pytest.skip("the bind mount stayed writable")
        yield folder


@pytest.fixture
def tiny_disk(tmp_path) -> Iterator[Path]:
    with mounted(["-t", "tmpfs", "-o", "size=64k", "tmpfs"], tmp_path / "full") as folder:
        yield folder


@pytest.mark.parametrize(
    "argv",
    [
        ["eligibility", "orders.csv", "--as-of", "2026-03-25", "--out", "{d}/o.csv"],
        ["check-log", "ev.csv", "--out", "{d}/findings.parquet"],
        ["simulate", "--orders", "5", "--seed", "1", "--out", "{d}/sim"],
        ["report", "--out", "{d}/reports", "--config", "missing.yaml"],
    ],
    ids=["eligibility", "check-log", "simulate", "report"],
)
def test_read_only_file_system_is_one_sentence(files, read_only, capsys, argv):
    argv = [a.replace("{d}", str(read_only)) for a in argv]
    assert main(argv) == 2
    assert "read-only file system" in one_sentence(capsys, argv[0])
    assert sorted(p.name for p in read_only.iterdir()) == ["old.csv"]


def test_disk_full_is_one_sentence_and_leaves_nothing(files, tiny_disk, capsys):
    assert main(["simulate", "--orders", "3000", "--seed", "1", "--out", f"{tiny_disk}/sim"]) == 2
    assert "No space left on device" in one_sentence(capsys, "simulate")
    assert list(tiny_disk.iterdir()) == []
    big = files / "big.csv"
    rows = "".join(f"B{i},10.00,card,2026-03-03,,US\n" for i in range(5000))
    big.write_text(ORDERS.splitlines()[0] + "\n" + rows, encoding="utf-8")
    assert main(["eligibility", "big.csv", "--as-of", "2026-03-25", "--out", f"{tiny_disk}/o.csv"]) == 2
    assert "No space left on device" in one_sentence(capsys, "eligibility")
    assert [p.name for p in tiny_disk.iterdir() if p.stat().st_size] == []


def test_disk_full_on_the_last_file_keeps_the_old_set(tmp_path, monkeypatch):
    """The writer fails on disputes.parquet: orders and events of the new run never appear."""
    import pyarrow.parquet as pq

    out = tmp_path / "sim"
    dl.write_simulation(dl.simulate(200, seed=1), out)
    before = digest(out)
    real = pq.write_table

    def fills_up(table, where, *args, **kwargs):
        if str(where).endswith("disputes.parquet"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(table, where, *args, **kwargs)

    monkeypatch.setattr(pq, "write_table", fills_up)
    with pytest.raises(dl.TableError, match="No space left on device"):
        dl.write_simulation(dl.simulate(300, seed=2), out)
    assert digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sim"]


# ------------------------------------------------------------------ simulate: one set, whatever stops it


def test_simulation_replaces_the_set_and_keeps_other_files(tmp_path):
    out = tmp_path / "sim"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    first = dl.simulate(300, seed=1)
    dl.write_simulation(first, out)
    dl.write_simulation(dl.simulate(400, seed=2), out)
    assert sorted(p.name for p in out.iterdir()) == sorted([*SIMULATION_FILES, "notes.txt"])
    assert len(pd.read_parquet(out / "orders.parquet")) == 400
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sim"]


def test_a_subfolder_and_symlinks_in_the_output_folder_are_kept(tmp_path):
    out = tmp_path / "sim"
    (out / "charts").mkdir(parents=True)
    (out / "charts" / "a.png").write_bytes(b"png")
    os.symlink("charts/a.png", out / "latest.png")
    dl.write_simulation(dl.simulate(100, seed=1), out)
    dl.write_simulation(dl.simulate(150, seed=2), out)
    assert (out / "charts" / "a.png").read_bytes() == b"png" and os.readlink(out / "latest.png") == "charts/a.png"
    assert len(pd.read_parquet(out / "orders.parquet")) == 150
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sim"]


def test_stale_temporary_folders_are_cleaned_and_live_ones_kept(tmp_path):
    dead = tmp_path / ".sim.tmp-1-dead"
    os.close(make_temp_folder(dead))  # the lock goes with its descriptor, as with a killed process
    live = tmp_path / ".sim.tmp-2-live"
    held = make_temp_folder(live)
    try:
        assert clean_stale(tmp_path, ".sim.tmp-*") == [dead]
        assert live.is_dir() and not dead.exists()
    finally:
        os.close(held)
    dl.write_simulation(dl.simulate(50, seed=1), tmp_path / "sim")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sim"]


def start(argv: list[str], cwd: Path) -> subprocess.Popen:
    """The installed command in its own process group (so a test can also kill its kernel).

    SIGINT and SIGTERM reach the command as they would from a terminal (default action,
    not blocked), whatever the test run itself inherited: started in the background
    (``make test &``) its processes get SIGINT ignored, and Python then keeps ignoring it.
    """
    return subprocess.Popen([sys.executable, "-c", _AS_FROM_A_TERMINAL, str(DISPUTELIB), *argv], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip


_AS_FROM_A_TERMINAL = """import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
os.execv(sys.argv[1], sys.argv[1:])"""


def wait_for(process: subprocess.Popen, words: str, timeout: float = 120) -> str:
    """Read stderr until a line holds ``words``."""
    deadline = time.monotonic() + timeout
    seen = ""
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        seen += line
        if words in line or (not line and process.poll() is not None):
            return seen
    raise TimeoutError(f"no {words!r} within {timeout} s: {seen}")


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"])
def test_signal_during_simulate_leaves_the_old_set(tmp_path, sig, code):
    if not DISPUTELIB.exists():
        pytest.skip("the disputelib console script is not installed in this interpreter's folder")
    out = tmp_path / "sim"
    dl.write_simulation(dl.simulate(100, seed=1), out)
    before = digest(out)
    process = start(["simulate", "--orders", "3000000", "--seed", "3", "--out", str(out)], tmp_path)
    wait_for(process, "simulating 3000000 orders")
    time.sleep(1)
    process.send_signal(sig)
    _, err = process.communicate(timeout=120)
    assert process.returncode == code, err
    assert ("terminated (SIGTERM)" if sig == signal.SIGTERM else "interrupted") in err
    assert "Traceback" not in err
    assert digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sim"]


@pytest.mark.slow
def test_signal_while_writing_gives_the_old_set_or_the_new_one(tmp_path):
    """SIGTERM as soon as the writing starts: the folder holds one whole set, never a mix."""
    if not DISPUTELIB.exists():
        pytest.skip("the disputelib console script is not installed in this interpreter's folder")
    out = tmp_path / "sim"
    dl.write_simulation(dl.simulate(100, seed=1), out)
    before = digest(out)
    process = start(["simulate", "--orders", "500000", "--seed", "4", "--out", str(out)], tmp_path)
    wait_for(process, "writing orders, events and disputes")
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode in (0, 143), err
    after = digest(out)
    if process.returncode == 143:
        assert after == before
    else:
        assert all(after[name] != before[name] for name in SIMULATION_FILES)
        assert len(pd.read_parquet(out / "orders.parquet", columns=["order_id"])) == 500_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sim"]


# ------------------------------------------------------------------ report: ids, latest, signals


def test_runs_started_in_the_same_second_get_distinct_ids(tmp_path):
    first = _reserve(tmp_path, "20261127T061500Z")
    second = _reserve(tmp_path, "20261127T061500Z")
    try:
        assert first[0] == "20261127T061500Z" and second[0] == "20261127T061500Z-2"
        assert first[1] != second[1] and first[1].is_dir() and second[1].is_dir()
    finally:
        os.close(first[2])
        os.close(second[2])
    (tmp_path / "runs" / "20261127T061500Z-3").mkdir(parents=True)
    third = _reserve(tmp_path, "20261127T061500Z")
    os.close(third[2])
    assert third[0] == "20261127T061500Z-4"


def test_latest_never_moves_back_to_an_older_run(tmp_path):
    runs = tmp_path / "runs"
    older, newer, newest = (runs / name for name in ("20261127T061500Z", "20261127T061500Z-2", "20261127T061501Z"))
    for run in (older, newer, newest):
        run.mkdir(parents=True)
    assert _point_latest(tmp_path, newer) == (tmp_path / "latest", True)
    assert _point_latest(tmp_path, older) == (tmp_path / "latest", False)  # finished later, started earlier
    assert (tmp_path / "latest").resolve() == newer
    assert _point_latest(tmp_path, newest)[1] and (tmp_path / "latest").resolve() == newest
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


SLEEPER = """{"cells": [
 {"cell_type": "markdown", "id": "title", "metadata": {}, "source": "# Sleeper"},
 {"cell_type": "code", "id": "parameters", "execution_count": null, "metadata": {"tags": ["parameters"]}, "outputs": [],
  "source": "as_of: str = \\"2026-01-01\\"  # the day"},
 {"cell_type": "code", "id": "sleep", "execution_count": null, "metadata": {}, "outputs": [],
  "source": "import time\\nprint('started', flush=True)\\ntime.sleep(120)"}],
 "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
 "nbformat": 4, "nbformat_minor": 5}
"""


@pytest.fixture
def sleeper(tmp_path) -> Path:
    (tmp_path / "sleeper.ipynb").write_text(SLEEPER, encoding="utf-8")
    config = tmp_path / "sleeper.yaml"
    config.write_text(f"as_of: 2026-01-01\nnotebooks:\n  - path: {tmp_path / 'sleeper.ipynb'}\n", encoding="utf-8")
    return config


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "code", "words"),
    [(signal.SIGTERM, 143, "disputelib report: terminated (SIGTERM)"), (signal.SIGINT, 130, "disputelib report: interrupted")],
    ids=["SIGTERM", "SIGINT"],
)
def test_signal_during_report_publishes_nothing(tmp_path, sleeper, sig, code, words):
    if not DISPUTELIB.exists():
        pytest.skip("the disputelib console script is not installed in this interpreter's folder")
    out = tmp_path / "reports"
    (out / "runs" / "20200101T000000Z").mkdir(parents=True)
    os.symlink("runs/20200101T000000Z", out / "latest")
    process = start(["report", "--config", str(sleeper), "--out", str(out)], tmp_path)
    wait_for(process, "[1/1] sleeper: running")
    time.sleep(2)  # the kernel is up and sleeping
    process.send_signal(sig)
    _, err = process.communicate(timeout=120)
    assert process.returncode == code, err
    assert words in err and "Traceback" not in err
    assert f"stopped by {'SIGTERM' if sig == signal.SIGTERM else 'SIGINT (Ctrl-C)'}; nothing was published" in err
    assert os.readlink(out / "latest") == "runs/20200101T000000Z"
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["20200101T000000Z"]
    assert not list(out.glob(".tmp-*"))
    (incomplete,) = (out / "failed").iterdir()
    assert incomplete.name.endswith("-incomplete") and not (incomplete / LOCK_NAME).exists()


@pytest.mark.slow
def test_killed_report_leaves_a_folder_the_next_run_removes(tmp_path, sleeper, capsys):
    if not DISPUTELIB.exists():
        pytest.skip("the disputelib console script is not installed in this interpreter's folder")
    out = tmp_path / "reports"
    process = start(["report", "--config", str(sleeper), "--out", str(out)], tmp_path)
    wait_for(process, "[1/1] sleeper: running")
    os.killpg(process.pid, signal.SIGKILL)  # no cleanup at all, kernel included
    process.communicate(timeout=60)
    (left,) = out.glob(".tmp-*")
    # a build folder still in use by a live run is never taken for a stale one
    live = out / ".tmp-20990101T000000Z"
    held = make_temp_folder(live)
    try:
        capsys.readouterr()
        main(["report", "--config", str(sleeper), "--out", str(out), "--timeout", "1"])  # the next run, in-process
        assert f"removed {left.name}" in capsys.readouterr().err
        assert not left.exists() and live.is_dir()
    finally:
        fcntl.flock(held, fcntl.LOCK_UN)
        os.close(held)


# ------------------------------------------------------------------ check-evidence and FIFOs


def test_a_fifo_never_blocks_check_evidence(tmp_path):
    os.mkfifo(tmp_path / "clip.mp4")  # nothing will ever write to it
    (tmp_path / "photos.jpg").mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "disputelib.cli", "check-evidence", "clip.mp4", "photos.jpg"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "FAIL  a named pipe (FIFO), not a file" in done.stdout
    assert "FAIL  a folder, not a file" in done.stdout
    assert "Traceback" not in done.stderr


def test_report_refuses_a_fifo_as_config_or_input(files, capsys):
    config = files / "config.yaml"
    config.write_text(
        f"as_of: 2026-03-25\ninputs:\n  orders: {files / 'pipe.csv'}\nnotebooks:\n  - notebooks/2.0-eligibility.ipynb\n",
        encoding="utf-8",
    )
    assert main(["report", "--config", str(config), "--out", "reports"]) == 2
    assert "it is a named pipe (FIFO), not a file" in one_sentence(capsys, "report")
    assert main(["report", "--config", "pipe.csv", "--out", "reports"]) == 2
    assert "report config file 'pipe.csv': it is a named pipe (FIFO)" in one_sentence(capsys, "report")
    assert not (files / "reports").exists()


# ------------------------------------------------------------------ any spelling of the same file

#: Steps of a path that wander through folders and come back: (segment, depth change).
STEPS = st.lists(st.sampled_from([("sub", 1), ("..", -1), (".", 0), ("deeper", 1)]), max_size=8)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(steps=STEPS, via=st.sampled_from(["orders.csv", "link.csv", "alias.csv"]), other=st.booleans())
def test_every_spelling_of_the_input_is_refused(files, steps, via, other):
    """However an output path wanders, it is refused exactly when it lands on the input."""
    (files / "sub" / "deeper").mkdir(exist_ok=True)
    if not (files / "alias.csv").exists():
        os.link(files / "orders.csv", files / "alias.csv")
    parts, depth = [], 0
    for segment, change in steps:
        if depth + change < 0 or (segment == "deeper" and (depth != 1 or parts[-1:] != ["sub"])):
            continue
        if segment == "sub" and depth != 0:
            continue
        parts.append(segment)
        depth += change
    parts += [".."] * depth
    name = "fresh.csv" if other else via
    path = str(Path(*parts, name)) if parts else name
    if other:
        check_outputs({"orders": "orders.csv"}, {"--out": path})
    else:
        with pytest.raises(PathError, match="is the orders file itself"):
            check_outputs({"orders": "orders.csv"}, {"--out": path})


@pytest.mark.parametrize("error", [KeyboardInterrupt, Terminated])
def test_a_write_stopped_midway_leaves_no_partial_file(tmp_path, monkeypatch, error):
    """Ctrl-C or SIGTERM while a table is being written: neither the table nor a .partial stays."""
    frame = pd.DataFrame({"order_id": ["A", "B"], "amount_usd": [1.0, 2.0]})
    real = pd.DataFrame.to_csv

    def stops(self, target, *args, **kwargs):
        real(self.head(1), target, *args, **kwargs)  # part of the file is on disk
        raise error()

    monkeypatch.setattr(pd.DataFrame, "to_csv", stops)
    with pytest.raises(error):
        write_table(frame, tmp_path / "out.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_sigterm_during_eligibility_exits_143_and_leaves_no_partial(tmp_path):
    """SIGTERM stops every command like Ctrl-C, with 143 and nothing half-written."""
    n = 500_000  # the table takes over a second to write: the signal lands mid-write, not before or after
    orders = pd.DataFrame(
        {
            "order_id": [f"O{i}" for i in range(n)],
            "amount_usd": "12.50",
            "payment_method": "Visa",
            "shipped_at": "2026-11-01",
        }
    )
    orders.to_parquet(tmp_path / "orders.parquet", index=False)
    process = start(["eligibility", "orders.parquet", "--as-of", "2026-11-27", "--out", "open.csv"], tmp_path)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".open.csv.*partial")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)  # the signal goes in while the table is being written
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    if process.returncode == 0:  # finished before the signal on a fast machine: a whole file, no partial
        assert (tmp_path / "open.csv").is_file()
    else:
        assert process.returncode == 143, err
        assert "disputelib eligibility: terminated (SIGTERM)" in err
        assert "Traceback" not in err
        assert not (tmp_path / "open.csv").exists()
    assert not list(tmp_path.glob(".*partial"))
