"""Benchmark workloads as data: each entry says what is run, on what, for how long.

``sizes`` are consumers; ``quick_sizes``, ``quick_repetitions`` and ``quick_cap_s`` are used
with ``--quick``. Every library runs on the
same graph (same seed), the same parameters and the same seed nodes. ``cap_s`` bounds the time
a peer may take for one repetition; beyond it, step-based workloads run fewer steps and report
per-step figures from those (the table says so), and cascades are skipped.
"""

from __future__ import annotations

WORKLOADS = [
    {
        "name": "cascade",
        "title": "Independent cascade, ER mean degree 10, p = 0.2, 50 seeds: time per full cascade",
        "graph": {"kind": "erdos_renyi", "mean_degree": 10.0, "seed": 1},
        "params": {"p": 0.2, "seeds": 50},
        "libraries": ["diffusion_sim", "cynetdiff", "ndlib"],
        "sizes": [10_000, 100_000, 1_000_000],
        "quick_sizes": [10_000, 100_000],
        "repetitions": 7,
        "quick_repetitions": 5,
        "cap_s": 20.0,
        "quick_cap_s": 2.0,
    },
    {
        "name": "simple_contagion",
        "title": "Synchronous simple contagion 1-(1-beta)^k, beta = 0.01, ER mean degree 10, "
        "100 steps: time per step",
        "graph": {"kind": "erdos_renyi", "mean_degree": 10.0, "seed": 2},
        "params": {"beta": 0.01, "steps": 100, "seeds": 50},
        "libraries": ["diffusion_sim", "ndlib", "mesa"],
        "sizes": [10_000, 100_000, 1_000_000],
        "quick_sizes": [10_000, 100_000],
        "repetitions": 5,
        "quick_repetitions": 3,
        "cap_s": 20.0,
        "quick_cap_s": 2.0,
    },
    {
        "name": "threshold",
        "title": "Threshold contagion, phi = 0.1, ER mean degree 10, 1 % seeds: time per run",
        "graph": {"kind": "erdos_renyi", "mean_degree": 10.0, "seed": 3},
        "params": {"phi": 0.1, "seed_fraction": 0.01, "steps": 50},
        "libraries": ["diffusion_sim", "ndlib"],
        "sizes": [100_000],
        "quick_sizes": [100_000],
        "repetitions": 5,
        "quick_repetitions": 3,
        "cap_s": 30.0,
        "quick_cap_s": 5.0,
    },
    {
        "name": "ties_step_1m",
        "title": "`ties` step on 1M consumers / 10M ties (ER mean degree 20), 1 thread, vs a "
        "plain numba scan of every tie",
        "graph": {"kind": "erdos_renyi", "mean_degree": 20.0, "seed": 4},
        # daily-scale parameters (market-facts.md): ~1,000-4,000 adoptions per step
        "params": {"alpha": 0.0005, "beta": 0.005, "steps": 20},
        "libraries": ["diffusion_sim", "numba_full_scan"],
        "sizes": [1_000_000],
        "quick_sizes": [1_000_000],
        "repetitions": 5,
        "quick_repetitions": 3,
        "cap_s": 30.0,
        "quick_cap_s": 5.0,
    },
    {
        "name": "social_commerce",
        "title": "Full social-commerce model, 180 days, every strategy on (VIP, ads, bridging, "
        "coupons, referral, group-buy; 5 CNY per consumer): wall time per run incl. set-up "
        "(bridge scores), vs the engine's plain `ties` run (no brand) on the same graph",
        "graph": {"kind": "clustered", "group_size": 10, "weak_ties": 2.0, "seed": 7},
        "params": {
            "steps": 180,
            "budget_per_consumer": 5.0,
            "splits": {
                "vip": 0.2,
                "ads": 0.2,
                "bridging": 0.2,
                "coupons": 0.1,
                "referral": 0.15,
                "groupbuy": 0.15,
            },
            "alpha": 1e-4,
            "beta_strong": 0.004,
            "beta_weak": 0.002,
        },
        "libraries": ["diffusion_sim", "engine_only"],
        "sizes": [50_000, 1_000_000],
        "quick_sizes": [50_000],
        "repetitions": 3,
        "quick_repetitions": 2,
        "cap_s": 120.0,
        "quick_cap_s": 120.0,
    },
    {
        "name": "graph_generation",
        "title": "Graph generation, ER with mean degree 20 (10M ties at 1M consumers)",
        "graph": {"kind": "erdos_renyi", "mean_degree": 20.0, "seed": 5},
        "params": {},
        "libraries": ["diffusion_sim", "networkx"],
        "sizes": [1_000_000],
        "quick_sizes": [100_000],
        "repetitions": 3,
        "quick_repetitions": 3,
        "cap_s": 120.0,
        "quick_cap_s": 120.0,
    },
    {
        "name": "cold_start",
        "title": "Start-up: import + first run of every kernel (engine and market), and the "
        "default job, empty numba cache vs warm cache",
        "graph": {"kind": "clustered", "seed": 6},
        "params": {},
        "libraries": ["diffusion_sim"],
        "sizes": [1_000],
        "quick_sizes": [1_000],
        "repetitions": 2,
        "quick_repetitions": 1,
        "cap_s": 120.0,
        "quick_cap_s": 120.0,
    },
]
