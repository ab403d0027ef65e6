"""A real Jupyter server on loopback lists and opens the product notebooks through its REST API."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
STARTUP_SECONDS = 90

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("jupyter_server")]  # one server: the tests in one worker


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    token = secrets.token_hex(16)
    port = free_port()
    home = tmp_path_factory.mktemp("jupyter")
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "IPYTHONDIR": str(home / "ipython"),
    }
    log = (home / "server.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "jupyter_server",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={ROOT}",
            *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        ],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter server exited with {proc.returncode}: {(home / 'server.log').read_text()[-2000:]}")
            try:
                get(f"{base}/api/status", token)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter server not ready after {STARTUP_SECONDS} s")
                time.sleep(0.25)
        yield base, token
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def test_the_notebooks_exist():
    assert NOTEBOOKS == [
        "1.0-simulate-orders.ipynb",
        "2.0-eligibility.ipynb",
        "3.0-time-to-refund.ipynb",
        "4.0-what-if.ipynb",
        "5.0-routes.ipynb",
    ]


def test_a_request_without_the_token_is_refused(server):
    base, _ = server
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"{base}/api/contents/notebooks", timeout=10)
    assert error.value.code == 403


def test_server_lists_the_notebooks(server):
    base, token = server
    listing = get(f"{base}/api/contents/notebooks?content=1", token)
    assert listing["type"] == "directory"
    names = sorted(item["name"] for item in listing["content"] if item["type"] == "notebook")
    assert names == NOTEBOOKS


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_server_opens_each_notebook(server, name):
    base, token = server
    model = get(f"{base}/api/contents/notebooks/{name}?content=1&type=notebook", token)
    assert model["type"] == "notebook" and model["format"] == "json"
    nb = model["content"]
    assert nb["metadata"]["kernelspec"]["name"] == "disputelib"  # selected when the notebook opens
    cells = nb["cells"]
    assert cells[0]["cell_type"] == "markdown" and cells[0]["source"].startswith("# ")
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    executed = [c for c in cells if c["cell_type"] == "code" and c.get("outputs")]
    assert executed, f"{name} is committed without outputs"


def test_server_offers_the_project_kernel(server):
    base, token = server
    specs = get(f"{base}/api/kernelspecs", token)
    assert "python3" in specs["kernelspecs"]
    assert "disputelib" in specs["kernelspecs"], "the kernelspec is installed into .venv by make venv"
    spec = specs["kernelspecs"]["disputelib"]["spec"]
    assert spec["display_name"] == "disputelib (.venv)"
    assert Path(spec["argv"][0]).resolve() == Path(sys.executable).resolve()  # the .venv interpreter
