"""Villages and coverage grids rolled up to H3 hexagons (whitezone.hexagons)."""

from __future__ import annotations

import logging
import sys
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine
from pyproj import CRS, Transformer

from whitezone.errors import WhitezoneError
from whitezone.grid import CoverageGrid, RasterGrid
from whitezone.hexagons import H3_MISSING, hexagon_coverage, hexagon_summary


def _has_h3() -> bool:
    try:
        import h3
    except ImportError:
        return False
    return hasattr(h3, "latlng_to_cell")  # h3 >= 4


needs_h3 = pytest.mark.skipif(
    not _has_h3(), reason="h3 >= 4 is not installed (pip install 'whitezone[h3]')"
)

UTM48N = CRS.from_epsg(32648)


def _h3():
    import h3

    return h3


def _centre(res: int = 7) -> tuple[str, float, float]:
    """A res-7 cell in Hà Nội and its centre (lat, lng)."""
    h3 = _h3()
    cell = h3.latlng_to_cell(21.03, 105.85, res)
    lat, lng = h3.cell_to_latlng(cell)
    return cell, lat, lng


def _villages() -> gpd.GeoDataFrame:
    """V1 and V2 in one res-7 cell, V3 two cells away, V4 unlocated."""
    h3 = _h3()
    cell, lat, lng = _centre()
    far = sorted(h3.grid_ring(cell, 2))[0]
    lat3, lng3 = h3.cell_to_latlng(far)
    frame = pd.DataFrame({
        "village_id": ["V1", "V2", "V3", "V4"],
        "population": [100.0, 200.0, 300.0, 50.0],
        "status": ["ok", "ok", "ok", "unlocated"],
        "class_any": pd.array(["none", "good", "weak", "unlocated"], dtype="string"),
        "class_3g": pd.array(["none", "weak", "none", "unlocated"], dtype="string"),
        "class_4g": pd.array(["none", "good", "weak", "unlocated"], dtype="string"),
    })  # fmt: skip
    geometry = [shapely.Point(lng, lat), shapely.Point(lng + 0.003, lat + 0.002),
                shapely.Point(lng3, lat3), shapely.Point()]  # fmt: skip
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=4326)


@needs_h3
def test_counts_percents_and_population_per_hexagon():
    h3 = _h3()
    villages = _villages()
    cell, _, _ = _centre()
    pts = villages.geometry[:3]
    assert len({h3.latlng_to_cell(p.y, p.x, 7) for p in pts[:2]}) == 1  # the setup holds
    out = hexagon_summary(villages, resolution=7)
    assert len(out) == 2 and out.crs.to_epsg() == 4326
    assert list(out["h3"]) == sorted(out["h3"])
    pair = out.set_index("h3").loc[cell]
    assert pair["villages"] == 2 and pair["population"] == 300.0
    assert (pair["villages_none"], pair["villages_weak"], pair["villages_good"]) == (1, 0, 1)
    assert pair["villages_unclassified"] == 0
    assert (pair["pct_none"], pair["pct_weak"], pair["pct_good"]) == (50.0, 0.0, 50.0)
    assert (pair["population_none"], pair["population_good"]) == (100.0, 200.0)
    assert pair["pct_population_none"] == pytest.approx(33.33)
    assert pair["pct_population_good"] == pytest.approx(66.67)
    lone = out.set_index("h3").drop(cell).iloc[0]
    assert lone["villages"] == 1 and lone["villages_weak"] == 1 and lone["pct_weak"] == 100.0
    assert lone["population_weak"] == 300.0 and lone["pct_population_weak"] == 100.0
    for cat in ("none", "weak", "good", "unclassified"):
        assert f"villages_{cat}" in out and f"pct_population_{cat}" in out


@needs_h3
def test_per_technology_columns():
    cell, _, _ = _centre()
    out = hexagon_summary(_villages()).set_index("h3")
    pair = out.loc[cell]
    assert (pair["villages_none_3g"], pair["villages_weak_3g"], pair["villages_good_3g"]) == (
        1,
        1,
        0,
    )
    assert (pair["villages_none_4g"], pair["villages_good_4g"]) == (1, 1)
    assert pair["pct_weak_3g"] == 50.0 and pair["population_weak_3g"] == 200.0
    assert pair["pct_population_none_4g"] == pytest.approx(33.33)
    lone = out.drop(cell).iloc[0]
    assert lone["villages_none_3g"] == 1 and lone["villages_weak_4g"] == 1
    for sfx in ("", "_3g", "_4g"):
        total = sum(out[f"villages_{c}{sfx}"] for c in ("none", "weak", "good", "unclassified"))
        assert (total == out["villages"]).all()
        people = sum(out[f"population_{c}{sfx}"] for c in ("none", "weak", "good", "unclassified"))
        np.testing.assert_allclose(people, out["population"])


