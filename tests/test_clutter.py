"""Clutter: ITU-R P.2108 §3.1 by hand and against NTIA's reference, land cover on the grid."""

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import CRS
from test_models_link import flat_dem

from whitezone.errors import ModelValidityWarning
from whitezone.landcover import Landcover, load_landcover
from whitezone.models.clutter import WORLDCOVER, Clutter, terminal_clutter_loss_db
from whitezone.models.link import PathLossModel
from whitezone.models.terrain import TerrainModel

UTM = CRS.from_epsg(32648)


def test_p2108_at_a_hand_computed_point():
    # Suburban, 900 MHz, h 1.5 m, R 10 m, ws 27 m:
    # h_dif 8.5, θ = atan(8.5/27) = 17.476°, ν = 0.342·√0.9·√(8.5·17.476) = 3.9553,
    # J = 6.9 + 20 log10(√(3.8553² + 1) + 3.8553) = 24.782, A_h = J − 6.03 = 18.752.
    assert terminal_clutter_loss_db(900, terminal_height_m=1.5, clutter_height_m=10,
                                    kind="suburban") == pytest.approx(18.752, abs=0.001)
    # Open/rural: −K_h2 log10(h/R), K_h2 = 21.8 + 6.2 log10 0.9 = 21.516 → 17.727.
    assert terminal_clutter_loss_db(900, terminal_height_m=1.5, clutter_height_m=10,
                                    kind="open") == pytest.approx(17.7275, abs=0.001)
    # At or above the clutter, and with no clutter, nothing is lost.
    assert terminal_clutter_loss_db(900, terminal_height_m=12, clutter_height_m=10, kind="urban") == 0
    assert terminal_clutter_loss_db(900, terminal_height_m=1.5, clutter_height_m=0, kind="none") == 0


def test_p2108_equals_ntias_reference_implementation():
    p2108 = pytest.importorskip("ITS.ITU.PSeries.P2108")
    kinds = {"water": p2108.ClutterType.WaterSea, "open": p2108.ClutterType.OpenRural,
             "suburban": p2108.ClutterType.Suburban, "urban": p2108.ClutterType.Urban,
             "trees": p2108.ClutterType.TreesForest, "dense_urban": p2108.ClutterType.DenseUrban}  # fmt: skip
    rng = np.random.default_rng(3)
    for _ in range(200):
        kind = rng.choice(list(kinds))
        f, h, r = rng.uniform(300, 3000), rng.uniform(1, 30), rng.uniform(5, 40)
        ours = terminal_clutter_loss_db(f, terminal_height_m=h, clutter_height_m=r, kind=kind)
        theirs = p2108.HeightGainTerminalCorrectionModel(f / 1000, h, 27.0, r, kinds[kind])
        assert ours == pytest.approx(theirs, abs=1e-6), (kind, f, h, r)


def grid(codes, *, res=100.0, x0=0.0, y0=20_000.0):
    return Landcover(codes=np.asarray(codes, dtype=np.int32), transform=Affine(res, 0, x0, 0, -res, y0), crs=UTM)


def test_a_class_loses_what_p2108_gives_it_beyond_the_formulas_environment():
    clutter = Clutter(grid([[10, 50, 30]]))
    table = clutter.table([900.0, 2100.0])
    # Trees beside the suburban reference: 22.5763 − 18.7520 at 900 MHz.
    assert table.loc[10, 900.0] == pytest.approx(3.8243, abs=1e-3)
    assert table.loc[50, 900.0] == 0.0 and table.loc[30, 900.0] == 0.0  # never below 0
    assert clutter.loss_db(np.array([10, 50, -1, 999]), np.full(4, 900.0)).tolist() == pytest.approx(
        [3.8243, 0.0, 0.0, 0.0], abs=1e-3)
    with pytest.warns(ModelValidityWarning, match="3500"):
        clutter.loss_db(np.array([10]), np.array([3500.0]))
    # A fixed loss and a calibrated offset per class.
    fixed = Clutter.from_settings({10: {"loss_db": 12.0}, 77: {"kind": "urban"}}, grid([[10]]),
                                  environment="suburban", receiver_height_m=1.5)  # fmt: skip
    assert fixed.with_offsets({10: 1.5}).table([900.0]).loc[10, 900.0] == 13.5
    assert fixed.classes[77].clutter_height_m == 15.0


def test_a_village_in_the_forest_is_weaker_than_one_in_the_field():
    # Land cover 100 m cells: a forest column at x 3.0-3.1 km, fields elsewhere.
    codes = np.full((200, 200), 30)
    codes[:, 30] = 10
    model = PathLossModel(clutter=Clutter(grid(codes)))
    site = gpd.GeoDataFrame({"site_id": ["S"], "technology": ["4G"]},
                            geometry=shapely.points([[3050.0, 10_000.0]]), crs=UTM)  # fmt: skip
    targets = np.array([[3050.0, 11_000.0], [4050.0, 10_000.0]])  # forest, field; both 1 km
    signal = model.pair_links(targets, site, [0, 1], [0, 0])["signal_dbm"].to_numpy()
    # Trees beside suburban at 1800 MHz (P.2108: 25.5990 − 21.7565).
    assert signal[1] - signal[0] == pytest.approx(25.5990 - 21.7565, abs=1e-3)
    best = model.best(targets, site, np.array([0]), 1)["signal_dbm"][:, 0]
    assert best == pytest.approx(signal)


