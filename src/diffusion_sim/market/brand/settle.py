"""The day's settlement, brand-wide: the shared part of prepare (tallies, counts, muted
consumers leaving their groups), then purchases and repeat purchases, service failures and
trust, following and customer groups, shares in groups, exits."""

from __future__ import annotations

from numba import njit

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
    STRONG,
    WEAK,
    _engagement,
)


@njit(cache=True)
def _finish_prepare(block, eng, brand, groups, adv, n_touched, flows, tally):
    """Serial part of prepare: tallies, muted consumers leave their groups,
    and the advocacy table is cleared (only its touched rows)."""
    rel, churned, group, vip_group = brand.rel, brand.churned, brand.group, brand.vip_group
    group_count, vip_count = groups.group_count, groups.vip_count
    L, flag, touched = adv
    tally_blocks, muted, n_muted = flows.tally_blocks, flows.muted, flows.n_muted
    for b in range(tally_blocks.shape[0]):
        for k in range(tally_blocks.shape[1]):
            tally[k] += tally_blocks[b, k]
            tally_blocks[b, k] = 0
        for a in range(n_muted[b]):
            _leave(muted[b * block + a], rel, churned, group, group_count, vip_group, vip_count)
    for a in range(n_touched):
        i = touched[a]
        flag[i] = False
        for k in range(L.shape[1]):
            L[i, k] = 0.0


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


@njit(cache=True)
def _settle(t, key, P, eng, brand, groups, flows, out):
    """Purchases of step ``t`` (first ones decided by the engine, repeats here), trust,
    following and group joining, exits. Returns (buyers listed, service failures handled).

    New group members fill the newest customer group; when it holds ``capacity`` members a new
    one opens (``n_groups[0]`` counts them; ``group_count`` has a slot for every group that
    ``n`` consumers could need).
    """
    state, adopted_at, cause = eng.state, eng.adopted_at, eng.cause
    trust, rel, churned, group, vip_group = (brand.trust, brand.rel, brand.churned, brand.group,
                                             brand.vip_group)  # fmt: skip
    purchases, last_buy, coupon_until = brand.purchases, brand.last_buy, brand.coupon_until
    mshare = brand.mshare
    touch, channel = brand.touch, brand.channel
    group_count, n_groups, vip_count, next_shares = (
        groups.group_count,
        groups.n_groups,
        groups.vip_count,
        groups.next_shares,
    )
    follow_new, bcast_rx = flows.follow_new, flows.bcast_rx
    buyers, channel_new, tally, levels = out
    sk = _step_key(key, 4 * t + 1)
    trust0 = P[P_TRUST0]
    nb = 0
    n_recovered = 0
    groups_on = P[P_GROUPS_ON] != 0.0
    cap = P[P_CAPACITY]
    n_weak = n_strong = n_churned = n_repeat = 0
    for i in range(state.shape[0]):
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
                buyers[nb] = i
                nb += 1
                if _uniform(sk, i, 1) < P[P_FAIL]:
                    tally[K_FAILURES] += 1
                    loss = P[P_FAIL_LOSS]
                    if P[P_RECOVERY] != 0.0:
                        loss *= 1.0 - P[P_RECOVERY_SHARE]
                        n_recovered += 1
                    elif rel[i] == STRONG:  # an unrecovered failure breaks the strong tie
                        rel[i] = WEAK
                        v = vip_group[i]
                        if v >= 0:
                            vip_count[v] -= 1
                            vip_group[i] = -1
                    trust[i] = max(0.0, trust[i] - loss)
                else:
                    trust[i] = min(1.0, trust[i] + P[P_PURCHASE_GAIN])
                g = group[i]
                if g >= 0 and _uniform(sk, i, 2) < P[P_SHARE]:
                    next_shares[g] += 1
        if follow_new[i]:
            follow_new[i] = 0
            if rel[i] == ABSENT and not churned[i]:
                rel[i] = WEAK
                tally[K_NEW_FOLLOWERS] += 1
                if groups_on and group[i] < 0 and _uniform(sk, i, 3) < P[P_JOIN_GROUP]:
                    ng = n_groups[0]
                    if ng == 0 or group_count[ng - 1] >= cap:
                        ng += 1
                        n_groups[0] = ng
                    group[i] = ng - 1
                    group_count[ng - 1] += 1
                    touch[i] = C_GROUP
        elif rel[i] == WEAK and _uniform(sk, i, 3) < P[P_EXIT]:
            tally[K_EXITS] += 1
            _leave(i, rel, churned, group, group_count, vip_group, vip_count)
        # levels after the day: followers, VIP members, churned, repeat customers
        r = rel[i]
        n_weak += r == WEAK
        n_strong += r == STRONG
        n_churned += churned[i]
        n_repeat += purchases[i] >= 2
    levels[0] = n_weak
    levels[1] = n_strong
    levels[2] = n_churned
    levels[3] = n_repeat
    return nb, n_recovered
