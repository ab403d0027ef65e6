"""Scheduled reports: run the notebook suite with papermill and publish HTML a manager can read.

A report is described by a YAML config (``conf/reports/*.yaml``): the notebooks to run,
the parameters they get, the input files the landing page summarises and a per-notebook
timeout. :func:`run_report` checks the whole config against the notebooks' ``parameters``
cells before anything runs, executes each notebook in a fresh kernel, converts it to HTML
without code, and writes a landing page (``index.html``) and a ``manifest.json``.

It is safe to schedule. A run is built in a hidden temporary folder next to its
destination and renamed into ``OUT/runs/<run id>/`` only when every notebook succeeded;
then the ``OUT/latest`` symlink is replaced atomically. A failed run is moved to
``OUT/failed/<run id>/`` with the executed notebooks (errors included) for diagnosis, and
the previous report and ``latest`` are left untouched::

    OUT/
      latest -> runs/20261127T061500Z
      runs/20261127T061500Z/index.html, manifest.json, notebooks/NAME.html, NAME.ipynb
      failed/20261128T061500Z/...

Every string that comes from data is escaped in the pages: the landing page is rendered
by an autoescaping template, and the notebook pages carry a Content-Security-Policy that
forbids scripts, so even raw HTML in an output cannot run anything.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.metadata
import json
import logging
import math
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import nbformat
import pandas as pd
import yaml

from disputelib.paths import PathError, project_root, relative, resolve
from disputelib.policy import DEFAULT_PACK, load_pack
from disputelib.tables import read_table
from disputelib.windows import as_date, eligibility

#: Keys a report config may hold (anything else is an error).
CONFIG_KEYS = frozenset(
    {"title", "as_of", "pack", "timeout", "kernel", "soon_days", "inputs", "parameters", "notebooks"}
)
#: Keys of one entry of ``notebooks``.
NOTEBOOK_KEYS = frozenset({"path", "name", "parameters", "timeout"})
#: Input files the landing page summarises, and the notebook parameter each one is passed as.
INPUT_PARAMETERS: dict[str, str] = {"orders": "orders_path", "disputes": "disputes_path"}
#: Placeholder in string parameters replaced by the run's folder (for files a notebook writes).
RUN_PLACEHOLDER = "{run}"
#: The config used when none is given, relative to the project root.
DEFAULT_CONFIG = "conf/reports/daily.yaml"
DEFAULT_TIMEOUT = 1800.0
DEFAULT_SOON_DAYS = 7
#: Distributions whose versions the manifest records.
VERSIONED = ("disputelib", "pandas", "numpy", "papermill", "nbconvert", "matplotlib", "statsmodels")
#: Notebook outcomes; every one but ``ok`` fails the run.
STATUSES = ("ok", "failed", "timed_out", "kernel_died", "error", "skipped")

#: Pages may show inline styles and embedded images, and nothing may run or load.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

_log = logging.getLogger(__name__)


class ReportConfigError(ValueError):
    """A report config that cannot run; the message is one sentence for the user."""


@dataclass(frozen=True)
class NotebookSpec:
    """One notebook of a report: where it is and what it gets."""

    name: str
    path: Path
    parameters: dict[str, Any]
    timeout: float


@dataclass(frozen=True)
class ReportConfig:
    """A checked report config, with command-line values already applied."""

    source: Path | None
    title: str
    as_of: str
    pack: str
    kernel: str
    soon_days: int
    inputs: dict[str, str]
    parameters: dict[str, Any]
    notebooks: tuple[NotebookSpec, ...]


@dataclass(frozen=True)
class NotebookResult:
    """How one notebook ran: ``status`` is one of :data:`STATUSES`."""

    name: str
    source: str
    status: str
    duration: float
    message: str = ""
    title: str = ""
    ipynb: str | None = None
    html: str | None = None


@dataclass(frozen=True)
class ReportResult:
    """The outcome of :func:`run_report`.

    Attributes
    ----------
    status
        ``"ok"`` when every notebook ran, else ``"failed"``.
    run_dir
        The finished run's folder: ``OUT/runs/<id>`` on success, ``OUT/failed/<id>`` on failure.
    latest
        The ``OUT/latest`` symlink (moved to ``run_dir``) on success, else None.
    notebooks
        One :class:`NotebookResult` per notebook, in config order.
    manifest
        The content of ``run_dir/manifest.json``.
    """

    status: str
    run_dir: Path
    latest: Path | None
    notebooks: tuple[NotebookResult, ...]
    manifest: dict[str, Any] = field(repr=False)

    @property
    def ok(self) -> bool:
        """True when every notebook ran and the run was published."""
        return self.status == "ok"

    @property
    def failure(self) -> NotebookResult | None:
        """The notebook that stopped the run, if any."""
        return next((nb for nb in self.notebooks if nb.status not in ("ok", "skipped")), None)


# --------------------------------------------------------------------------- config


def _where(source: Path | None) -> str:
    return f"{source}: " if source is not None else ""


def _check_keys(found: Mapping, allowed: frozenset[str], what: str, source: Path | None) -> None:
    unknown = sorted(set(map(str, found)) - allowed)
    if unknown:
        raise ReportConfigError(
            f"{_where(source)}unknown key {unknown[0]!r} in {what} (allowed: {', '.join(sorted(allowed))})"
        )


def _mapping(value: Any, what: str, source: Path | None) -> dict:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ReportConfigError(f"{_where(source)}{what} must be a mapping of names to values")
    return {str(k): _plain(v) for k, v in value.items()}


def _plain(value: Any) -> Any:
    """YAML dates as ISO text: notebook parameters are plain literals."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _seconds(value: Any, what: str, source: Path | None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ReportConfigError(f"{_where(source)}{what} must be a positive number of seconds, not {value!r}")
    return float(value)


