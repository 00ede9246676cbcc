"""Wiring: the pieces are connected, not only correct alone.

Each test here failed on a planted fault that every unit test let through:
the postal step not given the run's service radius, the command line's
headline quoting the weak count as "no signal", ``line_of_sight_<tech>``
left out of the villages outputs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_pipeline_models import add_dem, with_kind

from whitezone.cli import main
from whitezone.pipeline import run
from whitezone.postal import service_radius_km
from whitezone.project import read_project
from whitezone.report import headline


def test_villages_beyond_the_service_radius_are_counted_against_the_runs_r(tiny, tiny_run):
    out = tiny.parent / "out"
    villages = pd.read_csv(out / "villages.csv")
    province = pd.read_csv(out / "summary_province.csv").iloc[0]
    communes = pd.read_csv(out / "summary_communes.csv")
    r = float(service_radius_km(communes["area_km2"].sum(), province["post_points"]))
    assert province["service_radius_km"] == pytest.approx(r, abs=1e-3)
    assert tiny_run.service_radius_km == pytest.approx(r, abs=1e-3)
    expected = int((villages["post_distance_km"] > r).sum())
    assert expected > 0
    assert province["villages_beyond_service_radius"] == expected
    assert communes["villages_beyond_service_radius"].sum() == expected


def test_every_headline_figure_is_the_summary_it_quotes(tiny, tiny_run, capsys):
    province = pd.read_csv(tiny.parent / "out" / "summary_province.csv").iloc[0]
    rows = headline(tiny_run)
    assert {r.key for r in rows} >= {"none", "weak", "good", "centres", "posts", "radius", "nobb"}
    for row in rows:
        for column, value in row.values.items():
            assert value == pytest.approx(province[column], abs=1e-9), (row.key, column)
    # ... and the command prints them under the right label, in order.
    assert main(["run", str(tiny), "--lang", "en", "-o", str(tiny.parent / "again")]) == 0
    printed = {line[:38].strip(): line[38:].strip() for line in capsys.readouterr().out.splitlines()
               if line.startswith("  ")}  # fmt: skip
    none, weak = int(province["villages_none"]), int(province["villages_weak"])
    assert none != weak   # the tiny province tells them apart
    assert printed["villages with no signal"].startswith(f"{none} (")
    assert printed["villages with weak signal"].startswith(f"{weak} (")
    assert printed["average service radius R"] == f"{province['service_radius_km']:.3f} km"


def test_line_of_sight_reaches_every_villages_output(tiny):
    add_dem(tiny)
    project = read_project(with_kind(tiny, "terrain", "out_terrain"))
    with pytest.warns(Warning):
        result = run(project)
    out = tiny.parent / "out_terrain"
    table = pd.read_csv(out / "villages.csv")
    for tech in ("2g", "4g"):
        column = f"line_of_sight_{tech}"
        assert column in table and table[column].notna().any(), column
        served = table[f"site_{tech}"].notna()
        assert (table.loc[served, column].notna()).all() and table.loc[~served, column].isna().all()
    import geopandas as gpd

    assert "line_of_sight_4g" in gpd.read_file(out / "villages.gpkg").columns
    # The streaming classifier writes the same columns as the run.
    from whitezone.stream import classify_file

    streamed = tiny.parent / "streamed.csv"
    villages = tiny.parent / "villages.csv"
    classify_file(villages, result.layers.sites, out_csv=streamed, model=result.model,
                  crs=result.layers.crs)  # fmt: skip
    chunked = pd.read_csv(streamed)
    for tech in ("2g", "4g"):
        assert np.array_equal(chunked[f"line_of_sight_{tech}"].fillna(-1).to_numpy(),
                              table[f"line_of_sight_{tech}"].fillna(-1).to_numpy())  # fmt: skip
