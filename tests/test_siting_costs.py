"""The cost model: site, power, backhaul, NPV, revenue and subsidy (whitezone.siting.costs)."""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from pyproj import CRS
from shapely.geometry import LineString, Point

from whitezone.assumptions import COST_SETS, CostSettings, parse_costs
from whitezone.dem import Dem
from whitezone.errors import InputError, Problems
from whitezone.siting import plan_sites
from whitezone.siting.costs import (
    fresnel_clear,
    network_distance_km,
    revenue_npv,
    site_costs,
    subsidy_gap,
)

UTM = CRS.from_epsg(32648)
X0, Y0 = 500_000.0, 2_400_000.0

#: Round numbers so every figure below can be worked by hand.
SIMPLE = CostSettings(
    radio={"4G": 20_000.0}, tower_30m=10_000.0, civil_works=15_000.0, upgrade_works=5_000.0,
    rent_per_year=1_000.0, maintenance_share=0.10, load_w={"4G": 1_000.0}, grid_max_km=2.0,
    grid_connection=2_000.0, grid_per_km=10_000.0, energy_per_kwh=0.10, fiber_per_km=5_000.0,
    fiber_fixed=0.0, fiber_per_km_year=100.0, fiber_max_km=20.0, detour_factor=1.0,
    microwave_tiers=((15.0, 30_000.0), (30.0, 40_000.0)), satellite=15_000.0,
    satellite_per_year=12_000.0, discount_rate=0.05, horizon_years=10, arpu_per_month=2.5,
    penetration=0.6, adoption=0.5, margin=0.2, relay=True,
)  # fmt: skip


def utm(points):
    return gpd.GeoSeries([Point(x, y) for x, y in points], crs=UTM)


def candidates(points, *, height_m=30.0, source="village"):
    geo = utm(points)
    return gpd.GeoDataFrame({"candidate_id": [f"C{i}" for i in range(len(points))],
                             "source": source, "technology": "4G",
                             "height_m": height_m}, geometry=geo.to_crs(4326))  # fmt: skip


def lines(*coords):
    return gpd.GeoDataFrame(geometry=gpd.GeoSeries([LineString(c) for c in coords], crs=UTM)).to_crs(4326)


def annuity(r=0.05, n=10):
    return sum((1 + r) ** -t for t in range(1, n + 1))


def test_npv_and_subsidy_equal_a_hand_computation():
    # One 30 m 4G site, 1 km from fiber, 0.5 km from the grid.
    cand = candidates([(X0, Y0)])
    fiber = lines([(X0 - 5_000, Y0 + 1_000), (X0 + 5_000, Y0 + 1_000)])
    grid = lines([(X0 - 5_000, Y0 - 500), (X0 + 5_000, Y0 - 500)])
    out = site_costs(cand, settings=SIMPLE, crs=UTM, fiber=fiber, grid=grid).iloc[0]
    site = 20_000 + 10_000 * 30 / 30 + 15_000  # radio + tower + civil works
    power = 2_000 + 10_000 * 0.5  # connection + 0.5 km of line
    backhaul = 5_000 * 1.0  # 1 km of fiber
    capex = site + power + backhaul
    energy = 1.0 * 8760 * 0.10  # 1 kW all year
    opex = 1_000 + 0.10 * capex + energy + 100 * 1.0
    a = annuity()
    assert a == pytest.approx(SIMPLE.annuity())
    assert out["capex"] == pytest.approx(capex)
    assert (out["capex_site"], out["capex_power"], out["capex_backhaul"]) == \
        pytest.approx((site, power, backhaul))  # fmt: skip
    assert out["opex_per_year"] == pytest.approx(opex)
    assert out["npv_cost"] == pytest.approx(capex + opex * a)
    assert (out["power"], out["backhaul"]) == ("grid", "fiber")
    assert out["backhaul_km"] == pytest.approx(1.0, abs=1e-6)
    assert out["grid_km"] == pytest.approx(0.5, abs=1e-6)
    # 1,000 people newly covered
    revenue = 1_000 * 0.6 * 0.5 * 2.5 * 12 * a
    assert revenue_npv([1_000], settings=SIMPLE)[0] == pytest.approx(revenue)
    need = out["npv_cost"] * 1.2 - revenue
    assert subsidy_gap([out["npv_cost"]], [revenue], margin=0.2)[0] == pytest.approx(need)
    # a site that pays for itself needs nothing
    assert subsidy_gap([100.0], [1_000.0], margin=0.2)[0] == 0.0


