"""Read a social graph from an edge-list file (CSV or Parquet).

The file has one row per tie with columns ``source`` and ``target`` and either

* ``tie`` with values ``strong`` or ``weak`` (case and surrounding spaces ignored), or
* a numeric ``weight``: a tie is strong when its weight is at least ``threshold``.

Node ids may be any strings or numbers; they are mapped to ``0..n-1`` in order of first
appearance and kept as the graph's ``labels``. An optional nodes file (columns ``id`` and
``community``) adds consumers with no ties and gives communities.

Handling of irregular rows (documented contract, tested):

* a self-loop (``source == target``) is dropped, and counted in the log;
* a duplicate tie (either direction) is merged; the merged tie is strong if any copy is;
* a row with an empty ``source``/``target``, a ``tie`` other than strong/weak, or a weight that
  is not a finite number is malformed: reading stops with :class:`GraphFormatError` naming the
  file, the data row (1-based, header excluded) and the offending value.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError, GraphFormatError
from ..states import TieClass
from ._csr import csr_from_edges
from .social_graph import SocialGraph

__all__ = ["read_edgelist"]

log = logging.getLogger(__name__)


def _read_table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        df = pd.read_parquet(path)
        return df.astype({c: "string" for c in df.columns if c in ("source", "target", "id")})
    if suffix in (".csv", ".txt", ".tsv"):
        sep = "\t" if suffix == ".tsv" else ","
        return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True)
    raise ConfigError("graph.path", str(path), "a .csv, .tsv, .parquet or .pq file")


def _fail(path: Path, row: int, what: str):
    raise GraphFormatError(f"{path}: data row {row + 1}: {what}")


def read_edgelist(
    path,
    *,
    tie_column: str = "tie",
    weight_column: str = "weight",
    threshold: float | None = None,
    nodes=None,
) -> SocialGraph:
    """Read an edge list into a :class:`SocialGraph`.

    Parameters
    ----------
    path : str or Path
        CSV (``.csv``/``.txt``; ``.tsv`` tab-separated) or Parquet (``.parquet``/``.pq``) file.
    tie_column : str
        Column with ``strong``/``weak`` (used when ``threshold`` is None).
    weight_column : str
        Numeric column compared with ``threshold`` (used when ``threshold`` is given); weights
        are kept on the graph.
    threshold : float, optional
        Weight at or above which a tie is strong.
    nodes : str or Path, optional
        Table with columns ``id`` and ``community`` (community labels of any kind).

    Returns
    -------
    SocialGraph

    Raises
    ------
    ConfigError
        The file does not exist or has the wrong suffix or columns.
    GraphFormatError
        A malformed row, naming the row.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError("graph.path", str(path), "an existing edge-list file")
    df = _read_table(path)
    need = ["source", "target", tie_column if threshold is None else weight_column]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise ConfigError(
            "graph.path",
            str(path),
            f"a table with columns {need}; missing {missing} (found {list(df.columns)})",
        )
    src = df["source"].astype("string").str.strip()
    dst = df["target"].astype("string").str.strip()
    for name, col in (("source", src), ("target", dst)):
        bad = np.flatnonzero((col.isna() | (col == "")).to_numpy())
        if bad.size:
            _fail(path, int(bad[0]), f"empty {name}")
    if threshold is None:
        raw = df[tie_column].astype("string").str.strip().str.lower()
        strong = (raw == "strong").to_numpy(dtype=bool, na_value=False)
        weak = (raw == "weak").to_numpy(dtype=bool, na_value=False)
        bad = np.flatnonzero(~(strong | weak))
        if bad.size:
            r = int(bad[0])
            _fail(path, r, f"{tie_column}={df[tie_column].iloc[r]!r}; allowed: 'strong', 'weak'")
        cls = strong.astype(np.uint8)
        weights = None
    else:
        w = pd.to_numeric(df[weight_column], errors="coerce").to_numpy(dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(w))
        if bad.size:
            r = int(bad[0])
            _fail(path, r, f"{weight_column}={df[weight_column].iloc[r]!r} is not a finite number")
        cls = (w >= threshold).astype(np.uint8) * np.uint8(TieClass.STRONG)
        weights = w

    ids = pd.concat([src, dst], ignore_index=True)
    node_table = None
    if nodes is not None:
        node_table = _read_nodes(Path(nodes))
        ids = pd.concat([node_table["id"], ids], ignore_index=True)
    codes, labels = pd.factorize(ids)
    n = len(labels)
    off = 0 if node_table is None else len(node_table)
    m = len(df)
    u = codes[off : off + m].astype(np.int64)
    v = codes[off + m :].astype(np.int64)
    community = np.zeros(n, dtype=np.int32)
    if node_table is not None:
        comm_codes, _ = pd.factorize(node_table["community"])
        community[codes[:off]] = comm_codes
    indptr, indices, tie, loops, dups = csr_from_edges(n, u, v, cls)
    if loops or dups:
        log.info("%s: dropped %d self-loop(s), merged %d duplicate tie(s)", path, loops, dups)
    label_arr = np.asarray(labels, dtype=object)
    weight = None
    if weights is not None:
        from .social_graph import _csr_weights

        tmp = SocialGraph(indptr, indices, tie, community)
        weight = _csr_weights(tmp, u, v, weights)
    return SocialGraph(
        indptr,
        indices,
        tie,
        community,
        weight=weight,
        labels=label_arr,
        name=f"edgelist({path.name})",
    )


def _read_nodes(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise ConfigError("graph.nodes", str(path), "an existing nodes file")
    df = _read_table(path)
    missing = [c for c in ("id", "community") if c not in df.columns]
    if missing:
        raise ConfigError(
            "graph.nodes", str(path), f"a table with columns id, community; missing {missing}"
        )
    ids = df["id"].astype("string").str.strip()
    bad = np.flatnonzero((ids.isna() | (ids == "")).to_numpy())
    if bad.size:
        _fail(path, int(bad[0]), "empty id")
    dup = np.flatnonzero(ids.duplicated().to_numpy())
    if dup.size:
        _fail(path, int(dup[0]), f"id {ids.iloc[int(dup[0])]!r} appears twice")
    return pd.DataFrame({"id": ids, "community": df["community"].astype("string")})
