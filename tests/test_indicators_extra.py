"""Area covered, sites, operators, points of interest, population raster, postal radius."""

import numpy as np
import pandas as pd
import pytest
import rasterio
from conftest import X0, Y0, lonlat
from rasterio.transform import from_origin

from whitezone.analysis import analyse
from whitezone.facilities import classify_pois, poi_summary
from whitezone.indicators import area_coverage, site_counts
from whitezone.models import PathLossModel, RadiusModel
from whitezone.operators import operator_classes, operator_summary
from whitezone.population import population_by_class
from whitezone.postal import postal_by_commune
from whitezone.project import read_project

MODEL = RadiusModel(radius_km={"2G": (6.0, 12.0), "4G": (2.5, 5.0)})


def test_site_counts_only_active(tiny_layers):
    counts = site_counts(tiny_layers.sites, tiny_layers.communes)
    assert counts.loc["C1", "sites"] == 1 and counts.loc["C1", "site_technologies"] == 1   # S3 planned
    assert counts.loc["C2", "site_technologies"] == 2 and counts.loc["C2", "site_technologies_2g"] == 1


def test_exact_discs_agree_with_a_fine_grid(tiny_layers):
    layers = tiny_layers
    exact = area_coverage(layers.communes, layers.sites, MODEL, crs=layers.crs, technologies=["2G", "4G"])
    # The same radius model evaluated on a 100 m grid (the path the other models take).
    gridded = area_coverage(layers.communes, layers.sites, _AsGrid(MODEL), crs=layers.crs,
                            technologies=["2G", "4G"], resolution_m=100)  # fmt: skip
    np.testing.assert_allclose(exact.to_numpy(), gridded.to_numpy(), rtol=0.02)
    # C2 (10 x 10 km) holds S2's 12 km 2G disc whole: every km² of it is covered.
    assert exact.loc["C2", "area_covered_km2_2g"] == pytest.approx(100.08, abs=0.05)


class _AsGrid:
    """The radius model under another name, so area_coverage takes its grid path."""

    kind = "radius-on-a-grid"

    def __init__(self, model):
        self.model = model

    def __getattr__(self, name):
        return getattr(self.model, name)


def test_operator_classes_and_summary(tiny, tiny_layers):
    result = analyse(tiny_layers, read_project(tiny), model=MODEL)
    classes = operator_classes(result.villages, tiny_layers.sites, model=MODEL, crs=tiny_layers.crs,
                               technologies=["2G", "4G"])  # fmt: skip
    by_id = classes.set_index(result.villages["village_id"])
    assert by_id.loc["V1", "Viettel"] == "good" and by_id.loc["V1", "VNPT"] == "none"
    assert by_id.loc["V3", "Viettel"] == "none" and by_id.loc["V3", "VNPT"] == "good"
    assert pd.isna(by_id.loc["V5", "VNPT"])          # unlocated
    names = result.summaries.communes[["commune_id", "commune", "district", "province"]]
    from whitezone.layers import assign_communes

    where, _ = assign_communes(tiny_layers.sites.geometry, tiny_layers.communes, snap_km=0)
    table = operator_summary(result.villages, classes, tiny_layers.sites, names, where)
    prov = table[table["level"] == "province"].set_index("operator")
    for op in ("Viettel", "VNPT"):
        row = prov.loc[op]
        assert row["villages"] == 6
        assert row[["villages_none", "villages_weak", "villages_good", "villages_unclassified"]].sum() == 6
    assert prov.loc["VNPT", "sites"] == 1 and prov.loc["VNPT", "site_technologies"] == 2
    # The village table names the operators serving each village.
    v = result.villages.set_index("village_id")
    assert v.loc["V1", "operators_good"] == "Viettel" and v.loc["V3", "operators_good"] == "VNPT"
    # Districts and communes add up to the province for each operator.
    for level in ("district", "commune"):
        part = table[table["level"] == level].groupby("operator")["villages_none"].sum()
        assert (part == prov["villages_none"]).all()


