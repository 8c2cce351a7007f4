"""Compiled per-step passes of the market (see :mod:`diffusion_sim.market.model` for the order).

Each pass is a loop over blocks of consumers (threaded where the engine's steps are), whose
shared results a short serial finish combines in consumer order, so a run is the same with
any number of threads. Random numbers come from the counter-based
generator keyed by (market key, 4 t + pass, consumer, stream), so a consumer's draws do not
depend on what other consumers do and the plays of a comparison share them (common random
numbers). Scalar parameters travel in one float64 array ``P`` indexed by the constants below.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from ..contagion import ExtraHazard
from ..kernels._prefetch import prefetch
from ..kernels._variants import serial_and_parallel
from ..rng import _step_key, _uniform
from ..states import Cause, Relationship, State
from .channels import ADVOCACY_CAUSES, N_ADVOCACY, N_CHANNELS  # noqa: F401 (re-exported)
from .registry import TALLY_INDEX

UNAWARE = np.uint8(State.UNAWARE)
AWARE = np.uint8(State.AWARE)
ADOPTED = np.uint8(State.ADOPTED)
ABSENT = np.uint8(Relationship.ABSENT)
WEAK = np.uint8(Relationship.WEAK)
STRONG = np.uint8(Relationship.STRONG)
C_NONE = np.int8(Cause.NONE)
C_AD = np.int8(Cause.AD)
C_GROUP = np.int8(Cause.GROUP)
C_COUPON = np.int8(Cause.COUPON)
C_REFERRAL = np.int8(Cause.REFERRAL)
C_GROUPBUY = np.int8(Cause.GROUPBUY)
C_BRIDGE = np.int8(Cause.BRIDGE)
C_LIVESTREAM = np.int8(Cause.LIVESTREAM)


class EngineView(NamedTuple):
    """The engine's arrays the brand's compiled passes read (state, adopter counts, adoption
    day and cause); ``counts`` only through :meth:`~diffusion_sim.contagion.Engine.mark_aware`
    and the engine's own step."""

    state: np.ndarray
    adopters: np.ndarray
    adopted_at: np.ndarray
    cause: np.ndarray
    counts: np.ndarray


class Brand(NamedTuple):
    """The brand's records of each consumer (shape (n,) each)."""

    trust: np.ndarray
    rel: np.ndarray
    churned: np.ndarray
    group: np.ndarray
    vip_group: np.ndarray
    purchases: np.ndarray
    last_buy: np.ndarray
    msgs_month: np.ndarray
    mshare: np.ndarray
    last_ad: np.ndarray
    ads_seen: np.ndarray
    coupon_until: np.ndarray
    touch: np.ndarray
    channel: np.ndarray


class GroupArrays(NamedTuple):
    """Customer and VIP groups: member counts, today's shares per group; today's joint
    campaign posts reaching each consumer, shape (n, 2) int32: column 0 through their customer
    group, column 1 in their social community (bridges' joint campaigns), or (0, 2) on a
    day without posts."""

    group_count: np.ndarray
    n_groups: np.ndarray
    vip_count: np.ndarray
    shares: np.ndarray
    joint_posts: np.ndarray
    next_shares: np.ndarray


class AdvocacyTable(NamedTuple):
    """Log-survival of each consumer against today's posts, by kind; its touched rows."""

    L: np.ndarray
    flag: np.ndarray
    touched: np.ndarray


class Plan(NamedTuple):
    """Today's plan as the prepare pass reads it."""

    ad_today: np.ndarray  # today's impressions (cleared here)
    bcast_today: bool
    coupon_rx: np.ndarray
    gb_on: bool
    recent: np.ndarray
    L: np.ndarray  # today's advocacy table (an AdvocacyTable's L and flag; cleared here)
    flag: np.ndarray
    live_today: np.ndarray  # viewers of today's livestream session (cleared here)
    live_h: float  # a viewer's hazard of buying during the session
    dense: bool  # visit every consumer today (else only those marked in ``Flows.visit``)
    listed: bool  # on a sparse day, list the visits first and prefetch (a large market)


