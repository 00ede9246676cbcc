"""Radial sweeps: the running-hull Bullington, the per-cell link terms, rasters against exact ones."""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS
from test_sectors_flow import project_file

from whitezone import InputError, read_project
from whitezone.dem import Dem
from whitezone.landcover import Landcover
from whitezone.models import ItmModel, PathLossModel, RadiusModel, TerrainModel, radial
from whitezone.models.clutter import Clutter
from whitezone.models.diffraction import profile_diffraction
from whitezone.models.radial import RadialSweep, radial_support, walk_losses
from whitezone.models.terrain_kernel import bullington_links
from whitezone.project import RasterSettings
from whitezone.rasters import coverage_rasters

UTM = CRS.from_epsg(32648)
X0, Y0 = 500_000.0, 2_320_000.0


# --- the walk: Bullington by the running hull equals profile_diffraction -------------------------


def _reference(ground, obstacle, j, step, h_tx, freq, k, method):
    """profile_diffraction of the radial's first j + 1 samples, prepared as the terrain model does."""
    profile = ground[: j + 1].copy()
    if not np.isfinite(profile[[0, -1]]).all():
        if np.isfinite(profile).any():
            level = np.nanmean(profile)
            profile[[0, -1]] = np.where(np.isfinite(profile[[0, -1]]), profile[[0, -1]], level)
        else:
            profile[:] = 0.0
    profile[1:-1] += obstacle[1:j]
    loss, _ = profile_diffraction(profile, j * step, h_tx, 1.5, freq, method=method, k_factor=k)
    return loss[0]


@settings(max_examples=120, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(3, 160),
       roughness=st.sampled_from([0.5, 5.0, 40.0]), holes=st.sampled_from([0.0, 0.0, 0.15, 1.0]),
       mast_hole=st.booleans(), step=st.floats(10.0, 200.0), h_tx=st.floats(2.0, 80.0),
       freq=st.sampled_from([450.0, 900.0, 2100.0, 3500.0]),
       k=st.sampled_from([4.0 / 3.0, 0.6, math.inf]),
       method=st.sampled_from(["bullington", "bullington_p526"]), own=st.integers(0, 3))  # fmt: skip
def test_walk_equals_profile_diffraction(seed, n, roughness, holes, mast_hole, step, h_tx, freq, k,
                                         method, own):  # fmt: skip
    """Each sample as a receiver; its last ``own`` intermediate samples handed over as a cell's."""
    rng = np.random.default_rng(seed)
    ground = 300.0 + np.cumsum(rng.normal(0.0, roughness, n))
    ground[rng.random(n) < holes] = np.nan
    if mast_hole:
        ground[0] = np.nan
    obstacle = rng.choice([0.0, 0.0, 4.0, 15.0], n)
    got = walk_losses(ground, obstacle, step_m=step, tx_height_m=h_tx, rx_height_m=1.5,
                      frequency_mhz=freq, k_factor=k, p526=method == "bullington_p526",
                      own_samples=own)  # fmt: skip
    want = [_reference(ground, obstacle, j, step, h_tx, freq, k, method) for j in range(2, n)]
    np.testing.assert_allclose(got[2:], want, rtol=0, atol=1e-9)
    assert (got[:2] == 0).all()


@settings(max_examples=40, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(3, 120), roughness=st.sampled_from([0.5, 5.0, 40.0]),
       holes=st.sampled_from([0.0, 0.0, 0.15, 1.0]), mast_hole=st.booleans(), step=st.floats(10.0, 200.0),
       k=st.sampled_from([4.0 / 3.0, math.inf]), method=st.sampled_from(["bullington", "bullington_p526"]),
       own=st.integers(0, 2),
       freqs=st.lists(st.sampled_from([450.0, 800.0, 900.0, 1800.0, 2100.0, 2600.0, 3500.0]), min_size=2,
                      max_size=4, unique=True))  # fmt: skip
