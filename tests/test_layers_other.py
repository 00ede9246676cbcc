"""Communes, post offices, POIs, fiber, rasters, OpenCelliD and load_layers."""

from __future__ import annotations

import gzip
import textwrap
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from conftest import lonlat, square, write_communes, write_csv
from pyproj import Geod

from whitezone import (
    InputError,
    LayerSource,
    RepairWarning,
    load_layers,
    read_communes,
    read_fiber,
    read_opencellid,
    read_pois,
    read_post_offices,
    read_project,
    read_sites,
)
from whitezone.layers import COMMUNE_POST_OFFICE, check_raster


def problems(func, *args, **kwargs):
    with pytest.raises(InputError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        func(*args, **kwargs)
    return info.value.problems


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


@pytest.fixture
def communes(tmp_path):
    return read_communes(write_communes(tmp_path / "communes.gpkg"))


def commune_file(tmp_path, data, geometry, name="c.gpkg"):
    path = tmp_path / name
    gpd.GeoDataFrame(data, geometry=geometry, crs=4326).to_file(path, driver="GPKG")
    return path


# -- communes ----------------------------------------------------------------------------------


def test_tiny_communes(communes):
    assert communes["commune_id"].tolist() == ["C1", "C2"]
    assert communes["commune"].tolist() == ["Xã Một", "Xã Hai"]
    assert communes["district"].tolist() == ["D1", "D1"]
    assert communes["province"].tolist() == ["P", "P"]
    assert communes["source_row"].tolist() == ["feature 1", "feature 2"]
    assert communes.crs.to_epsg() == 4326
    assert communes.attrs["repairs"] == []
    for geom, x, y in zip(
        communes.geometry, communes["center_lon"], communes["center_lat"], strict=True
    ):
        assert geom.contains(shapely.Point(x, y))


def test_communes_from_csv_refused(tmp_path):
    path = write_csv(
        tmp_path / "communes.csv",
        ["commune_id", "commune", "lon", "lat"],
        [["C1", "Xã Một", "105.5", "21.5"]],
    )
    err = problems(read_communes, path)
    assert [str(p) for p in err] == [
        "communes.csv: communes must be a polygon layer (GeoPackage, Shapefile, GeoJSON, "
        "GeoParquet...), not a table"
    ]


def test_bow_tie_repaired_with_make_valid(tmp_path):
    bow = shapely.Polygon(
        [lonlat(0, 0), lonlat(10, 10), lonlat(10, 0), lonlat(0, 10), lonlat(0, 0)]
    )
    assert not bow.is_valid
    path = commune_file(
        tmp_path, {"commune_id": ["C1", "C2"], "commune": ["A", "B"]}, [bow, square(10, 0, 20, 10)]
    )
    with pytest.warns(
        RepairWarning,
        match=r"communes: invalid polygons repaired with make_valid "
        r"\(Self-intersection.*\(1: feature 1\)",
    ):
        out = read_communes(path)
    geom = out.geometry[0]
    assert geom.is_valid
    assert geom.geom_type in ("Polygon", "MultiPolygon")
    # both lobes of the bow tie (crossing at 5, 5) are kept
    assert geom.contains(shapely.Point(lonlat(2, 5)))
    assert geom.contains(shapely.Point(lonlat(8, 5)))
    assert not geom.contains(shapely.Point(lonlat(5, 2)))
    assert geom.area == pytest.approx(square(0, 0, 10, 10).area / 2, rel=1e-3)
    [repair] = out.attrs["repairs"]
    assert (repair.kind, repair.rows) == ("make_valid", ("feature 1",))
    assert geom.contains(shapely.Point(out["center_lon"][0], out["center_lat"][0]))


def test_overlapping_communes_are_reported_with_their_area(tmp_path):
    # A bow tie over the whole square of its neighbour, repaired, still overlaps it by 50 km².
    bow = shapely.Polygon([lonlat(0, 0), lonlat(10, 10), lonlat(10, 0), lonlat(0, 10), lonlat(0, 0)])
    path = commune_file(tmp_path, {"commune_id": ["C1", "C2", "C3"], "commune": ["A", "B", "C"]},
                        [bow, square(0, 0, 10, 10), square(10, 0, 20, 10)])  # fmt: skip
    with pytest.warns(RepairWarning, match=r"C1 and C2 by 50\.0\d km²"):
        out = read_communes(path)
    overlap = [r for r in out.attrs["repairs"] if r.kind == "commune_overlap"]
    assert len(overlap) == 1 and overlap[0].rows == ("feature 1", "feature 2")


def test_neighbours_sharing_a_boundary_do_not_overlap(tmp_path):
    path = commune_file(tmp_path, {"commune_id": ["C1", "C2"], "commune": ["A", "B"]},
                        [square(0, 0, 10, 10), square(10, 0, 20, 10)])  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = read_communes(path)
    assert out.attrs["repairs"] == []


def test_duplicate_commune_ids_and_blank_names(tmp_path):
    path = commune_file(
        tmp_path,
        {"Mã xã": ["C1", "C1", "C3"], "Tên xã": ["A", "", None]},
        [square(0, 0, 1, 1), square(1, 0, 2, 1), square(2, 0, 3, 1)],
    )
    found = sorted(str(p) for p in problems(read_communes, path))
    assert found == [
        "c.gpkg, feature 2, column 'Mã xã': commune_id 'C1' is not unique: it appears in "
        "feature 1, feature 2",
        "c.gpkg, feature 2, column 'Tên xã': the commune name is blank",
        "c.gpkg, feature 3, column 'Tên xã': the commune name is blank",
    ]


def test_point_geometry_refused(tmp_path):
    path = commune_file(
        tmp_path,
        {"commune_id": ["C1", "C2"], "commune": ["A", "B"]},
        [square(0, 0, 1, 1), shapely.Point(lonlat(5, 5))],
    )
    [p] = problems(read_communes, path)
    assert (p.source, p.row, p.message) == (
        "c.gpkg",
        "feature 2",
        "expected a polygon, got a Point",
    )


def test_missing_polygon_refused(tmp_path):
    path = commune_file(
        tmp_path, {"commune_id": ["C1", "C2"], "commune": ["A", "B"]}, [square(0, 0, 1, 1), None]
    )
    [p] = problems(read_communes, path)
    assert p.row == "feature 2"
    assert p.message == "the feature has no geometry; a commune needs its polygon"


def test_commune_centre_given_or_inside(tmp_path):
    ell = shapely.Polygon(
        [
            lonlat(0, 0),
            lonlat(10, 0),
            lonlat(10, 1),
            lonlat(1, 1),
            lonlat(1, 10),
            lonlat(0, 10),
            lonlat(0, 0),
        ]
    )
    assert not ell.contains(ell.centroid)
    cx, cy = lonlat(0.5, 0.5)
    path = commune_file(
        tmp_path,
        {
            "commune_id": ["C1", "C2"],
            "commune": ["A", "B"],
            "center_lon": [cx, np.nan],
            "center_lat": [cy, np.nan],
        },
        [ell, ell],
    )
    out = read_communes(path)
    assert (out["center_lon"][0], out["center_lat"][0]) == (cx, cy)
    assert ell.contains(shapely.Point(out["center_lon"][1], out["center_lat"][1]))


def test_bad_commune_centre(tmp_path):
    path = commune_file(
        tmp_path,
        {
            "commune_id": ["C1"],
            "commune": ["A"],
            "center_lon": ["phía đông"],
            "center_lat": ["21.0"],
        },
        [square(0, 0, 1, 1)],
    )
    [p] = problems(read_communes, path)
    assert (p.row, p.column) == ("feature 1", "center_lon")
    assert p.message == "expected the commune centre's coordinate in degrees"


# -- post offices ------------------------------------------------------------------------------


def post_rows():
    return [
        ["P1", "BĐ-VHX Một", "BĐ-VHX", "C1", *lonlat(2, 7)],
        ["P2", "Bưu cục Hai", "Bưu cục", "C2", *lonlat(13, 5)],
        ["P3", "Đại lý Ba", "Đại lý", "", *lonlat(15, 2)],
        ["P4", "Thùng thư", "Thùng thư công cộng", None, *lonlat(4, 4)],
        ["P5", "Kiosk", "Ki-ốt", "", *lonlat(6, 6)],
        ["P6", "Bưu điện văn hoá xã", "Bưu điện văn hóa xã", "C2", *lonlat(12, 8)],
    ]


def test_post_office_kinds(tmp_path, communes):
    path = write_csv(
        tmp_path / "posts.csv", ["post_id", "name", "kind", "commune_id", "lon", "lat"], post_rows()
    )
    out = quiet(read_post_offices, path, communes=communes)
    assert out["kind"].tolist() == [
        COMMUNE_POST_OFFICE,
        "post office",
        "agent",
        "letter box",
        "Ki-ốt",
        COMMUNE_POST_OFFICE,
    ]
    assert COMMUNE_POST_OFFICE == "commune post office"
    # commune_id filled by location where blank
    assert out["commune_id"].tolist() == ["C1", "C2", "C2", "C1", "C1", "C2"]
    assert out["source_row"].tolist() == [f"row {i}" for i in range(2, 8)]


def test_post_offices_without_communes_keep_blank_ids(tmp_path):
    path = write_csv(
        tmp_path / "posts.csv",
        ["Mã bưu cục", "Loại", "Kinh độ", "Vĩ độ"],
        [["P1", "BĐVHX", *lonlat(2, 7)], ["P2", "", *lonlat(3, 3)]],
    )
    out = read_post_offices(path)
    assert out["post_id"].tolist() == ["P1", "P2"]
    assert out["kind"][0] == COMMUNE_POST_OFFICE
    assert pd.isna(out["kind"][1])
    assert out["commune_id"].isna().all()


def test_post_office_problems(tmp_path):
    path = write_csv(
        tmp_path / "posts.csv",
        ["post_id", "kind", "lon", "lat"],
        [["P1", "Bưu cục", *lonlat(2, 7)], ["P1", "Bưu cục", "", ""]],
    )
    found = sorted(str(p) for p in problems(read_post_offices, path))
    assert found == [
        "posts.csv, row 3, column 'post_id': post_id 'P1' is not unique: it appears in row 2, row 3",
        "posts.csv, row 3: the postal point has no coordinates",
    ]


def test_post_office_unknown_commune_replaced_with_warning(tmp_path, communes):
    path = write_csv(
        tmp_path / "posts.csv",
        ["post_id", "commune_id", "lon", "lat"],
        [["P1", "C99", *lonlat(2, 7)]],
    )
    with pytest.warns(RepairWarning, match="commune"):
        out = read_post_offices(path, communes=communes)
    assert out["commune_id"].tolist() == ["C1"]
    assert [r.kind for r in out.attrs["repairs"]] == ["commune_by_location"]


# -- points of interest ------------------------------------------------------------------------


def test_pois_fixed_broadband(tmp_path):
    path = write_csv(
        tmp_path / "pois.csv",
        ["poi_id", "kind", "name", "Có băng rộng", "lon", "lat"],
        [
            ["T1", "School", "Trường Một", "có", *lonlat(1, 1)],
            ["T2", "Health station", "Trạm y tế", "Không", *lonlat(2, 2)],
            ["T3", "commune office", "UBND", "", *lonlat(3, 3)],
            ["T4", "school", "Trường Hai", "1", *lonlat(4, 4)],
            ["T5", "school", "Trường Ba", "no", *lonlat(5, 5)],
        ],
    )
    out = read_pois(path)
    assert out["fixed_broadband"].tolist() == [True, False, pd.NA, True, False]
    assert out["kind"].tolist() == [
        "school",
        "health station",
        "commune office",
        "school",
        "school",
    ]
    assert out["name"][1] == "Trạm y tế"


def test_pois_bad_broadband_value_and_blank_kind(tmp_path):
    path = write_csv(
        tmp_path / "pois.csv",
        ["poi_id", "kind", "fixed_broadband", "lon", "lat"],
        [
            ["T1", "school", "có", *lonlat(1, 1)],
            ["T2", "school", "sắp có", *lonlat(2, 2)],
            ["T3", "", "no", *lonlat(3, 3)],
        ],
    )
    found = sorted(str(p) for p in problems(read_pois, path))
    assert found == [
        "pois.csv, row 3, column 'fixed_broadband': expected yes or no, got 'sắp có'",
        "pois.csv, row 4, column 'kind': the kind is blank; expected e.g. school, health station",
    ]


def test_pois_without_broadband_column(tmp_path):
    path = write_csv(
        tmp_path / "pois.csv", ["poi_id", "kind", "lon", "lat"], [["T1", "school", *lonlat(1, 1)]]
    )
    out = read_pois(path)
    assert out["fixed_broadband"].isna().all()
    assert str(out["fixed_broadband"].dtype) == "boolean"


def test_pois_missing_kind_column_and_coordinates(tmp_path):
    path = write_csv(tmp_path / "pois.csv", ["poi_id", "lon", "lat"], [["T1", "", ""]])
    [p] = problems(read_pois, path)
    assert p.message.startswith("expected column 'kind' is missing (looked for: kind, type")
    write_csv(path, ["poi_id", "kind", "lon", "lat"], [["T1", "school", "", ""]])
    [p] = problems(read_pois, path)
    assert (p.row, p.message) == ("row 2", "the point of interest has no coordinates")


# -- fiber -------------------------------------------------------------------------------------


def test_fiber_lines_accepted(tmp_path):
    lines = [
        shapely.LineString([lonlat(0, 7), lonlat(10, 7)]),
        shapely.MultiLineString([[lonlat(0, 1), lonlat(5, 1)], [lonlat(5, 1), lonlat(5, 3)]]),
        shapely.Point(lonlat(15, 5)),
    ]
    path = tmp_path / "fiber.gpkg"
    gpd.GeoDataFrame(
        {"route": ["F1", "F2", "N1"], "Cự ly (km)": [np.nan, 1.5, 3.0]}, geometry=lines, crs=4326
    ).to_file(path, driver="GPKG")
    out = read_fiber(path)
    assert out.geom_type.tolist() == ["LineString", "MultiLineString", "Point"]
    assert np.isnan(out["reach_km"][0])
    assert out["reach_km"].tolist()[1:] == [1.5, 3.0]
    assert out["source_row"].tolist() == ["feature 1", "feature 2", "feature 3"]


def test_fiber_polygon_refused(tmp_path):
    path = tmp_path / "fiber.gpkg"
    gpd.GeoDataFrame(
        {"route": ["F1", "F2"]},
        geometry=[shapely.LineString([lonlat(0, 7), lonlat(10, 7)]), square(0, 0, 1, 1)],
        crs=4326,
    ).to_file(path, driver="GPKG")
    [p] = problems(read_fiber, path)
    assert (p.source, p.row) == ("fiber.gpkg", "feature 2")
    assert p.message == "expected a line (route) or a point (node), got a Polygon"


def test_fiber_nodes_from_csv(tmp_path):
    path = write_csv(
        tmp_path / "nodes.csv",
        ["node", "lon", "lat", "reach_km"],
        [["N1", *lonlat(1, 1), "2"], ["N2", *lonlat(2, 2), "150"]],
    )
    [p] = problems(read_fiber, path)
    assert (p.row, p.column, p.message) == (
        "row 3",
        "reach_km",
        "expected a reach in km between 0 and 100, got 150",
    )


# -- rasters -----------------------------------------------------------------------------------


def write_raster(path, *, crs="EPSG:4326"):
    data = np.arange(16, dtype="float32").reshape(4, 4)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=4,
        height=4,
        count=1,
        dtype="float32",
        crs=crs,
        transform=rasterio.Affine(0.01, 0, 105.0, 0, -0.01, 21.5),
    ) as ds:
        ds.write(data, 1)
    return path