def test_trees_on_a_ridge_raise_the_obstacle_in_the_terrain_model():
    dem = flat_dem(200.0, ridge_x=5000, ridge_height=25.0)
    codes = np.full((200, 200), 30)
    codes[:, 49:51] = 10  # a forest band over the ridge (x 4.9-5.1 km)
    site = gpd.GeoDataFrame({"site_id": ["S"], "technology": ["4G"]},
                            geometry=shapely.points([[1000.0, 10_000.0]]), crs=UTM)  # fmt: skip
    target = np.array([[9000.0, 10_000.0]])
    bare = TerrainModel(dem=dem).pair_links(target, site, [0], [0])["signal_dbm"].iloc[0]
    wooded = TerrainModel(dem=dem, clutter=Clutter(grid(codes))).pair_links(target, site, [0], [0])
    # The receiver stands in a field (no clutter loss): all of the difference is the taller ridge.
    assert wooded["signal_dbm"].iloc[0] < bare - 3.0


def test_load_landcover_keeps_codes_in_any_crs(tmp_path):
    path = tmp_path / "lc.tif"
    data = np.array([[10, 30], [50, 80]], dtype=np.uint8)
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="uint8",
                       crs="EPSG:4326", nodata=0,
                       transform=Affine(0.01, 0, 105.0, 0, -0.01, 21.0)) as dst:  # fmt: skip
        dst.write(data, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lc = load_landcover(path, crs=UTM, resolution_m=100.0)
    assert set(np.unique(lc.codes)) <= {-1, 10, 30, 50, 80}   # nearest cell: no averaged codes
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, UTM, always_xy=True).transform(105.015, 20.995)
    assert lc.class_at(np.array([x]), np.array([y]))[0] == 30
    assert set(WORLDCOVER) == {10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100}


def test_calibration_learns_an_offset_per_land_cover_class(tmp_path):
    from whitezone.models.calibration import calibration_toml, read_calibration
    from whitezone.tuning import fit_calibration

    # Fields everywhere, a forest on the east half; the truth loses 8 dB more in the forest
    # than the model's P.2108 loss, and 5 dB + 10 dB/decade everywhere.
    codes = np.full((200, 200), 30)
    codes[:, 100:] = 10
    model = PathLossModel(clutter=Clutter(grid(codes)))
    rng = np.random.default_rng(5)
    sites = gpd.GeoDataFrame({"site_id": [f"S{i}" for i in range(12)], "technology": "4G",
                              "operator": "Viettel", "status": "active"},
                             geometry=shapely.points(rng.uniform(2000, 18000, (12, 2))), crs=UTM)  # fmt: skip
    n = 3000
    site = rng.integers(0, 12, n)
    angle, dist = rng.uniform(0, 2 * np.pi, n), rng.uniform(300, 2500, n)
    xy = np.column_stack([sites.geometry.x, sites.geometry.y])[site] + np.column_stack(
        [dist * np.cos(angle), dist * np.sin(angle)])  # fmt: skip
    median = model.pair_links(xy, sites, np.arange(n), site)["signal_dbm"].to_numpy()
    forest = xy[:, 0] >= 10_000
    truth = median - (5 + 10 * np.log10(dist / 1000)) - 8.0 * forest + rng.normal(0, 4, n)
    measurements = gpd.GeoDataFrame({"measurement_id": [str(i) for i in range(n)],
                                     "technology": "4G", "operator": "Viettel",
                                     "signal_dbm": truth, "site_id": sites["site_id"].to_numpy()[site],
                                     "cell_id": pd.array([pd.NA] * n, dtype="string"),
                                     "source_row": [f"row {i + 2}" for i in range(n)]},
                                    geometry=shapely.points(xy), crs=UTM)  # fmt: skip
    fitted = fit_calibration(measurements, sites, model, crs=UTM, folds=3)
    offsets = fitted.calibration.clutter
    # The technology's fit takes the average; the classes share out the 8 dB between them.
    assert offsets[10][0] - offsets[30][0] == pytest.approx(8.0, abs=0.6)
    path = tmp_path / "calibration.toml"
    path.write_text(calibration_toml(fitted.calibration))
    assert read_calibration(path).clutter == {k: (pytest.approx(v[0], abs=1e-3), v[1]) for k, v in offsets.items()}
    # A calibrated model applies them through its clutter; without calibration they are gone.
    calibrated = PathLossModel(clutter=Clutter(grid(codes)), calibration=read_calibration(path))
    assert calibrated.clutter.offsets_db[10] == pytest.approx(offsets[10][0], abs=1e-3)
    assert calibrated.without_calibration().clutter.offsets_db == {}