def test_one_walk_gives_every_frequency_its_loss(seed, n, roughness, holes, mast_hole, step, k, method, own,
                                                 freqs):  # fmt: skip
    """A mast's bands share the walk: each column is profile_diffraction at its own frequency."""
    rng = np.random.default_rng(seed)
    ground = 300.0 + np.cumsum(rng.normal(0.0, roughness, n))
    ground[rng.random(n) < holes] = np.nan
    if mast_hole:
        ground[0] = np.nan
    obstacle = rng.choice([0.0, 0.0, 4.0, 15.0], n)
    got = walk_losses(ground, obstacle, step_m=step, tx_height_m=30.0, rx_height_m=1.5, frequency_mhz=freqs,
                      k_factor=k, p526=method == "bullington_p526", own_samples=own)  # fmt: skip
    assert got.shape == (n, len(freqs))
    for column, freq in enumerate(freqs):
        want = [_reference(ground, obstacle, j, step, 30.0, freq, k, method) for j in range(2, n)]
        np.testing.assert_allclose(got[2:, column], want, rtol=0, atol=1e-9)


def test_walk_over_a_ridge_and_a_clear_valley():
    # A ridge between: every receiver behind it loses; a grazing path loses about 6 dB.
    ground = np.zeros(60)
    ground[20] = 60.0
    loss = walk_losses(ground, step_m=50.0, tx_height_m=30.0, rx_height_m=1.5, frequency_mhz=900.0)
    assert (loss[:21] == 0).all() and (loss[25:] > 6.0).all()
    flat = walk_losses(np.zeros(60) + 100.0, step_m=50.0, tx_height_m=200.0, rx_height_m=150.0,
                       frequency_mhz=900.0, k_factor=math.inf)  # fmt: skip
    assert (flat == 0).all()


# --- a synthetic province -----------------------------------------------------------------------


def _hills(res=50.0, size_km=(24.0, 16.0), seed=3):
    """Smooth hills (a few hundred metres) on a DEM grid over the box (X0 − 2 km, Y0 − 2 km)..."""
    cols, rows = int(size_km[0] * 1000 / res), int(size_km[1] * 1000 / res)
    x = (np.arange(cols) + 0.5) * res
    y = (np.arange(rows) + 0.5) * res
    xx, yy = np.meshgrid(x, y[::-1])
    rng = np.random.default_rng(seed)
    z = np.full(xx.shape, 200.0)
    for _ in range(25):
        cx, cy = rng.uniform(0, cols * res), rng.uniform(0, rows * res)
        z += rng.uniform(40, 220) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * rng.uniform(600, 1800) ** 2))
    transform = Affine(res, 0, X0 - 2000.0, 0, -res, Y0 - 2000.0 + rows * res)
    return Dem(heights_m=z.astype(np.float32), transform=transform, crs=UTM, source="hills")


def _landcover(dem: Dem):
    """Forests (blobs of tree cover, 15 m obstacles) and a village in grassland, 100 m cells."""
    rows, cols = dem.heights_m.shape
    yy, xx = np.mgrid[0 : rows // 2, 0 : cols // 2]
    rng = np.random.default_rng(1)
    field = np.zeros(xx.shape)
    for _ in range(40):
        cx, cy, r = rng.uniform(0, cols // 2), rng.uniform(0, rows // 2), rng.uniform(3, 12)
        field += np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r**2))
    codes = np.where(field > 0.5, 10, 30).astype(np.int32)  # tree cover, grassland
    codes[40:50, 60:75] = 50  # built-up
    t = dem.transform
    return Landcover(codes=codes, transform=Affine(t.a * 2, 0, t.c, 0, t.e * 2, t.f), crs=UTM)


