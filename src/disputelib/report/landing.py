"""The report's landing page (``index.html``): headline numbers with their sources, charts, notebooks.

The page comes from an autoescaping template; its tables come from
:func:`disputelib.present.table` (values escaped the same way) and its charts from
:mod:`disputelib.charts`, embedded as PNG images with alt text.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import pandas as pd
from markupsafe import Markup

from disputelib import charts, present
from disputelib.report.config import ReportConfig
from disputelib.report.headline import REFUND_COLUMNS, Headline

if TYPE_CHECKING:
    from disputelib.report.runner import NotebookResult

_INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} - {{ as_of_text }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; max-width: 100%; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; overflow-wrap: break-word; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #1a7f37; } .failed, .timed_out, .kernel_died, .error { color: #cf222e; font-weight: bold; }
.big { font-size: 1.6em; font-weight: bold; }
.src { color: #555; font-size: 0.85em; max-width: 16em; }
.cards { display: flex; gap: 2em; flex-wrap: wrap; }
.charts { display: flex; gap: 1em; flex-wrap: wrap; }
.charts img { max-width: 100%; height: auto; }
.dl-note, .caveat { color: #555; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p>As of <strong id="as-of">{{ as_of_text }}</strong> ({{ as_of }}), rule pack <strong>{{ pack }}</strong>.
Run {{ run_id }}: <span class="{{ status }}" id="run-status">{{ status }}</span>.</p>

<h2>Headline numbers</h2>
<section id="headline">
<div class="cards">
{% for card in cards %}<div><div class="big">{{ card.value }}</div><div>{{ card.label }}</div><div class="src">{{ card.source }}</div></div>
{% endfor %}</div>
{% for caveat in caveats %}<p class="caveat">{{ caveat }}</p>
{% endfor %}
{% if figures %}<div class="charts">
{% for fig in figures %}<figure><img src="{{ fig.src }}" alt="{{ fig.alt }}" width="{{ fig.width }}"><figcaption>{{ fig.caption }}</figcaption></figure>
{% endfor %}</div>{% endif %}
{% if closing is not none %}
<h3>{{ closing_title }}</h3>
{{ closing }}
{% endif %}
{% if methods is not none %}
<h3>Orders by payment method, most first</h3>
{{ methods }}
{% endif %}
{% if refund_times is not none %}
<h3>Days from opening a dispute to money received, by payment method</h3>
<p>Kaplan-Meier medians with 95&nbsp;% intervals; refunds still pending count as censored; payment methods with the most disputes first. {{ fastest }}</p>
{{ refund_times }}
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
<tr><th>Parameter</th><th>Value</th></tr>
{% for name, value in parameters %}<tr><td><code>{{ name }}</code></td><td>{{ value }}</td></tr>
{% endfor %}</table>
<p>Details: <a href="manifest.json">manifest.json</a>.</p>
</body>
</html>
"""

#: Width in pixels the embedded charts are drawn for (two fit side by side in the page).
CHART_DPI = 100


