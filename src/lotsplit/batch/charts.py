"""Files and charts shared by ``compare``, ``sweep`` and ``batch``: a workbook of plain
sheets (no formulas: every string is text), and the headline charts.

Every chart has a title, axis labels with units and the currency.

>>> import pandas as pd, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> write_xlsx(d / "t.xlsx", {"runs": pd.DataFrame({"a": ["=1+1"]})})
>>> pd.read_excel(d / "t.xlsx")["a"].tolist()
['=1+1']
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd


def fmt_value(v) -> str:
    """A parameter value as written: ``40000.0`` -> ``40000``, lists in brackets."""
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(fmt_value(x) for x in v) + "]"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def lots_sheet(parts: list[pd.DataFrame]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame()
    df = pd.concat(parts, ignore_index=True)
    first = [c for c in ("scenario", "plan_id") if c in df.columns]
    return df[first + [c for c in df.columns if c not in first]]


PERCENT_KEYS = ("share", "split_helps", "chosen_optimal", "chosen_breaks_rules", "no_bid", "gap")
MONEY_KEYS = ("cost", "value", "objective")
HEADER_WIDTH = 18
PAGE_WIDTH = 220
"""Characters of column width that still read well fitted to one landscape A4 page."""
COUNT_KEYS = ("expected_bids", "lots_without_bid", "lots_at_risk_mean", "mean_propensity", "mean_demand_factor")


def number_format(key: str) -> str | None:
    """The Excel number format of a table column by its key: percentages for shares and
    chances, whole numbers with a thousands separator for money, two decimals for expected
    counts and mean factors, none otherwise."""
    k = str(key)
    if any(p in k for p in PERCENT_KEYS) and "lots_without" not in k:
        return "0.0%"
    if any(m in k for m in MONEY_KEYS):
        return "#,##0"
    if any(c in k for c in COUNT_KEYS):
        return "0.00"
    return None


def write_xlsx(path: Path, sheets: dict[str, pd.DataFrame], *, keys: dict[str, list[str]] | None = None) -> None:
    """One sheet per table, widths fitted to the values (long headers wrap), header row
    frozen, printed landscape on A4 fitted to the page width with the header repeated; strings stay strings (never formulas).
    ``keys``: per sheet, each column's key (for its number format, see :func:`number_format`;
    default: the headers themselves)."""
    with pd.ExcelWriter(path, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xw:
        formats: dict[str, object] = {}
        head = xw.book.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1})
        for name, df in sheets.items():
            df.to_excel(xw, sheet_name=name, index=False)
            ws = xw.sheets[name]
            col_keys = (keys or {}).get(name) or list(df.columns)
            lines, total = 1, 0
            for i, col in enumerate(df.columns):
                longest = max((max(len(part) for part in str(x).splitlines() or [""]) for x in df.iloc[:, i]),
                              default=0)
                # a long header wraps (at most HEADER_WIDTH wide) instead of widening its column
                width = min(60, max(8, longest + 2, min(HEADER_WIDTH, len(str(col)) + 2)))
                lines = max(lines, -(-len(str(col)) // max(1, int(width) - 2)))
                fmt = number_format(col_keys[i]) if i < len(col_keys) else None
                if fmt and fmt not in formats:
                    formats[fmt] = xw.book.add_format({"num_format": fmt})
                ws.set_column(i, i, width, formats.get(fmt) if fmt else None)
                total += width
                ws.write_string(0, i, str(col), head)
            ws.set_row(0, 15 * min(lines + 1, 8))
            ws.freeze_panes(1, 0)
            ws.set_landscape()
            ws.set_paper(9)
            if total <= PAGE_WIDTH:
                ws.fit_to_pages(1, 0)
            else:                       # a wide table: pages side by side at 70 %, its first column on each
                ws.repeat_columns(0)
                ws.set_print_scale(70)
            ws.repeat_rows(0)


def save_figure(fig, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)


def figure(n: int, width: float = 12, height: float = 4):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(1, n, figsize=(width, height))


def _metrics(lang: str, currency: str) -> list[tuple[str, str, float]]:
    """The three headline metrics of the compare and sweep charts: column, name, scale."""
    from lotsplit.batch import texts as T

    return [("admin_cost", T.word(lang, "m_admin", cur=currency), 1.0),
            ("local_share", T.word(lang, "m_share"), 100.0), ("n_lots", T.word(lang, "m_lots"), 1.0)]


def bar_chart(table: pd.DataFrame, label: str, title: str, *, currency: str = "", lang: str = "en"):
    """Horizontal bars, one row per scenario (long names wrap), three metrics side by side."""
    import textwrap

    from matplotlib.ticker import FuncFormatter, MaxNLocator

    n = len(table)
    fig, axes = figure(3, width=13, height=1.2 + 0.55 * max(n, 2))
    ok = table["n_lots"].notna().to_numpy()
    labels = ["\n".join(textwrap.wrap(str(x), 38)) for x in table[label]]
    metrics = [(*m, fmt) for m, fmt in zip(_metrics(lang, currency), ("{:,.0f}", "{:.1f}", "{:.0f}"))]
    ys = np.arange(n)[::-1]
    for k, (ax, (col, name, scale, fmt)) in enumerate(zip(axes, metrics)):
        vals = [float(v) * scale if good else 0.0 for v, good in zip(table[col].fillna(0), ok)]
        ax.barh(ys, vals, color=["tab:blue" if good else "lightgrey" for good in ok])
        top = max(vals + [1e-9])
        for y, v, good, st in zip(ys, vals, ok, table["status"]):
            text = fmt.format(v).replace(",", " ") if good else str(st)
            if good and lang != "en":
                text = text.replace(".", ",")
            ax.text(v + 0.01 * top, y, text, va="center", fontsize=7)
        ax.set_xlim(0, top * 1.25)
        ax.xaxis.set_major_locator(MaxNLocator(4, integer=col == "n_lots"))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}".replace(",", " ")))
        ax.set_yticks(ys)
        ax.set_yticklabels(labels if k == 0 else [""] * n, fontsize=7)
        ax.set_title(name, fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def sweep_chart(table: pd.DataFrame, params: list[str], *, currency: str = "", lang: str = "en"):
    """One panel per headline metric against the first parameter (one line per value of
    the others); each point labelled with the id of the plan chosen."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    fig, axes = figure(3, height=4.2)
    x = params[0]
    others = params[1:]
    groups = [((), table)] if not others else list(table.groupby(others, sort=False))
    for ax, (col, name, scale) in zip(axes, _metrics(lang, currency)):
        for key, part in groups[:8]:
            key = key if isinstance(key, tuple) else (key,)
            lab = ", ".join(f"{p}={fmt_value(v)}" for p, v in zip(others, key)) or None
            xs = part[x].to_numpy()
            ys = pd.to_numeric(part[col], errors="coerce").to_numpy() * scale
            numeric = all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in xs)
            ax.plot(xs if numeric else range(len(xs)), ys, "o-", label=lab, ms=4)
            if not numeric:
                ax.set_xticks(range(len(xs)))
                ax.set_xticklabels([str(v) for v in xs], fontsize=7)
            for xv, yv, pid in zip(xs if numeric else range(len(xs)), ys, part["plan_id"]):
                if pid and not (isinstance(yv, float) and math.isnan(yv)):
                    ax.annotate(pid, (xv, yv), textcoords="offset points", xytext=(0, 5), fontsize=6, ha="center")
        ax.set_xlabel(x + (f" ({currency})" if x.startswith("costs.") and currency else ""), fontsize=8)
        ax.set_title(name, fontsize=9)
        ax.yaxis.set_major_locator(MaxNLocator(integer=col == "n_lots"))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}".replace(",", " ") if abs(v) >= 1000
                                                   else f"{v:g}"))
        ax.grid(alpha=0.3)
        if others and len(groups) > 1:
            ax.legend(fontsize=6)
    from lotsplit.batch import texts as T

    fig.suptitle(T.word(lang, "sw_title"), fontsize=10)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- batch charts

