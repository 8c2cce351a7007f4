"""Each market parameter with its value, unit note, source label and range, for the pages.

Nothing is copied here: values come from the composed config (so a changed default flows
through), the source labels and notes from the comments of the YAML files in
``diffusion_sim/conf/`` (``SOURCED-OFFICIAL``, ``SOURCED-2nd``, ``LOW``, ``ESTIMATE``, see
``conf/market/default.yaml``), the allowed values from the parameter dataclasses' validation
rules, and the uncertainty ranges from ``uncertainty.ranges`` of ``conf/config.yaml``.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["LABELS", "Param", "group_notes", "market_parameters", "organic_parameters",
           "yaml_notes"]  # fmt: skip

#: Source labels used in the config comments, strongest first.
LABELS = ("SOURCED-OFFICIAL", "SOURCED-2nd", "LOW", "ESTIMATE")
_LABEL_RE = re.compile(r"\b(" + "|".join(LABELS) + r")\b(.*)$")
_KEY_RE = re.compile(r"^(\s*)([A-Za-z_][\w]*):\s*([^#]*?)\s*(?:#\s?(.*))?$")


@dataclass(frozen=True)
class Param:
    """One parameter as the page shows it.

    ``label`` is the source label (``""`` when the config gives none: a convention or a
    choice, not an estimate); ``note`` the rest of its comment (source keys, the range the
    source gives); ``allowed`` what validation accepts; ``range`` the ``[low, high]`` the
    uncertainty analysis varies it over, or ``None``.
    """

    key: str
    value: object
    what: str
    label: str
    note: str
    allowed: str
    range: tuple[float, float] | None


@cache
def yaml_notes(path: str) -> dict[str, tuple[str, str, str]]:
    """``{dotted key: (what, label, note)}`` from the end-of-line comments of a YAML file.

    Keys are nested by indentation (two spaces per level, as the project's files are).

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "m.yaml")
    >>> text = "ads:\\n  cpm: 100.0  # CNY per 1,000   SOURCED-2nd [AD1] (50-180)\\n"
    >>> _ = open(p, "w").write(text)
    >>> yaml_notes(p)["ads.cpm"]
    ('CNY per 1,000', 'SOURCED-2nd', '[AD1] (50-180)')
    """
    out: dict[str, tuple[str, str, str]] = {}
    stack: list[tuple[int, str]] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith(("#", "-")):
            continue
        m = _KEY_RE.match(line)
        if not m:
            continue
        indent, key, _value, comment = len(m.group(1)), m.group(2), m.group(3), m.group(4)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        dotted = ".".join([*(k for _, k in stack), key])
        stack.append((indent, key))
        comment = (comment or "").strip()
        lab = _LABEL_RE.search(comment)
        if lab:
            what = comment[: lab.start()].strip()
            out[dotted] = (what, lab.group(1), lab.group(2).strip())
        else:
            out[dotted] = (comment, "", "")
    return out


def group_notes(conf_dir: str | Path, group: str, option: str) -> str:
    """The header comment of ``conf/<group>/<option>.yaml`` (what the option is, its source)."""
    path = Path(conf_dir) / group / f"{option}.yaml"
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if not line.startswith("# @package"):
            lines.append(line.lstrip("# ").rstrip())
    return " ".join(x for x in lines if x)


def _allowed(rule) -> str:
    kind = rule[0]
    return {
        "prob": "[0, 1]",
        "nonneg": "≥ 0",
        "pos": "> 0",
        "int": f"integer ≥ {rule[1]}" if kind == "int" else "",
        "range": f"[{rule[1]:g}, {rule[2]:g}]" if kind == "range" else "",
        "choice": " | ".join(map(str, rule[1])) if kind == "choice" else "",
    }.get(kind, "")


def _flat_ranges(tree, prefix=""):
    out = {}
    for k, v in (tree or {}).items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat_ranges(v, key + "."))
        else:
            out[key] = (float(v[0]), float(v[1]))
    return out


def market_parameters(cfg: dict, conf_dir: str | Path, market: str = "default") -> list[Param]:
    """Every ``market.<section>.<key>`` of the composed config ``cfg`` (a plain dict), in
    config order, with its label, note, allowed values and uncertainty range."""
    from ..market.params import MarketParams

    notes = yaml_notes(str(Path(conf_dir) / "market" / f"{market}.yaml"))
    ranges = _flat_ranges((cfg.get("uncertainty") or {}).get("ranges"))
    classes = {}
    defaults = MarketParams()
    for f in dataclasses.fields(MarketParams):
        classes[f.name] = type(getattr(defaults, f.name))
    out = []
    for section, values in (cfg.get("market") or {}).items():
        if not isinstance(values, dict):
            continue
        rules = getattr(classes.get(section), "_rules", {})
        for key, value in values.items():
            if isinstance(value, dict | list) and not isinstance(value, str):
                continue  # lists (communities) are not single values
            what, label, note = notes.get(f"{section}.{key}", ("", "", ""))
            rule = rules.get(key)
            out.append(Param(f"market.{section}.{key}", value, what, label, note,
                             _allowed(rule) if rule else "",
                             ranges.get(f"market.{section}.{key}")))  # fmt: skip
    return out


def organic_parameters(cfg: dict, conf_dir: str | Path, option: str) -> list[Param]:
    """The organic word-of-mouth rates of ``contagion=<option>`` with their notes."""
    notes = yaml_notes(str(Path(conf_dir) / "contagion" / f"{option}.yaml"))
    # a label in the file's header covers the lines that carry none
    header = group_notes(conf_dir, "contagion", option)
    header_label = next((lab for lab in LABELS if lab in header), "")
    ranges = _flat_ranges((cfg.get("uncertainty") or {}).get("ranges"))
    out = []
    for key, value in (cfg.get("contagion") or {}).items():
        if isinstance(value, dict | list):
            continue
        what, label, note = notes.get(key, ("", "", ""))
        if not label and header_label:
            label, note = header_label, (note or "see the file's header")
        out.append(Param(f"contagion.{key}", value, what, label, note, "[0, 1]",
                         ranges.get(f"contagion.{key}")))  # fmt: skip
    return out
