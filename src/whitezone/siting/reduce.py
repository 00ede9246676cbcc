"""Shrink a covering instance without changing its optimum.

A covering instance is a 0/1 matrix ``A`` (demand points × candidates) and a
weight per demand point.  :func:`reduce_instance` removes what cannot matter:

1. demand no candidate covers, or of zero weight (it can never count);
2. duplicate demand: points covered by exactly the same candidates become one
   row carrying the sum of their weights (rows are hashed, and every merge is
   verified, so a hash collision can never merge different rows);
3. candidates covering nothing, dearer than the budget, or *dominated* —
   their covered set within that of a candidate costing no more (replacing
   one by the other never loses coverage nor spends more; among identical
   candidates the cheapest, then the first, stays);

repeated until nothing changes (dropping candidates makes more rows equal).
Valid for maximal covering (cardinality and budget) and for set covering.

**Hub rule** (``requires``: pairs ``(j, h)``, "j only with h", ``x_j ≤ x_h``;
a microwave relay site needs its hub): a candidate in any pair is never
dropped as dominated nor merged with an identical one (what it is worth
depends on the other), a hub is kept even when it covers nothing, and a
dominating candidate must need no hub.  A dependant whose hubs (all of them,
transitively) cost more than the budget together with it is dropped, and so
is, until stable, any candidate one of whose hubs was dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

__all__ = ["DOMINANCE_MAX_PAIRS", "Reduced", "check_requires", "covered_rows", "hub_closures",
           "reduce_instance"]  # fmt: skip

#: Candidate dominance (step 3 of the reduction) is checked when ``Σ_i d_i²``
#: (d_i: candidates covering demand point i) is at most this; else only
#: identical and empty candidates are dropped.
DOMINANCE_MAX_PAIRS = 30_000_000

_REL_TOL = 1e-9


@dataclass(frozen=True)
class Reduced:
    """An instance after :func:`reduce_instance`.

    Attributes
    ----------
    matrix : scipy.sparse.csr_array
        Reduced rows × kept candidates, 0/1 (int8).
    weights : ndarray
        Weight of each reduced row (sum of the merged demand).
    columns : ndarray of int64
        Original position of each kept candidate.
    row_of : ndarray of int64
        For each original demand point, its reduced row (-1: dropped).
    costs : ndarray
        Cost of each kept candidate.
    requires : ndarray of int64, shape (p, 2)
        The hub rule's pairs ``(j, h)`` among the kept candidates, in reduced
        positions (empty when none).
    """

    matrix: sp.csr_array
    weights: np.ndarray
    columns: np.ndarray
    row_of: np.ndarray
    costs: np.ndarray
    requires: np.ndarray = field(default_factory=lambda: np.empty((0, 2), np.int64))


def check_requires(requires, m: int) -> np.ndarray | None:
    """Validate the hub rule's pairs; ``None`` when there are none.

    Parameters
    ----------
    requires : array-like of int, shape (p, 2), or None
        Pairs ``(j, h)`` of candidate positions: j may be chosen only if h is.
    m : int
        Number of candidates.

    Returns
    -------
    ndarray of int64, shape (p, 2), or None
        The distinct pairs, sorted; ``None`` for ``None`` or no pairs.

    Raises
    ------
    ValueError
        Not integers, not of shape (p, 2), a position outside ``[0, m)``, or a
        candidate that requires itself.
    """
    if requires is None:
        return None
    try:
        arr = np.asarray(requires)
    except (TypeError, ValueError) as err:  # ragged nested lists
        raise ValueError(f"requires must be an array of (j, h) pairs of shape (p, 2): {err}") \
            from None  # fmt: skip
    if arr.size == 0 and arr.ndim <= 2 and (arr.ndim < 2 or arr.shape[1] in (0, 2)):
        return None
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"requires must hold integer candidate positions, got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"requires must have shape (p, 2) (pairs j, h: j only with h), "
                         f"got shape {arr.shape}")  # fmt: skip
    arr = arr.astype(np.int64)
    bad = (arr < 0) | (arr >= m)
    if bad.any():
        row = int(np.flatnonzero(bad.any(axis=1))[0])
        raise ValueError(f"requires[{row}] = {arr[row].tolist()}: candidate positions must be in "
                         f"[0, {m}) ({m} candidates)")  # fmt: skip
    same = arr[:, 0] == arr[:, 1]
    if same.any():
        row = int(np.flatnonzero(same)[0])
        raise ValueError(f"requires[{row}] = {arr[row].tolist()}: a candidate cannot require "
                         "itself")  # fmt: skip
    return np.unique(arr, axis=0)


def hub_closures(requires: np.ndarray, m: int) -> dict[int, np.ndarray]:
    """Every candidate each dependant needs, transitively (itself excluded).

    Parameters
    ----------
    requires : ndarray of int64, shape (p, 2)
        Validated pairs ``(j, h)``.
    m : int
        Number of candidates.

    Returns
    -------
    dict
        ``{j: hubs}`` for each j that requires something; ``hubs`` deepest
        first (a hub's own hubs before it), so building in that order never
        builds a site before what it needs (cycles: any order).
    """
    adj: dict[int, list[int]] = {}
    for j, h in np.asarray(requires, dtype=np.int64).tolist():
        adj.setdefault(j, []).append(h)
    out = {}
    for j in adj:
        order, seen, stack = [], {j}, [(j, iter(adj[j]))]
        while stack:  # iterative depth-first search, post-order
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                if node != j:
                    order.append(node)
            elif nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, iter(adj.get(nxt, ()))))
        out[j] = np.asarray(order, dtype=np.int64)
    return out


def canonical_matrix(matrix) -> sp.csr_array:
    """A canonical 0/1 int8 CSR array (sorted indices, no duplicates, no zeros)."""
    a = sp.csr_array(matrix) if sp.issparse(matrix) else sp.csr_array(np.asarray(matrix) != 0)
    a = sp.csr_array(a, copy=True)
    a.sum_duplicates()
    a.eliminate_zeros()
    a.sort_indices()
    a.data = np.ones(len(a.data), dtype=np.int8)
    return a


def concat_ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(s, s + n)`` for each (s, n), without a Python loop."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, np.int64)
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(np.asarray(starts, dtype=np.int64), lengths) + offsets


def _row_groups(a: sp.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """Group identical rows of a canonical CSR array.

    Returns
    -------
    group : ndarray of int64
        Group of each row, numbered by first appearance.
    first : ndarray of int64
        The first row of each group.
    """
    n, m = a.shape
    nnz = np.diff(a.indptr)
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    rng = np.random.default_rng(0x5171)
    keys = [nnz.astype(np.uint64)]
    for _ in range(2):  # two independent 64-bit sums of random column keys
        r = rng.integers(0, np.iinfo(np.int64).max, size=m, dtype=np.int64).astype(np.uint64)
        h = np.zeros(n, dtype=np.uint64)
        rows = np.flatnonzero(nnz)
        if len(rows):
            with np.errstate(over="ignore"):
                h[rows] = np.add.reduceat(r[a.indices], a.indptr[rows])
        keys.append(h)
    order = np.lexsort(keys[::-1])
    sorted_keys = np.column_stack([k[order] for k in keys])
    new = np.r_[True, (sorted_keys[1:] != sorted_keys[:-1]).any(axis=1)]
    label_sorted = np.cumsum(new) - 1
    label = np.empty(n, np.int64)
    label[order] = label_sorted
    # The representative of each label: its first row; verify every member against it.
    rep = np.full(int(label_sorted[-1]) + 1, n, dtype=np.int64)
    np.minimum.at(rep, label, np.arange(n))
    rep_row = rep[label]
    pos = concat_ranges(a.indptr[:-1], nnz)
    rep_pos = concat_ranges(a.indptr[rep_row], nnz)
    bad_pos = a.indices[pos] != a.indices[rep_pos]
    if bad_pos.any():  # a hash collision: never merge rows that differ
        row_of_pos = np.repeat(np.arange(n), nnz)
        bad = np.unique(row_of_pos[bad_pos])
        label[bad] = label.max() + 1 + np.arange(len(bad))
    _, first, group = np.unique(label, return_index=True, return_inverse=True)
    # Renumber groups by first appearance, so the result is stable.
    rank = np.empty(len(first), np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[group.ravel()], np.sort(first)


def _dominated(a: sp.csr_array, costs: np.ndarray, *, max_pairs: int,
               protected: np.ndarray | None = None,
               dependant: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """Candidates (columns) whose covered set is within a no dearer candidate's.

    Ties (same set, same cost) keep the lowest position.  When ``Σ d_i²`` is
    above ``max_pairs`` only identical columns are detected.  ``protected``
    columns (in a hub-rule pair) are never dominated, and ``dependant`` ones
    (needing a hub) never dominate: replacing a column by one that needs
    another site may cost more.
    """
    m = a.shape[1]
    nnz_col = np.bincount(a.indices, minlength=m)
    d = np.diff(a.indptr).astype(np.int64)
    out = np.zeros(m, dtype=bool)
    if int((d * d).sum()) <= max_pairs:
        a32 = a.astype(np.int32)
        shared = (a32.T @ a32).tocoo()
        i, j, v = shared.row, shared.col, shared.data
        subset = (i != j) & (v == nnz_col[i])  # column i within column j
        ci, cj = costs[i], costs[j]
        bigger = nnz_col[j] > nnz_col[i]
        dom = subset & ((bigger & (cj <= ci)) | (~bigger & ((cj < ci) | ((cj == ci) & (j < i)))))
        if protected is not None:
            dom &= ~protected[i] & ~dependant[j]
        out[i[dom]] = True
        return out
    # Identical columns only: group the rows of the transpose.
    group, _ = _row_groups(sp.csr_array(a.T))
    if protected is not None and protected.any():  # each protected column alone in its group
        group = group.copy()
        group[protected] = group.max() + 1 + np.arange(int(protected.sum()))
    order = np.lexsort((np.arange(m), costs, group))
    keep_first = np.r_[True, group[order][1:] != group[order][:-1]]
    out[order[~keep_first]] = True
    return out


def reduce_instance(matrix, weights, *, costs=None, budget: float | None = None,
                    requires=None, max_pairs: int = DOMINANCE_MAX_PAIRS) -> Reduced:  # fmt: skip
    """Shrink a covering instance without changing its optimum.

    Drops demand of zero weight or that no candidate covers, merges demand
    covered by the same candidates (summing weights), and drops candidates
    that cover nothing, cost more than ``budget``, or are dominated (their
    covered set is within that of a candidate costing no more); repeated
    until stable.  Valid for :func:`solve_mclp` (cardinality and budget) and
    :func:`solve_set_cover`.

    Parameters
    ----------
    matrix : sparse or dense array, shape (n, m)
        1 where candidate j covers demand point i.
    weights : array-like, shape (n,)
    costs : array-like, shape (m,), optional
        Default 1 per candidate.
    budget : float, optional
        Candidates dearer than this are dropped (with their hubs: see
        ``requires``).
    requires : array-like of int, shape (p, 2), optional
        The hub rule: pairs ``(j, h)`` of candidate positions, j may be chosen
        only if h is.  Candidates in a pair are never dropped as dominated or
        identical, hubs never as empty; a j whose cost plus that of all it
        needs (transitively) exceeds ``budget`` is dropped, and so is any
        candidate needing a dropped one.  Default: no pairs.
    max_pairs : int
        Skip the dominance test (keeping the identical-candidate test) above
        this many ``Σ d_i²`` pairs.

    Returns
    -------
    Reduced

    Raises
    ------
    ValueError
        Weights or costs of the wrong length, or bad ``requires``
        (:func:`check_requires`).
    """
    a = canonical_matrix(matrix)
    n, m = a.shape
    w = np.asarray(weights, dtype=float).reshape(-1)
    if len(w) != n:
        raise ValueError(f"weights has {len(w)} values for {n} demand points")
    c = np.ones(m) if costs is None else np.asarray(costs, dtype=float).reshape(-1)
    if len(c) != m:
        raise ValueError(f"costs has {len(c)} values for {m} candidates")
    pairs = check_requires(requires, m)
    row_of = np.arange(n, dtype=np.int64)
    columns = np.arange(m, dtype=np.int64)
    if budget is not None:
        affordable = c <= budget * (1 + _REL_TOL)
        if pairs is not None:  # a dependant costs itself plus every hub it needs
            for j, hubs in hub_closures(pairs, m).items():
                if c[j] + c[hubs].sum() > budget * (1 + _REL_TOL):
                    affordable[j] = False
        if not affordable.all():
            a, c, columns = canonical_matrix(a[:, affordable]), c[affordable], columns[affordable]
    cur_pairs = np.empty((0, 2), np.int64)

    def live_pairs() -> tuple[np.ndarray, np.ndarray]:
        """Current pairs in current positions, and which current columns to drop."""
        pos = np.full(m, -1, np.int64)
        pos[columns] = np.arange(len(columns))
        pp = pos[pairs]
        drop = np.zeros(len(columns), dtype=bool)
        while True:  # a candidate whose hub is gone can never be chosen
            lost = (pp[:, 0] >= 0) & (pp[:, 1] < 0)
            if not lost.any():
                break
            drop[pp[lost, 0]] = True
            pp[np.isin(pp, np.flatnonzero(drop))] = -1
        return pp[(pp >= 0).all(axis=1)], drop

    if pairs is not None:
        cur_pairs, drop = live_pairs()
        if drop.any():
            keep = ~drop
            a, c, columns = canonical_matrix(a[:, keep]), c[keep], columns[keep]
            cur_pairs, _ = live_pairs()
    changed = True
    while changed:
        changed = False
        keep = (np.diff(a.indptr) > 0) & (w > 0)
        if not keep.all():
            new_index = np.full(len(w), -1, np.int64)
            new_index[keep] = np.arange(int(keep.sum()))
            row_of = np.where(row_of >= 0, new_index[np.maximum(row_of, 0)], -1)
            a, w = a[keep], w[keep]
            changed = True
        group, first = _row_groups(a)
        if len(first) < a.shape[0]:
            w = np.bincount(group, weights=w, minlength=len(first))
            row_of = np.where(row_of >= 0, group[np.maximum(row_of, 0)], -1)
            a = a[first]
            changed = True
        keep_c = np.bincount(a.indices, minlength=a.shape[1]) > 0
        protected = dependant = None
        if len(cur_pairs):
            protected = np.zeros(a.shape[1], dtype=bool)
            protected[cur_pairs.ravel()] = True
            dependant = np.zeros(a.shape[1], dtype=bool)
            dependant[cur_pairs[:, 0]] = True
            keep_c[cur_pairs[:, 1]] = True  # a hub that covers nothing still enables others
        if a.shape[0]:
            keep_c &= ~_dominated(a, c, max_pairs=max_pairs, protected=protected,
                                  dependant=dependant)  # fmt: skip
        if not keep_c.all():
            a, c, columns = canonical_matrix(a[:, keep_c]), c[keep_c], columns[keep_c]
            changed = True
            if pairs is not None:
                cur_pairs, drop = live_pairs()
                if drop.any():  # never: hubs are kept; for safety
                    keep = ~drop
                    a, c, columns = canonical_matrix(a[:, keep]), c[keep], columns[keep]
                    cur_pairs, _ = live_pairs()
    return Reduced(matrix=a, weights=w, columns=columns, row_of=row_of, costs=c,
                   requires=cur_pairs)  # fmt: skip


def covered_rows(matrix, selected) -> np.ndarray:
    """Which demand points (rows) at least one of the ``selected`` candidates covers."""
    a = sp.csr_array(matrix)
    sel = np.zeros(a.shape[1], dtype=np.float64)
    sel[np.asarray(selected, dtype=np.int64)] = 1.0
    return (a @ sel) > 0