@needs_h3
def test_unlocated_are_reported_and_reconcile(caplog):
    villages = _villages()
    with caplog.at_level(logging.INFO, logger="whitezone.hexagons"):
        out = hexagon_summary(villages)
    assert out.attrs["unlocated"] == 1 and out.attrs["unlocated_population"] == 50.0
    assert out.attrs["villages"] == 4 and out.attrs["resolution"] == 7
    assert out["villages"].sum() + out.attrs["unlocated"] == len(villages)
    assert (
        out["population"].sum() + out.attrs["unlocated_population"] == villages["population"].sum()
    )
    assert any("1 unlocated" in r.getMessage() for r in caplog.records)
    # A located village without a class (e.g. a missing value) is counted as unclassified.
    villages.loc[1, "class_any"] = pd.NA
    out = hexagon_summary(villages).set_index("h3")
    assert out.loc[_centre()[0], "villages_unclassified"] == 1


@needs_h3
def test_geometry_is_the_hexagon_holding_its_villages():
    h3 = _h3()
    villages = _villages()
    out = hexagon_summary(villages)
    for row in out.itertuples():
        poly = row.geometry
        assert poly.is_valid and len(poly.exterior.coords) == 7  # six corners, closed
        want = [(lng, lat) for lat, lng in h3.cell_to_boundary(row.h3)]
        np.testing.assert_allclose(np.asarray(poly.exterior.coords)[:-1], want)
        members = villages[[h3.latlng_to_cell(p.y, p.x, 7) == row.h3 if not p.is_empty else False
                            for p in villages.geometry]]  # fmt: skip
        assert len(members) == row.villages
        assert poly.contains(members.geometry).all()
    # Average area at resolution 7 is 5.16 km² (H3); near 21° N cells are a little larger.
    area_km2 = out.to_crs(UTM48N).area / 1e6
    assert ((area_km2 > 4.5) & (area_km2 < 6.5)).all()


@needs_h3
def test_resolution_changes_the_cell_count():
    h3 = _h3()
    villages = _villages()
    pts = villages.geometry[:3]
    counts = {}
    for res in (0, 5, 7, 9, 11):
        out = hexagon_summary(villages, resolution=res)
        counts[res] = len(out)
        assert counts[res] == len({h3.latlng_to_cell(p.y, p.x, res) for p in pts})
        assert out["villages"].sum() == 3 and out.attrs["resolution"] == res
    assert counts[0] == 1 and counts[7] == 2 and counts[11] == 3


@needs_h3
def test_other_crs_polygons_and_bad_input():
    villages = _villages()
    projected = villages.to_crs(UTM48N)
    a = hexagon_summary(villages)
    b = hexagon_summary(projected)
    assert list(a["h3"]) == list(b["h3"]) and list(a["villages"]) == list(b["villages"])
    polys = villages.copy()
    polys.loc[2, "geometry"] = villages.geometry[2].buffer(0.001)  # a village area: a point inside
    assert list(hexagon_summary(polys)["villages"]) == list(a["villages"])
    for bad in (-1, 16, 7.5, "7", True):
        with pytest.raises(WhitezoneError, match="resolution"):
            hexagon_summary(villages, resolution=bad)
    with pytest.raises(WhitezoneError, match="class_any"):
        hexagon_summary(villages.drop(columns="class_any"))
    empty = hexagon_summary(villages.iloc[3:])
    assert len(empty) == 0 and empty.attrs["unlocated"] == 1 and "villages_none_4g" in empty


def _grid_at_centre(levels: dict[str, np.ndarray], cell_m: float = 100.0) -> CoverageGrid:
    """A north-up UTM grid of levels centred on the res-7 cell's centre."""
    _, lat, lng = _centre()
    x, y = Transformer.from_crs(4326, UTM48N, always_xy=True).transform(lng, lat)
    height, width = next(iter(levels.values())).shape
    transform = Affine(cell_m, 0.0, x - width * cell_m / 2, 0.0, -cell_m, y + height * cell_m / 2)
    grid = RasterGrid(transform, width, height, UTM48N)
    owner = np.where(levels["any"] == CoverageGrid.OUTSIDE, 0, 1).astype(np.int32)
    return CoverageGrid(grid=grid, owner=owner, levels=levels)


def _levels() -> dict[str, np.ndarray]:
    """10 x 10 cells; the top row outside; any: west half good; 4G: first column weak."""
    out = CoverageGrid.OUTSIDE
    any_ = np.zeros((10, 10), np.uint8)
    any_[:, :5] = 2
    g4 = np.zeros((10, 10), np.uint8)
    g4[:, 0] = 1
    g3 = np.zeros((10, 10), np.uint8)
    for a in (any_, g4, g3):
        a[0, :] = out
    return {"any": any_, "3G": g3, "4G": g4}