def test_power_switches_off_grid_beyond_the_distance():
    cand = candidates([(X0, Y0), (X0, Y0 + 10_000)])
    grid = lines([(X0 - 5_000, Y0 + 1_900), (X0 + 5_000, Y0 + 1_900)])
    out = site_costs(cand, settings=SIMPLE, crs=UTM, grid=grid)
    assert list(out["power"]) == ["grid", "solar"]
    solar = 1.58 * 1_000 * 24 / 4.0 * 1.25 + 300 * 1.0 * 24 * 2.0
    assert out["capex_power"].iloc[1] == pytest.approx(solar)
    diesel = site_costs(cand, settings=replace(SIMPLE, offgrid="diesel"),
                        crs=UTM, grid=grid)  # fmt: skip
    assert diesel["power"].iloc[1] == "diesel"
    assert diesel["capex_power"].iloc[1] == pytest.approx(5_000.0)
    fuel = 8760 * 1.0 * 0.3 * 1.0
    solar_opex = out["opex_per_year"].iloc[1] - 0.10 * out["capex"].iloc[1]
    diesel_opex = diesel["opex_per_year"].iloc[1] - 0.10 * diesel["capex"].iloc[1]
    assert diesel_opex - solar_opex == pytest.approx(fuel)
    # no grid layer: every new site is taken to be on the grid (connection only)
    assert list(site_costs(cand, settings=SIMPLE, crs=UTM)["power"]) == ["grid", "grid"]


def test_backhaul_switches_at_the_documented_distances():
    # Existing site at the origin; fiber 25 km north (beyond microwave tier 1, within fiber reach).
    hub = gpd.GeoDataFrame({"site_id": ["S1"], "status": ["active"], "height_m": [30.0]},
                           geometry=utm([(X0, Y0)]).to_crs(4326))  # fmt: skip
    fiber = lines([(X0 - 50_000, Y0 + 60_000), (X0 + 50_000, Y0 + 60_000)])
    cand = candidates([(X0, Y0 + 14_000), (X0, Y0 + 16_000), (X0, Y0 + 50_000), (X0, Y0 - 35_000)])
    out = site_costs(cand, settings=replace(SIMPLE, relay=False), crs=UTM, fiber=fiber, sites=hub)
    # 14 km: tier 1 microwave (30,000) beats 46 km of fiber (beyond 20 km: infeasible)
    assert out["backhaul"].iloc[0] == "microwave"
    assert out["capex_backhaul"].iloc[0] == pytest.approx(30_000)
    assert out["backhaul_to"].iloc[0] == "S1"
    # 16 km: tier 2
    assert out["capex_backhaul"].iloc[1] == pytest.approx(40_000)
    # 10 km from fiber, 50 km from the hub: 50,000 of fiber + its opex vs satellite's
    # 15,000 + 12,000 a year
    fiber_npv = 50_000 * (1 + 0.1 * annuity()) + 100 * 10 * annuity()
    sat_npv = 15_000 * (1 + 0.1 * annuity()) + 12_000 * annuity()
    assert out["backhaul"].iloc[2] == ("fiber" if fiber_npv < sat_npv else "satellite")
    assert out["backhaul"].iloc[2] == "fiber"
    # 35 km from the hub, 95 km from fiber: satellite
    assert out["backhaul"].iloc[3] == "satellite"
    assert out["capex_backhaul"].iloc[3] == pytest.approx(15_000)


def _dem(ridge_m: float) -> Dem:
    """A flat plain at 100 m, 40 km square, with a north-south ridge at x = X0 + 5 km."""
    res = 90.0
    cols, rows = 450, 450
    heights = np.full((rows, cols), 100.0, dtype=np.float32)
    ridge_col = int(5_000 / res) + 50
    heights[:, ridge_col - 1 : ridge_col + 2] = 100.0 + ridge_m
    transform = Affine(res, 0.0, X0 - 50 * res, 0.0, -res, Y0 + 200 * res)
    return Dem(heights_m=heights, transform=transform, crs=UTM, source="test")


