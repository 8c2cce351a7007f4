"""The social-commerce model: the diffusion engine plus the brand, its customers and its plays.

:class:`MarketModel` is a :class:`~diffusion_sim.model.DiffusionModel` whose ``ties`` rule is
organic word of mouth (the first purchase is the engine's adoption) and whose brand adds, each
step ``t`` (one day), in this order:

1. **plan** (numpy, reads the state after ``t - 1``): VIP fees, birthdays, monitoring and
   win-back, admissions; today's ad impressions; whether a group broadcast goes out; how many
   coupons may be issued; which advocates post. Every cost is checked against the strategy's
   remaining budget first, so spend never exceeds it.
2. **prepare** (compiled): each consumer's exposures become an extra hazard with its channel,
   and a trust multiplier (:mod:`diffusion_sim.market._kernels`).
3. **engine step**: first purchases, ``1 - (1 - p_ties)(1 - h)`` scaled by trust, with the
   true cause drawn in proportion to the hazards.
4. **settle** (compiled): repeat purchases, service failures and trust, following, group
   joining, shares in groups, exits; per-outcome costs (coupons, referrals, group-buys).

At ``t = 0``, after the organic seeds and before the plays' ``start``, the brand's base
(``market.start``: customers with a purchase history, followers and leads, customer groups,
VIP members; :mod:`diffusion_sim.market.brand.start`) is put in; none by default.

With every mechanism off (``MarketParams.off()``, no budget) steps 1, 2 and 4 leave the engine's
inputs at ``h = 0``, ``m = 1``, and the run equals the ``ties`` rule exactly (tested).
"""

from __future__ import annotations

import math

import numpy as np

from ..contagion import TiesRule
from ..errors import ConfigError
from ..graph.social_graph import SocialGraph
from ..kernels._apply import BLOCK
from ..model import Consumer, DiffusionModel
from ..rng import key_from_seed_sequence
from ..seeding import Seeding
from ..states import Cause, Relationship, Stage, State
from . import _kernels as kern
from .brand.advocacy import advocacy_pass
from .brand.groups import broadcast_today
from .brand.price import fill_lever_slots
from .brand.settle import EV_PER_CONSUMER, SettleScratch, _finish_prepare, settle_day
from .brand.start import apply_start
from .params import STRATEGIES, MarketParams
from .plays import PLAYS
from .results import MarketRun

__all__ = ["MarketConsumer", "MarketModel"]

_S = {s: k for k, s in enumerate(STRATEGIES)}


class MarketConsumer(Consumer):
    """A consumer with the brand's view of them (all read from the model's arrays)."""

    @property
    def relationship(self) -> Relationship:
        return Relationship(int(self.model.rel[self.index]))

    @property
    def trust(self) -> float:
        return float(self.model.trust[self.index])

    @property
    def purchases(self) -> int:
        return int(self.model.purchases[self.index])

    @property
    def churned(self) -> bool:
        return bool(self.model.churned[self.index])

    @property
    def channel(self) -> Cause:
        """Last-touch channel code recorded at the first purchase (NONE: untracked)."""
        return Cause(int(self.model.channel[self.index]))

    @property
    def lead(self) -> bool:
        """A follower who is not a customer (see :meth:`MarketModel.leads`)."""
        return bool(self.model.rel[self.index] != Relationship.ABSENT) and not self.adopted

    @property
    def stage(self) -> Stage:
        """Funnel :class:`Stage`: churned overrides; adopters with two or more purchases are
        repeat customers (an advocate's free sample is not a purchase)."""
        if self.churned:
            return Stage.CHURNED
        state = self.state
        if state is not State.ADOPTED:
            return Stage.AWARE if state is State.AWARE else Stage.UNAWARE
        return Stage.REPEAT if self.purchases >= 2 else Stage.CUSTOMER