def _png(draw: Any, figsize: tuple[float, float]) -> str:
    """A chart drawn by ``draw(ax)`` as a ``data:`` URI (no pyplot state, identical bytes every run)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize, dpi=CHART_DPI, layout="constrained")
    draw(figure.subplots())
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figures(cfg: ReportConfig, numbers: Headline) -> list[dict[str, Any]]:
    figures = []
    if numbers.statuses is not None and numbers.orders is not None:
        counts = {present.value(s): numbers.orders[s] for s in ("not_shipped", "too_early", "open", "expired")}
        day = present.one(present.date, cfg.as_of)
        alt = f"Bar chart of orders by dispute status on {day}: " + ", ".join(
            f"{label} {n:,}" for label, n in counts.items()
        )
        src = _png(
            lambda ax: charts.status_counts(
                pd.DataFrame({"status": numbers.statuses}), ax=ax, title=f"Orders by dispute status on {day}"
            ),
            (5.6, 3.2),
        )
        figures.append({"src": src, "alt": alt, "width": 560, "caption": f"From the orders file, under {cfg.pack}."})
    times = numbers.refund_times
    if times is not None and len(times) and (times["n"] > 0).any():
        shown = times[times["n"] > 0].head(charts.MAX_GROUPS)
        medians = [
            f"{present.value(g)} {present.one(present.days, m) or 'not reached'}"
            for g, m in zip(shown["payment_method"], shown["median_days"], strict=True)
        ]
        alt = "Bar chart of median days from opening a dispute to money received, by payment method: " + ", ".join(
            medians
        )
        src = _png(
            lambda ax: charts.refund_time_bars(shown, ax=ax, title="Days to refund by payment method"), (5.6, 3.2)
        )
        figures.append(
            {
                "src": src,
                "alt": alt,
                "width": 560,
                "caption": f"From the dispute table ({numbers.disputes_origin} disputes).",
            }
        )
    return figures


def _cards(cfg: ReportConfig, numbers: Headline) -> tuple[list[dict[str, str]], list[str]]:
    cards: list[dict[str, str]] = []
    caveats: list[str] = []
    orders_file = numbers.sources.get("orders", "")
    disputes_file = numbers.sources.get("disputes", "")
    if numbers.orders is not None:
        source = f"orders file {present.source_name(orders_file)}"
        cards.append(
            {"label": "orders", "value": f"{numbers.orders['accepted']:,}", "source": f"accepted rows of the {source}"}
        )
        soon = numbers.closing_soon or 0
        windows = "open window closes" if soon == 1 else "open windows close"
        cards.append(
            {
                "label": f"{windows} within {cfg.soon_days} days",
                "value": f"{soon:,}",
                "source": f"of the {source}, judged on {present.one(present.date, cfg.as_of)}",
            }
        )
        if numbers.orders["rejected"]:
            cards.append(
                {"label": "rows rejected", "value": f"{numbers.orders['rejected']:,}", "source": f"of the {source}"}
            )
    if numbers.disputes is not None:
        origin = numbers.disputes_origin or "from an export"
        label = "simulated disputes" if origin == "simulated" else "disputes"
        cards.append(
            {
                "label": label,
                "value": f"{numbers.disputes:,}",
                "source": f"rows of the dispute table {present.source_name(disputes_file)} ({origin})",
            }
        )
    if numbers.orders is not None and numbers.disputes is not None and numbers.shared_orders is not None:
        if numbers.shared_orders == 0:
            caveats.append(
                f"The {numbers.disputes:,} disputes and the {numbers.orders['accepted']:,} orders are separate samples: "
                "no dispute concerns an order of the orders file, so the numbers are not fractions of each other."
            )
        else:
            caveats.append(
                f"{numbers.shared_orders:,} of the {numbers.disputes:,} disputes concern orders of the orders file."
            )
    return cards, caveats


def render_index(
    cfg: ReportConfig, numbers: Headline, results: list[NotebookResult], run_id: str, status: str, csp: str
) -> str:
    """The landing page (``index.html``): headline numbers with their sources, charts, notebooks, parameters.

    Parameters
    ----------
    cfg
        The checked report config.
    numbers
        The headline numbers from :func:`disputelib.report.headline.headline`.
    results
        How each notebook ran, in config order.
    run_id
        The run's folder name.
    status
        ``"ok"`` or ``"failed"``.
    csp
        The Content-Security-Policy of the page.

    Returns
    -------
    str
        The page's HTML; every value is escaped by the template or by the display tables.
    """
    cards, caveats = _cards(cfg, numbers)
    closing = closing_title = None
    if numbers.closing is not None:
        soon = numbers.closing_soon or 0
        windows = "open window closes" if soon == 1 else "open windows close"
        closing_title = f"{soon:,} {windows} within {cfg.soon_days} days, soonest first"
        shown = [c for c in numbers.closing.columns if c != "buyer_timezone"]
        closing = present.table(
            numbers.closing,
            columns=shown,
            kinds={"store_name": "text"},
            empty=f"No open window closes within {cfg.soon_days} days.",
            total=soon,
        )
    methods = present.table(numbers.methods) if numbers.methods is not None else None
    times = numbers.refund_times
    refund_table = fastest = None
    if times is not None:
        keep = [times.columns[0], *[c for c in REFUND_COLUMNS if c in times.columns]]
        refund_table = present.table(times[keep], empty="The dispute table has no disputes.")
        fastest = present.fastest(times)
    shown_params = {"as_of": cfg.as_of, "pack": cfg.pack, **{f"inputs.{k}": v for k, v in cfg.inputs.items()}}
    shown_params.update(cfg.parameters)
    if cfg.source is not None:
        shown_params["config"] = str(cfg.source)
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
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_INDEX_TEMPLATE).render(
        csp=csp,
        title=cfg.title,
        as_of=cfg.as_of,
        as_of_text=present.one(present.date, cfg.as_of),
        pack=cfg.pack,
        run_id=run_id,
        status=status,
        cards=cards,
        caveats=caveats,
        figures=_figures(cfg, numbers),
        closing=Markup(closing.to_html()) if closing is not None else None,
        closing_title=closing_title,
        methods=Markup(methods.to_html()) if methods is not None else None,
        refund_times=Markup(refund_table.to_html()) if refund_table is not None else None,
        fastest=fastest or "",
        notes=list(numbers.notes),
        notebooks=notebooks,
        parameters=[(k, json.dumps(v) if not isinstance(v, str) else v) for k, v in shown_params.items()],
    )
