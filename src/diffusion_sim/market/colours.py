"""One colour per play, the same in every figure the project draws.

Colours are derived from the registry (:data:`~diffusion_sim.market.registry.CAUSE_COLOURS`):
a play that funds one strategy is drawn in the colour of that strategy's channel, so ads are
the same gold in the customer curves, the response curves, the tornado and the attribution
bars. The baseline (no action) is dark grey and the even mix near-black; any other split gets
a colour from a palette no channel uses, chosen from its name (stable across runs), so a
figure's colours never depend on the order of ``compare.plays``.
"""

from __future__ import annotations

import zlib

from .registry import CAUSE_COLOURS, STRATEGY_TABLE

__all__ = ["BASELINE_COLOUR", "MIX_COLOUR", "play_colour", "play_colours", "strategy_colour"]

#: The play without action.
BASELINE_COLOUR = "#555555"
#: The even mix of the registry's ``MIX``.
MIX_COLOUR = "#1b2631"
# Colours for user-defined splits: none is a channel colour, so they never clash with a
# single-strategy play.
_SPLIT_PALETTE = ("#7d3c98", "#2874a6", "#b03a2e", "#117a65", "#9a7d0a", "#6e2c00", "#1f618d",
                  "#641e16", "#4a235a", "#0e6251")  # fmt: skip
_BY_NAME = {s.name: s for s in STRATEGY_TABLE}


def strategy_colour(name: str) -> str:
    """The colour of a strategy: that of the first channel (cause) it adds."""
    return CAUSE_COLOURS[_BY_NAME[name].causes[0]]


def play_colour(play: str) -> str:
    """The colour of a play by its name (``none``, a strategy, ``mix`` or a custom split).

    >>> play_colour("ads") == strategy_colour("ads")
    True
    >>> play_colour("none"), play_colour("mix")
    ('#555555', '#1b2631')
    """
    if play == "none":
        return BASELINE_COLOUR
    if play == "mix":
        return MIX_COLOUR
    if play in _BY_NAME:
        return strategy_colour(play)
    return _SPLIT_PALETTE[zlib.crc32(play.encode()) % len(_SPLIT_PALETTE)]


def play_colours(plays) -> dict[str, str]:
    """``{play: colour}`` for the plays of one figure: :func:`play_colour`, except that a
    custom split whose palette colour is already taken in this figure moves to the next free
    one (so two plays never share a colour)."""
    out: dict[str, str] = {}
    for p in plays:
        c = play_colour(p)
        if c in out.values() and c in _SPLIT_PALETTE:
            start = _SPLIT_PALETTE.index(c)
            for k in range(1, len(_SPLIT_PALETTE)):
                cand = _SPLIT_PALETTE[(start + k) % len(_SPLIT_PALETTE)]
                if cand not in out.values():
                    c = cand
                    break
        out[p] = c
    return out
