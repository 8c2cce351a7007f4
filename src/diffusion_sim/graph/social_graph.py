"""The social graph: consumers, their strong and weak ties, and their communities.

A :class:`SocialGraph` is undirected and immutable. It is stored as CSR arrays: the ties of
consumer ``i`` are ``indices[indptr[i]:indptr[i + 1]]`` (sorted), with the class of each tie in
``tie`` (:class:`~diffusion_sim.states.TieClass`: 0 weak, 1 strong) and an optional ``weight``.
Every tie is stored in both directions with the same class; there are no self-loops and no
duplicates. ``community`` gives each consumer's community (personal network, block, …) and
``labels`` the original node labels when the graph came from networkx or a file.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from ..errors import ConfigError
from ..states import TieClass
from ._csr import csr_from_edges, row_sums

__all__ = ["SocialGraph"]

_TIE_NAMES = {"weak": TieClass.WEAK, "strong": TieClass.STRONG}


def _readonly(a: np.ndarray | None) -> np.ndarray | None:
    if a is not None:
        a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class SocialGraph:
    """Consumers and ties in CSR form.

    Parameters
    ----------
    indptr : ndarray of int64, shape (n + 1,)
    indices : ndarray of int32, shape (2 * n_ties,)
        Neighbour of each tie entry; each row sorted ascending.
    tie : ndarray of uint8, shape (2 * n_ties,)
        Tie class of each entry (0 weak, 1 strong).
    community : ndarray of int32, shape (n,)
        Community of each consumer, ``0 .. n_communities - 1``.
    weight : ndarray of float64, shape (2 * n_ties,), optional
        Tie weight (kept from an edge list or networkx; the rules use only the class).
    labels : ndarray, shape (n,), optional
        Original node labels; ``None`` means the labels are ``0 .. n - 1``.
    meetings_per_step : int, default 0
        If positive, weak-tie interactions are not fixed ties but this many random meetings per
        step with consumers outside one's community (Goldenberg, Libai & Muller 2001).
    name : str
        Short description of how the graph was made.
    """

    indptr: np.ndarray
    indices: np.ndarray
    tie: np.ndarray
    community: np.ndarray
    weight: np.ndarray | None = None
    labels: np.ndarray | None = None
    meetings_per_step: int = 0
    name: str = "graph"
    _degree: np.ndarray = field(init=False, repr=False)
    _strong_degree: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        indptr = np.ascontiguousarray(self.indptr, dtype=np.int64)
        indices = np.ascontiguousarray(self.indices, dtype=np.int32)
        tie = np.ascontiguousarray(self.tie, dtype=np.uint8)
        community = np.ascontiguousarray(self.community, dtype=np.int32)
        n = indptr.shape[0] - 1
        if n < 1:
            raise ConfigError("graph.n", n, "a graph needs at least one consumer")
        if indptr[0] != 0 or indptr[-1] != indices.shape[0] or np.any(np.diff(indptr) < 0):
            raise ValueError("indptr must start at 0, be non-decreasing and end at len(indices)")
        if tie.shape != indices.shape:
            raise ValueError(f"tie has shape {tie.shape}, expected {indices.shape}")
        if community.shape != (n,):
            raise ValueError(f"community has shape {community.shape}, expected ({n},)")
        if indices.size and (indices.min() < 0 or indices.max() >= n):
            raise ValueError("indices must lie in [0, n)")
        if tie.size and tie.max() > TieClass.STRONG:
            raise ValueError("tie codes must be 0 (weak) or 1 (strong)")
        if community.min() < 0:
            raise ValueError("community labels must be non-negative")
        weight = self.weight
        if weight is not None:
            weight = np.ascontiguousarray(weight, dtype=np.float64)
            if weight.shape != indices.shape:
                raise ValueError(f"weight has shape {weight.shape}, expected {indices.shape}")
        if self.meetings_per_step < 0:
            raise ConfigError("graph.meetings_per_step", self.meetings_per_step, "an integer >= 0")
        deg = np.diff(indptr)
        strong_deg = row_sums(indptr, tie)
        for name, value in [
            ("indptr", indptr),
            ("indices", indices),
            ("tie", tie),
            ("community", community),
            ("weight", weight),
            ("labels", self.labels),
            ("_degree", deg),
            ("_strong_degree", strong_deg),
        ]:
            object.__setattr__(self, name, _readonly(value))

    # --- sizes -----------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of consumers."""
        return self.indptr.shape[0] - 1

    @property
    def n_ties(self) -> int:
        """Number of undirected ties."""
        return self.indices.shape[0] // 2

    @property
    def n_strong_ties(self) -> int:
        """Number of undirected strong ties."""
        return int(self._strong_degree.sum()) // 2

    @property
    def n_weak_ties(self) -> int:
        """Number of undirected weak ties."""
        return self.n_ties - self.n_strong_ties

    @property
    def n_communities(self) -> int:
        """Number of communities (``max(community) + 1``)."""
        return int(self.community.max()) + 1

    def degree(self) -> np.ndarray:
        """Ties per consumer, int64 of shape (n,)."""
        return self._degree

    def strong_degree(self) -> np.ndarray:
        """Strong ties per consumer, int64 of shape (n,)."""
        return self._strong_degree

    def weak_degree(self) -> np.ndarray:
        """Weak ties per consumer, int64 of shape (n,)."""
        return self._degree - self._strong_degree

    def community_sizes(self) -> np.ndarray:
        """Consumers per community, int64 of shape (n_communities,); read-only (computed once:
        every engine of a replicated run asks for it)."""
        return self._community_sizes

    @functools.cached_property
    def _community_sizes(self) -> np.ndarray:
        sizes = np.bincount(self.community, minlength=self.n_communities).astype(np.int64)
        sizes.setflags(write=False)
        return sizes

    def neighbors(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Neighbours of consumer ``i`` and the class of each tie."""
        lo, hi = self.indptr[i], self.indptr[i + 1]
        return self.indices[lo:hi], self.tie[lo:hi]

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each undirected tie once as ``(u, v, tie)`` with ``u < v``."""
        src = np.repeat(np.arange(self.n, dtype=np.int64), self._degree)
        keep = src < self.indices
        return src[keep], self.indices[keep].astype(np.int64), self.tie[keep]

    def check(self) -> None:
        """Verify symmetry, sorted rows, no self-loops or duplicates (O(ties log ties)).

        Raises
        ------
        ValueError
            Naming the first property that does not hold.
        """
        src = np.repeat(np.arange(self.n, dtype=np.int64), self._degree)
        dst = self.indices.astype(np.int64)
        if np.any(src == dst):
            raise ValueError("graph has a self-loop")
        code = src * self.n + dst
        if np.any(np.diff(code) <= 0):
            raise ValueError("rows are not strictly increasing (duplicate or unsorted ties)")
        rev = dst * self.n + src
        order = np.argsort(rev, kind="stable")
        if not np.array_equal(rev[order], code):
            raise ValueError("graph is not symmetric")
        if not np.array_equal(self.tie[order], self.tie):
            raise ValueError("a tie has different classes in its two directions")
        if self.weight is not None and not np.array_equal(self.weight[order], self.weight):
            raise ValueError("a tie has different weights in its two directions")

    # --- constructors ----------------------------------------------------------------------
    @classmethod
    def from_edges(
        cls,
        n: int,
        u,
        v,
        tie,
        *,
        community=None,
        labels=None,
        meetings_per_step: int = 0,
        name: str = "edges",
    ) -> SocialGraph:
        """Build from an undirected edge list; self-loops are dropped, duplicates merged.

        Parameters
        ----------
        n : int
            Number of consumers.
        u, v : array_like of int, shape (m,)
            Endpoints in ``[0, n)``.
        tie : array_like of int, shape (m,)
            Tie class per edge (0 weak, 1 strong); a duplicated tie is strong if any copy is.
        community : array_like of int, shape (n,), optional
            Community per consumer; all in community 0 if omitted.
        """
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        if u.size and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n):
            raise ValueError(f"edge endpoints must lie in [0, {n})")
        indptr, indices, t, _, _ = csr_from_edges(n, u, v, np.asarray(tie, dtype=np.uint8))
        comm = np.zeros(n, dtype=np.int32) if community is None else community
        return cls(
            indptr, indices, t, comm, labels=labels, meetings_per_step=meetings_per_step, name=name
        )

    @classmethod
    def from_networkx(
        cls,
        G: nx.Graph,
        *,
        tie_attr: str = "tie",
        weight_attr: str | None = None,
        strong_threshold: float | None = None,
        community_attr: str | None = "community",
        default_tie: str = "weak",
    ) -> SocialGraph:
        """Convert an undirected networkx graph.

        The tie class comes from the edge attribute ``tie_attr`` (``"strong"``/``"weak"`` or
        1/0); if ``strong_threshold`` is given it comes instead from ``weight_attr``: a weight
        at or above the threshold is strong. Edges without the attribute get ``default_tie``.
        Node labels are kept in ``labels`` in ``G``'s node order; communities come from the
        node attribute ``community_attr`` (any hashable values, renumbered ``0..k-1`` in order
        of first appearance) or are all 0.
        """
        if G.is_directed():
            raise ValueError("SocialGraph is undirected; pass G.to_undirected()")
        nodes = list(G)
        index = {node: i for i, node in enumerate(nodes)}
        m = G.number_of_edges()
        u = np.empty(m, dtype=np.int64)
        v = np.empty(m, dtype=np.int64)
        t = np.empty(m, dtype=np.uint8)
        w = np.empty(m, dtype=np.float64)
        default = _parse_tie(default_tie, "default_tie")
        for k, (a, b, data) in enumerate(G.edges(data=True)):
            u[k] = index[a]
            v[k] = index[b]
            if strong_threshold is not None:
                wa = weight_attr or "weight"
                if wa not in data:
                    raise ValueError(f"edge ({a!r}, {b!r}) has no attribute {wa!r}")
                w[k] = float(data[wa])
                t[k] = TieClass.STRONG if w[k] >= strong_threshold else TieClass.WEAK
            else:
                t[k] = _parse_tie(data.get(tie_attr, default), f"edge ({a!r}, {b!r}) {tie_attr}")
                w[k] = float(data.get(weight_attr, 1.0)) if weight_attr else 1.0
        comm = np.zeros(len(nodes), dtype=np.int32)
        if community_attr is not None:
            codes: dict = {}
            for i, node in enumerate(nodes):
                c = G.nodes[node].get(community_attr, None)
                comm[i] = codes.setdefault(c, len(codes))
        n = len(nodes)
        graph = cls.from_edges(n, u, v, t, community=comm, name="networkx")
        labels = np.empty(n, dtype=object)
        labels[:] = nodes
        weight = None
        if weight_attr is not None or strong_threshold is not None:
            weight = _csr_weights(graph, u, v, w)
        return cls(
            graph.indptr.copy(),
            graph.indices.copy(),
            graph.tie.copy(),
            comm,
            weight=weight,
            labels=labels,
            name="networkx",
        )

    def to_networkx(self) -> nx.Graph:
        """An ``nx.Graph`` with edge attribute ``tie`` ("strong"/"weak"), optional
        ``weight``, and node attribute ``community``; nodes carry the original labels."""
        labels = self.labels if self.labels is not None else np.arange(self.n)
        G = nx.Graph()
        G.add_nodes_from(
            (labels[i], {"community": int(c)}) for i, c in enumerate(self.community.tolist())
        )
        src = np.repeat(np.arange(self.n), self._degree)
        keep = src < self.indices
        names = ("weak", "strong")
        ws = self.weight[keep] if self.weight is not None else None
        for k, (a, b, t) in enumerate(
            zip(
                src[keep].tolist(),
                self.indices[keep].tolist(),
                self.tie[keep].tolist(),
                strict=True,
            )
        ):
            attrs = {"tie": names[t]}
            if ws is not None:
                attrs["weight"] = float(ws[k])
            G.add_edge(labels[a], labels[b], **attrs)
        return G


def _parse_tie(value, where: str) -> int:
    if isinstance(value, str):
        key = value.strip().lower()
        if key in _TIE_NAMES:
            return int(_TIE_NAMES[key])
    elif value in (0, 1) and not isinstance(value, float | bool):
        return int(value)
    raise ValueError(f"{where}: tie value {value!r} is not allowed; use 'strong' or 'weak'")


def _csr_weights(graph: SocialGraph, u, v, w) -> np.ndarray:
    """Weight per CSR entry; for duplicated ties the largest weight is kept."""
    n = graph.n
    src = np.repeat(np.arange(n, dtype=np.int64), graph.degree())
    codes = src * n + graph.indices
    out = np.full(graph.indices.shape[0], -np.inf)
    for a, b in ((u, v), (v, u)):
        keep = a != b
        pos = np.searchsorted(codes, a[keep] * n + b[keep])
        np.maximum.at(out, pos, w[keep])
    return out
