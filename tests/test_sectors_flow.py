"""Cells and land cover through the project file, the outputs, the map and the commands."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from test_project import problems_of

from whitezone import read_project
from whitezone.cli import main


def project_file(tmp_path, text):
    """A project file of ``text`` with the three required layers named (not read)."""
    path = tmp_path / "p.toml"
    path.write_text(text + '\n[layers]\ncommunes = "c.gpkg"\nvillages = "v.csv"\nsites = "s.csv"\n',
                    encoding="utf-8")  # fmt: skip
    return path


def test_antenna_and_clutter_settings_are_read(tmp_path):
    (tmp_path / "panel.msi").write_text("NAME panel\nHORIZONTAL 2\n0 0\n180 25\nVERTICAL 2\n0 0\n180 20\n")
    assert read_project(project_file(tmp_path, "")).model.antenna.beamwidth_deg == 65.0
    project = read_project(project_file(tmp_path, """
[model]
worst_k_factor = 0.5
[model.antenna]
beamwidth_deg = 90
tilt_deg = -2
back_reach = 0.3
patterns = { "LTE" = "panel.msi" }
[model.clutter]
10 = { loss_db = 8 }
21 = { name = "cao su", kind = "trees" }
"""))
    a = project.model.antenna
    assert (a.beamwidth_deg, a.tilt_deg, a.back_reach) == (90.0, -2.0, 0.3)
    assert a.patterns == {"4G": (tmp_path / "panel.msi").resolve()}
    assert project.model.clutter == {10: {"loss_db": 8.0}, 21: {"name": "cao su", "kind": "trees"}}
    assert project.model.worst_k_factor == 0.5


def test_bad_antenna_and_clutter_settings_are_all_reported(tmp_path):
    path = project_file(tmp_path, '[model.antenna]\nbeamwidth = 90\nback_reach = 2\n'
                    '[model.clutter]\nforest = { loss_db = 8 }\n10 = { kind = "jungle", height = 3 }\n')
    text = str(problems_of(path))
    for expected in ("model.antenna.beamwidth", "did you mean 'beamwidth_deg'", "model.antenna.back_reach",
                     "model.clutter.forest", "unknown clutter kind 'jungle'", "model.clutter.10.height"):
        assert expected in text, expected


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cells")
    assert main(["sample", str(folder / "demo"), "--seed", "7"]) == 0
    return folder / "demo"


def test_a_run_names_the_serving_cell_and_counts_cells(demo, tmp_path):
    out = tmp_path / "out"
    text = (demo / "project.toml").read_text(encoding="utf-8")
    (demo / "pathloss.toml").write_text(text.replace('kind = "radius"', 'kind = "pathloss"'), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["run", str(demo / "pathloss.toml"), "-o", str(out), "-q"]) == 0
    villages = pd.read_csv(out / "villages.csv", low_memory=False)
    sites = pd.read_excel(demo / "bts.xlsx", header=2)
    served = villages["cell_3g"].dropna()
    # Every 3G server is a cell (site/azimuth°) of a site carrying 3G.
    assert served.str.fullmatch(r"[A-Z]+-\d{4}/\d{1,3}°").all()
    assert set(served.str.split("/").str[0]) <= set(sites["Mã trạm"])
    province = pd.read_csv(out / "summary_province.csv")
    assert province["cells"].iloc[0] > province["site_technologies"].iloc[0]
    assert province["sites"].iloc[0] == sites.loc[sites["Trạng thái"] == "active", "Mã trạm"].nunique()
    page = (out / "map.html").read_text(encoding="utf-8")
    assert json.dumps("Hướng anten (sector)") in page  # the layer control's name
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "3GPP TR 36.814" in report and "P.2108" in report


def test_viewshed_accepts_a_cell_id_and_names_both_when_unknown(demo, tmp_path, capsys):
    sites = pd.read_excel(demo / "bts.xlsx", header=2)
    sites["cell_id"] = np.where(sites["Góc phương vị"].notna(),
                                sites["Mã trạm"] + "-" + sites["Góc phương vị"].fillna(0).astype(int).astype(str),
                                None)  # fmt: skip
    sites.to_csv(demo / "cells.csv", index=False)
    text = (demo / "project.toml").read_text(encoding="utf-8")
    (demo / "cells.toml").write_text(text.replace('sites = { path = "bts.xlsx", sheet = "BTS" }',
                                                  'sites = "cells.csv"'), encoding="utf-8")  # fmt: skip
    cell = sites["cell_id"].dropna().iloc[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["viewshed", str(demo / "cells.toml"), "--site", cell, "-o", str(tmp_path / "v.tif"),
                     "--max-distance-km", "3", "-q"]) == 0  # fmt: skip
        assert (tmp_path / "v.tif").is_file()
        assert main(["viewshed", str(demo / "cells.toml"), "--site", "NOPE", "-q"]) == 2
    err = capsys.readouterr().err
    assert "no site or cell 'NOPE'" in err and "sites:" in err
