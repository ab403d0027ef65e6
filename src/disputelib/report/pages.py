"""A report's HTML: each executed notebook as a page without code, and the landing page.

Every string that comes from data is escaped: the landing page is rendered by an
autoescaping template, and the notebook pages carry a Content-Security-Policy that
forbids scripts. Notebook outputs are sanitised before they become pages
(:func:`sanitize_html`), so raw HTML in an output can neither run anything nor send the
reader's browser elsewhere.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import re
from typing import TYPE_CHECKING, Any

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
<nav class="report-nav">{% if resources.index_href %}<a href="{{ resources.index_href | e }}">&larr; {{ resources.report_title | e }}</a>
&middot; {% endif %}status: {{ resources.status | e }}</nav>
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


#: Elements an output may keep on a page: text, headings, lists, tables, images, styles.
#: Everything else (``meta``, ``base``, ``iframe``, ``object``, ``embed``, ``form``,
#: ``script``, ``link``, ``svg``...) is removed, keeping only its text.
SAFE_TAGS = frozenset(
    {"a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del", "details",
     "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
     "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "style", "sub", "summary",
     "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul"}
)  # fmt: skip
#: Attributes kept, by element (``*``: any); no event handler (``on...``) is ever kept.
SAFE_ATTRIBUTES: dict[str, list[str]] = {
    "*": ["class", "id", "title", "style", "align", "lang", "dir"],
    "a": ["href", "name"],
    "img": ["src", "alt", "width", "height"],
    "td": ["colspan", "rowspan", "valign"],
    "th": ["colspan", "rowspan", "valign", "scope"],
    "table": ["border", "cellpadding", "cellspacing"],
    "ol": ["start", "type"],
}
#: Output types shown on a page; the others (scripts, widgets, LaTeX...) are dropped.
SAFE_OUTPUT_TYPES = ("text/plain", "text/html", "image/png", "image/jpeg", "image/gif")
_IMAGE_DATA = ("data:image/png;", "data:image/jpeg;", "data:image/gif;", "data:image/webp;", "data:image/svg+xml;")


def _safe_attribute(tag: str, name: str, value: str) -> bool:
    if name not in SAFE_ATTRIBUTES.get(tag, ()) and name not in SAFE_ATTRIBUTES["*"]:
        return False
    if name == "src":  # images only from the page itself: embedded data, never a URL
        return value.strip().lower().startswith(_IMAGE_DATA)
    if name == "href":
        return not value.strip().lower().startswith("data:")
    return True


def sanitize_html(html: str) -> str:
    """HTML from a notebook output, cut down to what a report page may show.

    Keeps the tags of :data:`SAFE_TAGS` (tables, headings, text, images embedded as
    ``data:`` URIs, styles) and the attributes of :data:`SAFE_ATTRIBUTES`; removes every
    other element (a ``<meta http-equiv="refresh">``, ``<base>``, ``<iframe>``,
    ``<object>``, ``<embed>``, ``<form>``, ``<script>``...), every event handler and every
    link that is not ``http``, ``https``, ``mailto`` or a relative one (no
    ``javascript:``). An image whose source is not embedded data is dropped.

    Examples
    --------
    >>> sanitize_html('<meta http-equiv="refresh" content="0;url=https://example.com"><b onclick="x()">hi</b>')
    '<b>hi</b>'
    """
    import bleach
    from bleach.css_sanitizer import CSSSanitizer

    clean = bleach.clean(
        html,
        tags=SAFE_TAGS,
        attributes=_safe_attribute,
        protocols={"http", "https", "mailto", "data"},
        strip=True,
        strip_comments=True,
        css_sanitizer=CSSSanitizer(allowed_css_properties=_CSS_PROPERTIES),
    )
    return _IMAGE_WITHOUT_SOURCE.sub("", clean)  # an image from elsewhere shows nothing: drop it


#: An ``<img>`` left without ``src`` (its URL was not embedded data), as bleach writes it.
_IMAGE_WITHOUT_SOURCE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


#: Inline style properties kept (tables and text; nothing that positions over the page).
_CSS_PROPERTIES = frozenset(
    {"background-color", "border", "border-bottom", "border-collapse", "border-left", "border-right",
     "border-top", "color", "font-family", "font-size", "font-style", "font-weight", "height", "margin",
     "margin-bottom", "margin-left", "margin-right", "margin-top", "max-height", "max-width", "overflow",
     "overflow-x", "padding", "text-align", "vertical-align", "white-space", "width"}
)  # fmt: skip


def _safe_output(output: nbformat.NotebookNode) -> None:
    """Make one output safe to show, in place: sanitise its HTML, drop other active types."""
    data = output.get("data")
    if output.get("output_type") not in ("display_data", "execute_result") or data is None:
        return
    if "text/markdown" in data and "text/html" not in data:
        from nbconvert.filters import markdown2html

        data["text/html"] = markdown2html(_text(data["text/markdown"]))
    if "image/svg+xml" in data and not any(k in data for k in ("image/png", "image/jpeg", "image/gif")):
        # an SVG shown as an image cannot run scripts or load anything
        svg = base64.b64encode(_text(data["image/svg+xml"]).encode()).decode()
        data["text/html"] = _image("image/svg+xml", svg, output, "figure")
    picture = next((k for k in ("image/png", "image/jpeg", "image/gif") if k in data), None)
    if picture and "text/html" not in data and _described(output, picture):
        # a figure that says what it shows (disputelib.charts.describe) keeps its words as alt text
        data["text/html"] = _image(picture, "".join(_text(data[picture]).split()), output, "")
    for key in list(data):
        if key not in SAFE_OUTPUT_TYPES:
            del data[key]
    if "text/html" in data:
        data["text/html"] = sanitize_html(_text(data["text/html"]))
    output["metadata"] = {k: v for k, v in output.get("metadata", {}).items() if k in SAFE_OUTPUT_TYPES}


def _described(output: nbformat.NotebookNode, kind: str) -> dict[str, Any] | None:
    """The image's own metadata when it holds an ``alt`` text, else None."""
    metadata = output.get("metadata", {}).get(kind)
    alt = metadata.get("alt") if isinstance(metadata, dict) else None
    return metadata if isinstance(alt, str) and alt.strip() else None


