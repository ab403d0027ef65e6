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

The package's modules, one job each:

``config``
    Read and check a report config (:func:`load_config`) and plan each notebook's
    parameters against what it declares (:func:`plan`).
``headline``
    The landing page's numbers from the input files (:func:`headline`).
``pages``
    The HTML: each executed notebook as a page (:func:`notebook_page`) and the landing page.
``runner``
    Execute the notebooks, place the run, move ``latest`` and write the manifest
    (:func:`run_report`).

Examples
--------
>>> from disputelib.report import run_report
>>> result = run_report("conf/reports/ci.yaml", "reports")  # doctest: +SKIP
>>> result.ok  # doctest: +SKIP
True
"""

from disputelib.report.config import (
    CONFIG_KEYS,
    DEFAULT_CONFIG,
    DEFAULT_SOON_DAYS,
    DEFAULT_TIMEOUT,
    INPUT_PARAMETERS,
    NOTEBOOK_KEYS,
    RUN_PLACEHOLDER,
    NotebookSpec,
    ReportConfig,
    ReportConfigError,
    declared_parameters,
    load_config,
    plan,
)
from disputelib.report.headline import Headline, headline
from disputelib.report.pages import CSP, notebook_page
from disputelib.report.runner import (
    STATUSES,
    VERSIONED,
    NotebookResult,
    ReportResult,
    code_revision,
    execute,
    run_report,
    sha256,
)

__all__ = [
    "CONFIG_KEYS",
    "CSP",
    "DEFAULT_CONFIG",
    "DEFAULT_SOON_DAYS",
    "DEFAULT_TIMEOUT",
    "INPUT_PARAMETERS",
    "NOTEBOOK_KEYS",
    "RUN_PLACEHOLDER",
    "STATUSES",
    "VERSIONED",
    "Headline",
    "NotebookResult",
    "NotebookSpec",
    "ReportConfig",
    "ReportConfigError",
    "ReportResult",
    "code_revision",
    "declared_parameters",
    "execute",
    "headline",
    "load_config",
    "notebook_page",
    "plan",
    "run_report",
    "sha256",
]
