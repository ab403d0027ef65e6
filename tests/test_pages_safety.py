"""What a notebook output may keep on a report page (``report.pages.sanitize_html``, ``notebook_page``)."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from disputelib.report.pages import notebook_page, sanitize_html

PNG = "data:image/png;base64,iVBORw0KGgo="

REMOVED = [
    # (hostile output, what must not survive, what stays)
    ('<meta http-equiv="refresh" content="0;url=https://example.com">kept', "<meta", "kept"),
    ('<base href="https://example.com/"><p>kept</p>', "<base", "<p>kept</p>"),
    ('<iframe src="https://example.com"></iframe>kept', "<iframe", "kept"),
    ('<object data="x.swf"></object><embed src="x.swf">kept', "<object", "kept"),
    ('<embed src="x.swf">kept', "<embed", "kept"),
    ('<form action="https://example.com"><input name="card"><button>pay</button></form>', "<form", "pay"),
    ("<script>alert(1)</script>", "<script", ""),
    ('<b onclick="alert(1)" onmouseover="alert(2)">kept</b>', "on", "<b>kept</b>"),
    ('<a href="javascript:alert(1)">kept</a>', "javascript", "<a>kept</a>"),
    ('<a href=" JaVaScRiPt:alert(1)">kept</a>', "javascript", "kept"),
    ('<a href="data:text/html,<script>alert(1)</script>">kept</a>', "data:", "kept"),
    ('<img src="https://tracker.example/p.gif">kept', "<img", "kept"),
    ('<img src=x onerror="alert(1)">kept', "onerror", "kept"),
    ('<svg onload="alert(1)"><circle r="1"/></svg>kept', "<svg", "kept"),
    ('<link rel="stylesheet" href="https://example.com/x.css">kept', "<link", "kept"),
    ('<p style="position: fixed; top: 0; color: red">kept</p>', "position", 'style="color: red;"'),
    ("<!-- <script>alert(1)</script> -->kept", "<!--", "kept"),
]


@pytest.mark.parametrize(("html", "gone", "kept"), REMOVED, ids=[r[0][:40] for r in REMOVED])
def test_active_content_is_removed(html, gone, kept):
    clean = sanitize_html(html)
    assert gone not in clean.lower().replace("color", "")
    assert kept in clean


@pytest.mark.parametrize(
    "html",
    [
        pd.DataFrame({"order_id": ["A1"], "amount_usd": [10.0]}).to_html(),
        "<h2>Heading</h2><ul><li>one</li></ul>",
        f'<img alt="figure" src="{PNG}">',
        '<a href="https://example.com/help">help</a>',
        '<table><tr><td colspan="2">wide</td></tr></table>',
    ],
)
def test_legitimate_output_is_kept(html):
    clean = sanitize_html(html)
    for token in ("<table", "<td", "<h2>", "<li>", f'src="{PNG}"', 'href="https://example.com/help"', 'colspan="2"'):
        if token in html:
            assert token in clean


def test_notebook_page_sanitises_every_output_type():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("display_data", {"text/html": '<meta http-equiv="refresh" content="0;url=x"><i>a</i>'}),
        nbformat.v4.new_output("display_data", {"text/markdown": "**b** <iframe src='x'></iframe>"}),
        nbformat.v4.new_output("display_data", {"application/javascript": "alert(1)", "text/plain": "c"}),
        nbformat.v4.new_output("display_data", {"image/svg+xml": "<svg onload='alert(1)'></svg>"}),
    ]
    nb.cells = [cell]
    page = notebook_page(nb, "t", "r", "ok")
    body = page.split("<body", 1)[1]
    assert "http-equiv" not in body and "<iframe" not in body and "alert(1)" not in body
    assert "<i>a</i>" in body and "<strong>b</strong>" in body and "data:image/svg+xml;base64," in body
    assert page.count('http-equiv="Content-Security-Policy"') == 1


def test_a_described_figure_keeps_its_words_as_alt_text_and_others_get_none_made_up():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    described = nbformat.v4.new_output("display_data", {"image/png": "iVBORw0KGgo=\n", "text/plain": "<Figure>"})
    described.metadata = {"image/png": {"alt": 'Bar chart: "Open" <b>12</b>\nand more', "width": 640}}
    bare = nbformat.v4.new_output("display_data", {"image/png": "iVBORw0KGgp="})
    cell.outputs = [described, bare]
    nb.cells = [cell]
    body = notebook_page(nb, "t", "r", "ok").split("<body", 1)[1]
    images = {img["src"].split(",")[1]: img for img in BeautifulSoup(body, "html.parser").find_all("img")}
    assert images["iVBORw0KGgo="]["alt"] == 'Bar chart: "Open" <b>12</b> and more'  # as text, escaped in the page
    assert images["iVBORw0KGgo="]["width"] == "640" and "<b>12</b>" not in body
    assert "iVBORw0KGgp=" in images  # a figure without words is still shown, with nbconvert's own alt text
