"""Figures of a strategy comparison (one PNG with four panels)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from ..results import atomic_write
from .colours import play_colours
from .compare import Comparison
from .registry import CAUSE_COLOURS

__all__ = ["plot_comparison"]

#: Channels shown in the attribution panel and their colours (from the registry).
_CHANNEL_COLOURS = {c.name.lower(): colour for c, colour in CAUSE_COLOURS.items()}
_CHANNELS = tuple(_CHANNEL_COLOURS)


def plot_comparison(comp: Comparison, path, title: str = "") -> Path:
    """Adoption curves with 95 % bands, ROI and CAC with intervals, cumulative spend, and
    customers gained by true cause vs by channel code. Returns the path written."""
    path = Path(path)
    plays = comp.plays
    colour = play_colours(plays)  # fixed per play across every figure
    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    ax, bx, cx, dx = axes.ravel()

    per = 1.0 / comp.ratio  # the sample's counts and money, stated for the real market
    for p in plays:
        cust = per * np.array([r.customers for r in comp.runs[p]], dtype=np.float64)
        t = np.arange(cust.shape[1])
        lo, hi = np.percentile(cust, [2.5, 97.5], axis=0)
        ax.fill_between(t, lo, hi, color=colour[p], alpha=0.15, lw=0)
        ax.plot(t, cust.mean(axis=0), color=colour[p], lw=2, label=p)
    ax.set(xlabel="day", ylabel="customers", title="Customers (mean, 2.5–97.5 % of runs)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")

    s = comp.summary().set_index("play")
    paid = [p for p in plays if np.isfinite(s.loc[p, "roi"])]
    x = np.arange(len(paid))
    if paid:
        roi = s.loc[paid, "roi"].to_numpy()
        err = np.abs(np.vstack([roi - s.loc[paid, "roi_low"], s.loc[paid, "roi_high"] - roi]))
        brand = "brand_roi" in s.columns
        w = 0.3 if brand else 0.4
        bx.bar(x - 0.2, roi, w, yerr=err, capsize=4, color=[colour[p] for p in paid],
               label="true incremental ROI")  # fmt: skip
        if brand:  # what the brand's channel codes say, beside the truth
            bx.bar(x - 0.2 + w, s.loc[paid, "brand_roi"].to_numpy(), w * 0.8, fill=False,
                   hatch="///", edgecolor=[colour[p] for p in paid],
                   label="brand ROI (channel codes)")  # fmt: skip
            bx.legend(fontsize=7, loc="upper right")
        bx.axhline(0, color="black", lw=0.8)
        bx.set_ylabel("ROI (bars)")
        bx2 = bx.twinx()
        cac = s.loc[paid, "cac"].to_numpy()
        ok = np.isfinite(cac)
        cerr = np.abs(np.vstack([cac - s.loc[paid, "cac_low"], s.loc[paid, "cac_high"] - cac]))[
            :, ok
        ]
        bx2.errorbar(x[ok] + 0.35, cac[ok], yerr=cerr, fmt="D", color="black", capsize=4)
        bx2.set_ylabel("incremental CAC, CNY per customer (diamonds)")
        bx.set_xticks(x, paid)
    bx.set_title("Return and cost per customer vs no action (95 % CI)")
    bx.grid(alpha=0.3, axis="y")

    for p in plays:
        spend = per * np.mean([np.cumsum(r.spend.sum(axis=1)) for r in comp.runs[p]], axis=0)
        cx.plot(np.arange(spend.size), spend, color=colour[p], lw=2, label=p)
    cx.axhline(comp.budget, color="black", ls="--", lw=0.8, label="budget")
    cx.set(xlabel="day", ylabel="CNY", title="Cumulative spend (mean)")
    cx.grid(alpha=0.3)
    # below the axis: inside, it covered the budget line and the spend curves near it
    cx.legend(fontsize=8, ncol=6, loc="upper center", bbox_to_anchor=(0.5, -0.16),
              frameon=False)  # fmt: skip

    causes = comp.causes()
    width = 0.38
    shown = set()
    for k, p in enumerate(plays):
        for j, kind in enumerate(("true cause", "channel code")):
            d = causes[(causes["play"] == p) & (causes["attribution"] == kind)]
            d = d.set_index("channel")["customers"]
            bottom = 0.0
            for ch in _CHANNELS:
                v = float(d.get(ch, 0.0))
                if ch == "none" and kind == "true cause":
                    continue
                if v <= 0:
                    continue
                lab = (ch if ch != "none" else "untracked (no code)") if ch not in shown else None
                shown.add(ch)
                x = k + (j - 0.5) * width
                dx.bar(x, v, width * 0.95, bottom=bottom, color=_CHANNEL_COLOURS[ch], label=lab,
                       edgecolor="white", lw=0.3)  # fmt: skip
                bottom += v
        if "brand_roi" in s.columns and np.isfinite(s.loc[p, "roi"]):  # the gap is the lesson
            dx.annotate(f"ROI {s.loc[p, 'roi']:.2f}\ncodes {s.loc[p, 'brand_roi']:.2f}",
                        (k, bottom), xytext=(0, 3), textcoords="offset points", ha="center",
                        va="bottom", fontsize=7)  # fmt: skip
    lo, hi = dx.get_ylim()
    dx.set_ylim(lo, hi * 1.15)  # room for the ROI labels above the bars
    dx.set_xticks(np.arange(len(plays)), [f"{p}\ntrue | code" for p in plays], fontsize=8)
    dx.set(
        ylabel="customers (mean)",
        title="Customers by true cause (left) vs channel code (right); true ROI vs codes' ROI",
    )
    # below the axis, not inside: inside it covered the first plays' bars and ROI labels
    dx.legend(fontsize=7, ncol=6, loc="upper center", bbox_to_anchor=(0.5, -0.16),
              frameon=False)  # fmt: skip
    dx.grid(alpha=0.3, axis="y")

    if title:
        fig.suptitle(title)
    fig.tight_layout()
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)
    return path
