"""Contagion rules and the engine that applies them to a social graph, one step at a time.

Conventions (``docs/model.md`` gives the equations):

* The state at ``t = 0`` is the seed state; step ``t`` turns the state after ``t - 1`` into the
  state after ``t``. ``F_t`` is the adopted share after step ``t``.
* Updates are synchronous: every probability and threshold of step ``t`` reads only the state
  after step ``t - 1``. Each step first decides every consumer (in parallel blocks if allowed),
  then applies all adoptions at once. ``update="asynchronous"`` (``ties`` and ``threshold``)
  is the contrast: consumers decide one by one in a random order and see earlier adoptions of
  the same step (:mod:`diffusion_sim.kernels._async`).
* Adoption is progressive (never reverts).
* Every adoption records its step and its cause (:class:`~diffusion_sim.states.Cause`).
* Random numbers are keyed by (run key, step, consumer) (:mod:`diffusion_sim.rng`), so a run is
  identical with one thread or many.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numba
import numpy as np

from .errors import ConfigError
from .graph.social_graph import SocialGraph
from .kernels._apply import (
    BLOCK,
    N_CAUSES,
    _apply_adoptions_parallel,
    _apply_adoptions_serial,
    _learn,
)
from .kernels._async import THRESHOLD as _ASYNC_THRESHOLD
from .kernels._async import TIES as _ASYNC_TIES
from .kernels._async import _async_step
from .kernels._cascade import (
    CascadeRun,
    _cascade_decide_parallel,
    _cascade_decide_serial,
    _cascade_run_mixed,
    _cascade_run_serial,
    _cascade_spread_parallel,
    _cascade_spread_serial,
    _mark_aware,
    _seed_cascade,
    _tally,
    hits_dtype,
)
from .kernels._threshold import _threshold_decide_parallel, _threshold_decide_serial
from .kernels._ties import _meeting_factors, _ties_decide_parallel, _ties_decide_serial
from .states import Cause, State

__all__ = [
    "CascadeRule",
    "Engine",
    "ExtraHazard",
    "Rule",
    "ThresholdRule",
    "TiesRule",
    "make_rule",
]

#: Below this many consumers (or ties) to examine, a step runs serially: threads cost more
#: than they save. Measured on a 2-core machine with one core free (social_commerce benchmark,
#: 180 days, every strategy on): at 20,000 consumers (the default job) threads made a run 1-2 %
#: faster, less over the whole job than compiling and loading the threaded kernels costs (~4 s
#: of CPU cold, slower loads from the cache on every start), and 12x slower once the other core
#: got busy; at 50,000 they made it ~10 % faster. Results are the same either way.
PARALLEL_MIN = 32_768
#: Work (candidates, or ties of new adopters) from which a step of the ``cascade`` rule uses
#: threads: 16,384, the old threshold. On a quiet 2-core machine the threaded steps gave the
#: best cascade times at 100k and 1M consumers (benchmarks), while with the other core busy
#: the serial loop was 2-7x faster than threaded steps at 100k (a threaded step then costs
#: ~5-10 ms of waiting); :func:`diffusion_sim.threads.choose_threads` gives a job one thread
#: on a loaded machine, which selects the serial loop.
CASCADE_PARALLEL_MIN = 16_384
#: Most parts the neighbour updates of a step are split into (one task each).
MAX_PARTS = 64


class ExtraHazard(NamedTuple):
    """What a layer on top of the engine (the brand) adds to one step of the ``ties`` rule.

    Consumer ``i`` who has not adopted adopts with
    ``min(1, m[i] * (1 - (1 - p_ties) * (1 - h[i])))``; when it is the extra hazard that
    fires (drawn in proportion to the hazards), the adoption's cause is ``cause[i]``. With
    ``h = 0`` and ``m = 1`` the step is the plain ``ties`` rule, bit for bit.

    Attributes
    ----------
    h : ndarray of float64, shape (n,)
        Extra hazard per consumer, in [0, 1].
    cause : ndarray of int8, shape (n,)
        :class:`~diffusion_sim.states.Cause` code of that hazard.
    m : ndarray of float64, shape (n,)
        Conversion multiplier (the brand's trust), >= 0.
    """

    h: np.ndarray
    cause: np.ndarray
    m: np.ndarray


_NO_EXTRA = ExtraHazard(np.zeros(0), np.zeros(0, np.int8), np.zeros(0))


def _prob(key: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise ConfigError(key, value, "a probability in [0, 1]")
    if not 0.0 <= float(value) <= 1.0:
        raise ConfigError(key, value, "a probability in [0, 1]")
    return float(value)


_UPDATES = ("synchronous", "asynchronous")


def _update(value, rule: str) -> None:
    allowed = _UPDATES if rule != "cascade" else _UPDATES[:1]
    if value not in allowed:
        extra = "" if rule != "cascade" else " (a cascade's one chance per tie is synchronous)"
        raise ConfigError("contagion.update", value, f"one of {list(allowed)}{extra}")


def _nonneg(key: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise ConfigError(key, value, "a number >= 0")
    if not (value >= 0 and math.isfinite(value)):
        raise ConfigError(key, value, "a finite number >= 0")
    return float(value)


def _powers(q: float, kmax: int) -> np.ndarray:
    """``(1 - q)^k`` for ``k = 0..kmax`` (exact 0**0 = 1 when q = 1)."""
    return np.power(1.0 - q, np.arange(kmax + 1, dtype=np.float64))


@dataclass(frozen=True)
class TiesRule:
    """``ties``: adopt with probability ``1 - (1 - alpha)(1 - beta_strong)^S (1 - beta_weak)^W``.

    Parameters
    ----------
    alpha : float
        External (advertising, innovation) probability per step; Bass ``p``.
    beta_strong, beta_weak : float
        Word-of-mouth probability per adopter neighbour and step over a strong / weak tie.
    update : {"synchronous", "asynchronous"}
        Synchronous steps (default), or random sequential order with immediate visibility.
    """

    alpha: float = 0.0
    beta_strong: float = 0.0
    beta_weak: float = 0.0
    update: str = "synchronous"
    name = "ties"

    def __post_init__(self):
        _update(self.update, "ties")
        _prob("contagion.alpha", self.alpha)
        _prob("contagion.beta_strong", self.beta_strong)
        _prob("contagion.beta_weak", self.beta_weak)


@dataclass(frozen=True)
class CascadeRule:
    """``cascade``: a new adopter gets one chance, next step, per non-adopter neighbour."""

    p_strong: float = 0.0
    p_weak: float = 0.0
    update: str = "synchronous"
    name = "cascade"

    def __post_init__(self):
        _update(self.update, "cascade")
        _prob("contagion.p_strong", self.p_strong)
        _prob("contagion.p_weak", self.p_weak)


_PHI_DISTS = ("fixed", "uniform", "normal")
_PHI_MODES = ("fraction", "count")


@dataclass(frozen=True)
class ThresholdRule:
    """``threshold``: adopt once the weighted adopter fraction (or count) reaches ``phi_i``.

    Parameters
    ----------
    phi : float
        Threshold (``fixed``), or the mean (``normal``). A fraction in [0, 1] in ``fraction``
        mode, a weighted count ``>= 0`` in ``count`` mode.
    mode : {"fraction", "count"}
    w_strong, w_weak : float
        Weight of an adopter neighbour over a strong / weak tie (and of each tie in the
        fraction's denominator).
    distribution : {"fixed", "uniform", "normal"}
        ``uniform`` draws ``phi_i`` from ``[phi_low, phi_high]``; ``normal`` from
        ``N(phi, phi_sd)`` clipped to ``[0, 1]`` (fraction) or ``[0, inf)`` (count).
    update : {"synchronous", "asynchronous"}
        Synchronous steps (default), or random sequential order with immediate visibility.
    """

    phi: float = 0.18
    mode: str = "fraction"
    w_strong: float = 1.0
    w_weak: float = 1.0
    distribution: str = "fixed"
    phi_low: float = 0.0
    phi_high: float = 1.0
    phi_sd: float = 0.0
    update: str = "synchronous"
    name = "threshold"

    def __post_init__(self):
        _update(self.update, "threshold")
        if self.mode not in _PHI_MODES:
            raise ConfigError("contagion.mode", self.mode, f"one of {list(_PHI_MODES)}")
        if self.distribution not in _PHI_DISTS:
            raise ConfigError(
                "contagion.distribution", self.distribution, f"one of {list(_PHI_DISTS)}"
            )
        check = _prob if self.mode == "fraction" else _nonneg
        check("contagion.phi", self.phi)
        check("contagion.phi_low", self.phi_low)
        check("contagion.phi_high", self.phi_high)
        if self.phi_low > self.phi_high:
            raise ConfigError("contagion.phi_low", self.phi_low, f"<= phi_high={self.phi_high}")
        _nonneg("contagion.phi_sd", self.phi_sd)
        _nonneg("contagion.w_strong", self.w_strong)
        _nonneg("contagion.w_weak", self.w_weak)

    def draw_phi(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Threshold per consumer, float64 of shape (n,)."""
        if self.distribution == "fixed":
            return np.full(n, self.phi)
        if self.distribution == "uniform":
            return rng.uniform(self.phi_low, self.phi_high, size=n)
        hi = 1.0 if self.mode == "fraction" else np.inf
        return np.clip(rng.normal(self.phi, self.phi_sd, size=n), 0.0, hi)


Rule = TiesRule | CascadeRule | ThresholdRule

_RULES = {"ties": TiesRule, "cascade": CascadeRule, "threshold": ThresholdRule}


def make_rule(name: str, **params) -> Rule:
    """Build a rule by name (``ties``, ``cascade`` or ``threshold``) from keyword parameters."""
    if name not in _RULES:
        raise ConfigError("contagion.rule", name, f"one of {sorted(_RULES)}")
    return _RULES[name](**params)


class Engine:
    """State arrays of one run and the step of one rule over a :class:`SocialGraph`.

    Parameters
    ----------
    graph : SocialGraph
    rule : TiesRule, CascadeRule or ThresholdRule
    key : int
        64-bit key of the counter-based generator (see :mod:`diffusion_sim.rng`).
    phi : ndarray of float64, shape (n,), optional
        Per-consumer thresholds (``threshold`` rule; drawn by the owner of the RNG).
    parallel : bool, optional
        Use the multi-threaded decision kernel; by default when numba has more than one
        thread and the step examines at least ``PARALLEL_MIN`` consumers. Results are identical
        either way.

    Attributes
    ----------
    state : ndarray of uint8, shape (n,)
        :class:`State` codes.
    adopted_at : ndarray of int32, shape (n,)
        Step of adoption, -1 if not adopted.
    cause : ndarray of int8, shape (n,)
        :class:`Cause` code of the adoption.
    adopters : ndarray of int64, shape (n,) or (0,)
        Adopter neighbours, packed: strong ones in the low 32 bits, weak ones in the high 32
        bits (see :attr:`n_strong`, :attr:`n_weak`). Kept up to date for the rules that decide
        on them (``ties``, ``threshold``); empty for ``cascade``, which needs only this step's
        new adopters (use :meth:`adopter_neighbors`).
    counts : ndarray of int64, shape (len(State),)
        Consumers in each state.
    t : int
        Steps taken.
    """

    def __init__(self, graph: SocialGraph, rule: Rule, key: int, *, phi=None, parallel=None):
        n = graph.n
        self.graph = graph
        self.rule = rule
        self.key = np.uint64(key)
        self.parallel = parallel
        self.t = 0
        self.state = np.zeros(n, dtype=np.uint8)
        self.adopted_at = np.full(n, -1, dtype=np.int32)
        self.cause = np.zeros(n, dtype=np.int8)
        keep = 0 if isinstance(rule, CascadeRule) else n
        self.adopters = np.zeros(keep, dtype=np.int64)
        self.counts = np.zeros(len(State), dtype=np.int64)
        self.counts[State.UNAWARE] = n
        self._csr = (graph.indptr, graph.indices, graph.tie)
        self._comm_sizes = graph.community_sizes().copy()  # the graph computes it once
        self.comm_adopters = np.zeros(self._comm_sizes.shape[0], dtype=np.int64)
        self._new = np.empty(n, dtype=np.int32)
        nb = n // BLOCK + 2
        self._block_lo = np.zeros(nb, dtype=np.int64)
        self._block_n = np.zeros(nb, dtype=np.int64)
        self._block_aware = np.zeros(nb, dtype=np.int64)  # cascade: candidates made aware
        collect = not isinstance(rule, TiesRule)
        m = n if collect else 0
        ds = int(graph.strong_degree().max(initial=0))
        dw = int(graph.weak_degree().max(initial=0))
        hits = hits_dtype(ds, dw) if isinstance(rule, CascadeRule) else np.int64
        # cand has a spare slot per part: the branch-free collector writes one past its last
        self._collect = (np.empty(m + MAX_PARTS if m else 0, np.int32), np.zeros(m, hits))
        self._nc = 0
        self._full_scan = isinstance(rule, ThresholdRule)
        if isinstance(rule, TiesRule):
            self._pow_s = _powers(rule.beta_strong, ds)
            self._pow_w = _powers(rule.beta_weak, dw)
            meet = graph.meetings_per_step > 0
            self._meet = np.ones(self._comm_sizes.shape[0] if meet else 0)
        elif isinstance(rule, CascadeRule):
            self._pow_s = _powers(rule.p_strong, ds)
            self._pow_w = _powers(rule.p_weak, dw)
        else:
            if phi is None:
                phi = np.full(n, rule.phi)
            phi = np.asarray(phi, dtype=np.float64)
            if phi.shape != (n,):
                raise ValueError(f"phi has shape {phi.shape}, expected ({n},)")
            self.phi = phi
            if rule.mode == "fraction":
                den = rule.w_strong * graph.strong_degree() + rule.w_weak * graph.weak_degree()
                # No ties: the adopter fraction is taken as 0, so only phi <= 0 adopts.
                self._need = np.where(den > 0, phi * den, np.where(phi <= 0, 0.0, np.inf))
            else:
                self._need = phi.copy()

    # -- helpers --------------------------------------------------------------------------
    def _use_parallel(self, work: int) -> bool:
        if self.parallel is not None:
            return bool(self.parallel)
        least = CASCADE_PARALLEL_MIN if isinstance(self.rule, CascadeRule) else PARALLEL_MIN
        return numba.get_num_threads() > 1 and work >= least

    def _spread_cascade(self, nb: int) -> None:
        """Cascade rule: the new adopters in ``_new`` hit their neighbours (candidates of the
        next step), who are then marked AWARE as the other rules' update does at once."""
        n_new = int(self._block_n[:nb].sum())
        work = n_new * self.graph.indices.shape[0] // max(self.graph.n, 1)  # ~ ties to visit
        cand, hits = self._collect
        if self._use_parallel(work):
            fn, parts = _cascade_spread_parallel, min(MAX_PARTS, numba.get_num_threads())
        else:
            fn, parts = _cascade_spread_serial, 1
        self._nc = fn(self._csr, hits, self._new, self._block_lo[:nb], self._block_n[:nb], cand,
                      parts)  # fmt: skip
        _mark_aware(self.state, self.counts, cand, self._nc)

    def _apply(self, nb: int) -> np.ndarray:
        new_by_cause = np.zeros(N_CAUSES, dtype=np.int64)
        n_new = int(self._block_n[:nb].sum())
        work = n_new * self.graph.indices.shape[0] // max(self.graph.n, 1)  # ~ ties to visit
        if self._use_parallel(work):
            fn, parts = _apply_adoptions_parallel, min(MAX_PARTS, numba.get_num_threads())
        else:
            fn, parts = _apply_adoptions_serial, 1
        self._nc = fn(
            self._csr,
            self.state,
            self.counts,
            self.cause,
            self.graph.community,
            self.comm_adopters,
            self._new,
            self._block_lo[:nb],
            self._block_n[:nb],
            self.adopters,
            self._collect,
            new_by_cause,
            parts,
        )
        return new_by_cause

    # -- public ---------------------------------------------------------------------------
    def seed(self, consumers, cause: Cause = Cause.SEED) -> np.ndarray:
        """Make ``consumers`` adopters at step 0 with ``cause``; returns new adoptions by cause.

        Only allowed before the first step (several calls add up). Repeated ids and consumers
        who already adopted are counted once.
        """
        if self.t != 0:
            raise RuntimeError("seeds are set at t = 0, before the first step")
        ids = np.unique(np.asarray(consumers, dtype=np.int64))
        if ids.size and (ids[0] < 0 or ids[-1] >= self.graph.n):
            raise ValueError(f"seed consumers must lie in [0, {self.graph.n})")
        ids = ids[self.state[ids] != State.ADOPTED]
        self._new[: ids.size] = ids
        self._block_lo[0] = 0
        self._block_n[0] = ids.size
        self.adopted_at[ids] = 0
        self.cause[ids] = Cause(cause)
        if not isinstance(self.rule, CascadeRule):
            return self._apply(1)
        cand, hits = self._collect
        _seed_cascade(self.state, self.counts, hits, self.graph.community, self.comm_adopters, ids)
        self._spread_cascade(1)
        # an earlier call's candidates are still counted in hits: list them all (in id order)
        listed = np.flatnonzero(hits > 0)
        cand[: listed.size] = listed
        self._nc = listed.size
        new_by_cause = np.zeros(N_CAUSES, dtype=np.int64)
        new_by_cause[Cause(cause)] = ids.size
        return new_by_cause

    def step(self, extra=None) -> np.ndarray:
        """Advance one synchronous step; returns new adoptions by cause, int64 (len(Cause),).

        Parameters
        ----------
        extra : ExtraHazard, optional
            ``ties`` rule only: an extra per-consumer hazard, its cause and a conversion
            multiplier (see :class:`ExtraHazard`; a plain ``(h, cause, m)`` tuple works too).
            Read, not kept.
        """
        self.t += 1
        t = self.t
        rule = self.rule
        if extra is not None and not isinstance(rule, TiesRule):
            raise ValueError("extra hazards are only defined for the ties rule")
        if rule.update == "asynchronous":
            return self._async(t, extra)
        if isinstance(rule, TiesRule):
            n = self.graph.n
            h_x, c_x, m_x = extra if extra is not None else _NO_EXTRA
            if extra is not None and not (h_x.shape == c_x.shape == m_x.shape == (n,)):
                raise ValueError(f"extra arrays must have shape ({n},)")
            if self._meet.shape[0]:
                _meeting_factors(
                    self.comm_adopters,
                    self._comm_sizes,
                    self.counts[State.ADOPTED],
                    n,
                    rule.beta_weak,
                    self.graph.meetings_per_step,
                    self._meet,
                )
            nb = (n + BLOCK - 1) // BLOCK
            fn = _ties_decide_parallel if self._use_parallel(n) else _ties_decide_serial
            fn(
                t,
                self.key,
                BLOCK,
                self.state,
                self.adopters,
                self.graph.community,
                self._pow_s,
                self._pow_w,
                self._meet,
                rule.alpha,
                h_x,
                c_x,
                m_x,
                self._new,
                self._block_lo[:nb],
                self._block_n[:nb],
                self.adopted_at,
                self.cause,
            )
        elif isinstance(rule, CascadeRule):
            cand, hits = self._collect
            par = self._use_parallel(self._nc)
            fn = _cascade_decide_parallel if par else _cascade_decide_serial
            blocks = (self._block_lo, self._block_n, self._block_aware)
            nb = fn(t, self.key, BLOCK, cand, self._nc, hits, self._pow_s, self._pow_w,
                    self.state, self._new, *blocks, self.adopted_at, self.cause)  # fmt: skip
            new_by_cause = np.zeros(N_CAUSES, dtype=np.int64)
            _tally(self.counts, self.cause, self.graph.community, self.comm_adopters, self._new,
                   blocks, nb, new_by_cause)  # fmt: skip
            self._spread_cascade(nb)
            return new_by_cause
        else:
            cand, hits = self._collect
            full = self._full_scan
            self._full_scan = False
            work = self.graph.n if full else self._nc
            par = self._use_parallel(work)
            fn = _threshold_decide_parallel if par else _threshold_decide_serial
            nb = fn(
                t,
                self.key,
                BLOCK,
                full,
                self.state,
                cand,
                hits,
                self._nc,
                self.adopters,
                self._need,
                rule.w_strong,
                rule.w_weak,
                self._new,
                self._block_lo,
                self._block_n,
                self.adopted_at,
                self.cause,
            )
        return self._apply(nb)

    def _async(self, t: int, extra) -> np.ndarray:
        """One random-sequential step (``update="asynchronous"``)."""
        rule = self.rule
        if extra is not None:
            raise ValueError("extra hazards (the market) need update='synchronous'")
        if self.graph.meetings_per_step > 0:
            raise ConfigError(
                "contagion.update", rule.update,
                "'synchronous' with random weak-tie meetings (graph.meetings_per_step)",
            )  # fmt: skip
        by = np.zeros(N_CAUSES, dtype=np.int64)
        ties = isinstance(rule, TiesRule)
        empty = np.zeros(0)
        n_new = _async_step(
            _ASYNC_TIES if ties else _ASYNC_THRESHOLD, t, self.key, self._csr, self.state,
            self.adopters, self.counts, self.cause, self.adopted_at, self.graph.community,
            self.comm_adopters, self._pow_s if ties else empty, self._pow_w if ties else empty,
            rule.alpha if ties else 0.0, empty if ties else self._need,
            0.0 if ties else rule.w_strong, 0.0 if ties else rule.w_weak, by,
        )  # fmt: skip
        # a monotone threshold rule that adopted nobody in a full pass never will
        self._async_quiet = not ties and n_new == 0
        return by

    def mark_aware(self, consumers) -> int:
        """Consumers who learn of the product without adopting (a brand's ad, a livestream).

        Unaware ones among ``consumers`` (int array of ids; repeats allowed) become AWARE and
        the state counts follow; adopters and aware consumers are left as they are. Returns how
        many became aware. Awareness does not change the ``ties`` rule's hazard (which any
        non-adopter faces); it is what the funnel and the brand's tallies count.
        """
        ids = np.asarray(consumers, dtype=np.int64)
        if ids.size == 0:
            return 0
        if ids.min() < 0 or ids.max() >= self.state.shape[0]:  # (the kernel does not check)
            raise IndexError(f"consumer ids must lie in [0, {self.state.shape[0]})")
        return int(_learn(self.state, self.counts, ids))

    def adopter_counts(self, consumers) -> tuple[np.ndarray, np.ndarray]:
        """Adopter neighbours of ``consumers`` now, over strong and over weak ties.

        Returns two int64 arrays shaped like ``consumers``. Needs a rule that keeps the counts
        (``ties``, ``threshold``); see :attr:`adopters`.
        """
        if not self.adopters.shape[0]:
            raise RuntimeError("this rule does not keep adopter counts (cascade)")
        a = self.adopters[np.asarray(consumers, dtype=np.int64)]
        return a & np.int64(0xFFFFFFFF), a >> np.int64(32)

    @property
    def n_strong(self) -> np.ndarray:
        """Adopter neighbours over strong ties, int64 of shape (n,) (a new array)."""
        return self.adopters & np.int64(0xFFFFFFFF)

    @property
    def n_weak(self) -> np.ndarray:
        """Adopter neighbours over weak ties, int64 of shape (n,) (a new array)."""
        return self.adopters >> np.int64(32)

    def adopter_neighbors(self, i: int) -> tuple[int, int]:
        """Adopter neighbours of consumer ``i`` over strong and weak ties (now)."""
        if self.adopters.shape[0]:
            a = int(self.adopters[i])
            return a & 0xFFFFFFFF, a >> 32
        nb, tie = self.graph.neighbors(i)
        adopted = self.state[nb] == State.ADOPTED
        return int(np.sum(adopted & (tie == 1))), int(np.sum(adopted & (tie == 0)))

    def run_until_quiet(self, max_steps: int) -> np.ndarray:
        """Step until :attr:`frontier_empty` or ``max_steps`` steps were taken; the same
        steps, draws and results as calling :meth:`step` in that loop.

        The synchronous ``cascade`` rule runs the loop compiled, without returning to Python
        between steps: the serial kernels only, when no step may use threads
        (``parallel=False``, one numba thread, or fewer than ``CASCADE_PARALLEL_MIN``
        consumers); otherwise each step takes the threaded kernels when its
        work reaches ``CASCADE_PARALLEL_MIN`` (always with ``parallel=True``), as
        :meth:`step` would. Other rules step from Python.

        Returns
        -------
        ndarray of int64, shape (steps taken, len(Cause))
            New adoptions by cause in each step taken.
        """
        rows = []
        fused = isinstance(self.rule, CascadeRule) and self.rule.update == "synchronous"
        threads = numba.get_num_threads()
        # a small market's steps are too short for threads even when their ties add up
        small = self.graph.n < CASCADE_PARALLEL_MIN
        serial = self.parallel is False or threads == 1 or (self.parallel is None and small)
        if fused:
            run = CascadeRun(self._csr, self.state, self.counts, self.cause,
                             self.graph.community, self.comm_adopters, self.adopted_at,
                             self._new, (self._block_lo, self._block_n, self._block_aware),
                             self._collect)  # fmt: skip
            left = max(int(max_steps), 0)
            while left > 0 and self._nc > 0:  # in chunks: max_steps may be a loose bound
                out = np.zeros((min(left, 256), N_CAUSES), dtype=np.int64)
                if serial:
                    self.t, self._nc, taken = _cascade_run_serial(
                        run, self.t, self._nc, self.key, BLOCK, self._pow_s, self._pow_w, out
                    )
                else:  # the same steps; each takes threads when step() would
                    min_work = 0 if self.parallel else CASCADE_PARALLEL_MIN
                    self.t, self._nc, taken = _cascade_run_mixed(
                        run, self.t, self._nc, self.key, BLOCK, self._pow_s, self._pow_w, out,
                        min_work, min(MAX_PARTS, threads),
                    )  # fmt: skip
                rows.append(out[:taken])
                left -= taken
                if taken == 0:  # cannot happen with candidates left; never spin
                    break
            return np.concatenate(rows) if rows else np.zeros((0, N_CAUSES), dtype=np.int64)
        while not self.frontier_empty and len(rows) < max_steps:
            rows.append(self.step())
        return np.array(rows, dtype=np.int64).reshape(len(rows), N_CAUSES)

    @property
    def frontier_empty(self) -> bool:
        """True when no later step can change anything (cascade/threshold with no candidates)."""
        if isinstance(self.rule, TiesRule):
            return False
        if self.rule.update == "asynchronous":
            return getattr(self, "_async_quiet", False)
        return self._nc == 0 and not self._full_scan
