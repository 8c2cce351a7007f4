"""The day's settlement, brand-wide: the shared part of prepare (tallies, counts, muted
consumers leaving their groups), then purchases and repeat purchases, service failures and
trust, following and customer groups, shares in groups, exits."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from ...kernels._variants import serial_and_parallel
from ...rng import _step_key, _uniform
from .._kernels import (  # constants of the market kernels
    ABSENT,
    ADOPTED,
    C_AD,
    C_GROUP,
    C_GROUPBUY,
    C_REFERRAL,
    K_COUPONS_REDEEMED,
    K_EXITS,
    K_FAILURES,
    K_GROUPBUYS,
    K_NEW_FOLLOWERS,
    K_PURCHASES,
    K_REFERRALS,
    K_REPEAT,
    K_VIP_REPEAT,
    P_BCAST_REPURCHASE,
    P_BCAST_RESP,
    P_CAPACITY,
    P_COUPON_RESP,
    P_ENGAGE,
    P_EXIT,
    P_FAIL,
    P_FAIL_LOSS,
    P_FOLLOW_BUY,
    P_GROUPS_ON,
    P_JOIN_GROUP,
    P_PRICE_RESP,
    P_PURCHASE_GAIN,
    P_RECOVERY,
    P_RECOVERY_SHARE,
    P_REDEEM,
    P_REPURCHASE,
    P_SHARE,
    P_TRUST0,
    P_VIP_BOOST,
    SCREEN,
    STRONG,
    WEAK,
    _engagement,
)


@njit(cache=True)
def _finish_prepare(block, brand, groups, flows, tally):
    """Serial part of prepare: tallies, and muted consumers leave their groups (in consumer
    order). (The pass itself clears the advocacy table's rows it read.)"""
    rel, churned, group, vip_group = brand.rel, brand.churned, brand.group, brand.vip_group
    group_count, vip_count = groups.group_count, groups.vip_count
    tally_blocks, muted, n_muted = flows.tally_blocks, flows.muted, flows.n_muted
    for b in range(tally_blocks.shape[0]):
        for k in range(tally_blocks.shape[1]):
            tally[k] += tally_blocks[b, k]
            tally_blocks[b, k] = 0
        for a in range(n_muted[b]):
            _leave(muted[b * block + a], rel, churned, group, group_count, vip_group, vip_count)


@njit(cache=True, inline="always")
def _leave(i, rel, churned, group, group_count, vip_group, vip_count):
    """Consumer ``i`` mutes the brand / leaves its groups: relationship becomes ABSENT."""
    rel[i] = ABSENT
    churned[i] = True
    g = group[i]
    if g >= 0:
        group_count[g] -= 1
        group[i] = -1
    v = vip_group[i]
    if v >= 0:
        vip_count[v] -= 1
        vip_group[i] = -1


# Kinds of the events a consumer's settlement leaves for the serial finish: they touch counts
# shared by groups, and who joins which customer group depends on every earlier consumer's
# joins and exits, so the finish applies them in consumer order. Each event is (kind,
# consumer); the finish reads the consumer's groups, which only its own later events change.
EV_VIP_LEFT = np.int8(0)  # an unrecovered failure broke a VIP member's strong tie
EV_SHARE = np.int8(1)  # a purchase shown in the buyer's customer group (a share tomorrow)
EV_JOIN = np.int8(2)  # a new follower joins the newest customer group
EV_EXIT = np.int8(3)  # a follower leaves the brand (its groups, as _leave)
#: At most a share, then one of the others (a join needs no relationship, a broken VIP tie
#: leaves a follower, and an exit also leaves the VIP group)
EV_PER_CONSUMER = 2


class SettleScratch(NamedTuple):
    """Per-block results of the parallel settle pass, combined by its serial finish: event
    slots (``EV_PER_CONSUMER`` per consumer from ``EV_PER_CONSUMER * lo``; consumer ids,
    int32), and each block's counts of buyers, events and recovered failures, new customers
    by channel and levels."""

    block: int
    ev_who: np.ndarray
    ev_kind: np.ndarray
    block_nb: np.ndarray
    block_ne: np.ndarray
    block_rec: np.ndarray
    channel_blocks: np.ndarray
    level_blocks: np.ndarray


# not inline="always": inlined into the prange loop, numba 0.6x took its counters for the
# loop's reductions and the threaded runs differed from the serial ones (caught by a digest)
@njit(cache=True)
def _settle_range(b, t, sk, P, eng, brand, flows, out, scratch):
    """Consumers of block ``b``: everything of their settlement that is their own (draws,
    purchases, trust, relationship), tallied in the block's rows; what is shared goes to the
    block's event slots."""
    state, adopted_at, cause = eng.state, eng.adopted_at, eng.cause
    trust, rel, churned, group, vip_group = (brand.trust, brand.rel, brand.churned, brand.group,
                                             brand.vip_group)  # fmt: skip
    purchases, last_buy, coupon_until = brand.purchases, brand.last_buy, brand.coupon_until
    mshare = brand.mshare
    touch, channel = brand.touch, brand.channel
    follow_new, bcast_rx = flows.follow_new, flows.bcast_rx
    buyers = out.buyers
    tally = flows.tally_blocks[b]
    channel_new = scratch.channel_blocks[b]
    ev_who, ev_kind = scratch.ev_who, scratch.ev_kind
    block = scratch.block
    lo = b * block
    hi = min(state.shape[0], lo + block)
    e0 = EV_PER_CONSUMER * lo
    trust0 = P[P_TRUST0]
    nb = 0
    ne = 0
    n_recovered = 0
    groups_on = P[P_GROUPS_ON] != 0.0
    # the day's constants of the screen below (each the same operations as on the consumer's
    # own path in the loop, so the same bits)
    r0 = P[P_REPURCHASE]
    r_vip = min(1.0, r0 * P[P_VIP_BOOST])
    q_coupon = 1.0 - min(1.0, P[P_REDEEM] * P[P_COUPON_RESP])
    price = P[P_PRICE_RESP]
    p_exit = P[P_EXIT]
    acts = np.empty(SCREEN, np.int64)
    n_weak = n_strong = n_churned = n_repeat = 0
    for w in range(lo, hi, SCREEN):
        e = min(hi, w + SCREEN)
        # 1. Who has anything to settle today, without branches (the loop vectorises): a
        # first purchase, a repeat purchase (its draw against its hazard without a broadcast;
        # every customer a broadcast reached goes to the loop, which adds the broadcast's
        # pull), a new follower, or a follower's exit draw. For any other consumer the loop
        # would change nothing; about 1 % of a large market on a day acts.
        # (over views from 0: an index that cannot be negative needs no wraparound, which
        # would keep the loop from vectorising)
        s_, at_, rel_, cu_ = state[w:e], adopted_at[w:e], rel[w:e], coupon_until[w:e]
        trust_, bc_, fn_ = trust[w:e], bcast_rx[w:e], follow_new[w:e]
        for k in range(e - w):
            at = at_[k]
            r = r_vip if rel_[k] == STRONG else r0
            r = 1.0 - (1.0 - r) * q_coupon if cu_[k] >= t else r
            r = min(1.0, r * trust_[k] / trust0 * price)
            repeat = (at < t) & ((bc_[k] != 0) | (_uniform(sk, w + k, 0) < r))
            bought = (s_[k] == ADOPTED) & ((at == t) | repeat)
            leaves = (rel_[k] == WEAK) & (_uniform(sk, w + k, 3) < p_exit)
            acts[k] = bought | (fn_[k] != 0) | leaves
        # 2. Those consumers settle, in consumer order
        for i in range(w, e):
            if not acts[i - w]:
                continue
            vip_left = False
            if state[i] == ADOPTED:
                bought = False
                if adopted_at[i] == t:
                    c = cause[i]
                    channel[i] = c if c >= C_AD else touch[i]
                    channel_new[channel[i]] += 1
                    if c == C_REFERRAL:
                        tally[K_REFERRALS] += 1
                    elif c == C_GROUPBUY:
                        tally[K_GROUPBUYS] += 1
                    bought = True
                    if (
                        groups_on
                        and rel[i] == ABSENT
                        and not churned[i]
                        and _uniform(sk, i, 0) < P[P_FOLLOW_BUY]
                    ):
                        follow_new[i] = 1
                    flows.visit[i] = 1  # a customer now: tomorrow's prepare clears its channels
                elif adopted_at[i] < t:
                    r = P[P_REPURCHASE]
                    if rel[i] == STRONG:
                        r = min(1.0, r * P[P_VIP_BOOST])
                    if bcast_rx[i]:  # (the broadcast's pull grows with its marketing share)
                        rb = P[P_BCAST_REPURCHASE] * P[P_BCAST_RESP]
                        if P[P_ENGAGE] != 0.0:  # (engagement after today's messages)
                            rb *= _engagement(mshare[i], P)
                        rb = min(1.0, rb)
                        r = 1.0 - (1.0 - r) * (1.0 - rb)
                    if coupon_until[i] >= t:  # (a larger coupon pulls more)
                        r = 1.0 - (1.0 - r) * (1.0 - min(1.0, P[P_REDEEM] * P[P_COUPON_RESP]))
                    r = min(1.0, r * trust[i] / trust0 * P[P_PRICE_RESP])  # trust, then price
                    if _uniform(sk, i, 0) < r:
                        bought = True
                        tally[K_REPEAT] += 1
                        if rel[i] == STRONG:
                            tally[K_VIP_REPEAT] += 1
                if bought:
                    if coupon_until[i] >= t:  # a valid coupon is used on any purchase
                        tally[K_COUPONS_REDEEMED] += 1
                        coupon_until[i] = -1
                    purchases[i] += 1
                    last_buy[i] = t
                    tally[K_PURCHASES] += 1
                    buyers[lo + nb] = i
                    nb += 1
                    if _uniform(sk, i, 1) < P[P_FAIL]:
                        tally[K_FAILURES] += 1
                        loss = P[P_FAIL_LOSS]
                        if P[P_RECOVERY] != 0.0:
                            loss *= 1.0 - P[P_RECOVERY_SHARE]
                            n_recovered += 1
                        elif rel[i] == STRONG:  # an unrecovered failure breaks the strong tie
                            rel[i] = WEAK
                            vip_left = vip_group[i] >= 0  # (its event after the share's)
                        trust[i] = max(0.0, trust[i] - loss)
                    else:
                        trust[i] = min(1.0, trust[i] + P[P_PURCHASE_GAIN])
                    g = group[i]
                    if g >= 0 and _uniform(sk, i, 2) < P[P_SHARE]:
                        ev_kind[e0 + ne] = EV_SHARE
                        ev_who[e0 + ne] = i
                        ne += 1
            if follow_new[i]:
                follow_new[i] = 0
                if rel[i] == ABSENT and not churned[i]:
                    rel[i] = WEAK
                    tally[K_NEW_FOLLOWERS] += 1
                    if groups_on and group[i] < 0 and _uniform(sk, i, 3) < P[P_JOIN_GROUP]:
                        ev_kind[e0 + ne] = EV_JOIN
                        ev_who[e0 + ne] = i
                        ne += 1
                        touch[i] = C_GROUP
            elif rel[i] == WEAK and _uniform(sk, i, 3) < P[P_EXIT]:
                tally[K_EXITS] += 1
                ev_kind[e0 + ne] = EV_EXIT
                ev_who[e0 + ne] = i
                ne += 1
                vip_left = False  # (the exit leaves the VIP group too)
                rel[i] = ABSENT  # as _leave; the groups in the finish
                churned[i] = True
            if vip_left:
                ev_kind[e0 + ne] = EV_VIP_LEFT
                ev_who[e0 + ne] = i
                ne += 1
        # 3. levels after the day: followers, VIP members, churned, repeat customers
        ch_, pu_ = churned[w:e], purchases[w:e]
        for k in range(e - w):
            r_k = rel_[k]
            n_weak += r_k == WEAK
            n_strong += r_k == STRONG
            n_churned += ch_[k]
            n_repeat += pu_[k] >= 2
    lv = scratch.level_blocks[b]
    lv[0] = n_weak
    lv[1] = n_strong
    lv[2] = n_churned
    lv[3] = n_repeat
    scratch.block_nb[b] = nb
    scratch.block_ne[b] = ne
    scratch.block_rec[b] = n_recovered


def _settle_blocks(t, key, P, eng, brand, flows, out, scratch):
    sk = _step_key(key, 4 * t + 1)
    for b in prange(scratch.block_nb.shape[0]):
        _settle_range(b, t, sk, P, eng, brand, flows, out, scratch)


_settle_blocks_serial, _settle_blocks_parallel = serial_and_parallel(_settle_blocks)


@njit(cache=True)
def _settle_finish(P, brand, groups, flows, out, scratch):
    """Serial part of settle: the blocks' lists closed up in consumer order, their counts
    summed, and their events applied in consumer order. Returns (buyers, recovered)."""
    rel, churned, group, vip_group = brand.rel, brand.churned, brand.group, brand.vip_group
    vip_count = groups.vip_count
    group_count, n_groups, next_shares = groups.group_count, groups.n_groups, groups.next_shares
    buyers, channel_new, tally, levels = out
    tally_blocks = flows.tally_blocks
    block = scratch.block
    cap = P[P_CAPACITY]
    nb = 0
    n_rec = 0
    for b in range(scratch.block_nb.shape[0]):
        lo = b * block
        for a in range(scratch.block_nb[b]):
            buyers[nb + a] = buyers[lo + a]
        nb += scratch.block_nb[b]
        n_rec += scratch.block_rec[b]
        for k in range(tally_blocks.shape[1]):
            tally[k] += tally_blocks[b, k]
            tally_blocks[b, k] = 0
        for k in range(channel_new.shape[0]):
            channel_new[k] += scratch.channel_blocks[b, k]
            scratch.channel_blocks[b, k] = 0
        for k in range(4):
            levels[k] += scratch.level_blocks[b, k]
        e0 = EV_PER_CONSUMER * lo
        for a in range(e0, e0 + scratch.block_ne[b]):
            kind = scratch.ev_kind[a]
            i = scratch.ev_who[a]
            if kind == EV_SHARE:
                next_shares[group[i]] += 1
            elif kind == EV_JOIN:  # the newest group, or a new one when it is full
                ng = n_groups[0]
                if ng == 0 or group_count[ng - 1] >= cap:
                    ng += 1
                    n_groups[0] = ng
                group[i] = ng - 1
                group_count[ng - 1] += 1
                flows.visit[i] = 1  # a member sees the group's shares (prepare pass)
            elif kind == EV_VIP_LEFT:
                vip_count[vip_group[i]] -= 1
                vip_group[i] = -1
            else:  # EV_EXIT
                _leave(i, rel, churned, group, group_count, vip_group, vip_count)
    return nb, n_rec


def settle_day(t, key, P, eng, brand, groups, flows, out, scratch, parallel):
    """Purchases of step ``t`` (first ones decided by the engine, repeats here), trust,
    following and group joining, shares in groups, exits. Returns (buyers listed, service
    failures handled).

    Blocks of consumers settle independently (in parallel if ``parallel``); what they share
    (group and VIP counts, the customer group a new member joins) is applied afterwards in
    consumer order, so the result is the same with any number of threads. New group members
    fill the newest customer group; when it holds ``capacity`` members a new one opens
    (``n_groups[0]`` counts them; ``group_count`` has a slot for every group that ``n``
    consumers could need).
    """
    fn = _settle_blocks_parallel if parallel else _settle_blocks_serial
    fn(t, key, P, eng, brand, flows, out, scratch)
    return _settle_finish(P, brand, groups, flows, out, scratch)