class Flows(NamedTuple):
    """Scratch passed from prepare to its finish and to settle."""

    follow_new: np.ndarray
    bcast_rx: np.ndarray
    muted: np.ndarray
    n_muted: np.ndarray
    tally_blocks: np.ndarray
    visit: np.ndarray  # consumers the next prepare pass must visit (uint8, 1 or ASLEEP)


#: The engine's extra inputs, written by the prepare pass: hazard, its cause, the trust
#: multiplier (shape (n,) each).
Extra = ExtraHazard


class Posts(NamedTuple):
    """Today's posting consumers, their advocacy kind and weight (trust / initial), and the
    per-tie hazards (strong, weak) of each kind."""

    sources: np.ndarray
    kinds: np.ndarray
    weight: np.ndarray
    b_s: np.ndarray
    b_w: np.ndarray


class SettleOut(NamedTuple):
    """What settle writes: today's buyers, new customers by channel code, tally, levels."""

    buyers: np.ndarray
    channel_new: np.ndarray
    tally: np.ndarray
    levels: np.ndarray


# -- indices into P -----------------------------------------------------------------------
(
    P_TRUST0,
    P_CTR,
    P_CLICK_CONV,
    P_REPEAT_DECAY,
    P_SOCIAL_BOOST,
    P_FOLLOW_CLICK,
    P_MKT_SHARE,
    P_BCAST_CONV,
    P_QUOTA,
    P_COUPON_VALID,
    P_REDEEM,
    P_SHARE_CONV,
    P_GB_NEED,
    P_GB_JOIN,
    P_TOL,
    P_MUTE,
    P_SENS,
    P_MEMORY,
    P_INTERACT,
    P_REPURCHASE,
    P_VIP_BOOST,
    P_BCAST_REPURCHASE,
    P_FAIL,
    P_FAIL_LOSS,
    P_RECOVERY,
    P_RECOVERY_SHARE,
    P_PURCHASE_GAIN,
    P_SHARE,
    P_FOLLOW_BUY,
    P_JOIN_GROUP,
    P_EXIT,
    P_CAPACITY,
    P_GROUPS_ON,
    P_VIEW_CONV,
    P_VIEW_DAYS,
    N_P,
) = range(36)
# -- levers (issue 14 item 5): responses to price, discounts and the content mix, numbered
# after the slots above (so that slots added there shift these, not collide with them);
# filled by :func:`diffusion_sim.market.brand.price.fill_lever_slots`
(
    P_PRICE_RESP,  # exp(elasticity (price - reference_price) / reference_price): every purchase
    P_COUPON_RESP,  # coupon value vs its reference value, on the effective price
    P_GB_RESP,  # group-buy discount vs its reference
    P_LIVE_RESP,  # live discount vs its reference
    P_BCAST_RESP,  # (marketing_share / reference_share) ** content_response
    P_JOINT_CONV,  # P(buy) per joint-campaign post in a consumer's community
    P_MUTE_LOSS,  # trust lost by a consumer who mutes the brand
    P_ENGAGE,  # engagement exponent: a broadcast's pull times ((1 - s) / (1 - ref)) ** it
    P_REF_SHARE,  # the reference marketing share
    N_P,
) = range(N_P, N_P + 10)


@njit(cache=True, inline="always")
def _engagement(s, P):
    """Engagement of a member whose perceived marketing share is ``s``, relative to one at
    the reference share: ``((1 - s) / (1 - ref)) ** engagement`` (members read less of a brand
    whose messages are mostly marketing)."""
    return ((1.0 - s) / (1.0 - P[P_REF_SHARE])) ** P[P_ENGAGE]


# ads as bought media (issue 14), appended so the slots above keep their numbers
P_VIEW_DECAY, P_AD_MESSAGE = N_P, N_P + 1
N_P += 2