def _iso_day(value: Any, source: Path | None) -> str:
    try:
        day = as_date(_plain(value))
    except ValueError as exc:
        raise ReportConfigError(f"{_where(source)}as_of: {exc}") from None
    return str(day)


def load_config(
    config: str | Path | Mapping | None,
    as_of: str | dt.date | None = None,
    timeout: float | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ReportConfig:
    """Read and check a report config; command-line values win over the file.

    Parameters
    ----------
    config
        A YAML file, an already-parsed mapping, or None for :data:`DEFAULT_CONFIG`.
    as_of
        Replaces the config's ``as_of``.
    timeout
        Replaces every notebook's timeout (seconds).
    overrides
        Parameter values that replace the config's: ``pack`` replaces the config's pack,
        any other name replaces that parameter for every notebook that declares it.

    Returns
    -------
    ReportConfig

    Raises
    ------
    ReportConfigError
        For a missing file, bad YAML, an unknown key or an impossible value; nothing about
        the notebooks is checked here (see :func:`plan`).
    """
    source: Path | None = None
    if config is None:
        config = resolve(DEFAULT_CONFIG)
    if isinstance(config, Mapping):
        raw = dict(config)
    else:
        source = Path(config)
        if not source.is_file():
            raise ReportConfigError(f"cannot read the report config {str(source)!r}: no such file")
        try:
            raw = yaml.safe_load(source.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" at line {mark.line + 1}" if mark is not None else ""
            raise ReportConfigError(f"{source}: not valid YAML{line}") from None
        if not isinstance(raw, dict):
            raise ReportConfigError(f"{source}: a report config must be a mapping of keys to values")
    _check_keys(raw, CONFIG_KEYS, "the report config", source)

    overrides = {str(k): _plain(v) for k, v in (overrides or {}).items()}
    if "as_of" in overrides:
        as_of = overrides.pop("as_of")
    day = as_of if as_of is not None else raw.get("as_of")
    if day is None:
        raise ReportConfigError(f"{_where(source)}as_of is missing: set it in the config or pass --as-of")
    pack = str(overrides.pop("pack", raw.get("pack") or DEFAULT_PACK))
    default_timeout = _seconds(raw.get("timeout", DEFAULT_TIMEOUT), "timeout", source)
    if timeout is not None:
        timeout = _seconds(timeout, "--timeout", source)
    soon = raw.get("soon_days", DEFAULT_SOON_DAYS)
    if isinstance(soon, bool) or not isinstance(soon, int) or soon < 0:
        raise ReportConfigError(f"{_where(source)}soon_days must be a whole number of days, not {soon!r}")

    inputs = _mapping(raw.get("inputs"), "inputs", source)
    _check_keys(inputs, frozenset(INPUT_PARAMETERS), "inputs", source)
    for name, value in inputs.items():
        if not isinstance(value, str) or not value.strip():
            raise ReportConfigError(f"{_where(source)}inputs.{name} must be a file path")

    entries = raw.get("notebooks")
    if not isinstance(entries, list) or not entries:
        raise ReportConfigError(f"{_where(source)}notebooks must be a non-empty list of notebooks to run")
    notebooks = []
    for i, entry in enumerate(entries, start=1):
        if isinstance(entry, str):
            entry = {"path": entry}
        if not isinstance(entry, Mapping) or "path" not in entry:
            raise ReportConfigError(f"{_where(source)}notebooks entry {i} needs a path")
        _check_keys(entry, NOTEBOOK_KEYS, f"notebooks entry {i}", source)
        path = resolve(str(entry["path"]))
        if not path.is_file() or path.suffix != ".ipynb":
            raise ReportConfigError(f"{_where(source)}notebook {str(entry['path'])!r} is not an .ipynb file")
        limit = _seconds(entry["timeout"], f"timeout of {path.name}", source) if "timeout" in entry else None
        params = _mapping(entry.get("parameters"), f"parameters of {path.name}", source)
        name = str(entry.get("name") or path.stem)
        if "/" in name or "\\" in name or name.startswith("."):
            raise ReportConfigError(f"{_where(source)}notebook name {name!r} must be a plain file name")
        notebooks.append(NotebookSpec(name, path, params, timeout or limit or default_timeout))
    names = [nb.name for nb in notebooks]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise ReportConfigError(f"{_where(source)}two notebooks are named {duplicate!r}: give one a distinct name")

    parameters = _mapping(raw.get("parameters"), "parameters", source)
    parameters.update(overrides)
    for nb in notebooks:
        nb.parameters.update({k: v for k, v in overrides.items() if k in nb.parameters})
    return ReportConfig(
        source=source,
        title=str(raw.get("title") or "Dispute report"),
        as_of=_iso_day(day, source),
        pack=pack,
        kernel=str(raw.get("kernel") or "python3"),
        soon_days=soon,
        inputs=inputs,
        parameters=parameters,
        notebooks=tuple(notebooks),
    )


_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "str": (str,),
    "bool": (bool,),
    "dict": (dict,),
    "list": (list,),
}


def declared_parameters(path: Path) -> dict[str, dict[str, Any]]:
    """The parameters a notebook declares in its ``parameters`` cell, by name (papermill's view)."""
    import papermill

    return {name: dict(info) for name, info in papermill.inspect_notebook(str(path)).items()}


def plan(config: ReportConfig) -> dict[str, dict[str, Any]]:
    """The parameters each notebook will get, checked against what the notebooks declare.

    ``as_of``, ``pack``, ``soon_days``, the ``inputs`` (as ``orders_path`` /
    ``disputes_path``) and the global ``parameters`` go to every notebook that declares
    them; a notebook's own ``parameters`` win over them.

    Returns
    -------
    dict
        Notebook name to its parameters.

    Raises
    ------
    ReportConfigError
        When a notebook's own parameter is not declared by it, a global parameter is
        declared by none of the notebooks, or a value does not fit the declared type.
    """
    where = _where(config.source)
    shared: dict[str, Any] = {"as_of": config.as_of, "pack": config.pack, "soon_days": config.soon_days}
    shared.update({INPUT_PARAMETERS[k]: v for k, v in config.inputs.items()})
    shared.update(config.parameters)
    used: set[str] = set()
    out: dict[str, dict[str, Any]] = {}
    for nb in config.notebooks:
        try:
            declared = declared_parameters(nb.path)
        except Exception as exc:
            raise ReportConfigError(f"{where}cannot read the parameters of {nb.path.name}: {exc}") from None
        unknown = sorted(set(nb.parameters) - set(declared))
        if unknown:
            names = ", ".join(sorted(declared)) or "none"
            raise ReportConfigError(
                f"{where}notebook {nb.path.name} does not declare parameter {unknown[0]!r} (it declares: {names})"
            )
        params = {k: v for k, v in shared.items() if k in declared}
        used.update(params)
        params.update(nb.parameters)
        for name, value in params.items():
            kind = str(declared[name].get("inferred_type_name", "")).removeprefix("Optional[").rstrip("]")
            allowed = _TYPES.get(kind)
            wrong = allowed is not None and (
                not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed)
            )
            if wrong and value is not None:
                raise ReportConfigError(f"{where}parameter {name!r} of {nb.path.name} must be {kind}, not {value!r}")
        out[nb.name] = params
    unused = sorted(set(config.parameters) - used)
    if unused:
        raise ReportConfigError(f"{where}no notebook declares parameter {unused[0]!r}")
    return out


