"""The decision jobs behind the CLI: run, write the files and the plot, format a summary."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

__all__ = ["format_curves", "pct", "run_job"]


def run_job(spec, graph, out_dir, *, progress: bool = False, plot: bool = True):
    """Run ``spec.job`` (``curves``, ``optimize`` or ``calibrate``) into ``out_dir``.

    Returns ``(result, files, text)``: the job's result object, the files written and the
    summary printed by the command.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if spec.parallel is None:
        # Many short runs: the serial kernels (identical results) are faster on a busy machine
        # (measured 0.16-0.32 s vs 1.0-2.8 s per default-market run, docs/model.md §10).
        spec = replace(spec, parallel=False)
    if spec.market is not None and spec.market.value.long_horizon:
        # the continuation after the horizon (market.value.long_horizon) is for the compare
        # job's value columns; the decision jobs rank plays within the horizon
        value = replace(spec.market.value, long_horizon=0)
        spec = replace(spec, market=replace(spec.market, value=value))
    if spec.job == "curves":
        from .curves import plot_curves, run_curves

        result, files = run_curves(spec, graph, out_dir, progress=progress)
        files["summary"] = files["curves"]
        if plot:
            title = (
                f"{graph.name} · {spec.steps} days · {int(result.table['replications'].iloc[0])} "
                "replications per point (common random numbers)"
            )
            from ..plotting import changed_settings

            if changed_settings():
                title += f"\nsettings: {changed_settings()}"
            files["plot"] = plot_curves(result, out_dir / "curves.png", title)
        return result, files, format_curves(result, graph.name, spec.steps)
    if spec.job == "optimize":
        from .optimize import format_optimization, plot_optimization, run_optimize

        result, files = run_optimize(spec, graph, out_dir, progress=progress)
        files["summary"] = files["final"]
        if plot:
            from ..plotting import changed_settings

            note = f"\nsettings: {changed_settings()}" if changed_settings() else ""
            files["plot"] = plot_optimization(result, out_dir / "optimize.png", graph.name + note)
        return result, files, format_optimization(result, graph.name, spec.steps)
    if spec.job == "calibrate" and spec.calibrate.mode == "campaign":
        from .campaign import format_campaign, plot_campaign, run_calibrate_campaign

        result, files = run_calibrate_campaign(spec, graph, out_dir, progress=progress)
        files["summary"] = files["estimates"]
        if plot:
            files["plot"] = plot_campaign(result, out_dir / "calibration.png")
        return result, files, format_campaign(result)
    if spec.job == "calibrate":
        from .calibrate import format_calibration, plot_calibration, run_calibrate

        result, files = run_calibrate(spec, graph, out_dir, progress=progress)
        files["summary"] = files["estimates"]
        if plot:
            files["plot"] = plot_calibration(result, out_dir / "calibration.png")
        return result, files, format_calibration(result)
    if spec.job == "uncertainty":
        from .uncertainty import format_uncertainty, plot_tornado, run_uncertainty

        result, files = run_uncertainty(spec, graph, out_dir, progress=progress)
        files["summary"] = files["pooled"]
        if plot and len(result.sensitivity):
            files["plot"] = plot_tornado(result, out_dir / "tornado.png")
        return result, files, format_uncertainty(result)
    raise ValueError(spec.job)


def _ci(v, lo, hi, scale=1.0, digits=0) -> str:
    if not math.isfinite(v):
        return "—"

    def f(x):
        text = f"{x / scale:,.{digits}f}"
        return text[1:] if text.startswith("-") and text[1:].strip("0.,") == "" else text

    if not (math.isfinite(lo) and math.isfinite(hi)) or lo == hi:
        return f(v)
    return f"{f(v)} [{f(lo)}, {f(hi)}]"


def pct(share: float) -> str:
    """A share as a whole percentage, rounded down (89.6 % is "89%", below a 90 % flag)."""
    return "—" if not math.isfinite(share) else f"{math.floor(100 * share + 1e-9):.0f}%"


def format_curves(curves, graph_name: str, horizon: int) -> str:
    """The curves as a table per play, then one saturation line per play."""
    t = curves.table
    lines = [
        f"market: {graph_name}   horizon: {horizon} days   budget grid: "
        + ", ".join(f"{b:,.0f}" for b in sorted(set(t["budget"])))
        + f" CNY   replications: {int(t['replications'].iloc[0])} per point (paired)",
        "mean [95% CI]; increments over the baseline "
        f"'{curves.baseline}'; money in thousand CNY; mROI: from the previous budget",
        "",
    ]
    header = (
        "play",
        "budget k",
        "spent k",
        "spent",
        "incr customers",
        "incr profit k",
        "ROI",
        "mROI",
    )
    rows = []
    for _, r in t.iterrows():
        rows.append(
            (
                r["play"],
                f"{r['budget'] / 1e3:,.0f}",
                _ci(r["spend"], r["spend_low"], r["spend_high"], 1e3),
                pct(r["spent_share"]),
                _ci(r["incr_customers"], r["incr_customers_low"], r["incr_customers_high"]),
                _ci(r["incr_profit"], r["incr_profit_low"], r["incr_profit_high"], 1e3),
                _ci(r["roi"], r["roi_low"], r["roi_high"], 1.0, 2),
                _ci(r["mroi"], r["mroi_low"], r["mroi_high"], 1.0, 2),
            )
        )
    widths = [max(len(h), *(len(row[k]) for row in rows)) for k, h in enumerate(header)]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    lines.append("")
    for _, r in curves.saturation().iterrows():
        if math.isfinite(r["saturation_budget"]):
            lines.append(
                f"{r['play']}: saturates at {r['saturation_budget']:,.0f} CNY "
                f"({r['saturation_reason']})"
            )
        else:
            lines.append(f"{r['play']}: not saturated on the grid")
    lines.append("unspent budget is kept by the brand: profit and ROI count only money spent")
    return "\n".join(lines)
