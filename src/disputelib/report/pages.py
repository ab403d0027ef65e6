"""A report's HTML: each executed notebook as a page without code, and the landing page.

Every string that comes from data is escaped: the landing page is rendered by an
autoescaping template, and the notebook pages carry a Content-Security-Policy that
forbids scripts, so even raw HTML in an output cannot run anything.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import jinja2
import nbformat

from disputelib.report import landing
from disputelib.report.config import ReportConfig
from disputelib.report.headline import Headline

if TYPE_CHECKING:
    from disputelib.report.runner import NotebookResult

#: Pages may show inline styles and embedded images, and nothing may run or load.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


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

def notebook_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The page title: the first heading a run wrote (a Markdown output, e.g. from
    :func:`disputelib.present.intro`, which names the run's parameters), else the text of
    the notebook's first ``# `` markdown heading, else ``fallback``."""
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            text = output.get("data", {}).get("text/markdown", "")
            text = "".join(text) if isinstance(text, list) else text
            for line in text.splitlines():
                if line.startswith(("# ", "## ")):
                    return line.lstrip("#").strip()
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


def render_index(cfg: ReportConfig, numbers: Headline, results: list[NotebookResult], run_id: str, status: str) -> str:
    """The landing page (``index.html``); see :func:`disputelib.report.landing.render_index`."""
    return landing.render_index(cfg, numbers, results, run_id, status, CSP)
