"""Site selection: candidates, coverage matrix, MCLP / set cover solvers, ranking, plan."""

import itertools
import math
import time
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS
from scipy.spatial.distance import cdist

from whitezone.dem import Dem
from whitezone.errors import InputError
from whitezone.models import RadiusModel
from whitezone.siting import (
    as_sites,
    coverage_matrix,
    from_file,
    from_grid,
    from_hilltops,
    from_villages,
    make_candidates,
    plan_sites,
    priority_table,
    reduce_instance,
    solve_mclp,
    solve_set_cover,
)

UTM48 = CRS.from_epsg(32648)
X0, Y0 = 500_000.0, 2_320_000.0

# Six demand points, three candidates.  Greedy takes C0 (4 points) and then
# gains 1; the optimum for two sites is C1 + C2 (all 6).
#            d0 d1 d2 d3 d4 d5
TRAP = np.array([
    [0, 1, 1, 0, 1, 1],   # C0
    [1, 1, 1, 0, 0, 0],   # C1
    [0, 0, 0, 1, 1, 1],   # C2
]).T  # fmt: skip


def brute_mclp(a, w, k=None, costs=None, budget=None):
    """Best covered weight over every subset (tiny instances only)."""
    a = np.asarray(a)
    m = a.shape[1]
    costs = np.ones(m) if costs is None else np.asarray(costs, float)
    best = 0.0
    for r in range(m + 1):
        if k is not None and r > k:
            break
        for s in itertools.combinations(range(m), r):
            if budget is not None and costs[list(s)].sum() > budget + 1e-9:
                continue
            best = max(best, float(w[a[:, list(s)].sum(axis=1) > 0].sum()))
    return best


def covered_weight(a, w, selected):
    a = np.asarray(a.todense() if sp.issparse(a) else a)
    return float(w[a[:, list(selected)].sum(axis=1) > 0].sum()) if len(selected) else 0.0


# --------------------------------------------------------------------------- hand instances


def test_hand_instance_k1_k2_by_hand():
    # C0 covers d0, d1 (11); C1 covers d1, d2, d3 (3); C2 covers d3, d4 (10).
    a = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1]])
    w = np.array([10.0, 1.0, 1.0, 1.0, 9.0])
    for method in ("milp", "greedy", "auto"):
        one = solve_mclp(a, w, k=1, method=method)
        assert one.selected.tolist() == [0] and one.objective == 11.0
        two = solve_mclp(a, w, k=2, method=method)
        assert two.selected.tolist() == [0, 2] and two.objective == 21.0
        assert two.gains.tolist() == [11.0, 10.0]
        assert two.status == "optimal" and two.gap == 0.0 and two.bound == 21.0
    three = solve_mclp(a, w, k=3)
    assert three.objective == 22.0 and three.selected.tolist() == [0, 2, 1]


def test_exact_and_exchanges_escape_the_greedy_trap():
    w = np.ones(6)
    exact = solve_mclp(TRAP, w, k=2, method="milp")
    assert exact.objective == 6.0 and sorted(exact.selected.tolist()) == [1, 2]
    assert exact.status == "optimal" and exact.bound == 6.0
    # Pure greedy takes C0 first and ends at 5; its exchange step (drop C0, add C2) reaches 6.
    from whitezone.siting.solve import _greedy, _swap

    picked, gains, _ = _greedy(sp.csr_array(TRAP), w, k=2, costs=None, budget=None)
    assert picked[0] == 0 and gains.sum() == 5.0
    assert sorted(_swap(sp.csr_array(TRAP), w, picked, deadline=time.perf_counter() + 5)) == [1, 2]
    greedy = solve_mclp(TRAP, w, k=2, method="greedy")
    assert greedy.objective == 6.0 and greedy.bound >= 6.0 and greedy.ratio <= 1.0


def test_budget_with_costs():
    w = np.ones(6)
    costs = np.array([1.0, 2.0, 2.0])
    # Budget 3: C1 + C2 costs 4; C0 + either other covers 5.
    s3 = solve_mclp(TRAP, w, costs=costs, budget=3.0)
    assert s3.objective == 5.0 and costs[s3.selected].sum() <= 3.0 and 0 in s3.selected
    s4 = solve_mclp(TRAP, w, costs=costs, budget=4.0)
    assert s4.objective == 6.0 and sorted(s4.selected.tolist()) == [1, 2]
    # Budget and k together: k=1 within budget 4 -> C0 alone.
    both = solve_mclp(TRAP, w, k=1, costs=costs, budget=4.0)
    assert both.selected.tolist() == [0] and both.objective == 4.0
    # Nothing affordable.
    none = solve_mclp(TRAP, w, costs=costs, budget=0.5)
    assert len(none.selected) == 0 and none.objective == 0.0


