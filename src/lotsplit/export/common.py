"""What every exporter shares: lot labels and titles, the map panels, number formats per
language, and hashing (the lots' colours are in :mod:`lotsplit.export.styles`).

Everything here is a pure function of the plan, so every file derived from it is the
same for the same plan (byte-identical outputs, see ``write_all``).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import shapely

from lotsplit.export.texts import text
from lotsplit.plan import Lot, LotPlan

_LOT_ID = re.compile(r"^LOT-(\d{4})$")


def lot_label(lot_id: str) -> str:
    """Short label for maps: ``LOT-0007`` -> ``7``; other ids are kept as they are."""
    m = _LOT_ID.match(lot_id)
    return str(int(m.group(1))) if m else lot_id


# --------------------------------------------------------------------------- lot numbering

@dataclass(frozen=True)
class LotNumber:
    """The number of one lot, the same in every export (annex, workbook, maps, eForms,
    OCDS): lot ``number`` 3 is ``LOT-0003`` (eForms BT-137, OCDS ``tender.lots[].id``) and
    is shown as "Lot 3"; ``internal_id`` is the plan's own id of the lot (``assignment.csv``,
    eForms BT-22)."""

    lot: Lot
    number: int

    @property
    def eforms_id(self) -> str:
        return f"LOT-{self.number:04d}"

    @property
    def internal_id(self) -> str:
        return self.lot.id

    @property
    def label(self) -> str:
        """What a map or a heading shows: ``"3"``."""
        return str(self.number)


def _natural_key(text: str) -> tuple:
    # "H2" before "H10": digit runs compare as numbers.
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.findall(r"\d+|\D+", text))


def numbered_lots(plan: LotPlan) -> list[LotNumber]:
    """Every lot of ``plan`` with its number, in the order every export lists the lots.

    A lot whose plan id is already an eForms id (``LOT-0007``) keeps that number; the
    other lots (ids edited by the planner, e.g. ``H1``, ``H2``, ``H10``) get the lowest
    free numbers in the natural order of their ids.  The list is sorted by number.

    >>> from lotsplit.synthetic import grid_scenario
    >>> import lotsplit
    >>> plan = lotsplit.optimize(grid_scenario(2, 2, 1, 3, seed=1))
    >>> [(n.eforms_id, n.internal_id) for n in numbered_lots(plan)][:1]
    [('LOT-0001', 'LOT-0001')]
    """
    kept: dict[int, Lot] = {}
    others: list[Lot] = []
    for lot in plan.lots:
        m = _LOT_ID.match(lot.id)
        n = int(m.group(1)) if m else 0
        if n >= 1 and n not in kept:
            kept[n] = lot
        else:
            others.append(lot)
    free = (k for k in itertools.count(1) if k not in kept)
    numbered = dict(kept)
    for lot in sorted(others, key=lambda l: _natural_key(l.id)):
        numbered[next(free)] = lot
    return [LotNumber(lot, n) for n, lot in sorted(numbered.items())]


def lot_numbers(plan: LotPlan) -> dict[str, LotNumber]:
    """:func:`numbered_lots` by the plan's lot id: ``lot_numbers(plan)["H1"].eforms_id``."""
    return {n.internal_id: n for n in numbered_lots(plan)}


@functools.lru_cache(maxsize=1)
def _dejavu_cmap() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(str(dejavu_fonts()[""])).getBestCmap())


def dejavu_fonts() -> dict[str, Path]:
    """DejaVu Sans as shipped with matplotlib (covers å ä ö æ ø), by style '', 'B', 'I'."""
    import matplotlib

    d = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return {"": d / "DejaVuSans.ttf", "B": d / "DejaVuSans-Bold.ttf", "I": d / "DejaVuSans-Oblique.ttf"}


def font_safe(s: str) -> str:
    """``s`` with every character DejaVu Sans cannot draw (emoji) replaced by "?": for the
    static maps and the PDF, where a missing glyph would be an empty box or nothing."""
    cmap = _dejavu_cmap()
    return "".join(ch if ord(ch) in cmap or ch in "\n\t" else "?" for ch in str(s))


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- numbers

def money(x: float, currency: str, lang: str, *, decimals: int = 0) -> str:
    """``1234567`` -> ``1 234 567 SEK`` (sv), ``1.234.567 DKK`` (da), ``1,234,567 SEK`` (en)."""
    return f"{number(x, lang, decimals=decimals)} {currency}"


def number(x: float, lang: str, *, decimals: int = 0) -> str:
    s = f"{x:,.{decimals}f}"
    if lang == "sv":
        return s.replace(",", "\u00a0").replace(".", ",")
    if lang == "da":
        return s.replace(",", "\u0001").replace(".", ",").replace("\u0001", ".")
    return s


def millions(x: float, currency: str, lang: str) -> str:
    """Compact money for map legends: ``32,6 MSEK`` / ``32,6 mio. DKK`` / ``32.6 M SEK``."""
    v = number(x / 1e6, lang, decimals=1)
    return {"sv": f"{v} M{currency}", "da": f"{v} mio. {currency}"}.get(lang, f"{v} M {currency}")