def test_a_ridge_blocks_the_microwave_path():
    hub = gpd.GeoDataFrame({"site_id": ["S1"], "status": ["active"], "height_m": [30.0]},
                           geometry=utm([(X0, Y0)]).to_crs(4326))  # fmt: skip
    cand = candidates([(X0 + 10_000, Y0)])
    settings = replace(SIMPLE, relay=False)
    flat = site_costs(cand, settings=settings, crs=UTM, sites=hub, dem=_dem(0.0))
    assert flat["backhaul"].iloc[0] == "microwave"
    ridge = site_costs(cand, settings=settings, crs=UTM, sites=hub, dem=_dem(200.0))
    assert ridge["backhaul"].iloc[0] == "satellite"
    # a low ridge that clears the line but not 60 % of the first Fresnel zone blocks it too
    # (at 7 GHz, 5 km from one end of 10 km, the zone's radius is sqrt(λ·5000·5000/10000) ≈ 10.3 m)
    low = site_costs(cand, settings=settings, crs=UTM, sites=hub, dem=_dem(26.0))
    assert low["backhaul"].iloc[0] == "satellite"


def test_fresnel_clear_by_hand():
    # 10 km, flat ground at 0, antennas at 20 m: line at 20 m, bulge at mid 1.47 m (k = 4/3),
    # zone radius at mid sqrt(0.0428·2500) ≈ 10.35 m at 7 GHz: 20 − 0.6 × 10.35 − 1.47 ≈ 12.3 m clear.
    profile = np.zeros((3, 101))
    profile[1, 50] = 12.0
    profile[2, 50] = 12.6
    ok = fresnel_clear(profile, np.full(3, 10_000.0), height_a_m=np.full(3, 20.0),
                       height_b_m=np.full(3, 20.0), frequency_ghz=7.0)  # fmt: skip
    assert ok.tolist() == [True, True, False]


def test_fiber_along_the_roads():
    # An L-shaped road: fiber node at its west end; the candidate beside the road's north end.
    roads = lines([(X0, Y0), (X0 + 10_000, Y0)], [(X0 + 10_000, Y0), (X0 + 10_000, Y0 + 8_000)])
    fiber = gpd.GeoDataFrame(geometry=utm([(X0, Y0)]).to_crs(4326))
    xy = np.array([[X0 + 10_000 + 300, Y0 + 8_000]])
    km = network_distance_km(xy, fiber, roads, UTM)
    assert km[0] == pytest.approx(0.3 + 10 + 8, abs=1e-3)
    dear_satellite = replace(SIMPLE, satellite_per_year=50_000.0)
    out = site_costs(candidates([(X0 + 10_300, Y0 + 8_000)]), settings=dear_satellite, crs=UTM,
                     fiber=fiber, roads=roads)  # fmt: skip
    assert out["backhaul"].iloc[0] == "fiber"
    assert out["backhaul_km"].iloc[0] == pytest.approx(18.3, abs=1e-3)


def test_relay_through_another_candidate():
    # C0 stands on the fiber's end; C1 is 10 km on: 30,000 of microwave through C0 beats
    # 10 km of fiber (50,000 + 1,000 a year) and satellite.
    fiber = lines([(X0 - 5_000, Y0), (X0 + 1, Y0)])
    cand = candidates([(X0, Y0), (X0 + 10_000, Y0)])
    out = site_costs(cand, settings=SIMPLE, crs=UTM, fiber=fiber)
    assert out["backhaul"].tolist() == ["fiber", "relay"]
    assert out["hub"].tolist() == [-1, 0]
    assert out["backhaul_to"].iloc[1] == "C0"
    assert out["capex_backhaul"].iloc[1] == pytest.approx(30_000)
    off = site_costs(cand, settings=replace(SIMPLE, relay=False), crs=UTM,
                     fiber=fiber)  # fmt: skip
    assert off["backhaul"].iloc[1] != "relay" and (off["hub"] == -1).all()