# -- indices into the per-step tallies (from the registry) ------------------------------------
K_IMPRESSIONS = TALLY_INDEX["impressions"]
K_CLICKS = TALLY_INDEX["clicks"]
K_DELIVERED = TALLY_INDEX["messages_delivered"]
K_COUPONS_ISSUED = TALLY_INDEX["coupons_issued"]
K_MUTED = TALLY_INDEX["muted"]
K_NEW_AWARE = TALLY_INDEX["new_aware_by_ads"]
K_PURCHASES = TALLY_INDEX["purchases"]
K_REPEAT = TALLY_INDEX["repeat_purchases"]
K_FAILURES = TALLY_INDEX["service_failures"]
K_NEW_FOLLOWERS = TALLY_INDEX["new_followers"]
K_EXITS = TALLY_INDEX["exits"]
K_COUPONS_REDEEMED = TALLY_INDEX["coupons_redeemed"]
K_REFERRALS = TALLY_INDEX["referrals"]
K_GROUPBUYS = TALLY_INDEX["groupbuys"]
K_VIP_REPEAT = TALLY_INDEX["vip_repeat_purchases"]
K_LIVE_SESSIONS = TALLY_INDEX["live_sessions"]
K_LIVE_VIEWERS = TALLY_INDEX["live_viewers"]
K_LIVE_SALES = TALLY_INDEX["live_sales"]
K_AD_REACH = TALLY_INDEX["ad_reach"]
K_AD_UNSOLD = TALLY_INDEX["ad_unsold"]
N_TALLY = len(TALLY_INDEX)


#: ``Flows.visit`` of a consumer whose only exposure is its view-through window: visited again
#: when the window closes (or when marked 1 by a play)
ASLEEP = np.uint8(2)

#: How many listed consumers ahead a sparse prepare pass prefetches (see _prepare_range)
AHEAD_VISIT = 4
#: Consumers a screen looks at at a time: the passes over everyone (the sparse days' listing,
#: settle, the ad candidates) decide per chunk without branches, then act on the few that
#: pass (docs/model.md §9.11, screens); the chunk's flags stay in the L1 cache
SCREEN = 256

#: Powers of the view-through decay kept in a table (impressions seen; more use ``**``).
N_POW = 64


