"""Link-budget models: path loss and terrain on top of it."""

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine
from pyproj import CRS

from whitezone.dem import Dem
from whitezone.models import make_model
from whitezone.models.link import DEFAULT_BUDGETS, LinkBudget, PathLossModel
from whitezone.models.pathloss import path_loss_db
from whitezone.models.terrain import TerrainModel
from whitezone.project import ModelSettings

UTM = CRS.from_epsg(32648)


def sites_at(xy, tech="4G", **cols):
    return gpd.GeoDataFrame({"site_id": [f"S{i}" for i in range(len(xy))], "technology": tech,
                             **cols}, geometry=shapely.points(np.asarray(xy, float)), crs=UTM)  # fmt: skip


def flat_dem(height=200.0, *, ridge_x=None, ridge_height=0.0, size_km=20, res=50.0):
    n = int(size_km * 1000 / res)
    heights = np.full((n, n), height, dtype=np.float32)
    if ridge_x is not None:
        col = int(ridge_x / res)
        heights[:, col - 1 : col + 2] += ridge_height
    return Dem(heights_m=heights, transform=Affine(res, 0, 0, 0, -res, n * res), crs=UTM)


def test_signal_is_eirp_minus_loss_and_classed_by_thresholds():
    model = PathLossModel(budgets={"4G": LinkBudget(1800, 30, 30, -100, -110)}, environment="suburban")
    targets = np.array([[1000.0, 0.0], [2000.0, 0.0], [2600.0, 0.0]])
    links = model.links(targets, sites_at([[0.0, 0.0]])).sort_values("target")
    loss = path_loss_db(links["distance_km"].to_numpy(), 1800, 30, 1.5, environment="suburban")
    np.testing.assert_allclose(links["signal_dbm"], 30 - loss)
    expected = np.where(30 - loss >= -100, 2, np.where(30 - loss >= -110, 1, 0))
    assert links["level"].tolist() == expected.tolist()


def test_site_columns_override_defaults():
    model = PathLossModel()
    sites = sites_at([[0, 0], [0, 0]], eirp_dbm=[np.nan, 40.0], height_m=[np.nan, 50.0])
    p = model.parameters(sites)
    assert p["eirp_dbm"].tolist() == [DEFAULT_BUDGETS["4G"].eirp_dbm, 40.0]
    assert p["height_m"].tolist() == [30.0, 50.0]


def test_reach_is_where_signal_meets_weak_threshold():
    model = PathLossModel()
    sites = sites_at([[0, 0]])
    reach = model.reach_km(sites)[0]
    b = DEFAULT_BUDGETS["4G"]
    loss = path_loss_db(np.array([reach]), b.frequency_mhz, b.height_m, 1.5, environment="suburban")
    assert b.eirp_dbm - loss[0] == pytest.approx(b.weak_dbm, abs=0.05)


def test_best_server_is_strongest_signal():
    model = PathLossModel()
    sites = sites_at([[0, 0], [3000, 0]], eirp_dbm=[30.0, 45.0])
    best = model.best(np.array([[1000.0, 0.0]]), sites, np.array([0, 0]), 1)
    assert best["site"][0, 0] == 1      # farther but 15 dB stronger


def test_terrain_adds_loss_only_and_a_ridge_blocks():
    flat = TerrainModel(dem=flat_dem())
    ridge = TerrainModel(dem=flat_dem(ridge_x=4000, ridge_height=150))
    plain = PathLossModel()
    sites = sites_at([[3000.0, 10_000.0]])
    targets = np.array([[3600.0, 10_000.0], [5200.0, 10_000.0]])   # before, behind the ridge
    s_plain = plain.links(targets, sites).sort_values("target")["signal_dbm"].to_numpy()
    s_flat = flat.links(targets, sites).sort_values("target")["signal_dbm"].to_numpy()
    s_ridge = ridge.links(targets, sites).sort_values("target")["signal_dbm"].to_numpy()
    assert (s_flat <= s_plain + 1e-9).all()
    assert (s_plain - s_flat < 3).all()            # flat ground: little extra loss
    assert s_ridge[0] == pytest.approx(s_flat[0])  # in front of the ridge: unchanged
    assert s_flat[1] - s_ridge[1] > 15             # behind a 150 m ridge: deep shadow


