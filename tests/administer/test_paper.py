"""The printable paper form: content and accessibility in the HTML; A4 pages, nothing clipped."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from copro_scale.administer import export_instrument
from copro_scale.administer._layout import sections

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
A4_PT = (595.28, 841.89)  # 210 x 297 mm in PDF points


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.fixture(scope="module")
def html(inst):
    return export_instrument(inst, "html")


def test_self_contained_accessible_html(html, inst):
    p = Tags()
    p.feed(html)
    tags = p.tags
    assert ("html", {"lang": "en"}) in tags
    assert not any(t == "script" for t, _ in tags)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "no external resources"
    assert "@page { size: A4" in html
    # every radio has an accessible name; every statement is a row header
    radios = [a for t, a in tags if t == "input" and a.get("type") == "radio"]
    assert radios and all(a.get("aria-label") or a.get("id") for a in radios
                          if "role" not in a.get("name", ""))
    assert sum(1 for t, a in tags if t == "th" and a.get("scope") == "row") == 2 * len(inst.items)
    # no heading levels skipped
    levels = [int(t[1]) for t, _ in tags if re.fullmatch(r"h[1-6]", t)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:]))


def test_paper_form_content(html, inst):
    n_sections = len(sections(inst))
    assert html.count('class="page"') == 2 * (1 + n_sections), "a first page and a page per section"
    assert html.count("116 123") == 2 and html.count("Looking after yourself") >= 2
    assert html.count(inst.respondent_fields["team"]["label"]) >= 2
    for form in inst.forms:
        for code in inst.forms[form].roles:
            assert f'value="{code}"' in html
    for it in inst.items:  # each item once per form, with its id for data entry
        assert html.count(f'<span class="itemid">{it.id}</span>') == 2
    # the don't-know circle appears on the colleague form only
    assert html.count(f'value="{inst.dont_know.code}" aria-label') == len(inst.items)


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium (make browser)")
def test_renders_to_a4_pdf_without_clipped_text(html, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(html, wait_until="load")
            page.emulate_media(media="print")
            # A4 content width: 210 mm - 28 mm margins = 182 mm
            page.set_viewport_size({"width": round(182 / 25.4 * 96), "height": 1000})
            clipped = page.evaluate("""() => [...document.querySelectorAll('body *')]
                .filter(e => e.getClientRects().length && !e.classList.contains('visually-hidden')
                             && !e.closest('.visually-hidden'))
                .filter(e => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0
                             || e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 40))""")
            assert clipped == []
            # no word is wider than its table cell (else Chromium breaks it mid-word)
            broken = page.evaluate("""() => {
                const ctx = document.createElement('canvas').getContext('2d');
                const out = [];
                for (const cell of document.querySelectorAll('table.items th, table.items td')) {
                  const cs = getComputedStyle(cell);
                  const room = cell.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
                  for (const el of [cell, ...cell.querySelectorAll('*')]) {
                    const st = getComputedStyle(el);
                    ctx.font = `${st.fontWeight} ${st.fontSize} ${st.fontFamily}`;
                    for (const node of el.childNodes) {
                      if (node.nodeType !== 3) continue;
                      for (const w of node.textContent.split(/\\s+/).filter(Boolean))
                        if (ctx.measureText(w).width > room + 0.5) out.push(w);
                    }
                  }
                }
                return out; }""")
            assert broken == []
            pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        finally:
            browser.close()
    (tmp_path / "form.pdf").write_bytes(pdf)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert boxes and pages == 8, "each form: a first page and one page per section"
    for w, h in boxes:
        assert abs(float(w) - A4_PT[0]) < 2 and abs(float(h) - A4_PT[1]) < 2


def test_every_form_control_has_a_label(html):
    p = Tags()
    p.feed(html)
    labelled = {a["for"] for t, a in p.tags if t == "label" and "for" in a}
    for t, a in p.tags:
        if t == "input" and a.get("type") == "text":
            assert a["id"] in labelled