@needs_h3
def test_hexagon_coverage_shares_on_a_tiny_grid():
    h3 = _h3()
    cov = _grid_at_centre(_levels())
    # Every cell centre (1 km square around the centre) lies in the one res-7 cell.
    centres = cov.grid.cell_centres(0, 0, 10, 10)
    lng, lat = Transformer.from_crs(UTM48N, 4326, always_xy=True).transform(
        centres[:, 0], centres[:, 1]
    )
    assert {h3.latlng_to_cell(b, a, 7) for a, b in zip(lng, lat, strict=True)} == {_centre()[0]}
    out = hexagon_coverage(cov, resolution=7)
    assert len(out) == 1 and out.crs.to_epsg() == 4326
    row = out.iloc[0]
    assert row["h3"] == _centre()[0] and row["cells"] == 90
    assert row["area_grid_km2"] == pytest.approx(0.9)
    assert row["area_km2"] == pytest.approx(h3.cell_area(row["h3"], unit="km^2"), abs=1e-3)
    assert (row["cells_covered"], row["cells_good"]) == (45, 45)
    assert (row["pct_area_covered"], row["pct_area_good"]) == (50.0, 50.0)
    assert (row["cells_covered_4g"], row["cells_good_4g"]) == (9, 0)  # weak counts as covered
    assert (row["pct_area_covered_4g"], row["pct_area_good_4g"]) == (10.0, 0.0)
    assert row["pct_area_covered_3g"] == 0.0
    assert out.attrs["cells"] == 90 and out.attrs["cell_km2"] == pytest.approx(0.01)
    assert out.geometry.iloc[0].contains(shapely.Point(_centre()[2], _centre()[1]))


@needs_h3
def test_hexagon_coverage_finer_resolution_matches_cell_by_cell():
    h3 = _h3()
    levels = _levels()
    cov = _grid_at_centre(levels)
    out = hexagon_coverage(cov, resolution=10).set_index("h3")
    assert len(out) > 1 and out["cells"].sum() == 90
    centres = cov.grid.cell_centres(0, 0, 10, 10)
    lng, lat = Transformer.from_crs(UTM48N, 4326, always_xy=True).transform(
        centres[:, 0], centres[:, 1]
    )
    cells = np.array([h3.latlng_to_cell(b, a, 10) for a, b in zip(lng, lat, strict=True)])
    inside = levels["any"].ravel() != CoverageGrid.OUTSIDE
    for key, sfx in (("any", ""), ("4G", "_4g")):
        lv = levels[key].ravel()
        frame = pd.DataFrame(
            {"h3": cells[inside], "covered": (lv[inside] >= 1) & (lv[inside] <= 2)}
        )
        want = frame.groupby("h3")["covered"].mean().mul(100).round(2)
        pd.testing.assert_series_equal(out.loc[want.index, f"pct_area_covered{sfx}"], want,
                                       check_names=False)  # fmt: skip


@needs_h3
def test_pipeline_result_rolls_up(tiny):
    from whitezone import read_project
    from whitezone.pipeline import run

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run(read_project(tiny), write=False)
    out = hexagon_summary(result.villages, resolution=7)
    province = result.summaries.province.iloc[0]
    assert out["villages"].sum() + out.attrs["unlocated"] == len(result.villages) == 6
    assert out.attrs["unlocated"] == 1
    for col in ("villages_none", "villages_weak", "villages_good", "villages_none_4g",
                "villages_good_2g"):  # fmt: skip
        assert out[col].sum() == province[col]
    assert result.coverage is not None
    cov = hexagon_coverage(result.coverage, resolution=7)
    assert cov["cells"].sum() == int((result.coverage.levels["any"] != CoverageGrid.OUTSIDE).sum())
    assert {"pct_area_covered", "pct_area_covered_2g", "pct_area_covered_4g"} <= set(cov)


def test_missing_h3_says_how_to_install(monkeypatch):
    for name in ("h3", "h3.api", "h3.api.numpy_int"):
        monkeypatch.setitem(sys.modules, name, None)
    villages = gpd.GeoDataFrame(
        {"class_any": ["none"]}, geometry=[shapely.Point(105, 21)], crs=4326
    )
    with pytest.raises(WhitezoneError, match=r"pip install 'whitezone\[h3\]'") as info:
        hexagon_summary(villages)
    assert str(info.value) == H3_MISSING
    with pytest.raises(WhitezoneError, match="whitezone"):
        hexagon_coverage(None)  # h3 is looked for before the grid is read