class MarketModel(DiffusionModel):
    """One run of the market under one play (a budget per strategy).

    Parameters
    ----------
    graph : SocialGraph
    rule : TiesRule
        Organic word of mouth and the external (Bass ``p``) source.
    params : MarketParams
    budgets : dict of str to float, optional
        CNY per strategy (keys from :data:`~diffusion_sim.market.params.STRATEGIES`);
        missing ones get 0.
    horizon : int
        Days the plan runs for (budgets are paced over it).
    seeding : Seeding, optional
        Organic customers at ``t = 0`` (before any play).
    seed : int or SeedSequence
        Split into the engine key, the model RNG and the market key; the same seed gives
        every play the same random numbers (common random numbers).
    """

    agent_class = MarketConsumer
    #: Visit only the marked consumers on days that do not reach every group member (the same
    #: results as visiting everyone; tests compare with ``False``).
    _sparse = True
    #: Markets from this many consumers list a sparse day's visits and prefetch their lines
    #: (smaller ones fit in the caches, where the listing pass costs more than it saves;
    #: tests set 0 to compare the two ways)
    _list_min = 1 << 17

    def __init__(
        self,
        graph: SocialGraph,
        rule: TiesRule,
        params: MarketParams | None = None,
        budgets: dict | None = None,
        *,
        horizon: int = 180,
        seeding: Seeding | None = None,
        agents: str = "lazy",
        parallel: bool | None = None,
        seed=None,
    ):
        if not isinstance(rule, TiesRule):
            raise ConfigError("contagion.rule", getattr(rule, "name", rule), "'ties'")
        if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
            raise ConfigError("sim.steps", horizon, "an integer >= 1")
        super().__init__(graph, rule, seeding, agents=agents, parallel=parallel, seed=seed)
        # a third child after the engine's and the model's: the market's own counter stream
        self.market_key = np.uint64(key_from_seed_sequence(self.seed_sequence.spawn(1)[0]))
        self.params = params = params if params is not None else MarketParams()
        budgets = dict(budgets or {})
        for s, b in budgets.items():
            if s not in _S:
                raise ConfigError(f"budgets.{s}", s, f"a strategy, one of {list(STRATEGIES)}")
            if (
                isinstance(b, bool)
                or not isinstance(b, int | float)
                or not (math.isfinite(b) and b >= 0)
            ):
                raise ConfigError(f"budgets.{s}", b, "a finite amount of CNY >= 0")
        self.budget = np.array([float(budgets.get(s, 0.0)) for s in STRATEGIES])
        self.remaining = self.budget.copy()
        self.horizon = horizon
        n = graph.n
        self._P = _param_vector(params)
        # -- per-consumer arrays (the brand's view) --
        self.trust = np.full(n, params.trust.initial)
        self.rel = np.zeros(n, np.uint8)
        self.churned = np.zeros(n, np.bool_)
        self.group = np.full(n, -1, np.int32)
        self.vip_group = np.full(n, -1, np.int32)
        self.purchases = np.zeros(n, np.int32)
        self.last_buy = np.full(n, -1, np.int32)
        self.active_since = np.zeros(n, np.int32)
        self.msgs_month = np.zeros(n, np.int32)
        self.mshare = np.zeros(n)
        self.last_ad = np.full(n, -(10**6), np.int32)
        self.ads_seen = np.zeros(n, np.int32)
        self.coupon_until = np.full(n, -1, np.int32)
        self.touch = np.zeros(n, np.int8)
        self.channel = np.zeros(n, np.int8)
        self.birthday = (np.arange(n, dtype=np.int64) * 7919 + int(self.market_key % 365)) % 365
        # -- scratch --
        self._ad_today = np.zeros(n, np.bool_)
        self._follow_new = np.zeros(n, np.uint8)
        self._coupon_rx = np.zeros(n, np.uint8)
        nblocks = (n + BLOCK - 1) // BLOCK
        self._tally_blocks = np.zeros((nblocks, kern.N_TALLY), np.int64)
        self._settle_scratch = SettleScratch(
            BLOCK, np.empty(EV_PER_CONSUMER * n, np.int32), np.empty(EV_PER_CONSUMER * n, np.int8),
            *(np.zeros(nblocks, np.int64) for _ in range(3)),
            np.zeros((nblocks, len(Cause)), np.int64), np.zeros((nblocks, 4), np.int64),
        )  # fmt: skip
        self._muted = np.empty(n, np.int64)
        self._n_muted = np.zeros(nblocks, np.int64)
        self._bcast_rx = np.zeros(n, np.uint8)
        # consumers the next prepare pass visits (marked by the plays and by prepare itself);
        # the first day visits everyone, as do days that reach every group member
        self._visit = np.zeros(n, np.uint8)
        self._dense_next = True
        self._n_sparse_days = 0
        self._bcast_dirty = False  # bcast_rx holds yesterday's broadcast receivers
        self._h = np.zeros(n)
        self._c = np.zeros(n, np.int8)
        self._m = np.ones(n)
        self._L = np.zeros((n, kern.N_ADVOCACY))
        self._flag = np.zeros(n, np.bool_)
        self._touched = np.empty(n, np.int64)
        self._buyers = np.empty(n, np.int64)
        self._degree = graph.degree().astype(np.int64)
        gslots = n // max(params.groups.capacity, 1) + 2
        self.group_count = np.zeros(gslots, np.int64)
        self._n_groups = np.zeros(1, np.int64)
        self.vip_count = np.zeros(n // max(params.vip.capacity, 1) + 2, np.int64)
        self._shares = np.zeros(gslots, np.int64)
        self._next_shares = np.zeros(gslots, np.int64)
        # -- per-step records (row 0: t = 0) --
        self._spend = [np.zeros(len(STRATEGIES))]
        self._tally = [np.zeros(kern.N_TALLY, np.int64)]
        self._revenue = [0.0]
        self._service = [0.0]
        self._levels = [self._level_counts()]
        self._channel_new = [np.bincount(self.channel[self.seeds], minlength=len(Cause))]
        self.strategy_index = _S
        self.plays = {name: cls(self) for name, cls in PLAYS.items()}
        adv = self.plays["advocates"]
        self.adv_row, self.adv_until = adv.row, adv.until  # advocates' row and last day
        self.n_start = apply_start(self)  # the brand's base at t = 0 (none by default)
        for play in self.plays.values():
            play.start()
        self._levels[0] = self._level_counts()
        self._counts[0] = self.engine.counts.copy()

    def _brand_arrays(self) -> kern.Brand:
        return kern.Brand(self.trust, self.rel, self.churned, self.group, self.vip_group,
                          self.purchases, self.last_buy, self.msgs_month, self.mshare,
                          self.last_ad, self.ads_seen, self.coupon_until, self.touch,
                          self.channel)  # fmt: skip

    @property
    def _n_vip_groups(self) -> int:
        """VIP groups opened so far (the VIP play's count)."""
        return self.plays["vip"].n_groups

    @property
    def _recent_log(self) -> list[np.ndarray]:
        """Buyers of each day in the group-buy window (the group-buy play's record)."""
        return self.plays["groupbuy"].recent_log

    # -- helpers -----------------------------------------------------------------------------
    def _level_counts(self) -> np.ndarray:
        """followers, VIP members, churned, repeat customers (levels, not flows)."""
        return np.array(
            [
                np.count_nonzero(self.rel == Relationship.WEAK),
                np.count_nonzero(self.rel == Relationship.STRONG),
                np.count_nonzero(self.churned),
                np.count_nonzero(self.purchases >= 2),
            ],
            dtype=np.int64,
        )

    def follow(self, consumers) -> None:
        """Hand ``consumers`` (int ids) to the brand's private domain today: those without a
        relationship who have not churned become followers in today's settle pass (tally
        ``new_followers``) and join a customer group with ``groups.join_group``, exactly as a
        clicker or a first buyer who follows. Call it from a play's ``plan(t)``. Followers who
        have not bought are **leads** (:meth:`leads`): the entry to the private domain that
        staff, one-to-one chat and customer Moments build on. No effect with groups disabled.
        """
        if self.params.groups.enabled:
            self._follow_new[np.asarray(consumers, dtype=np.int64)] = 1

    def leads(self) -> np.ndarray:
        """Followers (WEAK or STRONG) who are not customers: ids, int64, ascending."""
        return np.flatnonzero((self.rel != Relationship.ABSENT)
                              & (self.engine.state != State.ADOPTED))  # fmt: skip

    def _pay(self, strategy: str, amount: float) -> None:
        s = _S[strategy]
        assert amount <= self.remaining[s] + 1e-6, (strategy, amount, self.remaining[s])
        self.remaining[s] = max(0.0, self.remaining[s] - amount)
        self._spend_today[s] += amount

    # -- the brand's plan for step t ---------------------------------------------------------
    # -- one step ----------------------------------------------------------------------------
    def step(self) -> None:
        """One day: plan, prepare, engine step, settle (see the module docstring)."""
        t = self.engine.t + 1
        p = self.params
        self._spend_today = np.zeros(len(STRATEGIES))
        self._tally_today = tally = np.zeros(kern.N_TALLY, np.int64)
        if (t - 1) % 30 == 0:
            self.msgs_month[:] = 0  # the platform's quota is per natural month
        self._shares, self._next_shares = self._next_shares, self._shares
        self._next_shares[:] = 0
        for play in self.plays.values():
            play.plan(t)
        bcast = broadcast_today(p.groups, self.market_key, t)
        advocacy_pass(self, t)  # (its targets are flagged: the prepare pass visits them)
        groupbuy = self.plays["groupbuy"]
        eng = self.engine
        n = self.graph.n
        fn = kern._prepare_parallel if eng._use_parallel(n) else kern._prepare_serial
        ev = kern.EngineView(eng.state, eng.adopters, eng.adopted_at, eng.cause, eng.counts)
        brand = self._brand_arrays()
        joint = self.plays["advocates"].joint_posts(t)
        groups = kern.GroupArrays(self.group_count, self._n_groups, self.vip_count,
                                  self._shares, joint, self._next_shares)  # fmt: skip
        live = self.plays["livestream"]
        # a day of joint campaign posts (they reach whole communities) or, with team_size 1,
        # a group-buy offered to every non-customer visits everyone; the others only the
        # marked consumers (and on a broadcast day the group members)
        dense = (not self._sparse or self._dense_next or joint.shape[0] > 0
                 or (bool(groupbuy.on) and p.groupbuy.team_size <= 1))  # fmt: skip
        self._n_sparse_days += not dense
        if not dense and self._bcast_dirty:
            self._bcast_rx[:] = 0  # (a dense pass clears it consumer by consumer)
        self._bcast_dirty = bool(bcast)
        self._dense_next = False
        plan = kern.Plan(self._ad_today, bool(bcast), self._coupon_rx, bool(groupbuy.on),
                         groupbuy.recent, self._L, self._flag, live.live_today,
                         float(p.livestream.conversion), dense,
                         n >= self._list_min)  # fmt: skip
        flows = kern.Flows(self._follow_new, self._bcast_rx, self._muted, self._n_muted,
                           self._tally_blocks, self._visit)  # fmt: skip
        extra = kern.Extra(self._h, self._c, self._m)
        fn(t, self.market_key, BLOCK, self._P, ev, brand, groups, plan, flows, extra)
        _finish_prepare(BLOCK, brand, groups, flows, tally)
        self.plays["ads"].clear()
        new = eng.step(extra=(self._h, self._c, self._m))
        channel_new = np.zeros(len(Cause), np.int64)
        levels = np.zeros(4, np.int64)
        out = kern.SettleOut(self._buyers, channel_new, tally, levels)
        nb, n_rec = settle_day(t, self.market_key, self._P, ev, brand, groups, flows, out,
                               self._settle_scratch, eng._use_parallel(n))  # fmt: skip
        self.buyers_today = self._buyers[:nb]
        for play in self.plays.values():
            play.settle(t, tally)
        self._new.append(new)
        self._counts.append(eng.counts.copy())
        self._spend.append(self._spend_today)
        self._tally.append(tally)
        cut = sum(play.price_cut(tally) for play in self.plays.values())  # live discounts
        self._revenue.append(tally[kern.K_PURCHASES] * p.product.price - cut)
        self._service.append(n_rec * p.trust.recovery_cost)
        self._levels.append(levels)
        self._channel_new.append(channel_new)

    def run(self, steps: int | None = None) -> MarketRun:
        """Run ``steps`` days (default: up to the horizon) and return the whole run so far."""
        steps = self.horizon - self.engine.t if steps is None else steps
        if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
            raise ConfigError("sim.steps", steps, "an integer >= 0")
        for _ in range(steps):
            self.step()
        return self.result()

    def result(self) -> MarketRun:
        return MarketRun(
            counts=self.counts,
            new_by_cause=self.new_by_cause,
            new_by_channel=np.asarray(self._channel_new),
            tally=np.asarray(self._tally),
            levels=np.asarray(self._levels),
            spend=np.asarray(self._spend),
            revenue=np.asarray(self._revenue, dtype=np.float64),
            service_cost=np.asarray(self._service, dtype=np.float64),
            budget=self.budget.copy(),
            margin=self.params.product.margin,
            organic_seeds=int(self.seeds.size) + self.n_start,
        )


def _param_vector(p: MarketParams) -> np.ndarray:
    P = np.full(kern.N_P, np.nan)  # every slot must be set below
    P[kern.P_TRUST0] = p.trust.initial
    P[kern.P_CTR] = p.ads.ctr
    # the ad's objective: a purchase page, or the staff's contact card (加企微: a lead)
    staff = p.ads.objective == "add_staff"
    P[kern.P_CLICK_CONV] = 0.0 if staff else p.ads.click_conversion
    P[kern.P_REPEAT_DECAY] = p.ads.repeat_decay
    P[kern.P_SOCIAL_BOOST] = p.ads.social_boost
    follow = p.ads.add_staff_rate if staff else p.ads.follow_on_click
    P[kern.P_FOLLOW_CLICK] = follow if p.groups.enabled else 0.0
    P[kern.P_MKT_SHARE] = p.groups.marketing_share
    P[kern.P_BCAST_CONV] = p.groups.broadcast_conversion
    P[kern.P_QUOTA] = p.groups.monthly_quota
    P[kern.P_COUPON_VALID] = p.coupons.valid_days
    P[kern.P_REDEEM] = p.coupons.redeem
    P[kern.P_SHARE_CONV] = p.groups.share_conversion
    P[kern.P_GB_NEED] = p.groupbuy.team_size - 1
    P[kern.P_GB_JOIN] = p.groupbuy.join
    P[kern.P_TOL] = p.fatigue.tolerance
    P[kern.P_MUTE] = p.fatigue.mute_per_message
    P[kern.P_SENS] = p.fatigue.sensitivity
    P[kern.P_MEMORY] = p.fatigue.memory
    P[kern.P_INTERACT] = p.trust.interaction_gain
    P[kern.P_REPURCHASE] = p.product.repurchase
    P[kern.P_VIP_BOOST] = p.vip.repurchase_boost
    P[kern.P_BCAST_REPURCHASE] = p.groups.broadcast_repurchase
    P[kern.P_FAIL] = p.product.service_failure
    P[kern.P_FAIL_LOSS] = p.trust.failure_loss
    P[kern.P_RECOVERY] = 1.0 if p.trust.recovery else 0.0
    P[kern.P_RECOVERY_SHARE] = p.trust.recovery_share
    P[kern.P_PURCHASE_GAIN] = p.trust.purchase_gain
    P[kern.P_SHARE] = p.groups.share_prob
    P[kern.P_FOLLOW_BUY] = p.groups.follow_on_purchase if p.groups.enabled else 0.0
    P[kern.P_JOIN_GROUP] = p.groups.join_group
    P[kern.P_EXIT] = p.groups.exit_rate
    P[kern.P_CAPACITY] = p.groups.capacity
    P[kern.P_GROUPS_ON] = 1.0 if p.groups.enabled else 0.0
    P[kern.P_VIEW_CONV] = p.ads.view_conversion
    P[kern.P_VIEW_DAYS] = p.ads.view_days
    fill_lever_slots(P, p)  # price, discounts, content mix (issue 14 item 5)
    P[kern.P_VIEW_DECAY] = p.ads.view_decay
    P[kern.P_AD_MESSAGE] = 1.0 if p.ads.count_as_message else 0.0
    unset = np.flatnonzero(np.isnan(P))
    assert unset.size == 0, f"kernel parameters without a value: {unset.tolist()}"
    return P