def test_a_hub_does_not_relay_itself():
    # Two candidates 600 m apart, both 12 km from fiber: relaying through each other is
    # cheaper for each, but one must keep the fiber for the other to relay through it.
    fiber = lines([(X0 - 10_000, Y0 - 12_000), (X0 + 10_000, Y0 - 12_000)])
    out = site_costs(candidates([(X0, Y0), (X0 + 600, Y0)]), settings=SIMPLE, crs=UTM, fiber=fiber)
    relays = out["hub"].to_numpy()
    assert sorted(out["backhaul"]) == ["fiber", "relay"]
    for h in relays:
        if h >= 0:
            assert relays[h] == -1, "a hub relays through another site"


def test_an_upgrade_pays_radio_and_installation_only():
    cand = candidates([(X0, Y0)], source="upgrade")
    out = site_costs(cand, settings=SIMPLE, crs=UTM).iloc[0]
    assert out["capex"] == pytest.approx(20_000 + 5_000)
    assert (out["power"], out["backhaul"]) == ("existing", "existing")
    # no rent: maintenance and the added energy
    assert out["opex_per_year"] == pytest.approx(0.10 * 25_000 + 8760 * 0.10)


def test_inputs_are_not_modified():
    cand = candidates([(X0, Y0), (X0 + 3_000, Y0)])
    before = cand.copy()
    site_costs(cand, settings=SIMPLE, crs=UTM)
    assert cand.equals(before)


def test_parse_costs_sets_currency_and_every_problem():
    problems = Problems("project.toml")
    vnd = parse_costs(problems, {"set": "giga", "currency": "VND", "exchange_rate": 25_000,
                                 "rent_per_year": 30_000_000})  # fmt: skip
    assert not problems
    assert vnd.satellite == pytest.approx(COST_SETS["giga"]["satellite"] * 25_000)
    assert vnd.radio["4G"] == pytest.approx(20_500 * 25_000)
    assert vnd.rent_per_year == 30_000_000  # written in VND, kept
    assert vnd.penetration == CostSettings().penetration  # shares are not money
    problems = Problems("project.toml")
    parse_costs(problems, {"set": "cheap", "currency": "VND", "discount_rate": -1,
                           "microwave_tiers": [[30, 1], [15, 2]], "offgrid": "wind",
                           "radio": {"6G": 1}})  # fmt: skip
    columns = sorted(p.column for p in problems.items)
    assert columns == ["costs.discount_rate", "costs.exchange_rate", "costs.microwave_tiers",
                       "costs.offgrid", "costs.radio.6G", "costs.set"]  # fmt: skip
    assert "pytal, podis, giga, itu" in next(p.message for p in problems.items if p.column == "costs.set")
    with pytest.raises(InputError):
        problems.raise_if_any()


# --- plans with money, on the sample province -------------------------------------------


@pytest.fixture(scope="module")
def priced(sample_result):
    return plan_sites(sample_result, k=None, budget=1_000_000, candidates=["villages", "upgrades"])


def test_a_priced_plan_never_exceeds_its_budget_and_keeps_its_hubs(priced):
    t = priced.table
    assert t["npv_cost"].sum() <= 1_000_000 * (1 + 1e-9)
    assert (t["cost"] == t["npv_cost"]).all()
    chosen = set(t["candidate_id"])
    relays = t[t["backhaul"] == "relay"]
    assert set(relays["backhaul_to"]) <= chosen
    assert set(priced.candidates["source"]) == {"village", "upgrade"}
    upgrades = priced.candidates[priced.candidates["source"] == "upgrade"]
    assert (upgrades["backhaul"] == "existing").all() and (upgrades["power"] == "existing").all()


def test_a_priced_plan_table_is_its_formulas(priced, sample_result):
    t = priced.table
    s = sample_result.project.costs
    people = t["new_population"].to_numpy(dtype=float)
    revenue = people * s.penetration * s.adoption * s.arpu_per_month * 12 * s.annuity()
    np.testing.assert_allclose(t["revenue_npv"], revenue)
    gap = np.maximum(t["npv_cost"] * (1 + s.margin) - revenue, 0)
    np.testing.assert_allclose(t["subsidy"], gap)
    np.testing.assert_allclose(t["subsidy_per_person"], gap / people)
    assert sorted(t["fund_rank"]) == list(range(1, len(t) + 1))
    assert t.sort_values("fund_rank")["subsidy_per_person"].is_monotonic_increasing
    summary = priced.summary()
    assert summary["subsidy"] == pytest.approx(t["subsidy"].sum())
    assert summary["npv_cost"] == pytest.approx(t["npv_cost"].sum())
    assert summary["cheapest_per_person"] == pytest.approx(t["subsidy_per_person"].min())
    communes = priced.communes()
    assert communes["subsidy"].sum() == pytest.approx(t["subsidy"].sum())
    assert communes["sites"].sum() == len(t)
    assert communes["new_population"].sum() == t["new_population"].sum()
    links = priced.links
    assert len(links) == int(t["backhaul"].isin(["fiber", "microwave", "relay"]).sum())