@njit(cache=True)
def _prepare_range(b, block, t, sk, P, eng, brand, groups, plan, flows, extra):
    """Block ``b`` (consumers ``lo <= i < hi``): each writes only its own entries, its block's
    tally row and its block's slots of ``muted`` (from ``muted[lo]``); returns how many muted."""
    state, adopters = eng.state, eng.adopters
    trust, rel, group = brand.trust, brand.rel, brand.group
    msgs_month, mshare, last_ad, ads_seen = (brand.msgs_month, brand.mshare, brand.last_ad,
                                             brand.ads_seen)  # fmt: skip
    coupon_until, touch = brand.coupon_until, brand.touch
    group_shares, joint_posts = groups.shares, groups.joint_posts
    joint_on = joint_posts.shape[0] > 0
    ad_today, bcast_today, coupon_rx, gb_on, recent = (
        plan.ad_today,
        plan.bcast_today,
        plan.coupon_rx,
        plan.gb_on,
        plan.recent,
    )
    L, flag = plan.L, plan.flag
    live_today, live_h = plan.live_today, plan.live_h
    follow_new, bcast_rx, muted = flows.follow_new, flows.bcast_rx, flows.muted
    h_x, c_x, m_x = extra
    tally = flows.tally_blocks[b]
    lo = b * block
    hi = min(state.shape[0], lo + block)
    trust0 = P[P_TRUST0]
    vdays = P[P_VIEW_DAYS]
    vconv = P[P_VIEW_CONV]
    view_on = vconv > 0.0
    quota = P[P_QUOTA]
    mkt = P[P_MKT_SHARE]
    lam = P[P_MEMORY]
    # one row per registered channel: each channel adds at most one entry per consumer
    hz = np.zeros(N_CHANNELS)
    cz = np.zeros(N_CHANNELS, dtype=np.int8)
    # view_decay ** a for the view-through window (up to half the market each day): a table
    # filled by the same power as the fallback, so the values are the same bits
    view_pow = np.empty(N_POW)
    for a in range(N_POW):
        view_pow[a] = P[P_VIEW_DECAY] ** a
    visit, dense = flows.visit, plan.dense
    gb_need = P[P_GB_NEED]
    nm = 0
    # a sparse day lists the block's consumers to visit first: they are scattered, and each
    # visit reads ~20 per-consumer arrays, a cache miss apiece, so the loop below asks for
    # the lines of the consumer AHEAD_VISIT places on while it works on this one
    n_todo = hi - lo
    todo = visit[:0].astype(np.int64)
    # a market whose arrays fit in the caches gains nothing from the list and its prefetches
    # but pays the listing pass (the default job, 20,000 consumers: +22 % in this pass)
    listed = not dense and plan.listed
    if listed:
        todo = np.empty(hi - lo, np.int64)
        n_todo = 0
        keep = np.empty(SCREEN, np.int64)
        # marked, a target of today's advocacy posts (its flag), asleep with its view-through
        # window (its only exposure) closed, or a group member on a broadcast day; the rest
        # have nothing reaching them today (see _prepare). Half the market is marked or
        # asleep while the ads run, so the rule is evaluated for everyone without branches,
        # over views from 0 (an index that cannot be negative needs no wraparound: the loop
        # vectorises), then listed
        for w in range(lo, hi, SCREEN):
            e = min(hi, w + SCREEN)
            v_, f_, la_, g_ = visit[w:e], flag[w:e], last_ad[w:e], group[w:e]
            for k in range(e - w):
                v = v_[k]
                keep[k] = (
                    (v == 1)
                    | f_[k]
                    | ((v == ASLEEP) & (t - la_[k] >= vdays))
                    | (bcast_today & (g_[k] >= 0))
                )
            for k in range(e - w):
                todo[n_todo] = w + k
                n_todo += keep[k]
    for a in range(n_todo):
        if not listed:
            i = lo + a
            if not dense and not (
                visit[i] == 1
                or flag[i]
                or (visit[i] == ASLEEP and t - last_ad[i] >= vdays)
                or (bcast_today and group[i] >= 0)
            ):
                continue  # (the same rule as the listing's)
        else:
            i = todo[a]
            if a + AHEAD_VISIT < n_todo:
                j = todo[a + AHEAD_VISIT]
                prefetch(state, j)
                prefetch(adopters, j)
                prefetch(trust, j)
                prefetch(m_x, j)
                prefetch(h_x, j)
                prefetch(c_x, j)
                prefetch(bcast_rx, j)
                prefetch(ad_today, j)
                prefetch(ads_seen, j)
                prefetch(last_ad, j)
                prefetch(coupon_rx, j)
                prefetch(group, j)
                prefetch(coupon_until, j)
                prefetch(recent, j)
                prefetch(flag, j)
                prefetch(L, (j, 0))
                prefetch(live_today, j)
                prefetch(rel, j)
        adopted = state[i] == ADOPTED
        if not adopted:  # (the engine reads its inputs for non-customers only)
            m_x[i] = trust[i] / trust0 * P[P_PRICE_RESP]  # price response of every purchase
        bcast_rx[i] = 0
        nh = 0
        ib = -1  # row of today's broadcast in the channel table
        n_mkt = 0  # marketing messages received today
        x_sum = 0.0
        view_only = False  # the view-through window is the only channel (so far)
        if ad_today[i]:
            ad_today[i] = False  # (read once: cleared for tomorrow's impressions)
            tally[K_IMPRESSIONS] += 1  # (the ads play marks the impressed aware, via the engine)
            ctr = P[P_CTR] * P[P_REPEAT_DECAY] ** ads_seen[i]
            if adopters[i] != 0:
                ctr *= P[P_SOCIAL_BOOST]  # a friend's interaction shows under the ad
            ads_seen[i] += 1
            last_ad[i] = t
            if P[P_AD_MESSAGE] != 0.0:  # feed ads are bought media, not a group message
                n_mkt += 1
                x_sum += 1.0
            if _uniform(sk, i, 0) < ctr:
                tally[K_CLICKS] += 1
                touch[i] = C_AD
                if rel[i] == ABSENT and _uniform(sk, i, 1) < P[P_FOLLOW_CLICK]:
                    follow_new[i] = 1  # (settle skips the churned)
                if not adopted:
                    hz[nh] = P[P_CLICK_CONV]
                    cz[nh] = C_AD
                    nh += 1
        if view_on:
            # view-through: an ad seen in the last view_days days (aware by the ad) converts
            # the latest impression's pull, weaker with each earlier one (ads_seen >= 1 here).
            # Written always, counted only in the window: whether a consumer saw an ad this
            # week is a coin flip to the branch predictor (a quarter of the market at 1M)
            a = max(ads_seen[i] - 1, 0)
            hz[nh] = vconv * (view_pow[a] if a < N_POW else P[P_VIEW_DECAY] ** a)
            cz[nh] = C_AD
            in_view = (not adopted) and (t - last_ad[i] < vdays)
            view_only = in_view and nh == 0
            nh += np.int64(in_view)
        if coupon_rx[i]:
            coupon_rx[i] = 0
            n_mkt += 1
            x_sum += 1.0
        g = group[i]
        if g >= 0:
            if bcast_today and msgs_month[i] < quota:
                msgs_month[i] += 1
                bcast_rx[i] = 1
                tally[K_DELIVERED] += 1
                n_mkt += 1
                x_sum += mkt
                trust[i] = min(1.0, trust[i] + P[P_INTERACT] * (1.0 - mkt))
                hb = min(1.0, P[P_BCAST_CONV] * P[P_BCAST_RESP])  # grows with the share
                if not adopted and hb > 0.0:
                    ib = nh  # (scaled by the member's engagement after today's messages)
                    hz[nh] = hb
                    cz[nh] = C_GROUP
                    nh += 1
            if not adopted and group_shares[g] > 0:
                hz[nh] = 1.0 - (1.0 - P[P_SHARE_CONV]) ** group_shares[g]
                cz[nh] = C_GROUP
                nh += 1
        # bridges' joint campaign posts: in the consumer's customer group (column 0), and in
        # the social community a bridge spans (column 1)
        # (no rows: no posts today)
        if joint_on and not adopted and joint_posts[i, 0] > 0:
            hz[nh] = 1.0 - (1.0 - P[P_SHARE_CONV]) ** joint_posts[i, 0]
            cz[nh] = C_BRIDGE
            nh += 1
        if joint_on and not adopted and joint_posts[i, 1] > 0 and P[P_JOINT_CONV] > 0.0:
            hz[nh] = 1.0 - (1.0 - P[P_JOINT_CONV]) ** joint_posts[i, 1]
            cz[nh] = C_BRIDGE
            nh += 1
        if not adopted and coupon_until[i] >= t:
            hz[nh] = min(1.0, P[P_REDEEM] * P[P_COUPON_RESP])  # larger coupon: more redeem
            cz[nh] = C_COUPON
            nh += 1
        if gb_on and not adopted and recent[i] >= P[P_GB_NEED]:
            hz[nh] = min(1.0, P[P_GB_JOIN] * P[P_GB_RESP])  # larger discount: more join
            cz[nh] = C_GROUPBUY
            nh += 1
        if flag[i]:  # read once, then cleared for tomorrow's posts (its row is this block's)
            flag[i] = False
            for k in range(L.shape[1]):
                x = L[i, k]
                if x < 0.0:
                    hz[nh] = -math.expm1(x)
                    cz[nh] = ADVOCACY_CAUSES[k]
                    nh += 1
                L[i, k] = 0.0
        if live_today[i]:  # a viewer of today's livestream session
            live_today[i] = 0
            if not adopted and live_h > 0.0:
                hz[nh] = min(1.0, live_h * P[P_LIVE_RESP])  # the live discount's response
                cz[nh] = C_LIVESTREAM
                nh += 1
        # fatigue (3:7 rule): each brand message moves the perceived marketing share
        if n_mkt > 0:
            avg = x_sum / n_mkt
            for _ in range(n_mkt):
                mshare[i] = (1.0 - lam) * mshare[i] + lam * avg
            if rel[i] != ABSENT:
                over = max(0.0, mshare[i] - P[P_TOL])
                p1 = min(1.0, P[P_MUTE] * avg * math.exp(P[P_SENS] * over))
                if _uniform(sk, i, 3) < 1.0 - (1.0 - p1) ** n_mkt:
                    tally[K_MUTED] += 1
                    muted[lo + nm] = i  # leaves its groups in the serial finish
                    if P[P_MUTE_LOSS] > 0.0:  # annoyed: the brand loses trust capital
                        trust[i] = max(0.0, trust[i] - P[P_MUTE_LOSS])
                    nm += 1
                    follow_new[i] = 0
        if ib >= 0 and P[P_ENGAGE] != 0.0:  # an engaged member reads the broadcast
            hz[ib] = min(1.0, hz[ib] * _engagement(mshare[i], P))
        # combine: h = 1 - prod(1 - h_c); the channel drawn in proportion to its hazard
        if nh == 0:
            # a customer has no channel (nh == 0): clear only what the day it bought left,
            # since a write costs more memory traffic than a read at a million consumers
            if not adopted or h_x[i] != 0.0 or c_x[i] != C_NONE:
                h_x[i] = 0.0
                c_x[i] = C_NONE
        elif nh == 1:  # one channel: no draw needed
            h_x[i] = hz[0]
            c_x[i] = cz[0]
        else:
            surv = 1.0
            tot = 0.0
            for c in range(nh):
                surv *= 1.0 - hz[c]
                tot += hz[c]
            h_x[i] = 1.0 - surv
            x = _uniform(sk, i, 2) * tot
            pick = nh - 1
            acc = 0.0
            for c in range(nh):
                acc += hz[c]
                if x < acc:
                    pick = c
                    break
            c_x[i] = cz[pick]
        # whether tomorrow's pass must visit this consumer even if no play marks it:
        # - an engine input to clear or recompute: h or its channel set today. This also
        #   keeps every exposure that lasts while it gives a hazard (a coupon, the
        #   view-through window: both leave a channel today and are re-read tomorrow);
        # - a non-customer in a group: its shares tomorrow, and the trust a broadcast or a
        #   mute moved today (the only trust this pass moves), for m tomorrow;
        # - friends who bought for a group-buy, which may be offered tomorrow if not today
        # A consumer whose only exposure is an open view-through window gets the same h, c
        # and m tomorrow (no message moved its trust; new exposures mark it): it sleeps
        # until the window closes (the check at the top), or until a play or its first
        # purchase (settle) marks it. A quarter of the market at 1M while the ads run.
        stay = not adopted and (g >= 0 or recent[i] >= gb_need)
        if view_only and nh == 1 and n_mkt == 0 and not stay:
            visit[i] = ASLEEP
        else:
            visit[i] = (h_x[i] != 0.0 or c_x[i] != C_NONE) or stay
    return nm


