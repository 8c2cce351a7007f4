"""Hydra's and OmegaConf's rejections of a command line, each turned into one line.

``diffusion-sim`` runs Hydra with ``HYDRA_FULL_ERROR=1`` so that the exception reaches
:func:`one_line` instead of being printed as a stack; the line names the override, the value
and what is allowed, with a "did you mean" for a near miss.
"""

from __future__ import annotations

import re
from pathlib import Path

from .validate import did_you_mean

__all__ = ["group_options", "one_line"]

_TYPES = {
    "Integer": "an integer",
    "Float": "a number",
    "Boolean": "true or false",
    "String": "text",
}


def group_options(conf_dir: str | Path, group: str, extra_dirs=()) -> list[str]:
    """Options of a config group: its YAML files (the internal ``base_*`` schemas left out)."""
    names = set()
    for d in (conf_dir, *extra_dirs):
        names.update(p.stem for p in (Path(d) / group).glob("*.yaml"))
    return sorted(n for n in names if not n.startswith("base_"))


def _schema_keys(class_name: str) -> list[str]:
    import dataclasses

    from . import config
    from .market import params

    for mod in (config, params):
        cls = getattr(mod, class_name, None)
        if dataclasses.is_dataclass(cls):
            return [f.name for f in dataclasses.fields(cls)]
    return []


def one_line(err: BaseException, conf_dir: str | Path, argv: list[str]) -> str:
    """A one-line message for an exception raised while Hydra composed the config."""
    text = str(err)
    cause = err.__cause__ or err.__context__
    full = "\n".join([text, str(cause) if cause else ""])
    given = {a.split("=", 1)[0].lstrip("+~"): a for a in argv if "=" in a}

    m = re.search(r"Could not find '([\w/]+)/([^']*)'", full)
    if m:
        group, value = m.group(1), m.group(2)
        opts = group_options(conf_dir, group)
        return (f"{group}={value} is not allowed: one of {', '.join(opts)}"
                f"{did_you_mean(value, opts)}")  # fmt: skip

    m = re.search(r"Key '([^']+)' not in '(\w+)'", full)
    if m:
        key, cls = m.group(1), m.group(2)
        fk = re.search(r"full_key: (\S+)", full)
        full_key = fk.group(1) if fk else key
        head = full_key.rsplit(".", 1)[0] if "." in full_key else "the config"
        keys = _schema_keys(cls)
        value = given.get(full_key, full_key).split("=", 1)[-1]
        for k, a in given.items():
            if k.startswith(full_key):
                full_key, value = k, a.split("=", 1)[1]
        return (f"{full_key}={value} is not allowed: {key!r} is not a key of {head}"
                f"{did_you_mean(key, keys)}; keys: {', '.join(keys)}")  # fmt: skip

    m = re.search(r"Value '([^']*)' of type '\w+' could not be converted to (\w+)", full)
    if m:
        fk = re.search(r"full_key: (\S+)", full)
        key = fk.group(1) if fk else "?"
        value = given.get(key, f"={m.group(1)}").split("=", 1)[1]
        return f"{key}={value} is not allowed: {_TYPES.get(m.group(2), m.group(2).lower())}"

    m = re.search(r"Value '([^']*)' is not a valid (\w+)", full)
    if m:
        fk = re.search(r"full_key: (\S+)", full)
        kinds = {"bool": "true or false", "int": "an integer", "float": "a number"}
        return (f"{fk.group(1) if fk else '?'}={m.group(1)} is not allowed: "
                f"{kinds.get(m.group(2), m.group(2))}")  # fmt: skip

    m = re.search(r"Invalid value '([^']*)', expected one of \[([^\]]*)\]", full)
    if m:
        fk = re.search(r"full_key: (\S+)", full)
        return f"{fk.group(1) if fk else '?'}={m.group(1)} is not allowed: one of {m.group(2)}"

    if "override_grammar" in full or "no viable alternative" in full or "mismatched input" in full:
        bad = next((a for a in argv if "=" in a and re.search(r"[\[\]{}()'\"]", a)), None)
        what = f"{bad}: " if bad else ""
        return (f"{what}cannot parse the override ({text.splitlines()[0]}); write key=value, "
                "lists as [a,b], and quote values with spaces or brackets")  # fmt: skip

    if "Could not append to config" in full or "Could not override" in full:
        line = text.splitlines()[0]
        return f"{line.rstrip('.')}: see diffusion-sim --help for the keys"

    first = next((ln for ln in text.splitlines() if ln.strip()), type(err).__name__)
    return f"{first} ({type(err).__name__})"
