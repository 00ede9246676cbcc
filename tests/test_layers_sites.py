"""Mobile sites: technologies, statuses, numbers, locations."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
import shapely
from conftest import SITES, lonlat, write_communes, write_csv, write_sites

from whitezone import InputError, RepairWarning, read_communes, read_sites
from whitezone.layers.sites import require_sites

HEADER = ["site_id", "operator", "technology", "lon", "lat", "height_m", "status"]


def site(sid, tech, x_km=3.0, y_km=7.0, *, operator="Viettel", height=30, status="active"):
    lon, lat = lonlat(x_km, y_km) if x_km is not None else ("", "")
    return [sid, operator, tech, lon, lat, height, status]


def write(tmp_path, rows, header=HEADER):
    return write_csv(tmp_path / "sites.csv", header, rows)


def problems(path, **kwargs):
    with pytest.raises(InputError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read_sites(path, **kwargs)
    return info.value.problems


def test_tiny_sites(tmp_path):
    out = read_sites(write_sites(tmp_path / "sites.csv"))
    assert list(zip(out["site_id"], out["technology"], out["status"], strict=True)) == [
        ("S1", "4G", "active"),
        ("S2", "2G", "active"),
        ("S2", "4G", "active"),
        ("S3", "4G", "planned"),
    ]
    assert out["operator"].tolist() == ["Viettel", "VNPT", "VNPT", "VNPT"]
    assert out["source_row"].tolist() == ["row 2", "row 3", "row 3", "row 4"]
    assert out["height_m"].tolist() == [30.0] * 4
    assert np.isnan(out["radius_km"]).all()
    x, y = lonlat(SITES[1][3], SITES[1][4])
    assert out.geometry[1].equals(shapely.Point(x, y))
    assert out.crs.to_epsg() == 4326
    assert out.attrs["repairs"] == []


def test_technology_list_expands_to_rows(tmp_path):
    out = read_sites(
        write(
            tmp_path,
            [
                site("S1", "2G,3G/4G"),
                site("S2", "4G; 5G", 9, 9),
                site("S3", "3G và 4G", 12, 2),
                site("S4", "2G + 4G", 15, 5),
            ],
        )
    )
    assert list(zip(out["site_id"], out["technology"], strict=True)) == [
        ("S1", "2G"),
        ("S1", "3G"),
        ("S1", "4G"),
        ("S2", "4G"),
        ("S2", "5G"),
        ("S3", "3G"),
        ("S3", "4G"),
        ("S4", "2G"),
        ("S4", "4G"),
    ]
    # every expanded row keeps its site's attributes and place
    s1 = out[out["site_id"] == "S1"]
    assert s1["source_row"].unique().tolist() == ["row 2"]
    assert len({g.wkb for g in s1.geometry}) == 1


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("GSM", ["2G"]),
        ("LTE", ["4G"]),
        ("UMTS", ["3G"]),
        ("NR", ["5G"]),
        ("gsm/lte", ["2G", "4G"]),
        ("WCDMA, 5G NR", ["3G", "5G"]),
        ("4g", ["4G"]),
        ("2G, GSM", ["2G"]),
        (" LTE-A ", ["4G"]),
    ],
)
def test_technology_names_normalised(tmp_path, cell, expected):
    out = read_sites(write(tmp_path, [site("S1", cell)]))
    assert out["technology"].tolist() == expected


def test_unknown_technology_names_row_column_value(tmp_path):
    path = write(tmp_path, [site("S1", "4G"), site("S2", "3G,6G", 9, 9), site("S3", "", 12, 2)])
    found = sorted(problems(path), key=lambda p: p.row)
    assert [(p.row, p.column) for p in found] == [("row 3", "technology"), ("row 4", "technology")]
    assert found[0].message == (
        "unknown technology '6G'; expected 2G, 3G, 4G, 5G (or GSM, UMTS, LTE, NR)"
    )
    assert found[1].message == "the technology is blank; expected one or more of 2G, 3G, 4G, 5G"
    assert str(found[0]).startswith("sites.csv, row 3, column 'technology': unknown technology")


def test_duplicate_site_technology(tmp_path):
    path = write(tmp_path, [site("S1", "4G"), site("S2", "2G", 9, 9), site("S1", "LTE")])
    [p] = problems(path)
    assert p.message == ("site 'S1' lists 4G more than once for the same operator (row 2, row 4); "
                         "the cells of a site differ in cell_id or azimuth_deg")


def test_sectors_of_one_site_are_its_cells(tmp_path):
    header = [*HEADER, "azimuth", "tilt", "antenna"]
    rows = [[*site("S1", "4G"), 0, 4, ""], [*site("S1", "4G"), 120, 4, "panel"],
            [*site("S1", "4G"), 240, "", ""], [*site("S2", "2G", 9, 9), "", "", ""]]  # fmt: skip
    out = read_sites(write(tmp_path, rows, header))
    assert out["azimuth_deg"].tolist()[:3] == [0, 120, 240]
    assert out["tilt_deg"].tolist()[:2] == [4, 4] and np.isnan(out["tilt_deg"].iloc[2])
    assert out["pattern"].iloc[1] == "panel" and out["pattern"].isna().sum() == 3
    # Two cells of one site cannot point the same way without cell ids.
    rows[2][-3] = 120
    [p] = problems(write(tmp_path, rows, header))
    assert "more than once" in p.message
    # A tilt beyond 90 degrees is a bad value named by row and column.
    rows[2][-3], rows[2][-2] = 240, 95
    [p] = problems(write(tmp_path, rows, header))
    assert p.row == "row 4" and p.column == "tilt" and "downtilt" in p.message


def test_site_counts_count_a_site_once_and_its_cells_each(tmp_path):
    from whitezone.indicators import site_counts

    communes = read_communes(write_communes(tmp_path / "communes.gpkg"))
    header = [*HEADER, "azimuth"]
    rows = [[*site("S1", "4G"), 0], [*site("S1", "4G"), 120], [*site("S1", "2G"), ""]]
    out = site_counts(read_sites(write(tmp_path, rows, header)), communes)
    assert out[["sites", "site_technologies", "cells", "site_technologies_4g"]].sum().tolist() == [1, 2, 3, 1]


def test_same_site_two_operators_is_not_a_duplicate(tmp_path):
    out = read_sites(write(tmp_path, [site("S1", "4G"), site("S1", "4G", operator="VNPT")]))
    assert out["operator"].tolist() == ["Viettel", "VNPT"]


def test_same_site_two_rows_close_together(tmp_path):
    out = read_sites(write(tmp_path, [site("S1", "2G"), site("S1", "4G", 3.05, 7.0)]))  # 50 m
    assert out["technology"].tolist() == ["2G", "4G"]


def test_one_site_id_at_two_places(tmp_path):
    path = write(tmp_path, [site("S1", "2G"), site("S2", "4G", 9, 9), site("S1", "4G", 3.2, 7.0)])
    [p] = problems(path)
    assert p.message == (
        "site 'S1' is given at two places more than 100 m apart (row 2, row 4); "
        "give each location its own site id"
    )


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("active", "active"),
        ("Hoạt động", "active"),
        ("ĐANG HOẠT ĐỘNG", "active"),
        ("Phát sóng", "active"),
        ("on air", "active"),
        ("Quy hoạch", "planned"),
        ("planned", "planned"),
        ("Kế hoạch", "planned"),
        ("Dự kiến", "planned"),
        ("Ngừng hoạt động", "off"),
        ("off", "off"),
        ("Tắt", "off"),
        ("", "active"),
    ],
)
def test_status_aliases(tmp_path, cell, expected):
    out = read_sites(write(tmp_path, [site("S1", "4G", status=cell), site("S2", "4G", 9, 9)]))
    assert out["status"].tolist() == [expected, "active"]


def test_unknown_status(tmp_path):
    [p] = problems(write(tmp_path, [site("S1", "4G", status="sắp xong")]))
    assert (p.row, p.column) == ("row 2", "status")
    assert p.message == "unknown status 'sắp xong'; expected active, planned or off"


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("600", "expected an antenna height in m between 0 and 500, got 600"),
        ("-3", "expected an antenna height in m between 0 and 500, got -3"),
        ("ba mươi", "expected an antenna height in m, got 'ba mươi'"),
    ],
)
def test_height_out_of_range(tmp_path, cell, message):
    [p] = problems(write(tmp_path, [site("S1", "4G", height=cell)]))
    assert (p.row, p.column, p.message) == ("row 2", "height_m", message)


def test_optional_numbers_and_vietnamese_headers(tmp_path):
    header = [
        "Mã trạm",
        "Nhà mạng",
        "Công nghệ",
        "Kinh độ",
        "Vĩ độ",
        "Độ cao anten (m)",
        "Tần số (MHz)",
        "Bán kính (km)",
        "Góc phương vị",
        "Trạng thái",
    ]
    lon, lat = lonlat(3, 7)
    path = write_csv(
        tmp_path / "bts.csv",
        header,
        [["BTS-01", "Viettel", "4G", lon, lat, "32,5", "1800", "3,5", "120", "Hoạt động"]],
    )
    out = read_sites(path)
    assert out.iloc[0][
        [
            "site_id",
            "operator",
            "technology",
            "height_m",
            "frequency_mhz",
            "radius_km",
            "azimuth_deg",
            "status",
        ]
    ].tolist() == ["BTS-01", "Viettel", "4G", 32.5, 1800.0, 3.5, 120.0, "active"]
    write_csv(path, header, [["BTS-01", "Viettel", "4G", lon, lat, "32", "10", "0", "400", ""]])
    found = {p.column: p.message for p in problems(path)}
    assert found == {
        "Tần số (MHz)": "expected a frequency in MHz between 30 and 100000, got 10",
        "Bán kính (km)": "expected a radius in km between 0.001 and 200, got 0",
        "Góc phương vị": "expected an azimuth in degrees between 0 and 360, got 400",
    }


def test_site_without_coordinates_is_an_error(tmp_path):
    path = write(tmp_path, [site("S1", "4G"), site("S2", "2G,4G", None, None)])
    [p] = problems(path)
    assert (p.source, p.row) == ("sites.csv", "row 3")
    assert p.message == "the site has no coordinates; a site cannot be modelled without them"


def test_blank_site_id(tmp_path):
    [p] = problems(write(tmp_path, [site("", "4G")]))
    assert (p.row, p.column, p.message) == ("row 2", "site_id", "the site id is blank")


def test_swapped_site_coordinates_repaired(tmp_path):
    communes = read_communes(write_communes(tmp_path / "communes.gpkg"))
    lon, lat = lonlat(3, 7)
    path = write_csv(
        tmp_path / "s.csv", ["site_id", "technology", "lon", "lat"], [["S1", "4G", lat, lon]]
    )
    with pytest.warns(RepairWarning, match="swapped"):
        out = read_sites(path, communes=communes)
    assert (out.geometry.x[0], out.geometry.y[0]) == (lon, lat)
    assert [r.kind for r in out.attrs["repairs"]] == ["swapped_lonlat"]


def test_require_sites_with_no_active_site(tmp_path):
    out = read_sites(
        write(
            tmp_path, [site("S1", "4G", status="Quy hoạch"), site("S2", "2G", 9, 9, status="off")]
        )
    )
    with pytest.raises(InputError) as info:
        require_sites(out, "sites.csv")
    assert str(info.value) == (
        "sites.csv: no site is active; set status = active for the sites "
        "on air (planned and off sites are not modelled)"
    )
    require_sites(read_sites(write(tmp_path, [site("S1", "4G")])), "sites.csv")


def test_dms_coordinates_in_xlsx(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "BTS"
    sheet.append(["DANH SÁCH TRẠM BTS"])
    sheet.append(["Mã trạm", "Công nghệ", "Kinh độ", "Vĩ độ", "Trạng thái"])
    sheet.append(["BTS-01", "2G/4G", "105°45'30.5\"E", "21°23'15.2\"N", "Hoạt động"])
    sheet.append(["BTS-02", "LTE", "Đ 105 46 10", "B 21 24 0", "Quy hoạch"])
    sheet.append(["BTS-03", "3G", 105.8, 21.4, None])
    path = tmp_path / "bts.xlsx"
    book.save(path)
    out = read_sites(path, sheet="BTS")
    assert out["site_id"].tolist() == ["BTS-01", "BTS-01", "BTS-02", "BTS-03"]
    assert out["technology"].tolist() == ["2G", "4G", "4G", "3G"]
    assert out["status"].tolist() == ["active", "active", "planned", "active"]
    assert out["source_row"].tolist() == ["row 3", "row 3", "row 4", "row 5"]
    np.testing.assert_allclose(
        out.geometry.x, [105 + 45 / 60 + 30.5 / 3600] * 2 + [105 + 46 / 60 + 10 / 3600, 105.8]
    )
    np.testing.assert_allclose(out.geometry.y, [21 + 23 / 60 + 15.2 / 3600] * 2 + [21.4, 21.4])


def test_dms_with_wrong_hemisphere_in_xlsx(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["site_id", "technology", "lon", "lat"])
    sheet.append(["S1", "4G", "21°23'15.2\"N", "105°45'30.5\"E"])
    path = tmp_path / "bts.xlsx"
    book.save(path)
    found = [p for p in problems(path) if p.column]
    assert sorted((p.row, p.column) for p in found) == [("row 2", "lat"), ("row 2", "lon")]
    assert all(p.source == "bts.xlsx [Sheet]" for p in found)
    assert "got '21°23\\'15.2\"N'" in found[0].message


def test_unreadable_coordinates_are_not_also_missing(tmp_path):
    path = write(tmp_path, [["S1", "Viettel", "4G", "105 độ", "21.0", 30, "active"]])
    found = problems(path)
    assert [(p.row, p.column) for p in found] == [("row 2", "lon")]


def test_vector_sites_must_be_points(tmp_path):
    frame = gpd.GeoDataFrame(
        {"site_id": ["S1", "S2"], "technology": ["4G", "2G"]},
        geometry=[shapely.Point(lonlat(3, 7)), shapely.LineString([lonlat(0, 0), lonlat(1, 1)])],
        crs=4326,
    )
    path = tmp_path / "sites.gpkg"
    frame.to_file(path, driver="GPKG")
    [p] = problems(path)
    assert (p.row, p.message) == ("feature 2", "expected a point, got a LineString")


def test_all_problems_of_sites_together(tmp_path):
    path = write(
        tmp_path, [site("S1", "7G", height="999", status="??"), site("S2", "4G", None, None)]
    )
    found = problems(path)
    assert sorted((p.row, p.column or "") for p in found) == [
        ("row 2", "height_m"),
        ("row 2", "status"),
        ("row 2", "technology"),
        ("row 3", ""),
    ]