# --------------------------------------------------------------------------- headline numbers


@dataclass(frozen=True)
class Headline:
    """The numbers on the landing page, computed by the package from the input files."""

    orders: dict[str, int] | None = None
    closing: pd.DataFrame | None = None
    closing_soon: int | None = None
    disputes: int | None = None
    refund_times: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain values for the manifest."""
        times = None
        if self.refund_times is not None:
            times = json.loads(self.refund_times.to_json(orient="records"))
        return {
            "orders": self.orders,
            "open_closing_soon": self.closing_soon,
            "disputes": self.disputes,
            "refund_times": times,
            "notes": list(self.notes),
        }


#: Columns of the "closing soonest" table, when the orders carry them.
_CLOSING_COLUMNS = ("order_id", "store_id", "store_name", "payment_method", "window_closes", "deadline", "days_left")
_REFUND_COLUMNS = ("n", "events", "censored", "median_days", "median_lo", "median_hi")


def headline(config: ReportConfig, limit: int = 10) -> Headline:
    """Orders, windows closing soon, disputes and median time to refund from ``config.inputs``.

    Parameters
    ----------
    config
        The report config (its ``inputs``, ``as_of``, ``pack`` and ``soon_days``).
    limit
        Rows of the "closing soonest" table.

    Returns
    -------
    Headline
        ``orders`` holds ``read``, ``accepted``, ``rejected`` and one count per status;
        ``closing`` the open orders closing first (sorted by ``window_closes`` then
        ``order_id``); ``refund_times`` the output of
        :func:`disputelib.analysis.refund_time_summary` by payment method.
    """
    notes: list[str] = []
    orders = closing = soon = disputes = times = None
    if "orders" in config.inputs:
        result = eligibility(read_table(resolve(config.inputs["orders"])), config.as_of, config.pack)
        table = result.table
        counts = table["status"].value_counts()
        orders = {"read": result.n_read, "accepted": len(table), "rejected": len(result.rejects)}
        orders.update({s: int(counts.get(s, 0)) for s in ("not_shipped", "too_early", "open", "expired")})
        is_open = table["status"] == "open"
        closing_all = table[is_open & (table["days_left"] <= config.soon_days).fillna(False)]
        soon = len(closing_all)
        columns = [c for c in _CLOSING_COLUMNS if c in table.columns]
        closing = (
            table.loc[is_open, columns]
            .sort_values(["window_closes", "order_id"], kind="stable")
            .head(limit)
            .reset_index(drop=True)
        )
    if "disputes" in config.inputs:
        frame = read_table(resolve(config.inputs["disputes"]))
        disputes = len(frame)
        try:
            from disputelib import analysis

            times = analysis.refund_time_summary(frame, by="payment_method")
        except (ImportError, AttributeError):
            notes.append("median time to refund: disputelib.analysis is not available")
        except ValueError as exc:
            notes.append(f"median time to refund: {exc}")
    return Headline(orders, closing, soon, disputes, times, tuple(notes))


# --------------------------------------------------------------------------- pages

_PAGE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head -%}
<meta http-equiv="Content-Security-Policy" content="{{ resources.csp | e }}">
{{ super() }}
<style>nav.report-nav { padding: 8px 16px; font-family: sans-serif; }</style>
{%- endblock html_head -%}
{%- block body_header -%}
{{ super() }}
<nav class="report-nav"><a href="{{ resources.index_href | e }}">&larr; {{ resources.report_title | e }}</a>
&middot; status: {{ resources.status | e }}</nav>
{%- endblock body_header -%}
"""

_INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} - {{ as_of }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #1a7f37; } .failed, .timed_out, .kernel_died, .error { color: #cf222e; font-weight: bold; }
.big { font-size: 1.6em; font-weight: bold; }
.cards { display: flex; gap: 2em; flex-wrap: wrap; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p>As of <strong id="as-of">{{ as_of }}</strong>, rule pack <strong>{{ pack }}</strong>.
Run {{ run_id }}: <span class="{{ status }}" id="run-status">{{ status }}</span>.</p>

<h2>Headline numbers</h2>
<section id="headline">
<div class="cards">
{% for label, value in cards %}<div><div class="big">{{ value }}</div><div>{{ label }}</div></div>
{% endfor %}</div>
{% if closing is not none %}
<h3>Open windows closing first</h3>
{{ table(closing) }}
{% endif %}
{% if refund_times is not none %}
<h3>Days from opening a dispute to money received, by payment method</h3>
<p>Kaplan-Meier medians with 95&nbsp;% intervals; refunds still pending count as censored.</p>
{{ table(refund_times) }}
{% endif %}
{% if not cards %}<p>No input files are named in the config (<code>inputs</code>), so there are no headline numbers.</p>{% endif %}
{% for note in notes %}<p>{{ note }}</p>
{% endfor %}
</section>

<h2>Notebooks</h2>
<table id="notebooks">
<tr><th>Notebook</th><th>Status</th><th>Duration</th><th>Executed notebook</th></tr>
{% for nb in notebooks %}<tr>
<td>{% if nb.html %}<a href="{{ nb.html }}">{{ nb.title }}</a>{% else %}{{ nb.title }}{% endif %}</td>
<td class="{{ nb.status }}">{{ nb.status }}{% if nb.message %}: {{ nb.message }}{% endif %}</td>
<td class="num">{{ nb.duration }}</td>
<td>{% if nb.ipynb %}<a href="{{ nb.ipynb }}">{{ nb.ipynb_name }}</a>{% endif %}</td>
</tr>
{% endfor %}</table>

<h2>Parameters</h2>
<table id="parameters">
{% for name, value in parameters %}<tr><th>{{ name }}</th><td>{{ value }}</td></tr>
{% endfor %}</table>
<p>Details: <a href="manifest.json">manifest.json</a>.</p>
</body>
</html>
"""

_TABLE_MACRO = """{% macro table(frame) -%}
<table>
<tr>{% for c in frame.columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for row in frame.rows %}<tr>{% for cell, num in row %}<td{% if num %} class="num"{% endif %}>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</table>
{%- endmacro %}
"""


@dataclass(frozen=True)
class _Rows:
    columns: list[str]
    rows: list[list[tuple[str, bool]]]


def _cell(value: Any) -> tuple[str, bool]:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "", False
    if isinstance(value, pd.Timestamp) and value.tzinfo is None and value == value.normalize():
        return value.strftime("%Y-%m-%d"), False
    if isinstance(value, pd.Timestamp):
        return value.isoformat(), False
    if isinstance(value, float):
        return repr(value), True
    return str(value), isinstance(value, int)


def _rows(frame: pd.DataFrame) -> _Rows:
    return _Rows([str(c) for c in frame.columns], [[_cell(v) for v in row] for row in frame.itertuples(index=False)])


def _index_page(context: dict[str, Any]) -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(_TABLE_MACRO + _INDEX_TEMPLATE)
    return template.render(csp=CSP, **context)


def _title(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def notebook_page(nb: nbformat.NotebookNode, title: str, report_title: str, status: str) -> str:
    """An executed notebook as a standalone HTML page: outputs only, figures embedded.

    The cell papermill injected with the run's parameters is removed, and so is the
    ``parameters`` cell when it has no output; no cell input is shown. The page links back
    to ``../index.html`` and forbids scripts with a Content-Security-Policy.
    """
    from nbconvert import HTMLExporter

    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    kept = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if "injected-parameters" in tags:
            continue
        if cell.cell_type == "code" and not cell.get("outputs"):
            continue
        kept.append(cell)
    nb.cells = kept
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"disputelib-report.html.j2": _PAGE_TEMPLATE})],
        template_file="disputelib-report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    resources = {
        "metadata": {"name": title},
        "csp": CSP,
        "index_href": "../index.html",
        "report_title": report_title,
        "status": status,
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


# --------------------------------------------------------------------------- running


def _say(progress: bool, text: str) -> None:
    if progress:
        print(text, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _quiet_papermill() -> Iterator[None]:
    """Papermill and nbclient log what we report ourselves; keep the terminal to our lines."""
    logger = logging.getLogger("papermill")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    before = logger.propagate
    logger.propagate = False
    try:
        yield
    finally:
        logger.propagate = before
        logger.removeHandler(handler)


def _substitute(value: Any, run_dir: Path) -> Any:
    if isinstance(value, str) and RUN_PLACEHOLDER in value:
        return value.replace(RUN_PLACEHOLDER, str(run_dir))
    return value


def execute(spec: NotebookSpec, parameters: dict[str, Any], output: Path, kernel: str) -> tuple[str, str]:
    """Run one notebook with papermill in a fresh kernel, writing the executed copy to ``output``.

    The timeout is the whole notebook's budget: each cell may run for what is left of it.

    Returns
    -------
    tuple of str
        ``(status, message)``: ``("ok", "")``, ``("failed", "ValueError: ...")``,
        ``("timed_out", ...)``, ``("kernel_died", ...)`` or ``("error", ...)``.
    """
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    deadline = time.monotonic() + spec.timeout

    def remaining(cell: Any) -> int:
        return max(1, math.ceil(deadline - time.monotonic()))

    try:
        papermill.execute_notebook(
            str(spec.path),
            str(output),
            parameters=parameters,
            kernel_name=kernel,
            cwd=str(spec.path.parent),
            progress_bar=False,
            execution_timeout=math.ceil(spec.timeout),
            timeout_func=remaining,
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except papermill.PapermillExecutionError as exc:
        return "failed", f"{exc.ename}: {exc.evalue}".strip().rstrip(":")
    except CellTimeoutError:
        return "timed_out", f"stopped after the {spec.timeout:g} s timeout"
    except DeadKernelError:
        return "kernel_died", "the kernel died (killed, out of memory or crashed)"
    except Exception as exc:  # kernel that does not start, unreadable notebook...
        text = str(exc).strip().splitlines()
        return "error", f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
    return "ok", ""


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": sys.version.split()[0]}
    for name in VERSIONED:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def code_revision(root: Path) -> str | None:
    """``git rev-parse HEAD`` of the project, or None outside a git checkout."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    text = done.stdout.strip()
    return text if done.returncode == 0 and text else None


def _input_files(config: ReportConfig, params: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Checksums of the input files, the notebooks and any file a parameter names."""
    files: dict[str, Path] = {}
    for value in config.inputs.values():
        files[value] = resolve(value)
    for nb in config.notebooks:
        files[relative(nb.path)] = nb.path
    for values in params.values():
        for value in values.values():
            if isinstance(value, str) and value and RUN_PLACEHOLDER not in value and value not in files:
                with contextlib.suppress(PathError, OSError, ValueError):
                    path = resolve(value)
                    if path.is_file():
                        files[value] = path
    return {
        label: {"sha256": sha256(path), "bytes": path.stat().st_size}
        for label, path in sorted(files.items())
        if path.is_file()
    }


def _utc(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _free_id(out: Path, stamp: str) -> str:
    """``stamp``, or ``stamp-2``, ``stamp-3``... when a run of that name exists."""
    n = 1
    while any((out / sub / (stamp if n == 1 else f"{stamp}-{n}")).exists() for sub in ("runs", "failed")):
        n += 1
    return stamp if n == 1 else f"{stamp}-{n}"


def _place(parent: Path, run_id: str, tmp: Path) -> Path:
    """Rename ``tmp`` to ``parent/run_id`` (``run_id-2``... if taken)."""
    parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        target = parent / (run_id if n == 1 else f"{run_id}-{n}")
        if not target.exists():
            os.rename(tmp, target)
            return target
    raise OSError(f"too many runs named {run_id} in {parent}")


def _point_latest(out: Path, target: Path) -> Path:
    """Replace ``out/latest`` by a relative symlink to ``target`` in one atomic step."""
    latest = out / "latest"
    if latest.exists() and not latest.is_symlink():
        raise OSError(f"{latest} exists and is not a symlink; move it away")
    link = out / f".latest-{os.getpid()}"
    link.unlink(missing_ok=True)
    os.symlink(os.path.relpath(target, out), link)
    os.replace(link, latest)
    return latest


def run_report(
    config: str | Path | Mapping | None,
    out_dir: str | Path,
    as_of: str | dt.date | None = None,
    timeout: float | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: bool = True,
) -> ReportResult:
    """Run a report's notebooks and publish their HTML, landing page and manifest.

    Parameters
    ----------
    config
        A report config YAML file (see ``conf/reports/``), a parsed mapping, or None for
        :data:`DEFAULT_CONFIG`.
    out_dir
        The report folder: runs go to ``out_dir/runs/<id>``, failed runs to
        ``out_dir/failed/<id>``, and ``out_dir/latest`` points at the newest good run.
    as_of
        The day to report on; replaces the config's ``as_of``.
    timeout
        Seconds each notebook may run; replaces the config's timeouts.
    overrides
        Parameter values replacing the config's (``pack``, or any notebook parameter).
    progress
        Print which notebook runs, ``k/N`` and how long each took on stderr.

    Returns
    -------
    ReportResult
        ``status`` is ``"failed"`` when a notebook failed, timed out or lost its kernel;
        the run is then in ``out_dir/failed/`` and ``latest`` did not move.

    Raises
    ------
    ReportConfigError, disputelib.PackError, disputelib.TableError
        Before anything runs, for a config, parameter, pack or input file that cannot work.

    Examples
    --------
    >>> result = run_report("conf/reports/ci.yaml", "reports")  # doctest: +SKIP
    >>> result.ok, result.run_dir.name  # doctest: +SKIP
    (True, '20261127T061500Z')
    """
    cfg = load_config(config, as_of=as_of, timeout=timeout, overrides=overrides)
    load_pack(cfg.pack)
    params = plan(cfg)
    for value in cfg.inputs.values():
        resolve(value, must_exist=True)
    numbers = headline(cfg)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if (out / "latest").exists() and not (out / "latest").is_symlink():
        raise OSError(f"{out / 'latest'} exists and is not a symlink; move it away")
    started = time.time()
    clock = time.monotonic()
    run_id = _free_id(out, dt.datetime.fromtimestamp(started, dt.UTC).strftime("%Y%m%dT%H%M%SZ"))
    # Named by hand rather than with mkdtemp, so the folder gets the umask's permissions.
    tmp = out / f".tmp-{run_id}-{os.getpid()}-{secrets.token_hex(4)}"
    (tmp / "notebooks").mkdir(parents=True)
    total = len(cfg.notebooks)
    _say(progress, f"report: {total} notebooks, as_of {cfg.as_of}, pack {cfg.pack}; building in {tmp}")

    results: list[NotebookResult] = []
    stopped = False
    try:
        with _quiet_papermill():
            for k, spec in enumerate(cfg.notebooks, start=1):
                source = relative(spec.path)
                if stopped:
                    results.append(NotebookResult(spec.name, source, "skipped", 0.0, "an earlier notebook failed"))
                    continue
                _say(progress, f"[{k}/{total}] {spec.name}: running (timeout {spec.timeout:g} s)")
                ipynb = tmp / "notebooks" / f"{spec.name}.ipynb"
                values = {key: _substitute(v, tmp) for key, v in params[spec.name].items()}
                t0 = time.monotonic()
                status, message = execute(spec, values, ipynb, cfg.kernel)
                duration = time.monotonic() - t0
                page, title = None, spec.name
                if ipynb.is_file():
                    nb = nbformat.read(ipynb, as_version=4)
                    page, title = f"notebooks/{spec.name}.html", _title(nb, spec.name)
                    try:
                        (tmp / page).write_text(notebook_page(nb, title, cfg.title, status), encoding="utf-8")
                    except Exception as exc:  # a page that cannot be built fails the run, visibly
                        page = None
                        if status == "ok":
                            status, message = "error", f"HTML conversion failed: {type(exc).__name__}: {exc}"
                results.append(
                    NotebookResult(
                        spec.name,
                        source,
                        status,
                        duration,
                        message,
                        title,
                        f"notebooks/{spec.name}.ipynb" if ipynb.is_file() else None,
                        page,
                    )
                )
                tail = f": {message}" if message else ""
                _say(progress, f"[{k}/{total}] {spec.name}: {status} in {duration:.1f} s{tail}")
                stopped = status != "ok"

        status = "failed" if stopped else "ok"
        finished = time.time()
        manifest = _manifest(cfg, params, numbers, results, run_id, status, started, finished, clock)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")
        (tmp / "index.html").write_text(_render_index(cfg, numbers, results, run_id, status), encoding="utf-8")
    except BaseException as exc:
        failed_dir = _place(out / "failed", f"{run_id}-incomplete", tmp)
        _say(progress, f"report: stopped by {type(exc).__name__}; what was built is in {failed_dir}")
        raise

    if status == "ok":
        run_dir = _place(out / "runs", run_id, tmp)
        latest = _point_latest(out, run_dir)
        _say(progress, f"report: ok in {time.monotonic() - clock:.1f} s -> {run_dir} ({latest} points to it)")
    else:
        run_dir = _place(out / "failed", run_id, tmp)
        latest = None
        bad = next(r for r in results if r.status != "ok")
        _say(
            progress,
            f"report: FAILED: {bad.name} {bad.status}"
            + (f" ({bad.message})" if bad.message else "")
            + f"; executed notebook kept in {run_dir / 'notebooks'}; previous report and latest untouched",
        )
    return ReportResult(status, run_dir, latest, tuple(results), manifest)


def _manifest(
    cfg: ReportConfig,
    params: dict[str, dict[str, Any]],
    numbers: Headline,
    results: list[NotebookResult],
    run_id: str,
    status: str,
    started: float,
    finished: float,
    clock: float,
) -> dict[str, Any]:
    root = project_root()
    return {
        "run_id": run_id,
        "status": status,
        "started": _utc(started),
        "finished": _utc(finished),
        "duration_seconds": round(time.monotonic() - clock, 3),
        "config": str(cfg.source) if cfg.source is not None else None,
        "as_of": cfg.as_of,
        "pack": cfg.pack,
        "parameters": cfg.parameters,
        "inputs": dict(cfg.inputs),
        "notebooks": [
            {
                "name": r.name,
                "source": r.source,
                "parameters": params[r.name],
                "status": r.status,
                "message": r.message,
                "duration_seconds": round(r.duration, 3),
                "ipynb": r.ipynb,
                "html": r.html,
            }
            for r in results
        ],
        "headline": numbers.as_dict(),
        "files": _input_files(cfg, params),
        "versions": _versions(),
        "code_revision": code_revision(root),
    }


def _render_index(cfg: ReportConfig, numbers: Headline, results: list[NotebookResult], run_id: str, status: str) -> str:
    cards: list[tuple[str, str]] = []
    if numbers.orders is not None:
        cards.append(("orders", str(numbers.orders["accepted"])))
        cards.append((f"open windows closing within {cfg.soon_days} days", str(numbers.closing_soon)))
        if numbers.orders["rejected"]:
            cards.append(("rows rejected", str(numbers.orders["rejected"])))
    if numbers.disputes is not None:
        cards.append(("disputes", str(numbers.disputes)))
    times = numbers.refund_times
    if times is not None:
        keep = [times.columns[0], *[c for c in _REFUND_COLUMNS if c in times.columns]]
        times = times[keep].rename(
            columns={
                "n": "disputes",
                "events": "refunded",
                "censored": "pending",
                "median_days": "median days",
                "median_lo": "95% low",
                "median_hi": "95% high",
            }
        )
    shown = {"as_of": cfg.as_of, "pack": cfg.pack, **{f"inputs.{k}": v for k, v in cfg.inputs.items()}}
    shown.update(cfg.parameters)
    if cfg.source is not None:
        shown["config"] = str(cfg.source)
    notebooks = [
        {
            "title": r.title or r.name,
            "status": r.status,
            "message": r.message,
            "duration": f"{r.duration:.1f} s",
            "html": r.html,
            "ipynb": r.ipynb,
            "ipynb_name": Path(r.ipynb).name if r.ipynb else "",
        }
        for r in results
    ]
    return _index_page(
        {
            "title": cfg.title,
            "as_of": cfg.as_of,
            "pack": cfg.pack,
            "run_id": run_id,
            "status": status,
            "cards": cards,
            "closing": _rows(numbers.closing) if numbers.closing is not None else None,
            "refund_times": _rows(times) if times is not None else None,
            "notes": list(numbers.notes),
            "notebooks": notebooks,
            "parameters": [(k, json.dumps(v) if not isinstance(v, str) else v) for k, v in shown.items()],
        }
    )
