"""Measurements, validation, calibration and the probability of coverage."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import X0, Y0, lonlat, write_csv
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from test_pipeline_models import add_dem, with_kind

from whitezone import InputError, RepairWarning, read_project
from whitezone.analysis import analyse
from whitezone.classify import site_coordinates
from whitezone.cli import main
from whitezone.layers import load_layers, read_measurements
from whitezone.models import PathLossModel, model_for
from whitezone.models.calibration import Calibration, Correction, calibration_toml, read_calibration
from whitezone.project import LayerSource
from whitezone.tuning import calibrate, fit_correction, site_folds
from whitezone.validation import cohen_kappa, summary_statistics, validate

_TO_LONLAT = Transformer.from_crs(32648, 4326, always_xy=True)


# -- the measurements layer ---------------------------------------------------------------------


def test_measurements_with_vietnamese_headers_and_implausible_signals(tmp_path):
    lon, lat = lonlat(2, 7)
    path = write_csv(tmp_path / "m.csv", ["Thời gian", "Kinh độ", "Vĩ độ", "Công nghệ", "Nhà mạng",
                                          "Mã trạm", "Mức thu (dBm)"], [
        ["2026-06-01 07:00", lon, lat, "LTE", "Viettel", "S1", "-95,5"],
        ["2026-06-01 07:01", lon, lat, "4G", "Viettel", "S1", "0"],
        ["2026-06-01 07:02", lon, lat, "GSM", "VNPT", "", "-170"],
    ])  # fmt: skip
    with pytest.warns(RepairWarning, match=r"outside -150 to -20 dBm .* \(2: row 3, row 4\)"):
        out = read_measurements(path)
    assert out["technology"].tolist() == ["4G"] and out["signal_dbm"].tolist() == [-95.5]
    assert out["site_id"].tolist() == ["S1"] and out["operator"].tolist() == ["Viettel"]
    assert [r.kind for r in out.attrs["repairs"]] == ["implausible_signal"]


def test_bad_measurement_rows_are_named(tmp_path):
    lon, lat = lonlat(2, 7)
    path = write_csv(tmp_path / "m.csv", ["lon", "lat", "technology", "rsrp"], [
        [lon, lat, "6G", "-90"], [lon, lat, "4G", "strong"], ["", "", "4G", "-90"], [lon, lat, "4G", ""],
    ])  # fmt: skip
    with pytest.raises(InputError) as info:
        read_measurements(path)
    text = str(info.value)
    assert "row 2, column 'technology': unknown technology '6G'" in text
    assert "row 3, column 'rsrp': expected a signal in dBm, got 'strong'" in text
    assert "row 4" in text and "no coordinates" in text
    assert "row 5, column 'rsrp': the signal is blank" in text


def test_opencellid_measurement_exports(tmp_path):
    lon, lat = lonlat(2, 7)
    path = write_csv(tmp_path / "ocid.csv", ["mcc", "net", "area", "cell", "lon", "lat", "signal",
                                             "measured", "radio"], [
        [452, 4, 100, 7001, lon, lat, -97, "2026-06-01", "LTE"],
        [452, 2, 100, 9001, lon, lat, -85, "2026-06-01", "GSM"],
    ])  # fmt: skip
    source = LayerSource(name="measurements", path=path, format="opencellid-measurements")
    out = read_measurements(source)
    assert out["operator"].tolist() == ["Viettel", "VinaPhone"]
    assert out["technology"].tolist() == ["4G", "2G"] and out["cell_id"].tolist() == ["7001", "9001"]


# -- the statistics, by hand --------------------------------------------------------------------


def test_every_statistic_equals_a_hand_computation():
    measured = np.array([-90.0, -100.0, -80.0, -110.0, -95.0])
    error = np.array([2.0, -1.0, 3.0, 0.0, -4.0])
    predicted = measured + error
    m_class = ["good", "good", "good", "weak", "good"]
    p_class = ["good", "weak", "good", "weak", "none"]
    s = summary_statistics(error, predicted, measured, p_class, m_class)
    assert s["measurements"] == 5
    assert s["mean_error_db"] == pytest.approx(0.0)
    assert s["std_error_db"] == pytest.approx(math.sqrt((4 + 1 + 9 + 0 + 16) / 4))
    assert s["rmse_db"] == pytest.approx(math.sqrt(30 / 5))
    assert s["mae_db"] == pytest.approx((2 + 1 + 3 + 0 + 4) / 5)
    mp, mm = predicted.mean(), measured.mean()
    r = sum((a - mp) * (b - mm) for a, b in zip(predicted, measured, strict=True)) / math.sqrt(
        sum((a - mp) ** 2 for a in predicted) * sum((b - mm) ** 2 for b in measured))
    assert s["correlation"] == pytest.approx(r)
    assert s["class_agreement"] == pytest.approx(3 / 5)
    # observed 0.6; expected by chance 0 x 0.2 + 0.2 x 0.4 + 0.8 x 0.4 = 0.4
    assert s["kappa"] == pytest.approx((0.6 - 0.4) / (1 - 0.4))
    assert cohen_kappa(m_class, m_class) == 1.0


# -- synthetic measurements from a known truth ---------------------------------------------------


def _drive(layers, model, *, offset, slope, sigma, n=4000, seed=3):
    """Measurements around the active sites: the model's signal, less offset + slope, plus noise."""
    rng = np.random.default_rng(seed)
    active = layers.sites[layers.sites["status"] == "active"].reset_index(drop=True)
    xy = site_coordinates(active, layers.crs)
    site = rng.integers(0, len(active), n)
    d = 10 ** rng.uniform(np.log10(0.3), np.log10(6.0), n) * 1000
    angle = rng.uniform(0, 2 * np.pi, n)
    points = xy[site] + np.column_stack([d * np.cos(angle), d * np.sin(angle)])
    links = model.pair_links(points, active, np.arange(n), site, site_xy=xy, calibrated=False)
    signal = (links["signal_dbm"].to_numpy() - (offset + slope * np.log10(links["distance_km"]))
              + rng.normal(0, sigma, n))  # fmt: skip
    lon, lat = _TO_LONLAT.transform(points[:, 0], points[:, 1])
    out = gpd.GeoDataFrame({"measurement_id": [str(i) for i in range(n)],
                            "technology": active["technology"].to_numpy()[site], "signal_dbm": signal,
                            "operator": active["operator"].to_numpy()[site],
                            "site_id": active["site_id"].to_numpy()[site],
                            "cell_id": pd.array([pd.NA] * n, dtype="string"), "time": None,
                            "source_row": [f"row {i + 2}" for i in range(n)]},
                           geometry=gpd.points_from_xy(lon, lat), crs=4326)  # fmt: skip
    return out[(out["signal_dbm"] > -150) & (out["signal_dbm"] < -20)].reset_index(drop=True)


