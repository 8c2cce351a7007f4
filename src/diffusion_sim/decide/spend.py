"""Budget absorption: how much of its budget a play actually spent.

A strategy spends only what its audience absorbs (VIP perks for the members it has, coupons
that are redeemed, referral rewards for successful referrals …). Money that is not spent is
**kept by the brand**: ``profit = gross profit - spend - service cost`` counts only money
spent, and ROI divides by money spent, so a play that spent 8 % of its budget is judged on
that 8 %. Plays below :data:`UNDERSPENT` of their budget are flagged in every output of the
comparison.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..market.compare import Comparison

__all__ = ["UNDERSPENT", "UNSPENT_NOTE", "spend_columns", "underspent_line"]

#: A play that spent less than this share of its budget is flagged (issue 10).
UNDERSPENT = 0.9

#: What happens to money a play did not spend (consistent with how profit is computed).
UNSPENT_NOTE = "unspent budget is kept by the brand: profit and ROI count only money spent"


def spend_columns(summary: pd.DataFrame, comp: Comparison, threshold: float = UNDERSPENT):
    """``summary`` with ``budget`` (CNY allotted to the play), ``spent_share`` (mean spend /
    budget, NaN without budget) and ``underspent`` (spent_share < ``threshold``) after
    ``spend_high``; budgets are read from the runs of ``comp``."""
    s = summary.copy()
    budget = np.array(
        [float(comp.runs[p][0].budget.sum()) if p in comp.runs else math.nan for p in s["play"]]
    ) / getattr(comp, "ratio", 1.0)  # the sample's budgets, stated for the real market
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(budget > 0, s["spend"].to_numpy(dtype=np.float64) / budget, math.nan)
    at = list(s.columns).index("spend_high") + 1 if "spend_high" in s.columns else len(s.columns)
    s.insert(at, "budget", budget)
    s.insert(at + 1, "spent_share", share)
    s.insert(at + 2, "underspent", np.nan_to_num(share, nan=1.0) < threshold)
    return s


def underspent_line(summary: pd.DataFrame, threshold: float = UNDERSPENT) -> str | None:
    """One line naming the plays that spent less than ``threshold`` of their budget (None if
    there are none); ``summary`` must have the columns of :func:`spend_columns`."""
    low = summary[summary["underspent"]]
    if low.empty:
        return None
    items = ", ".join(
        f"{r['play']} {math.floor(100 * r['spent_share'] + 1e-9):.0f}%" for _, r in low.iterrows()
    )
    return f"spent less than {100 * threshold:.0f}% of their budget: {items} ({UNSPENT_NOTE})"