def _sites():
    rows = [  # site_id, technology, x_km, y_km, azimuth
        ("A", "4G", 3.0, 7.0, np.nan), ("B", "4G", 12.0, 4.0, 30.0), ("B", "4G", 12.0, 4.0, 150.0),
        ("B", "4G", 12.0, 4.0, 270.0), ("C", "4G", 17.0, 9.0, np.nan), ("D", "2G", 8.0, 8.0, np.nan),
        ("E", "2G", 16.0, 2.0, 200.0),
    ]  # fmt: skip
    geometry = [shapely.Point(X0 + x * 1000, Y0 + y * 1000) for _, _, x, y, _ in rows]
    return gpd.GeoDataFrame({"site_id": [r[0] for r in rows], "operator": "Op",
                             "technology": [r[1] for r in rows], "status": "active",
                             "azimuth_deg": [r[4] for r in rows]}, geometry=geometry, crs=UTM)  # fmt: skip


def _area():
    return gpd.GeoDataFrame({"commune_id": ["C"]}, geometry=[shapely.box(X0, Y0, X0 + 20_000, Y0 + 12_000)],
                            crs=UTM)  # fmt: skip


def _read(folder, tech):
    with rasterio.open(folder / f"signal_{tech}.tif") as s, rasterio.open(folder / f"server_{tech}.tif") as v:
        return s.read(1), v.read(1)


def _agreement(exact, radial):
    (se, ve), (sr, vr) = exact, radial
    covered = np.isfinite(se)
    assert (np.isfinite(sr) == covered).all()  # the same cells are reached
    diff = np.abs(sr[covered] - se[covered])
    return np.mean(diff <= 1.0), np.mean(ve[covered] == vr[covered]), diff


@pytest.fixture(scope="module")
def hills_model():
    dem = _hills()
    clutter = Clutter(landcover=_landcover(dem))
    return TerrainModel(dem=dem, clutter=clutter, max_range_km=7.0)


def test_radial_rasters_agree_with_exact_on_smooth_hills(hills_model, tmp_path):
    sites, area = _sites(), _area()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exact = coverage_rasters(sites, hills_model, area=area, crs=UTM, folder=tmp_path / "e",
                                 resolution_m=100, tile_size=64, method="exact")  # fmt: skip
        # The default method: radial sweeps.
        radial = coverage_rasters(sites, hills_model, area=area, crs=UTM, folder=tmp_path / "r",
                                  resolution_m=100, tile_size=64)  # fmt: skip
        coverage_rasters(sites, hills_model, area=area, crs=UTM, folder=tmp_path / "t",
                         resolution_m=100, tile_size=1000, method="radial")  # fmt: skip
    with rasterio.open(radial["signal_4g.tif"]) as ds:
        assert ds.tags()["method"] == "radial"
    for tech in ("2g", "4g"):
        within, same_server, diff = _agreement(_read(tmp_path / "e", tech), _read(tmp_path / "r", tech))
        assert within >= 0.99, (tech, within, np.percentile(diff, [50, 99]))
        assert same_server >= 0.98, (tech, same_server)
        # Tiles change nothing: each cell's radials and samples are the site's, not the tile's.
        for a, b in zip(_read(tmp_path / "r", tech), _read(tmp_path / "t", tech), strict=True):
            np.testing.assert_array_equal(a, b)
    assert exact.keys() == radial.keys()


