"""Signal classes and the one tally of villages (and people) into them.

Every figure whitezone prints is a count of villages, or a sum of their
people, per signal class: per commune, per operator, per hexagon, per chunk
of a national file, before and after a scenario.  This module is the one
place that vocabulary and that count live:

* the classes ``none`` / ``weak`` / ``good`` (their position is the class
  level the models compute) and the fourth category ``unclassified`` for a
  village that has a status (``unlocated``) instead of a class;
* the labels of the rows that hold what has no commune, district or
  province (:data:`NO_COMMUNE`, ...), and :func:`commune_key`;
* :func:`tally`, which counts villages and people per key and category for
  one or more class columns, and :func:`reconcile`, which checks that
  ``none + weak + good + unclassified = villages`` on every row — the
  guarantee every table of the report rests on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import WhitezoneError

__all__ = [
    "CATEGORIES",
    "CLASSES",
    "GOOD",
    "NONE",
    "NO_COMMUNE",
    "NO_DISTRICT",
    "NO_PROVINCE",
    "UNCLASSIFIED",
    "WEAK",
    "category_codes",
    "class_names",
    "class_suffixes",
    "commune_key",
    "count_by_commune",
    "reconcile",
    "tally",
]

#: Signal classes, from worst to best; their position is the class level.
CLASSES: tuple[str, ...] = ("none", "weak", "good")
NONE, WEAK, GOOD = 0, 1, 2
#: The category of a village with a status (``unlocated``) instead of a class.
UNCLASSIFIED = "unclassified"
#: What a tally counts into: the classes, then the unclassified.
CATEGORIES: tuple[str, ...] = (*CLASSES, UNCLASSIFIED)

#: Label of the row counting villages outside every commune.
NO_COMMUNE = "(no commune)"
#: Label of the row of communes without a district.
NO_DISTRICT = "(no district)"
#: Label of the row of communes without a province (a national run).
NO_PROVINCE = "(no province)"


def class_names(levels: np.ndarray) -> np.ndarray:
    """Class names (``none``, ``weak``, ``good``) of an array of levels 0..2."""
    return np.asarray(CLASSES, dtype=object)[np.asarray(levels, dtype=np.int64)]


def category_codes(values) -> np.ndarray:
    """Position in :data:`CATEGORIES` of each value: 0..2 for a class, 3 for anything else.

    Anything that is not a class name — a status such as ``unlocated``, a
    blank — counts as unclassified, so a tally never loses a village.
    """
    if isinstance(values, pd.Series | pd.Index) and isinstance(values.dtype, pd.CategoricalDtype):
        cats = list(values.cat.categories) if isinstance(values, pd.Series) else list(values.categories)
        lookup = np.array([CLASSES.index(c) if c in CLASSES else len(CLASSES) for c in cats]
                          + [len(CLASSES)], dtype=np.int64)  # fmt: skip
        codes = (values.cat.codes if isinstance(values, pd.Series) else values.codes)
        return lookup[np.asarray(codes, dtype=np.int64)]
    text = pd.Series(np.asarray(values, dtype=object))
    codes = text.map({name: i for i, name in enumerate(CLASSES)})
    return codes.fillna(len(CLASSES)).to_numpy(dtype=np.int64)


def class_suffixes(technologies) -> dict[str, str]:
    """Suffix of the count columns -> the class column it counts: any technology, then each.

    Examples
    --------
    >>> class_suffixes(["2G", "4G"])
    {'': 'class_any', '_2g': 'class_2g', '_4g': 'class_4g'}
    """
    return {"": "class_any", **{f"_{t.lower()}": f"class_{t.lower()}" for t in technologies}}


def commune_key(frame: pd.DataFrame | pd.Series) -> pd.Series:
    """Each row's commune id, :data:`NO_COMMUNE` where it has none.

    Parameters
    ----------
    frame : DataFrame or Series
        A frame with a ``commune_id`` column, or the ids themselves.
    """
    ids = frame if isinstance(frame, pd.Series) else frame["commune_id"]
    ids = ids.astype(object)
    return ids.where(ids.notna(), NO_COMMUNE)


def count_by_commune(frame: pd.DataFrame, flag) -> pd.Series:
    """How many rows of ``frame`` per commune have ``flag`` true (:func:`commune_key`)."""
    flag = np.asarray(flag, dtype=bool)
    key = commune_key(frame).to_numpy()
    return pd.Series(flag.astype(np.int64), index=frame.index).groupby(key).sum()


def tally(
    keys,
    classes: Mapping[str, object],
    population=None,
    *,
    labels: Sequence | pd.Index | None = None,
) -> pd.DataFrame:
    """Villages (and people) per key and category, for one or more class columns.

    Parameters
    ----------
    keys : array-like or MultiIndex
        The group of each village (a commune id, an operator, a hexagon), or
        a MultiIndex for groups of several columns.  With ``labels``, integer
        positions into ``labels`` instead.
    classes : mapping
        Column suffix -> the class of each village (names such as ``"none"``,
        or anything else for unclassified), e.g. ``{"": class_any, "_4g":
        class_4g}``.  Every array has the length of ``keys``.
    population : array-like, optional
        People per village (missing counts 0).  Without it, no population
        columns are made.
    labels : sequence, optional
        The groups in order, when ``keys`` are positions.  Groups without a
        village get rows of zeros.  Default: the distinct keys in order of
        first appearance.

    Returns
    -------
    DataFrame
        Indexed by group: ``villages`` (and ``population``), then per suffix
        ``villages_<category><suffix>`` for none, weak, good, unclassified
        (and ``population_<category><suffix>``).  Counts are int64, people
        float.

    Examples
    --------
    >>> t = tally(["C1", "C1", "C2"], {"": ["none", "good", "unlocated"]}, [10, 20, 5])
    >>> t[["villages", "villages_none", "villages_unclassified", "population_good"]]
        villages  villages_none  villages_unclassified  population_good
    C1         2              1                      0             20.0
    C2         1              0                      1              0.0
    """
    if labels is None:
        if isinstance(keys, pd.MultiIndex):  # groups of several columns
            codes, index = keys.factorize()
        else:
            codes, uniques = pd.factorize(pd.Series(np.asarray(keys, dtype=object)),
                                          use_na_sentinel=False)  # fmt: skip
            index = pd.Index(np.asarray(uniques, dtype=object))
    else:
        codes = np.asarray(keys, dtype=np.int64)
        index = pd.Index(labels)
    n, k = len(index), len(CATEGORIES)
    people = None
    if population is not None:
        people = np.nan_to_num(np.asarray(population, dtype=float), nan=0.0)
    out: dict[str, np.ndarray] = {"villages": np.bincount(codes, minlength=n).astype(np.int64)}
    if people is not None:
        out["population"] = np.bincount(codes, weights=people, minlength=n)
    for suffix, values in classes.items():
        cell = codes * k + category_codes(values)
        counts = np.bincount(cell, minlength=n * k).reshape(n, k)
        for i, cat in enumerate(CATEGORIES):
            out[f"villages_{cat}{suffix}"] = counts[:, i].astype(np.int64)
        if people is not None:
            sums = np.bincount(cell, weights=people, minlength=n * k).reshape(n, k)
            for i, cat in enumerate(CATEGORIES):
                out[f"population_{cat}{suffix}"] = sums[:, i]
    return pd.DataFrame(out, index=index)


def reconcile(table: pd.DataFrame, suffixes: Sequence[str] = ("",), *, villages: int | None = None,
              name: str = "table") -> None:  # fmt: skip
    """Fail loudly unless the counts of a tally add up.

    ``none + weak + good + unclassified = villages`` on every row and for
    every suffix; with ``villages``, the rows also sum to that number (the
    input's villages).

    Raises
    ------
    WhitezoneError
        Naming the table and the first mismatch.  It is a bug, never the
        user's data: every village is counted in exactly one category.
    """
    for suffix in suffixes:
        parts = table[[f"villages_{cat}{suffix}" for cat in CATEGORIES]].sum(axis=1)
        if not (parts == table["villages"]).all():
            raise WhitezoneError(f"internal error: {name} counts{suffix} do not add up to villages")
    if villages is not None and int(table["villages"].sum()) != villages:
        raise WhitezoneError(f"internal error: {name} counts {int(table['villages'].sum())} "
                             f"villages, the input has {villages}")  # fmt: skip
