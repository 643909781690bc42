"""A document as a list of blocks, rendered twice: a self-contained HTML page (A4 print
CSS) and a PDF (fpdf2), so both say the same thing.  Used by the public annex and the
internal memo.

Blocks: headings, paragraphs, notes, bullet lists, key-value tables (``meta``), tables,
and figures (a PNG drawn at its physical size, on a landscape page of its own when it asks
for one).  Typesetting that both renderers share: amounts, percentages and codes (CPV,
lot ids) never break across lines (amounts: :func:`amount`), and fill-in fields for the contracting authority
(:func:`fill`) are marked.

PDF: DejaVu Sans embedded (å ä ö æ ø), every text at least 7 pt, page numbers ("Sida 2
av 5"), headings kept with what follows, a figure's caption on the figure's page, table
headings repeated on a new page.  Its creation date is the export date; nothing else
changes between runs.  HTML: inline CSS only, images as data URIs, every input text
escaped; prints on A4 with page numbers, figures on landscape pages.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from lotsplit.export import common as C
from lotsplit.export.texts import text

FILL_OPEN, FILL_CLOSE = "\ue000", "\ue001"
MIN_PT = 7.0
"""No text in a PDF is smaller than this."""
BODY_PT, TABLE_PT, NOTE_PT, FOOT_PT = 9.5, 8.5, 8.0, 7.5

_CODE = re.compile(r"\b(?:\d{8}-\d|LOT-\d{4}|GLO-\d{4}|[A-Z]{2}\d{3})\b")


def number(x: float, lang: str, *, decimals: int = 0) -> str:
    """A number the local way (:func:`lotsplit.export.common.number`) with a true minus sign."""
    s = C.number(abs(x), lang, decimals=decimals)
    return ("\u2212" + s) if x < 0 and s.strip("0,. \u00a0") else s


def amount(x: float, currency: str, lang: str) -> str:
    """``16 069 375 SEK`` with a no-break space before the currency (never split)."""
    return f"{number(x, lang)}\u00a0{currency}"


def fill(label: str) -> str:
    """A field the contracting authority fills in: ``[label]``, marked in both renderers."""
    return f"{FILL_OPEN}[{label}]{FILL_CLOSE}"


def plain(s: str) -> str:
    """The text without fill-in markers (what a reader sees)."""
    return str(s).replace(FILL_OPEN, "").replace(FILL_CLOSE, "")





@dataclass
class Block:
    kind: str
    """h1 h2 h3 p note banner list checklist meta table figure"""
    text: str = ""
    rows: list = field(default_factory=list)
    header: list = field(default_factory=list)
    numeric: tuple[int, ...] = ()
    image: bytes = b""
    width_mm: float = 0.0
    height_mm: float = 0.0
    landscape: bool = False


@dataclass
class Document:
    lang: str
    title: str
    """Shown as the page title and in the running footer."""
    blocks: list[Block]
    internal: bool = False
    """An internal document: a banner on every page says it is not for publication."""
    author: str = ""

    def all_text(self) -> str:
        """Every word of the document (for tests and checks)."""
        parts = [self.title]
        for b in self.blocks:
            parts += [b.text, *[str(c) for r in b.rows for c in (r if isinstance(r, (list, tuple)) else [r])],
                      *map(str, b.header)]
        return plain("\n".join(parts))


# --------------------------------------------------------------------------- HTML

CSS = """
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; max-width: 62em; margin: 2em auto; padding: 0 1em;
       line-height: 1.45; color: #111; font-size: 11pt; }
