"""Read a social graph from an edge-list file (CSV or Parquet).

The file has one row per tie with columns ``source`` and ``target`` and either

* ``tie`` with values ``strong`` or ``weak`` (case and surrounding spaces ignored), or
* a numeric ``weight``: a tie is strong when its weight is at least ``threshold``.

Node ids may be any strings or numbers; they are mapped to ``0..n-1`` in order of first
appearance and kept as the graph's ``labels``. By default (``ids="numeric"``) a column of whole
numbers is read as integers, so ``1``, ``01`` and ``1.0`` are one consumer; ``ids="text"``
compares ids as written. CSV may be compressed (``.csv.gz``, ``.csv.zst``, ``.bz2``, ``.xz``);
a file whose content does not match its name (gzip named ``.csv``, CSV named ``.parquet``,
binary data) is refused by name. An optional nodes file (columns ``id`` and
``community``) adds consumers with no ties and gives communities.

Handling of irregular rows (documented contract, tested):

* a self-loop (``source == target``) is dropped, and counted in the log;
* a duplicate tie (either direction) is merged; the merged tie is strong if any copy is;
* a row with an empty ``source``/``target``, a ``tie`` other than strong/weak, a weight that
  is not a finite number, a different number of fields than the header or a quote never
  closed is malformed: reading stops with :class:`GraphFormatError` naming the file, the
  data row (1-based, header excluded; for tokenizer errors also the file line, header = 1)
  and the problem. An empty file and a header without rows say so.
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


#: File kinds by name: (suffix, compression). Compressed CSV is read as it is named.
_TEXT = (".csv", ".txt", ".tsv")
_PARQUET = (".parquet", ".pq")
_COMPRESSION = {".gz": "gzip", ".zst": "zstd", ".bz2": "bz2", ".xz": "xz", ".zip": "zip"}
# first bytes of formats a user may hand over under the wrong name
_MAGIC = {b"\x1f\x8b": "gzip", b"\x28\xb5\x2f\xfd": "zstd", b"PAR1": "Parquet",
          b"BZh": "bz2", b"\xfd7zXZ": "xz", b"PK\x03\x04": "zip"}  # fmt: skip
_ALLOWED = "a .csv, .tsv, .txt (optionally .gz, .zst, .bz2, .xz) or .parquet/.pq file"


def _kind(path: Path) -> tuple[str, str | None]:
    suffixes = [x.lower() for x in path.suffixes]
    comp = _COMPRESSION.get(suffixes[-1]) if suffixes else None
    base = suffixes[-2] if comp and len(suffixes) >= 2 else (suffixes[-1] if suffixes else "")
    return base, comp


def _sniff(path: Path, key: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(4096)
    except OSError as err:
        raise ConfigError(key, str(path), f"a readable file ({err.strerror or err})") from None


def _read_table(path: Path, key: str = "graph.path") -> pd.DataFrame:
    """The file as a table of strings (CSV) or typed columns (Parquet); every way it can fail
    becomes one :class:`ConfigError` or :class:`GraphFormatError` naming the file."""
    base, comp = _kind(path)
    if base not in _TEXT + _PARQUET or (comp and base in _PARQUET):
        raise ConfigError(key, str(path), _ALLOWED)
    head = _sniff(path, key)
    if not head:
        raise GraphFormatError(f"{path}: the file is empty (expected a header and ties)")
    found = next((name for magic, name in _MAGIC.items() if head.startswith(magic)), None)
    if base in _PARQUET:
        if found != "Parquet":
            what = f"{found} data" if found else "text or other data"
            raise GraphFormatError(f"{path}: not a Parquet file (it holds {what}); "
                                   "name a CSV file .csv")  # fmt: skip
        try:
            df = pd.read_parquet(path)
        except Exception as err:  # a damaged Parquet file
            raise GraphFormatError(f"{path}: cannot read the Parquet file: {err}") from None
        return df
    if comp is None and found is not None:
        hint = {"gzip": ".csv.gz", "zstd": ".csv.zst", "Parquet": ".parquet", "bz2": ".csv.bz2",
                "xz": ".csv.xz", "zip": ".csv.zip"}[found]  # fmt: skip
        raise GraphFormatError(f"{path}: holds {found} data, not text; name it {hint}")
    if comp is None and b"\x00" in head:
        raise GraphFormatError(f"{path}: holds binary data, not a text table")
    sep = "\t" if base == ".tsv" else ","
    try:
        return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False,
                           skipinitialspace=True, compression=comp)  # fmt: skip
    except pd.errors.EmptyDataError:
        raise GraphFormatError(
            f"{path}: the file is empty (expected a header row and ties)"
        ) from None
    except pd.errors.ParserError as err:
        raise GraphFormatError(f"{path}: {_parser_message(str(err))}") from None
    except UnicodeDecodeError as err:
        raise GraphFormatError(f"{path}: not UTF-8 text (byte {err.start})") from None
    except ImportError as err:  # e.g. zstandard for .zst
        raise ConfigError(key, str(path), f"readable with {err.name or err} installed") from None
    except (OSError, EOFError) as err:
        what = getattr(err, "strerror", None) or str(err)
        raise GraphFormatError(f"{path}: cannot read: {what}") from None


def _parser_message(text: str) -> str:
    """pandas' tokenizer message as 'line L (data row L - 1): ...' (the header is line 1)."""
    import re

    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if m:
        want, line, saw = (int(x) for x in m.groups())
        return f"line {line} (data row {line - 1}): {saw} fields, the header has {want}"
    m = re.search(r"EOF inside string starting at row (\d+)", text)
    if m:
        row = int(m.group(1))  # 0-based line of the file, the header being line 0
        return f"line {row + 1} (data row {row}): a quote that is never closed"
    return text.strip().splitlines()[-1] if text.strip() else "cannot parse the table"


