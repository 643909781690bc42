"""``map.html``: an interactive map that needs no network at all.

One self-contained file: the areas are drawn as inline SVG (projected coordinates scaled
to the picture, shared borders simplified together so neighbours still meet), the lot
data is inlined as JSON, and a few lines of inline JavaScript colour the map per product
group and show a lot's areas, groups, value, eligible suppliers and local chance on hover
or click.  Every lot has the same colour and hatch (an SVG pattern defined in the page) as
on the static maps, on every product group's map; every area is named (beside it with a
leader line where the name does not fit), and ferry, bridge and road links are drawn.
It is a working map for the planner (it shows known suppliers and model estimates), not
a public document.  No CDN, no tiles, no fonts to fetch; a Content-Security-Policy forbids
any request, so a stray reference cannot reach the network either (``url(#…)`` only names
a pattern inside the page).  Input text reaches the page only as escaped HTML or through
``textContent``.
"""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
from markupsafe import Markup
import numpy as np
import shapely
from lotsplit.export import common as C
from lotsplit.export import labels as L
from lotsplit.export import styles as S
from lotsplit.export.texts import ntext, text
from lotsplit.plan import LotPlan

WIDTH = 1000.0

TEMPLATE = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lotsplit">
<title>{{ title }}</title>
<style>
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; margin: 0; color: #222; background: #fff; }
header { padding: 10px 16px 4px; }
h1 { font-size: 20px; margin: 0 0 4px; }
header p { margin: 2px 0; color: #555; font-size: 13px; }
main { display: flex; gap: 16px; padding: 8px 16px 16px; align-items: flex-start; flex-wrap: wrap; }
#mapbox { flex: 1 1 560px; min-width: 320px; max-width: 900px; }
svg#map { width: 100%; height: auto; max-height: calc(100vh - 110px); display: block; }
.area { stroke: #fff; stroke-width: 0.8; cursor: pointer; }
.area.hl { stroke: #000; stroke-width: 2.4; }
.outline { fill: none; stroke: #333; stroke-width: 2.6; pointer-events: none; }
.lbl { font: bold {{ label_size }}px "DejaVu Sans", Arial, sans-serif; text-anchor: middle; dominant-baseline: central;
       paint-order: stroke; stroke: #fff; stroke-width: 5px; pointer-events: none; }
.lotline { fill: none; stroke: #333; stroke-width: 2.2; pointer-events: none; }
.name { font: italic {{ name_size }}px "DejaVu Sans", Arial, sans-serif; text-anchor: middle; dominant-baseline: central;
        fill: #222; paint-order: stroke; stroke: #fff; stroke-width: 3px; pointer-events: none; }
.leader { stroke: #333; stroke-width: 1.3; fill: none; pointer-events: none; }
.link { fill: none; stroke-width: 2.2; pointer-events: none; }
.area.empty { stroke: #9a9a9a; }
aside { flex: 0 1 380px; font-size: 13px; }
#info { border: 1px solid #bbb; border-radius: 4px; padding: 8px 10px; min-height: 120px; background: #fafafa; }
#info h2 { font-size: 15px; margin: 0 0 6px; }
#info dt { font-weight: bold; margin-top: 4px; }
#info dd { margin: 0 0 2px 0; }
table { border-collapse: collapse; font-size: 12px; margin-top: 10px; width: 100%; }
td, th { border-bottom: 1px solid #ddd; padding: 2px 4px; text-align: left; vertical-align: top; }
td.n { text-align: right; white-space: nowrap; }
.sw { display: inline-block; vertical-align: middle; }
tr.lot { cursor: pointer; }
tr.lot:hover { background: #eef; }
</style>
</head>
<body>
<header>
<h1>{{ title }}</h1>
<p>{{ hint }}</p>
<p>{{ internal }}</p>
{% if panels|length > 1 %}<p><label>{{ show }} <select id="panel">{% for p in panels %}<option value="{{ loop.index0 }}">{{ p.title }}</option>{% endfor %}</select></label></p>{% endif %}
</header>
<main>
<div id="mapbox">
<svg id="map" viewBox="{{ vx }} {{ vy }} {{ vw }} {{ vh }}" role="img" aria-label="{{ title }}">
<defs>{% for p in patterns %}<pattern id="{{ p.id }}" patternUnits="userSpaceOnUse" width="9" height="9"{% if p.rotate %} patternTransform="rotate({{ p.rotate }})"{% endif %}><rect width="9" height="9" fill="{{ p.colour }}"/>{{ p.marks }}</pattern>
{% endfor %}</defs>
<g id="areas">{% for a in areas %}
<path class="area" id="area-{{ loop.index0 }}" data-area="{{ a.id }}" fill="{{ a.fill }}" d="{{ a.d }}"><title>{{ a.name }}</title></path>{% endfor %}
</g>
<path id="lotlines" class="lotline" d="{{ lotlines }}"/>
<path class="outline" d="{{ outline }}"/>
<g id="links">{% for l in links %}<path class="link" stroke="{{ l.colour }}"{% if l.dash %} stroke-dasharray="{{ l.dash }}"{% endif %} d="{{ l.d }}"/>{% endfor %}</g>
<g id="names">{% for n in names %}{% if n.leader %}<path class="leader" d="{{ n.leader }}"/>{% endif %}<text class="name" x="{{ n.x }}" y="{{ n.y }}">{{ n.text }}</text>{% endfor %}</g>
<g id="labels">{% for l in labels %}<text class="lbl" x="{{ l.x }}" y="{{ l.y }}">{{ l.text }}</text>{% endfor %}</g>
</svg>
</div>
<aside>
<div id="info"><h2>{{ title }}</h2><p>{{ hint }}</p></div>
<table id="lots"><thead><tr><th></th><th>{{ lot_head }}</th><th>{{ value_head }}</th><th>{{ local_head }}</th></tr></thead><tbody>
{% for l in lots %}<tr class="lot" data-lot="{{ l.id }}"><td><svg class="sw" viewBox="0 0 12 12" width="14" height="14"><rect width="12" height="12" fill="{{ l.fill }}" stroke="#333"/></svg></td><td><b>{{ l.label }}</b> {{ l.title }}</td><td class="n">{{ l.value }}</td><td class="n">{{ l.local }}</td></tr>
{% endfor %}</tbody></table>
</aside>
</main>
<script type="application/json" id="lotsplit-data">{{ data }}</script>
<script>
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("lotsplit-data").textContent);
  var paths = Array.prototype.slice.call(document.querySelectorAll("path.area"));
  var labels = document.getElementById("labels");
  var info = document.getElementById("info");
  var current = 0, pinned = null;
  function el(tag, txt) { var e = document.createElement(tag); if (txt !== undefined) e.textContent = txt; return e; }
  function draw(k) {
    current = k;
    var p = D.panels[k];
    paths.forEach(function (node) {
      var f = p.fill[node.getAttribute("data-area")];
      node.setAttribute("fill", f || D.empty); node.classList.toggle("empty", !f);
    });
    document.getElementById("lotlines").setAttribute("d", p.lines);
    while (labels.firstChild) labels.removeChild(labels.firstChild);
    p.labels.forEach(function (l) {
      var t = document.createElementNS(labels.namespaceURI, "text");
      t.setAttribute("class", "lbl"); t.setAttribute("x", l.x); t.setAttribute("y", l.y); t.textContent = l.text;
      labels.appendChild(t);
    });
    show(null);
  }
  function show(lotIds) {
    paths.forEach(function (node) { node.classList.remove("hl"); });
    while (info.firstChild) info.removeChild(info.firstChild);
    if (!lotIds || !lotIds.length) { info.appendChild(el("h2", D.title)); info.appendChild(el("p", D.hint)); return; }
    lotIds.forEach(function (id) {
      var L = D.lots[id];
      paths.forEach(function (node) { if (L.areas.indexOf(node.getAttribute("data-area")) >= 0) node.classList.add("hl"); });
      info.appendChild(el("h2", D.words.lot + " " + L.label + " (" + id + "): " + L.title));
      var dl = el("dl");
      [[D.words.areas, L.area_names.join(", ")], [D.words.groups, L.group_names.join(", ")],
       [D.words.value_year, L.value_year], [D.words.value_total, L.value_total],
       [D.words.eligible, L.eligible.join(", ") || "-"], [D.words.expected_bids, L.expected_bids],
       [D.words.local_chance, L.local_chance], [D.words.sme_chance, L.sme_chance]].forEach(function (kv) { dl.appendChild(el("dt", kv[0])); dl.appendChild(el("dd", kv[1])); });
      info.appendChild(dl);
    });
  }
  function lotsAt(area) { return D.panels[current].area_lots[area] || []; }
  paths.forEach(function (node) {
    node.addEventListener("mouseenter", function () { if (pinned === null) show(lotsAt(node.getAttribute("data-area"))); });
    node.addEventListener("mouseleave", function () { if (pinned === null) show(null); });
    node.addEventListener("click", function () {
      var a = node.getAttribute("data-area");
      pinned = (pinned === a) ? null : a; show(pinned === null ? null : lotsAt(a));
    });
  });
  function selectLot(id) {
    var L = D.lots[id];
    if (!L) return;
    if (L.panels.indexOf(current) < 0 && L.panels.length) {
      draw(L.panels[0]); var s = document.getElementById("panel"); if (s) s.value = String(L.panels[0]);
    }
    pinned = "lot:" + id; show([id]);
  }
  Array.prototype.forEach.call(document.querySelectorAll("tr.lot"), function (row) {
    row.addEventListener("click", function () { selectLot(row.getAttribute("data-lot")); });
  });
  var sel = document.getElementById("panel");
  if (sel) sel.addEventListener("change", function () { pinned = null; draw(parseInt(sel.value, 10)); });
  draw(0);
  // map.html#lot=LOT-0002 opens with that lot selected (a link from the annex or an e-mail).
  var m = /lot=([^&]+)/.exec(window.location.hash);
  if (m) selectLot(decodeURIComponent(m[1]));
})();
</script>
</body>
</html>
"""


def _json_for_script(obj) -> str:
    """JSON that cannot end the <script> element or open a comment, whatever the input text."""
    s = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e") \
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _path_d(geom, tx) -> str:
    parts = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        for ring in [poly.exterior, *poly.interiors]:
            xy = tx(np.asarray(ring.coords)[:-1])
            parts.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in xy) + "Z")
    return "".join(parts)


_MARKS = {
    # hatch -> (rotation, marks drawn on a 9 × 9 tile)
    "////": (45, '<line x1="0" y1="0" x2="0" y2="9" stroke="{c}" stroke-width="1.3"/>'),
    "\\\\\\\\": (-45, '<line x1="0" y1="0" x2="0" y2="9" stroke="{c}" stroke-width="1.3"/>'),
    "----": (0, '<line x1="0" y1="4.5" x2="9" y2="4.5" stroke="{c}" stroke-width="1.2"/>'),
    "xxxx": (45, '<line x1="0" y1="0" x2="0" y2="9" stroke="{c}" stroke-width="1"/>'
                 '<line x1="0" y1="0" x2="9" y2="0" stroke="{c}" stroke-width="1"/>'),
    "....": (0, '<circle cx="4.5" cy="4.5" r="1.2" fill="{c}"/>'),
}


def _patterns(styles) -> tuple[list[dict], dict]:
    """SVG patterns for the hatched styles, and the fill of every style."""
    out, fill = [], {}
    for k, st in enumerate(sorted(set(styles.values()))):
        if not st.hatch:
            fill[st] = st.colour
            continue
        rotate, marks = _MARKS.get(st.hatch, _MARKS["////"])
        pid = f"lot-style-{k}"
        out.append({"id": pid, "colour": st.colour, "rotate": rotate, "marks": Markup(marks.format(c=S.HATCH_COLOUR))})
        fill[st] = f"url(#{pid})"
    return out, fill


def render(plan: LotPlan) -> str:
    s = plan.scenario
    lang = s.config.language
    cur = s.currency
    panel_list = C.panels(plan)
    styles = S.region_styles(plan, panel_list)
    patterns, style_fill = _patterns(styles)
    lot_style = S.lot_styles(plan, panel_list)
    minx, miny, maxx, maxy = s.areas.total_bounds
    k = WIDTH / max(maxx - minx, 1.0)
    height = round((maxy - miny) * k, 1)

    def tx(xy):
        return np.column_stack(((xy[:, 0] - minx) * k, (maxy - xy[:, 1]) * k))

    geoms = s.areas.geometry
    # Simplify the areas together so shared borders stay shared (no slivers between them).
    simple = shapely.coverage_simplify(geoms.to_numpy(), tolerance=0.6 / k)
    simple = {a: g for a, g in zip(s.areas.index, simple)}
    label_size = round(0.032 * max(WIDTH, height))
    name_size = max(11, round(0.55 * label_size))
    panels_data = []
    lot_boxes = []
    for p in panel_list:
        fill = {a: style_fill[styles[r]] for a, r in p.area_lots.items() if r}
        regions: dict[tuple, list[str]] = {}
        for a, r in p.area_lots.items():
            if r:
                regions.setdefault(r, []).append(a)
        labels, lines = [], []
        for r, areas in sorted(regions.items()):
            shape = C.dissolved(plan, areas)
            lines.append(_path_d(shapely.union_all([simple[a] for a in areas]), tx))
            pt = L.anchor(shape)
            (x, y), = tx(np.array([[pt.x, pt.y]]))
            text_ = ", ".join(C.lot_label(i) for i in r)
            labels.append({"x": round(float(x), 1), "y": round(float(y), 1), "text": text_})
            w = (L.text_width(text_, label_size, bold=True) + 8) / k
            h = (label_size + 6) / k
            lot_boxes.append((pt.x - w / 2, pt.y - h / 2, pt.x + w / 2, pt.y + h / 2))
        panels_data.append({"title": p.title(plan), "fill": fill, "labels": labels, "lines": "".join(lines),
                            "area_lots": {a: list(r) for a, r in p.area_lots.items() if r}})
    # Area names: placed once (clear of every map's lot labels), so they stay put when the
    # product group shown changes.
    span = max(maxx - minx, maxy - miny)
    bounds = (minx - 0.12 * span, miny - 0.08 * span, maxx + 0.12 * span, maxy + 0.05 * span)
    items = [(a, str(s.areas.loc[a, "name"]), g) for a, g in geoms.items()]
    placed = L.place_names(items, bounds=bounds, taken=lot_boxes,
                           measure=lambda n: (L.text_width(n, name_size, italic=True) / k, 1.2 * name_size / k))
    names = []
    for pl in placed:
        (x, y), = tx(np.array([[pl.x, pl.y]]))
        leader = ""
        if pl.leader is not None:
            (sx, sy), (lx, ly) = tx(np.array([pl.leader_start(), pl.leader]))
            leader = f"M{sx:.1f} {sy:.1f}L{lx:.1f} {ly:.1f}"
        names.append({"x": round(float(x), 1), "y": round(float(y), 1), "text": pl.name, "leader": leader})
    links = []
    for a, b, d in sorted(s.graph.edges(data=True), key=lambda e: (e[0], e[1])):
        kind = S.link_kind(d)
        if kind is None:
            continue
        colour, _, dash = S.LINK_STYLES[kind]
        (ax_, ay), (bx, by) = tx(np.array([[L.anchor(geoms[a]).x, L.anchor(geoms[a]).y],
                                           [L.anchor(geoms[b]).x, L.anchor(geoms[b]).y]]))
        links.append({"colour": colour, "dash": dash, "d": f"M{ax_:.1f} {ay:.1f}L{bx:.1f} {by:.1f}"})
    sup = s.suppliers
    local_word = text(lang, "local_mark")
    lots = {}
    for lot in plan.lots:
        lots[lot.id] = {
            "label": C.lot_label(lot.id), "title": C.lot_title(plan, lot, lang), "areas": list(lot.areas),
            "area_names": C.area_names(plan, lot), "group_names": C.group_names(plan, lot),
            "value_year": C.money(lot.annual_value, cur, lang), "value_total": C.money(lot.contract_value, cur, lang),
            "eligible": [str(sup.loc[x, "name"]) + (f" ({local_word})" if bool(sup.loc[x, "local"]) else "")
                         for x in lot.eligible],
            "expected_bids": C.number(lot.expected_bids, lang, decimals=1),
            "local_chance": C.percent(lot.local_chance, lang),
            "sme_chance": C.percent(lot.sme_chance, lang),
            "panels": [i for i, p in enumerate(panel_list) if lot.groups[0] in p.groups],
        }
    title = (text(lang, "map_title_one", name=s.name) if len(plan.lots) == 1
             else ntext(lang, "map_title", len(plan.lots), name=s.name))
    hint = text(lang, "web_hint")
    data = {"title": title, "hint": hint, "empty": S.NO_DEMAND, "panels": panels_data, "lots": lots,
            "words": {key: text(lang, key) for key in ("lot", "areas", "groups", "value_year", "value_total",
                                                        "eligible", "expected_bids")}
            | {"local_chance": text(lang, "local_chance_cap"), "sme_chance": text(lang, "sme_chance_cap")}}
    first = panels_data[0]
    vx, vy = (bounds[0] - minx) * k, (maxy - bounds[3]) * k
    vw, vh = (bounds[2] - bounds[0]) * k, (bounds[3] - bounds[1]) * k
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(TEMPLATE).render(
        lang=lang, title=title, label_size=label_size, name_size=name_size, hint=hint,
        internal=text(lang, "web_internal"), show=text(lang, "web_show"),
        vx=round(vx, 1), vy=round(vy, 1), vw=round(vw, 1), vh=round(vh, 1), panels=panels_data, patterns=patterns,
        areas=[{"id": a, "name": str(s.areas.loc[a, "name"]), "fill": first["fill"].get(a, S.NO_DEMAND),
                "d": _path_d(simple[a], tx)} for a in s.areas.index],
        outline=_path_d(shapely.union_all(list(simple.values())), tx),
        labels=first["labels"], lotlines=first["lines"], names=names, links=links,
        lot_head=text(lang, "lot"), value_head=text(lang, "value_year"), local_head=text(lang, "local_chance_cap"),
        lots=[{"id": lot.id, "label": C.lot_label(lot.id), "title": C.lot_title(plan, lot, lang),
               "fill": style_fill.get(lot_style.get(lot.id), S.NO_DEMAND), "value": C.money(lot.annual_value, cur, lang),
               "local": C.percent(lot.local_chance, lang)} for lot in plan.lots],
        data=Markup(_json_for_script(data)),
    )


def write_webmap(plan: LotPlan, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(render(plan), "utf-8")
    return path
