"""Villages: validation rules, repairs, and no row ever dropped."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import VILLAGES, lonlat, square, write_communes, write_csv, write_villages

from whitezone import InputError, RepairWarning, read_communes, read_villages
from whitezone.layers import UNLOCATED, assign_communes

HEADER = ["village_id", "village", "commune_id", "population", "lon", "lat"]


@pytest.fixture
def communes(tmp_path):
    return read_communes(write_communes(tmp_path / "communes.gpkg"))


def row(vid, x_km, y_km, *, commune="C1", population=100, name=None):
    lon, lat = lonlat(x_km, y_km) if x_km is not None else ("", "")
    return [vid, name or f"Bản {vid}", commune, population, lon, lat]


def write(tmp_path, rows, header=HEADER):
    return write_csv(tmp_path / "villages.csv", header, rows)


def problems(path, **kwargs):
    with pytest.raises(InputError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read_villages(path, **kwargs)
    return info.value.problems


def quiet(path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_villages(path, **kwargs)


def kinds(frame):
    return {r.kind: list(r.rows) for r in frame.attrs["repairs"]}


def test_tiny_villages(tmp_path, communes):
    out = quiet(write_villages(tmp_path / "v.csv"), communes=communes)
    assert out["village_id"].tolist() == [v[0] for v in VILLAGES]
    assert out["village"].tolist() == [v[1] for v in VILLAGES]
    assert out["commune_id"].tolist()[:4] == ["C1", "C1", "C2", "C2"]
    assert out["population"].tolist() == [v[3] for v in VILLAGES]
    assert out["status"].tolist() == ["ok"] * 4 + [UNLOCATED, "ok"]
    assert out["source_row"].tolist() == [f"row {i}" for i in range(2, 8)]
    assert out.crs.to_epsg() == 4326
    x, y = lonlat(2.0, 7.0)
    assert (out.geometry.x[0], out.geometry.y[0]) == (pytest.approx(x), pytest.approx(y))
    assert list(out.columns) == [
        "village_id",
        "village",
        "commune_id",
        "population",
        "households",
        "status",
        "source_row",
        "geometry",
    ]
    assert out.attrs["source"] == "v.csv"


def test_duplicate_and_blank_ids_name_the_rows(tmp_path):
    path = write(
        tmp_path,
        [
            row("V1", 1, 1),
            row("V2", 2, 2),
            row("V1", 3, 3),
            row("", 4, 4),
            row("V2", 5, 5),
            row("V1", 6, 6),
        ],
    )
    found = sorted(str(p) for p in problems(path))
    # A duplicate is reported at its last row (where a reader would fix it), naming all.
    assert found == [
        "villages.csv, row 5, column 'village_id': the village_id is blank; every row needs one",
        "villages.csv, row 6, column 'village_id': village_id 'V2' is not unique: it appears in "
        "row 3, row 6",
        "villages.csv, row 7, column 'village_id': village_id 'V1' is not unique: it appears in "
        "row 2, row 4, row 7",
    ]


def test_numeric_ids_typed_as_floats_are_whole_numbers(tmp_path):
    frame = gpd.GeoDataFrame(
        {"village_id": [12.0, 13.0, np.nan]},
        geometry=[shapely.Point(lonlat(x, 1)) for x in (1, 2, 3)],
        crs=4326,
    )
    path = tmp_path / "villages.gpkg"
    frame.to_file(path, driver="GPKG")
    [p] = problems(path)
    assert (p.row, p.column) == ("feature 3", "village_id")
    assert p.message == "the village_id is blank; every row needs one"
    good = tmp_path / "good.gpkg"
    frame.iloc[:2].to_file(good, driver="GPKG")
    assert quiet(good)["village_id"].tolist() == ["12", "13"]


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("abc", "expected a population, got 'abc'"),
        ("12 người", "expected a population, got '12 người'"),
        ("-5", "expected a population at least 0, got -5"),
    ],
)
def test_bad_population(tmp_path, cell, message):
    path = write(tmp_path, [row("V1", 1, 1), row("V2", 2, 2, population=cell)])
    [p] = problems(path)
    assert (p.source, p.row, p.column, p.message) == (
        "villages.csv",
        "row 3",
        "population",
        message,
    )


def test_population_formats(tmp_path):
    rows = [
        row("V1", 1, 1, population="1.234"),
        row("V2", 2, 2, population="1 234"),
        row("V3", 3, 3, population=""),
        row("V4", 4, 4, population="56"),
    ]
    out = quiet(write(tmp_path, rows))
    assert out["population"].tolist()[:2] == [1234.0, 1234.0]
    assert np.isnan(out["population"][2])
    assert out["population"][3] == 56.0


def test_households(tmp_path):
    path = write_csv(
        tmp_path / "v.csv",
        ["Mã thôn", "Số hộ", "Kinh độ", "Vĩ độ"],
        [["V1", "35", *lonlat(1, 1)], ["V2", "-1", *lonlat(2, 2)]],
    )
    [p] = problems(path)
    assert (p.row, p.column) == ("row 3", "Số hộ")
    assert p.message == "expected a number of households at least 0, got -1"


def test_unreadable_coordinates(tmp_path):
    path = write(tmp_path, [row("V1", 1, 1), ["V2", "Bản Hai", "C1", 10, "105 độ", "21.0"]])
    [p] = problems(path)
    assert (p.row, p.column) == ("row 3", "lon")
    assert p.message == (
        "expected a longitude (decimal degrees such as 105.25 or DMS such as "
        "21°23'15\"N), got '105 độ'"
    )


def test_latitude_out_of_range(tmp_path, communes):
    lon, _ = lonlat(1, 1)
    path = write(tmp_path, [row("V1", 1, 1), ["V2", "Bản Hai", "C1", 10, lon, "95.5"]])
    [p] = problems(path, communes=communes)
    assert (p.row, p.column) == ("row 3", "lat")
    assert p.message.startswith("expected a latitude between -90 and 90, got 95.5")
    assert 'declare the CRS: [layers.<layer>] crs = "EPSG:..."' in p.message


def test_longitude_out_of_range(tmp_path):
    path = write(tmp_path, [["V1", "Bản Một", "C1", 10, "505123.4", "21.0"]])
    [p] = problems(path)
    assert p.column == "lon"
    assert "expected a longitude between -180 and 180, got 505123" in p.message


@pytest.mark.parametrize(("lon", "lat", "blank"), [("105.5", "", "lat"), ("", "21.0", "lon")])
def test_one_coordinate_blank(tmp_path, lon, lat, blank):
    path = write(tmp_path, [row("V1", 1, 1), ["V2", "Bản Hai", "C1", 10, lon, lat]])
    [p] = problems(path)
    assert (p.row, p.column) == ("row 3", blank)
    assert p.message == "one coordinate is given and the other is blank"


def test_blank_coordinates_keep_the_row_unlocated(tmp_path, communes):
    path = write(tmp_path, [row("V1", 1, 1), row("V2", None, None, commune="C2"), row("V3", 2, 2)])
    with pytest.warns(RepairWarning, match=r"no coordinates; kept with status 'unlocated'.*row 3"):
        out = read_villages(path, communes=communes)
    assert out["village_id"].tolist() == ["V1", "V2", "V3"]
    assert out["status"].tolist() == ["ok", UNLOCATED, "ok"]
    assert out["commune_id"].tolist() == ["C1", "C2", "C1"]  # a known commune is kept
    assert out.geometry[1].is_empty
    assert kinds(out) == {"unlocated": ["row 3"]}


def test_unlocated_without_communes_given(tmp_path):
    out = quiet(write(tmp_path, [row("V1", None, None)]))
    assert out["status"].tolist() == [UNLOCATED]
    assert out["commune_id"].tolist() == ["C1"]


def test_swapped_lonlat_repaired(tmp_path, communes):
    lon, lat = lonlat(5, 5)
    path = write(
        tmp_path, [row("V1", 1, 1), ["V2", "Bản Hai", "C1", 10, lat, lon], row("V3", 2, 2)]
    )
    with pytest.warns(RepairWarning, match=r"longitude and latitude were swapped in 'lon'/'lat'"):
        out = read_villages(path, communes=communes)
    assert (out.geometry.x[1], out.geometry.y[1]) == (lon, lat)
    assert out["status"].tolist() == ["ok"] * 3
    [repair] = out.attrs["repairs"]
    assert (repair.kind, repair.rows, repair.count) == ("swapped_lonlat", ("row 3",), 1)
    assert repair.layer == "villages"


def test_swap_not_guessed_without_communes(tmp_path):
    lon, lat = lonlat(5, 5)
    path = write(tmp_path, [["V2", "Bản Hai", "C1", 10, lat, lon]])
    [p] = problems(path)
    assert p.column == "lat"
    assert "expected a latitude between -90 and 90" in p.message


def test_unknown_commune_id_placed_by_location(tmp_path, communes):
    path = write(
        tmp_path,
        [
            row("V1", 1, 1, commune="C9"),
            row("V2", 15, 5, commune="C1"),
            row("V3", 12, 2, commune=""),
        ],
    )
    with pytest.warns(RepairWarning) as record:
        out = read_villages(path, communes=communes)
    # a given, known commune_id is trusted (V2 says C1 although it lies in C2)
    assert out["commune_id"].tolist() == ["C1", "C1", "C2"]
    text = "\n".join(str(w.message) for w in record)
    assert (
        "unknown 'commune_id'; placed in the commune that contains the village (1: row 2)" in text
    )
    assert "blank 'commune_id'; placed in the commune that contains the village (1: row 4)" in text
    assert [(r.kind, r.rows) for r in out.attrs["repairs"]] == [
        ("commune_by_location", ("row 2",)),
        ("commune_by_location", ("row 4",)),
        ("far_from_commune", ("row 3",)),  # V2 lies 5 km outside the C1 it names: warned
    ]


def test_no_commune_column_placed_by_location(tmp_path, communes):
    path = write_csv(
        tmp_path / "v.csv",
        ["village_id", "lon", "lat"],
        [["V1", *lonlat(1, 1)], ["V2", *lonlat(19, 9)]],
    )
    out = quiet(path, communes=communes)
    assert out["commune_id"].tolist() == ["C1", "C2"]


def test_village_outside_communes_snapped_or_kept(tmp_path, communes):
    rows = [
        row("V1", 1, 1),
        row("V2", 21.0, 5, commune=""),
        row("V3", 5, -1.5, commune="C7"),
        row("V4", 25.0, 5, commune=""),
    ]
    path = write(tmp_path, rows)
    with pytest.warns(RepairWarning) as record:
        out = read_villages(path, communes=communes, snap_km=2.0)
    assert out["village_id"].tolist() == ["V1", "V2", "V3", "V4"]
    assert out["commune_id"].tolist()[:3] == ["C1", "C2", "C1"]
    assert out["commune_id"].isna().tolist() == [False, False, False, True]
    assert out["status"].tolist() == ["ok"] * 4  # located, only without a commune
    repairs = {r.kind: r.rows for r in out.attrs["repairs"]}
    assert repairs["snapped_to_commune"] == ("row 3", "row 4")
    assert repairs["no_commune"] == ("row 5",)
    text = "\n".join(str(w.message) for w in record)
    assert "outside every commune polygon; placed in the nearest commune (within 2 km)" in text
    assert "outside every commune and more than 2 km from one; kept with no commune" in text


def test_snap_zero_never_snaps(tmp_path, communes):
    out = quiet(write(tmp_path, [row("V1", 20.5, 5, commune="")]), communes=communes, snap_km=0)
    assert out["commune_id"].isna().all()
    assert [r.kind for r in out.attrs["repairs"]] == ["no_commune"]


def test_unknown_commune_and_no_coordinates(tmp_path, communes):
    out = quiet(write(tmp_path, [row("V1", None, None, commune="C9")]), communes=communes)
    assert out["commune_id"].isna().all()
    assert out["status"].tolist() == [UNLOCATED]
    assert {r.kind for r in out.attrs["repairs"]} == {"no_commune", "unlocated"}


def test_polygon_villages_become_points_inside(tmp_path, communes):
    # An L-shaped village: its centroid lies outside it.
    ell = shapely.Polygon(
        [
            lonlat(1, 1),
            lonlat(4, 1),
            lonlat(4, 2),
            lonlat(2, 2),
            lonlat(2, 4),
            lonlat(1, 4),
            lonlat(1, 1),
        ]
    )
    assert not ell.contains(ell.centroid)
    frame = gpd.GeoDataFrame(
        {"village_id": ["V1", "V2", "V3"], "village": ["A", "B", "C"]},
        geometry=[ell, square(12, 2, 14, 4), shapely.Point(lonlat(5, 5))],
        crs=4326,
    )
    path = tmp_path / "villages.gpkg"
    frame.to_file(path, driver="GPKG")
    out = quiet(path, communes=communes)
    assert out.geom_type.tolist() == ["Point"] * 3
    assert ell.contains(out.geometry[0])
    assert square(12, 2, 14, 4).contains(out.geometry[1])
    assert out["commune_id"].tolist() == ["C1", "C2", "C1"]
    assert out["source_row"].tolist() == ["feature 1", "feature 2", "feature 3"]


def test_vector_villages_without_geometry_are_unlocated(tmp_path):
    frame = gpd.GeoDataFrame(
        {"village_id": ["V1", "V2"]}, geometry=[shapely.Point(lonlat(5, 5)), None], crs=4326
    )
    path = tmp_path / "villages.gpkg"
    frame.to_file(path, driver="GPKG")
    out = quiet(path)
    assert out["status"].tolist() == ["ok", UNLOCATED]


def test_fixed_broadband_column(tmp_path):
    header = ["village_id", "lon", "lat", "Băng rộng cố định"]
    path = write_csv(
        tmp_path / "v.csv",
        header,
        [["V1", *lonlat(1, 1), "có"], ["V2", *lonlat(2, 2), "không"], ["V3", *lonlat(3, 3), ""]],
    )
    out = quiet(path)
    assert out["fixed_broadband"].tolist() == [True, False, pd.NA]
    write_csv(path, header, [["V1", *lonlat(1, 1), "có lẽ"]])
    [p] = problems(path)
    assert (p.row, p.column, p.message) == (
        "row 2",
        "Băng rộng cố định",
        "expected yes or no, got 'có lẽ'",
    )


def test_every_problem_of_the_layer_is_listed(tmp_path):
    path = write(
        tmp_path,
        [
            row("V1", 1, 1),
            row("V1", 2, 2, population="x"),
            ["V3", "", "C1", 1, "abc", "21"],
            ["V4", "", "C1", 1, "105.5", ""],
        ],
    )
    found = problems(path)
    assert sorted((p.row or "", p.column) for p in found) == [
        ("row 3", "population"),
        ("row 3", "village_id"),
        ("row 4", "lon"),
        ("row 5", "lat"),
    ]


def test_every_input_row_in_input_order(tmp_path, communes, rng):
    # Shuffled ids, with unlocated, outside and unknown-commune rows mixed in.
    ids = [f"T{n:03d}" for n in rng.permutation(40)]
    rows = []
    for i, vid in enumerate(ids):
        kind = i % 5
        if kind == 0:
            rows.append(row(vid, None, None))
        elif kind == 1:
            rows.append(row(vid, 25 + i / 10, 5, commune=""))
        elif kind == 2:
            rows.append(row(vid, 12, 1 + i / 10, commune="C99"))
        else:
            rows.append(row(vid, 1 + i / 5, 1 + i / 8))
    out = quiet(write(tmp_path, rows), communes=communes)
    assert out["village_id"].tolist() == ids
    assert out["source_row"].tolist() == [f"row {i + 2}" for i in range(40)]
    assert (out["status"] == UNLOCATED).sum() == 8
    assert out.index.tolist() == list(range(40))


def test_assign_communes_direct(communes):
    pts = gpd.GeoSeries(
        [
            shapely.Point(lonlat(5, 5)),
            shapely.Point(lonlat(10, 5)),
            shapely.Point(),
            shapely.Point(lonlat(21, 5)),
            shapely.Point(lonlat(40, 5)),
        ],
        crs=4326,
    )
    ids, snapped = assign_communes(pts, communes, snap_km=2.0)
    # on the shared boundary: the first commune in file order
    assert ids.tolist()[:2] == ["C1", "C1"]
    assert pd.isna(ids[2])
    assert ids[3] == "C2"
    assert pd.isna(ids[4])
    assert snapped.tolist() == [False, False, False, True, False]


def test_village_far_outside_its_stated_commune_is_flagged(tmp_path, communes):
    # A valid commune id with coordinates 30 km away: a typo, kept in its commune and warned.
    path = write(tmp_path, [row("V1", 5, 5), row("V2", 45, 5, commune="C1")])
    with pytest.warns(RepairWarning, match="outside the commune its"):
        out = read_villages(path, communes=communes)
    assert out["commune_id"].tolist() == ["C1", "C1"]
    kinds = {r.kind: r.rows for r in out.attrs["repairs"]}
    assert kinds["far_from_commune"] == ("row 3",)
