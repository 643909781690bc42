"""The tender annex, ``annex.html`` and ``annex.pdf``, in the scenario's language.

The annex is built once as a list of blocks (headings, paragraphs, tables, the map) and
rendered twice, so the HTML and the PDF say the same thing: the lots with titles and
descriptions generated from the data, the map, the limit on lots per tenderer, and the
reasons for the division ("divide or explain"), written from the plan's metrics and its
comparison with the alternatives (:mod:`lotsplit.export.reasons`).

The HTML is self-contained (inline CSS, the map as an inline PNG) and every input text is
escaped.  The PDF embeds DejaVu Sans (shipped with matplotlib), which covers å ä ö æ ø;
characters the font lacks (emoji) are replaced by "?" in the PDF only.  Its creation date
is the export date; nothing else in it changes between runs.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from lotsplit.export import common as C
from lotsplit.export.reasons import Alternative, Reasons
from lotsplit.export.texts import text
from lotsplit.plan import LotPlan


@dataclass
class Block:
    kind: str                      # h1 h2 h3 p note meta table img
    text: str = ""
    rows: list = field(default_factory=list)
    header: list = field(default_factory=list)
    numeric: tuple[int, ...] = ()
    image: bytes = b""


def build(plan: LotPlan, reasons: Reasons, map_png: bytes, *, date: dt.date) -> list[Block]:
    s = plan.scenario
    lang = s.config.language
    cur = s.currency
    m = plan.metrics
    years = f"{s.config.contract_years:g}"

    def money(x: float) -> str:
        return C.money(x, cur, lang)

    B: list[Block] = [Block("h1", text(lang, "annex_title"))]
    th = s.defaults.eu_threshold(s.main_nature, cur)
    if m["eu_threshold"] is None:
        regime = text(lang, "regime_unknown")
    else:
        th_text = f"{money(m['eu_threshold'])}, {text(lang, 'threshold_status', s=th.status)}" if th else money(
            m["eu_threshold"])
        regime = text(lang, "regime_above" if m["contract_value"] >= m["eu_threshold"] else "regime_below", th=th_text)
    B.append(Block("meta", rows=[
        (text(lang, "procurement"), s.name),
        (text(lang, "buyer"), s.config.buyer.name or "–"),
        (text(lang, "contract_period"), text(lang, "years", y=years)),
        (text(lang, "total_value"), text(lang, "total_value_v", year=money(m["annual_value"]),
                                         total=money(m["contract_value"]))),
        (text(lang, "regime"), regime),
        ("Datum" if lang in ("sv", "da") else "Date", date.isoformat()),
    ]))
    if s.config.description:
        B.append(Block("p", s.config.description))

    # The lots.
    B.append(Block("h2", text(lang, "h_lots")))
    rows = []
    for lot in plan.lots:
        rows.append([f"{C.lot_label(lot.id)} ({lot.id})", C.lot_title(plan, lot, lang), C.lot_cpv(plan, lot)[0],
                     C.number(lot.annual_value, lang), C.number(lot.contract_value, lang)])
    B.append(Block("table", header=[text(lang, "col_lot"), text(lang, "col_title"), text(lang, "col_cpv"),
                                    text(lang, "col_value_year", c=cur), text(lang, "col_value_total", c=cur)],
                   rows=rows, numeric=(3, 4)))
    for lot in plan.lots:
        B.append(Block("h3", f"{text(lang, 'lot')} {C.lot_label(lot.id)} ({lot.id}): {C.lot_title(plan, lot, lang)}"))
        B.append(Block("p", lot_description(plan, lot, lang)))
        if lot.exempt:
            B.append(Block("p", text(lang, "exempt_note")))

    if map_png:
        B.append(Block("h2", text(lang, "h_map")))
        B.append(Block("img", text(lang, "map_title", name=s.name, n=len(plan.lots)), image=map_png))

    B.append(Block("h2", text(lang, "h_limit")))
    k = s.config.rules.max_lots_per_tenderer
    if k is not None:
        B.append(Block("p", text(lang, "limit", k=k)))
        B.append(Block("p", text(lang, "limit_rule", k=k)))
    else:
        B.append(Block("p", text(lang, "no_limit")))

    B += reasons_blocks(plan, reasons)
    B.append(Block("note", text(lang, "generated")))
    return B


def lot_description(plan: LotPlan, lot, lang: str) -> str:
    s = plan.scenario
    cpv = C.lot_cpv(plan, lot)
    key = "lot_desc" if C.lot_nature(plan, lot) == "supplies" else "lot_desc_services"
    more = text(lang, "cpv_more", codes=", ".join(cpv[1:])) if len(cpv) > 1 else ""
    return text(lang, key, groups=_join(C.group_names(plan, lot), lang), areas=_join(C.area_names(plan, lot), lang),
                cpv=cpv[0], cpv_more=more, nuts=", ".join(C.lot_nuts(plan, lot)) or "–",
                year=C.money(lot.annual_value, s.currency, lang), total=C.money(lot.contract_value, s.currency, lang),
                years=f"{s.config.contract_years:g}")


def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    word = {"sv": "och", "da": "og"}.get(lang, "and")
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def _law(country: str) -> str:
    return {"SE": "law_SE", "DK": "law_DK"}.get(country, "law_other")


def reasons_blocks(plan: LotPlan, r: Reasons) -> list[Block]:
    s = plan.scenario
    lang = s.config.language
    cur = s.currency
    m = plan.metrics
    n = len(plan.lots)
    sup = s.suppliers

    def money(x: float) -> str:
        return C.money(x, cur, lang)

    def signed(x: float) -> str:
        return ("+" if x > 0 else "−" if x < 0 else "±") + C.money(abs(x), cur, lang)

    def pts(x: float) -> str:
        return ("+" if x > 0 else "−" if x < 0 else "±") + C.number(abs(x), lang, decimals=1)

    B = [Block("h2", text(lang, "h_reasons")), Block("p", text(lang, _law(s.config.country)))]
    B.append(Block("p", text(lang, "divided" if n > 1 else "not_divided", n=n)))

    # Which local suppliers can bid where.
    B.append(Block("h3", text(lang, "h_local")))
    B.append(Block("p", text(lang, "eligibility_rule", tau=C.number(s.turnover_multiple, lang, decimals=1))))
    with_local = [l for l in plan.lots if C.local_eligible(plan, l)]
    total = m["contract_value"] or 1.0
    B.append(Block("p", text(lang, "local_summary", k=len(with_local), n=n,
                             share_val=C.percent(sum(l.contract_value for l in with_local) / total, lang),
                             share=C.percent(m["local_share"], lang, decimals=1))))
    rows = []
    for x in sup.index[sup["local"].astype(bool)]:
        lots = [C.lot_label(l.id) for l in plan.lots if x in l.eligible]
        if lots:
            rows.append([str(sup.loc[x, "name"]), ", ".join(lots)])
    if rows:
        B.append(Block("table", header=[text(lang, "col_supplier"), text(lang, "col_can_bid")], rows=rows))
    else:
        B.append(Block("p", text(lang, "no_local_suppliers")))
    without = [l for l in plan.lots if not C.local_eligible(plan, l)]
    if without and with_local:
        B.append(Block("p", text(lang, "no_local_lots", k=len(without))))

    # What the division costs.
    B.append(Block("h3", text(lang, "h_cost")))
    costs = s.config.costs
    retender = text(lang, "retender", c=money(costs.retender)) if costs.retender else ""
    B.append(Block("p", text(lang, "cost", n=n, admin=money(m["admin_cost"]), per_lot=money(costs.per_lot),
                             per_bid=money(costs.per_bid), per_year=money(costs.per_contract_year), retender=retender)))

    # Why not more, why not fewer.
    B.append(Block("h3", text(lang, "h_alternatives")))
    obj = s.config.objective
    if obj.kind == "weighted":
        B.append(Block("p", text(lang, "objective_weighted", price=money(obj.price_per_local_point))))
    elif obj.kind == "min_cost":
        B.append(Block("p", text(lang, "objective_min_cost", target=C.percent(obj.local_share_target, lang))))
    else:
        B.append(Block("p", text(lang, "objective_max_local", budget=money(obj.admin_budget or 0))))
    o = plan.outcome
    if o is None:
        B.append(Block("p", text(lang, "status_evaluated")))
    elif o.status.value == "optimal":
        B.append(Block("p", text(lang, "status_optimal", solver=o.version)))
    else:
        gap = C.percent(o.gap, lang, decimals=1) if o.gap is not None else "?"
        B.append(Block("p", text(lang, "status_feasible", gap=gap, solver=o.version)))

    single, finest = r.single, r.finest
    if n > 1:
        elig = ""
        if single.plan.lots:
            e = single.plan.lots[0].eligible
            elig = text(lang, "single_elig", k=len(e), names=", ".join(C.supplier_names(plan, e)) or text(lang, "none"))
        key = "why_single" if single.d_admin < 0 else "why_single_more"
        msg = text(lang, key, d_admin=money(-single.d_admin), admin=money(single.plan.metrics["admin_cost"]),
                   local=C.percent(single.plan.metrics["local_share"], lang, decimals=1),
                   local_plan=C.percent(m["local_share"], lang, decimals=1), elig=elig)
        if single.plan.violations:
            msg += " " + text(lang, "why_rules", v=_violations(single))
        B.append(Block("p", msg + _verdict(single, lang)))
    if len(finest.plan.lots) > n:
        msg = text(lang, "why_finest", d_admin=money(finest.d_admin),
                   local=C.percent(finest.plan.metrics["local_share"], lang, decimals=1))
        if finest.plan.violations:
            msg += " " + text(lang, "why_rules", v=_violations(finest))
        B.append(Block("p", msg + _verdict(finest, lang)))

    def closest(alts: tuple[Alternative, ...]) -> str:
        if not alts:
            return text(lang, "none_tried")
        best = min(alts, key=lambda a: (not a.feasible, a.d_objective))
        return text(lang, "best_alt", alt=_alt_name(plan, best, lang), d_admin=signed(best.d_admin),
                    d_local=pts(best.d_local_points), rules=text(lang, "best_alt_rules") if not best.feasible else "")

    B.append(Block("p", text(lang, "why_split", k=len(r.splits), best=closest(r.splits))))
    B.append(Block("p", text(lang, "why_merge", k=len(r.merges), best=closest(r.merges))))
    better = r.better()
    if better:
        B.append(Block("p", text(lang, "better_alt", k=len(better), alt=_alt_name(plan, better[0], lang))))

    # The comparison table: the plan, one contract, the finest split, the closest others.
    B.append(Block("p", text(lang, "alt_intro", k=len(r.all))))
    others = sorted(r.splits + r.merges, key=lambda a: (not a.feasible, a.d_objective))[:6]
    table = [[text(lang, "alt_this"), str(n), C.number(m["admin_cost"], lang),
              C.percent(m["local_share"], lang, decimals=1), str(m["min_eligible_bidders"]),
              str(len(plan.violations)) if plan.violations else "–"]]
    for a in (single, finest, *others):
        pm = a.plan.metrics
        table.append([_alt_name(plan, a, lang), str(pm["n_lots"]), C.number(pm["admin_cost"], lang),
                      C.percent(pm["local_share"], lang, decimals=1), str(pm["min_eligible_bidders"]),
                      str(len(a.plan.violations)) if a.plan.violations else "–"])
    B.append(Block("table", header=[text(lang, "col_alt"), text(lang, "col_n"), text(lang, "col_admin", c=cur),
                                    text(lang, "col_local"), text(lang, "col_min_elig"), text(lang, "col_rules")],
                   rows=table, numeric=(1, 2, 3, 4, 5)))
    if plan.violations:
        B.append(Block("p", text(lang, "violations") + " " + "; ".join(violation_text(plan, v) for v in plan.violations)))
    return B


def _verdict(a: Alternative, lang: str) -> str:
    if not a.feasible or abs(a.d_objective) < 1e-6:
        return ""
    return " " + text(lang, "verdict_worse" if a.d_objective > 0 else "verdict_better")


def _violations(a: Alternative, k: int = 2) -> str:
    v = a.plan.violations
    more = f" (+{len(v) - k})" if len(v) > k else ""
    return "; ".join(violation_text(a.plan, x) for x in v[:k]) + more


def violation_text(plan: LotPlan, v) -> str:
    """A rule violation in the scenario's language (``plan.Violation``: code and values;
    a plain string is shown as it is).  Values named ``*_money``, ``*_pct`` and ``*_dec``
    are formatted as amounts, percentages and decimals the local way."""
    code = getattr(v, "code", None)
    if code is None:
        return str(v)
    s = plan.scenario
    lang = s.config.language
    params = {}
    for key, value in v.params.items():
        if key.endswith("_money"):
            value = C.money(value, s.currency, lang)
        elif key.endswith("_pct"):
            value = C.percent(value, lang, decimals=1)
        elif key.endswith("_dec"):
            value = C.number(value, lang, decimals=2)
        params[key] = value
    return text(lang, "violation_" + code, **params)


def _alt_name(plan: LotPlan, a: Alternative, lang: str) -> str:
    if a.kind == "single":
        return text(lang, "alt_single")
    if a.kind == "finest":
        return text(lang, "alt_finest", n=len(a.plan.lots))
    if a.kind == "merge":
        return text(lang, "alt_merge", a=C.lot_label(a.lots[0]), b=C.lot_label(a.lots[1]))
    return text(lang, "alt_" + a.kind, lot=C.lot_label(a.lots[0]))


# --------------------------------------------------------------------------- HTML

HTML = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="lotsplit">
<title>{{ title }}</title>
<style>
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; max-width: 62em; margin: 2em auto; padding: 0 1em;
       line-height: 1.45; color: #111; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #999; }
h3 { font-size: 1.05em; margin: 1.1em 0 0.3em; }
table { border-collapse: collapse; width: 100%; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eee; } td.n { text-align: right; white-space: nowrap; }
table.meta th { width: 16em; background: none; }
img { max-width: 100%; height: auto; border: 1px solid #ddd; }
p.note { font-size: 0.85em; color: #555; border-top: 1px solid #ccc; padding-top: 0.5em; margin-top: 2em; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } img { break-inside: avoid; } }
</style>
</head>
<body>
{% for b in blocks %}{% if b.kind == "h1" %}<h1>{{ b.text }}</h1>
{% elif b.kind == "h2" %}<h2>{{ b.text }}</h2>
{% elif b.kind == "h3" %}<h3>{{ b.text }}</h3>
{% elif b.kind == "p" %}<p>{{ b.text }}</p>
{% elif b.kind == "note" %}<p class="note">{{ b.text }}</p>
{% elif b.kind == "meta" %}<table class="meta">{% for k, v in b.rows %}<tr><th>{{ k }}</th><td>{{ v }}</td></tr>{% endfor %}</table>
{% elif b.kind == "table" %}<table><thead><tr>{% for h in b.header %}<th>{{ h }}</th>{% endfor %}</tr></thead><tbody>
{% for row in b.rows %}<tr>{% for c in row %}<td{% if loop.index0 in b.numeric %} class="n"{% endif %}>{{ c }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>
{% elif b.kind == "img" %}<figure><img alt="{{ b.text }}" src="data:image/png;base64,{{ b.image_b64 }}"><figcaption>{{ b.text }}</figcaption></figure>
{% endif %}{% endfor %}
</body>
</html>
"""


