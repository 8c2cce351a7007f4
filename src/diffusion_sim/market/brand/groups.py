"""Customer groups, brand-wide: the schedule of group broadcasts (mass messages to members).

A broadcast is planned on ``broadcasts_per_month`` evenly spaced days of each 30-day month and
goes out with probability ``execution_rate`` (one draw per day, shared by all members).
Members receive it within the platform's monthly quota (prepare pass: a broadcast converts a
non-customer with ``broadcast_conversion``, channel ``broadcast``, and raises a customer's
repeat-purchase chance); joining, shares and exits are settled in :mod:`.settle`.
"""

from __future__ import annotations

import numpy as np

from ...rng import uniforms

__all__ = ["broadcast_today"]


def broadcast_today(groups, key, t: int) -> bool:
    """Whether the group broadcast goes out on day ``t`` (``groups``: the Groups section)."""
    g = groups
    if not g.enabled or g.broadcasts_per_month == 0:
        return False
    d = (t - 1) % 30
    days = {j * 30 // g.broadcasts_per_month for j in range(g.broadcasts_per_month)}
    if d not in days:
        return False
    u = uniforms(key, 4 * t + 2, np.zeros(1, np.int64), 1)[0]
    return bool(u < g.execution_rate)