def test_terrain_best_server_line_of_sight():
    ridge = TerrainModel(dem=flat_dem(ridge_x=4000, ridge_height=150))
    sites = sites_at([[3000.0, 10_000.0]])
    # before the ridge, behind it, and out of every site's reach
    targets = np.array([[3600.0, 10_000.0], [5200.0, 10_000.0], [19_000.0, 19_000.0]])
    best = ridge.best(targets, sites, np.array([0]), 1)
    assert best["line_of_sight"][:, 0].tolist() == [1, 0, -1]
    assert best["site"][:, 0].tolist() == [0, 0, -1]
    from whitezone.classify import classify_points

    points = gpd.GeoSeries(shapely.points(targets), crs=UTM)
    sites = sites.assign(status="active")
    classes = classify_points(points, sites, model=ridge, crs=UTM, technologies=["4G"])
    pd.testing.assert_series_equal(classes["line_of_sight_4g"],
                                   pd.Series([True, False, pd.NA], dtype="boolean"), check_names=False)  # fmt: skip
    assert "line_of_sight_4g" not in classify_points(points, sites, model=PathLossModel(), crs=UTM,
                                                     technologies=["4G"])  # fmt: skip


def test_make_model_kinds():
    assert make_model(ModelSettings(kind="pathloss")).kind == "pathloss"
    model = make_model(ModelSettings(kind="pathloss", budgets={"4G": {"eirp_dbm": 33.0}}))
    assert model.budgets["4G"].eirp_dbm == 33.0 and model.budgets["4G"].good_dbm == -100
    terrain = make_model(ModelSettings(kind="terrain", diffraction="deygout"), dem=flat_dem())
    assert terrain.kind == "terrain" and terrain.diffraction == "deygout"
    with pytest.raises(ValueError, match="needs a DEM"):
        make_model(ModelSettings(kind="terrain"))


def test_nodata_profile_ends_do_not_break(recwarn):
    dem = flat_dem()
    heights = dem.heights_m.copy()
    heights[:, :70] = np.nan                       # the site stands over a hole
    holey = TerrainModel(dem=Dem(heights, dem.transform, UTM))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        links = holey.links(np.array([[6000.0, 10_000.0]]), sites_at([[3000.0, 10_000.0]]))
    assert np.isfinite(links["signal_dbm"]).all()


def rough_dem(seed, res=100.0, n=120):
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    heights = ndimage.gaussian_filter(rng.normal(0, 1, (n, n)), 4) * 2500 + 500
    return Dem(heights_m=heights.astype(np.float32), transform=Affine(res, 0, 0, 0, -res, n * res),
               crs=UTM)  # fmt: skip


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_terrain_branch_and_bound_equals_all_links(seed):
    from whitezone.models import best_from_links

    rng = np.random.default_rng(seed)
    model = TerrainModel(dem=rough_dem(seed))
    n_sites = 12
    xy = rng.uniform(500, 11_500, (n_sites, 2))
    xy[[7, 9, 11]] = xy[[1, 3, 5]]  # co-located twins: exact ties, broken by site position
    tech = list(rng.choice(["2G", "4G"], n_sites))
    for twin, first in ((7, 1), (9, 3), (11, 5)):
        tech[twin] = tech[first]
    sites = sites_at(xy, tech=tech)
    targets = rng.uniform(0, 12_000, (300, 2))
    code = (sites["technology"] == "4G").to_numpy().astype(np.int64)
    fast = model.best(targets, sites, code, 2)
    slow = best_from_links(model.links(targets, sites), code, len(targets), 2)
    np.testing.assert_array_equal(fast["site"], slow["site"])
    np.testing.assert_array_equal(fast["level"], slow["level"])
    np.testing.assert_allclose(fast["signal_dbm"], slow["signal_dbm"])


