"""The strategist's page: a market, a budget, a horizon and plays in; the comparison out.

Every input becomes a Hydra override (:mod:`.runner`): the page shows the exact
``diffusion-sim`` command it will run, checks it with the command's own validation before any
work (a bad value gets the command's one-line message on the page), runs the CLI's
:func:`~diffusion_sim.cli.run` in a background process with a progress bar and a Cancel
button, and shows the table, the verdict and the figures the run wrote. The report (one HTML
file) and a zip with the CSVs are written next to the run's other outputs.
"""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import solara
from solara.lab import task

from ..market.colours import play_colours
from ..market.registry import STRATEGIES
from . import runner
from .report import bundle, result_view, write_report
from .sources import group_notes, market_parameters, organic_parameters

__all__ = ["StrategistPage", "parse_split"]

_JOB_HELP = {
    "compare": "compare the plays at equal budget (table, verdict, figures)",
    "curves": "response curves: every play at 0-2 x the budget, marginal ROI, saturation",
    "optimize": "the best split of the budget over the mix's strategies (Optuna, slower)",
    "uncertainty": "what flips the verdict: the estimated parameters moved within their ranges",
}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def parse_split(text: str, known: list[str]) -> tuple[str, dict[str, float]] | str:
    """``"name: ads=0.5, vip=0.5"`` -> ``("name", {"ads": 0.5, "vip": 0.5})``, or a one-line
    message naming what is wrong.

    >>> parse_split("ab: ads=0.5, vip=0.25", ["none"])
    ('ab', {'ads': 0.5, 'vip': 0.25})
    >>> parse_split("ab: ads=lots", ["none"])
    "extra play: share 'lots' of ads is not a number in [0, 1]"
    """
    name, sep, body = text.partition(":")
    name = name.strip()
    if not sep or not _NAME.match(name):
        return "extra play: write it as name: strategy=share, ... (e.g. ads_vip: ads=0.5, vip=0.5)"
    if name in known:
        return f"extra play: the name {name!r} is taken; choose another"
    split = {}
    for part in filter(None, (p.strip() for p in body.split(","))):
        s, eq, v = part.partition("=")
        s = s.strip()
        if s not in STRATEGIES:
            return f"extra play: {s!r} is not a strategy; one of {', '.join(STRATEGIES)}"
        try:
            share = float(v)
        except ValueError:
            share = -1.0
        if not eq or not 0.0 <= share <= 1.0:
            return f"extra play: share {v.strip()!r} of {s} is not a number in [0, 1]"
        split[s] = share
    if not split:
        return "extra play: give at least one strategy=share"
    return name, split


def _organic_options() -> list[str]:
    # organic growth presets: the contagion options built on the ties rule (the market's)
    conf = Path(runner._conf_dir()) / "contagion"
    return [o for o in runner.options("contagion")
            if "base_ties" in (conf / f"{o}.yaml").read_text()]  # fmt: skip


def _network_options() -> list[str]:
    return [o for o in runner.options("graph") if o != "edgelist"]  # a file needs a path


def _params_table(params, edited: set[str]) -> str:
    rows = []
    colours = {"SOURCED-OFFICIAL": "#1e8449", "SOURCED-2nd": "#2874a6", "LOW": "#b9770e",
               "ESTIMATE": "#a93226"}  # fmt: skip
    for p in params:
        rng = f"[{p.range[0]:g}, {p.range[1]:g}]" if p.range else ""
        lab = p.label or "—"
        mark = " ✎" if p.key in edited else ""
        rows.append(
            f"<tr><td><code>{html.escape(p.key)}</code>{mark}</td><td>{html.escape(str(p.value))}"
            f"</td><td style='color:{colours.get(p.label, '#555')}'><b>{html.escape(lab)}</b> "
            f"{html.escape(p.note)}</td><td>{html.escape(rng)}</td><td>{html.escape(p.allowed)}"
            f"</td><td>{html.escape(p.what)}</td></tr>"
        )
    return ("<table class='ds-params' style='border-collapse:collapse;font-size:12px'>"
            "<tr><th>parameter</th><th>value</th><th>source</th><th>uncertainty range</th>"
            "<th>allowed</th><th>what</th></tr>" + "".join(rows) + "</table>")  # fmt: skip


def _table_html(view) -> str:
    colours = play_colours(view["plays"])
    head = "".join(f"<th style='padding:4px 8px'>{html.escape(h)}</th>" for h in view["header"])
    body = []
    for r in view["rows"]:
        swatch = (f"<span style='display:inline-block;width:10px;height:10px;margin-right:5px;"
                  f"background:{colours.get(r[0], '#999')}'></span>")  # fmt: skip
        cells = [f"<td style='padding:4px 8px'>{swatch}{html.escape(r[0])}</td>"]
        cells += [f"<td style='padding:4px 8px'>{html.escape(c)}</td>" for c in r[1:]]
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        "<table class='ds-comparison' style='border-collapse:collapse;font-size:14px'>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


