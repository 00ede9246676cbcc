"""Siting with money: budgeted MCLP, cost-weighted set cover and the hub rule (``requires``).

Every exact answer is checked against brute force over all subsets (tiny
instances) or against a plain ``scipy.optimize.milp`` model written here.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from whitezone.siting import reduce_instance, solve_mclp, solve_set_cover

METHODS = ("milp", "greedy", "auto")


# --------------------------------------------------------------------------- brute force


def subsets(m: int) -> np.ndarray:
    """Every subset of m candidates as a (2^m, m) boolean array."""
    return ((np.arange(2**m)[:, None] >> np.arange(m)) & 1).astype(bool)


def pairs_ok(s: np.ndarray, requires) -> np.ndarray:
    """Which subsets (rows of s) respect every pair (j, h): j only with h."""
    ok = np.ones(len(s), dtype=bool)
    for j, h in np.asarray(requires if requires is not None else [], dtype=int).reshape(-1, 2):
        ok &= ~s[:, j] | s[:, h]
    return ok


def brute_mclp(a, w, *, k=None, costs=None, budget=None, requires=None) -> float:
    a = np.asarray(a, dtype=float)
    m = a.shape[1]
    s = subsets(m)
    ok = pairs_ok(s, requires)
    if k is not None:
        ok &= s.sum(axis=1) <= k
    if budget is not None:
        ok &= s @ np.asarray(costs, float) <= budget + 1e-9
    covered = (s[ok].astype(float) @ a.T) > 0
    return float((covered @ np.asarray(w, float)).max())


def brute_set_cover(a, w, *, costs=None, requires=None) -> float:
    """Cheapest subset covering every coverable point of positive weight."""
    a = np.asarray(a, dtype=float)
    m = a.shape[1]
    c = np.ones(m) if costs is None else np.asarray(costs, float)
    need = (a.sum(axis=1) > 0) & (np.asarray(w) > 0)
    s = subsets(m)
    covered = (s.astype(float) @ a.T) > 0
    ok = pairs_ok(s, requires) & covered[:, need].all(axis=1)
    return float((s[ok] @ c).min())


def covered(a, w, selected) -> float:
    a = np.asarray(a.toarray() if sp.issparse(a) else a)
    sel = list(np.asarray(selected, dtype=int))
    return float(w[a[:, sel].sum(axis=1) > 0].sum()) if sel else 0.0


def respects(selected, requires) -> bool:
    chosen = set(np.asarray(selected, dtype=int).tolist())
    return all(h in chosen for j, h in np.asarray(requires).reshape(-1, 2).tolist() if j in chosen)


def hubs_first(selected, requires) -> bool:
    """Each chosen hub is ranked before the chosen sites needing it (pairs without a cycle)."""
    rank = {j: r for r, j in enumerate(np.asarray(selected, dtype=int).tolist())}
    return all(rank[h] < rank[j] for j, h in np.asarray(requires).tolist() if j in rank)


def acyclic(requires) -> bool:
    edges = {tuple(e) for e in np.asarray(requires).tolist()}
    while edges:
        sinks = {h for _, h in edges} - {j for j, _ in edges}
        if not sinks:
            return False
        edges = {(j, h) for j, h in edges if h not in sinks}
    return True


def random_instance(seed, n, m, density):
    rng = np.random.default_rng(seed)
    a = (rng.random((n, m)) < density).astype(np.int8)
    w = rng.integers(0, 20, n).astype(float)
    return a, w, rng


def random_pairs(rng, m, p):
    """p pairs (j, h), j != h, possibly forming chains (and cycles)."""
    j = rng.integers(0, m, p)
    h = (j + rng.integers(1, m, p)) % m
    return np.column_stack([j, h])


small = st.tuples(
    st.integers(1, 16),  # demand points
    st.integers(2, 12),  # candidates
    st.floats(0.1, 0.6),  # density
    st.integers(0, 2**31 - 1),  # seed
)


# --------------------------------------------------------------------------- (a) budgeted MCLP


@settings(max_examples=40, deadline=None)
@given(small, st.floats(0.05, 0.8))
def test_budgeted_mclp_equals_brute_force(params, share):
    n, m, density, seed = params
    a, w, rng = random_instance(seed, n, m, density)
    costs = np.round(rng.lognormal(0.0, 0.6, m), 3)
    budget = float(share * costs.sum())
    best = brute_mclp(a, w, costs=costs, budget=budget)
    exact = solve_mclp(a, w, k=None, costs=costs, budget=budget, method="milp")
    assert exact.objective == pytest.approx(best, abs=1e-9)
    assert covered(a, w, exact.selected) == pytest.approx(exact.objective)
    assert exact.bound >= best - 1e-9
    assert exact.cost == pytest.approx(costs[exact.selected].sum())
    assert exact.cost <= budget * (1 + 1e-9) and exact.budget == budget
    greedy = solve_mclp(a, w, k=None, costs=costs, budget=budget, method="greedy")
    assert greedy.objective <= best + 1e-9
    assert greedy.cost <= budget * (1 + 1e-9)
    assert greedy.bound >= best - 1e-9


def test_budget_with_unit_costs_and_k():
    a, w, rng = random_instance(5, 14, 9, 0.3)
    for budget in (0.5, 1.0, 2.5, 4.0):
        s = solve_mclp(a, w, budget=budget, method="milp")  # costs default to 1
        assert s.objective == pytest.approx(brute_mclp(a, w, costs=np.ones(9), budget=budget))
        assert s.cost == len(s.selected) <= budget
    costs = rng.integers(1, 6, 9).astype(float)
    both = solve_mclp(a, w, k=2, costs=costs, budget=7.0, method="milp")
    assert both.objective == pytest.approx(brute_mclp(a, w, k=2, costs=costs, budget=7.0))
    assert len(both.selected) <= 2 and both.cost <= 7.0


# --------------------------------------------------------------------------- (b) against a plain MILP


def plain_milp(a: np.ndarray, w: np.ndarray, costs: np.ndarray, budget: float) -> float:
    """The knapsack MCLP written directly: max w·y, y_i ≤ Σ_j a_ij x_j, c·x ≤ B."""
    n, m = a.shape
    obj = np.r_[np.zeros(m), -w]
    cover = sp.hstack([-sp.csr_array(a.astype(float)), sp.eye_array(n)], format="csr")
    money = sp.csr_array(np.r_[costs, np.zeros(n)][None, :])
    res = milp(obj, integrality=np.r_[np.ones(m), np.zeros(n)], bounds=Bounds(0, 1),
               constraints=[LinearConstraint(cover, -np.inf, 0.0),
                            LinearConstraint(money, -np.inf, budget)],
               options={"mip_rel_gap": 0.0})  # fmt: skip
    assert res.status == 0, res.message
    return -float(res.fun)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_budgeted_mclp_equals_a_plain_milp(seed):
    rng = np.random.default_rng(100 + seed)
    n, m = 200, 60
    a = (rng.random((n, m)) < 0.04).astype(np.int8)
    w = np.round(rng.lognormal(4.0, 1.0, n))
    costs = np.round(rng.lognormal(np.log(80.0), 0.5, m), 1)
    budget = float(rng.uniform(0.1, 0.3) * costs.sum())
    theirs = plain_milp(a, w, costs, budget)
    ours = solve_mclp(sp.csr_array(a), w, k=None, costs=costs, budget=budget, method="milp")
    assert ours.status == "optimal"
    assert ours.objective == pytest.approx(theirs, rel=1e-6)
    assert covered(a, w, ours.selected) == pytest.approx(ours.objective)
    assert ours.cost <= budget * (1 + 1e-9)


# --------------------------------------------------------------------------- (c) never above budget


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**31 - 1),
    st.lists(st.floats(0.01, 1e6), min_size=2, max_size=25),
    st.floats(0.0, 1.5),
    st.booleans(),
)
def test_budget_is_never_exceeded(seed, costs, share, with_pairs):
    costs = np.asarray(costs)
    m = len(costs)
    a, w, rng = random_instance(seed, 30, m, 0.15)
    budget = float(share * costs.sum())
    requires = random_pairs(rng, m, max(1, m // 4)) if with_pairs else None
    for method in METHODS:
        s = solve_mclp(a, w, costs=costs, budget=budget, method=method, requires=requires)
        assert s.cost == pytest.approx(costs[s.selected].sum(), rel=1e-12)
        assert s.cost <= budget * (1 + 1e-9)
        assert len(set(s.selected.tolist())) == len(s.selected)
        if with_pairs:
            assert respects(s.selected, requires)


def test_the_plan_is_checked_against_the_budget():
    from whitezone.siting.solve import _finish

    a = np.eye(3, dtype=np.int8)
    w = np.ones(3)
    reduced = reduce_instance(a, w)
    with pytest.raises(RuntimeError, match="budget"):
        _finish("mclp", reduced, sp.csr_array(a), w, np.arange(3), bound=3.0, method="milp",
                status="optimal", start=0.0, costs_reduced=None, costs_full=np.ones(3),
                budget=2.0)  # fmt: skip
    with pytest.raises(RuntimeError, match="hub"):
        _finish("mclp", reduced, sp.csr_array(a), w, np.array([0]), bound=3.0, method="milp",
                status="optimal", start=0.0, costs_reduced=None, costs_full=None,
                requires=np.array([[0, 1]]))  # fmt: skip


# --------------------------------------------------------------------------- (d) the hub rule

# C0 covers d0-d3 (40 people) but needs the hub C1 (covers nothing, dear); C2 covers
# d4, d5 (20); C3 covers d6 (10).
#               C0 C1 C2 C3
HUB = np.array([[1, 0, 0, 0],
                [1, 0, 0, 0],
                [1, 0, 0, 0],
                [1, 0, 0, 0],
                [0, 0, 1, 0],
                [0, 0, 1, 0],
                [0, 0, 0, 1]], dtype=np.int8)  # fmt: skip
HUB_W = np.full(7, 10.0)
HUB_COSTS = np.array([1.0, 10.0, 1.0, 1.0])


@pytest.mark.parametrize("method", METHODS)
def test_the_best_site_needs_a_dear_hub(method):
    free = solve_mclp(HUB, HUB_W, costs=HUB_COSTS, budget=5.0, method=method)
    assert free.objective == 70.0 and sorted(free.selected.tolist()) == [0, 2, 3]
    ruled = solve_mclp(HUB, HUB_W, costs=HUB_COSTS, budget=5.0, method=method,
                       requires=[[0, 1]])  # fmt: skip
    assert ruled.objective == 30.0 and sorted(ruled.selected.tolist()) == [2, 3]
    assert ruled.cost == 2.0
    # With enough money the hub is built, before C0, and kept although it covers nobody;
    # ranked per unit cost, C2 comes first.  (Greedy: C2 + C3 leave too little for C0 and
    # its hub, and C0 with its hub alone covers 40.)
    rich = solve_mclp(HUB, HUB_W, costs=HUB_COSTS, budget=12.0, method=method, requires=[[0, 1]])
    if method == "greedy":
        assert rich.objective == 40.0 and rich.selected.tolist() == [1, 0]
    else:
        assert rich.objective == 60.0 and rich.cost == 12.0
        assert rich.selected.tolist() == [2, 1, 0] and rich.gains.tolist() == [20.0, 0.0, 40.0]
    # Cardinality: C0 and its hub are two sites.
    one = solve_mclp(HUB, HUB_W, k=1, method=method, requires=[[0, 1]])
    assert one.selected.tolist() == [2] and one.objective == 20.0
    two = solve_mclp(HUB, HUB_W, k=2, method=method, requires=[[0, 1]])
    assert two.objective == 40.0 and two.selected.tolist() == [1, 0]


def test_hub_chain_and_unaffordable_hub_in_the_reduction():
    # C0 needs C1, C1 needs C2: C0 costs 1 + 2 + 4 in all.
    a = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=np.int8)
    w = np.array([10.0, 1.0, 1.0, 2.0])
    costs = np.array([1.0, 2.0, 4.0, 1.0])
    chain = [[0, 1], [1, 2]]
    red = reduce_instance(a, w, costs=costs, budget=6.0, requires=chain)
    assert 0 not in red.columns.tolist()  # 7 > 6 with its hubs
    assert 1 in red.columns.tolist() and 2 in red.columns.tolist()  # C1 + C2 cost 6
    for method in METHODS:
        s = solve_mclp(a, w, costs=costs, budget=7.0, method=method, requires=chain)
        assert sorted(s.selected.tolist()) == [0, 1, 2] and s.objective == 12.0
        assert s.selected.tolist().index(2) < s.selected.tolist().index(1) \
            < s.selected.tolist().index(0)  # fmt: skip
        s = solve_mclp(a, w, costs=costs, budget=6.0, method=method, requires=chain)
        assert s.objective == brute_mclp(a, w, costs=costs, budget=6.0, requires=chain) == 3.0
    # Without a budget dropping it, a hub is never removed as dominated or identical.
    dup = np.array([[1, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=np.int8)  # C0 within C1
    assert reduce_instance(dup, np.ones(3)).columns.tolist() == [1, 2]
    red = reduce_instance(dup, np.ones(3), requires=[[2, 0]])
    assert red.columns.tolist() == [0, 1, 2] and red.requires.tolist() == [[2, 0]]
    same = np.array([[1, 1], [1, 1]], dtype=np.int8)  # identical candidates
    assert reduce_instance(same, np.ones(2)).columns.tolist() == [0]
    red = reduce_instance(same, np.ones(2), requires=[[0, 1]])
    assert red.columns.tolist() == [0, 1] and red.requires.tolist() == [[0, 1]]
    # A dependant never dominates: C1 needs dear C2, so C0 (within C1) must stay.
    red = reduce_instance(dup, np.ones(3), costs=[1.0, 1.0, 9.0], requires=[[1, 2]])
    assert red.columns.tolist() == [0, 1, 2]


@settings(max_examples=60, deadline=None)
@given(small, st.integers(1, 6), st.one_of(st.none(), st.integers(1, 5)), st.floats(0.1, 0.9))
def test_hub_rule_equals_brute_force(params, p, k, share):
    n, m, density, seed = params
    a, w, rng = random_instance(seed, n, m, density)
    requires = random_pairs(rng, m, p)
    costs = np.round(rng.lognormal(0.0, 0.6, m), 3)
    budget = float(share * costs.sum()) if k is None or rng.random() < 0.5 else None
    use_costs = costs if budget is not None else None
    best = brute_mclp(a, w, k=k, costs=costs, budget=budget, requires=requires)
    exact = solve_mclp(a, w, k=k, costs=use_costs, budget=budget, method="milp",
                       requires=requires)  # fmt: skip
    assert exact.objective == pytest.approx(best, abs=1e-9)
    assert exact.bound >= best - 1e-9
    for s in (exact, solve_mclp(a, w, k=k, costs=use_costs, budget=budget, method="greedy",
                                requires=requires)):  # fmt: skip
        assert respects(s.selected, requires)
        assert covered(a, w, s.selected) == pytest.approx(s.objective)
        assert s.objective <= best + 1e-9 and s.bound >= best - 1e-9
        if k is not None:
            assert len(s.selected) <= k
        if budget is not None:
            assert s.cost <= budget * (1 + 1e-9)
        if acyclic(requires):  # hubs are ranked before the sites that need them
            assert hubs_first(s.selected, requires)


def test_greedy_values_a_site_with_its_hub():
    from whitezone.siting.solve import _greedy, _Hubs

    # C0 (gain 40) needs C1 (gain 5); C2 gains 30.  k = 2: greedy must not take C0 first
    # and then find no room for its hub.
    a = np.zeros((9, 3), dtype=np.int8)
    a[:4, 0] = 1
    a[4, 1] = 1
    a[5:8, 2] = 1
    w = np.r_[np.full(4, 10.0), 5.0, np.full(3, 10.0), 0.0]
    hubs = _Hubs(np.array([[0, 1]]), 3)
    picked, gains, _ = _greedy(sp.csr_array(a), w, k=2, costs=None, budget=None, hubs=hubs)
    assert picked.tolist() == [2, 1] and gains.tolist() == [30.0, 5.0]  # 45 / 2 sites < 30
    picked, gains, _ = _greedy(sp.csr_array(a), w, k=3, costs=None, budget=None, hubs=hubs)
    assert picked.tolist() == [2, 1, 0] and gains.tolist() == [30.0, 5.0, 40.0]
    # Exchanges never add C0 (it needs a hub); the best single site with its hub (45) wins.
    s = solve_mclp(a, w, k=2, method="greedy", requires=[[0, 1]])
    assert s.selected.tolist() == [1, 0] and s.objective == 45.0


def test_ranking_keeps_a_hub_whose_dependant_stays():
    # C1 (hub) covers d0, d1, which C0 and C2 cover too: without the rule C1 would be
    # left out as useless.
    a = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 0], [0, 0, 1]], dtype=np.int8)
    w = np.ones(4)
    s = solve_mclp(a, w, k=3, method="milp")
    assert sorted(s.selected.tolist()) == [0, 2]
    ruled = solve_mclp(a, w, k=3, method="milp", requires=[[2, 1]])
    assert sorted(ruled.selected.tolist()) == [0, 1, 2] and ruled.objective == 4.0
    assert ruled.selected.tolist().index(1) < ruled.selected.tolist().index(2)


def test_no_pairs_changes_nothing():
    a, w, rng = random_instance(7, 40, 12, 0.2)
    costs = rng.integers(1, 9, 12).astype(float)
    for kw in ({"k": 3}, {"costs": costs, "budget": 12.0}):
        base = solve_mclp(a, w, method="milp", **kw)
        for empty in (None, [], np.empty((0, 2), np.int64)):
            same = solve_mclp(a, w, method="milp", requires=empty, **kw)
            assert same.selected.tolist() == base.selected.tolist()
            assert same.objective == base.objective


# --------------------------------------------------------------------------- (e) set cover


@settings(max_examples=50, deadline=None)
@given(small, st.integers(0, 5))
def test_cost_weighted_set_cover_equals_brute_force(params, p):
    n, m, density, seed = params
    a, w, rng = random_instance(seed, n, m, density)
    costs = np.round(rng.lognormal(0.0, 0.8, m), 3)
    requires = random_pairs(rng, m, p) if p else None
    best = brute_set_cover(a, w, costs=costs, requires=requires)
    for method in ("milp", "greedy"):
        s = solve_set_cover(a, w, costs=costs, method=method, requires=requires)
        assert s.cost == pytest.approx(costs[s.selected].sum())
        assert s.objective == pytest.approx(s.cost)
        assert covered(a, w, s.selected) == pytest.approx(s.coverable_weight)
        assert s.bound <= best + 1e-9
        if requires is not None:
            assert respects(s.selected, requires)
        if method == "milp":
            assert s.objective == pytest.approx(best, rel=1e-9, abs=1e-9)
        else:
            assert s.objective >= best - 1e-9
    unit = solve_set_cover(a, w, method="milp", requires=requires)
    assert unit.objective == brute_set_cover(a, w, requires=requires)
    assert unit.cost == len(unit.selected) == unit.objective


def test_set_cover_with_a_hub_by_hand():
    # Covering everything needs C0 (only it covers d0-d3); C0 needs the hub C1.
    s = solve_set_cover(HUB, HUB_W, costs=HUB_COSTS, requires=[[0, 1]])
    assert sorted(s.selected.tolist()) == [0, 1, 2, 3] and s.objective == 13.0
    assert s.selected.tolist().index(1) < s.selected.tolist().index(0)
    half = solve_set_cover(HUB, HUB_W, costs=HUB_COSTS, target_share=3 / 7, requires=[[0, 1]])
    assert sorted(half.selected.tolist()) == [2, 3] and half.objective == 2.0


# --------------------------------------------------------------------------- (f) bad requires


@pytest.mark.parametrize(
    "bad, message",
    [
        ([0, 1], "shape"),
        ([[0, 1, 2]], "shape"),
        ([[[0, 1]]], "shape"),
        ([[0, 4]], "range|\\[0, 4\\)"),
        ([[-1, 2]], "range|\\[0, 4\\)"),
        ([[2, 2]], "itself"),
        ([[0.0, 1.0]], "integer"),
        ([[True, False]], "integer"),
        ([["a", "b"]], "integer"),
        ([[0, 1], [2]], "requires"),
    ],
)
def test_bad_requires_raise(bad, message):
    for call in (
        lambda: solve_mclp(HUB, HUB_W, k=2, requires=bad),
        lambda: solve_mclp(HUB, HUB_W, costs=HUB_COSTS, budget=3.0, requires=bad),
        lambda: solve_set_cover(HUB, HUB_W, requires=bad),
        lambda: reduce_instance(HUB, HUB_W, requires=bad),
    ):
        with pytest.raises(ValueError, match=message):
            call()


def test_hub_cycle_means_both_or_neither():
    a = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.int8)
    w = np.array([10.0, 1.0, 6.0])
    for method in METHODS:
        s = solve_mclp(a, w, k=2, method=method, requires=[[0, 1], [1, 0]])
        assert sorted(s.selected.tolist()) == [0, 1] and s.objective == 11.0
        s = solve_mclp(a, w, k=1, method=method, requires=[[0, 1], [1, 0]])
        assert s.selected.tolist() == [2]


def test_pairs_over_many_candidates_agree_across_methods():
    rng = np.random.default_rng(11)
    n, m = 300, 80
    a = sp.csr_array((rng.random((n, m)) < 0.05).astype(np.int8))
    w = np.round(rng.lognormal(4.0, 1.0, n))
    costs = np.round(rng.lognormal(np.log(80.0), 0.4, m))
    requires = np.column_stack([np.arange(40), 40 + rng.integers(0, 10, 40)])  # 10 hubs
    budget = 0.15 * costs.sum()
    exact = solve_mclp(a, w, costs=costs, budget=budget, method="milp", requires=requires)
    greedy = solve_mclp(a, w, costs=costs, budget=budget, method="greedy", requires=requires)
    assert exact.status == "optimal"
    assert respects(exact.selected, requires) and respects(greedy.selected, requires)
    assert greedy.objective <= exact.objective + 1e-6
    assert max(exact.cost, greedy.cost) <= budget * (1 + 1e-9)
    # The same model written directly, with the pair rows.
    obj = np.r_[np.zeros(m), -w]
    cover = sp.hstack([-a.astype(float), sp.eye_array(n)], format="csr")
    pair_rows = sp.csr_array((np.tile([1.0, -1.0], 40), (np.repeat(np.arange(40), 2),
                              requires.ravel())), shape=(40, m + n))  # fmt: skip
    money = sp.csr_array(np.r_[costs, np.zeros(n)][None, :])
    res = milp(obj, integrality=np.r_[np.ones(m), np.zeros(n)], bounds=Bounds(0, 1),
               constraints=[LinearConstraint(cover, -np.inf, 0.0),
                            LinearConstraint(pair_rows, -np.inf, 0.0),
                            LinearConstraint(money, -np.inf, budget)])  # fmt: skip
    assert exact.objective == pytest.approx(-res.fun, rel=1e-6)