def _image(kind: str, b64: str, output: nbformat.NotebookNode, fallback: str) -> str:
    """An ``<img>`` of embedded data, its alt text and size from the output's metadata."""
    metadata = _described(output, kind) or {}
    alt = html.escape(" ".join(str(metadata.get("alt", fallback)).split()))
    size = "".join(
        f' {key}="{int(metadata[key])}"' for key in ("width", "height") if isinstance(metadata.get(key), int | float)
    )
    return f'<img src="data:{kind};base64,{b64}" alt="{alt}"{size}>'


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


@functools.cache
def _exporter() -> Any:
    """The page exporter, made once per process: its templates compile on first use (0.1 s a page)."""
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"disputelib-report.html.j2": _PAGE_TEMPLATE})],
        template_file="disputelib-report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )


def notebook_page(
    nb: nbformat.NotebookNode,
    title: str,
    report_title: str,
    status: str,
    index_href: str | None = "../index.html",
) -> str:
    """An executed notebook as a standalone HTML page: outputs only, figures embedded.

    The cell papermill injected with the run's parameters is removed, and so is the
    ``parameters`` cell when it has no output; no cell input is shown. Every output is
    made safe first (:func:`sanitize_html`): what a notebook prints can neither run
    anything nor move the reader's browser elsewhere. The page links back to
    ``index_href`` (none when None) and forbids scripts with a Content-Security-Policy.
    """
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    kept = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if "injected-parameters" in tags:
            continue
        if cell.cell_type == "code" and not cell.get("outputs"):
            continue
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            _safe_output(output)
        kept.append(cell)
    nb.cells = kept
    resources = {
        "metadata": {"name": title},
        "csp": CSP,
        "index_href": index_href,
        "report_title": report_title,
        "status": status,
    }
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    return body


def render_index(cfg: ReportConfig, numbers: Headline, results: list[NotebookResult], run_id: str, status: str) -> str:
    """The landing page (``index.html``); see :func:`disputelib.report.landing.render_index`."""
    return landing.render_index(cfg, numbers, results, run_id, status, CSP)