def _normalise_ids(col: pd.Series, ids: str) -> pd.Series:
    """Ids as the user means them: with ``ids='numeric'`` (default) a column whose every
    value is a whole number (``1``, ``01``, ``1.0``, ``1e3``) becomes int64, so the three
    spellings name one consumer; anything else stays text. ``ids='text'`` keeps the text."""
    text = col.astype("string").str.strip()
    if ids == "text":
        return text
    num = pd.to_numeric(text, errors="coerce")
    if num.notna().all() and len(num):
        v = num.to_numpy(dtype=np.float64)
        if np.all(np.isfinite(v)) and np.all(v == np.floor(v)) and np.all(np.abs(v) < 2**53):
            return pd.Series(v.astype(np.int64), index=col.index)
    return text


def _fail(path: Path, row: int, what: str):
    raise GraphFormatError(f"{path}: data row {row + 1}: {what}")


def read_edgelist(
    path,
    *,
    tie_column: str = "tie",
    weight_column: str = "weight",
    threshold: float | None = None,
    nodes=None,
    ids: str = "numeric",
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
    ids : {"numeric", "text"}
        ``numeric`` (default): when every id of a column is a whole number, ``1``, ``01``
        and ``1.0`` are one consumer (labels are integers); ``text``: ids are compared as
        written.

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
    if ids not in ("numeric", "text"):
        raise ConfigError("graph.ids", ids, "'numeric' or 'text'")
    if not path.is_file():
        raise ConfigError("graph.path", str(path), "an existing edge-list file")
    df = _read_table(path)
    if len(df) == 0:
        raise GraphFormatError(f"{path}: has a header but no ties (no data rows)")
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
    both = _normalise_ids(pd.concat([src, dst], ignore_index=True), ids)
    src, dst = (
        both.iloc[: len(df)].reset_index(drop=True),
        both.iloc[len(df) :].reset_index(drop=True),
    )
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

    all_ids = pd.concat([src, dst], ignore_index=True)
    node_table = None
    if nodes is not None:
        node_table = _read_nodes(Path(nodes), ids)
        if node_table["id"].dtype != all_ids.dtype:  # one side numeric, the other text
            node_table["id"] = node_table["id"].astype("string")
            all_ids = all_ids.astype("string")
        all_ids = pd.concat([node_table["id"], all_ids], ignore_index=True)
    codes, labels = pd.factorize(all_ids)
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


def _read_nodes(path: Path, ids_mode: str = "numeric") -> pd.DataFrame:
    if not path.is_file():
        raise ConfigError("graph.nodes", str(path), "an existing nodes file")
    df = _read_table(path, "graph.nodes")
    missing = [c for c in ("id", "community") if c not in df.columns]
    if missing:
        raise ConfigError(
            "graph.nodes", str(path), f"a table with columns id, community; missing {missing}"
        )
    ids = df["id"].astype("string").str.strip()
    bad = np.flatnonzero((ids.isna() | (ids == "")).to_numpy())
    if bad.size:
        _fail(path, int(bad[0]), "empty id")
    ids = _normalise_ids(ids, ids_mode)
    dup = np.flatnonzero(ids.duplicated().to_numpy())
    if dup.size:
        _fail(path, int(dup[0]), f"id {ids.iloc[int(dup[0])]!r} appears twice")
    return pd.DataFrame({"id": ids, "community": df["community"].astype("string")})