def test_per_cell_terms_equal_the_models(hills_model):
    """Formula (tabulated), sector pattern and clutter: as formula_links computes them per link."""
    sites = _sites()
    xy = np.column_stack([sites.geometry.x, sites.geometry.y])
    rng = np.random.default_rng(0)
    targets = np.column_stack([rng.uniform(X0, X0 + 20_000, 3000), rng.uniform(Y0, Y0 + 12_000, 3000)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, target, site, _, signal = hills_model.formula_links(targets, sites, site_xy=xy)
        sweep = RadialSweep(hills_model, sites, xy, hills_model.reach_km(sites) * 1000.0, resolution_m=100.0)
        mine = sweep.signals(site, targets[target])
    assert len(target) > 4000 and np.isfinite(sweep.links[5][site]).any()  # sectors among them
    np.testing.assert_allclose(mine, signal, rtol=0, atol=0.01)


def test_short_links_are_profiled_exactly(hills_model):
    """Cells near a mast take their own profile: the very loss the model gives."""
    sites = _sites().iloc[[0]].reset_index(drop=True)
    xy = np.column_stack([sites.geometry.x, sites.geometry.y])
    sweep = RadialSweep(hills_model, sites, xy, hills_model.reach_km(sites) * 1000.0, resolution_m=100.0)
    xs = xy[0, 0] + np.arange(-15, 16) * 100.0 + 30.0
    ys = xy[0, 1] - np.arange(-15, 16) * 100.0 + 10.0
    signal, server = sweep.tile(xs, ys, np.ones((31, 31), dtype=bool), np.array([0]))
    xx, yy = np.meshgrid(xs, ys)
    targets = np.column_stack([xx.ravel(), yy.ravel()])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        links = hills_model.links(targets, sites, site_xy=xy)
    want = np.full(len(targets), np.nan)
    want[links["target"].to_numpy()] = links["signal_dbm"].to_numpy()
    got = signal.ravel()
    assert (np.isfinite(got) == np.isfinite(want)).all() and (server.ravel()[np.isfinite(got)] == 0).all()
    # Up to 63 DEM cells the model's profile has at most 64 samples: the link's own.
    near = np.hypot(targets[:, 0] - xy[0, 0], targets[:, 1] - xy[0, 1]) < 63 * hills_model.dem.resolution_m
    assert near.mean() > 0.5
    np.testing.assert_allclose(got[near], want[near], rtol=0, atol=0.01)


# --- the sample province ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    import whitezone as wz
    from whitezone.models import model_for

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = wz.sample_project()
        layers = wz.load_layers(project)
        model = model_for(project.with_model(kind="terrain"), layers)
    return layers, model


def test_radial_rasters_on_a_cut_of_the_sample(sample, tmp_path):
    """A 12 km square of the sample's mountains, its 2G and 4G cells reaching up to 10 km."""
    layers, model = sample
    model = replace(model, max_range_km=10.0)
    sites = layers.sites[layers.sites["status"] == "active"].to_crs(layers.crs)
    x, y = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    cx, cy = np.median(x), np.median(y)
    box = shapely.box(cx - 6000, cy - 6000, cx + 6000, cy + 6000)
    area = gpd.GeoDataFrame({"commune_id": ["cut"]}, geometry=[box], crs=layers.crs)
    near = sites[(np.abs(x - cx) < 16_000) & (np.abs(y - cy) < 16_000)
                 & sites["technology"].isin(["2G", "4G"]).to_numpy()]  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for method in ("exact", "radial"):
            coverage_rasters(near, model, area=area, crs=layers.crs, folder=tmp_path / method,
                             resolution_m=100, method=method)  # fmt: skip
    for tech in ("2g", "4g"):
        within, same_server, diff = _agreement(_read(tmp_path / "exact", tech),
                                               _read(tmp_path / "radial", tech))  # fmt: skip
        assert within >= 0.99, (tech, within, np.percentile(diff, [50, 99]))
        assert same_server >= 0.98, (tech, same_server)


# --- settings and fallbacks ---------------------------------------------------------------------


def test_the_project_s_method_reaches_the_rasters(tmp_path, monkeypatch):
    """[rasters] method flows from the project file through write_outputs to coverage_rasters."""
    import whitezone.outputs as outputs
    from whitezone.cli import main

    seen = []
    real = outputs.coverage_rasters

    def recording(*args, **kwargs):
        seen.append(kwargs.get("method"))
        return real(*args, **kwargs)

    monkeypatch.setattr(outputs, "coverage_rasters", recording)
    folder = tmp_path / "demo"
    assert main(["sample", str(folder), "--seed", "5"]) == 0
    text = (folder / "project.toml").read_text(encoding="utf-8")
    (folder / "project.toml").write_text(text + '\n[rasters]\nmethod = "exact"\nresolution_m = 1000\n',
                                         encoding="utf-8")  # fmt: skip
    assert main(["run", str(folder / "project.toml"), "--rasters", "-o", str(tmp_path / "out"), "-q"]) == 0
    assert seen and set(seen) == {"exact"}


def test_method_setting_is_read(tmp_path):
    assert RasterSettings().method == "radial"
    assert read_project(project_file(tmp_path, "")).rasters.method == "radial"
    project = read_project(project_file(tmp_path, '[rasters]\nmethod = "exact"\n'))
    assert project.rasters.method == "exact"


def test_bad_method_lists_the_allowed_values(tmp_path):
    with pytest.raises(InputError) as info:
        read_project(project_file(tmp_path, '[rasters]\nmethod = "sweep"\n'))
    [p] = info.value.problems
    assert p.column == "rasters.method"
    assert p.message == "unknown method 'sweep'; expected one of exact, radial"


def test_models_without_bullington_terrain_fall_back_to_exact(tiny_layers, hills_model, tmp_path, caplog):
    assert radial_support(hills_model) is None
    assert "deygout" in radial_support(TerrainModel(dem=hills_model.dem, diffraction="deygout"))
    assert radial_support(PathLossModel()) is not None
    assert "itm" in radial_support(ItmModel(dem=hills_model.dem))
    layers = tiny_layers
    model = RadiusModel()
    with caplog.at_level(logging.INFO, logger="whitezone.rasters"):
        radial = coverage_rasters(layers.sites, model, area=layers.communes, crs=layers.crs,
                                  folder=tmp_path / "r", resolution_m=500, method="radial")  # fmt: skip
    assert "radial sweeps not used" in caplog.text
    exact = coverage_rasters(layers.sites, model, area=layers.communes, crs=layers.crs,
                             folder=tmp_path / "e", resolution_m=500, method="exact")  # fmt: skip
    for name in ("signal_2g.tif", "server_4g.tif"):
        with rasterio.open(radial[name]) as a, rasterio.open(exact[name]) as b:
            np.testing.assert_array_equal(a.read(1), b.read(1))
    with pytest.raises(ValueError, match="expected one of"):
        coverage_rasters(layers.sites, model, area=layers.communes, crs=layers.crs, folder=tmp_path,
                         method="fast")  # fmt: skip


def _dense_sites(count=40, seed=3):
    """Many omni masts (the case the bounds are for: a cell within reach of most of them)."""
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0.5, 19.5, count), rng.uniform(0.5, 11.5, count)
    return gpd.GeoDataFrame({"site_id": [f"S{i}" for i in range(count)], "operator": "Op",
                             "technology": "4G", "status": "active", "azimuth_deg": np.nan},
                            geometry=shapely.points(X0 + x * 1000, Y0 + y * 1000), crs=UTM)  # fmt: skip


@pytest.mark.parametrize("dense", [False, True])
def test_pruning_masts_by_their_formula_bound_changes_nothing(hills_model, dense):
    """Masts (and blocks of cells) that cannot beat a cell's best even without diffraction are skipped."""
    sites = _dense_sites() if dense else _sites()
    xy = np.column_stack([sites.geometry.x, sites.geometry.y])
    reach = hills_model.reach_km(sites) * 1000.0
    xs = X0 + 50.0 + np.arange(0, 200) * 100.0
    ys = Y0 + 12_000 - 50.0 - np.arange(0, 120) * 100.0
    mask = np.ones((len(ys), len(xs)), dtype=bool)
    every = np.arange(len(sites))
    got = RadialSweep(hills_model, sites, xy, reach, resolution_m=100.0).tile(xs, ys, mask, every)
    want = RadialSweep(hills_model, sites, xy, reach, resolution_m=100.0, prune=False).tile(xs, ys, mask, every)
    np.testing.assert_array_equal(got[1], want[1])
    np.testing.assert_array_equal(got[0], want[0])
    assert np.isfinite(got[0]).mean() > 0.5 and len(np.unique(got[1])) > 3


# --- compiled pieces against the model's ----------------------------------------------------------


def _random_dem(seed, holes=0.0, shape=(80, 100), res=75.0):
    """Rough random relief (a random walk smoothed, plus hills) with nodata holes, south-west at X0 − 2 km."""
    rng = np.random.default_rng(seed)
    rows, cols = shape
    z = np.cumsum(np.cumsum(rng.normal(0.0, 1.5, shape), axis=0), axis=1) / 4.0
    yy, xx = np.mgrid[0:rows, 0:cols]
    for _ in range(8):
        cy, cx, r = rng.uniform(0, rows), rng.uniform(0, cols), rng.uniform(4, 20)
        z += rng.uniform(30, 250) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r**2))
    z = 200.0 + z - z.min()
    z[rng.random(shape) < holes] = np.nan
    transform = Affine(res, 0, X0 - 2000.0, 0, -res, Y0 - 2000.0 + rows * res)
    return Dem(heights_m=z.astype(np.float32), transform=transform, crs=UTM, source="random")