h1 { font-size: 1.55em; } h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #999; }
h3 { font-size: 1.05em; margin: 1.1em 0 0.3em; }
table { border-collapse: collapse; width: 100%; margin: 0.6em 0; font-size: 0.88em; }
th, td { border-bottom: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
thead th { background: #eee; } td.n { text-align: right; white-space: nowrap; }
table.meta th { width: 15em; background: none; font-weight: bold; }
ul { padding-left: 1.4em; } li { margin: 0.25em 0; }
ul.check { list-style: none; padding-left: 0.2em; } ul.check li::before { content: "\2610\00a0\00a0"; }
.nw { white-space: nowrap; }
mark.fill { background: #fff1a8; color: #111; padding: 0 0.15em; }
figure { margin: 1em 0; break-inside: avoid; }
figure img { width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 0.85em; font-style: italic; margin-top: 0.3em; }
p.note { font-size: 0.85em; color: #444; }
p.banner { border: 2px solid #a00; color: #a00; font-weight: bold; padding: 0.3em 0.6em; }
@page { size: A4; margin: 16mm 18mm 18mm 18mm;
        @bottom-right { content: "__PAGE__ " counter(page) " __OF__ " counter(pages); font-size: 8pt;
                        font-family: "DejaVu Sans", Arial, sans-serif; } }
@page landscape { size: A4 landscape; margin: 12mm 15mm 14mm 15mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 9.5pt; }
  h1, h2, h3 { break-after: avoid; } tr, li, table.meta { break-inside: avoid; } thead { display: table-header-group; }
  figure.landscape, h2.landscape, h3.landscape { page: landscape; }
  figure.landscape { margin: 0 0 4mm 0; } h2.landscape { margin-top: 0; }
}
"""

HTML = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="lotsplit">
<title>{{ title }}</title>
<style>{{ css }}</style>
</head>
<body>
{% for b in blocks %}{% if b.kind == "h1" %}<h1>{{ b.html }}</h1>
{% elif b.kind == "h2" %}<h2{% if b.landscape %} class="landscape"{% endif %}>{{ b.html }}</h2>
{% elif b.kind == "h3" %}<h3{% if b.landscape %} class="landscape"{% endif %}>{{ b.html }}</h3>
{% elif b.kind == "p" %}<p>{{ b.html }}</p>
{% elif b.kind == "note" %}<p class="note">{{ b.html }}</p>
{% elif b.kind == "banner" %}<p class="banner">{{ b.html }}</p>
{% elif b.kind == "list" %}<ul>{% for r in b.cells %}<li>{{ r }}</li>{% endfor %}</ul>
{% elif b.kind == "checklist" %}<ul class="check">{% for r in b.cells %}<li>{{ r }}</li>{% endfor %}</ul>
{% elif b.kind == "meta" %}<table class="meta">{% for k, v in b.cells %}<tr><th>{{ k }}</th><td>{{ v }}</td></tr>{% endfor %}</table>
{% elif b.kind == "table" %}<table><thead><tr>{% for h in b.head %}<th>{{ h }}</th>{% endfor %}</tr></thead><tbody>
{% for row in b.cells %}<tr>{% for c in row %}<td{% if loop.index0 in b.numeric %} class="n"{% endif %}>{{ c }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>
{% elif b.kind == "figure" %}<figure{% if b.landscape %} class="landscape"{% endif %}><img alt="{{ b.alt }}" style="max-width: {{ b.width_mm }}mm" src="data:image/png;base64,{{ b.image_b64 }}"><figcaption>{{ b.html }}</figcaption></figure>
{% endif %}{% endfor %}
</body>
</html>
"""


def html_text(s) -> Markup:
    """Escaped text with codes kept on one line and fill-in fields marked."""
    out = str(escape(str(s)))
    out = _CODE.sub(lambda m: f'<span class="nw">{m.group(0)}</span>', out)
    out = out.replace(FILL_OPEN, '<mark class="fill">').replace(FILL_CLOSE, "</mark>")
    return Markup(out)


def render_html(doc: Document) -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    page_word, of_word = text(doc.lang, "page", p="\x00", n="\x00").split("\x00")[:2]
    css = CSS.replace("__PAGE__", page_word.strip()).replace("__OF__", of_word.strip())
    items = []
    for i, b in enumerate(doc.blocks):
        nxt = doc.blocks[i + 1] if i + 1 < len(doc.blocks) else None
        on_figure_page = b.kind in ("h2", "h3") and nxt is not None and nxt.kind == "figure" and nxt.landscape
        d = {"kind": b.kind, "html": html_text(b.text), "alt": plain(b.text), "numeric": b.numeric,
             "landscape": b.landscape or on_figure_page, "width_mm": round(b.width_mm, 1),
             "head": [html_text(h) for h in b.header],
             "image_b64": base64.b64encode(b.image).decode("ascii") if b.image else ""}
        if b.kind == "meta":
            d["cells"] = [(html_text(k), html_text(v)) for k, v in b.rows]
        elif b.kind in ("list", "checklist"):
            d["cells"] = [html_text(r) for r in b.rows]
        else:
            d["cells"] = [[html_text(c) for c in r] for r in b.rows]
        items.append(d)
    return env.from_string(HTML).render(lang=doc.lang, title=plain(doc.title), css=Markup(css), blocks=items)


# --------------------------------------------------------------------------- PDF

def _pdf_class():
    from fpdf import FPDF

    class DocPDF(FPDF):
        doc: Document

        def header(self):
            if self.doc.internal:
                self.set_font("DejaVu", "B", FOOT_PT)
                self.set_text_color(170, 0, 0)
                self.set_y(6)
                self.cell(0, 4, _pdf(text(self.doc.lang, "internal_banner_short")), align="R")
                self.set_text_color(0)
                self.set_y(self.t_margin)

        def footer(self):
            self.set_y(-11)
            self.set_font("DejaVu", "", FOOT_PT)
            self.set_text_color(80)
            w = self.w - self.l_margin - self.r_margin
            title = _pdf(self.doc.title)
            if self.get_string_width(title) > 0.7 * w:
                while title and self.get_string_width(title + "…") > 0.7 * w:
                    title = title[:-1]
                title += "…"
            self.cell(0.75 * w, 4, title, align="L")
            self.cell(0.25 * w, 4, _pdf(text(self.doc.lang, "page", p=self.page_no(), n="{nb}")), align="R")
            self.set_text_color(0)

    return DocPDF


def _pdf(s) -> str:
    """Text for the PDF: glyphs DejaVu lacks replaced, fill-in markers dropped (the brackets stay)."""
    return C.font_safe(plain(str(s)))


def render_pdf(doc: Document, path: str | Path, *, date: dt.date) -> Path:
    from fpdf.fonts import FontFace

    path = Path(path)
    pdf = _pdf_class()(format="A4", unit="mm")
    pdf.doc = doc
    pdf.set_creation_date(dt.datetime(date.year, date.month, date.day, tzinfo=dt.timezone.utc))
    pdf.set_title(_pdf(doc.title))
    pdf.set_author(_pdf(doc.author or "lotsplit"))
    pdf.set_creator("lotsplit")
    pdf.set_producer("lotsplit")
    pdf.set_lang(doc.lang)
    for style, f in C.dejavu_fonts().items():
        pdf.add_font("DejaVu", style, str(f))
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    landscape = fresh = False
    blocks = doc.blocks
    for i, b in enumerate(blocks):
        width = pdf.epw
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if b.kind == "figure":
            _figure(pdf, b, fresh=fresh)
            landscape, fresh = b.landscape, False
            continue
        if b.kind in ("h2", "h3") and nxt is not None and nxt.kind == "figure" and nxt.landscape:
            # The heading goes on the figure's landscape page, not alone at a page's foot.
            pdf.add_page(orientation="L")
            landscape, fresh = True, True
            width = pdf.epw
        elif landscape:                    # back to portrait after a landscape figure page
            pdf.add_page(orientation="P")
            landscape = False
            width = pdf.epw
        if b.kind == "h1":
            pdf.set_font("DejaVu", "B", 15)
            pdf.multi_cell(width, 7.5, _pdf(b.text), new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.ln(2)
        elif b.kind in ("h2", "h3"):
            need = (14 if b.kind == "h2" else 10) + _lead_height(pdf, nxt)
            if not fresh and pdf.get_y() + need > pdf.page_break_trigger:
                pdf.add_page()
            pdf.ln(3 if b.kind == "h2" else 1.5)
            pdf.set_font("DejaVu", "B", 12.5 if b.kind == "h2" else 10.5)
            pdf.multi_cell(width, 6 if b.kind == "h2" else 5.2, _pdf(b.text), new_x="LMARGIN", new_y="NEXT",
                           align="L")
            if b.kind == "h2":
                pdf.set_draw_color(150)
                pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
            pdf.ln(1.5)
        elif b.kind in ("p", "note", "banner"):
            size = NOTE_PT if b.kind == "note" else BODY_PT
            pdf.set_font("DejaVu", "B" if b.kind == "banner" else ("I" if b.kind == "note" else ""), size)
            if b.kind == "banner":
                pdf.set_text_color(170, 0, 0)
                pdf.set_draw_color(170, 0, 0)
                pdf.multi_cell(width, 5, _pdf(b.text), border=1, padding=1.5, new_x="LMARGIN", new_y="NEXT",
                               align="L")
                pdf.set_text_color(0)
            else:
                pdf.multi_cell(width, 4.6 if b.kind == "p" else 4.0, _pdf(b.text), new_x="LMARGIN", new_y="NEXT",
                               align="L")
            pdf.ln(1.5)
        elif b.kind in ("list", "checklist"):
            pdf.set_font("DejaVu", "", BODY_PT)
            mark = "☐" if b.kind == "checklist" else "–"
            for item in b.rows:
                y = pdf.get_y()
                if y + 9 > pdf.page_break_trigger:
                    pdf.add_page()
                pdf.set_x(pdf.l_margin + 1)
                pdf.cell(4, 4.6, mark)
                pdf.multi_cell(width - 5, 4.6, _pdf(item), new_x="LMARGIN", new_y="NEXT", align="L")
                pdf.ln(0.8)
            pdf.ln(1)
        elif b.kind in ("meta", "table"):
            _table(pdf, b, width, FontFace)
        if b.kind not in ("h2", "h3"):
            fresh = False
    pdf.output(str(path))
    return path


def _lead_height(pdf, b: Block | None) -> float:
    """Room (mm) the start of ``b`` needs on the page of the heading above it: a small
    key-value table whole, a few rows of a table, a few lines of text."""
    if b is None:
        return 0.0
    if b.kind == "meta":
        h = _meta_height(pdf, b)
        return h if h < 90 else 30.0
    if b.kind == "table":
        return 6.0 * min(len(b.rows) + 1, 4)
    if b.kind in ("list", "checklist"):
        return 10.0
    if b.kind in ("h2", "h3"):
        return 10.0 + 12.0
    return 14.0


def _meta_height(pdf, b: Block) -> float:
    """Printed height (mm) of a key-value table, as :func:`_table` lays it out."""
    pdf.set_font("DejaVu", "", BODY_PT)
    rows = [[_pdf(c) for c in r] for r in b.rows]
    widths = col_widths(pdf, [], rows, 2, pdf.epw, key_column=True)
    h = 0.0
    for r in rows:
        lines = max(len(pdf.multi_cell(w - 2, 4.6, c, dry_run=True, output="LINES")) for w, c in zip(widths, r))
        h += lines * 4.6 + 2
    return h + 2


def _figure(pdf, b: Block, *, fresh: bool = False) -> None:
    if b.landscape:
        if not fresh:
            pdf.add_page(orientation="L")
    else:
        need = b.height_mm + 12
        if pdf.get_y() + need > pdf.page_break_trigger:
            pdf.add_page()
    w = min(b.width_mm, pdf.epw)
    h = b.height_mm * w / b.width_mm
    pdf.image(io.BytesIO(b.image), x=pdf.l_margin, w=w, h=h)
    pdf.set_font("DejaVu", "I", NOTE_PT)
    pdf.multi_cell(pdf.epw, 4, _pdf(b.text), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(2)


def _table(pdf, b: Block, width: float, FontFace) -> None:
    size = TABLE_PT if b.kind == "table" else BODY_PT
    pdf.set_font("DejaVu", "", size)
    header = [_pdf(h) for h in b.header] if b.kind == "table" else []
    rows = [[_pdf(c) for c in r] for r in b.rows]
    ncol = len(rows[0]) if rows else len(header)
    if not ncol:
        return
    # The smallest size (down to 7 pt) at which every column fits its longest word.
    while True:
        widths = col_widths(pdf, header, rows, ncol, width, key_column=b.kind == "meta")
        if sum(widths) <= width + 1e-6 or size <= MIN_PT:
            break
        size = max(MIN_PT, size - 0.5)
        pdf.set_font("DejaVu", "", size)
    align = ["RIGHT" if j in b.numeric else "LEFT" for j in range(ncol)]
    need = _meta_height(pdf, b) if b.kind == "meta" else 6.0 * min(len(rows) + 1, 3)
    if need < 90 and pdf.get_y() + need > pdf.page_break_trigger:
        pdf.add_page()
    pdf.set_font("DejaVu", "", size)
    with pdf.table(col_widths=widths, text_align=align, first_row_as_headings=bool(header),
                   headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)), repeat_headings=1,
                   line_height=0.5 * size if b.kind == "table" else 4.6, padding=1, v_align="TOP",
                   borders_layout="HORIZONTAL_LINES" if header else "NONE", width=width) as t:
        for r in ([header] if header else []) + rows:
            row = t.row()
            for j, c in enumerate(r):
                if b.kind == "meta" and j == 0:
                    row.cell(c, style=FontFace(emphasis="BOLD"))
                else:
                    row.cell(c)
    pdf.ln(2)


def col_widths(pdf, header, rows, ncol, width: float, *, key_column: bool = False) -> tuple[float, ...]:
    """Column widths (mm) that fit each column's longest unbreakable run as printed
    (headers in bold; an amount with its unit, a code), so no word or code is broken; the
    width left over goes to the columns in proportion to their typical text length."""
    family, style, size = pdf.font_family, pdf.font_style, pdf.font_size_pt
    pad = 2.5

    def widest(cells, bold: bool, *, words: bool) -> float:
        pdf.set_font(family, "B" if bold else "", size)
        parts = [w for c in cells for w in (str(c).split(" ") if words else [str(c)])]
        return max((pdf.get_string_width(w) for w in parts), default=0.0) + pad

    need, natural = [], []
    for j in range(ncol):
        body = [r[j] for r in rows if j < len(r)]
        head = [header[j]] if header else []
        bold = key_column and j == 0
        need.append(max(widest(body, bold, words=True), widest(head, True, words=True)))
        cap = 0.3 if key_column and j == 0 else 0.45
        natural.append(min(max(widest(body, bold, words=False), widest(head, True, words=False)), cap * width))
    pdf.set_font(family, style, size)
    spare = width - sum(need)
    if spare <= 0:
        return tuple(need)                 # too many columns: fpdf scales them down
    extra = [max(w - n, 0.0) for w, n in zip(natural, need)]
    total = sum(extra) or 1.0
    return tuple(n + spare * x / total for n, x in zip(need, extra))


def write(doc: Document, directory: str | Path, stem: str, *, date: dt.date) -> list[Path]:
    """``<stem>.html`` and ``<stem>.pdf`` of ``doc`` in ``directory``."""
    d = Path(directory)
    html = d / f"{stem}.html"
    html.write_text(render_html(doc), "utf-8")
    return [html, render_pdf(doc, d / f"{stem}.pdf", date=date)]