def test_set_cover_minimum_and_uncoverable():
    a = np.vstack([TRAP, [0, 0, 0]])  # d6: no candidate reaches it
    w = np.r_[np.ones(6), 5.0]
    full = solve_set_cover(a, w)
    assert full.objective == 2 and sorted(full.selected.tolist()) == [1, 2]
    assert full.uncoverable.tolist() == [6]
    assert full.coverable_weight == 6.0 and full.total_weight == 11.0
    assert full.covered_weight == 6.0 and full.status == "optimal"
    half = solve_set_cover(a, w, target_share=0.6)  # 3.6 of 6: only C0 (4) alone
    assert half.objective == 1 and half.selected.tolist() == [0]
    costly = solve_set_cover(a, w, costs=[5.0, 1.0, 1.0])
    assert costly.objective == 2.0 and sorted(costly.selected.tolist()) == [1, 2]
    assert solve_set_cover(a, w, costs=[1.0, 3.0, 3.0]).objective == 6.0  # C1 + C2 still needed


def test_empty_and_degenerate_instances():
    empty = solve_mclp(sp.csr_array((0, 3), dtype=np.int8), np.empty(0), k=2)
    assert len(empty.selected) == 0 and empty.objective == 0.0 and empty.status == "optimal"
    none = solve_mclp(sp.csr_array((4, 0), dtype=np.int8), np.ones(4), k=2)
    assert len(none.selected) == 0 and none.uncoverable.tolist() == [0, 1, 2, 3]
    zero_k = solve_mclp(TRAP, np.ones(6), k=0)
    assert len(zero_k.selected) == 0
    zero_w = solve_mclp(TRAP, np.zeros(6), k=2)
    assert len(zero_w.selected) == 0 and zero_w.objective == 0.0
    with pytest.raises(ValueError, match="give k"):
        solve_mclp(TRAP, np.ones(6))
    with pytest.raises(ValueError, match="method"):
        solve_mclp(TRAP, np.ones(6), k=1, method="simplex")


def test_useless_sites_are_not_reported():
    # k=3 but two sites already cover everything: the third adds nothing.
    s = solve_mclp(TRAP, np.ones(6), k=3)
    assert s.objective == 6.0 and len(s.selected) == 2


# --------------------------------------------------------------------------- random instances

instances = st.tuples(
    st.integers(1, 14), st.integers(1, 7), st.floats(0.1, 0.7), st.integers(0, 2**31 - 1),
    st.integers(1, 4),
)  # fmt: skip


def random_instance(n, m, density, seed):
    rng = np.random.default_rng(seed)
    a = (rng.random((n, m)) < density).astype(np.int8)
    w = rng.integers(0, 20, n).astype(float)
    return a, w, rng


@settings(max_examples=60, deadline=None)
@given(instances)
def test_greedy_within_guarantee_of_exact(params):
    n, m, density, seed, k = params
    a, w, _ = random_instance(n, m, density, seed)
    best = brute_mclp(a, w, k=k)
    exact = solve_mclp(a, w, k=k, method="milp")
    greedy = solve_mclp(a, w, k=k, method="greedy")
    assert exact.objective == pytest.approx(best, abs=1e-9)
    assert covered_weight(a, w, exact.selected) == pytest.approx(exact.objective)
    assert len(exact.selected) <= k and len(greedy.selected) <= k
    assert greedy.objective <= exact.objective + 1e-9
    assert greedy.objective >= (1 - 1 / math.e) * exact.objective - 1e-9
    assert greedy.bound >= best - 1e-9 and exact.bound >= best - 1e-9


@settings(max_examples=40, deadline=None)
@given(instances)
def test_budget_and_set_cover_match_brute_force(params):
    n, m, density, seed, _ = params
    a, w, rng = random_instance(n, m, density, seed)
    costs = rng.integers(1, 5, m).astype(float)
    budget = float(rng.integers(1, 9))
    s = solve_mclp(a, w, costs=costs, budget=budget, method="milp")
    assert s.objective == pytest.approx(brute_mclp(a, w, costs=costs, budget=budget), abs=1e-9)
    assert costs[s.selected].sum() <= budget + 1e-9
    coverable = float(w[a.sum(axis=1) > 0].sum())
    fewest = min(r for r in range(m + 1) for c in itertools.combinations(range(m), r)
                 if covered_weight(a, w, c) >= coverable - 1e-9)  # fmt: skip
    assert solve_set_cover(a, w).objective == fewest


