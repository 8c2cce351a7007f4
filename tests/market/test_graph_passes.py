"""The passes that walk the graph's ties for the plays (group-buy window, VIP scan, joint
campaign posts): each equals a naive numpy statement of what it computes."""

from __future__ import annotations

import numpy as np

from diffusion_sim.graph import GENERATORS
from diffusion_sim.market.plays import groupbuy
from diffusion_sim.states import State


def _graph(n=400, seed=3):
    return GENERATORS["erdos_renyi"](n=n, mean_degree=7, seed=seed)


def _ready_list(n):
    return groupbuy.ReadyList(np.empty(n, np.int32), np.zeros(n, np.bool_), np.zeros(1, np.int64))


def test_window_update_equals_adding_and_removing_each_buyers_friends():
    """+1 per friend of each entering buyer, then -1 per friend of each leaving one; a friend
    whose count reaches ``need`` on the way up is marked (the same as two separate passes:
    counts first up, then down); the ready consumers counted from the list of those who
    reached ``need`` equal a scan of everyone, day after day, as consumers adopt."""
    g = _graph()
    rng = np.random.default_rng(5)
    need = 2
    recent = np.zeros(g.n, np.int32)
    state = np.zeros(g.n, np.uint8)
    ready = _ready_list(g.n)
    window = []
    counted = []
    for _ in range(12):  # days, the window sliding over 2 days of buyers
        window.append(np.sort(rng.choice(g.n, 40, replace=False)).astype(np.int64))
        entering = window[-1]
        leaving = window.pop(0) if len(window) > 2 else np.zeros(0, np.int64)
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
        before = (recent.copy(), ready.ids.copy(), ready.listed.copy(), ready.size.copy())
        for fn, parts in ((groupbuy._recent_update_serial, 1),
                          (groupbuy._recent_update_parallel, 2),
                          (groupbuy._recent_update_parallel, 7)):  # fmt: skip
            # the same counts, marks and listed set with any number of parts
            recent[:], ready.ids[:], ready.listed[:], ready.size[:] = before
            visit[:] = 0
            fn((g.indptr, g.indices), (entering, leaving), (recent, visit), need, ready,
               np.empty(g.n, np.int32), parts)  # fmt: skip
            assert np.array_equal(recent, ref) and np.array_equal(visit, ref_visit)
            listed = np.sort(ready.ids[: ready.size[0]])
            assert np.array_equal(listed, np.flatnonzero(ready.listed))
        n_ready = groupbuy._count_ready(recent, state, need)
        assert groupbuy._count_listed(recent, state, need, ready) == n_ready
        counted.append(n_ready)
        listed = ready.ids[: ready.size[0]]
        assert np.unique(listed).size == listed.size and ready.listed.sum() == listed.size
        state[rng.choice(g.n, 25, replace=False)] = State.ADOPTED  # today's first purchases
    assert min(counted) < max(counted) and max(counted) > 10
    # an empty half changes nothing
    before = recent.copy()
    none = np.zeros(0, np.int64)
    groupbuy._recent_update_serial((g.indptr, g.indices), (none, none), (recent, visit), need,
                                   ready, np.empty(g.n, np.int32), 1)  # fmt: skip
    assert np.array_equal(recent, before)


def test_joint_posts_equal_a_naive_count_on_every_joint_day():
    """Column 0: advocates posting into each consumer's customer group (rotating over the
    groups), column 1: advocates spanning its community; rows of a joint day are rewritten
    whole on the next one (nothing left from the day before); no rows on other days."""
    from mkt import RULE, _graph, _params

    from diffusion_sim.market.model import MarketModel
    from diffusion_sim.market.params import STRATEGIES
    from diffusion_sim.states import Cause

    p = _params(bridging={"joint_every_days": 3, "campaign_days": 8})
    budgets = dict.fromkeys(STRATEGIES, 30000.0)
    m = MarketModel(_graph(n=3000), RULE, p, budgets, horizon=12, seed=1)
    play = m.plays["advocates"]
    g = m.graph
    comm = g.community
    adv = np.flatnonzero(m.engine.cause == Cause.BRIDGE)
    assert adv.size > 2
    seen_groups = 0
    for t in range(1, 13):
        joint = play.joint_posts(t).copy()
        if (t - 1) % 3 != 0 or t > 8:
            assert joint.shape == (0, 2)
        else:
            ref = np.zeros((g.n, 2), np.int64)
            ng = int(m._n_groups[0])
            if ng:
                per_group = np.bincount((np.arange(adv.size) + t) % ng, minlength=ng)
                member = m.group >= 0
                ref[member, 0] = per_group[m.group[member]]
                seen_groups += 1
            spanned = np.zeros(comm.max() + 1, np.int64)
            for j in adv:
                spanned[np.unique(np.append(comm[g.neighbors(int(j))[0]], comm[j]))] += 1
            ref[:, 1] = spanned[comm]
            assert np.array_equal(joint, ref)
        m.step()
    assert seen_groups >= 2  # customer groups were open on some joint days
