"""The same project run with the radius, path-loss and terrain models."""

import numpy as np
import pandas as pd
import pytest
import rasterio
from conftest import X0, Y0
from rasterio.transform import from_origin

from whitezone.cli import main
from whitezone.pipeline import run
from whitezone.project import read_project


def add_dem(project_path, *, ridge_x_km=14.5, ridge_m=300.0):
    """A flat 200 m plain with a north-south ridge between S2 (x=16 km) and V3 (x=13 km)."""
    res = 100.0
    cols, rows = 220, 120
    heights = np.full((rows, cols), 200.0, dtype=np.float32)
    col = int((ridge_x_km * 1000 + 1000) / res)
    heights[:, col - 1 : col + 2] += ridge_m
    path = project_path.parent / "dem.tif"
    with rasterio.open(path, "w", driver="GTiff", width=cols, height=rows, count=1,
                       dtype="float32", crs="EPSG:32648",
                       transform=from_origin(X0 - 1000, Y0 + 11_000, res, res)) as ds:  # fmt: skip
        ds.write(heights, 1)
    text = project_path.read_text(encoding="utf-8")
    text = text.replace('fiber = "fiber.gpkg"', 'fiber = "fiber.gpkg"\ndem = "dem.tif"')
    project_path.write_text(text, encoding="utf-8")
    return path


def with_kind(project_path, kind, out):
    text = project_path.read_text(encoding="utf-8").replace('kind = "radius"', f'kind = "{kind}"')
    text = text.replace('output = "out"', f'output = "{out}"')
    path = project_path.parent / f"{kind}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def runs(tiny):
    add_dem(tiny)
    out = {}
    for kind in ("pathloss", "terrain"):
        with pytest.warns(Warning):
            out[kind] = run(read_project(with_kind(tiny, kind, f"out_{kind}")))
    return out


def test_signal_columns_written(tiny, runs):
    table = pd.read_csv(tiny.parent / "out_terrain" / "villages.csv")
    assert {"signal_dbm_2g", "signal_dbm_4g", "class_2g", "class_4g"} <= set(table.columns)
    assert table["signal_dbm_2g"].notna().sum() == 5      # every located village


def test_terrain_never_better_and_ridge_shadows(runs):
    flat = runs["pathloss"].villages.set_index("village_id")
    hill = runs["terrain"].villages.set_index("village_id")
    located = flat["status"] == "ok"
    assert (hill.loc[located, "signal_dbm_2g"] <= flat.loc[located, "signal_dbm_2g"] + 1e-6).all()
    # V3 sits 3 km west of S2 behind a 300 m ridge; V4 is 4 km north of S2 in the open.
    assert flat.loc["V3", "signal_dbm_2g"] - hill.loc["V3", "signal_dbm_2g"] > 20
    assert flat.loc["V4", "signal_dbm_2g"] - hill.loc["V4", "signal_dbm_2g"] < 3


def test_report_prints_model_parameters(tiny, runs):
    html = (tiny.parent / "out_terrain" / "report.html").read_text(encoding="utf-8")
    assert "terrain diffraction" in html and "bullington" in html
    assert "4G: good / weak threshold" in html and "-100 / -110 dBm" in html


def test_terrain_without_dem_is_a_clear_error(tiny, capsys):
    path = with_kind(tiny, "terrain", "x")
    assert main(["run", str(path)]) == 2
    assert "the terrain model needs a DEM" in capsys.readouterr().err


def test_rasters_written_with_run(tiny):
    add_dem(tiny)
    path = with_kind(tiny, "terrain", "out_r")
    text = path.read_text(encoding="utf-8") + "\n[rasters]\nresolution_m = 500\n"
    path.write_text(text, encoding="utf-8")
    assert main(["run", str(path), "-q", "--rasters"]) == 0
    with rasterio.open(tiny.parent / "out_r" / "signal_2g.tif") as ds:
        signal = ds.read(1)
        assert ds.tags()["units"] == "dBm"
    assert np.isfinite(signal).any() and np.nanmax(signal) < 0


def test_viewshed_command(tiny, capsys):
    add_dem(tiny)
    out = tiny.parent / "vs.tif"
    assert main(["viewshed", str(tiny), "--site", "S2", "--max-distance-km", "5", "-o", str(out)]) == 0
    assert "km² visible" in capsys.readouterr().out
    with rasterio.open(out) as ds:
        seen = ds.read(1)
    assert set(np.unique(seen)) <= {0, 255} and (seen == 255).any() and (seen == 0).any()