@settings(max_examples=60, deadline=None)
@given(instances)
def test_reduction_keeps_the_optimum(params):
    n, m, density, seed, k = params
    a, w, rng = random_instance(n, m, density, seed)
    a = np.vstack([a, a[: n // 2]])  # duplicated demand rows, to be merged
    w = np.r_[w, rng.integers(0, 5, n // 2)]
    red = reduce_instance(a, w)
    dense = red.matrix.toarray()
    assert brute_mclp(dense, red.weights, k=k) == pytest.approx(brute_mclp(a, w, k=k))
    # Each reduced row is the original rows it stands for, weights summed.
    kept = red.row_of >= 0
    assert np.bincount(red.row_of[kept], weights=w[kept], minlength=len(red.weights)) \
        == pytest.approx(red.weights)  # fmt: skip
    np.testing.assert_array_equal(dense[red.row_of[kept]], a[kept][:, red.columns])
    assert ((a[~kept].sum(axis=1) == 0) | (w[~kept] <= 0)).all()


def test_reduction_merges_and_drops_dominated_columns():
    a = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0]])
    red = reduce_instance(a, [1.0, 2.0, 3.0, 4.0])
    # C0 and C2 within C1, C3 empty: C1 alone remains; then d0, d1, d2 are the
    # same row (covered by C1 only) and merge; d3 (no candidate) is dropped.
    assert red.columns.tolist() == [1]
    assert red.weights.tolist() == [6.0] and red.row_of.tolist() == [0, 0, 0, -1]
    # A cheaper subset candidate is not dominated by a dearer superset.
    red = reduce_instance(a, [1.0, 2.0, 3.0, 4.0], costs=[1.0, 5.0, 1.0, 1.0])
    assert red.columns.tolist() == [0, 1, 2]


def hard_instance(seed=0, n=3000, m=600):
    rng = np.random.default_rng(seed)
    a = sp.random_array((n, m), density=0.02, rng=rng, format="csr")
    a.data[:] = 1
    return a, rng.lognormal(0, 1, n)


def test_time_limit_is_respected():
    a, w = hard_instance()
    start = time.perf_counter()
    s = solve_mclp(a, w, k=40, time_limit_s=1.0, method="milp")
    assert time.perf_counter() - start < 2.5
    assert s.status in ("time_limit", "optimal") and s.seconds < 2.5
    assert s.objective <= s.bound and len(s.selected) <= 40
    greedy = solve_mclp(a, w, k=40, method="greedy")
    assert s.objective >= greedy.objective - 1e-9  # never worse than greedy
    if s.status == "time_limit":
        assert s.gap > 0
    start = time.perf_counter()
    c = solve_set_cover(a, w, time_limit_s=1.0)
    assert time.perf_counter() - start < 2.5 and c.objective >= c.bound >= 0
    instant = solve_set_cover(a, w, time_limit_s=0.0)  # no time at all: greedy, bound 0
    assert instant.method == "greedy" and instant.bound == 0 and instant.status == "time_limit"


def spatial_instance(seed, n=300, m=100, per_point=8.0):
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 50.0, (n, 2))
    sites = rng.uniform(0, 50.0, (m, 2))
    radius = 50.0 * math.sqrt(per_point / (math.pi * m))
    cost = cdist(demand, sites)
    return cost, rng.lognormal(4.0, 1.0, n), radius


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("seed,k", [(1, 5), (2, 10), (3, 20)])
def test_exact_objective_equals_spopt_mclp(seed, k):
    locate = pytest.importorskip("spopt.locate", reason="spopt is not installed")
    pulp = pytest.importorskip("pulp", reason="pulp is not installed")
    cost, w, radius = spatial_instance(seed)
    model = locate.MCLP.from_cost_matrix(cost, w, service_radius=radius, p_facilities=k)
    model.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
    theirs = pulp.value(model.problem.objective)
    ours = solve_mclp(sp.csr_array(cost <= radius), w, k=k, method="milp")
    assert ours.status == "optimal"
    assert ours.objective == pytest.approx(theirs, rel=1e-7)
    assert covered_weight(cost <= radius, w, ours.selected) == pytest.approx(ours.objective)


def test_greedy_reports_an_lp_bound_on_larger_instances():
    cost, w, radius = spatial_instance(7, n=2000, m=600)
    a = sp.csr_array(cost <= radius)
    greedy = solve_mclp(a, w, k=30, method="greedy")
    exact = solve_mclp(a, w, k=30, method="milp")
    assert greedy.objective <= exact.objective + 1e-6 <= greedy.bound + 2e-6
    assert exact.bound == pytest.approx(exact.objective) and exact.status == "optimal"
    assert greedy.ratio >= 1 - 1 / math.e


# --------------------------------------------------------------------------- coverage matrix


def utm_points(xy_km):
    pts = gpd.GeoSeries(shapely.points(X0 + xy_km[:, 0] * 1000, Y0 + xy_km[:, 1] * 1000), crs=UTM48)
    return pts.to_crs(4326)


def test_coverage_matrix_equals_brute_force_distance(rng):
    demand_km = rng.uniform(0, 40, (500, 2))
    cand_km = rng.uniform(0, 40, (80, 2))
    demand = utm_points(demand_km)
    candidates = make_candidates(gpd.GeoDataFrame(geometry=utm_points(cand_km)))
    model = RadiusModel(radius_km={"4G": (2.5, 5.0)})
    # Brute force on the same projected coordinates.
    dx = demand.to_crs(UTM48)
    cx = candidates.geometry.to_crs(UTM48)
    dist_km = cdist(np.c_[dx.x, dx.y], np.c_[cx.x, cx.y]) / 1000.0
    for level, radius in ((1, 5.0), (2, 2.5), ("good", 2.5)):
        got = coverage_matrix(demand, candidates, model=model, crs=UTM48, min_level=level)
        assert got.shape == (500, 80) and got.dtype == np.int8
        np.testing.assert_array_equal(got.toarray(), (dist_km <= radius).astype(np.int8))
    # A candidate's own radius_km overrides its technology's.
    own = candidates.assign(radius_km=np.where(np.arange(80) == 0, 10.0, np.nan))
    got = coverage_matrix(demand, own, model=model, crs=UTM48)
    np.testing.assert_array_equal(got.toarray()[:, 0], dist_km[:, 0] <= 10.0)
    np.testing.assert_array_equal(got.toarray()[:, 1:], dist_km[:, 1:] <= 5.0)


def test_coverage_matrix_skips_missing_points():
    demand = gpd.GeoSeries([shapely.Point(103.0, 21.0), None, shapely.Point()], crs=4326)
    cands = make_candidates(gpd.GeoDataFrame(geometry=[shapely.Point(103.0, 21.0)], crs=4326))
    got = coverage_matrix(demand, cands, model=RadiusModel(), crs=UTM48)
    assert got.toarray().ravel().tolist() == [1, 0, 0]


# --------------------------------------------------------------------------- candidates


def test_candidates_from_villages_and_grid():
    villages = gpd.GeoDataFrame({"village_id": ["A", "B"], "commune_id": ["C1", "C2"]},
                                geometry=utm_points(np.array([[1.0, 1.0], [5.0, 5.0]])))  # fmt: skip
    c = from_villages(villages, technology=["2G", "4G"])
    assert c["candidate_id"].tolist() == ["V-A/2G", "V-B/2G", "V-A/4G", "V-B/4G"]
    assert c["height_m"].tolist() == [30.0] * 4 and c["cost"].tolist() == [1.0] * 4
    assert c.crs.to_epsg() == 4326 and c["commune_id"].tolist() == ["C1", "C2"] * 2
    square = gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 10_000, Y0 + 6_000)], crs=UTM48)
    grid = from_grid(square, spacing_km=2.0, crs=UTM48)
    assert len(grid) == 15 and grid["candidate_id"].iloc[0] == "G-00001"
    xy = grid.geometry.to_crs(UTM48)
    assert np.allclose(sorted(set(np.round(xy.x - X0))), [1000, 3000, 5000, 7000, 9000])
    assert set(grid["source"]) == {"grid"}