def test_cover_all_covers_every_coverable_village_at_least_cost(sample_result):
    plan = plan_sites(sample_result, objective="cover_all")
    s = plan.summary()
    assert s["covered_villages"] == s["coverable_villages"] and s["status"] == "optimal"
    assert s["npv_cost"] == pytest.approx(s["objective"])
    # no single site can be left out: each covers a village no other chosen site does
    assert (plan.table["new_villages"] > 0).all() or (plan.table["backhaul"] == "relay").any()


def test_a_file_cost_is_kept(sample_result, tmp_path):
    white = sample_result.villages[sample_result.villages["class_any"] == "none"].head(2)
    path = tmp_path / "proposals.csv"
    path.write_text("site_id,lon,lat,cost\n" + "".join(
        f"P{i},{pt.x},{pt.y},{12_345 * (i + 1)}\n" for i, pt in enumerate(white.geometry)), encoding="utf-8")
    plan = plan_sites(sample_result, k=2, candidates=[str(path), "villages"])
    c = plan.candidates.set_index("candidate_id")
    assert c.loc["P0", "npv_cost"] == 12_345 and c.loc["P1", "cost"] == 24_690
    assert np.isnan(c.loc["P0", "capex"])
    priced_villages = c[c["source"] == "village"]
    assert (priced_villages["npv_cost"] > 50_000).all() and priced_villages["capex"].notna().all()


def test_unknown_objective_and_costs_are_errors(sample_result):
    with pytest.raises(InputError, match="cover_all"):
        plan_sites(sample_result, objective="cheapest")
    with pytest.raises(InputError, match="model, given"):
        plan_sites(sample_result, costs="free")


def test_requiring_capacity_keeps_each_site_within_its_carriers(sample_result):
    from whitezone.capacity import place_sinr_db, rb_throughput_mbps, resource_blocks
    from whitezone.siting import coverage_matrix, demand_villages, from_villages

    demand = demand_villages(sample_result.villages)
    cands = from_villages(demand)
    people = demand["population"].to_numpy(dtype=float) * 40  # crowded: capacity binds
    free = coverage_matrix(demand.geometry, cands, model=sample_result.model, crs=sample_result.layers.crs)
    s = sample_result.project.capacity
    bound = coverage_matrix(demand.geometry, cands, model=sample_result.model,
                            crs=sample_result.layers.crs, capacity=s, population=people)  # fmt: skip
    assert bound.nnz < free.nnz
    assert ((bound - free).toarray() <= 0).all()  # only links dropped
    # every candidate's kept villages fit in 3 sectors × 100 blocks (radius model: by class)
    links = sample_result.model.links(np.c_[demand.geometry.to_crs(sample_result.layers.crs).x,
                                            demand.geometry.to_crs(sample_result.layers.crs).y],
                                      cands.assign(status="active").to_crs(sample_result.layers.crs))  # fmt: skip
    level = {(int(t), int(c)): int(v) for t, c, v in zip(links["target"], links["site"], links["level"], strict=True)}
    coo = bound.tocoo()
    good = np.array([level[(int(r), int(c))] >= 2 for r, c in zip(coo.row, coo.col, strict=True)])
    sinr = place_sinr_db(np.full(len(good), np.nan), good, technology="4G", settings=s)
    blocks = people[coo.row] * 0.05 / rb_throughput_mbps(sinr, control_overhead=s.control_overhead)
    used = np.bincount(coo.col, weights=blocks, minlength=bound.shape[1])
    assert (used <= resource_blocks(20) * 3 + 1e-6).all()