@pytest.mark.parametrize("kind", ["terrain", "itm"])
def test_targets_in_batches_give_the_one_call_result(kind, monkeypatch):
    """Memory is bounded by batching targets; the best servers do not change."""
    import whitezone.models._best as best_module
    from whitezone.models.itm_model import ItmModel

    rng = np.random.default_rng(8)
    model = (TerrainModel if kind == "terrain" else ItmModel)(dem=rough_dem(1))
    sites = sites_at(rng.uniform(500, 11_500, (10, 2)), tech=list(rng.choice(["2G", "4G"], 10)))
    targets = rng.uniform(0, 12_000, (230, 2))
    code = (sites["technology"] == "4G").to_numpy().astype(np.int64)
    whole = model.best(targets, sites, code, 2)
    calls = []
    real = type(model)._best_batch
    monkeypatch.setattr(type(model), "_best_batch",
                        lambda self, part, *a: calls.append(len(part)) or real(self, part, *a))  # fmt: skip
    monkeypatch.setattr(best_module, "TARGETS_PER_BATCH", 64)
    parts = model.best(targets, sites, code, 2)
    assert calls == [64, 64, 64, 38]
    assert set(parts) == set(whole)
    for key in whole:
        np.testing.assert_array_equal(parts[key], whole[key], err_msg=key)
    assert (whole["site"] >= 0).sum() > 100


@pytest.mark.parametrize("seed", range(12))
def test_best_by_groups_of_alike_sites_equals_the_best_of_all_links(seed):
    """The nearest of alike sites is their best: the grouped search equals every link's reduction."""
    from whitezone.models import best_from_links
    from whitezone.models.calibration import Calibration, Correction

    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(1, 60)), 2000
    xy = rng.uniform(0, 30_000, (m, 2))
    xy[: m // 5] = xy[0]   # some masts carry several sites at one place
    sites = gpd.GeoDataFrame({"site_id": [f"S{i}" for i in range(m)],
                              "technology": rng.choice(["2G", "3G", "4G"], m),
                              "operator": rng.choice(["A", "B"], m),
                              "height_m": rng.choice([30.0, np.nan, 20.0], m),
                              "eirp_dbm": rng.choice([np.nan, 45.0], m)},
                             geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=32648)  # fmt: skip
    calibration = Calibration(technology={"4G": Correction(5.0, 8.0, 7.0)},
                              operator={("A", "2G"): Correction(-3.0, -10.0, 6.0)})  # fmt: skip
    model = PathLossModel(calibration=calibration if seed % 2 else None,
                          reliability=0.8 if seed % 3 == 0 else 0.5)  # fmt: skip
    targets = rng.uniform(0, 30_000, (n, 2))
    code = pd.Categorical(sites["technology"], categories=["2G", "3G", "4G"]).codes.astype(np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grouped = model.best(targets, sites, code, 3)
        every = best_from_links(model.links(targets, sites), code, n, 3)
    for key in ("level", "site", "distance_km", "signal_dbm"):
        np.testing.assert_allclose(np.nan_to_num(grouped[key], nan=-9), np.nan_to_num(every[key], nan=-9),
                                   atol=1e-9, err_msg=key)  # fmt: skip


def test_line_of_sight_also_at_the_worst_case_k():
    # 22 km over flat ground, mast 30 m, handset 1.5 m: the sight line clears the Earth's
    # bulge by 1.5 m at k = 4/3 and is 3.3 m under it at k = 0.6 (near the handset).
    dem = flat_dem(100.0, size_km=40, res=100.0)
    model = TerrainModel(dem=dem).with_budget("4G", eirp_dbm=90.0)
    site = sites_at([[5000.0, 20_000.0]])
    best = model.best(np.array([[27_000.0, 20_000.0], [8000.0, 20_000.0]]), site, np.array([0]), 1)
    assert best["line_of_sight"][:, 0].tolist() == [1, 1]
    assert best["line_of_sight_worst"][:, 0].tolist() == [0, 1]