@pytest.mark.parametrize("kind", ["pathloss", "terrain"])
def test_calibration_recovers_what_was_put_in(tiny, kind):
    add_dem(tiny)
    project = read_project(with_kind(tiny, kind, f"out_{kind}"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layers = load_layers(project)
        model = model_for(project, layers)
        measurements = _drive(layers, model, offset=5.0, slope=12.0, sigma=6.0)
        fitted = calibrate(project, measurements, folds=2)
    c = fitted.calibration.technology["4G"]   # S1 and S2 carry 4G; 2G has one site only
    assert abs(c.offset_db - 5.0) < 1.0
    assert abs(c.slope_db_per_decade - 12.0) < 2.0
    assert abs(c.sigma_db - 6.0) < 0.6
    cv = fitted.cross_validation.set_index(["technology", "operator"]).loc[("4G", "all")]
    assert cv["rmse_after_db"] < cv["rmse_before_db"]
    # Folds never share a site.
    points = fitted.points[fitted.points["technology"] == "4G"]
    assert (points.groupby("site_id")["fold"].nunique() == 1).all()
    # The written calibration reads back the same.
    path = tiny.parent / "calibration.toml"
    path.write_text(fitted.toml(), encoding="utf-8")
    back = read_calibration(path).technology["4G"]
    assert back.offset_db == pytest.approx(c.offset_db, abs=1e-3)


def test_a_robust_fit_shrugs_off_wild_measurements():
    rng = np.random.default_rng(0)
    d = 10 ** rng.uniform(-0.5, 1, 2000)
    e = 4.0 + 8.0 * np.log10(d) + rng.normal(0, 5, d.size)
    e[:40] += 80.0   # a scanner gone wrong
    offset, slope, sigma = fit_correction(e, d)
    assert abs(offset - 4.0) < 0.7 and abs(slope - 8.0) < 1.0


@given(st.lists(st.sampled_from("ABCDEFGHIJ"), min_size=1, max_size=200), st.integers(2, 6))
@settings(max_examples=60, deadline=None)
def test_folds_keep_every_site_in_one_fold(sites, folds):
    fold = site_folds(sites, folds, seed=1)
    frame = pd.DataFrame({"site": sites, "fold": fold})
    assert (frame.groupby("site")["fold"].nunique() == 1).all()
    assert fold.min() >= 0 and fold.max() < folds


# -- validation of a run ------------------------------------------------------------------------


def test_validation_pairs_by_log_cell_or_best_server(tiny):
    project = read_project(with_kind(tiny, "pathloss", "out_pl"))
    lon, lat = lonlat(3, 4)    # V2: 3 km from S1 (4G), 13 km from S2
    path = write_csv(tiny.parent / "m.csv", ["lon", "lat", "technology", "operator", "site_id",
                                              "signal_dbm"], [
        [lon, lat, "4G", "Viettel", "S1", "-95"],
        [lon, lat, "4G", "VNPT", "", "-112"],       # VNPT: S2 (13 km, beyond its modelled reach)
        [lon, lat, "4G", "", "S9", "-99"],          # not a site: the nearest 4G site, S1
    ])  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = analyse(load_layers(project), project)
        v = validate(result, read_measurements(path))
    assert v.points["site_id"].tolist() == ["S1", "S2", "S1"]
    assert v.points["served_by"].tolist() == ["log", "nearest", "nearest"]
    model = result.model
    for row in v.points.itertuples():
        assert row.error_db == pytest.approx(row.predicted_dbm - row.measured_dbm, abs=0.06)
    assert v.points["distance_km"].iloc[0] == pytest.approx(3.0, abs=1e-3)
    assert list(v.summary.columns) == ["technology", "operator", "measurements", "mean_error_db",
                                       "std_error_db", "rmse_db", "mae_db", "correlation",
                                       "class_agreement", "kappa"]  # fmt: skip
    assert v.summary.iloc[-1][["technology", "operator", "measurements"]].tolist() == ["all", "all", 3]
    assert model.yields_dbm


def test_radius_model_validation_is_classes_only(tiny):
    lon, lat = lonlat(2, 7)   # V1, 1 km from S1: good by the radius
    path = write_csv(tiny.parent / "m.csv", ["lon", "lat", "technology", "signal_dbm"],
                     [[lon, lat, "4G", "-120"]])  # fmt: skip
    project = read_project(tiny)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v = validate(analyse(load_layers(project), project), read_measurements(path))
    row = v.points.iloc[0]
    assert (row["predicted_class"], row["measured_class"]) == ("good", "none")
    assert np.isnan(row["predicted_dbm"]) and not v.yields_dbm
    assert v.summary.iloc[-1]["class_agreement"] == 0.0


# -- the probability of coverage and the reliability --------------------------------------------


def _along_a_line(model, sites, distances_km):
    xy = np.array([[X0 + 3000.0 + d * 1000.0, Y0 + 7000.0] for d in distances_km])
    return xy, model.best(xy, sites, np.zeros(len(sites), dtype=np.int64), 1,
                          site_xy=np.array([[X0 + 3000.0, Y0 + 7000.0]]))  # fmt: skip


def _one_site():
    return gpd.GeoDataFrame({"site_id": ["S1"], "operator": ["Viettel"], "technology": ["4G"],
                             "status": ["active"], "height_m": [30.0]},
                            geometry=gpd.points_from_xy([105.0], [21.0]), crs=4326)  # fmt: skip


@given(st.lists(st.floats(0.05, 20.0), min_size=2, max_size=30, unique=True))
@settings(max_examples=40, deadline=None)
def test_p_good_never_rises_with_distance_from_a_single_site(distances):
    model, sites = PathLossModel(), _one_site()
    distances = sorted(distances)
    _, best = _along_a_line(model, sites, distances)
    p = model.coverage_probability(best, sites)["p_good"][:, 0]
    served = np.isfinite(p)
    assert np.all(np.diff(p[served]) <= 1e-12)
    assert np.all(model.coverage_probability(best, sites)["p_weak"][served, 0] >= p[served])


def test_reliability_one_half_is_the_median_and_more_needs_more_signal():
    sites = _one_site()
    distances = np.linspace(0.1, 8.0, 400)
    base = PathLossModel()
    _, median = _along_a_line(base, sites, distances)
    _, half = _along_a_line(PathLossModel(reliability=0.5, location_sigma_db=8.0), sites, distances)
    assert np.array_equal(median["level"], half["level"])
    sure = PathLossModel(reliability=0.9, location_sigma_db=8.0)
    _, strict = _along_a_line(sure, sites, distances)
    assert (strict["level"] <= median["level"]).all() and (strict["level"] < median["level"]).any()
    p = sure.coverage_probability(strict, sites)["p_good"][:, 0]
    good = strict["level"][:, 0] == 2
    assert (p[good] >= 0.9 - 1e-9).all() and (p[~good & np.isfinite(p)] < 0.9 + 1e-9).all()


def test_the_sample_with_reliability_one_half_keeps_its_classes():
    from whitezone.datasets import sample_project

    project = sample_project().with_model(kind="pathloss")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layers = load_layers(project)
        a = analyse(layers, project).villages
        b = analyse(layers, project.with_model(reliability=0.5, location_sigma_db=3.0)).villages
    for col in [c for c in a.columns if c.startswith("class_")]:
        assert a[col].equals(b[col]), col
    assert {"p_good_4g", "p_weak_4g"} <= set(a.columns)


def test_a_calibration_moves_the_model(tiny):
    project = read_project(with_kind(tiny, "pathloss", "out_cal"))
    cal = Calibration(technology={"4G": Correction(20.0, 0.0, 6.0, 100, 2)})
    (tiny.parent / "calibration.toml").write_text(calibration_toml(cal), encoding="utf-8")
    text = (tiny.parent / "pathloss.toml").read_text(encoding="utf-8")
    (tiny.parent / "pathloss.toml").write_text(text.replace('kind = "pathloss"',
                                               'kind = "pathloss"\ncalibration = "calibration.toml"'),
                                               encoding="utf-8")  # fmt: skip
    calibrated = read_project(tiny.parent / "pathloss.toml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layers = load_layers(project)
        plain = analyse(layers, project).villages.set_index("village_id")
        moved = analyse(layers, calibrated).villages.set_index("village_id")
    diff = plain["signal_dbm_4g"] - moved["signal_dbm_4g"]
    assert diff.dropna().round(6).eq(20.0).all()       # 20 dB more loss, at every village
    served = plain["p_good_4g"].notna()
    assert (moved.loc[served, "p_good_4g"] <= plain.loc[served, "p_good_4g"]).all()


# -- the commands -------------------------------------------------------------------------------


@pytest.mark.slow
def test_validate_and_calibrate_commands_on_the_sample(tmp_path, capsys):
    out = str(tmp_path / "out")
    assert main(["calibrate", "--model", "pathloss", "--lang", "en", "-o", out]) == 0
    printed = capsys.readouterr().out
    assert "4G: offset" in printed and "cross-validated RMSE" in printed
    fitted = read_calibration(tmp_path / "out" / "calibration.toml")
    for tech in ("2G", "3G", "4G"):   # the sample's truth: 6 dB + 10 dB/decade, σ 7 dB
        c = fitted.technology[tech]
        assert abs(c.offset_db - 6.0) < 1.0 and abs(c.slope_db_per_decade - 10.0) < 2.0
        assert abs(c.sigma_db - 7.0) < 0.7
    table = pd.read_csv(tmp_path / "out" / "calibration_summary.csv", encoding="utf-8-sig")
    assert set(table["operator"]) == {"all", "MobiFone", "VNPT", "Viettel"}
    # Each row's cross-validated errors are its own: an operator's measurements are fewer.
    for _tech, rows in table.groupby("technology"):
        whole = rows[rows["operator"] == "all"].iloc[0]
        ops = rows[rows["operator"] != "all"]
        assert (ops["measurements"] < whole["measurements"]).all()
        assert ops["measurements"].sum() == whole["measurements"]
        assert (ops["rmse_after_db"] < ops["rmse_before_db"]).all()
        assert ops["rmse_before_db"].nunique() == len(ops)
    assert main(["validate", "--model", "pathloss", "-o", out]) == 0
    summary = pd.read_csv(tmp_path / "out" / "validation_summary.csv")
    assert summary.iloc[-1]["technology"] == "all"
    page = (tmp_path / "out" / "validation.html").read_text(encoding="utf-8")
    assert "KIỂM ĐỊNH MÔ HÌNH" in page and page.count("data:image/png;base64,") == 4
    assert "http" not in page.replace("http-equiv", "")


def test_commands_refuse_what_they_cannot_do(tiny, capsys):
    assert main(["validate", str(tiny)]) == 2
    assert "needs measurements" in capsys.readouterr().err
    lon, lat = lonlat(2, 7)
    write_csv(tiny.parent / "m.csv", ["lon", "lat", "technology", "signal_dbm"], [[lon, lat, "4G", "-90"]])
    text = tiny.read_text(encoding="utf-8").replace('fiber = "fiber.gpkg"',
                                                    'fiber = "fiber.gpkg"\nmeasurements = "m.csv"')
    tiny.write_text(text, encoding="utf-8")
    assert main(["calibrate", str(tiny)]) == 2
    assert "gives classes, not a signal" in capsys.readouterr().err
    assert main(["calibrate", str(tiny), "--model", "pathloss", "--folds", "1"]) == 2
