"""Recruited advocates: bridges (structural holes), hubs (KOL), random consumers (KOC) and
influence-maximising seeds (OPIM-C or IMM), four strategies of one play.

At ``t = 0`` each strategy's budget buys as many advocates as it covers at a fee plus a free
sample (a unit at cost), chosen by ``target`` (``influence``: the seeds of ``method``, OPIM-C
or IMM, for an independent cascade whose ties transmit with the campaign's probability, the
upper bound the other targets are measured against); they count as customers (cause BRIDGE,
KOL or KOC) but not as purchases. For ``campaign_days`` days they post (channels ``bridge_posts``,
``kol_posts``, ``koc_posts``) with per-tie hazards ``advocacy_strong`` / ``advocacy_weak``
times their trust over the initial trust; bridges with ``joint_every_days > 0`` also post into
one customer group that often (channel ``joint_posts``, rotating over the groups, per-post
hazard ``groups.share_conversion`` for a member) and, on the same days, into every social
community they span — their own and their friends' (channel ``joint_community``, per-post
hazard ``joint_conversion`` for each non-customer of the community): a joint campaign reaches
consumers who are not yet in the brand's groups. No tally; the cost is paid at recruitment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit

from ...errors import ConfigError
from ...graph.bridges import bridge_scores
from ...rng import uniforms
from ...states import State
from .._validate import check_fields
from ..channels import ADVOCACY_ROW
from ._base import Play

__all__ = ["Advocates", "AdvocatesPlay", "campaign_rule", "influence_ranking"]


@dataclass
class Advocates:
    """Recruited advocates: bridges (structural holes), hubs (KOL) or random consumers (KOC).

    Each gets a free sample (a unit at cost) and a fee, and posts about the product for
    ``campaign_days`` days with the given per-tie hazards. With ``joint_every_days > 0`` each
    advocate also posts into one of the brand's customer groups that often (a joint campaign
    across groups, rotating over the groups), seen by every member like a shared purchase.
    """

    name: str = "bridging"
    target: str = "bridges"
    fee: float = 500.0
    campaign_days: int = 30
    advocacy_strong: float = 0.004
    advocacy_weak: float = 0.003
    joint_every_days: int = 0
    joint_conversion: float = 0.002
    epsilon: float = 0.2
    method: str = "imm"
    _rules: ClassVar[dict] = {
        "joint_conversion": ("prob",),
        "name": ("choice", ("bridging", "kol", "koc", "influence")),
        "target": ("choice", ("bridges", "hubs", "random", "influence")),
        "epsilon": ("range", 0.05, 0.9),
        "method": ("choice", ("imm", "opim")),
        "fee": ("nonneg",),
        "campaign_days": ("int", 1),
        "joint_every_days": ("int", 0),
        "advocacy_strong": ("prob",),
        "advocacy_weak": ("prob",),
    }

    def __post_init__(self):
        check_fields(self, f"market.{self.name}")


class AdvocatesPlay(Play):
    """Bridging, KOL and KOC: recruitment at ``t = 0``, then the campaign's posts."""

    module = "advocates"

    def __init__(self, model):
        super().__init__(model)
        n = model.graph.n
        self.row = np.zeros(n, np.int8)  # advocates' table row (0: not an advocate)
        self.until = np.zeros(n, np.int32)  # last day of each advocate's campaign
        self.campaign_end = 0  # last day any advocate posts
        self.joint = np.zeros((n, 2), np.int32)  # today's joint posts reaching each consumer
        self._spans = None  # (bridge advocates, pairs of (advocate, community) they span)
        self._n_comm = 0
        self._ids = np.zeros(0, np.int64)  # the advocates (recruited at start)

    def start(self) -> None:
        """Recruit advocates (free sample plus fee) with each strategy's budget."""
        m = self.model
        unit = m.params.product.unit_cost
        eng = m.engine
        for strategy in self.strategies():
            name = strategy.name
            (cause,) = strategy.causes
            s = m.strategy_index[name]
            adv = getattr(m.params, strategy.section)
            price = adv.fee + unit
            k = int(m.remaining[s] // price) if price > 0 else 0
            free = np.flatnonzero(eng.state != State.ADOPTED)
            k = min(k, free.size)
            if k == 0:
                continue
            ids = self._rank(adv, free, k)[:k]
            new = eng.seed(ids, cause)
            m._new[0] = m._new[0] + new
            self.row[ids] = ADVOCACY_ROW[name]
            self.until[ids] = adv.campaign_days
            m.channel[ids] = cause
            m.purchases[ids] = 0  # a free sample is not a purchase
            cost = k * price
            m.remaining[s] -= cost
            m._spend[0][s] += cost
            m._channel_new[0][cause] += k
        self.campaign_end = int(self.until.max(initial=0))
        # the advocates are fixed from here on: list them once (ascending, as a scan would)
        self._ids = np.flatnonzero(self.row > 0)

    def _rank(self, adv: Advocates, free: np.ndarray, k: int) -> np.ndarray:
        """Non-customers in recruitment order (the first ``k`` are recruited)."""
        m = self.model
        g = m.graph
        target = adv.target
        if target == "influence":
            return influence_ranking(g, adv, free, k)
        if target == "hubs":
            deg = g.degree()[free]
            return free[np.lexsort((free, -deg))]
        if target == "random":
            u = uniforms(m.market_key, 3, free, 3)  # substep 3 of t = 0: recruitment
            return free[np.argsort(u, kind="stable")]
        sc = bridge_scores(g)
        reach = sc["communities_reached"][free]
        con = np.nan_to_num(sc["constraint"][free], nan=np.inf)
        return free[np.lexsort((free, con, -reach))]

    def posters(self, t: int) -> tuple[np.ndarray, np.ndarray] | None:
        if self.campaign_end < t:
            return None
        adv = self._ids[self.until[self._ids] >= t]
        return adv, self.row[adv].astype(np.int64)

    def joint_posts(self, t: int) -> np.ndarray:
        """Joint-campaign posts of bridge advocates reaching each consumer today, shape (n, 2),
        or (0, 2) on a day without any:
        column 0 in their customer group (each advocate posts into one group, rotating over
        the groups), column 1 in their social community (each advocate posts into every
        community it spans: its own and its friends')."""
        m = self.model
        every = m.params.bridging.joint_every_days
        # on a day without posts, no rows: the prepare pass then skips the (n, 2) table
        # instead of reading 16 bytes of zeros per consumer
        if every == 0 or (t - 1) % every != 0 or self.campaign_end < t:
            return self.joint[:0]
        adv, owner, comm_of = self._span_pairs()
        active = self.until[adv] >= t
        n_adv = int(np.count_nonzero(active))
        if n_adv == 0:
            return self.joint[:0]
        ng = int(m._n_groups[0])
        # rotate so that over the campaign each advocate meets different groups
        per_group = np.bincount((np.arange(n_adv) + t) % ng, minlength=ng) if ng else owner[:0]
        comm = m.graph.community
        posts = np.bincount(comm_of[active[owner]], minlength=self._n_comm)
        _joint_table(m.group, per_group, comm, posts, self.joint)  # (every row rewritten)
        return self.joint

    def _span_pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The bridge advocates (ascending) and every (advocate's index, community it spans)
        pair: its own community and its friends' (listed once each). Computed on the first
        joint day and kept: the advocates are fixed at ``t = 0`` and the graph never
        changes, so each joint day only counts the pairs of the advocates still posting."""
        if self._spans is None:
            g = self.model.graph
            ids = self._ids
            adv = ids[self.row[ids] == ADVOCACY_ROW["bridging"]]
            lo, deg = g.indptr[adv], g.indptr[adv + 1] - g.indptr[adv]
            at = np.repeat(lo - (np.cumsum(deg) - deg), deg) + np.arange(int(deg.sum()))
            who = np.concatenate([np.repeat(np.arange(adv.size), deg), np.arange(adv.size)])
            comm = np.concatenate([g.community[g.indices[at]], g.community[adv]])
            self._n_comm = int(g.community.max(initial=0)) + 1
            pairs = np.unique(who.astype(np.int64) * self._n_comm + comm)
            self._spans = (adv, pairs // self._n_comm, pairs % self._n_comm)
        return self._spans


@njit(cache=True)
def _joint_table(group, per_group, community, posts, joint):
    """Today's joint posts reaching each consumer, one pass writing both columns of every row
    (so nothing is left to clear from an earlier joint day): column 0 the posts into its
    customer group (``per_group``; 0 outside a group), column 1 those into its community."""
    for i in range(group.shape[0]):
        g = group[i]
        joint[i, 0] = per_group[g] if 0 <= g < per_group.shape[0] else 0
        joint[i, 1] = posts[community[i]]


def campaign_rule(adv: Advocates):
    """The independent cascade IMM maximises for ``target=influence``: a tie transmits with
    the probability that one advocate's campaign converts a friend over it,
    ``1 - (1 - advocacy)^campaign_days`` per tie class (trust at its initial level). Every hop
    is taken as strong as the campaign's first, so the objective ranks consumers by the reach
    of their neighbourhoods; organic word of mouth after the campaign is not in it."""
    from ...contagion import CascadeRule

    days = adv.campaign_days
    return CascadeRule(
        p_strong=1.0 - (1.0 - adv.advocacy_strong) ** days,
        p_weak=1.0 - (1.0 - adv.advocacy_weak) ** days,
    )


def influence_ranking(graph, adv: Advocates, free: np.ndarray, k: int) -> np.ndarray:
    """The seeds of ``adv.method`` (OPIM-C or IMM) for :func:`campaign_rule`, in the order
    picked, restricted to ``free`` (consumers who have not bought). It runs for ``k`` plus the
    customers among its picks
    until ``k`` free ones are found; the seeds depend on the graph and the campaign only (key
    0, cached per graph), so every replication recruits the same advocates, as
    ``seeding.influence`` does."""
    from ...influence import influence_seeds

    if k <= 0 or free.size == 0:
        return free[:0]
    is_free = np.zeros(graph.n, dtype=bool)
    is_free[free] = True
    want = min(graph.n, k)
    while True:
        try:
            seeds = influence_seeds(graph, campaign_rule(adv), want, epsilon=adv.epsilon,
                                    method=adv.method)  # fmt: skip
        except ConfigError as err:  # too many RR sets: say which key sets the work
            raise ConfigError(
                f"market.{adv.name}.epsilon", adv.epsilon,
                f"a larger slack ({adv.method} would need too many reverse reachable sets: "
                f"{err})",
            ) from None  # fmt: skip
        picked = seeds[is_free[seeds]]
        if picked.size >= k or want >= graph.n:
            return picked[:k]
        want = min(graph.n, want + (k - picked.size) * 2)