def test_candidates_from_file(tmp_path):
    path = tmp_path / "proposals.csv"
    path.write_text("Mã vị trí;Kinh độ;Vĩ độ;Công nghệ;Chi phí;Độ cao (m)\n"
                    "P1;103,2;22,0;4G;1,5;\n"
                    "P2;103,25;22,05;2G/4G;;40\n"
                    "P3;103,3;22,1;;2;\n", encoding="utf-8")  # fmt: skip
    c = from_file(path)
    assert c["candidate_id"].tolist() == ["P1", "P2/2G", "P2/4G", "P3"]
    assert c["technology"].tolist() == ["4G", "2G", "4G", "4G"]
    assert c["cost"].tolist() == [1.5, 1.0, 1.0, 2.0]
    assert c["height_m"].tolist() == [30.0, 40.0, 40.0, 30.0]
    assert c.geometry.x.tolist() == [103.2, 103.25, 103.25, 103.3]
    bad = tmp_path / "bad.csv"
    bad.write_text("id,lon,lat,cost,technology\nA,103.2,22.0,-1,4G\nB,103.2,22.0,1,6G\n",
                   encoding="utf-8")  # fmt: skip
    with pytest.raises(InputError) as err:
        from_file(bad)
    assert "positive cost" in str(err.value) and "unknown technology '6G'" in str(err.value)


