"""The shareable report of a strategist run: one self-contained HTML file.

It holds the comparison table and verdict (or a decision job's summary), every figure of the
run (embedded as PNG data), the assumptions (each market parameter with its value, source
label, note and range), the composed ``config.yaml`` and the exact command that reproduces
the run. :func:`bundle` zips it with the run's CSV files.
"""

from __future__ import annotations

import base64
import html
import io
import zipfile
from pathlib import Path

import pandas as pd

from .sources import Param

__all__ = ["bundle", "result_view", "write_report"]


def result_view(out_dir: Path) -> dict:
    """What the page and the report show of a finished run in ``out_dir``: ``kind``
    (``compare`` or the decision job), ``header``/``rows`` (the table as formatted cells),
    ``verdict`` (lines), ``figures`` (PNG paths) and ``csvs`` (paths)."""
    from ..cli import comparison_table, verdict_lines

    out_dir = Path(out_dir)
    figures = sorted(out_dir.glob("*.png"))
    csvs = sorted(out_dir.glob("*.csv"))
    view = {"figures": figures, "csvs": csvs, "header": (), "rows": [], "verdict": []}
    summary = out_dir / "summary.csv"
    if (out_dir / "comparison.png").exists() or (
        summary.exists() and "p_best" in pd.read_csv(summary, nrows=0).columns
    ):
        s = pd.read_csv(summary)
        view["kind"] = "compare"
        view["header"], view["rows"] = comparison_table(s)
        view["verdict"] = verdict_lines(s)
        view["plays"] = list(s["play"])
    else:
        view["kind"] = "decision"
        view["plays"] = []
    return view


def _table_html(header, rows) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _params_html(params: list[Param]) -> str:
    rows = []
    for p in params:
        rng = f"[{p.range[0]:g}, {p.range[1]:g}]" if p.range else ""
        rows.append((p.key, p.value, p.label or "—", p.what, p.note, p.allowed, rng))
    return _table_html(("parameter", "value", "source", "what", "note", "allowed",
                        "uncertainty range"), rows)  # fmt: skip


def write_report(out_dir: Path, cmd: str, params: list[Param], text: str = "",
                 title: str = "diffusion_sim report") -> Path:  # fmt: skip
    """Write ``report.html`` into ``out_dir`` and return its path.

    ``cmd`` is the command that reproduces the run, ``params`` the assumptions, ``text`` the
    run's printed summary (shown for decision jobs, whose table is their own)."""
    out_dir = Path(out_dir)
    view = result_view(out_dir)
    parts = [f"<h1>{html.escape(title)}</h1>",
             "<p>A what-if under the assumptions below, not a forecast: parameters labelled "
             "ESTIMATE have no source; sweep them before relying on an answer.</p>",
             "<h2>Reproduce</h2>", f"<pre class='cmd'>{html.escape(cmd)}</pre>"]  # fmt: skip
    if view["kind"] == "compare":
        parts += ["<h2>Comparison</h2>",
                  "<p>mean [95% CI]; ROI and CAC are incremental over the baseline; money in "
                  "thousand CNY; ! = spent less than 90 % of its budget</p>",
                  _table_html(view["header"], view["rows"]),
                  "<h2>Verdict</h2>",
                  "<ul>" + "".join(f"<li>{html.escape(v)}</li>" for v in view["verdict"])
                  + "</ul>"]  # fmt: skip
    if text and view["kind"] != "compare":
        parts += ["<h2>Result</h2>", f"<pre>{html.escape(text)}</pre>"]
    for png in view["figures"]:
        data = base64.b64encode(png.read_bytes()).decode()
        parts += [
            f"<h2>{html.escape(png.stem)}</h2>",
            f"<img alt='{html.escape(png.stem)}' src='data:image/png;base64,{data}'>",
        ]
    parts += ["<h2>Assumptions</h2>", _params_html(params)]
    cfg = out_dir / "config.yaml"
    if cfg.exists():
        parts += [
            "<h2>config.yaml (the composed configuration)</h2>",
            f"<pre>{html.escape(cfg.read_text())}</pre>",
        ]
    if view["csvs"]:
        parts += [
            "<h2>Data</h2><p>CSV files of this run (in the zip next to this report): "
            + ", ".join(html.escape(c.name) for c in view["csvs"])
            + "</p>"
        ]
    style = ("body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;"
             "padding:3px 6px;text-align:left}pre{background:#f4f4f4;padding:8px;"
             "white-space:pre-wrap}img{max-width:100%}")  # fmt: skip
    doc = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
        f"</title><style>{style}</style></head><body>{''.join(parts)}</body></html>"
    )
    path = out_dir / "report.html"
    from ..results import atomic_write

    atomic_write(path, lambda p: p.write_text(doc, encoding="utf-8"))
    return path


def bundle(out_dir: Path) -> bytes:
    """``report.html``, the CSV files and ``config.yaml`` of a run, zipped (bytes)."""
    out_dir = Path(out_dir)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in [out_dir / "report.html", *sorted(out_dir.glob("*.csv")),
                  out_dir / "config.yaml"]:  # fmt: skip
            if p.exists():
                z.write(p, p.name)
    return buf.getvalue()