def _money_axis(ax, axis: str = "x") -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    a = ax.xaxis if axis == "x" else ax.yaxis
    a.set_major_locator(MaxNLocator(4))
    ax.tick_params(axis=axis, labelsize=7)
    a.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}".replace(",", " ").replace("-", "−")))


def uncertainty_chart(runs: pd.DataFrame, *, lang: str, currency: str, title: str, chosen_lots: int | None,
                      chosen_id: str = "", robust_id: str = ""):
    """Four panels for one scenario's samples: the chosen plan's local share against the
    single lot's, its net cost against the single lot's, the chance that some lot gets no
    bid, and how often each plan is optimal."""
    from matplotlib.ticker import MaxNLocator

    from lotsplit.batch import texts as T

    s = runs[runs["kind"] == "sample"]
    ev = s[s["chosen_local_share"].notna()]
    fig, axes = figure(4, width=16, height=4.4)
    chosen_label = T.word(lang, "chart_chosen", n=chosen_lots if chosen_lots is not None else "?")
    single_label = T.word(lang, "chart_single")

    def hist(ax, a, b, scale, xlabel, ttl, money=False):
        vals = [pd.to_numeric(x, errors="coerce").dropna().to_numpy() * scale for x in (a, b) if x is not None]
        both = np.concatenate(vals) if vals else np.array([0.0])
        lo, hi = float(both.min()), float(both.max())
        if hi - lo < 1e-9:
            lo, hi = lo - 0.5 * max(abs(lo) * 0.01, 1), hi + 0.5 * max(abs(hi) * 0.01, 1)
        bins = np.linspace(lo, hi, 25)
        ax.hist(vals[0], bins=bins, alpha=0.75, color="tab:blue", label=chosen_label)
        if len(vals) > 1:
            ax.hist(vals[1], bins=bins, alpha=0.55, color="tab:orange", label=single_label)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_ylabel(T.word(lang, "chart_count_y"), fontsize=8)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(ttl, fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
        if money:
            _money_axis(ax)

    hist(axes[0], ev["chosen_local_share"], ev["single_lot_local_share"], 100.0, T.word(lang, "chart_share_x"),
         T.word(lang, "chart_share_panel", n=len(ev)))
    hist(axes[1], ev["chosen_net_cost"], ev["single_lot_net_cost"], 1.0, T.word(lang, "chart_cost_x", cur=currency),
         T.word(lang, "chart_cost_title", cur=currency), money=True)
    hist(axes[2], ev["chosen_no_bid_any"], None, 100.0, T.word(lang, "chart_nobid_x"),
         T.word(lang, "chart_nobid_title"))
    solved = s[s["plan_id"].astype(str) != ""]
    counts = solved["plan_id"].value_counts().sort_index()
    ax = axes[3]
    if len(counts):
        shown = counts.iloc[:12]
        ys = np.arange(len(shown))[::-1]
        colours = ["tab:blue" if p == chosen_id else "tab:grey" for p in shown.index]
        ax.barh(ys, shown.to_numpy() / len(solved) * 100, color=colours)
        labels = []
        for p in shown.index:
            marks = [T.word(lang, "chart_chosen_mark")] if p == chosen_id else []
            marks += [T.word(lang, "chart_robust_mark")] if p == robust_id else []
            labels.append(p + (f" ({', '.join(marks)})" if marks else ""))
        ax.set_yticks(ys)
        ax.set_yticklabels(labels, fontsize=7)
    ax.set_xlabel(T.word(lang, "chart_plans_x"), fontsize=8)
    ax.set_title(T.word(lang, "chart_plans_title"), fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def batch_chart(scenarios: pd.DataFrame, *, lang: str, currency: str):
    """Across scenarios: how the chosen plans' local shares are spread against the single
    lots', the number of lots, and the net cost of the plan minus the single lot's."""
    from lotsplit.batch import texts as T

    ok = scenarios[scenarios["local_share"].notna()]
    fig, axes = figure(3, width=15, height=4.6)
    ax = axes[0]
    x = pd.to_numeric(ok["single_lot_local_share"], errors="coerce").dropna() * 100
    y = pd.to_numeric(ok["local_share"], errors="coerce").dropna() * 100
    bins = np.linspace(0, max(1.0, float(max(x.max() if len(x) else 0, y.max() if len(y) else 0))) * 1.02, 30)
    ax.hist(x, bins=bins, color="tab:orange", alpha=0.7, label=T.word(lang, "chart_single"))
    ax.hist(y, bins=bins, color="tab:blue", alpha=0.7, label=T.word(lang, "chart_batch_share_y").replace(" (%)", ""))
    ax.set_xlabel(T.word(lang, "chart_batch_share"), fontsize=8)
    ax.set_ylabel(T.word(lang, "chart_batch_scenarios"), fontsize=8)
    ax.set_title(T.word(lang, "chart_batch_share"), fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    ax = axes[1]
    lots = pd.to_numeric(ok["n_lots"], errors="coerce").dropna().astype(int)
    if len(lots):
        ax.hist(lots, bins=np.arange(lots.min() - 0.5, lots.max() + 1.5, 1.0), color="tab:blue")
        if lots.max() - lots.min() <= 15:
            ax.set_xticks(range(int(lots.min()), int(lots.max()) + 1))
        else:
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(T.word(lang, "chart_batch_lots"), fontsize=8)
    ax.set_ylabel(T.word(lang, "chart_batch_scenarios"), fontsize=8)
    ax.set_title(T.word(lang, "chart_batch_lots"), fontsize=9)
    ax.grid(alpha=0.3)
    ax = axes[2]
    diff = (pd.to_numeric(ok["net_cost"], errors="coerce") - pd.to_numeric(ok["single_lot_net_cost"],
                                                                         errors="coerce")).dropna()
    if len(diff):
        lo, hi = float(diff.min()), float(diff.max())
        pad = max(1000.0, 0.1 * abs(lo)) if hi - lo < 1 else 0.0        # one value: a bar with room around it
        ax.hist(diff, bins=np.linspace(lo - pad, hi + pad, 31), color="tab:green")
    ax.set_xlabel(T.word(lang, "chart_batch_saving", cur=currency), fontsize=8)
    ax.set_ylabel(T.word(lang, "chart_batch_scenarios"), fontsize=8)
    ax.set_title(T.word(lang, "chart_batch_saving", cur=currency), fontsize=9)
    _money_axis(ax)
    ax.grid(alpha=0.3)
    from matplotlib.ticker import MaxNLocator

    for ax in axes:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(T.word(lang, "chart_batch_title", n=len(ok)), fontsize=10)
    fig.tight_layout()
    return fig


def band_chart(scenarios: pd.DataFrame, *, lang: str):
    """Per scenario with samples: the 5–95 % range and the mean of the chosen plan's
    local share, against the single lot's (scenarios ordered by the mean)."""
    from lotsplit.batch import texts as T

    df = scenarios[scenarios["local_share_mean"].notna()].sort_values("local_share_mean").reset_index(drop=True)
    fig, axes = figure(1, width=12, height=4.6)
    ax = axes
    xs = np.arange(len(df))
    ax.fill_between(xs, df["local_share_p5"] * 100, df["local_share_p95"] * 100, color="tab:blue", alpha=0.25,
                    label="5–95 %")
    ax.plot(xs, df["local_share_mean"] * 100, color="tab:blue", lw=1.2, label=T.word(lang, "chart_chosen", n="…"))
    ax.plot(xs, df["single_lot_local_share"] * 100, color="tab:orange", lw=0.8, ls="--",
            label=T.word(lang, "chart_single"))
    if len(df) <= 30:
        ax.set_xticks(xs)
        ax.set_xticklabels(df["label"], rotation=60, ha="right", fontsize=6)
    ax.set_xlabel(T.word(lang, "chart_band_x"), fontsize=8)
    ax.set_ylabel(T.word(lang, "chart_share_x"), fontsize=8)
    ax.set_title(T.word(lang, "chart_band_title"), fontsize=10)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