def synthetic_dem():
    """Two Gaussian hills on a 100 m grid: a high one and a lower one."""
    y, x = np.mgrid[0:200, 0:200] * 100.0 + 50.0
    h = 100 + 600 * np.exp(-((x - 5000) ** 2 + (y - 14000) ** 2) / (2 * 1500.0**2)) \
        + 300 * np.exp(-((x - 15000) ** 2 + (y - 5000) ** 2) / (2 * 1500.0**2))  # fmt: skip
    transform = Affine(100.0, 0.0, X0, 0.0, -100.0, Y0 + 20_000)
    return Dem(heights_m=h.astype(np.float32), transform=transform, crs=UTM48)


def test_candidates_from_hilltops():
    dem = synthetic_dem()
    hills = from_hilltops(dem, window_m=3000, min_prominence_m=50)
    assert len(hills) == 2 and hills["candidate_id"].tolist() == ["H-001", "H-002"]
    xy = hills.geometry.to_crs(UTM48)
    # The more prominent hill first; rows count from the top, so array y = 14 km is map y = 6 km.
    assert np.hypot(xy.x.iloc[0] - X0 - 5000, xy.y.iloc[0] - Y0 - 6000) <= 100
    assert np.hypot(xy.x.iloc[1] - X0 - 15000, xy.y.iloc[1] - Y0 - 15000) <= 100
    assert hills["prominence_m"].iloc[0] > hills["prominence_m"].iloc[1] > 50
    assert hills["viewshed_km2"].isna().all()
    seen = from_hilltops(dem, window_m=3000, viewshed_top=2, viewshed_radius_km=5.0)
    assert (seen["viewshed_km2"] > 0).all() and seen["viewshed_km2"].is_monotonic_decreasing
    assert len(from_hilltops(dem, window_m=3000, min_prominence_m=250)) == 1
    flat = from_hilltops(Dem(np.full((50, 50), 10.0, np.float32), dem.transform, UTM48))
    assert len(flat) == 0  # no relief, no hilltop


def test_as_sites_layout():
    cands = make_candidates(gpd.GeoDataFrame(geometry=[shapely.Point(103.0, 21.0)], crs=4326))
    sites = as_sites(cands, status="active")
    assert sites["site_id"].tolist() == ["C-0001"] and sites["status"].tolist() == ["active"]
    assert {"technology", "height_m", "radius_km", "eirp_dbm"} <= set(sites.columns)


# --------------------------------------------------------------------------- ranking and plan


def test_priority_table_by_hand():
    demand = pd.DataFrame({"village_id": [f"v{i}" for i in range(6)],
                           "population": [100, 200, 300, 400, np.nan, 600],
                           "commune_id": ["c"] * 6})  # fmt: skip
    cands = make_candidates(gpd.GeoDataFrame(
        {"cost": [1.0, 2.0, 4.0], "commune_id": ["x", "y", "z"]},
        geometry=[shapely.Point(103, 21), shapely.Point(103.1, 21), shapely.Point(103.2, 21)],
        crs=4326))  # fmt: skip
    w = np.nan_to_num(demand["population"].to_numpy(float))
    s = solve_mclp(TRAP, w, k=2)
    assert sorted(s.selected.tolist()) == [1, 2]  # 1600 people, vs C0 + C2's 1500
    table = priority_table(s, cands, sp.csr_array(TRAP), demand)
    # C2 covers d3, d4, d5 = 1000 people (d4 unknown: 0); C1 then d0, d1, d2 = 600.
    assert table["candidate_id"].tolist() == ["C-0003", "C-0002"]
    assert table["new_population"].tolist() == [1000, 600]
    assert table["new_villages"].tolist() == [3, 3]
    assert table["cumulative_share"].tolist() == pytest.approx([1000 / 1600, 1.0])
    assert table["villages"].tolist() == ["v3, v4, v5", "v0, v1, v2"]
    assert table["cost_per_person"].tolist() == pytest.approx([4 / 1000, 2 / 600])
    assert table["commune_id"].tolist() == ["z", "y"] and table.crs.to_epsg() == 4326