def test_points_of_interest(tiny_layers, tmp_path):
    from conftest import write_csv

    from whitezone.layers import read_pois

    lon1, lat1 = lonlat(2.0, 7.0)   # at V1: on the fiber route, 4G good
    lon6, lat6 = lonlat(9.0, 1.0)   # at V6: far from fiber, 2G weak
    path = write_csv(tmp_path / "pois.csv", ["poi_id", "kind", "name", "lon", "lat", "fixed_broadband"],
                     [["P1", "school", "Trường Một", lon1, lat1, ""],
                      ["P2", "school", "Trường Sáu", lon6, lat6, "no"],
                      ["H1", "health station", "Trạm", lon6, lat6, "yes"]])  # fmt: skip
    pois = read_pois(path, communes=tiny_layers.communes)
    out = classify_pois(pois, tiny_layers.sites, model=MODEL, crs=tiny_layers.crs,
                        technologies=["2G", "4G"], communes=tiny_layers.communes,
                        fiber=tiny_layers.fiber, reach_km=2.0)  # fmt: skip
    assert out["class_any"].tolist() == ["good", "weak", "weak"]
    assert out["fixed_broadband"].tolist() == [True, False, True]    # blank -> by fiber reach
    assert out["commune_id"].tolist() == ["C1", "C1", "C1"]          # filled by location
    names = pd.DataFrame({"commune_id": ["C1", "C2"], "commune": ["a", "b"], "district": ["D1", "D1"],
                          "province": ["P", "P"]})  # fmt: skip
    table = poi_summary(out, names)
    school = table[(table["level"] == "province") & (table["kind"] == "school")].iloc[0]
    assert (school["pois"], school["pois_covered"], school["pois_good"], school["pois_broadband"]) == (2, 2, 1, 1)
    assert school["pct_broadband"] == pytest.approx(50.0)


def test_population_raster_replaces_village_people(tiny_layers, tmp_path):
    path = tmp_path / "people.tif"
    people = np.full((10, 20), 10.0, dtype=np.float32)         # 1 km cells, 10 people each
    with rasterio.open(path, "w", driver="GTiff", width=20, height=10, count=1, dtype="float32",
                       crs="EPSG:32648", transform=from_origin(X0, Y0 + 10_000, 1000, 1000),
                       nodata=-1) as ds:  # fmt: skip
        ds.write(people, 1)
    table = population_by_class(path, tiny_layers.communes, tiny_layers.sites, model=MODEL,
                                crs=tiny_layers.crs, technologies=["2G", "4G"])  # fmt: skip
    assert table["population"].tolist() == pytest.approx([1000.0, 1000.0])
    parts = table[["population_none", "population_weak", "population_good", "population_unclassified"]]
    np.testing.assert_allclose(parts.sum(axis=1), table["population"])
    # C2 lies wholly within S2's 12 km 2G disc: nobody there is without 2G.
    assert table.loc["C2", "population_none_2g"] == 0


def test_villages_beyond_the_service_radius(tiny_layers):
    v = pd.DataFrame({"commune_id": ["C1", "C1", "C2", None], "post_distance_km": [1.0, 6.0, 9.0, 7.0]})
    out = postal_by_commune(v, tiny_layers.post_offices, radius_km=5.0, max_distance_km=8.0)
    assert out.loc["C1", "villages_beyond_service_radius"] == 1
    assert out.loc["C2", "villages_beyond_service_radius"] == 1
    assert out.loc["(no commune)", "villages_beyond_service_radius"] == 1
    assert out.loc["C2", "villages_far_from_post"] == 1
    assert out.loc["C1", "commune_post_office"] and not out.loc["C2", "commune_post_office"]


def test_pathloss_area_uses_the_grid(tiny_layers):
    area = area_coverage(tiny_layers.communes, tiny_layers.sites, PathLossModel(), crs=tiny_layers.crs,
                         technologies=["2G", "4G"], resolution_m=500)  # fmt: skip
    assert (area["area_covered_km2"] >= area["area_covered_km2_4g"] - 1e-9).all()
    assert (area["area_covered_km2"] <= 100.1).all()


def test_covered_share_whole_partial_and_per_selection():
    import shapely

    from whitezone.indicators import _covered_share

    squares = np.array([shapely.box(0, 0, 10, 10), shapely.box(100, 0, 110, 10), shapely.box(200, 0, 210, 10)])
    discs = shapely.buffer(shapely.points([(5, 5), (100, 5), (500, 500)]), [50.0, 5.0, 1.0], quad_segs=64)
    everything, first, second = _covered_share(
        squares, discs, [np.ones(3, dtype=bool), np.array([True, False, False]), np.array([False, True, True])]
    )
    # The first disc holds the first square whole; the second covers half the second square.
    np.testing.assert_allclose(everything, [100.0, np.pi * 25 / 2, 0.0], rtol=1e-3)
    np.testing.assert_allclose(first, [100.0, 0.0, 0.0])
    np.testing.assert_allclose(second, [0.0, np.pi * 25 / 2, 0.0], rtol=1e-3)
