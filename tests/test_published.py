"""job=validation: the published checks shown to users (diffusion_sim.published)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import run_cli
from diffusion_sim.published import (
    CHECKS,
    Row,
    ValidationParams,
    bass_mean_field,
    percolation_size,
    run_validation,
    watts_condition,
)


def test_theory_functions_against_exact_answers():
    # no word of mouth: n independent consumers, X_t ~ Binomial(n, 1 - (1 - p)^t) exactly
    mean, var, bias = bass_mean_field(7, 0.1, 0.0, 5)
    share = 1 - 0.9 ** np.arange(6)
    np.testing.assert_allclose(mean, 7 * share, rtol=1e-12)
    np.testing.assert_allclose(var, 7 * share * (1 - share), rtol=1e-12, atol=1e-15)
    assert bias.max() == 0.0  # h does not depend on X
    for c in (1.2, 2.0, 4.0):
        s = percolation_size(c)
        assert 0 < s < 1 and s == pytest.approx(1 - math.exp(-c * s), abs=1e-12)
    assert percolation_size(1.0) == 0.0 and percolation_size(0.4) == 0.0
    # phi < 1/kmax: every degree is vulnerable, the sum is E[k(k-1)] / z = z for Poisson
    assert watts_condition(3.0, 1e-3) == pytest.approx(3.0, rel=1e-9)
    # phi = 1: only k = 1 is vulnerable, k(k-1) = 0: no window at all
    assert watts_condition(3.0, 1.0) == 0.0


def test_row_relations():
    r = Row("c", "q", 1.0, "±", 0.1, 1.05, "s")
    assert r.passed and not r._replace(engine=1.2).passed
    assert Row("c", "q", 0.5, "<", 0.0, 0.4, "s").passed
    assert not Row("c", "q", 0.5, "<", 0.0, 0.5, "s").passed
    assert Row("c", "q", 0.0, ">", 0.0, 0.1, "s").passed
    assert not Row("c", "q", 0.0, ">", 0.0, 0.0, "s").passed


def test_every_check_passes_at_small_scale_and_is_reproducible():
    params = ValidationParams(scale=0.1)
    a = run_validation(params, seed=3)
    assert set(a.panels) == set(CHECKS)
    frame = a.to_frame()
    assert list(frame.columns) == ["check", "quantity", "target", "relation", "tolerance",
                                   "engine", "passed", "source"]  # fmt: skip
    assert a.passed, a.text()
    assert set(frame["check"]) == set(CHECKS)
    # a check's stream does not depend on which other checks run
    b = run_validation(ValidationParams(checks=["watts"], scale=0.1), seed=3)
    pd.testing.assert_frame_equal(
        b.to_frame(), frame[frame["check"] == "watts"].reset_index(drop=True)
    )


def test_a_wrong_engine_fails_the_table(monkeypatch):
    """The table must be able to fail: an engine whose external influence is 20 % too strong
    misses the Bass recursion."""
    import diffusion_sim.contagion as contagion

    class Biased(contagion.TiesRule):
        def __init__(self, alpha, beta_strong, beta_weak):
            super().__init__(alpha=alpha * 1.2, beta_strong=beta_strong, beta_weak=beta_weak)

    monkeypatch.setattr(contagion, "TiesRule", Biased)
    v = run_validation(ValidationParams(checks=["bass"], scale=0.25), seed=0)
    assert not v.passed


def test_validation_job_writes_table_and_figure(tmp_path):
    res = run_cli(tmp_path, "experiment=validation", "validation.scale=0.1",
                  "validation.checks=[bass,centola_macy]")  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "comparisons within their tolerance" in res.stdout
    (run,) = list((tmp_path / "results" / "runs").glob("*/*"))
    table = pd.read_csv(run / "validation.csv")
    assert set(table["check"]) == {"bass", "centola_macy"} and table["passed"].all()
    assert (run / "validation.png").stat().st_size > 10_000
    assert (run / "config.yaml").is_file()


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ("validation.checks=[foo]", "validation.checks='foo' is not allowed: one of"),
        ("validation.scale=0", "validation.scale=0.0 is not allowed: a number in [0.1, 10]"),
        ("validation.checks=[]", "validation.checks=[] is not allowed"),
    ],
)
def test_validation_bad_input_is_one_line(tmp_path, override, fragment):
    res = run_cli(tmp_path, "experiment=validation", override)
    assert res.returncode == 2
    assert fragment in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert not list((tmp_path / "results" / "runs").glob("*/*"))  # no run folder left
