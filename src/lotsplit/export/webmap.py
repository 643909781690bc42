"""``map.html``: an interactive map that needs no network at all.

One self-contained file: the areas are drawn as inline SVG (projected coordinates scaled
to the picture, shared borders simplified together so neighbours still meet), the lot
data is inlined as JSON, and a few lines of inline JavaScript colour the map per product
group and show a lot's areas, groups, value, eligible suppliers and local chance on hover
or click.  No CDN, no tiles, no fonts to fetch; a Content-Security-Policy forbids any
request, so a stray reference cannot reach the network either.  Input text reaches the
page only as escaped HTML or through ``textContent``.
"""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
from markupsafe import Markup
import numpy as np
import shapely
from shapely.ops import polylabel

from lotsplit.export import common as C
from lotsplit.export.texts import text
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
svg { width: 100%; height: auto; max-height: calc(100vh - 110px); display: block; }
.area { stroke: #fff; stroke-width: 0.8; cursor: pointer; }
.area.hl { stroke: #000; stroke-width: 2.4; }
.outline { fill: none; stroke: #333; stroke-width: 1.8; pointer-events: none; }
.lbl { font: bold {{ label_size }}px "DejaVu Sans", Arial, sans-serif; text-anchor: middle; dominant-baseline: central;
       paint-order: stroke; stroke: #fff; stroke-width: 5px; pointer-events: none; }
.lotline { fill: none; stroke: #333; stroke-width: 1.6; pointer-events: none; }
aside { flex: 0 1 380px; font-size: 13px; }
#info { border: 1px solid #bbb; border-radius: 4px; padding: 8px 10px; min-height: 120px; background: #fafafa; }
#info h2 { font-size: 15px; margin: 0 0 6px; }
#info dt { font-weight: bold; margin-top: 4px; }
#info dd { margin: 0 0 2px 0; }
table { border-collapse: collapse; font-size: 12px; margin-top: 10px; width: 100%; }
td, th { border-bottom: 1px solid #ddd; padding: 2px 4px; text-align: left; vertical-align: top; }
td.n { text-align: right; white-space: nowrap; }
.sw { display: inline-block; width: 12px; height: 12px; border: 1px solid #333; vertical-align: middle; }
tr.lot { cursor: pointer; }
tr.lot:hover { background: #eef; }
</style>
</head>
<body>
<header>
<h1>{{ title }}</h1>
<p>{{ hint }}</p>
{% if panels|length > 1 %}<p><label>{{ show }} <select id="panel">{% for p in panels %}<option value="{{ loop.index0 }}">{{ p.title }}</option>{% endfor %}</select></label></p>{% endif %}
</header>
<main>
<div id="mapbox">
<svg id="map" viewBox="0 0 {{ w }} {{ h }}" role="img" aria-label="{{ title }}">
<g id="areas">{% for a in areas %}
<path class="area" id="area-{{ loop.index0 }}" data-area="{{ a.id }}" fill="{{ a.fill }}" d="{{ a.d }}"><title>{{ a.name }}</title></path>{% endfor %}
</g>
<path id="lotlines" class="lotline" d="{{ lotlines }}"/>
<path class="outline" d="{{ outline }}"/>
<g id="labels">{% for l in labels %}<text class="lbl" x="{{ l.x }}" y="{{ l.y }}">{{ l.text }}</text>{% endfor %}</g>
</svg>
</div>
<aside>
<div id="info"><h2>{{ title }}</h2><p>{{ hint }}</p></div>
<table id="lots"><thead><tr><th></th><th>{{ lot_head }}</th><th>{{ value_head }}</th><th>{{ local_head }}</th></tr></thead><tbody>
{% for l in lots %}<tr class="lot" data-lot="{{ l.id }}"><td><span class="sw" style="background:{{ l.colour }}"></span></td><td><b>{{ l.label }}</b> {{ l.title }}</td><td class="n">{{ l.value }}</td><td class="n">{{ l.local }}</td></tr>
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
    paths.forEach(function (node) { node.setAttribute("fill", p.fill[node.getAttribute("data-area")] || D.empty); });
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
       [D.words.local_chance, L.local_chance]].forEach(function (kv) { dl.appendChild(el("dt", kv[0])); dl.appendChild(el("dd", kv[1])); });
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


def render(plan: LotPlan) -> str:
    s = plan.scenario
    lang = s.config.language
    cur = s.currency
    panel_list = C.panels(plan)
    colours = C.region_colours(plan, panel_list)
    lot_colour = C.lot_colours(plan, panel_list)
    minx, miny, maxx, maxy = s.areas.total_bounds
    k = WIDTH / max(maxx - minx, 1.0)
    height = round((maxy - miny) * k, 1)

    def tx(xy):
        return np.column_stack(((xy[:, 0] - minx) * k, (maxy - xy[:, 1]) * k))

    geoms = s.areas.geometry
    # Simplify the areas together so shared borders stay shared (no slivers between them).
    simple = shapely.coverage_simplify(geoms.to_numpy(), tolerance=0.6 / k)
    simple = {a: g for a, g in zip(s.areas.index, simple)}
    panels_data = []
    for p in panel_list:
        fill = {a: colours[r] for a, r in p.area_lots.items() if r}
        regions: dict[tuple, list[str]] = {}
        for a, r in p.area_lots.items():
            if r:
                regions.setdefault(r, []).append(a)
        labels, lines = [], []
        for r, areas in sorted(regions.items()):
            shape = C.dissolved(plan, areas)
            lines.append(_path_d(shapely.union_all([simple[a] for a in areas]), tx))
            biggest = max(getattr(shape, "geoms", [shape]), key=lambda g: g.area)
            pt = polylabel(biggest, tolerance=max(biggest.length / 500, 1.0))
            (x, y), = tx(np.array([[pt.x, pt.y]]))
            labels.append({"x": round(float(x), 1), "y": round(float(y), 1),
                           "text": ", ".join(C.lot_label(i) for i in r)})
        panels_data.append({"title": p.title(plan), "fill": fill, "labels": labels, "lines": "".join(lines),
                            "area_lots": {a: list(r) for a, r in p.area_lots.items() if r}})
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
            "panels": [i for i, p in enumerate(panel_list) if lot.groups[0] in p.groups],
        }
    title = text(lang, "map_title", name=s.name, n=len(plan.lots))
    hint = text(lang, "web_hint")
    data = {"title": title, "hint": hint, "empty": "#F4F4F4", "panels": panels_data, "lots": lots,
            "words": {key: text(lang, key) for key in ("lot", "areas", "groups", "value_year", "value_total",
                                                        "eligible", "expected_bids")}
            | {"local_chance": text(lang, "local_chance_cap")}}
    first = panels_data[0]
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(TEMPLATE).render(
        lang=lang, title=title, label_size=round(0.032 * max(WIDTH, height)), hint=hint, show=text(lang, "web_show"), w=WIDTH, h=height,
        panels=panels_data,
        areas=[{"id": a, "name": str(s.areas.loc[a, "name"]), "fill": first["fill"].get(a, "#F4F4F4"),
                "d": _path_d(simple[a], tx)} for a in s.areas.index],
        outline=_path_d(shapely.union_all(list(simple.values())), tx),
        labels=first["labels"], lotlines=first["lines"],
        lot_head=text(lang, "lot"), value_head=text(lang, "value_year"), local_head=text(lang, "local_chance_cap"),
        lots=[{"id": lot.id, "label": C.lot_label(lot.id), "title": C.lot_title(plan, lot, lang),
               "colour": lot_colour.get(lot.id, "#F4F4F4"), "value": C.money(lot.annual_value, cur, lang),
               "local": C.percent(lot.local_chance, lang)} for lot in plan.lots],
        data=Markup(_json_for_script(data)),
    )


def write_webmap(plan: LotPlan, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(render(plan), "utf-8")
    return path
