"""Reproducibility: alone, in a comparison, serial or threaded; agents."""

from __future__ import annotations

import numpy as np
from mkt import RULE, _graph, _params

from diffusion_sim.market.compare import compare
from diffusion_sim.market.model import MarketModel
from diffusion_sim.market.params import Compare
from diffusion_sim.seeding import Seeding
from diffusion_sim.states import Cause, Relationship


# -- reproducibility -------------------------------------------------------------------------
def test_runs_repeat_exactly_alone_in_a_comparison_and_with_threads():
    g = _graph(n=20_000, seed=5)  # large enough for the parallel kernels
    plan = Compare(budget=20_000.0, plays=["none", "mix"])
    comp = compare(g, RULE, _params(), plan, horizon=25, replications=2, seed=9,
                   seeding=Seeding(random=5))  # fmt: skip
    child = np.random.SeedSequence(9).spawn(2)[1]
    for parallel in (False, True):
        m = MarketModel(g, RULE, _params(), plan.budgets("mix"), horizon=25,
                        seeding=Seeding(random=5), parallel=parallel, seed=child)  # fmt: skip
        r = m.run()
        ref = comp.runs["mix"][1]
        for f in ("counts", "new_by_cause", "new_by_channel", "tally", "levels", "spend"):
            assert np.array_equal(getattr(r, f), getattr(ref, f)), (parallel, f)


def test_agents_read_the_brand_arrays():
    g = _graph(n=300)
    m = MarketModel(g, RULE, None, {"ads": 5000.0}, horizon=10, agents="all",
                    seeding=Seeding(random=30), seed=0)  # fmt: skip
    m.run()
    assert len(m.agents) == g.n
    for i in (0, 17, 299):
        a = m.consumer(i)
        assert a.relationship == Relationship(int(m.rel[i]))
        assert a.trust == m.trust[i] and a.purchases == m.purchases[i]
        assert a.channel == Cause(int(m.channel[i]))
