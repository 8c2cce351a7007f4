"""Make src/diffusion_sim/data/campaign_ads.csv: campaign results of the model itself with
known ad rates (run: .venv/bin/python scripts/make_campaign_example.py)."""

from pathlib import Path

from hydra import compose, initialize_config_dir

from diffusion_sim.cli import CONF_DIR
from diffusion_sim.config import build
from diffusion_sim.market.model import MarketModel

TRUTH = {"ctr": 0.012, "click_conversion": 0.08, "view_conversion": 0.0003}
WEEKS, SEED = 8, 2026
COLUMNS = {  # data column: MarketRun.to_frame() column
    "impressions": "impressions",
    "clicks": "clicks",
    "follows": "new_followers",
    "orders_ad": "new_channel_ad",
    "orders_group": "new_channel_group",
    "orders_none": "new_channel_none",
}

with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
    overrides = [
        "experiment=calibrate_campaign",
        "job=compare",
        *(f"market.ads.{k}={v}" for k, v in TRUTH.items()),
    ]
    cfg = compose(config_name="config", overrides=overrides)
spec = build(cfg)
graph = spec.make_graph()
run = MarketModel(graph, spec.rule, spec.market, spec.plan.budgets("ads"), horizon=7 * WEEKS,
                  seeding=spec.seeding, parallel=False, seed=SEED).run()  # fmt: skip
f = run.to_frame()
rows = []
for w in range(1, WEEKS + 1):
    days = f.iloc[7 * (w - 1) + 1 : 7 * w + 1]
    rows.append([w, *(int(days[c].sum()) for c in COLUMNS.values())])
out = Path(__file__).resolve().parents[1] / "src/diffusion_sim/data/campaign_ads.csv"
header = [
    "# Made by the model itself (scripts/make_campaign_example.py), not observed: "
    "experiment=calibrate_campaign's market",
    f"# (clustered graph, graph.n={graph.n}, seed {spec.seed}; default market) with market.ads "
    + ", ".join(f"{k}={v}" for k, v in TRUTH.items())
    + ",",
    f"# play 'ads' with compare.budget={spec.plan.budget:g} CNY over {WEEKS} weeks, run seed "
    f"{SEED}. t = week; counts per week (orders_<code>: new customers by channel code).",
]
lines = [*header, ",".join(["t", *COLUMNS])] + [",".join(map(str, r)) for r in rows]
out.write_text("\n".join(lines) + "\n")
print(out.read_text())
print("spend", run.spend.sum())