def test_plan_sites_on_the_sample(sample_result):
    plan = plan_sites(sample_result, k=20)
    white = sample_result.villages["class_any"] == "none"
    assert len(plan.demand) == int(white.sum()) > 0
    table, s = plan.table, plan.solution
    assert 0 < len(table) <= 20 and table["rank"].tolist() == list(range(1, len(table) + 1))
    assert s.status == "optimal" and s.objective == pytest.approx(table["new_population"].sum())
    # The top site covers at least as many people as any single candidate.
    single = plan.matrix.T @ plan.weights
    assert table["new_population"].iloc[0] >= single.max() - 1e-9
    assert (np.diff(table["new_population"].to_numpy()) <= 0).all()  # ranked by marginal gain
    assert table["cumulative_share"].iloc[-1] == pytest.approx(plan.summary()["covered_share"])
    new = plan.assignments[plan.assignments["new"]]
    assert new.groupby("rank").size().tolist() == table["new_villages"].tolist()
    assert plan.demand["rank"].notna().sum() == table["new_villages"].sum()
    assert table["commune_id"].notna().all()


def test_plan_sites_options(sample_result):
    grid = plan_sites(sample_result, k=5, candidates="grid", grid_km=3.0, weight="villages",
                      target="weak")  # fmt: skip
    assert len(grid.table) == 5 and set(grid.candidates["source"]) == {"grid"}
    demand = sample_result.villages["class_any"].isin(["none", "weak"])
    assert len(grid.demand) == int(demand.sum())
    assert grid.solution.objective == grid.table["new_villages"].sum()
    hills = plan_sites(sample_result, k=3, candidates="hilltops", hilltops={"max_count": 50})
    assert set(hills.candidates["source"]) == {"hilltop"} and len(hills.candidates) <= 50
    assert len(hills.table) <= 3 and hills.table["commune_id"].notna().all()
    budget = plan_sites(sample_result, k=None, budget=3.0)
    assert len(budget.table) <= 3 and budget.settings["budget"] == 3.0
    with pytest.raises(ValueError, match="target"):
        plan_sites(sample_result, target="good")


def test_plan_sites_from_a_file_of_proposals(sample_result, tmp_path):
    white = sample_result.villages[sample_result.villages["class_any"] == "none"].head(3)
    path = tmp_path / "proposals.csv"
    lines = ["site_id,lon,lat,cost"] + [f"P{i},{pt.x},{pt.y},{i + 1}"
                                        for i, pt in enumerate(white.geometry)]  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan = plan_sites(sample_result, k=2, candidates=path)
    assert set(plan.candidates["candidate_id"]) == {"P0", "P1", "P2"}
    assert set(plan.table["candidate_id"]) <= {"P0", "P1", "P2"} and len(plan.table) <= 2
    cheap = plan_sites(sample_result, k=None, budget=1.0, candidates=str(path))
    assert cheap.table["candidate_id"].tolist() == ["P0"] and cheap.table["cost"].tolist() == [1.0]
    both = plan_sites(sample_result, k=3, candidates=["villages", str(path)])
    assert {"file", "village"} == set(both.candidates["source"])
    with pytest.raises(ValueError, match="neither"):
        plan_sites(sample_result, candidates="vilages")
    with pytest.raises(ValueError, match="neither"):
        plan_sites(sample_result, candidates=["villages", "nowhere.csv"])


def test_plan_sites_on_the_tiny_province(tiny):
    from whitezone import analyse, load_layers, read_project

    project = read_project(tiny)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = analyse(load_layers(project), project)
    assert len(plan_sites(result, k=3).table) == 0  # no white village in the tiny province
    # Weak villages: V2 (200 people, 4G weak) and V6 (40, 2G weak), 6.7 km apart.
    one = plan_sites(result, k=1, target="weak")
    assert one.table["candidate_id"].tolist() == ["V-V2"]
    assert one.table["new_population"].tolist() == [200]
    two = plan_sites(result, k=2, target="weak")
    assert two.table["candidate_id"].tolist() == ["V-V2", "V-V6"]
    assert two.table["cumulative_share"].iloc[-1] == 1.0
