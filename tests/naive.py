"""Pure-Python references of the contagion rules: plain loops over adjacency dicts.

They are deliberately written differently from the kernels (no incremental counts: every
step recounts adopter neighbours from the previous state) so that a shared mistake is
unlikely. With ``uniform=`` they draw the very same counter-based numbers as the kernels and
must agree exactly; with a numpy ``rng`` they agree only in distribution.
"""

from __future__ import annotations

import numpy as np

from diffusion_sim.rng import uniforms
from diffusion_sim.states import Cause, State


def adjacency(graph):
    adj = {i: [] for i in range(graph.n)}
    for i in range(graph.n):
        nb, tie = graph.neighbors(i)
        adj[i] = list(zip(nb.tolist(), tie.tolist(), strict=True))
    return adj


def _cause(u, h_ext, h_s, h_w):
    x = u * (h_ext + h_s + h_w)
    if x < h_ext:
        return Cause.EXTERNAL
    if x < h_ext + h_s:
        return Cause.STRONG
    return Cause.WEAK if h_w > 0 else (Cause.STRONG if h_s > 0 else Cause.EXTERNAL)


class Naive:
    """Reference simulation; ``draw(t, i, stream)`` supplies uniforms."""

    def __init__(self, graph, seeds, draw):
        self.g = graph
        self.adj = adjacency(graph)
        self.draw = draw
        n = graph.n
        self.adopted_at = [-1] * n
        self.cause = [int(Cause.NONE)] * n
        for s in seeds:
            self.adopted_at[int(s)] = 0
            self.cause[int(s)] = int(Cause.SEED)
        self.t = 0

    def adopted(self, i, before):
        """Adopted after step ``before`` (i.e. in the state the step reads)."""
        return 0 <= self.adopted_at[i] <= before

    def counts(self, i, before, only_step=None):
        s = w = 0
        for j, tie in self.adj[i]:
            ok = (
                (self.adopted_at[j] == only_step)
                if only_step is not None
                else self.adopted(j, before)
            )
            if ok:
                if tie:
                    s += 1
                else:
                    w += 1
        return s, w

    def states(self):
        out = np.zeros(self.g.n, dtype=np.uint8)
        for i in range(self.g.n):
            if self.adopted(i, self.t):
                out[i] = State.ADOPTED
            elif any(self.adopted(j, self.t) for j, _ in self.adj[i]):
                out[i] = State.AWARE
        return out

    def step_ties(self, alpha, bs, bw):
        self.t += 1
        t = self.t
        g = self.g
        decided = {}
        meet = g.meetings_per_step
        if meet:
            comm = g.community.tolist()
            sizes = np.bincount(g.community)
            ad_by_c = np.zeros(len(sizes))
            for j in range(g.n):
                if self.adopted(j, t - 1):
                    ad_by_c[comm[j]] += 1
            total = ad_by_c.sum()
        for i in range(g.n):
            if self.adopted(i, t - 1):
                continue
            s, w = self.counts(i, t - 1)
            h_s = 1 - (1 - bs) ** s
            if meet:
                c = comm[i]
                outside = g.n - sizes[c]
                f = 0.0 if outside <= 0 else (total - ad_by_c[c]) / outside
                h_w = 1 - (1 - bw * f) ** meet
            else:
                h_w = 1 - (1 - bw) ** w
            p = 1 - (1 - alpha) * (1 - h_s) * (1 - h_w)
            if self.draw(t, i, 0) < p:
                decided[i] = _cause(self.draw(t, i, 1), alpha, h_s, h_w)
        for i, c in decided.items():
            self.adopted_at[i] = t
            self.cause[i] = int(c)

    def step_cascade(self, ps, pw):
        self.t += 1
        t = self.t
        decided = {}
        for i in range(self.g.n):
            if self.adopted(i, t - 1):
                continue
            s, w = self.counts(i, t - 1, only_step=t - 1)
            if s + w == 0:
                continue
            h_s = 1 - (1 - ps) ** s
            h_w = 1 - (1 - pw) ** w
            if self.draw(t, i, 0) < 1 - (1 - h_s) * (1 - h_w):
                decided[i] = _cause(self.draw(t, i, 1), 0.0, h_s, h_w)
        for i, c in decided.items():
            self.adopted_at[i] = t
            self.cause[i] = int(c)

    def step_threshold(self, phi, ws, ww, mode):
        self.t += 1
        t = self.t
        decided = {}
        for i in range(self.g.n):
            if self.adopted(i, t - 1):
                continue
            s, w = self.counts(i, t - 1)
            x = ws * s + ww * w
            if mode == "fraction":
                ds = sum(1 for _, tie in self.adj[i] if tie)
                dw = len(self.adj[i]) - ds
                den = ws * ds + ww * dw
                ok = (phi[i] <= 0) if den == 0 else (x / den >= phi[i] - 1e-9)
            else:
                ok = x >= phi[i] - 1e-9 * max(1.0, abs(phi[i]))
            if ok:
                if x <= 0:
                    decided[i] = Cause.EXTERNAL
                else:
                    decided[i] = Cause.STRONG if self.draw(t, i, 1) * x < ws * s else Cause.WEAK
        for i, c in decided.items():
            self.adopted_at[i] = t
            self.cause[i] = int(c)


def counter_draw(key):
    """Uniforms identical to the kernels' (one call per number: slow but independent code)."""

    def draw(t, i, stream):
        return float(uniforms(key, t, [i], stream)[0])

    return draw


def numpy_draw(rng):
    def draw(t, i, stream):
        return rng.random()

    return draw


def naive_cascade_edges(graph, seeds, ps, pw, rng, steps=10_000):
    """Independent cascade with one coin per (new adopter, tie), as in Kempe et al. 2003."""
    adj = adjacency(graph)
    at = {int(s): 0 for s in seeds}
    frontier = list(at)
    t = 0
    while frontier and t < steps:
        t += 1
        nxt = []
        for i in frontier:
            for j, tie in adj[i]:
                if j in at:
                    continue
                if rng.random() < (ps if tie else pw):
                    at[j] = t
                    nxt.append(j)
        frontier = nxt
    return at