def render_html(plan: LotPlan, blocks: list[Block]) -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    items = []
    for b in blocks:
        d = b.__dict__.copy()
        d["image_b64"] = base64.b64encode(b.image).decode("ascii") if b.image else ""
        items.append(d)
    title = f"{blocks[0].text} – {plan.scenario.name}"
    return env.from_string(HTML).render(lang=plan.scenario.config.language, title=title, blocks=items)


# --------------------------------------------------------------------------- PDF

def render_pdf(plan: LotPlan, blocks: list[Block], path: str | Path, *, date: dt.date) -> Path:
    import io

    from fpdf import FPDF
    from fpdf.fonts import FontFace

    path = Path(path)
    fonts = C.dejavu_fonts()
    safe = C.font_safe

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_creation_date(dt.datetime(date.year, date.month, date.day, tzinfo=dt.timezone.utc))
    pdf.set_title(safe(blocks[0].text + " – " + plan.scenario.name))
    pdf.set_author(safe(plan.scenario.config.buyer.name or "lotsplit"))
    pdf.set_creator("lotsplit")
    pdf.set_producer("lotsplit")
    pdf.set_lang(plan.scenario.config.language)
    for style, f in fonts.items():
        pdf.add_font("DejaVu", style, str(f))
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    width = pdf.epw
    for b in blocks:
        if b.kind == "h1":
            pdf.set_font("DejaVu", "B", 16)
            pdf.multi_cell(width, 8, safe(b.text), new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.ln(2)
        elif b.kind in ("h2", "h3"):
            if pdf.get_y() > pdf.h - 40:
                pdf.add_page()
            pdf.ln(3 if b.kind == "h2" else 1.5)
            pdf.set_font("DejaVu", "B", 13 if b.kind == "h2" else 10.5)
            pdf.multi_cell(width, 6 if b.kind == "h2" else 5.2, safe(b.text), new_x="LMARGIN", new_y="NEXT", align="L")
            if b.kind == "h2":
                pdf.set_draw_color(150)
                pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
            pdf.ln(1.5)
        elif b.kind in ("p", "note"):
            pdf.set_font("DejaVu", "I" if b.kind == "note" else "", 8 if b.kind == "note" else 9.5)
            pdf.multi_cell(width, 4.6, safe(b.text), new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.ln(1.5)
        elif b.kind in ("meta", "table"):
            pdf.set_font("DejaVu", "", 8.5 if b.kind == "table" else 9.5)
            header = [] if b.kind == "meta" else b.header
            rows = [list(r) for r in b.rows]
            ncol = len(rows[0]) if rows else len(header)
            widths = _col_widths(pdf, header, rows, ncol, width)
            align = ["RIGHT" if j in b.numeric else "LEFT" for j in range(ncol)]
            with pdf.table(col_widths=widths, text_align=align, first_row_as_headings=bool(header),
                           headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
                           line_height=4.4, padding=1, borders_layout="HORIZONTAL_LINES" if header else "NONE",
                           width=width) as t:
                for r in ([header] if header else []) + rows:
                    row = t.row()
                    for j, c in enumerate(r):
                        if b.kind == "meta" and j == 0:
                            pdf.set_font("DejaVu", "B", 9.5)
                            row.cell(safe(c))
                            pdf.set_font("DejaVu", "", 9.5)
                        else:
                            row.cell(safe(c))
            pdf.ln(2)
        elif b.kind == "img":
            img = io.BytesIO(b.image)
            from PIL import Image

            with Image.open(io.BytesIO(b.image)) as im:
                w_px, h_px = im.size
            h = width * h_px / w_px
            if h > pdf.h - 40:
                h = pdf.h - 40
            if pdf.get_y() + h > pdf.h - 16:
                pdf.add_page()
            pdf.image(img, x=pdf.l_margin, w=h * w_px / h_px, h=h)
            pdf.set_font("DejaVu", "I", 8)
            pdf.multi_cell(width, 4, safe(b.text), new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.ln(2)
    pdf.output(str(path))
    return path


def _col_widths(pdf, header, rows, ncol, width: float) -> tuple[float, ...]:
    """Column widths (mm) that fit each column's longest word as printed (headers in bold),
    so that no word is broken; the width left over goes to the columns in proportion to
    their typical text length."""
    family, style, size = pdf.font_family, pdf.font_style, pdf.font_size_pt
    pad = 2.5

    def widest(cells, bold: bool, *, words: bool) -> float:
        pdf.set_font(family, "B" if bold else "", size)
        parts = [w for c in cells for w in (str(c).split() if words else [str(c)])]
        return max((pdf.get_string_width(w) for w in parts), default=0.0) + pad

    need, natural = [], []
    for j in range(ncol):
        body = [r[j] for r in rows if j < len(r)]
        head = [header[j]] if header else []
        need.append(max(widest(body, False, words=True), widest(head, True, words=True)))
        natural.append(min(max(widest(body, False, words=False), widest(head, True, words=False)), 0.45 * width))
    pdf.set_font(family, style, size)
    spare = width - sum(need)
    if spare <= 0:
        return tuple(need)                 # too many columns: fpdf scales them down
    extra = [max(w - n, 0.0) for w, n in zip(natural, need)]
    total = sum(extra) or 1.0
    return tuple(n + spare * x / total for n, x in zip(need, extra))


def write_annex(plan: LotPlan, reasons: Reasons, map_png: bytes, directory: str | Path, *,
                date: dt.date) -> list[Path]:
    d = Path(directory)
    blocks = build(plan, reasons, map_png, date=date)
    html = d / "annex.html"
    html.write_text(render_html(plan, blocks), "utf-8")
    pdf = render_pdf(plan, blocks, d / "annex.pdf", date=date)
    return [html, pdf]