def _random_cover(dem, seed):
    """A land cover on its own grid (coarser, shifted, smaller than the DEM), unknown codes among the classes."""
    rng = np.random.default_rng(seed)
    t = dem.transform
    rows, cols = dem.heights_m.shape
    codes = rng.choice([10, 10, 20, 30, 40, 50, 60, 80, -1, 7, 255], size=(rows // 2 - 3, cols // 2 - 2))
    transform = Affine(t.a * 2.1, 0, t.c + 130.0, 0, t.e * 2.1, t.f - 90.0)
    return Landcover(codes=codes.astype(np.int32), transform=transform, crs=UTM)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), holes=st.sampled_from([0.0, 0.05, 0.5]), m=st.integers(3, 48),
       k=st.sampled_from([4.0 / 3.0, math.inf]), p526=st.booleans(), cover=st.booleans())  # fmt: skip
def test_short_links_equal_the_model_s_profiles(seed, holes, m, k, p526, cover):
    """_short_link against bullington_links, links inside, across and beyond the grids, over holes."""
    dem = _random_dem(seed, holes)
    rng = np.random.default_rng(seed)
    obstacles = None
    table = np.array([0.0] * 10 + [15.0] + [0.0] * 9 + [4.0] + [0.0] * 40)
    if cover:
        obstacles = (_random_cover(dem, seed), table)
    (x0, x1), (y0, y1) = (X0 - 2600.0, X0 + 6100.0), (Y0 - 2600.0, Y0 + 4600.0)  # beyond the DEM
    start = np.column_stack([rng.uniform(x0, x1, 60), rng.uniform(y0, y1, 60)])
    end = start + rng.normal(0.0, 1500.0, (60, 2))
    freqs = np.array([800.0, 1800.0, 3500.0])
    want = np.column_stack([bullington_links(dem, start, end, np.full(60, m), tx_height_m=np.full(60, 25.0),
                                             rx_height_m=1.5, frequency_mhz=np.full(60, f), k_factor=k,
                                             p526=p526, obstacles=obstacles)[0] for f in freqs])  # fmt: skip
    heights, dem_t = np.ascontiguousarray(dem.heights_m), np.array([X0 - 2000.0, 75.0, dem.transform.f, -75.0])
    if cover:
        lc = obstacles[0]
        lc_codes, lc_t = lc.codes, np.array([lc.transform.c, lc.transform.a, lc.transform.f, lc.transform.e])
    else:
        lc_codes, lc_t, table = np.zeros((1, 1), np.int32), np.array([0.0, 1.0, 0.0, -1.0]), np.zeros(0)
    lams = 299_792_458.0 / (freqs * 1e6)
    c = 0.0 if math.isinf(k) else 1.0 / (2.0 * k * 6_371_000.0)
    got = np.full((60, 3), -1.0)
    for i in range(60):
        length = math.hypot(*(end[i] - start[i]))
        radial._short_link(heights, dem_t, lc_codes, lc_t, table, start[i, 0], start[i, 1], end[i, 0], end[i, 1],
                           m, length, 25.0, 1.5, freqs, lams, 3, c, k, p526, radial._fractions(48), np.empty(48),
                           np.empty(48), got, i)  # fmt: skip
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


