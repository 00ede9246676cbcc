"""Find the (target, site) pairs within each site's reach with k-d trees."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree


def pairs_within(
    targets: np.ndarray, sites: np.ndarray, reach_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (target, site) pairs closer than the site's reach.

    Sites are grouped by reach so each group is one dual-tree query
    (``cKDTree.sparse_distance_matrix``); no loop touches a pair in Python.

    Parameters
    ----------
    targets : ndarray, shape (n, 2)
        Metric x, y of the targets.
    sites : ndarray, shape (m, 2)
        Metric x, y of the sites.
    reach_m : ndarray, shape (m,)
        Reach of each site in metres.

    Returns
    -------
    target, site : ndarray of int64
        Positions in ``targets`` and ``sites``, in no particular (but
        repeatable) order: sorting millions of links costs more than the
        search, and no consumer needs it.
    distance_m : ndarray of float
    """
    targets = np.asarray(targets, dtype=float).reshape(-1, 2)
    sites = np.asarray(sites, dtype=float).reshape(-1, 2)
    reach_m = np.broadcast_to(np.asarray(reach_m, dtype=float), (len(sites),))
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, float))
    ok_t = np.isfinite(targets).all(axis=1)
    ok_s = np.isfinite(sites).all(axis=1) & np.isfinite(reach_m) & (reach_m > 0)
    if not ok_t.any() or not ok_s.any():
        return empty
    t_index = np.flatnonzero(ok_t)
    t_tree = cKDTree(targets[ok_t])
    out_t, out_s, out_d = [], [], []
    # A handful of distinct reaches (one per technology, plus overrides):
    # group sites whose reach is within 10 % so each tree query stays tight.
    s_index = np.flatnonzero(ok_s)
    reach = reach_m[ok_s]
    bins = np.floor(np.log(reach) / np.log(1.1)).astype(np.int64)
    for b in np.unique(bins):
        members = s_index[bins == b]
        r_max = float(reach_m[members].max())
        s_tree = cKDTree(sites[members])
        found = s_tree.sparse_distance_matrix(t_tree, r_max, output_type="ndarray")
        keep = found["v"] <= reach_m[members][found["i"]]
        out_s.append(members[found["i"][keep]])
        out_t.append(t_index[found["j"][keep]])
        out_d.append(found["v"][keep])
    if not out_t:
        return empty
    return np.concatenate(out_t), np.concatenate(out_s), np.concatenate(out_d)
