"""The browser app: a strategist page and an educator page (Solara).

Start it with ``bash scripts/app.sh`` (http://127.0.0.1:8765; ``solara run diffusion_sim.app``
underneath). ``/`` is the strategist page (:mod:`.strategist`), ``/educator`` the lessons
(:mod:`.educator`). Pages are built per browser session; nothing is shared between visitors.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # figures are drawn off-screen on the server
import solara

from .educator import EducatorPage
from .strategist import StrategistPage

__all__ = ["EducatorPage", "Layout", "StrategistPage", "routes"]


@solara.component
def Layout(children=()):  # noqa: N802 (solara finds the page frame by this name)
    """A bar with the two pages named as their users know them."""
    with solara.Column(gap="0px") as main:
        with solara.Row(style={"background": "#1b4f72", "padding": "6px 16px",
                               "align-items": "center"}):  # fmt: skip
            solara.HTML(tag="b", unsafe_innerHTML="diffusion_sim",
                        style={"color": "white", "margin-right": "24px"})  # fmt: skip
            for path, name in (("/", "Strategist"), ("/educator", "Educator")):
                with solara.Link(path):
                    solara.Button(name, text=True, style={"color": "white"},
                                  classes=[f"ds-nav-{name.lower()}"])  # fmt: skip
        solara.Column(children=list(children))
    return main


routes = [
    # the root route's layout frames every page
    solara.Route(path="/", component=StrategistPage, label="Strategist", layout=Layout),
    solara.Route(path="educator", component=EducatorPage, label="Educator"),
]
