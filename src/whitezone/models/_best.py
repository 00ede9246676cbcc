"""Best server per (target, technology): the reduction every model shares.

The best link of a target for a technology has the highest class level, then
the strongest signal (NaN counts as weakest), then the shortest distance, then
the lowest site position — a total order, so results never depend on the
order links arrive in.  Reductions are scatter operations (``ufunc.at``) on
dense (target x technology) cells: linear in the number of links, no sort.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

#: Keys of a best-server result; each an array of shape (n_targets, n_tech).
BEST_KEYS = ("level", "site", "distance_km", "signal_dbm")

#: Keys a model may add to its result, with their dtype and the value where
#: there is no server: ``line_of_sight`` (terrain model) is 1 where the best
#: server's path is clear of the terrain at the median refraction (k = 4/3), 0
#: where it is obstructed; ``line_of_sight_worst`` the same at the worst-case k.
OPTIONAL_KEYS = {"line_of_sight": (np.int8, -1), "line_of_sight_worst": (np.int8, -1)}


#: Targets per batch where a model lists every link in reach: a national 2G
#: reach puts hundreds of sites within range of each village, and the link
#: tables of 80,000 villages at once would take several GB.
TARGETS_PER_BATCH = 8192


def best_in_batches(best: Callable[[np.ndarray], dict[str, np.ndarray]], targets: np.ndarray, *,
                    batch: int | None = None) -> dict[str, np.ndarray]:  # fmt: skip
    """``best(targets)`` computed ``batch`` targets at a time and stacked.

    Each target's best server depends on that target alone, so the result is
    the one of a single call; memory is bounded by a batch's links.
    ``batch`` defaults to :data:`TARGETS_PER_BATCH`.
    """
    targets = np.asarray(targets, dtype=float).reshape(-1, 2)
    batch = batch or TARGETS_PER_BATCH
    if len(targets) <= batch:
        return best(targets)
    parts = [best(targets[start : start + batch]) for start in range(0, len(targets), batch)]
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


def empty_optional(key: str, n_targets: int, n_tech: int) -> np.ndarray:
    """An optional key's array with no server anywhere."""
    dtype, fill = OPTIONAL_KEYS[key]
    return np.full((n_targets, n_tech), fill, dtype=dtype)


def empty_best(n_targets: int, n_tech: int, optional: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """A best-server result with no server anywhere (with the ``optional`` keys a model adds)."""
    out = {
        "level": np.zeros((n_targets, n_tech), dtype=np.int8),
        "site": np.full((n_targets, n_tech), -1, dtype=np.int64),
        "distance_km": np.full((n_targets, n_tech), np.nan),
        "signal_dbm": np.full((n_targets, n_tech), np.nan),
    }
    for key in optional:
        out[key] = empty_optional(key, n_targets, n_tech)
    return out


def best_from_links(links: pd.DataFrame, tech_code: np.ndarray, n_targets: int,
                    n_tech: int) -> dict[str, np.ndarray]:  # fmt: skip
    """Reduce links to the best server per (target, technology).

    Parameters
    ----------
    links : DataFrame
        ``target``, ``site``, ``distance_km``, ``signal_dbm``, ``level``.
    tech_code : ndarray
        Technology position (0 .. n_tech-1) of each site.
    n_targets, n_tech : int

    Returns
    -------
    dict
        ``level`` (int8, 0 where no link), ``site`` (-1 where none),
        ``distance_km`` and ``signal_dbm`` (NaN where none), each of shape
        (n_targets, n_tech).
    """
    out = empty_best(n_targets, n_tech)
    if len(links) == 0:
        return out
    t = links["target"].to_numpy(np.int64)
    s = links["site"].to_numpy(np.int64)
    lev = links["level"].to_numpy(np.int8)
    sig = np.nan_to_num(links["signal_dbm"].to_numpy(float), nan=-np.inf)
    dist = links["distance_km"].to_numpy(float)
    cell = t * n_tech + tech_code[s]
    size = n_targets * n_tech
    level = np.zeros(size, dtype=np.int8)
    np.maximum.at(level, cell, lev)
    keep = lev == level[cell]
    signal = np.full(size, -np.inf)
    np.maximum.at(signal, cell[keep], sig[keep])
    keep &= sig == signal[cell]
    distance = np.full(size, np.inf)
    np.minimum.at(distance, cell[keep], dist[keep])
    keep &= dist == distance[cell]
    site = np.full(size, np.iinfo(np.int64).max)
    np.minimum.at(site, cell[keep], s[keep])
    served = site != np.iinfo(np.int64).max
    out["level"] = level.reshape(n_targets, n_tech)
    out["site"] = np.where(served, site, -1).reshape(n_targets, n_tech)
    out["distance_km"] = np.where(served, distance, np.nan).reshape(n_targets, n_tech)
    out["signal_dbm"] = np.where(served & np.isfinite(signal), signal, np.nan).reshape(n_targets, n_tech)
    return out


def merge_best(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Cell by cell, the better of two best-server results (same order as above)."""
    sa = np.nan_to_num(a["signal_dbm"], nan=-np.inf)
    sb = np.nan_to_num(b["signal_dbm"], nan=-np.inf)
    da = np.nan_to_num(a["distance_km"], nan=np.inf)
    db = np.nan_to_num(b["distance_km"], nan=np.inf)
    site_a = np.where(a["site"] < 0, np.iinfo(np.int64).max, a["site"])
    site_b = np.where(b["site"] < 0, np.iinfo(np.int64).max, b["site"])
    take_b = (b["site"] >= 0) & (
        (a["site"] < 0)
        | (b["level"] > a["level"])
        | ((b["level"] == a["level"]) & ((sb > sa) | ((sb == sa) & ((db < da) | ((db == da) & (site_b < site_a))))))
    )
    return {key: np.where(take_b, b[key], a[key]) for key in BEST_KEYS}