@pytest.mark.parametrize("holes", [0.0, 0.3])
def test_tile_cells_equal_height_at_and_cell_codes(holes):
    """A tile's ground (Dem.height_at) and clutter columns (cell_codes), cells beyond both grids too."""
    dem = _random_dem(5, holes)
    model = TerrainModel(dem=dem, clutter=Clutter(landcover=_random_cover(dem, 5)), max_range_km=5.0)
    sites = _sites()
    sweep = RadialSweep(model, sites, np.column_stack([sites.geometry.x, sites.geometry.y]),
                        np.full(len(sites), 5000.0), resolution_m=100.0)  # fmt: skip
    xs = X0 - 2600.0 + np.arange(95) * 100.0
    ys = Y0 + 4700.0 - np.arange(80) * 100.0
    ground, code = np.empty((80, 95)), np.empty((80, 95), dtype=np.int64)
    radial._tile_cells(xs, ys, sweep.terrain[0], sweep.terrain[1], *sweep._cover, ground, code)
    xx, yy = np.meshgrid(xs, ys)
    centres = np.column_stack([xx.ravel(), yy.ravel()])
    np.testing.assert_allclose(ground.ravel(), dem.height_at(centres[:, 0], centres[:, 1]), rtol=0, atol=1e-9)
    np.testing.assert_array_equal(code.ravel(), sweep.cell_codes(centres))
    assert np.isnan(ground).any() and len(np.unique(code)) > 4


