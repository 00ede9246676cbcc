"""The ITM model: Longley-Rice over each link's DEM profile, through the project file and a run."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from test_models_link import flat_dem, sites_at
from test_project import problems_of
from test_sectors_flow import project_file as _project

from whitezone import read_project
from whitezone.cli import main
from whitezone.models import make_model
from whitezone.models._best import best_from_links
from whitezone.models.itm import point_to_point
from whitezone.models.itm_model import ItmModel
from whitezone.project import ItmSettings, ModelSettings


def test_itm_settings_are_read_with_northern_vietnam_defaults(tmp_path):
    settings = read_project(_project(tmp_path, '[model]\nkind = "itm"\n')).model
    assert settings.kind == "itm"
    assert (settings.itm.climate, settings.itm.n0, settings.itm.polarization) == (2, 320.0, "vertical")
    project = read_project(_project(tmp_path, """
[model]
kind = "itm"
[model.itm]
climate = 5
n0 = 301
epsilon = 25
sigma = 0.02
polarization = "horizontal"
time_pct = 90
location_pct = 70
situation_pct = 60
mdvar = 12
"""))
    assert project.model.itm == ItmSettings(5, 301.0, 25.0, 0.02, "horizontal", 90.0, 70.0, 60.0, 12)


def test_bad_itm_settings_are_all_reported(tmp_path):
    path = _project(tmp_path, '[model]\nkind = "itm"\n[model.itm]\nclimat = 2\nclimate = 8\n'
                    'polarization = "circular"\ntime_pct = 100\nn0 = 900\nmdvar = 5\n')
    text = str(problems_of(path))
    for expected in ("model.itm.climat", "did you mean 'climate'", "model.itm.climate",
                     "2 continental subtropical", "model.itm.polarization", "model.itm.time_pct",
                     "model.itm.n0", "model.itm.mdvar"):  # fmt: skip
        assert expected in text, expected


def test_a_link_loses_exactly_itm_over_its_profile():
    dem = flat_dem(ridge_x=4000, ridge_height=150)
    model = ItmModel(dem=dem)
    sites = sites_at([[3000.0, 10_000.0]])
    targets = np.array([[3600.0, 10_000.0], [5200.0, 10_000.0], [9000.0, 12_000.0]])
    links = model.links(targets, sites).sort_values("target")
    assert links["target"].tolist() == [0, 1, 2]
    b = model.budgets["4G"]
    for row in links.itertuples():
        start, end = np.array([[3000.0, 10_000.0]]), targets[[row.target]]
        length = float(np.hypot(*(end - start)[0]))
        # The model's sampling: DEM resolution, rounded up to a multiple of 16 samples.
        n = int(min(((np.ceil(length / dem.resolution_m) + 1 + 15) // 16) * 16, model.max_samples))
        profile = model.dem.profiles(start, end, n)[0]
        expected = b.eirp_dbm - point_to_point(profile, length / (n - 1), frequency_mhz=b.frequency_mhz,
                                               tx_height_m=b.height_m, rx_height_m=1.5, climate=2,
                                               n0=320.0, epsilon=15.0, sigma=0.005, mdvar=12)  # fmt: skip
        assert row.signal_dbm == pytest.approx(expected, abs=1e-6)


def test_a_ridge_shadows_and_the_nearer_site_behind_it_loses():
    flat = ItmModel(dem=flat_dem())
    ridge = ItmModel(dem=flat_dem(ridge_x=4000, ridge_height=150))
    sites = sites_at([[3000.0, 10_000.0]])
    targets = np.array([[3600.0, 10_000.0], [5200.0, 10_000.0]])
    s_flat = flat.links(targets, sites).sort_values("target")["signal_dbm"].to_numpy()
    s_ridge = ridge.links(targets, sites).sort_values("target")["signal_dbm"].to_numpy()
    assert s_flat[1] - s_ridge[1] > 15
    # Behind the ridge a farther site in the open beats the nearer one behind it.
    both = sites_at([[3000.0, 10_000.0], [5200.0, 17_000.0]])
    best = ridge.best(np.array([[5200.0, 10_000.0]]), both, np.array([0, 0]), 1)
    assert best["site"][0, 0] == 1
    assert best["line_of_sight"][0, 0] == 1
    links = ridge.links(np.array([[5200.0, 10_000.0]]), both)
    assert links.set_index("site")["signal_dbm"][1] > links.set_index("site")["signal_dbm"][0]
    assert best_from_links(links, np.array([0, 0]), 1, 1)["site"][0, 0] == 1


def test_a_cell_serves_in_front_better_than_behind():
    model = ItmModel(dem=flat_dem())
    cells = sites_at([[10_000.0, 10_000.0]], azimuth_deg=[90.0])
    targets = np.array([[13_000.0, 10_000.0], [7_000.0, 10_000.0]])  # in front (east), behind
    links = model.links(targets, cells).sort_values("target")["signal_dbm"].to_numpy()
    omni = model.links(targets, sites_at([[10_000.0, 10_000.0]])).sort_values("target")["signal_dbm"]
    # On boresight: the mast's ITM loss (and a few hundredths of a dB of the vertical pattern).
    assert links[0] == pytest.approx(omni.iloc[0], abs=0.1)
    assert links[0] - links[1] == pytest.approx(25.0, abs=0.1)  # 3GPP front-to-back


def test_make_model_and_its_report_say_itm():
    model = make_model(ModelSettings(kind="itm", itm=ItmSettings(climate=5, n0=301.0)), dem=flat_dem())
    assert isinstance(model, ItmModel) and model.itm.climate == 5
    keys = [p.key for p in model.report_parameters(["4G"])]
    assert keys[0] == "param.itm" and "param.formula" not in keys
    assert model.class_rules(["4G"])["good"][1]["how"][1] == "rule.how.itm"


@pytest.mark.slow
def test_the_sample_runs_with_itm(tmp_path):
    folder = tmp_path / "demo"
    assert main(["sample", str(folder), "--seed", "3"]) == 0
    text = (folder / "project.toml").read_text(encoding="utf-8")
    (folder / "itm.toml").write_text(text.replace('kind = "radius"', 'kind = "itm"\nmax_range_km = 20'),
                                     encoding="utf-8")  # fmt: skip
    out = tmp_path / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["run", str(folder / "itm.toml"), "-o", str(out), "-q", "--lang", "en"]) == 0
    villages = pd.read_csv(out / "villages.csv", low_memory=False)
    for tech in ("2g", "3g", "4g"):
        assert villages[f"signal_dbm_{tech}"].notna().any()
        assert villages[f"line_of_sight_{tech}"].notna().any()
        assert villages[f"line_of_sight_worst_{tech}"].notna().any()
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Longley-Rice" in report and "continental subtropical" in report
