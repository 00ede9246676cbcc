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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["DOMINANCE_MAX_PAIRS", "Reduced", "covered_rows", "reduce_instance"]

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
    """

    matrix: sp.csr_array
    weights: np.ndarray
    columns: np.ndarray
    row_of: np.ndarray
    costs: np.ndarray


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


def _dominated(a: sp.csr_array, costs: np.ndarray, *, max_pairs: int) -> np.ndarray:
    """Candidates (columns) whose covered set is within a no dearer candidate's.

    Ties (same set, same cost) keep the lowest position.  When ``Σ d_i²`` is
    above ``max_pairs`` only identical columns are detected.
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
        out[i[dom]] = True
        return out
    # Identical columns only: group the rows of the transpose.
    group, _ = _row_groups(sp.csr_array(a.T))
    order = np.lexsort((np.arange(m), costs, group))
    keep_first = np.r_[True, group[order][1:] != group[order][:-1]]
    out[order[~keep_first]] = True
    return out


def reduce_instance(matrix, weights, *, costs=None, budget: float | None = None,
                    max_pairs: int = DOMINANCE_MAX_PAIRS) -> Reduced:  # fmt: skip
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
        Candidates dearer than this are dropped.
    max_pairs : int
        Skip the dominance test (keeping the identical-candidate test) above
        this many ``Σ d_i²`` pairs.

    Returns
    -------
    Reduced
    """
    a = canonical_matrix(matrix)
    n, m = a.shape
    w = np.asarray(weights, dtype=float).reshape(-1)
    if len(w) != n:
        raise ValueError(f"weights has {len(w)} values for {n} demand points")
    c = np.ones(m) if costs is None else np.asarray(costs, dtype=float).reshape(-1)
    if len(c) != m:
        raise ValueError(f"costs has {len(c)} values for {m} candidates")
    row_of = np.arange(n, dtype=np.int64)
    columns = np.arange(m, dtype=np.int64)
    if budget is not None:
        affordable = c <= budget * (1 + _REL_TOL)
        if not affordable.all():
            a, c, columns = canonical_matrix(a[:, affordable]), c[affordable], columns[affordable]
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
        if a.shape[0]:
            keep_c &= ~_dominated(a, c, max_pairs=max_pairs)
        if not keep_c.all():
            a, c, columns = canonical_matrix(a[:, keep_c]), c[keep_c], columns[keep_c]
            changed = True
    return Reduced(matrix=a, weights=w, columns=columns, row_of=row_of, costs=c)


def covered_rows(matrix, selected) -> np.ndarray:
    """Which demand points (rows) at least one of the ``selected`` candidates covers."""
    a = sp.csr_array(matrix)
    sel = np.zeros(a.shape[1], dtype=np.float64)
    sel[np.asarray(selected, dtype=np.int64)] = 1.0
    return (a @ sel) > 0
