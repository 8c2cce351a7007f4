"""Layout of the comparison figure: no label is hidden under a legend or another label."""

from __future__ import annotations

import matplotlib.pyplot as plt
from mkt import _graph, _params

from diffusion_sim.contagion import TiesRule
from diffusion_sim.market import plots
from diffusion_sim.market.compare import compare
from diffusion_sim.market.params import Compare


def test_roi_labels_overlap_neither_the_legends_nor_each_other(tmp_path, monkeypatch):
    """The default plays on a small market: every ROI label of the cause panel lies inside
    its panel, clear of every legend of the figure and of the other labels, and the cause
    legend lies outside the panel's plot area, whatever the bars' heights (README's figure
    once hid VIP's label and bars under that legend, drawn in the upper left)."""
    seen = []
    monkeypatch.setattr(plt, "close", lambda fig: seen.append(fig))  # keep the figure
    comp = compare(_graph(n=1000), TiesRule(2e-4, 0.01, 0.005), _params(start={"customers": 0.05}),
                   Compare(budget=20_000.0), horizon=20, replications=2, seed=0)  # fmt: skip
    plots.plot_comparison(comp, tmp_path / "c.png", title="a title\nof three\nlines")
    fig = seen[-1]
    r = fig.canvas.get_renderer()
    labels = [t for ax in fig.axes for t in ax.texts if t.get_text().startswith("ROI")]
    assert len(labels) == len(comp.plays) - 1  # every paid play has its label
    boxes = [t.get_window_extent(r) for t in labels]
    legends = [ax.get_legend().get_window_extent(r) for ax in fig.axes if ax.get_legend()]
    for i, b in enumerate(boxes):
        assert not any(b.overlaps(leg) for leg in legends), labels[i].get_text()
        assert not any(b.overlaps(o) for j, o in enumerate(boxes) if j != i)
        assert fig.bbox.contains(b.x0, b.y0) and fig.bbox.contains(b.x1, b.y1)
    cause_ax = labels[0].axes
    area = cause_ax.get_window_extent(r)
    for b in boxes:
        assert area.contains(b.x0, b.y0) and area.contains(b.x1, b.y1)
    assert not cause_ax.get_legend().get_window_extent(r).overlaps(area)
    for leg in legends:  # inside the figure, not cut off
        assert fig.bbox.contains(leg.x0, leg.y0) and fig.bbox.contains(leg.x1, leg.y1)
