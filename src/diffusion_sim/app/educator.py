"""The educator's page: three lessons (:mod:`.lessons`), each with its explanation, what to
look for and questions (like NetLogo's Info tab), settings, Step / Run buttons, labelled
plots and the earlier runs kept for comparison.

Settings take effect when **New run** is pressed; until then the page says that they are
pending (the current run keeps its settings, so its curves stay comparable). A bad value
is answered on the page, naming the field, the value and what is allowed.
"""

from __future__ import annotations

import solara

from .lessons import LESSONS, build, curves_figure, network_figure, parse_settings

__all__ = ["EducatorPage"]

#: Earlier runs kept in the plot, per lesson.
KEEP = 5


@solara.component
def EducatorPage():  # noqa: N802 (solara components are CamelCase)
    key = solara.use_reactive("weak_ties")
    titles = {lesson.title: k for k, lesson in LESSONS.items()}
    solara.Title("diffusion_sim · educator")
    with solara.Column(style={"padding": "12px"}):
        solara.Markdown("## Educator: lessons on how products spread through networks")
        solara.ToggleButtonsSingle(value=LESSONS[key.value].title, values=list(titles),
                                   on_value=lambda t: key.set(titles[t]),
                                   classes=["ds-lessons"])  # fmt: skip
        LessonView(key.value).key(key.value)  # a fresh state per lesson


@solara.component
def LessonView(lesson_key: str):  # noqa: N802
    lesson = LESSONS[lesson_key]
    defaults = {s.key: (str(int(s.default)) if s.kind == "int" else f"{s.default:g}")
                for s in lesson.settings}  # fmt: skip
    raw = solara.use_reactive(defaults)
    applied = solara.use_reactive(dict(defaults))  # the settings of the current run
    tick = solara.use_reactive(0)  # bumped after every step: redraw
    history = solara.use_reactive([])  # earlier runs: [(label, [(arm, colour, style, curve)])]
    runs = solara.use_reactive(1)

    values, errors = parse_settings(lesson, raw.value)
    applied_values, _ = parse_settings(lesson, applied.value)
    arms_ref = solara.use_ref(None)
    if arms_ref.current is None:
        arms_ref.current = build(lesson, applied_values)
    arms = arms_ref.current

    def step(k: int):
        for _ in range(k):
            for arm in arms:
                arm.model.step()
        tick.value += 1

    def new_run():
        if errors:
            return
        snap = [(a.label, a.colour, a.style, a.curve()) for a in arms]
        history.value = [*history.value, (f"run {runs.value}", snap)][-KEEP:]
        runs.value += 1
        applied.value = dict(raw.value)
        arms_ref.current = build(lesson, values)
        tick.value += 1

    def clear():
        history.value = []
        tick.value += 1

    with solara.Columns([1, 2]):
        with solara.Column():
            with solara.Card(lesson.title):
                solara.Markdown(lesson.explanation)
                solara.Markdown("**What to look for.** " + lesson.look_for)
                solara.Markdown("**Questions**\n\n" + "\n".join(
                    f"{i}. {q}" for i, q in enumerate(lesson.questions, 1)))  # fmt: skip
            with solara.Card("Settings"):
                for s in lesson.settings:
                    solara.InputText(
                        s.label,
                        value=raw.value.get(s.key, defaults[s.key]),
                        on_value=lambda v, k=s.key: raw.set({**raw.value, k: v}),
                        continuous_update=True,
                    )
                for e in errors:
                    solara.Error(e, classes=["ds-error"])
                if not errors and raw.value != applied.value:
                    solara.Warning("Settings changed: press New run to apply them (the "
                                   "current run keeps its settings).",
                                   classes=["ds-pending"])  # fmt: skip
        with solara.Column():
            with solara.Row():
                solara.Button("Step", on_click=lambda: step(1), color="primary")
                solara.Button("Run 10 steps", on_click=lambda: step(10))
                solara.Button("Run 50 steps", on_click=lambda: step(50))
                solara.Button("New run", on_click=new_run, disabled=bool(errors))
                solara.Button("Clear earlier runs", on_click=clear,
                              disabled=not history.value)  # fmt: skip
            counts = " · ".join(f"{a.label}: {a.adopted} adopted" for a in arms)
            solara.Text(f"step {arms[0].model.steps} — {counts}", classes=["ds-counts"])
            # drawn again only after a step or a new run (not on every keystroke)
            curves = solara.use_memo(
                lambda: curves_figure(lesson, applied_values, arms, history.value), [tick.value]
            )
            network = solara.use_memo(lambda: network_figure(lesson, arms), [tick.value])
            solara.FigureMatplotlib(curves, dependencies=[tick.value])
            solara.FigureMatplotlib(network, dependencies=[tick.value])
