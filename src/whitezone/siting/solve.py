"""Choose sites: maximal covering (MCLP) and set covering on a sparse coverage matrix.

The instance is a 0/1 matrix ``A`` (demand points × candidates, 1 where the
candidate covers the point) and a weight per demand point (its population, or
1 per village).  It is first reduced without changing the optimum
(:func:`~whitezone.siting.reduce.reduce_instance`: uncoverable demand dropped,
identical demand merged, dominated candidates dropped), then solved.

Formulations (``x_j`` binary: build candidate j; ``y_i`` in [0, 1]: demand i
counted as covered):

* **MCLP**: maximise ``Σ w_i y_i`` subject to ``y_i ≤ Σ_j a_ij x_j``,
  ``Σ x_j ≤ k`` and/or ``Σ c_j x_j ≤ budget``.  ``y`` need not be integer:
  at an optimum with integer ``x`` it is ``min(1, Σ_j a_ij x_j)``.
* **Set cover**: minimise ``Σ c_j x_j`` (the number of sites when no costs)
  subject to ``Σ_j a_ij x_j ≥ 1`` for every coverable demand point, or, for a
  share below 1, ``Σ w_i y_i ≥ share · W`` with the same ``y``.

**Exact** (HiGHS through :func:`scipy.optimize.linprog` and
:func:`scipy.optimize.milp`, sparse matrices throughout): greedy gives a
first incumbent; the LP relaxation (interior point with crossover) gives a
bound, a point to round and reduced costs; the MILP restricted to the
candidates the LP uses gives a near-optimal incumbent in a fraction of the
time; LP reduced-cost fixing then fixes nearly every other candidate, and
branch and cut finishes the rest.  Every step only excludes solutions worse
than the incumbent, so the result is optimal when HiGHS finishes, and the
reported bound is valid when the time limit stops it.

**Greedy** picks, one at a time, the candidate with the largest marginal
covered weight (per unit cost when costs differ), updating the gains
incrementally with sparse operations: one pass over the matrix plus one
``argmax`` per site.  With a cardinality constraint it guarantees
``(1 − 1/e)`` of the optimum (Nemhauser, Wolsey and Fisher, 1978) and gives
a data-dependent upper bound for free (covered weight plus the ``k`` largest
remaining gains, at the best step; Leskovec et al. 2007); the LP relaxation's
bound is reported when it is tighter.

**Hub rule** (``requires``, pairs ``(j, h)``: j only with h, ``x_j ≤ x_h``;
a microwave relay site needs its hub): the exact model gets one row
``x_j − x_h ≤ 0`` per pair (LP relaxation, restricted MILP and branch and cut
alike; candidates in a pair are neither fixed by reduced costs nor left out
of the restricted MILP); greedy values a candidate whose hubs are not built
yet together with them (their joint marginal weight over their joint cost,
within ``k`` and the budget for all of them) and builds them with it;
exchanges never remove a hub a chosen site needs nor add a site that needs
one; the ranking builds hubs no later than the sites that need them and never
leaves out a hub whose dependant stays.  The greedy guarantees do not hold
under the rule, so no bound is derived from them.  Every returned plan is
checked against the budget, ``k`` and the pairs.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from .reduce import (
    Reduced,
    canonical_matrix,
    check_requires,
    concat_ranges,
    covered_rows,
    hub_closures,
    reduce_instance,
)

__all__ = ["AUTO_MILP_MAX_NNZ", "LP_BOUND_MAX_NNZ", "SitingSolution", "solve_mclp",
           "solve_set_cover"]  # fmt: skip

logger = logging.getLogger(__name__)

#: ``method="auto"`` uses the exact solver when the reduced matrix has at most
#: this many nonzeros; above it, greedy with the LP relaxation's bound.
AUTO_MILP_MAX_NNZ = 3_000_000

#: The LP relaxation (greedy's bound) is solved up to this many nonzeros;
#: above it the greedy's own data-dependent bound is reported.
LP_BOUND_MAX_NNZ = 20_000_000

#: The restricted MILP of the exact method uses the binaries the LP relaxation
#: uses plus those whose reduced cost is at most this share of the gap between
#: the LP bound and the incumbent.
SUPPORT_GAP_SHARE = 0.05

_METHODS = ("auto", "milp", "greedy")
_REL_TOL = 1e-9


@dataclass
class SitingSolution:
    """Sites chosen by :func:`solve_mclp` or :func:`solve_set_cover`.

    Attributes
    ----------
    selected : ndarray of int64
        Candidate positions (columns of the matrix), ranked by marginal gain:
        the first covers the most weight, each next one the most weight not
        yet covered (per unit cost when costs differ).  A site all of whose
        demand the other chosen sites also cover is left out (the covered
        weight is the same with fewer sites).
    objective : float
        MCLP: the covered weight.  Set cover: the number of sites, or their
        total cost when costs are given.
    bound : float
        Proven bound on the optimum: upper for MCLP (HiGHS's dual bound, or
        for greedy the LP relaxation's), lower for set cover.
    gap : float
        ``|bound − objective| / |objective|`` (HiGHS's ``mip_gap``
        definition); 0 when proven optimal.
    method : str
        What produced ``selected``: ``"milp"``, ``"greedy"`` or
        ``"trivial"`` (the reduced instance was solved without search).
    status : str
        ``"optimal"``, ``"time_limit"`` (stopped by the time limit, with the
        gap given), ``"gap_limit"`` (stopped within ``mip_rel_gap``),
        ``"heuristic"`` (greedy; ``bound`` from the LP relaxation or the
        greedy guarantee).
    seconds : float
        Wall time, reduction included.
    gains : ndarray of float
        Marginal covered weight of each site of ``selected``, in order.
    covered_weight : float
        Weight covered by all of ``selected``.
    coverable_weight : float
        Weight that at least one candidate covers (the most any plan covers).
    total_weight : float
        Weight of all demand points.
    uncoverable : ndarray of int64
        Demand positions (rows) with positive weight that no candidate covers.
    problem : str
        ``"mclp"`` or ``"set_cover"``.
    reduction : dict
        Sizes before and after the reduction: ``demand``, ``candidates``,
        ``nonzeros`` and the same with ``_reduced``.
    cost : float
        Total cost of ``selected`` (their number when no costs were given).
    budget : float or None
        The budget the plan was chosen within (``None``: none); ``cost`` never
        exceeds it.
    """

    selected: np.ndarray
    objective: float
    bound: float
    gap: float
    method: str
    status: str
    seconds: float
    gains: np.ndarray = field(default_factory=lambda: np.empty(0))
    covered_weight: float = 0.0
    coverable_weight: float = 0.0
    total_weight: float = 0.0
    uncoverable: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    problem: str = "mclp"
    reduction: dict = field(default_factory=dict)
    cost: float = 0.0
    budget: float | None = None

    @property
    def ratio(self) -> float:
        """Objective over bound (MCLP: share of the best possible reached; ≤ 1)."""
        if self.problem == "set_cover":
            return self.bound / self.objective if self.objective else 1.0
        return self.objective / self.bound if self.bound else 1.0

    def __repr__(self) -> str:
        return (f"SitingSolution({self.problem}, {len(self.selected)} sites, "
                f"objective={self.objective:.6g}, bound={self.bound:.6g}, gap={self.gap:.2e}, "
                f"method={self.method!r}, status={self.status!r}, seconds={self.seconds:.2f})")  # fmt: skip


class _Hubs:
    """The hub rule on one instance's candidate positions (pairs j, h: x_j ≤ x_h)."""

    def __init__(self, pairs: np.ndarray, m: int):
        self.pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        self.m = m
        self.paired = np.zeros(m, dtype=bool)
        self.paired[self.pairs.ravel()] = True
        self.dependant = np.zeros(m, dtype=bool)
        self.dependant[self.pairs[:, 0]] = True
        self.hub = np.zeros(m, dtype=bool)
        self.hub[self.pairs[:, 1]] = True
        self.closure = hub_closures(self.pairs, m)  # j -> every hub j needs, deepest first

    @classmethod
    def of(cls, pairs: np.ndarray | None, m: int) -> _Hubs | None:
        return None if pairs is None or len(pairs) == 0 else cls(pairs, m)

    def needs(self, j: int, chosen: np.ndarray) -> np.ndarray:
        """Hubs j needs that are not chosen yet, deepest first."""
        hubs = self.closure.get(j)
        if hubs is None or len(hubs) == 0:
            return np.empty(0, np.int64)
        return hubs[~chosen[hubs]]

    def group(self, j: int, chosen: np.ndarray) -> np.ndarray:
        """What building j means: its missing hubs (deepest first), then j."""
        return np.r_[self.needs(j, chosen), j].astype(np.int64)

    def valid(self, picked) -> bool:
        chosen = np.zeros(self.m, dtype=bool)
        chosen[np.asarray(picked, dtype=np.int64)] = True
        return bool((chosen[self.pairs[:, 1]] | ~chosen[self.pairs[:, 0]]).all())

    def needed(self, chosen: np.ndarray) -> np.ndarray:
        """Chosen hubs some chosen site needs (directly)."""
        out = np.zeros(self.m, dtype=bool)
        out[self.pairs[chosen[self.pairs[:, 0]], 1]] = True
        return out & chosen

    def sub(self, picked: np.ndarray) -> _Hubs | None:
        """The pairs among ``picked``, in positions within ``picked``."""
        pos = np.full(self.m, -1, np.int64)
        pos[np.asarray(picked, dtype=np.int64)] = np.arange(len(picked))
        pp = pos[self.pairs]
        return _Hubs.of(pp[(pp >= 0).all(axis=1)], len(picked))

    def rows(self, m_total: int, n_extra: int) -> sp.csr_array:
        """One row ``x_j − x_h ≤ 0`` per pair, over ``m_total + n_extra`` variables."""
        p = len(self.pairs)
        return sp.csr_array((np.tile([1.0, -1.0], p), (np.repeat(np.arange(p), 2),
                             self.pairs.ravel())), shape=(p, m_total + n_extra))  # fmt: skip


class _Greedy:
    """Incremental marginal gains on a fixed instance (for greedy and ranking)."""

    def __init__(self, a: sp.csr_array, w: np.ndarray):
        self.csr = a
        self.csc = sp.csc_array(a)
        self.csc.sort_indices()
        self.w = w
        self.uncovered = np.ones(a.shape[0], dtype=bool)
        self.gains = np.asarray(a.T @ w, dtype=float)
        self.covered = 0.0

    def take(self, j: int) -> float:
        """Select candidate j; return its exact marginal gain and update all gains."""
        rows = self.csc.indices[self.csc.indptr[j] : self.csc.indptr[j + 1]]
        rows = rows[self.uncovered[rows]]
        self.uncovered[rows] = False
        gain = float(self.w[rows].sum())
        starts, lengths = self.csr.indptr[rows], np.diff(self.csr.indptr)[rows]
        cols = self.csr.indices[concat_ranges(starts, lengths)]
        self.gains -= np.bincount(cols, weights=np.repeat(self.w[rows], lengths),
                                  minlength=len(self.gains))  # fmt: skip
        self.gains[j] = 0.0
        self.covered += gain
        return gain


def _greedy(a: sp.csr_array, w: np.ndarray, *, k: int | None, costs: np.ndarray | None,
            budget: float | None, target: float | None = None, deadline: float | None = None,
            hubs: _Hubs | None = None,
            start: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, float]:  # fmt: skip
    """Greedy selection on an instance.

    Picks by marginal gain, or gain per unit cost when costs differ, within
    ``k`` sites and ``budget``, until nothing adds weight or ``target``
    weight is covered.  Returns (positions, gains, bound) where ``bound`` is
    the data-dependent upper bound on the MCLP optimum (cardinality only;
    ``inf`` otherwise).  With ``hubs`` (the hub rule), see :func:`_greedy_hubs`.
    ``start``: sites taken first, as they are (a feasible plan to complete).
    """
    if hubs is not None:
        return _greedy_hubs(a, w, hubs, k=k, costs=costs, budget=budget, target=target,
                            deadline=deadline, start=start)  # fmt: skip
    m = a.shape[1]
    state = _Greedy(a, w)
    by_ratio = costs is not None and not np.allclose(costs, costs[0] if len(costs) else 1.0)
    c = np.ones(m) if costs is None else np.asarray(costs, dtype=float)
    available = np.ones(m, dtype=bool)
    spent = 0.0
    chosen, gains = [], []
    tol = _REL_TOL * max(float(w.sum()), 1.0)
    bound = math.inf
    for j in [] if start is None else np.asarray(start, dtype=np.int64).tolist():
        chosen.append(j)
        gains.append(state.take(j))
        available[j] = False
        spent += c[j]
    while m:
        if k is not None and len(chosen) >= k:
            break
        if target is not None and state.covered >= target - tol:
            break
        if deadline is not None and time.perf_counter() > deadline and chosen:
            break
        if budget is not None:
            available &= c <= budget * (1 + _REL_TOL) - spent
        if k is not None and budget is None and k < m:
            top = np.partition(state.gains, m - k)[m - k :]
            bound = min(bound, state.covered + float(np.clip(top, 0, None).sum()))
        score = np.where(available, state.gains / c if by_ratio else state.gains, -np.inf)
        j = int(np.argmax(score))
        if not available[j] or state.gains[j] <= tol:
            break
        gain = state.take(j)
        available[j] = False
        spent += c[j]
        if gain > 0:
            chosen.append(j)
            gains.append(gain)
    if k is not None and budget is None and k >= m:
        bound = state.covered + float(np.clip(state.gains, 0, None).sum())
    elif k is not None and budget is None:
        top = np.partition(state.gains, m - k)[m - k :] if m > k else state.gains
        bound = min(bound, state.covered + float(np.clip(top, 0, None).sum()))
    return np.asarray(chosen, np.int64), np.asarray(gains, float), bound


def _joint_gain(state: _Greedy, cols: np.ndarray) -> float:
    """Uncovered weight the candidates ``cols`` cover together."""
    csc = state.csc
    rows = csc.indices[concat_ranges(csc.indptr[cols], csc.indptr[cols + 1] - csc.indptr[cols])]
    rows = np.unique(rows[state.uncovered[rows]])
    return float(state.w[rows].sum())


def _greedy_hubs(a: sp.csr_array, w: np.ndarray, hubs: _Hubs, *, k: int | None,
                 costs: np.ndarray | None, budget: float | None, target: float | None,
                 deadline: float | None,
                 start: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, float]:  # fmt: skip
    """Greedy under the hub rule.

    A candidate whose hubs are not all chosen is valued with them: the
    weight they newly cover together over their joint cost (the number of
    sites when no costs), and must fit ``k`` and the budget as a whole;
    choosing it chooses them, hubs first.  Others are valued by their gain
    over their cost.  Every member of a chosen group is kept, even one that
    adds nothing itself.  The returned bound (cardinality only) is the
    covered weight plus the ``k`` largest single gains at the best step,
    valid whatever the constraints.
    """
    m = a.shape[1]
    state = _Greedy(a, w)
    c = np.ones(m) if costs is None else np.asarray(costs, dtype=float)
    chosen_mask = np.zeros(m, dtype=bool)
    spent = 0.0
    chosen, gains = [], []
    tol = _REL_TOL * max(float(w.sum()), 1.0)
    bound = math.inf
    dependants = np.flatnonzero(hubs.dependant)
    for j in [] if start is None else np.asarray(start, dtype=np.int64).tolist():
        chosen.append(j)
        gains.append(state.take(j))
        chosen_mask[j] = True
        spent += c[j]
    while m:
        if k is not None and len(chosen) >= k:
            break
        if target is not None and state.covered >= target - tol:
            break
        if deadline is not None and time.perf_counter() > deadline and chosen:
            break
        if k is not None and budget is None and k < m:
            top = np.partition(state.gains, m - k)[m - k :]
            bound = min(bound, state.covered + float(np.clip(top, 0, None).sum()))
        gain, cost, size = state.gains.copy(), c.copy(), np.ones(m)
        for j in dependants[~chosen_mask[dependants]]:
            need = hubs.needs(int(j), chosen_mask)
            if len(need):
                gain[j] = _joint_gain(state, np.r_[need, j])
                cost[j] += float(c[need].sum())
                size[j] += len(need)
        feasible = ~chosen_mask
        if budget is not None:
            feasible &= cost <= budget * (1 + _REL_TOL) - spent
        if k is not None:
            feasible &= size <= k - len(chosen)
        score = np.where(feasible, gain / cost, -np.inf)
        j = int(np.argmax(score))
        if not feasible[j] or gain[j] <= tol:
            break
        for g in hubs.group(j, chosen_mask):
            chosen.append(int(g))
            gains.append(state.take(int(g)))
            chosen_mask[g] = True
            spent += c[g]
    if k is not None and budget is None and k >= m:
        bound = state.covered + float(np.clip(state.gains, 0, None).sum())
    elif k is not None and budget is None:
        top = np.partition(state.gains, m - k)[m - k :] if m > k else state.gains
        bound = min(bound, state.covered + float(np.clip(top, 0, None).sum()))
    return np.asarray(chosen, np.int64), np.asarray(gains, float), bound


def _best_group(a: sp.csr_array, w: np.ndarray, hubs: _Hubs | None, c: np.ndarray, *,
                k: int | None, budget: float | None) -> tuple[np.ndarray, float]:  # fmt: skip
    """The single candidate (with the hubs it needs) covering the most weight within k and budget."""
    single = np.asarray(a.T @ w, dtype=float)
    if hubs is None:
        j = int(np.argmax(single))
        return np.array([j], np.int64), float(single[j])
    state = _Greedy(a, w)
    none = np.zeros(a.shape[1], dtype=bool)
    best, best_value = np.empty(0, np.int64), 0.0
    feasible = np.ones(a.shape[1], dtype=bool)
    if budget is not None:
        feasible &= c <= budget * (1 + _REL_TOL)
    for j in np.flatnonzero(hubs.dependant):
        group = hubs.group(int(j), none)
        feasible[j] = (k is None or len(group) <= k) and \
            (budget is None or c[group].sum() <= budget * (1 + _REL_TOL))  # fmt: skip
        if feasible[j]:
            single[j] = _joint_gain(state, group)
    if feasible.any():
        j = int(np.argmax(np.where(feasible, single, -np.inf)))
        best, best_value = hubs.group(j, none), float(single[j])
    return best, best_value


def _swap(a: sp.csr_array, w: np.ndarray, picked: np.ndarray, *, deadline: float,
          max_rounds: int = 10_000, hubs: _Hubs | None = None) -> np.ndarray:  # fmt: skip
    """Improve a selection by exchanges: drop one chosen site, add one other (Teitz and Bart).

    Each round finds the best exchange over every (chosen j, other i) pair
    at once: ``gain_i + R_ij − loss_j`` where ``gain_i`` is the uncovered
    weight i covers, ``loss_j`` the weight only j covers and ``R_ij`` the part
    of that weight i also covers (``R = A_uᵀ P``, sparse, over the rows
    covered once).  The best improving exchange is made; it stops at a local
    optimum, at ``deadline`` or after ``max_rounds``.  The number of sites
    never changes and coverage only grows.  Under the hub rule (``hubs``) a
    site that needs a hub is never added and a hub a chosen site needs is
    never removed, so valid plans stay valid.
    """
    m = a.shape[1]
    picked = np.asarray(picked, dtype=np.int64)
    if len(picked) == 0 or len(picked) >= m:
        return picked
    csc = sp.csc_array(a)
    at = sp.csr_array(a.T)
    chosen = np.zeros(m, dtype=bool)
    chosen[picked] = True
    count = np.asarray(a @ chosen.astype(np.int32)).ravel()
    tol = _REL_TOL * max(float(w.sum()), 1.0)
    for _ in range(max_rounds):
        if time.perf_counter() > deadline:
            break
        gain = np.asarray(at @ (w * (count == 0)), dtype=float)
        gain[chosen] = -np.inf
        if hubs is not None:
            gain[hubs.dependant] = -np.inf
        idx = np.flatnonzero(chosen)
        once = np.flatnonzero(count == 1)
        rows_once = sp.csr_array(a[once])
        owner = sp.csr_array(rows_once[:, idx]).indices  # the one chosen site of each such row
        loss = np.bincount(owner, weights=w[once], minlength=len(idx))
        p = sp.csr_array((w[once], (np.arange(len(once)), owner)), shape=(len(once), len(idx)))
        regained = (rows_once.T @ p).tocoo()  # candidates x chosen
        top = int(np.argmax(gain))
        best, best_i = np.full(len(idx), gain[top]), np.full(len(idx), top)
        free = ~chosen[regained.row]
        if hubs is not None:
            free &= ~hubs.dependant[regained.row]
        value = gain[regained.row[free]] + regained.data[free]
        col, row = regained.col[free], regained.row[free]
        order = np.lexsort((-value, col))
        first = np.r_[True, col[order][1:] != col[order][:-1]] if len(order) else order.astype(bool)
        cj, ci, cv = col[order][first], row[order][first], value[order][first]
        better = cv > best[cj]
        best[cj[better]], best_i[cj[better]] = cv[better], ci[better]
        delta = best - loss
        if hubs is not None:
            delta[hubs.needed(chosen)[idx]] = -np.inf
        j = int(np.argmax(delta))
        if not delta[j] > tol:
            break
        out, add = idx[j], best_i[j]
        chosen[out], chosen[add] = False, True
        count[csc.indices[csc.indptr[out] : csc.indptr[out + 1]]] -= 1
        count[csc.indices[csc.indptr[add] : csc.indptr[add + 1]]] += 1
    return np.flatnonzero(chosen)


def _rank(a: sp.csr_array, w: np.ndarray, picked: np.ndarray, costs: np.ndarray | None,
          hubs: _Hubs | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Order chosen columns by marginal gain (per cost when costs differ); drop useless ones.

    Under the hub rule a hub comes no later than the sites that need it and
    is never dropped while one of them stays.
    """
    picked = np.sort(np.asarray(picked, dtype=np.int64))
    if len(picked) == 0:
        return picked, np.empty(0)

    def ranked(picked):
        sub_costs = None if costs is None else costs[picked]
        sub_hubs = None if hubs is None else hubs.sub(picked)
        order, gains, _ = _greedy(sp.csr_array(a[:, picked]), w, k=None, costs=sub_costs,
                                  budget=None, hubs=sub_hubs)  # fmt: skip
        return picked[order], gains

    picked, _ = ranked(picked)
    # Leave out, lowest ranked first, a site all of whose points others also cover.
    sub = sp.csc_array(a[:, picked])
    count = np.asarray(sub.sum(axis=1)).ravel()
    keep = np.ones(len(picked), dtype=bool)
    sub_hubs = None if hubs is None else hubs.sub(picked)
    for j in range(len(picked) - 1, -1, -1):  # one step per chosen site
        if sub_hubs is not None and sub_hubs.hub[j] and \
                keep[sub_hubs.pairs[sub_hubs.pairs[:, 1] == j, 0]].any():  # fmt: skip
            continue  # a site that stays needs it
        rows = sub.indices[sub.indptr[j] : sub.indptr[j + 1]]
        if (count[rows] >= 2).all():
            keep[j] = False
            count[rows] -= 1
    return ranked(np.sort(picked[keep]))


@dataclass
class _Exact:
    """Outcome of :func:`_exact` (minimisation form)."""

    x: np.ndarray | None  # best solution found by the MILP (None: none better found)
    lower_bound: float  # proven lower bound on the optimum
    status: str  # "gap_limit", "time_limit", "error"
    lp_x: np.ndarray | None = None  # LP relaxation solution, for rounding


def _exact(c: np.ndarray, a_ub: sp.csr_array, b_ub: np.ndarray, n_int: int, *,
           incumbent: float, deadline: float, mip_rel_gap: float, improve=None,
           keep_free: np.ndarray | None = None, narrow_support: bool = False) -> _Exact:  # fmt: skip
    """Minimise ``c·z`` s.t. ``a_ub z ≤ b_ub``, ``0 ≤ z ≤ 1``, the first ``n_int`` binary.

    ``incumbent`` is the value of a known solution (the caller keeps it).

    1. The LP relaxation, by HiGHS's interior point method with crossover
       (several times faster than the dual simplex on these degenerate
       covering LPs), gives a bound, a point to round (``improve(lp_x)``
       returns the caller's best value after rounding) and reduced costs.
    2. A strong incumbent: when the LP uses at most half the binaries, the
       MILP restricted to them (and to those of almost zero reduced cost) is
       solved by HiGHS in at most 30 % of the remaining time.
    3. LP reduced-cost fixing: a binary whose reduced cost proves that moving
       it off its LP bound makes any solution worse than the incumbent is
       fixed there.  With a near-optimal incumbent this fixes almost all of
       them.
    4. HiGHS's branch and cut on what is left.  When step 2 was skipped (the
       LP is far from integral: the hard instances), the objective is cut off
       at the incumbent, ``c·z ≤ incumbent − δ``, so only better plans are
       feasible; this prunes early and steers HiGHS's heuristics (on spatial
       instances with 20 candidates per point it halves the final gap).  δ is
       0.5 when ``c`` is integral, so "infeasible" proves the incumbent
       optimal.

    Every step only excludes solutions no better than the incumbent, so the
    best solution found is optimal when HiGHS finishes, and the bound
    ``max(LP, min(HiGHS's dual bound, incumbent))`` is valid in any case.

    ``keep_free`` (a mask over the binaries; the hub rule's candidates) are
    never fixed by reduced costs and always kept in the restricted MILP.
    ``narrow_support``: when the support of step 2 is more than half the
    binaries (a weak incumbent: the gap is wide), restrict the MILP to the
    LP's own support (and binaries of zero reduced cost) instead of skipping
    step 2.  Used with a budget row, where rounding the LP is a poor
    knapsack heuristic (the caller's ``improve`` also completes the LP's
    x = 1 sites greedily, which usually keeps the gap, and so the support,
    small enough without this).
    """
    n_var = len(c)
    scale = max(float(np.abs(c).sum()), 1.0)
    delta = 0.5 if np.allclose(c, np.round(c)) else _REL_TOL * scale
    lower, upper = np.zeros(n_var), np.ones(n_var)
    integrality = np.r_[np.ones(n_int), np.zeros(n_var - n_int)]
    with_cutoff = sp.vstack([a_ub, sp.csr_array(c[None, :])], format="csr")
    best_z, lp_bound, lp_x = None, -math.inf, None
    sub_run = False

    def run_milp(ub: np.ndarray, lb: np.ndarray, seconds: float, cutoff: bool):
        rows = LinearConstraint(
            with_cutoff, -np.inf, np.r_[b_ub, incumbent - delta if cutoff else np.inf]
        )
        options = {"disp": False, "presolve": True, "time_limit": max(seconds, 0.01),
                   "mip_rel_gap": float(mip_rel_gap)}  # fmt: skip
        res = milp(c, integrality=integrality, bounds=Bounds(lb, ub), constraints=rows,
                   options=options)  # fmt: skip
        logger.debug("HiGHS (%d of %d binaries free, cutoff %s at %.8g): %s; dual bound %s",
                     int((ub > lb)[:n_int].sum()), n_int, cutoff, incumbent - delta, res.message,
                     res.mip_dual_bound)  # fmt: skip
        return res

    remaining = deadline - time.perf_counter()
    if remaining > 0:
        lp = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=(0.0, 1.0), method="highs-ipm",
                     options={"time_limit": remaining, "presolve": True})  # fmt: skip
        logger.debug(
            "LP relaxation: %s (%.8g)", lp.message, lp.fun if lp.fun is not None else np.nan
        )
        if lp.status == 0 and lp.x is not None:
            lp_bound, lp_x = float(lp.fun), lp.x
            if delta == 0.5:  # integral objective: round the bound up, allowing for LP tolerance
                lp_bound = float(math.ceil(lp_bound - min(0.25, max(1e-6, 1e-9 * abs(lp_bound)))))
            if improve is not None:
                incumbent = min(incumbent, improve(lp_x))
                logger.debug("LP rounded: incumbent %.8g", incumbent)
            mu = np.asarray(lp.lower.marginals, dtype=float)[:n_int]
            nu = np.asarray(lp.upper.marginals, dtype=float)[:n_int]
            gap = incumbent - lp_bound
            if gap <= _REL_TOL * max(abs(lp_bound), 1.0):
                return _Exact(None, lp_bound, "gap_limit", lp_x)
            support = (lp_x[:n_int] > 1e-6) | (mu <= SUPPORT_GAP_SHARE * gap)
            if narrow_support and support.sum() > 0.5 * n_int:
                support = (lp_x[:n_int] > 1e-6) | (mu <= _REL_TOL * scale)
            if keep_free is not None:
                support |= keep_free
            remaining = deadline - time.perf_counter()
            if support.sum() <= 0.5 * n_int and remaining > 0:
                ub = upper.copy()
                ub[:n_int][~support] = 0.0
                res = run_milp(ub, lower, 0.3 * remaining, cutoff=False)
                sub_run = True
                if res.x is not None and res.fun is not None and res.fun < incumbent:
                    incumbent, best_z = float(res.fun), res.x
            # f(z) ≥ f_LP + μ_j z_j (x_j at its lower bound, μ ≥ 0) and
            # f(z) ≥ f_LP + |ν_j| (1 − z_j) (at its upper bound, ν ≤ 0).
            margin = 1e-7 * scale
            at_zero = lp_bound + mu > incumbent + margin
            at_one = (lp_bound - nu > incumbent + margin) & ~at_zero
            if keep_free is not None:
                at_zero &= ~keep_free
                at_one &= ~keep_free
            upper[:n_int][at_zero] = 0.0
            lower[:n_int][at_one] = 1.0
            logger.debug("LP bound %.8g, incumbent %.8g: %d of %d binaries fixed", lp_bound,
                         incumbent, int(at_zero.sum() + at_one.sum()), n_int)  # fmt: skip
            if incumbent - lp_bound <= _REL_TOL * max(abs(lp_bound), 1.0):
                return _Exact(best_z, lp_bound, "gap_limit", lp_x)
    remaining = deadline - time.perf_counter()
    if remaining <= 0:
        return _Exact(best_z, lp_bound, "time_limit", lp_x)
    # The cutoff helps where the LP is far from integral (HiGHS's heuristics then find
    # better plans) and slows the easy instances a little: only there.
    res = run_milp(upper, lower, remaining, cutoff=not sub_run)
    dual = getattr(res, "mip_dual_bound", None)
    restricted = float(dual) if dual is not None and np.isfinite(dual) else -math.inf
    if res.x is not None and res.fun is not None and res.fun < incumbent:
        best_z = res.x
    status = {0: "gap_limit", 1: "time_limit"}.get(res.status, "error")
    if res.status == 2:  # nothing beats the incumbent: it is optimal
        restricted, status = incumbent, "gap_limit"
    # Solutions the fixings and the cutoff excluded are no better than the incumbent.
    return _Exact(best_z, max(lp_bound, min(restricted, incumbent)), status, lp_x)


def _gap(objective: float, bound: float) -> float:
    diff = abs(bound - objective)
    if diff <= _REL_TOL * max(abs(bound), abs(objective), 1.0):
        return 0.0
    return diff / abs(objective) if objective else math.inf


def _check_method(method: str) -> None:
    if method not in _METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {_METHODS}")


def _finish(problem: str, reduced: Reduced, a_full: sp.csr_array, w_full: np.ndarray,
            picked_reduced: np.ndarray, *, bound: float, method: str, status: str,
            start: float, costs_reduced, costs_full, hubs: _Hubs | None = None,
            requires: np.ndarray | None = None, k: int | None = None,
            budget: float | None = None) -> SitingSolution:  # fmt: skip
    """Rank the reduced selection, map it back to candidate positions and fill the solution.

    Raises RuntimeError if the plan breaks the budget, ``k`` or the hub rule
    (a bug, never the caller's input).
    """
    order, gains = _rank(reduced.matrix, reduced.weights, picked_reduced, costs_reduced, hubs)
    selected = reduced.columns[order]
    cost = float(costs_full[selected].sum()) if costs_full is not None else float(len(selected))
    if budget is not None and cost > budget * (1 + _REL_TOL):
        raise RuntimeError(f"internal error: the plan costs {cost!r}, above the budget {budget!r}")
    if k is not None and len(selected) > k:
        raise RuntimeError(f"internal error: {len(selected)} sites chosen, more than k = {k}")
    if requires is not None and not _Hubs(requires, a_full.shape[1]).valid(selected):
        raise RuntimeError("internal error: a chosen site lacks the hub it requires")
    covered = float(gains.sum())
    if problem == "mclp":
        objective = covered  # recomputed from the sites themselves
        bound = max(bound, objective)
    else:
        objective = float(costs_full[selected].sum()) if costs_full is not None \
            else float(len(selected))  # fmt: skip
        bound = min(bound, objective)
    gap = _gap(objective, bound)
    coverable_rows = np.diff(a_full.indptr) > 0
    positive = w_full > 0
    return SitingSolution(
        selected=selected, objective=objective, bound=float(bound), gap=gap, method=method,
        status="optimal" if gap == 0 else status, seconds=time.perf_counter() - start,
        gains=gains, covered_weight=covered,
        coverable_weight=float(w_full[coverable_rows & positive].sum()),
        total_weight=float(w_full[positive].sum()),
        uncoverable=np.flatnonzero(~coverable_rows & positive).astype(np.int64),
        problem=problem, cost=cost, budget=None if budget is None else float(budget),
        reduction={"demand": a_full.shape[0], "candidates": a_full.shape[1],
                   "nonzeros": int(a_full.nnz), "demand_reduced": reduced.matrix.shape[0],
                   "candidates_reduced": reduced.matrix.shape[1],
                   "nonzeros_reduced": int(reduced.matrix.nnz)},
    )  # fmt: skip


# --------------------------------------------------------------------------- MCLP


def solve_mclp(
    matrix,
    weights,
    *,
    k: int | None = None,
    costs=None,
    budget: float | None = None,
    time_limit_s: float = 60.0,
    method: str = "auto",
    mip_rel_gap: float = 0.0,
    requires=None,
) -> SitingSolution:
    """Maximal covering: the sites that cover the most weight within k sites or a budget.

    Parameters
    ----------
    matrix : scipy.sparse array or ndarray, shape (n_demand, n_candidates)
        1 where the candidate covers the demand point
        (:func:`~whitezone.siting.coverage_matrix`).
    weights : array-like, shape (n_demand,)
        Population (or 1 per village); non-positive weights never count.
    k : int, optional
        Most sites to build.
    costs : array-like, shape (n_candidates,), optional
        Cost of each candidate (default 1); used by ``budget`` and, when they
        differ, by greedy selection and the ranking (gain per unit cost).
    budget : float, optional
        Most total cost.  At least one of ``k`` and ``budget`` is required;
        both may be given.
    time_limit_s : float
        Wall-time limit for the whole call; HiGHS stops at it and the best
        plan found is returned with its proven gap.
    method : {"auto", "milp", "greedy"}
        ``"milp"``: exact (LP relaxation, reduced-cost fixing, HiGHS branch
        and cut).  ``"greedy"``: greedy then exchanges (one site out, one in,
        while it improves; cardinality only), with the LP relaxation's
        bound.  ``"auto"``: exact unless the reduced instance has more than
        :data:`AUTO_MILP_MAX_NNZ` nonzeros.
    mip_rel_gap : float
        Stop the exact solver once the relative gap is at most this.
    requires : array-like of int, shape (p, 2), optional
        The hub rule: pairs ``(j, h)`` of candidate positions meaning "j may
        be chosen only if h is chosen" (``x_j ≤ x_h``; a microwave relay
        site needs its hub).  Chains (j needs h, h needs g) work; a site and
        its hubs count together against ``k`` and ``budget``.  Default: no
        pairs (no rule, unchanged behaviour and speed).

    Returns
    -------
    SitingSolution
        ``selected`` ranked by marginal gain (hubs no later than the sites
        needing them), ``objective`` the covered weight, ``bound`` an upper
        bound on the optimum, ``cost`` the plan's total cost (never above
        ``budget``).

    Raises
    ------
    ValueError
        Neither ``k`` nor ``budget``, a negative ``k``, bad costs, an unknown
        method, or bad ``requires`` (not integers, not of shape (p, 2), a
        position out of range or a candidate requiring itself).

    Notes
    -----
    The greedy plan (improved by exchanges) is always computed first: it is
    cheap, it is the incumbent the exact method starts from, and a time
    limit that stops HiGHS early never returns less than it.
    """
    start = time.perf_counter()
    _check_method(method)
    if k is None and budget is None:
        raise ValueError("give k (number of sites) or budget (total cost), or both")
    if k is not None and k < 0:
        raise ValueError(f"k must be at least 0, got {k}")
    a_full = canonical_matrix(matrix)
    w_full = np.asarray(weights, dtype=float).reshape(-1)
    c_full = None if costs is None else np.asarray(costs, dtype=float).reshape(-1)
    if c_full is not None and (c_full.shape != (a_full.shape[1],) or (c_full <= 0).any()
                               or not np.isfinite(c_full).all()):  # fmt: skip
        raise ValueError("costs must be positive and finite, one per candidate")
    if budget is not None and c_full is None:
        c_full = np.ones(a_full.shape[1])
    pairs = check_requires(requires, a_full.shape[1])
    reduced = reduce_instance(a_full, w_full, costs=c_full, budget=budget, requires=pairs)
    a, w = reduced.matrix, reduced.weights
    c = reduced.costs if c_full is not None else None
    n, m = a.shape
    hubs = _Hubs.of(reduced.requires, m)
    c_all = reduced.costs  # ones when no costs

    def done(picked, *, bound, method, status):
        return _finish("mclp", reduced, a_full, w_full, picked, bound=bound, method=method,
                       status=status, start=start, costs_reduced=c, costs_full=c_full, hubs=hubs,
                       requires=pairs, k=k, budget=budget)  # fmt: skip

    def feasible(picked) -> bool:
        """Within k, the budget and the hub rule (HiGHS's solutions are checked, not trusted)."""
        return (k is None or len(picked) <= k) and \
            (budget is None or float(c_all[picked].sum()) <= budget * (1 + _REL_TOL)) and \
            (hubs is None or hubs.valid(picked))  # fmt: skip

    if n == 0 or k == 0:  # nothing any candidate can add
        return done(np.empty(0, np.int64), bound=0.0, method="trivial", status="optimal")
    if (k is None or m <= k) and (budget is None or c.sum() <= budget * (1 + _REL_TOL)):
        return done(np.arange(m), bound=float(w.sum()), method="trivial", status="optimal")

    deadline = start + time_limit_s
    g_pick, g_gain, g_bound = _greedy(a, w, k=k, costs=c, budget=budget, deadline=deadline,
                                      hubs=hubs)  # fmt: skip
    logger.debug("greedy: %.8g in %.2f s", float(g_gain.sum()), time.perf_counter() - start)
    if budget is None:  # exchanges keep the count of sites: improve greedy's plan
        g_pick = _swap(a, w, g_pick, deadline=min(deadline, start + 0.2 * time_limit_s),
                       hubs=hubs)  # fmt: skip
        g_gain = np.array([float(w[covered_rows(a, g_pick)].sum())])
        logger.debug("exchanges: %.8g at %.2f s", float(g_gain.sum()), time.perf_counter() - start)
    if budget is not None or hubs is not None:  # also try the best single site (with its hubs)
        single_pick, single_value = _best_group(a, w, hubs, c_all, k=k, budget=budget)
        if single_value > g_gain.sum():
            g_pick, g_gain = single_pick, np.array([single_value])
    # Khuller, Moss and Naor (1999) with a budget; Nemhauser, Wolsey and Fisher (1978) without.
    guarantee = 0.5 * (1 - 1 / math.e) if budget is not None else 1 - 1 / math.e
    g_value = float(g_gain.sum())
    if hubs is None:  # the guarantees assume no hub rule
        g_bound = min(g_bound, g_value / guarantee)
    g_bound = min(g_bound, float(w.sum()))

    # Minimisation form over z = (x, y): min -w·y, y - A x ≤ 0, Σx ≤ k, c·x ≤ budget.
    obj = np.r_[np.zeros(m), -w]
    blocks = [sp.hstack([-a.astype(float), sp.eye_array(n, format="csr")], format="csr")]
    rhs = [np.zeros(n)]
    if k is not None:
        blocks.append(sp.csr_array(np.r_[np.ones(m), np.zeros(n)][None, :]))
        rhs.append([float(k)])
    if budget is not None:
        blocks.append(sp.csr_array(np.r_[c, np.zeros(n)][None, :]))
        rhs.append([float(budget)])
    if hubs is not None:  # x_j - x_h ≤ 0
        blocks.append(hubs.rows(m, n))
        rhs.append(np.zeros(len(hubs.pairs)))
    a_ub, b_ub = sp.vstack(blocks, format="csr"), np.concatenate(rhs)
    best = {"picked": g_pick, "value": g_value}

    def round_with_hubs(order: np.ndarray) -> np.ndarray:
        """Take ``order``'s candidates in turn, each with its missing hubs, when they fit."""
        chosen, count, spent = np.zeros(m, dtype=bool), 0, 0.0
        for j in order.tolist():
            if chosen[j]:
                continue
            group = hubs.group(j, chosen)
            if k is not None and count + len(group) > k:
                continue
            if budget is not None and spent + c_all[group].sum() > budget * (1 + _REL_TOL):
                continue
            chosen[group] = True
            count += len(group)
            spent += float(c_all[group].sum())
        return np.flatnonzero(chosen)

    def prefix(order: np.ndarray) -> np.ndarray:
        """The longest start of ``order`` within k and the budget (with hubs: skipping misfits)."""
        if hubs is not None:
            return round_with_hubs(order)
        if budget is not None:
            fits = np.cumsum(c[order]) <= budget * (1 + _REL_TOL)
            order = order[: int(np.argmin(fits)) if not fits.all() else len(order)]
        return order[:k] if k is not None else order

    def improve(lp_x: np.ndarray) -> float:
        """Round the LP solution (largest x first, within k and budget); keep it if better.

        With a budget, also the sites at x = 1 completed greedily (gain per
        cost): rounding fractional sites by x alone is a poor knapsack rule.
        """
        order = np.argsort(-lp_x[:m], kind="stable")
        order = order[lp_x[:m][order] > 1e-6]
        plans = [prefix(order)]
        if budget is None:
            plans[0] = _swap(a, w, plans[0], hubs=hubs,
                             deadline=min(deadline, time.perf_counter() + 0.1 * time_limit_s))  # fmt: skip
        else:
            whole = prefix(order[lp_x[:m][order] >= 1 - 1e-6])
            filled, _, _ = _greedy(a, w, k=k, costs=c, budget=budget, hubs=hubs, start=whole,
                                   deadline=deadline)  # fmt: skip
            plans.append(filled)
        for picked in plans:
            value = float(w[covered_rows(a, picked)].sum())
            if value > best["value"] and feasible(picked):
                best.update(picked=picked, value=value)
        return -best["value"]

    if method == "milp" or (method == "auto" and a.nnz <= AUTO_MILP_MAX_NNZ):
        ex = _exact(obj, a_ub, b_ub, m, incumbent=-g_value, deadline=deadline,
                    mip_rel_gap=mip_rel_gap, improve=improve,
                    keep_free=None if hubs is None else hubs.paired,
                    narrow_support=budget is not None)  # fmt: skip
        bound = min(g_bound, -ex.lower_bound)
        method_used = "greedy" if best["picked"] is g_pick else "milp"
        if ex.x is not None:
            picked = np.flatnonzero(ex.x[:m] > 0.5)
            if feasible(picked) and \
                    float(w[covered_rows(a, picked)].sum()) >= best["value"] * (1 - _REL_TOL):  # fmt: skip
                best["picked"], method_used = picked, "milp"
        return done(best["picked"], bound=bound, method=method_used, status=ex.status)
    bound = g_bound
    if a.nnz <= LP_BOUND_MAX_NNZ and deadline > time.perf_counter():
        lp = linprog(obj, A_ub=a_ub, b_ub=b_ub, bounds=(0.0, 1.0), method="highs-ipm",
                     options={"time_limit": deadline - time.perf_counter()})  # fmt: skip
        if lp.status == 0 and lp.fun is not None:
            bound = min(bound, -float(lp.fun) * (1 + 1e-9))
    return done(g_pick, bound=bound, method="greedy", status="heuristic")


# --------------------------------------------------------------------------- set cover


def solve_set_cover(
    matrix,
    weights,
    *,
    target_share: float = 1.0,
    costs=None,
    time_limit_s: float = 60.0,
    method: str = "auto",
    mip_rel_gap: float = 0.0,
    requires=None,
) -> SitingSolution:
    """Set covering: the fewest (or cheapest) sites covering a share of the coverable weight.

    Parameters
    ----------
    matrix : scipy.sparse array or ndarray, shape (n_demand, n_candidates)
    weights : array-like, shape (n_demand,)
    target_share : float
        Share in (0, 1] of the *coverable* weight to cover (demand no
        candidate covers is reported in ``uncoverable``, not required).
    costs : array-like, optional
        Minimise the total cost instead of the number of sites.
    time_limit_s, method, mip_rel_gap
        As :func:`solve_mclp`.
    requires : array-like of int, shape (p, 2), optional
        The hub rule, as :func:`solve_mclp`: pairs ``(j, h)``, j may be
        chosen only if h is; a hub counts in the objective like any site.

    Returns
    -------
    SitingSolution
        ``objective`` the number of sites (or their cost), ``bound`` a lower
        bound on the fewest possible, ``covered_weight`` at least
        ``target_share × coverable_weight``.

    Raises
    ------
    ValueError
        A target share outside (0, 1], bad costs, an unknown method or bad
        ``requires``.
    """
    start = time.perf_counter()
    _check_method(method)
    if not 0 < target_share <= 1:
        raise ValueError(f"target_share must be in (0, 1], got {target_share}")
    a_full = canonical_matrix(matrix)
    w_full = np.asarray(weights, dtype=float).reshape(-1)
    c_full = None if costs is None else np.asarray(costs, dtype=float).reshape(-1)
    if c_full is not None and (c_full.shape != (a_full.shape[1],) or (c_full <= 0).any()):
        raise ValueError("costs must be positive, one per candidate")
    pairs = check_requires(requires, a_full.shape[1])
    reduced = reduce_instance(a_full, w_full, costs=c_full, requires=pairs)
    a, w, c = reduced.matrix, reduced.weights, reduced.costs
    n, m = a.shape
    hubs = _Hubs.of(reduced.requires, m)
    target = target_share * float(w.sum())
    tol = _REL_TOL * max(float(w.sum()), 1.0)
    integer_objective = c_full is None or np.allclose(c_full, np.round(c_full))

    def done(picked, *, bound, method, status):
        bound = max(bound, 0.0)  # costs are positive; -inf when nothing was proven
        if integer_objective:
            bound = math.ceil(bound - 1e-6)
        return _finish("set_cover", reduced, a_full, w_full, picked, bound=bound, method=method,
                       status=status, start=start, costs_reduced=None if c_full is None else c,
                       costs_full=c_full, hubs=hubs, requires=pairs)  # fmt: skip

    if n == 0:
        return done(np.empty(0, np.int64), bound=0.0, method="trivial", status="optimal")
    deadline = start + time_limit_s
    g_pick, _, _ = _greedy(a, w, k=None, costs=None if c_full is None else c, budget=None,
                           target=target, hubs=hubs)  # fmt: skip
    g_cost = float(c[g_pick].sum())
    if target_share >= 1:  # every coverable point: A x ≥ 1
        obj = c.copy()
        a_ub, b_ub = -a.astype(float), -np.ones(n)
        n_y = 0
    else:  # y - A x ≤ 0, -w·y ≤ -target
        obj = np.r_[c, np.zeros(n)]
        a_ub = sp.vstack([sp.hstack([-a.astype(float), sp.eye_array(n, format="csr")]),
                          sp.csr_array(np.r_[np.zeros(m), -w][None, :])], format="csr")  # fmt: skip
        b_ub = np.r_[np.zeros(n), -(target - tol)]
        n_y = n
    if hubs is not None:  # x_j - x_h ≤ 0
        a_ub = sp.vstack([a_ub, hubs.rows(m, n_y)], format="csr")
        b_ub = np.r_[b_ub, np.zeros(len(hubs.pairs))]
    if method == "milp" or (method == "auto" and a.nnz <= AUTO_MILP_MAX_NNZ):
        ex = _exact(obj, a_ub, b_ub, m, incumbent=g_cost, deadline=deadline,
                    mip_rel_gap=mip_rel_gap,
                    keep_free=None if hubs is None else hubs.paired)  # fmt: skip
        if ex.x is not None:
            picked = np.flatnonzero(ex.x[:m] > 0.5)
            if (hubs is None or hubs.valid(picked)) and \
                    float(c[picked].sum()) <= g_cost + _REL_TOL * max(g_cost, 1.0):  # fmt: skip
                return done(picked, bound=ex.lower_bound, method="milp", status=ex.status)
        return done(g_pick, bound=ex.lower_bound, method="greedy", status=ex.status)
    bound = 0.0
    if a.nnz <= LP_BOUND_MAX_NNZ and deadline > time.perf_counter():
        lp = linprog(obj, A_ub=a_ub, b_ub=b_ub, bounds=(0.0, 1.0), method="highs-ipm",
                     options={"time_limit": deadline - time.perf_counter()})  # fmt: skip
        if lp.status == 0 and lp.fun is not None:
            bound = float(lp.fun) * (1 - 1e-9)
    return done(g_pick, bound=bound, method="greedy", status="heuristic")
