"""The brand at ``t = 0``: a base of customers with a purchase history, followers (leads
among them), customer groups and VIP members, generated from a few shares or loaded from a
CSV of customers.

The state is stated in **shares of the market** (so it does not depend on how many consumers
the simulation samples): ``customers`` of the consumers have bought before, ``leads`` follow
the brand without having bought, ``customer_followers`` of the customers follow it. A
customer's past purchases are ``1 + G`` with ``G`` geometric of mean ``mean_purchases - 1``,
the days since the last one are ``floor(E)`` with ``E`` exponential of mean
``mean_days_since`` (so ``last_purchase_day = -floor(E) <= 0``); ``group_share`` of the
followers are in customer groups, filled in a random order up to ``groups.capacity`` each;
when the play funds VIP, the customers the VIP entry rule admits (``vip.min_purchases`` and a
purchase in the last ``vip.inactive_days``, best first; ``entry: top``: up to one group) are
members from ``t = 0``, as many as the VIP budget pays to the horizon. Draws are
counter-based, keyed by (market key, :data:`START_KEY`, consumer), so the same seed gives the
same base in every play of a comparison.

Starting customers are adopters of the engine (``Engine.seed`` with cause SEED, so their
word of mouth starts at once and they repurchase from day 1); leads are made aware
(``Engine.mark_aware``). All shares 0 (the default of :class:`Start`) leaves the market as it
was: nothing is drawn and no array changes.

CSV (``customers_csv``): a header ``id,purchases,last_purchase_day,follower,group,vip`` and one
row per consumer of the base, ``id`` a simulated consumer ``0 <= id < graph.n``:
``purchases >= 0`` (0: a lead, who must follow), ``last_purchase_day <= 0`` (empty for a
lead), ``follower`` 0/1, ``group`` a customer-group label ``>= 0`` or empty (followers only;
at most ``groups.capacity`` per label), ``vip`` 0/1 (a follower with a purchase; admitted in
file order while the VIP budget pays). A bad row raises a one-line
:class:`~diffusion_sim.errors.ConfigError` naming the file, the row (1-based, the header is
row 1), the field and the value. :func:`write_customers_csv` writes a model's brand state in
this format (a round trip reproduces it).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, NamedTuple

import numpy as np

from ...errors import ConfigError
from ...rng import uniforms
from ...states import Cause, Relationship, State
from .._kernels import C_GROUP
from .._validate import check_fields

if TYPE_CHECKING:
    from ..model import MarketModel

__all__ = ["COLUMNS", "START_KEY", "Base", "Start", "apply_start", "read_customers_csv",
           "write_customers_csv"]  # fmt: skip

#: Counter of the start's draws (apart from the days' 4 t + pass and livestream's 2**40 + t).
START_KEY = 1 << 41
#: Columns of the customers CSV, in order.
COLUMNS = ("id", "purchases", "last_purchase_day", "follower", "group", "vip")


@dataclass
class Start:
    """The brand's base at ``t = 0`` (shares of the market; ``customers = leads = 0``: an empty
    market, the neutral value of ``market=viral``; the defaults are ``conf/market/default.yaml``'s).

    Parameters
    ----------
    customers : float
        Share of the market who bought before ``t = 0``.
    mean_purchases : float
        Mean past purchases of a starting customer, >= 1.
    mean_days_since : float
        Mean days since a starting customer's last purchase, >= 0.
    customer_followers : float
        Share of the starting customers who follow the brand.
    leads : float
        Share of the market who follow the brand without having bought
        (``customers + leads <= 1``).
    group_share : float
        Share of the starting followers in customer groups.
    trust : float or None
        Trust of the starting customers; ``None``: ``min(1, T0 + purchase_gain * P)``, as if
        each past purchase went well. Leads start at ``T0``.
    vip : bool
        Admit the customers the VIP entry rule selects at ``t = 0`` (when VIP is funded).
    customers_csv : str or None
        Load the base from this CSV instead (the shares above are then not used).
    """

    customers: float = 0.02
    mean_purchases: float = 2.0
    mean_days_since: float = 60.0
    customer_followers: float = 0.3
    leads: float = 0.005
    group_share: float = 0.6
    trust: float | None = None
    vip: bool = True
    customers_csv: str | None = None
    _rules: ClassVar[dict] = {
        "customers": ("prob",),
        "mean_purchases": ("range", 1.0, 1000.0),
        "mean_days_since": ("range", 0.0, 36_500.0),
        "customer_followers": ("prob",),
        "leads": ("prob",),
        "group_share": ("prob",),
    }

    def __post_init__(self):
        check_fields(self, "market.start")
        if self.customers + self.leads > 1.0 + 1e-12:
            raise ConfigError(
                "market.start.leads", self.leads, f"<= 1 - market.start.customers={self.customers}"
            )
        t = self.trust
        if t is not None and (isinstance(t, bool) or not isinstance(t, int | float)
                              or not 0.0 < t <= 1.0):  # fmt: skip
            raise ConfigError("market.start.trust", t, "null or a trust level in (0, 1]")
        if not isinstance(self.vip, bool):
            raise ConfigError("market.start.vip", self.vip, "true or false")
        if self.customers_csv is not None:
            if not isinstance(self.customers_csv, str) or not self.customers_csv:
                raise ConfigError("market.start.customers_csv", self.customers_csv,
                                  "null or the path of a CSV file")  # fmt: skip
            read_customers_csv(self.customers_csv)  # a bad file fails before any run

    @property
    def empty(self) -> bool:
        """No base at all (the neutral start)."""
        return self.customers_csv is None and self.customers == 0.0 and self.leads == 0.0


class Base(NamedTuple):
    """A base of consumers (one entry each, ids ascending unless read from a file).

    ``purchases`` 0 marks a lead; ``last_day`` the last purchase day (<= 0; -1 for leads, the
    model's "never"); ``group`` a customer-group label (-1: none); ``vip`` membership wanted.
    """

    ids: np.ndarray
    purchases: np.ndarray
    last_day: np.ndarray
    follower: np.ndarray
    group: np.ndarray
    vip: np.ndarray


# -- generated ---------------------------------------------------------------------------------
def generate_base(start: Start, n: int, key, capacity: int) -> Base:
    """The base drawn from the shares of ``start`` for ``n`` consumers (see the module)."""
    ids = np.arange(n, dtype=np.int64)
    u = uniforms(key, START_KEY, ids, 0)
    cust = u < start.customers
    lead = ~cust & (u < start.customers + start.leads)
    foll = lead | (cust & (uniforms(key, START_KEY, ids, 1) < start.customer_followers))
    pick = np.flatnonzero(cust | foll)
    k = pick.size
    purchases = np.zeros(k, np.int64)
    last = np.full(k, -1, np.int64)
    c = cust[pick]
    m = start.mean_purchases
    if m > 1.0:  # 1 + geometric(mean m - 1): P(G = j) = (1 - q) q^j, q = (m - 1) / m
        v = 1.0 - uniforms(key, START_KEY, pick, 2)  # in (0, 1]
        extra = np.floor(np.log(v) / math.log((m - 1.0) / m))
        purchases[c] = 1 + np.minimum(extra[c], 10**6).astype(np.int64)
    else:
        purchases[c] = 1
    d = start.mean_days_since
    if d > 0:
        v = 1.0 - uniforms(key, START_KEY, pick, 3)
        last[c] = -np.minimum(np.floor(-d * np.log(v[c])), 36_500).astype(np.int64)
    else:
        last[c] = 0
    # customer groups: group_share of the followers, filled in a random order
    f = foll[pick]
    ing = f & (uniforms(key, START_KEY + 1, pick, 0) < start.group_share)
    members = pick[ing]
    order = np.argsort(uniforms(key, START_KEY + 1, members, 1), kind="stable")
    group = np.full(k, -1, np.int64)
    slot = np.empty(members.size, np.int64)
    slot[order] = np.arange(members.size) // max(capacity, 1)
    group[ing] = slot
    return Base(pick, purchases, last, f.astype(np.bool_), group, np.zeros(k, np.bool_))


# -- CSV ---------------------------------------------------------------------------------------
def _bad(path, row: int, field: str, value, allowed: str) -> ConfigError:
    return ConfigError(f"market.start.customers_csv {path}: row {row}, {field}", value, allowed)


def _int(path, row, field, text, low=None, high=None, empty=None):
    s = text.strip()
    if s == "" and empty is not None:
        return empty
    try:
        v = int(s)
    except ValueError:
        raise _bad(path, row, field, text, "an integer") from None
    if (low is not None and v < low) or (high is not None and v > high):
        lo = "" if low is None else f">= {low}"
        hi = "" if high is None else f"<= {high}"
        raise _bad(path, row, field, text, f"an integer {' and '.join(x for x in (lo, hi) if x)}")
    return v


def read_customers_csv(path: str, n: int | None = None, capacity: int | None = None) -> Base:
    """Read and check a customers CSV (see the module); ``n`` checks the ids, ``capacity``
    the group sizes. Rows are returned in file order, group labels as in the file."""
    p = Path(path).expanduser()
    try:
        fh = p.open(newline="", encoding="utf-8")
    except OSError as err:
        raise ConfigError("market.start.customers_csv", str(path),
                          f"a readable CSV file ({err.strerror})") from None  # fmt: skip
    rows = []
    with fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != COLUMNS:
            raise _bad(
                path, 1, "header", ",".join(header or []), f"the columns {','.join(COLUMNS)}"
            )
        seen: dict[int, int] = {}
        for rec in reader:
            r = reader.line_num  # the file's line (1-based, the header is line 1)
            if not rec or all(not x.strip() for x in rec):
                continue  # blank line
            if len(rec) != len(COLUMNS):
                raise _bad(path, r, "row", ",".join(rec), f"{len(COLUMNS)} fields")
            i = _int(path, r, "id", rec[0], 0, None if n is None else n - 1)
            if i in seen:
                raise _bad(path, r, "id", rec[0], f"an id not used before (row {seen[i]})")
            seen[i] = r
            k = _int(path, r, "purchases", rec[1], 0)
            day = _int(path, r, "last_purchase_day", rec[2], -36_500, 0, empty=None if k else -1)
            if k == 0 and rec[2].strip():
                raise _bad(path, r, "last_purchase_day", rec[2], "empty for a lead (purchases 0)")
            fol = _int(path, r, "follower", rec[3], 0, 1)
            if k == 0 and not fol:
                raise _bad(path, r, "follower", rec[3], "1 for a lead (purchases 0)")
            g = _int(path, r, "group", rec[4], 0, empty=-1)
            if g >= 0 and not fol:
                raise _bad(path, r, "group", rec[4], "empty for a consumer who does not follow")
            vip = _int(path, r, "vip", rec[5], 0, 1)
            if vip and not (fol and k >= 1):
                raise _bad(path, r, "vip", rec[5], "0 unless a follower with a purchase")
            rows.append((i, k, day, fol, g, vip, r))
    a = np.array([x[:6] for x in rows], dtype=np.int64).reshape(-1, 6)
    if capacity is not None and a.shape[0]:
        labels, counts = np.unique(a[a[:, 4] >= 0, 4], return_counts=True)
        over = np.flatnonzero(counts > capacity)
        if over.size:
            g = labels[over[0]]
            last_row = max(x[6] for x in rows if x[4] == g)
            raise _bad(path, last_row, "group", str(g),
                       f"a group of at most groups.capacity={capacity} members")  # fmt: skip
    return Base(a[:, 0], a[:, 1], a[:, 2], a[:, 3].astype(np.bool_), a[:, 4],
                a[:, 5].astype(np.bool_))  # fmt: skip


def write_customers_csv(model: MarketModel, path) -> int:
    """Write the model's base now (customers with a purchase, and followers) in the customers
    CSV format, days relative to today (``last_purchase_day = last purchase - t``); returns
    the rows written. At ``t = 0`` reading it back gives the same state."""
    m = model
    t = m.engine.t
    bought = m.purchases > 0
    ids = np.flatnonzero(bought | (m.rel != Relationship.ABSENT))
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        for i in ids:
            k = int(m.purchases[i])
            day = "" if k == 0 else str(int(m.last_buy[i]) - t)
            fol = int(m.rel[i] != Relationship.ABSENT)
            g = "" if m.group[i] < 0 else str(int(m.group[i]))
            vip = int(m.rel[i] == Relationship.STRONG)
            w.writerow((int(i), k, day, fol, g, vip))
    return int(ids.size)


# -- applying the base to a model ----------------------------------------------------------------
def apply_start(model: MarketModel) -> int:
    """Put the base of ``model.params.start`` into ``model`` at ``t = 0`` (after the organic
    seeds, before the plays' ``start``); returns the customers it added to the engine."""
    m = model
    st = m.params.start
    if st.empty:
        return 0
    n = m.graph.n
    gp = m.params.groups
    if st.customers_csv is not None:
        base = read_customers_csv(st.customers_csv, n, gp.capacity)
        from_file = True
    else:
        base = generate_base(st, n, m.market_key, gp.capacity)
        from_file = False
    ids = base.ids
    cust = base.purchases > 0
    if not gp.enabled:  # no private domain: customers only
        base = base._replace(follower=np.zeros_like(base.follower),
                             group=np.full_like(base.group, -1),
                             vip=np.zeros_like(base.vip))  # fmt: skip
    # the engine: customers adopt at t = 0 (their word of mouth starts), leads are aware
    c_ids = ids[cust]
    new = m.engine.seed(c_ids, Cause.SEED)
    m._new[0] = m._new[0] + new
    added = int(new.sum())
    m._channel_new[0][Cause.NONE] += added  # untracked: bought before the brand's codes
    m.engine.mark_aware(ids[~cust])
    # the brand's records
    m.purchases[c_ids] = base.purchases[cust]
    m.last_buy[c_ids] = base.last_day[cust]
    tr = m.params.trust
    if st.trust is None:
        m.trust[c_ids] = np.minimum(1.0, tr.initial + tr.purchase_gain * base.purchases[cust])
    else:
        m.trust[c_ids] = st.trust
    f_ids = ids[base.follower]
    m.rel[f_ids] = Relationship.WEAK
    _fill_groups(m, ids, base.group)
    if base.vip.any() or (st.vip and not from_file):
        _admit_vip(m, base, from_file)
    return added


def _fill_groups(m: MarketModel, ids: np.ndarray, group: np.ndarray) -> None:
    """Customer groups from labels (relabelled 0, 1, … in label order)."""
    ing = group >= 0
    if not ing.any():
        return
    labels, slot = np.unique(group[ing], return_inverse=True)
    members = ids[ing]
    m.group[members] = slot
    if labels.size > m.group_count.shape[0]:
        m.group_count = np.concatenate([m.group_count, np.zeros(labels.size, np.int64)])
    m.group_count[: labels.size] += np.bincount(slot, minlength=labels.size)
    m._n_groups[0] = labels.size
    m.touch[members] = C_GROUP  # a later purchase is coded to the group (as when joining)


def _admit_vip(m: MarketModel, base: Base, from_file: bool) -> None:
    """VIP members at ``t = 0`` (only when the VIP strategy has a budget): the file's, or the
    entry rule's, as many as the budget pays their fees to the horizon."""
    p = m.params.vip
    budget = m.remaining[m.strategy_index["vip"]]
    if budget <= 0:
        return
    if from_file:
        cand = base.ids[base.vip]
    else:
        fol = base.follower & (base.purchases >= p.min_purchases)
        fol &= -base.last_day < p.inactive_days
        cand = base.ids[fol]
        order = np.lexsort((cand, m.last_buy[cand] * -1, -m.purchases[cand]))
        cand = cand[order]
    per = p.cost_per_member_month / 30.0 * m.horizon
    k = cand.size if per == 0 else int(budget // per)
    if p.entry == "top":
        k = min(k, p.capacity)
    cand = cand[: min(k, cand.size)]
    if cand.size:
        m.plays["vip"]._admit(cand, 0)


def base_counts(model: MarketModel) -> dict[str, int]:
    """Customers, repeat customers, followers, leads, group members and VIP members now."""
    m = model
    cust = m.engine.state == State.ADOPTED
    fol = m.rel != Relationship.ABSENT
    return {
        "customers": int(np.count_nonzero(cust)),
        "repeat_customers": int(np.count_nonzero(m.purchases >= 2)),
        "followers": int(np.count_nonzero(fol)),
        "leads": int(np.count_nonzero(fol & ~cust)),
        "group_members": int(np.count_nonzero(m.group >= 0)),
        "vip_members": int(np.count_nonzero(m.rel == Relationship.STRONG)),
    }