def test_raster_ok(tmp_path):
    path = write_raster(tmp_path / "dem.tif")
    assert check_raster(path, role="dem") == path


def test_missing_raster(tmp_path):
    path = tmp_path / "dem.tif"
    with pytest.raises(InputError) as info:
        check_raster(path, role="dem")
    assert str(info.value) == f"{path}: the dem raster was not found"


def test_raster_without_crs(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = write_raster(tmp_path / "pop.tif", crs=None)
    with pytest.raises(InputError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_raster(path, role="population")
    assert str(info.value) == (
        "pop.tif: the population raster has no CRS; add one (gdal_edit.py "
        "-a_srs EPSG:4326 file.tif)"
    )


def test_unreadable_raster(tmp_path):
    path = tmp_path / "dem.tif"
    path.write_text("garbage", encoding="utf-8")
    with pytest.raises(InputError) as info:
        check_raster(path, role="dem")
    assert str(info.value).startswith("dem.tif: cannot read the dem raster:")


# -- OpenCelliD --------------------------------------------------------------------------------

OCID_HEADER = (
    "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal"
)
_GEOD = Geod(ellps="WGS84")


def offset(lon, lat, east_m, north_m=0.0):
    lon2, lat2, _ = _GEOD.fwd(lon, lat, 90.0, east_m)
    lon3, lat3, _ = _GEOD.fwd(lon2, lat2, 0.0, north_m)
    return lon3, lat3


def cell(radio, mcc, net, lon, lat, rng=1000, cell_id=1):
    tail = "5,1,1500000000,1600000000,0"
    return f"{radio},{mcc},{net},1001,{cell_id},0,{lon:.7f},{lat:.7f},{rng},{tail}"


def cells_text():
    lon, lat = 105.8, 21.0
    near = offset(lon, lat, 30.0)  # 30 m east: same site for the same network
    far = offset(lon, lat, 2000.0)
    laos = (102.6, 17.97)
    return (
        "\n".join(
            [
                cell("GSM", 452, 4, lon, lat, 3000, 1),
                cell("LTE", 452, 4, *near, 1500, 2),
                cell("LTE", 452, 4, lon, lat, 2500, 3),  # a second 4G cell of the same site
                cell("LTE", 452, 1, lon, lat, 1200, 4),  # MobiFone at the same mast: its own site
                cell("UMTS", 452, 4, *far, 800, 5),
                cell("NR", 452, 2, *far, 300, 6),
                cell("GSM", 457, 1, *laos, 5000, 7),
            ]
        )
        + "\n"
    )


def check_cells(out):
    assert list(zip(out["site_id"], out["operator"], out["technology"], strict=True)) == [
        ("452-01-1", "MobiFone", "4G"),
        ("452-02-1", "VinaPhone", "5G"),
        ("452-04-1", "Viettel", "2G"),
        ("452-04-1", "Viettel", "4G"),
        ("452-04-2", "Viettel", "3G"),
    ]
    assert out["cells"].tolist() == [1, 1, 1, 2, 1]
    assert out["range_km"].tolist() == [1.2, 0.3, 3.0, 2.5, 0.8]
    assert (out["status"] == "active").all()
    assert out.crs.to_epsg() == 4326
    # the site is at the mean of its cells: 10 m east of the mast
    mast = out[out["site_id"] == "452-04-1"].geometry.iloc[0]
    _, _, dist = _GEOD.inv(105.8, 21.0, mast.x, mast.y)
    assert dist == pytest.approx(10.0, abs=0.5)
    assert out.attrs["repairs"] == []


def test_opencellid_with_header(tmp_path):
    path = tmp_path / "cells.csv"
    path.write_text(OCID_HEADER + "\n" + cells_text(), encoding="utf-8")
    check_cells(read_opencellid(path, mcc=452))


def test_opencellid_without_header_gzip(tmp_path):
    path = tmp_path / "452.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(cells_text())
    check_cells(read_opencellid(path, mcc=(452,)))


def test_opencellid_without_mcc_filter_keeps_other_countries(tmp_path):
    path = tmp_path / "cells.csv"
    path.write_text(cells_text(), encoding="utf-8")
    out = read_opencellid(path)
    assert out["site_id"].tolist()[-1] == "457-01-1"
    assert out["operator"].tolist()[-1] == "457-01"


@pytest.mark.parametrize(
    ("net", "name"),
    [
        (1, "MobiFone"),
        (2, "VinaPhone"),
        (4, "Viettel"),
        (5, "Vietnamobile"),
        (7, "Gmobile"),
        (8, "Viettel"),
        (99, "452-99"),
    ],
)
def test_opencellid_operator_names(tmp_path, net, name):
    path = tmp_path / "cells.csv"
    path.write_text(cell("LTE", 452, net, 105.8, 21.0) + "\n", encoding="utf-8")
    out = read_opencellid(path, mcc=452)
    assert out["operator"].tolist() == [name]
    assert out["site_id"].tolist() == [f"452-{net:02d}-1"]


def test_opencellid_cluster_distance(tmp_path):
    path = tmp_path / "cells.csv"
    lon, lat = 105.8, 21.0
    path.write_text(
        "\n".join([cell("GSM", 452, 4, lon, lat), cell("LTE", 452, 4, *offset(lon, lat, 60.0))])
        + "\n",
        encoding="utf-8",
    )
    assert read_opencellid(path)["site_id"].tolist() == ["452-04-1", "452-04-2"]
    assert read_opencellid(path, cluster_m=80.0)["site_id"].tolist() == ["452-04-1", "452-04-1"]


def test_opencellid_a_chain_of_neighbours_is_not_one_site(tmp_path):
    # Five cells 40 m apart along a street: each site holds the cells within 50 m of its first.
    path = tmp_path / "cells.csv"
    lon, lat = 105.8, 21.0
    path.write_text("\n".join(cell("LTE", 452, 4, *offset(lon, lat, 40.0 * i), cell_id=i)
                              for i in range(5)) + "\n", encoding="utf-8")  # fmt: skip
    out = read_opencellid(path)
    assert out["cells"].tolist() == [2, 2, 1]     # (0, 40 m), (80, 120 m), (160 m)
    xs = [_GEOD.inv(lon, lat, p.x, p.y)[2] for p in out.geometry]
    assert xs == pytest.approx([20.0, 100.0, 160.0], abs=0.5)


def test_opencellid_mcc_leaves_nothing(tmp_path):
    path = tmp_path / "cells.csv"
    path.write_text(cell("GSM", 457, 1, 102.6, 17.97) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_opencellid(path, mcc=452)
    assert str(info.value) == "cells.csv: no cell left for MCC 452"


def test_opencellid_bad_values(tmp_path):
    path = tmp_path / "cells.csv"
    lines = [
        cell("GSM", 452, 4, 105.8, 21.0),
        cell("LTE", 452, 4, 105.8, 21.0).replace("105.8000000", "abc"),
    ]
    path.write_text(OCID_HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    [p] = problems(read_opencellid, path)
    assert str(p) == "cells.csv, row 3, column 'lon': expected a number, got 'abc'"


def test_opencellid_unknown_radio(tmp_path):
    path = tmp_path / "cells.csv"
    path.write_text(
        "\n".join([cell("GSM", 457, 1, 102.6, 17.97), cell("WIMAX", 452, 4, 105.8, 21.0)]) + "\n",
        encoding="utf-8",
    )
    [p] = problems(read_opencellid, path, mcc=452)
    assert str(p) == (
        "cells.csv, row 2, column 'radio': unknown radio 'WIMAX'; expected GSM, "
        "UMTS, CDMA, LTE or NR"
    )


def test_opencellid_missing_file(tmp_path):
    with pytest.raises(InputError, match="the OpenCelliD file was not found"):
        read_opencellid(tmp_path / "none.csv")


def test_opencellid_through_read_sites(tmp_path):
    path = tmp_path / "cells.csv"
    path.write_text(cells_text(), encoding="utf-8")
    source = LayerSource(name="sites", path=path, format="opencellid", mcc=(452,))
    check_cells(read_sites(source))


def test_opencellid_empty_file(tmp_path):
    path = tmp_path / "cells.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="cells.csv"):
        read_opencellid(path)


def test_opencellid_blank_coordinate(tmp_path):
    path = tmp_path / "cells.csv"
    path.write_text(
        cell("GSM", 452, 4, 105.8, 21.0)
        + "\n"
        + cell("LTE", 452, 4, 105.8, 21.0).replace("105.8000000", "")
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        read_opencellid(path)
    [p] = info.value.problems
    assert (p.row, p.column) == ("row 2", "lon")


def test_opencellid_coordinate_out_of_range(tmp_path):
    path = tmp_path / "cells.csv"
    path.write_text(
        cell("GSM", 452, 4, 105.8, 21.0) + "\n" + cell("LTE", 452, 4, 205.8, 21.0) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        read_opencellid(path)
    [p] = info.value.problems
    assert (p.row, p.column) == ("row 2", "lon")


# -- load_layers -------------------------------------------------------------------------------


def test_load_tiny_layers(tiny_layers):
    layers = tiny_layers
    assert len(layers.communes) == 2
    assert len(layers.villages) == 6
    assert len(layers.sites) == 4
    assert len(layers.post_offices) == 2
    assert len(layers.fiber) == 1
    assert layers.pois is None and layers.dem is None
    assert layers.crs.to_epsg() == 32648
    assert [r.kind for r in layers.repairs] == ["unlocated"]
    table = layers.repairs_table()
    assert table.iloc[0].to_dict()["rows"] == "row 6"
    summary = layers.summary()
    assert summary["layer"].tolist() == ["communes", "villages", "sites", "post_offices", "fiber"]
    # sites: 3 rows in the file ("2G,4G" is one row) make 3 sites and 4 site-technologies
    assert summary["rows"].tolist() == [2, 6, 3, 2, 1]
    assert summary.set_index("layer").loc["sites", "features"] == "3 sites, 4 site-technologies, 4 cells"


def test_problems_of_several_layers_reported_together(tiny):
    folder = tiny.parent
    write_csv(
        folder / "villages.csv",
        ["village_id", "population", "lon", "lat"],
        [["V1", "many", *lonlat(1, 1)], ["V1", "5", *lonlat(2, 2)]],
    )
    write_csv(
        folder / "sites.csv",
        ["site_id", "technology", "lon", "lat", "status"],
        [["S1", "6G", *lonlat(3, 7), "planned"]],
    )
    write_csv(folder / "posts.csv", ["kind", "lon", "lat"], [["BĐ-VHX", *lonlat(2, 7)]])
    (folder / "fiber.gpkg").unlink()
    with pytest.raises(InputError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        load_layers(read_project(tiny))
    err = info.value
    sources = {p.source for p in err.problems}
    assert sources == {"villages.csv", "sites.csv", "posts.csv", str(folder / "fiber.gpkg")}
    text = str(err)
    assert text.startswith(f"{len(err.problems)} problems in the input:")
    assert "villages.csv, row 2, column 'population': expected a population, got 'many'" in text
    assert "village_id 'V1' is not unique" in text
    assert "sites.csv, row 2, column 'technology': unknown technology '6G'" in text
    assert "posts.csv: expected column 'post_id' is missing" in text
    assert "the fiber file was not found" in text


def test_no_active_site_reported_with_other_layers(tiny):
    folder = tiny.parent
    write_csv(
        folder / "sites.csv",
        ["site_id", "technology", "lon", "lat", "status"],
        [["S1", "4G", *lonlat(3, 7), "planned"]],
    )
    write_csv(folder / "posts.csv", ["post_id", "lon", "lat"], [["P1", "", ""]])
    with pytest.raises(InputError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        load_layers(read_project(tiny))
    messages = [str(p) for p in info.value.problems]
    assert messages == [
        "posts.csv, row 2: the postal point has no coordinates",
        "sites.csv: no site is active; set status = active for the sites on air "
        "(planned and off sites are not modelled)",
    ]


def test_bad_communes_still_check_other_layers(tiny):
    folder = tiny.parent
    write_csv(folder / "communes.csv", ["commune_id", "commune"], [["C1", "A"]])
    text = (folder / "project.toml").read_text(encoding="utf-8")
    (folder / "project.toml").write_text(
        text.replace("communes.gpkg", "communes.csv"), encoding="utf-8"
    )
    write_csv(folder / "villages.csv", ["village_id", "lon", "lat"], [["V1", "x", "21"]])
    with pytest.raises(InputError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        load_layers(read_project(tiny))
    sources = [p.source for p in info.value.problems]
    assert "communes.csv" in sources and "villages.csv" in sources


def test_load_layers_with_rasters_and_pois(tiny):
    folder = tiny.parent
    write_raster(folder / "dem.tif")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_raster(folder / "pop.tif", crs=None)
    write_csv(
        folder / "pois.csv", ["poi_id", "kind", "lon", "lat"], [["T1", "school", *lonlat(1, 1)]]
    )
    extra = textwrap.dedent("""
    pois = "pois.csv"
    dem = "dem.tif"
    population = "pop.tif"
    """)
    text = (folder / "project.toml").read_text(encoding="utf-8")
    (folder / "project.toml").write_text(
        text.replace('fiber = "fiber.gpkg"\n', 'fiber = "fiber.gpkg"\n' + extra), encoding="utf-8"
    )
    with pytest.raises(InputError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        load_layers(read_project(tiny))
    assert [str(p) for p in info.value.problems] == [
        "pop.tif: the population raster has no CRS; add one (gdal_edit.py -a_srs EPSG:4326 "
        "file.tif)"
    ]
    write_raster(folder / "pop.tif")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layers = load_layers(read_project(tiny))
    assert layers.dem == folder / "dem.tif"
    assert len(layers.pois) == 1
    assert layers.summary()["layer"].tolist()[-2:] == ["dem", "population"]


def test_grid_and_roads_take_lines_and_name_a_bad_row(tmp_path):
    from shapely.geometry import LineString, Point, Polygon

    from whitezone.layers import read_grid, read_roads

    path = tmp_path / "grid.gpkg"
    gpd.GeoDataFrame({"name": ["a", "b", "c"]},
                     geometry=[LineString([(104, 21), (104.1, 21.1)]), Point(104, 21),
                               Polygon([(104, 21), (104.1, 21), (104, 21.1)])], crs=4326).to_file(path)  # fmt: skip
    with pytest.raises(InputError) as err:
        read_grid(path)
    text = str(err.value)
    assert "expected a line (power line) or a point (substation), got a Polygon" in text and "3" in text
    assert "Point" not in text.split("got a")[-1]  # a substation is fine
    with pytest.raises(InputError) as err:
        read_roads(path)
    assert "expected a line (road), got a Point" in str(err.value)
    lines = tmp_path / "roads.gpkg"
    gpd.GeoDataFrame(geometry=[LineString([(104, 21), (104.1, 21.1)])], crs=4326).to_file(lines)
    assert len(read_roads(lines)) == 1