progress_text = solara.reactive("")


@task
def run_job(ovr: list[str], params: list):
    """The background run: start the worker, relay its progress, stop it when cancelled."""
    job = runner.start(ovr)
    progress_text.value = "starting (loading the compiled kernels)…"
    run_job.progress = 0
    while True:
        if not run_job.is_current():  # Cancel pressed, or a new run started
            job.cancel()
            progress_text.value = f"cancelled; incomplete outputs left in {job.out_dir}"
            return None
        for event in job.poll(0.25):
            if event[0] == "progress":
                _, desc, done, total = event
                if total:
                    run_job.progress = 100.0 * done / total
                progress_text.value = f"{desc or 'running'}: {done} of {total}"
            elif event[0] == "error":
                return {"error": event[1], "out_dir": job.out_dir}
            elif event[0] == "done":
                _, _files, text = event
                cmd = runner.command(ovr)
                report = write_report(job.out_dir, cmd, params, text)
                seconds = time.perf_counter() - job.started
                progress_text.value = f"finished in {seconds:.0f} s"
                view = result_view(job.out_dir)
                return {"view": view, "text": text, "out_dir": job.out_dir, "command": cmd,
                        "report": report, "zip": bundle(job.out_dir)}  # fmt: skip


@solara.component
def StrategistPage():  # noqa: N802 (solara components are CamelCase)
    defaults = solara.use_memo(runner.default_config, [])
    known_plays = list(defaults["compare"]["splits"])
    job = solara.use_reactive("compare")
    market = solara.use_reactive(runner._default_option("market") or "default")
    network = solara.use_reactive(runner._default_option("graph") or "clustered")
    organic = solara.use_reactive(runner._default_option("contagion") or "ties")
    n = solara.use_reactive(str(defaults["graph"].get("n", "")))
    budget = solara.use_reactive(f"{defaults['compare']['budget']:.0f}")
    horizon = solara.use_reactive(str(defaults["sim"]["steps"]))
    reps = solara.use_reactive(str(defaults["sim"]["replications"]))
    seed = solara.use_reactive(str(defaults["seed"]))
    plays = solara.use_reactive(list(defaults["compare"]["plays"]))
    extra = solara.use_reactive("")
    changes = solara.use_reactive("")
    message = solara.use_reactive("")

    # the extra play and the parameter changes, parsed (errors shown, nothing run)
    split_msg, splits = "", {}
    if extra.value.strip():
        parsed = parse_split(extra.value, known_plays)
        if isinstance(parsed, str):
            split_msg = parsed
        else:
            splits = {parsed[0]: parsed[1]}
    values, change_msg = {}, ""
    for line in filter(None, (x.strip() for x in changes.value.splitlines())):
        key, eq, val = line.partition("=")
        if not eq or not key.strip():
            change_msg = f"parameter changes: {line!r} is not key=value (e.g. market.ads.cpm=150)"
            break
        values[key.strip()] = val.strip()
    chosen = [p for p in plays.value if p in known_plays] + list(splits)
    inputs = runner.Inputs(job=job.value, market=market.value, network=network.value,
                           n=n.value, organic=organic.value, budget=budget.value,
                           horizon=horizon.value, replications=reps.value, seed=seed.value,
                           plays=chosen, splits=splits, values=values)  # fmt: skip
    ovr = runner.overrides(inputs, defaults)

    # the parameters in effect: the config composed with the choices that change them (not
    # on every keystroke in the other fields: composing takes about a second)
    param_ovr = runner.overrides(runner.Inputs(market=market.value, organic=organic.value,
                                               values=values), defaults)  # fmt: skip

    def composed():
        try:
            from omegaconf import OmegaConf

            return OmegaConf.to_container(runner.compose_config(param_ovr), resolve=True)
        except Exception:  # a bad value: shown by the check when Run is pressed
            return defaults

    cfg = solara.use_memo(composed, [tuple(param_ovr)])
    params = market_parameters(cfg, runner._conf_dir(), market.value)
    organic_params = [
        p
        for p in organic_parameters(cfg, runner._conf_dir(), organic.value)
        if isinstance(p.value, int | float) and not isinstance(p.value, bool)
    ]

    def on_run():
        problem = split_msg or change_msg or runner.check(ovr)
        if problem:
            message.value = problem
            return
        message.value = ""
        run_job(ovr, organic_params + params)

    solara.Title("diffusion_sim · strategist")
    with solara.Column(style={"padding": "12px"}):
        solara.Markdown(
            "## Strategist: which play buys the most for the same money?\n"
            "Set the market, the budget, the horizon and the plays; **Run** compares them on the "
            "same random numbers (common random numbers) and shows the table, the verdict and "
            "the figures. Every value's source label and range are listed under *Parameters*. "
            "Most are ESTIMATES: read the answer as a what-if, not a forecast."
        )
        with solara.Columns([1, 1, 1]):
            with solara.Card("Market"):
                solara.Select("market scenario (conf/market)", values=runner.options("market"),
                              value=market)  # fmt: skip
                solara.Select("network type (graph)", values=_network_options(), value=network)
                solara.InputText("consumers simulated (graph.n)", value=n,
                                 continuous_update=True)  # fmt: skip
                solara.Select("organic growth preset (contagion)", values=_organic_options(),
                              value=organic)  # fmt: skip
                solara.Markdown(
                    f"<small>source: {html.escape(group_notes(runner._conf_dir(), 'contagion', organic.value))}</small>"  # noqa: E501
                )
            with solara.Card("Campaign"):
                solara.InputText("budget per play, CNY (compare.budget)", value=budget,
                                 continuous_update=True)  # fmt: skip
                solara.InputText("horizon, days (sim.steps)", value=horizon,
                                 continuous_update=True)  # fmt: skip
                solara.InputText("replications (sim.replications)", value=reps,
                                 continuous_update=True)  # fmt: skip
                solara.InputText("seed", value=seed, continuous_update=True)
            with solara.Card("Plays and job"):
                solara.SelectMultiple("plays (compare.plays)", values=plays,
                                      all_values=known_plays)  # fmt: skip
                solara.InputText("extra play: name: strategy=share, …", value=extra,
                                 continuous_update=True)  # fmt: skip
                solara.Select("job", values=list(runner.JOBS), value=job)
                solara.Markdown(f"<small>{_JOB_HELP[job.value]}</small>")
        with solara.Details("Parameters: values, source labels and ranges", expand=False):
            solara.InputTextArea("parameter changes, one key=value per line (e.g. "
                                 "market.ads.cpm=150, or a decision job's curves.grid=[0,1,2], "
                "optimize.trials=20; applied when you leave the box)",
                                 value=changes, rows=3, continuous_update=False)  # fmt: skip
            solara.HTML(tag="div", unsafe_innerHTML=_params_table(organic_params + params,
                                                                  set(values)))  # fmt: skip
        solara.Markdown(f"**Command** (the same run from a terminal):\n\n"
                        f"```bash\n{runner.command(ovr)}\n```")  # fmt: skip
        with solara.Row():
            solara.Button("Run", color="primary", on_click=on_run, disabled=run_job.pending)
            solara.Button("Cancel", on_click=run_job.cancel, disabled=not run_job.pending)
        if message.value:
            solara.Error(message.value, classes=["ds-error"])
        elif split_msg or change_msg:
            solara.Warning(split_msg or change_msg)
        if run_job.pending:
            solara.ProgressLinear(run_job.progress if run_job.progress else True)
        if progress_text.value:
            solara.Text(progress_text.value, classes=["ds-progress"])
        if run_job.error:
            solara.Error(f"the run failed: {run_job.exception}")
        result = run_job.value if run_job.finished else None
        if result and "error" in result:
            solara.Error(result["error"], classes=["ds-error"])
        elif result:
            _Result(result)


@solara.component
def _Result(result: dict):  # noqa: N802
    view = result["view"]
    solara.Markdown(f"### Result\noutputs: `{result['out_dir']}`")
    if view["kind"] == "compare":
        solara.HTML(tag="div", unsafe_innerHTML=_table_html(view))
        solara.Markdown(
            "<small>mean [95% CI]; ROI and CAC incremental over the baseline; "
            "money in thousand CNY; ! spent less than 90 % of its budget</small>"
        )
        with solara.Success(classes=["ds-verdict"]):
            solara.Markdown("\n".join(f"- {html.escape(v)}" for v in view["verdict"]))
    else:
        solara.Preformatted(result["text"], classes=["ds-decision"])
    with solara.Row():
        solara.FileDownload(result["report"].read_bytes(), filename="report.html",
                            label="Download the report (HTML)")  # fmt: skip
        solara.FileDownload(result["zip"], filename="diffusion_sim_run.zip",
                            label="Download report + CSVs (zip)")  # fmt: skip
    for png in view["figures"]:
        solara.Image(png.read_bytes(), width="100%")