def percent(x: float, lang: str, *, decimals: int = 0) -> str:
    v = number(100 * x, lang, decimals=decimals)
    return f"{v}\u00a0%" if lang in ("sv", "da") else f"{v}%"


# --------------------------------------------------------------------------- lots in words

def group_names(plan: LotPlan, lot: Lot) -> list[str]:
    return [str(plan.scenario.groups.loc[g, "name"]) for g in lot.groups]


def area_names(plan: LotPlan, lot: Lot) -> list[str]:
    return [str(plan.scenario.areas.loc[a, "name"]) for a in lot.areas]


def supplier_names(plan: LotPlan, ids) -> list[str]:
    return [str(plan.scenario.suppliers.loc[s, "name"]) for s in ids]


def local_eligible(plan: LotPlan, lot: Lot) -> list[str]:
    sup = plan.scenario.suppliers
    return [s for s in lot.eligible if bool(sup.loc[s, "local"])]


def lot_title(plan: LotPlan, lot: Lot, lang: str) -> str:
    """``Mejeriprodukter – Vansbro, Gagnef`` (long area lists are shortened; the
    description lists them all)."""
    groups = " + ".join(group_names(plan, lot))
    names = area_names(plan, lot)
    if len(names) <= 3:
        where = ", ".join(names)
    else:
        where = text(lang, "areas_short", first=", ".join(names[:2]), n=len(names))
    return f"{groups} – {where}"


def lot_nuts(plan: LotPlan, lot: Lot) -> list[str]:
    codes = plan.scenario.areas.loc[list(lot.areas), "nuts3"]
    return sorted({str(c) for c in codes if str(c)})


def lot_cpv(plan: LotPlan, lot: Lot) -> list[str]:
    """Distinct CPV codes of the lot's groups, in group order (the first is the main one)."""
    out: list[str] = []
    for g in lot.groups:
        c = str(plan.scenario.groups.loc[g, "cpv"])
        if c not in out:
            out.append(c)
    return out


def lot_nature(plan: LotPlan, lot: Lot) -> str:
    """Contract nature of the lot: that of its groups with the largest value."""
    s = plan.scenario
    by = s.demand.loc[list(lot.areas), list(lot.groups)].sum(axis=0).groupby(s.groups.loc[list(lot.groups), "nature"]).sum()
    return str(by.idxmax()) if len(by) and by.max() > 0 else str(s.groups.loc[lot.groups[0], "nature"])


def lot_regime(plan: LotPlan, lot: Lot) -> str:
    """Procedure regime of one lot: with lots awarded together the aggregate value decides
    (Dir. 2014/24/EU art. 5(10)), so a lot follows the whole unless it is exempted."""
    if lot.exempt:
        return "small-lots exemption (national procedure)"
    return str(plan.metrics["regime"])


# --------------------------------------------------------------------------- map panels

@dataclass(frozen=True)
class Panel:
    """One map of the plan: the product groups it shows and, for each area, the lots
    serving it for those groups (one lot per area when the panel is one group's map)."""

    groups: tuple[str, ...]
    area_lots: dict[str, tuple[str, ...]]

    def title(self, plan: LotPlan) -> str:
        return " + ".join(str(plan.scenario.groups.loc[g, "name"]) for g in self.groups)


def panels(plan: LotPlan) -> list[Panel]:
    """The maps a plan needs.

    When every product group is divided into the same areas, one map shows the plan (an
    area may then carry several lots, one per bundle of groups).  Otherwise there is one
    map per set of groups that share exactly the same lots (small multiples).
    """
    s = plan.scenario
    lots_of_group: dict[str, list[Lot]] = {g: [] for g in s.groups.index}
    for lot in plan.lots:
        for g in lot.groups:
            lots_of_group[g].append(lot)
    groups = [g for g in s.groups.index if lots_of_group[g]]
    partitions = {g: frozenset(frozenset(l.areas) for l in lots_of_group[g]) for g in groups}
    if len(set(partitions.values())) <= 1:
        area_lots = {a: tuple(l.id for l in plan.lots if a in l.areas) for a in s.areas.index}
        return [Panel(tuple(groups), area_lots)]
    by_lotset: dict[tuple[str, ...], list[str]] = {}
    for g in groups:
        by_lotset.setdefault(tuple(l.id for l in lots_of_group[g]), []).append(g)
    out = []
    for lot_ids, gs in by_lotset.items():
        area_lots = {a: tuple(l.id for l in plan.lots if l.id in lot_ids and a in l.areas) for a in s.areas.index}
        out.append(Panel(tuple(gs), area_lots))
    return out


def dissolved(plan: LotPlan, areas) -> shapely.Geometry:
    geoms = plan.scenario.areas.geometry.loc[list(areas)].to_numpy()
    return shapely.union_all(geoms)


def has_geometry(plan: LotPlan) -> bool:
    a = plan.scenario.areas
    return hasattr(a, "geometry") and "geometry" in a.columns and a.crs is not None and not a.geometry.isna().any()