# --- shared walks and workers -------------------------------------------------------------------


def _banded_sites(rng, places=6):
    """Masts carrying two or three bands each (the same place and height), some of them in sectors.

    Each band with its own power, so that every band serves somewhere.
    """
    rows = []
    for p in range(places):
        x, y = X0 + rng.uniform(-1500.0, 5200.0), Y0 + rng.uniform(-1500.0, 4300.0)
        height = rng.choice([20.0, 35.0])
        bands = rng.choice([800.0, 1800.0, 2600.0], size=rng.integers(2, 4), replace=False)
        azimuths = [np.nan] if rng.random() < 0.4 else [30.0, 150.0, 270.0]
        rows += [(f"P{p}", x, y, height, f, a, rng.uniform(30.0, 60.0)) for f in bands for a in azimuths]
    # A second mast at the first place, higher: its own walks.
    rows += [("P0", rows[0][1], rows[0][2], rows[0][3] + 12.0, 1800.0, np.nan, 50.0)]
    return gpd.GeoDataFrame({"site_id": [r[0] for r in rows], "operator": "Op", "technology": "4G",
                             "status": "active", "height_m": [r[3] for r in rows],
                             "frequency_mhz": [r[4] for r in rows], "azimuth_deg": [r[5] for r in rows],
                             "eirp_dbm": [r[6] for r in rows]},
                            geometry=shapely.points([r[1] for r in rows], [r[2] for r in rows]), crs=UTM)  # fmt: skip


def _shared_and_apart(model, sites, xs, ys, mask):
    xy = np.column_stack([sites.geometry.x, sites.geometry.y])
    reach = model.reach_km(sites) * 1000.0
    every = np.arange(len(sites))
    shared = RadialSweep(model, sites, xy, reach, resolution_m=100.0)
    apart = RadialSweep(model, sites, xy, reach, resolution_m=100.0, share_walks=False)
    assert len(shared.masts[0]) < len(apart.masts[0])  # the bands of a mast share its walks
    return shared.tile(xs, ys, mask, every), apart.tile(xs, ys, mask, every)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), holes=st.sampled_from([0.0, 0.02]), p526=st.booleans(),
       cover=st.booleans())  # fmt: skip
