"""The frontier in words and as a chart, in the scenario's language: ``summary.txt``
(:func:`describe`), ``frontier.png`` (:func:`plot`) and each baseline's verdict
(:func:`verdict`).  :class:`lotsplit.frontier.Frontier` and :mod:`lotsplit.frontier.baselines`
delegate their display text here; the numbers are theirs.

>>> from lotsplit.synthetic import grid_scenario
>>> from lotsplit.frontier import frontier
>>> f = frontier(grid_scenario(2, 2, 2, 4, seed=1), points=None)
>>> describe(f).splitlines()[0].startswith("Exact Pareto frontier of grid")
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lotsplit.export import common as C
from lotsplit.export import document as D
from lotsplit.export.texts import has_text, ntext, text, word

if TYPE_CHECKING:
    from lotsplit.frontier import Frontier
    from lotsplit.plan import LotPlan

_MARKERS = {"single-lot": "s", "per-group": "D", "per-area-group": "^"}
_LEGACY_COLOURS = ["tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan"]


def _lang(f: Frontier) -> str:
    return f.scenario.config.language


def headline(f: Frontier) -> str:
    """``Exakt Paretofront`` / ``Exact Pareto frontier`` … (as :meth:`Frontier.headline`)."""
    lang = _lang(f)
    if f.exact:
        return text(lang, "fr_headline_exact_sampled" if f.sampled else "fr_headline_exact")
    if all(p.status.value == "optimal" for p in f.points):
        return text(lang, "fr_headline_sampled")
    return text(lang, "fr_headline_unproven")


def baseline_name(b, lang: str) -> str:
    """A standard baseline's name in ``lang`` (``ett delkontrakt per tjänst``); a legacy
    plan keeps the name it was given."""
    key = f"bl_{b.key}"
    if not has_text(key):
        return b.name
    nature = b.plan.scenario.main_nature
    kind = word(lang, f"kind_{nature}", 1)
    if lang == "en" and nature == "supplies":
        kind = "group" if b.key == "per-area-group" else "product group"
    return text(lang, key, kind=kind)


def _share(x: float, lang: str) -> str:
    return C.percent(x, lang, decimals=1)


def verdict(plan: LotPlan, frontier: Frontier) -> str:
    """Where a plan stands relative to the frontier, in words."""
    s = frontier.scenario
    lang = s.config.language
    cur = s.currency
    c, l = plan.metrics["net_cost"], plan.metrics["local_share"]
    tol = 1e-7 * max(1.0, abs(c))
    broken = ""
    if plan.violations:
        n = len(plan.violations)
        from lotsplit.export.memo import violation_text

        broken = ntext(lang, "v_breaks", n, first=violation_text(plan, plan.violations[0]),
                       more="; …" if n > 1 else "")
    if not frontier.points:
        return broken or text(lang, "v_no_frontier")
    at_least = text(lang, "v_at_least") if not frontier.exact else ""
    cost_here = frontier.cost_at(l)
    local_here = frontier.local_at(c)
    if cost_here is None:
        part = text(lang, "v_beyond_share", share=_share(l, lang),
                    incomplete="" if plan.violations else text(lang, "v_incomplete"))
    elif c < cost_here - tol and (local_here is None or local_here <= l + 1e-9):
        part = text(lang, "v_beyond", why=text(lang, "v_beyond_rules" if plan.violations else "v_beyond_unproven"))
    elif abs(c - cost_here) <= tol and (local_here is None or local_here <= l + 1e-9):
        part = text(lang, "v_on")
    else:
        saving = c - cost_here
        more = (local_here - l) * 100 if local_here is not None else None
        if saving > tol:
            pct = text(lang, "v_pct", p=C.percent(saving / c, lang)) if c > 0 else ""
            part = text(lang, "v_inside_saving", share=_share(l, lang), at_least=at_least,
                        saving=D.amount(saving, cur, lang), pct=pct)
        else:
            part = text(lang, "v_inside_same")
        if more is not None and more > 1e-6:
            part += text(lang, "v_more", at_least=at_least, points=ntext(lang, "v_more_points", round(more, 1)))
    return "; ".join(([broken] if broken else []) + [part])


def describe(f: Frontier) -> str:
    """A few lines in words: the ends, the price of local access, the baselines."""
    s = f.scenario
    lang = s.config.language
    cur = s.currency
    pts = f.points
    if not pts:
        return text(lang, "fr_none")
    lo, hi = pts[0], pts[-1]
    of = text(lang, "fr_of", found=f.found) if f.found > len(pts) else ""
    lines = [text(lang, "fr_head", headline=headline(f), name=s.name, points=ntext(lang, "fr_points", len(pts)), of=of,
                  mips=f.mips, cols=D.number(f.columns, lang), secs=D.number(f.seconds, lang, decimals=1))]
    for key, p in (("fr_cheapest", lo), ("fr_most_local", hi)):
        lines.append(text(lang, key, cost=D.amount(p.cost, cur, lang), share=_share(p.local_share, lang),
                          lots=ntext(lang, "n_lots", p.n_lots)))
    if hi.local_share > lo.local_share:
        avg = (hi.cost - lo.cost) / (100 * (hi.local_share - lo.local_share))
        lines.append(text(lang, "fr_avg", cost=D.amount(avg, cur, lang)))
    unproven = [(i, p) for i, p in enumerate(pts, 1) if p.status.value != "optimal"]
    if unproven:
        which = ", ".join(text(lang, "fr_gap", label=f"F{i:02d}", gap=gap_text(p.gap, lang)) for i, p in unproven)
        lines.append(text(lang, "fr_unproven", which=which))
    for b in f.baselines:
        m = b.plan.metrics
        lines.append(text(lang, "fr_baseline", name=baseline_name(b, lang), cost=D.amount(m["net_cost"], cur, lang),
                          share=_share(m["local_share"], lang), lots=ntext(lang, "n_lots", m["n_lots"]),
                          verdict=b.verdict))
    lines += [text(lang, "fr_note", note=note_text(n, lang)) for n in f.notes]
    return "\n".join(lines)


def note_text(note, lang: str) -> str:
    """A frontier :class:`~lotsplit.frontier.result.Note` in ``lang``."""
    kw = dict(note.params)
    for k in ("bound", "found", "share"):
        if isinstance(kw.get(k), float):
            kw[k] = _share(kw[k], lang)
    if "price" in kw:
        kw["price"] = D.number(kw["price"], lang)
    if "why" in kw:
        kw["why"] = text(lang, f"fr_why_{kw['why']}", cap=kw.pop("cap", ""))
    return text(lang, note.key, **kw)


def baseline_source(b, lang: str) -> str:
    """Where a baseline comes from, in ``lang``: a standard baseline, or a legacy plan (its file)."""
    if not b.key.startswith("legacy"):
        return text(lang, "fb_standard")
    return text(lang, "fb_legacy", file=f" ({b.file})" if b.file else "")


def gap_text(gap: float | None, lang: str) -> str:
    """A gap as a percentage in ``lang`` (``?`` when unknown)."""
    return "?" if gap is None else C.percent(gap, lang, decimals=1)


def plot(frontier: Frontier, ax=None, *, title: str | None = None):
    """Local share (x, %) vs net cost (y, currency over the contract: admin cost minus the
    value of competition), in the scenario's language.

    Frontier points are blue dots (hollow when a time limit stopped the proof), each
    labelled with its number of lots; the step line is the least net cost that reaches
    each local share.  Baselines are orange markers, legacy plans coloured stars; a plan
    that breaks a rule is hollow with a red edge.  A baseline far above the frontier is
    drawn on the top edge with an arrow and its cost in the legend, so the frontier keeps
    the height of the chart."""
    import matplotlib

    if ax is None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    s = frontier.scenario
    lang = s.config.language
    cur = s.currency
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 6.5))
    else:
        fig = ax.figure
    pts = frontier.points
    xs = [100 * p.local_share for p in pts]
    ys = [p.cost for p in pts]
    # Vertical room: the frontier, and baselines up to 1.6 times its height.
    base_ys = [b.plan.metrics["net_cost"] for b in frontier.baselines]
    top, bottom = max(ys + [0.0]), min(ys + [0.0])
    height = max(top - bottom, 1.0)
    room = max([top] + [y for y in base_ys if y <= top + 0.6 * height])
    floor = min([bottom] + [y for y in base_ys if y >= bottom - 0.6 * height])
    ylim = room + 0.12 * max(room - floor, 1.0)
    ybottom = floor - 0.05 * max(room - floor, 1.0) if floor < 0 else 0.0
    if pts:
        stairs = sorted(frontier.staircase or list(zip(ys, [p.local_share for p in pts])), key=lambda t: t[1])
        ax.step([100 * l for _, l in stairs], [c for c, _ in stairs], where="pre", color="tab:blue", lw=1,
                alpha=0.45, zorder=2,
                label=text(lang, "fp_step", found="" if frontier.exact else text(lang, "fp_found")))
        proven = [i for i, p in enumerate(pts) if p.status.value == "optimal"]
        other = [i for i, p in enumerate(pts) if p.status.value != "optimal"]
        ax.plot([xs[i] for i in proven], [ys[i] for i in proven], "o", color="tab:blue", ms=6, zorder=4,
                label=text(lang, "fp_proven"))
        if other:
            ax.plot([xs[i] for i in other], [ys[i] for i in other], "o", mfc="white", color="tab:blue", ms=6,
                    zorder=4, label=text(lang, "fp_unproven"))
        for x, y, p in zip(xs, ys, pts):
            ax.annotate(str(p.n_lots), (x, y), textcoords="offset points", xytext=(-3, 7), fontsize=8,
                        color="tab:blue", ha="right", zorder=5)
    legacy = 0
    for b in frontier.baselines:
        m = b.plan.metrics
        bad = bool(b.plan.violations)
        if b.key.startswith("legacy"):
            marker, colour, size = "*", _LEGACY_COLOURS[legacy % len(_LEGACY_COLOURS)], 15
            legacy += 1
        else:
            marker, colour, size = _MARKERS.get(b.key, "P"), "tab:orange", 10
        x, y = 100 * m["local_share"], m["net_cost"]
        label = baseline_name(b, lang) if m["n_lots"] == 1 else \
            text(lang, "fp_baseline", name=baseline_name(b, lang), lots=ntext(lang, "n_lots", m["n_lots"]))
        if bad:
            label += text(lang, "fp_breaks")
        if y > ylim:
            label += text(lang, "fp_off", cost=D.amount(y, cur, lang))
            span = ylim - ybottom
            ax.annotate("", (x, ylim - 0.005 * span), xytext=(x, ylim - 0.1 * span),
                        arrowprops=dict(arrowstyle="->", color=colour, lw=1.5), zorder=3)
            y = ylim - 0.1 * span
        ax.plot(x, y, marker, ms=size, mfc="white" if bad else colour, mec="tab:red" if bad else colour,
                mew=1.5, alpha=0.9, zorder=3, label=C.font_safe(label))
    ax.set_ylim(ybottom, ylim)
    lo_x = min(xs + [100 * b.plan.metrics["local_share"] for b in frontier.baselines] + [0.0])
    hi_x = max(xs + [100 * b.plan.metrics["local_share"] for b in frontier.baselines] + [1.0])
    pad = 0.04 * (hi_x - lo_x)
    ax.set_xlim(lo_x - pad, hi_x + pad)
    ax.set_xlabel(text(lang, "fp_x"))
    ax.set_ylabel(text(lang, "fp_y", c=cur))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: D.number(v, lang)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: D.number(v, lang, decimals=0 if v == int(v) else 1)))
    kind = headline(frontier)
    shown = (text(lang, "fp_shown_of", n=len(pts), found=frontier.found) if frontier.found > len(pts)
             else ntext(lang, "fp_shown", len(pts)))
    ax.set_title(C.font_safe(title or text(lang, "fp_title", name=s.name, kind=kind[:1].lower() + kind[1:],
                                           shown=shown)), fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", framealpha=0.9)
    fig.tight_layout()
    return fig
