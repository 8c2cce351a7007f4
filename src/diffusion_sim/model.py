"""The Mesa model: consumers as agents whose attributes are views on the engine's arrays.

:class:`DiffusionModel` owns the graph, the state arrays (through an
:class:`~diffusion_sim.contagion.Engine`) and the random numbers. ``model.step()`` calls the
compiled kernel once for all consumers; there is no per-agent Python inside a step. Each
:class:`Consumer` stores only its index, and reads ``state``, ``adopted_at``, ``cause`` … from
the model's arrays, so Mesa's ``AgentSet``, ``DataCollector`` and visualisation see live values.

Agents cost Python objects (measured in ``docs/model.md``), so for large markets they are made
on demand: with ``agents="auto"`` (default) every consumer gets an agent when ``n <=
AGENT_LIMIT``; otherwise :meth:`DiffusionModel.consumer` creates (and keeps) an agent the
first time it is asked for one.
"""

from __future__ import annotations

import mesa
import numpy as np

from .contagion import Engine, Rule, ThresholdRule
from .errors import ConfigError
from .graph.social_graph import SocialGraph
from .results import RunResult
from .rng import as_seed_sequence, key_from_seed_sequence
from .seeding import Seeding
from .states import Cause, State

__all__ = ["AGENT_LIMIT", "Consumer", "DiffusionModel"]

#: With ``agents="auto"``, markets up to this size get one Mesa agent per consumer at start.
AGENT_LIMIT = 100_000


class Consumer(mesa.Agent):
    """One consumer; every attribute is read from (or written to) the model's arrays."""

    def __init__(self, model: DiffusionModel, index: int):
        super().__init__(model)
        self.index = int(index)

    @property
    def state(self) -> State:
        """Current :class:`State`."""
        return State(int(self.model.engine.state[self.index]))

    @property
    def adopted(self) -> bool:
        return self.model.engine.state[self.index] == State.ADOPTED

    @property
    def adopted_at(self) -> int:
        """Step of adoption (0 for seeds), -1 if not adopted."""
        return int(self.model.engine.adopted_at[self.index])

    @property
    def cause(self) -> Cause:
        return Cause(int(self.model.engine.cause[self.index]))

    @property
    def community(self) -> int:
        return int(self.model.graph.community[self.index])

    @property
    def label(self):
        labels = self.model.graph.labels
        return self.index if labels is None else labels[self.index]

    @property
    def strong_adopter_neighbors(self) -> int:
        return self.model.engine.adopter_neighbors(self.index)[0]

    @property
    def weak_adopter_neighbors(self) -> int:
        return self.model.engine.adopter_neighbors(self.index)[1]

    def neighbors(self) -> list[Consumer]:
        """Neighbouring consumers (agents are made on demand)."""
        idx, _ = self.model.graph.neighbors(self.index)
        return [self.model.consumer(int(j)) for j in idx]


class DiffusionModel(mesa.Model):
    """Diffusion of one product over a social graph under one contagion rule.

    Parameters
    ----------
    graph : SocialGraph
    rule : TiesRule, CascadeRule or ThresholdRule
    seeding : Seeding or array_like of int, optional
        Seed adopters (chosen with the model's RNG if a :class:`Seeding`).
    agents : {"auto", "all", "lazy"}
        Create a :class:`Consumer` for everyone at start (``all``), only on demand (``lazy``),
        or ``all`` up to ``AGENT_LIMIT`` consumers (``auto``).
    parallel : bool, optional
        Force the parallel or serial kernel; results are identical either way.
    seed : int or numpy.random.SeedSequence, optional
        The single source of randomness. It is split into the kernel key and the model's
        ``numpy.random.Generator`` (``model.rng``: seed choice, thresholds), so no global RNG
        is touched.

    Attributes
    ----------
    engine : Engine
        The state arrays and the rule's step.
    counts : ndarray of int64, shape (steps + 1, len(State))
        Consumers per state after each step so far (row 0: after seeding).
    new_by_cause : ndarray of int64, shape (steps + 1, len(Cause))
        New adoptions per cause in each step.
    """

    #: Class of the agents made for consumers (subclasses add attributes).
    agent_class = Consumer

    def __init__(
        self,
        graph: SocialGraph,
        rule: Rule,
        seeding: Seeding | None = None,
        *,
        agents: str = "auto",
        parallel: bool | None = None,
        seed=None,
    ):
        ss = as_seed_sequence(seed)
        kernel_ss, model_ss = ss.spawn(2)
        super().__init__(rng=np.random.default_rng(model_ss))
        self.seed_sequence = ss
        self.graph = graph
        self.rule = rule
        phi = rule.draw_phi(graph.n, self.rng) if isinstance(rule, ThresholdRule) else None
        self.engine = Engine(
            graph, rule, key_from_seed_sequence(kernel_ss), phi=phi, parallel=parallel
        )
        if seeding is None:
            seeding = Seeding()
        seeds = (seeding.choose(graph, self.rng, rule) if isinstance(seeding, Seeding)
                 else seeding)  # fmt: skip
        self.seeds = np.asarray(seeds, dtype=np.int64)
        first = self.engine.seed(self.seeds)
        self._counts = [self.engine.counts.copy()]
        self._new = [first]
        if agents not in ("auto", "all", "lazy"):
            raise ConfigError("model.agents", agents, "one of 'auto', 'all', 'lazy'")
        self._agents: dict[int, Consumer] = {}
        if agents == "all" or (agents == "auto" and graph.n <= AGENT_LIMIT):
            for i in range(graph.n):
                self._agents[i] = self.agent_class(self, i)

    def consumer(self, i: int) -> Consumer:
        """The agent of consumer ``i`` (made on first request)."""
        agent = self._agents.get(i)
        if agent is None:
            if not 0 <= i < self.graph.n:
                raise IndexError(f"consumer {i} is not in [0, {self.graph.n})")
            agent = self._agents[i] = self.agent_class(self, i)
        return agent

    def step(self) -> None:
        """One synchronous step of the rule for all consumers (one kernel call)."""
        self._new.append(self.engine.step())
        self._counts.append(self.engine.counts.copy())

    def run(self, steps: int) -> RunResult:
        """Take ``steps`` steps and return the result of the whole run so far."""
        if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
            raise ConfigError("sim.steps", steps, "an integer >= 0")
        for _ in range(steps):
            self.step()
        return self.result()

    @property
    def counts(self) -> np.ndarray:
        return np.asarray(self._counts)

    @property
    def new_by_cause(self) -> np.ndarray:
        return np.asarray(self._new)

    @property
    def adopted_share(self) -> float:
        """Current ``F_t``."""
        return float(self.engine.counts[State.ADOPTED]) / self.graph.n

    def result(self) -> RunResult:
        """A :class:`RunResult` snapshot (arrays are copied)."""
        return RunResult(
            counts=self.counts,
            new_by_cause=self.new_by_cause,
            adopted_at=self.engine.adopted_at.copy(),
            cause=self.engine.cause.copy(),
        )
