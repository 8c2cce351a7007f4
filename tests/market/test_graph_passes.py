"""The passes that walk the graph's ties for the plays (group-buy window, VIP scan, joint
campaign posts): each equals a naive numpy statement of what it computes."""

from __future__ import annotations

import numpy as np

from diffusion_sim.graph import GENERATORS
from diffusion_sim.market.plays import groupbuy


def _graph(n=400, seed=3):
    return GENERATORS["erdos_renyi"](n=n, mean_degree=7, seed=seed)


def test_window_update_equals_adding_and_removing_each_buyers_friends():
    """+1 per friend of each entering buyer, then -1 per friend of each leaving one; a friend
    whose count reaches ``need`` on the way up is marked (the same as two separate passes:
    counts first up, then down)."""
    g = _graph()
    rng = np.random.default_rng(5)
    need = 2
    recent = rng.integers(0, 3, g.n).astype(np.int32)
    for _ in range(4):  # a few days, the window sliding
        entering = np.sort(rng.choice(g.n, 60, replace=False)).astype(np.int64)
        leaving = np.sort(rng.choice(g.n, 50, replace=False)).astype(np.int64)
        ref = recent.astype(np.int64)
        ref_visit = np.zeros(g.n, np.uint8)
        for j in entering:
            for i in g.neighbors(int(j))[0]:
                ref[i] += 1
                ref_visit[i] |= ref[i] == need
        for j in leaving:
            np.subtract.at(ref, g.neighbors(int(j))[0], 1)
        visit = np.zeros(g.n, np.uint8)
        groupbuy._recent_update(g.indptr, g.indices, entering, leaving, recent, need, visit)
        assert np.array_equal(recent, ref) and np.array_equal(visit, ref_visit)
        assert ref_visit.sum() > 0
    # an empty half changes nothing
    before = recent.copy()
    none = np.zeros(0, np.int64)
    groupbuy._recent_update(g.indptr, g.indices, none, none, recent, need, visit)
    assert np.array_equal(recent, before)