def test_shared_walks_give_the_unshared_rasters_on_random_dems(seed, holes, p526, cover):
    """One walk per place and height for all its bands: the rasters of one walk per band, to 1e-9 dB."""
    dem = _random_dem(seed, holes)
    clutter = Clutter(landcover=_random_cover(dem, seed)) if cover else None
    model = TerrainModel(dem=dem, clutter=clutter, max_range_km=5.0,
                         diffraction="bullington_p526" if p526 else "bullington")  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sites = _banded_sites(np.random.default_rng(seed))
        xs = X0 - 2300.0 + np.arange(90) * 100.0
        ys = Y0 + 4400.0 - np.arange(75) * 100.0
        mask = np.random.default_rng(seed).random((75, 90)) < 0.9
        (s_sig, s_srv), (a_sig, a_srv) = _shared_and_apart(model, sites, xs, ys, mask)
    np.testing.assert_array_equal(s_srv, a_srv)
    np.testing.assert_allclose(s_sig, a_sig, rtol=0, atol=1e-9)
    assert np.isfinite(s_sig).mean() > 0.3
    serving = sites.iloc[np.unique(s_srv[s_srv >= 0])]
    assert serving.groupby(["site_id", "height_m"])["frequency_mhz"].nunique().max() > 1  # bands of one mast


def test_shared_walks_on_the_sample(sample):
    """The sample's 4G masts given an 800 MHz band besides their own: shared walks, the same rasters."""
    layers, model = sample
    model = replace(model, max_range_km=8.0)
    sites = layers.sites[(layers.sites["status"] == "active") & (layers.sites["technology"] == "4G")]
    sites = sites.to_crs(layers.crs)
    x, y = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    cx, cy = np.median(x), np.median(y)
    near = sites[(np.abs(x - cx) < 12_000) & (np.abs(y - cy) < 12_000)]
    # The 800 MHz band 12 dB weaker than the mast's own: each band serves somewhere.
    own = model.parameters(near)["eirp_dbm"].to_numpy()
    banded = gpd.GeoDataFrame(pd.concat([near, near.assign(frequency_mhz=800.0, eirp_dbm=own - 12.0)],
                                        ignore_index=True), crs=layers.crs)  # fmt: skip
    xs = cx - 4000.0 + np.arange(80) * 100.0
    ys = cy + 4000.0 - np.arange(80) * 100.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (s_sig, s_srv), (a_sig, a_srv) = _shared_and_apart(model, banded, xs, ys, np.ones((80, 80), bool))
    np.testing.assert_array_equal(s_srv, a_srv)
    np.testing.assert_allclose(s_sig, a_sig, rtol=0, atol=1e-9)
    assert np.isfinite(s_sig).mean() > 0.5
    assert 0.05 < np.mean(s_srv[s_srv >= 0] >= len(near)) < 0.95  # both bands serve


@pytest.mark.parametrize("workers", [1, 3])
def test_workers_change_nothing(hills_model, workers):
    """However many threads take the masts (and whichever holds a cell's best), the same rasters."""
    sites = _dense_sites()
    xy = np.column_stack([sites.geometry.x, sites.geometry.y])
    reach = hills_model.reach_km(sites) * 1000.0
    xs = X0 + 50.0 + np.arange(0, 200) * 100.0
    ys = Y0 + 12_000 - 50.0 - np.arange(0, 120) * 100.0
    mask = np.ones((len(ys), len(xs)), dtype=bool)
    every = np.arange(len(sites))
    got = RadialSweep(hills_model, sites, xy, reach, resolution_m=100.0, workers=workers).tile(xs, ys, mask, every)
    want = RadialSweep(hills_model, sites, xy, reach, resolution_m=100.0, workers=2).tile(xs, ys, mask, every)
    np.testing.assert_array_equal(got[1], want[1])
    np.testing.assert_array_equal(got[0], want[0])
