"""Golden digest of the ``viral`` comparison (the default market before issue 14, kept as
``market=viral``): the market's numbers must not move while its code is reorganised.
A change of these digests is a change of results; if it is intended,
say in the commit message where and why, then re-pin them with

    .venv/bin/python tests/market/test_golden.py
"""

from __future__ import annotations

import hashlib
import sys

from hydra import compose, initialize_config_dir

from diffusion_sim.cli import CONF_DIR
from diffusion_sim.config import build
from diffusion_sim.market.compare import compare

#: Every play of the default splits, each strategy alone, and the mix.
PLAYS = ["none", "vip", "ads", "bridging", "kol", "koc", "coupons", "referral", "groupbuy", "mix"]
OVERRIDES = [
    "market=viral",
    "market.value.long_horizon=0",  # no continuation: the digest covers the horizon
    "graph.n=2000",
    "sim.steps=60",
    "sim.replications=3",
    "seed=0",
    f"compare.plays=[{','.join(PLAYS)}]",
]
PINNED = {
    "replications": "bafa6ea4fd4fe24047faef6e775749c26111b04506ca2f3a3cb12d4824e26336",
    "timeseries": "f012125df180bafbee199ddad7c34915e5fea279ad225a7ab7189ec43361cc4a",
}


#: Columns of plays added after the digest was pinned (none of them funded here): they must be
#: all zero and are left out of the digest, so the pinned numbers of the older plays stand.
NEWER = ("livestream", "live_", "influence")
#: Columns derived from the pinned runs after the digest was pinned (issue 14: held customers,
#: their lifetime value, the brand's channel-code credit): left out, checked elsewhere.
DERIVED = (
    "held",
    "clv",
    "incr_clv",
    "brand_credited_customers",
    "brand_credited_gross",
    "ad_reach",
    "ad_unsold",
)


def _sha(frame) -> str:
    newer = [c for c in frame.columns if any(k in c for k in NEWER)]
    assert (frame[newer].to_numpy() == 0).all(), "an unfunded play acted"
    frame = frame.drop(columns=newer + [c for c in DERIVED if c in frame.columns])
    text = frame.to_csv(index=False, float_format="%.10g", lineterminator="\n")
    return hashlib.sha256(text.encode()).hexdigest()


def golden_digests() -> dict[str, str]:
    """Digests of the per-replication table and the tidy timeseries of the default
    comparison (``compare`` job, default ``conf/``) on a small market."""
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose(config_name="config", overrides=OVERRIDES)
    spec = build(cfg)
    comp = compare(spec.make_graph(), spec.rule, spec.market, spec.plan, horizon=spec.steps,
                   replications=spec.replications, seed=spec.seed,
                   seeding=spec.seeding)  # fmt: skip
    assert comp.plays == PLAYS
    per = comp.per_replication()
    paid = per[per["play"] != "none"]
    acted = paid.groupby("play")["spend"].max() > 0
    assert acted.all(), "every funded play must act, or the digest checks little"
    return {"replications": _sha(per), "timeseries": _sha(comp.to_frame())}


def test_default_comparison_is_bit_identical_to_the_pinned_digest():
    """Per-replication table and timeseries of every play hash to the pinned values."""
    assert golden_digests() == PINNED


if __name__ == "__main__":
    sys.stdout.write(repr(golden_digests()) + "\n")