def _prepare(t, key, block, P, eng, brand, groups, plan, flows, extra):
    """Brand exposures of step ``t`` turned into each non-customer's extra hazard.

    Reads the state after ``t - 1`` and today's plan (``ad_today``, ``bcast_today``, coupons
    issued by the coupons play); writes ``h_x``, ``c_x``, ``m_x`` for the engine (``m_x``
    of non-customers only: the engine never reads a customer's; ``h_x`` is 0 for them) and
    each consumer's own records (awareness, touches, quotas, fatigue). Blocks of ``block``
    consumers are independent, so the serial and parallel variants give the same result;
    :func:`_finish_prepare` then applies what is shared (counts, group sizes, the tally).

    **Sparse days.** Unless ``plan.dense``, only consumers marked in ``flows.visit`` are
    visited: for any other the pass would change nothing. Plays mark what they reach today
    (impressions, coupons issued, advocacy targets, live viewers, new group members, friends
    who made a group-buy ready), and each visited consumer is kept marked while an exposure
    lasts or an engine input needs rewriting (the rule at the end of :func:`_prepare_range`);
    ``m`` of a non-customer not visited is still ``trust / trust0 * price response``, since a
    non-customer's trust only changes in this pass (plays and settle change customers').
    On a broadcast day the group members are visited too. Days of joint campaign posts
    (whole communities), of a group-buy offered to everyone (team size 1) and the first day
    are dense.
    The result is the same bits as visiting everyone every day (tested by a digest).
    """
    sk = _step_key(key, 4 * t)
    n_muted = flows.n_muted
    for b in prange(n_muted.shape[0]):
        # prange's index is unsigned in the threaded variant: cast, so the one int64
        # specialisation of _prepare_range serves both variants (each costs ~1.5 s to compile)
        bi = np.int64(b)
        n_muted[b] = _prepare_range(bi, block, t, sk, P, eng, brand, groups, plan, flows, extra)


_prepare_serial, _prepare_parallel = serial_and_parallel(_prepare)
