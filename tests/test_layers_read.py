"""Reading layer files of every format, and matching their columns."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pyogrio
import pytest
import shapely
from conftest import lonlat, write_communes, write_csv
from pyproj import Transformer

from whitezone import InputError, RepairWarning, read_communes, read_villages
from whitezone.errors import Problems
from whitezone.layers._columns import fold, match_columns
from whitezone.layers._read import read_raw

WANTED = ("village_id", "village", "commune_id", "population", "lon", "lat")


def raw(path: Path, **kwargs):
    return read_raw(path, role="villages", wanted=WANTED, **kwargs)


def error_of(func, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as info:
        func(*args, **kwargs)
    return info.value


def quiet_villages(path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_villages(path, **kwargs)


# -- CSV ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiters(tmp_path, delimiter):
    path = write_csv(
        tmp_path / "v.csv",
        ["village_id", "village", "lon", "lat"],
        [["V1", "Bản Một", "105.5", "21.5"], ["V2", "Bản Hai, Ba", "105.6", "21.6"]],
        delimiter=delimiter,
    )
    table = raw(path)
    assert list(table.frame.columns) == ["village_id", "village", "lon", "lat"]
    assert table.frame["village"].tolist() == ["Bản Một", "Bản Hai, Ba"]
    assert table.rows.tolist() == ["row 2", "row 3"]
    assert not table.is_vector


def test_semicolon_csv_with_decimal_commas(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(
        "village_id;village;lon;lat\nV1;Bản Một;105,98;20,97\nV2;Bản Hai;105,99;20,96\n",
        encoding="utf-8",
    )
    out = read_villages(path)
    assert out.geometry.x.tolist() == [pytest.approx(105.98), pytest.approx(105.99)]
    assert out.geometry.y.tolist() == [pytest.approx(20.97), pytest.approx(20.96)]


def test_tsv_file(tmp_path):
    path = write_csv(
        tmp_path / "v.tsv", ["village_id", "lon", "lat"], [["V1", "105.5", "21.5"]], delimiter="\t"
    )
    assert raw(path).frame.iloc[0].tolist() == ["V1", "105.5", "21.5"]


def test_csv_utf8_with_bom(tmp_path):
    path = write_csv(
        tmp_path / "v.csv",
        ["Mã thôn", "Tên thôn", "Kinh độ", "Vĩ độ"],
        [["V1", "Bản Một", "105.5", "21.5"]],
        encoding="utf-8-sig",
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    table = raw(path)
    assert list(table.frame.columns) == ["Mã thôn", "Tên thôn", "Kinh độ", "Vĩ độ"]
    out = read_villages(path)
    assert out["village_id"].tolist() == ["V1"]
    assert out["village"].tolist() == ["Bản Một"]


def test_cp1258_fallback_is_a_recorded_repair(tmp_path):
    path = tmp_path / "v.csv"
    # Only characters Windows-1258 holds precomposed: ư, Đ, ô.
    path.write_bytes("village_id,village,lon,lat\nV1,Bưu Đông,105.5,21.5\n".encode("cp1258"))
    table = raw(path)
    assert table.frame["village"].tolist() == ["Bưu Đông"]
    assert [kind for kind, _ in table.notes] == ["encoding_cp1258"]
    # The layer lists it with its repairs (so `whitezone check` and the report show it).
    with pytest.warns(RepairWarning, match=r"v\.csv: not UTF-8, read as Windows-1258"):
        villages = read_villages(path)
    assert [r.kind for r in villages.attrs["repairs"]] == ["encoding_cp1258"]


def test_cp1258_tone_marks_are_composed(tmp_path):
    path = tmp_path / "v.csv"
    # Windows-1258 stores "ả" as "a" + combining hook above, which is how Excel writes it.
    text = "village_id,village,lon,lat\nV1,Ba\u0309n Bưu,105.5,21.5\n"
    path.write_bytes(text.encode("cp1258"))
    table = raw(path)
    assert table.frame["village"].tolist() == ["Bản Bưu"]


def test_header_below_title_rows_in_csv(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(
        "DANH SÁCH THÔN BẢN,,,\nTỉnh P - năm 2024,,,\n,,,\n"
        "Mã thôn,Tên thôn,Kinh độ,Vĩ độ\nV1,Bản Một,105.5,21.5\n\nV2,Bản Hai,105.6,21.6\n",
        encoding="utf-8",
    )
    table = raw(path)
    assert list(table.frame.columns) == ["Mã thôn", "Tên thôn", "Kinh độ", "Vĩ độ"]
    # the blank line 6 is skipped, rows keep the line numbers a user sees
    assert table.rows.tolist() == ["row 5", "row 7"]


def test_header_below_unpadded_title_in_comma_csv(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(
        "Danh sách thôn\nvillage_id,village,lon,lat\nV1,Bản Một,105.5,21.5\n", encoding="utf-8"
    )
    table = raw(path)
    assert list(table.frame.columns) == ["village_id", "village", "lon", "lat"]
    assert table.rows.tolist() == ["row 3"]


def test_header_below_title_in_semicolon_csv_with_decimal_commas(tmp_path):
    path = tmp_path / "v.csv"
    body = "".join(f"V{i};Bản {i};105,9{i};20,9{i}\n" for i in range(12))
    path.write_text("Danh sách thôn\nvillage_id;village;lon;lat\n" + body, encoding="utf-8")
    table = raw(path)
    assert list(table.frame.columns) == ["village_id", "village", "lon", "lat"]


def test_row_labels_are_lines_a_user_sees(tmp_path):
    path = write_csv(
        tmp_path / "v.csv",
        ["village_id", "lon", "lat"],
        [["V1", "105.5", "21.5"], ["V2", "105.5", "abc"], ["V3", "105.5", "21.5"]],
    )
    err = error_of(read_villages, path)
    [p] = err.problems
    assert p.source == "v.csv"
    assert p.row == "row 3"
    assert p.column == "lat"
    assert "expected a latitude" in p.message and "got 'abc'" in p.message
    assert str(err).startswith("v.csv, row 3, column 'lat': expected a latitude")


def test_row_with_more_cells_than_header(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(
        "village_id,lon,lat\nV1,105.5,21.5\nV2,105,5,21,5\nV3,105.5,21.5,\n", encoding="utf-8"
    )
    err = error_of(raw, path)
    [p] = err.problems  # a trailing empty cell (row 4) is fine
    assert p.row == "row 3"
    assert p.message == ("the row has 5 cells but the header has 3; check the delimiter or quoting")


def test_duplicate_header_names(tmp_path):
    path = write_csv(
        tmp_path / "v.csv", ["village_id", "lon", "lon", "lat"], [["V1", "1", "2", "3"]]
    )
    err = error_of(raw, path)
    [p] = err.problems
    assert p.row == "row 1"
    assert "the header has 2 columns named 'lon'; names must be unique" in p.message


def test_empty_csv_file(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("", encoding="utf-8")
    err = error_of(raw, path)
    assert str(err) == "v.csv: the file is empty"


def test_csv_with_header_only_is_an_empty_layer(tmp_path):
    path = write_csv(tmp_path / "v.csv", ["village_id", "lon", "lat"], [])
    err = error_of(raw, path)
    assert str(err) == "v.csv: the villages layer is empty: no rows"


def test_csv_with_blank_lines_only_is_empty(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("village_id,lon,lat\n,,\n\n", encoding="utf-8")
    err = error_of(raw, path)
    assert "the villages layer is empty: no rows" in str(err)


def test_missing_file(tmp_path):
    path = tmp_path / "nothing.csv"
    err = error_of(raw, path)
    assert str(err) == f"{path}: the villages file was not found"


def test_old_xls_refused_with_advice(tmp_path):
    path = tmp_path / "v.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    err = error_of(raw, path)
    assert str(err) == (
        "v.xls: old Excel .xls files are not read; save the sheet as .xlsx (Excel Workbook)"
    )


# -- Excel -------------------------------------------------------------------------------------


def make_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "Bìa"
    cover["A1"] = "Báo cáo"
    sheet = book.create_sheet("Thôn")
    sheet["A1"] = "DANH SÁCH THÔN BẢN"
    sheet["A2"] = "Tỉnh P"
    for col, name in zip(
        "ABCDE", ["Mã thôn", "Tên thôn", "Dân số", "Kinh độ", "Vĩ độ"], strict=True
    ):
        sheet[f"{col}4"] = name
    sheet.append(["V1", "Bản Một", 120, 105.5, 21.5])
    sheet.append([None, None, None, None, None])
    sheet.append(["V2", "Bản Hai", "1.234", "105°36'E", "21°36'N"])
    book.save(path)
    return path


def test_xlsx_header_below_title_and_row_numbers(tmp_path):
    path = make_workbook(tmp_path / "v.xlsx")
    table = raw(path, sheet="Thôn")
    assert table.source == "v.xlsx [Thôn]"
    assert list(table.frame.columns) == ["Mã thôn", "Tên thôn", "Dân số", "Kinh độ", "Vĩ độ"]
    assert table.rows.tolist() == ["row 5", "row 7"]
    out = read_villages(path, sheet="Thôn")
    assert out["village_id"].tolist() == ["V1", "V2"]
    assert out["population"].tolist() == [120.0, 1234.0]
    assert out.geometry.x.tolist() == [105.5, pytest.approx(105.6)]
    assert out["source_row"].tolist() == ["row 5", "row 7"]


def test_xlsx_sheet_by_position(tmp_path):
    path = make_workbook(tmp_path / "v.xlsx")
    assert raw(path, sheet=1).source == "v.xlsx [Thôn]"
    # default: the first sheet, here a cover page with no rows under its "header"
    assert str(error_of(raw, path)) == "v.xlsx [Bìa]: the villages layer is empty: no rows"


def test_xlsx_missing_sheet_lists_sheets(tmp_path):
    path = make_workbook(tmp_path / "v.xlsx")
    err = error_of(raw, path, sheet="Villages")
    assert str(err) == "v.xlsx: sheet 'Villages' not found; sheets: Bìa, Thôn"
    err = error_of(raw, path, sheet=4)
    assert str(err) == "v.xlsx: sheet 4 does not exist; the workbook has 2 sheet(s)"


def test_xlsx_bad_cell_named_by_excel_row(tmp_path):
    path = make_workbook(tmp_path / "v.xlsx")
    book = openpyxl.load_workbook(path)
    book["Thôn"]["C7"] = "nhiều"
    book.save(path)
    err = error_of(read_villages, path, sheet="Thôn")
    [p] = err.problems
    assert (p.source, p.row, p.column) == ("v.xlsx [Thôn]", "row 7", "Dân số")
    assert p.message == "expected a population, got 'nhiều'"


def test_xlsx_row_with_more_cells(tmp_path):
    path = make_workbook(tmp_path / "v.xlsx")
    book = openpyxl.load_workbook(path)
    book["Thôn"]["G5"] = "ghi chú"
    book.save(path)
    err = error_of(raw, path, sheet="Thôn")
    [p] = err.problems
    assert p.row == "row 5"
    assert "but the header has 5" in p.message


def test_xlsx_empty_sheet(tmp_path):
    path = tmp_path / "v.xlsx"
    openpyxl.Workbook().save(path)
    err = error_of(raw, path)
    assert "v.xlsx" in str(err)
    assert "empty" in str(err)


def test_not_a_workbook(tmp_path):
    path = tmp_path / "v.xlsx"
    path.write_text("not a zip", encoding="utf-8")
    err = error_of(raw, path)
    assert str(err).startswith("v.xlsx: cannot open the workbook:")


# -- GIS files ---------------------------------------------------------------------------------


def village_points(crs=4326) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"village_id": ["V1", "V2"], "village": ["Bản Một", "Thôn Đồng Tâm"]},
        geometry=[shapely.Point(lonlat(2, 7)), shapely.Point(lonlat(13, 5))],
        crs=crs,
    )


def test_geopackage_with_two_layers_needs_a_layer_name(tmp_path):
    path = tmp_path / "data.gpkg"
    village_points().to_file(path, layer="thon", driver="GPKG")
    write_communes(path)  # adds layer "communes"
    err = error_of(raw, path)
    assert str(err) == (
        "data.gpkg: the file has 2 layers (thon, communes); choose one with "
        'layer = "..." in [layers.villages]'
    )
    assert raw(path, layer="thon").frame["village_id"].tolist() == ["V1", "V2"]
    # a layer named like the role is taken without asking
    assert len(read_communes(path)) == 2


def test_a_geopackage_s_layer_styles_table_is_not_a_layer(tmp_path):
    """A GeoPackage saved from QGIS with its style (or written by whitezone) reads as its one layer."""
    from whitezone.files import write_gpkg
    from whitezone.styles import village_style

    path = tmp_path / "villages.gpkg"
    frame = village_points().assign(class_any=["none", "good"])
    write_gpkg(frame, path, layer="thon", styles={"thon": village_style(lang="vi", layer="thon")})
    assert "layer_styles" in [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    assert raw(path).frame["village_id"].tolist() == ["V1", "V2"]


def test_geopackage_rows_are_features(tmp_path):
    path = tmp_path / "v.gpkg"
    village_points().to_file(path, driver="GPKG")
    table = raw(path)
    assert table.is_vector
    assert table.rows.tolist() == ["feature 1", "feature 2"]


def test_unreadable_gis_file(tmp_path):
    path = tmp_path / "v.gpkg"
    path.write_text("garbage", encoding="utf-8")
    err = error_of(raw, path)
    assert str(err).startswith("v.gpkg: cannot open as a GIS file")


def test_geoparquet(tmp_path):
    path = tmp_path / "v.parquet"
    village_points().to_parquet(path)
    table = raw(path)
    assert table.is_vector
    assert table.rows.tolist() == ["feature 0", "feature 1"]
    out = read_villages(path)
    assert out["village"].tolist() == ["Bản Một", "Thôn Đồng Tâm"]
    assert out.geometry.x.tolist() == [
        pytest.approx(lonlat(2, 7)[0]),
        pytest.approx(lonlat(13, 5)[0]),
    ]


def test_bad_geoparquet(tmp_path):
    path = tmp_path / "v.parquet"
    path.write_text("garbage", encoding="utf-8")
    assert str(error_of(raw, path)).startswith("v.parquet: cannot read GeoParquet")


def test_empty_gis_layer(tmp_path):
    path = tmp_path / "v.gpkg"
    village_points().iloc[:0].to_file(path, driver="GPKG")
    err = error_of(raw, path)
    assert str(err) == "v.gpkg: the villages layer is empty: no rows"


def test_shapefile_with_cpg_keeps_vietnamese_names(tmp_path):
    path = tmp_path / "v.shp"
    village_points().to_file(path, encoding="utf-8")
    assert (tmp_path / "v.cpg").read_text().strip().upper() in ("UTF-8", "UTF8")
    out = read_villages(path)
    assert out["village"].tolist() == ["Bản Một", "Thôn Đồng Tâm"]


def test_shapefile_in_vn2000_tm3_is_reprojected(tmp_path):
    lon, lat = np.array([105.75, 105.9]), np.array([21.0, 21.2])
    to_vn = Transformer.from_crs(4326, 9210, always_xy=True)
    x, y = to_vn.transform(lon, lat)
    frame = gpd.GeoDataFrame(
        {"village_id": ["V1", "V2"]}, geometry=gpd.points_from_xy(x, y), crs=9210
    )
    path = tmp_path / "v.shp"
    frame.to_file(path)
    assert "VN-2000" in (tmp_path / "v.prj").read_text().replace("_", "-")
    out = read_villages(path)
    assert out.crs.to_epsg() == 4326
    back_lon, back_lat = Transformer.from_crs(9210, 4326, always_xy=True).transform(x, y)
    np.testing.assert_allclose(out.geometry.x, back_lon, atol=1e-9)
    np.testing.assert_allclose(out.geometry.y, back_lat, atol=1e-9)
    np.testing.assert_allclose(out.geometry.x, lon, atol=1e-6)
    np.testing.assert_allclose(out.geometry.y, lat, atol=1e-6)


def test_no_crs_and_projected_coordinates_is_an_error(tmp_path):
    x, y = Transformer.from_crs(4326, 9210, always_xy=True).transform(105.75, 21.0)
    frame = gpd.GeoDataFrame({"village_id": ["V1"]}, geometry=[shapely.Point(x, y)])
    path = tmp_path / "v.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame.to_file(path)
    assert not (tmp_path / "v.prj").exists()
    err = error_of(read_villages, path)
    [p] = err.problems
    assert p.source == "v.shp"
    assert (
        "the file has no CRS and its coordinates look projected (x 499,804 to 499,804)" in p.message
    )
    assert "add the .prj file or declare it in the project file" in p.message
    assert '[layers.<layer>] crs = "EPSG:9210"' in p.message


def test_no_crs_with_declared_crs(tmp_path):
    x, y = Transformer.from_crs(4326, 9210, always_xy=True).transform(105.75, 21.0)
    frame = gpd.GeoDataFrame({"village_id": ["V1"]}, geometry=[shapely.Point(x, y)])
    path = tmp_path / "v.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame.to_file(path)
    out = read_villages(path, crs="EPSG:9210")
    assert out.geometry.x[0] == pytest.approx(105.75, abs=1e-7)
    assert out.geometry.y[0] == pytest.approx(21.0, abs=1e-7)


def shapefile_without_crs_in_degrees(tmp_path) -> Path:
    frame = gpd.GeoDataFrame({"village_id": ["V1"]}, geometry=[shapely.Point(105.7, 21.0)])
    path = tmp_path / "v.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame.to_file(path)
    return path


def test_no_crs_with_degree_coordinates_assumes_wgs84(tmp_path):
    path = shapefile_without_crs_in_degrees(tmp_path)
    with pytest.warns(RepairWarning, match=r"v\.shp: the file has no CRS; .* WGS 84"):
        out = read_villages(path)
    assert out.crs.to_epsg() == 4326
    assert (out.geometry.x[0], out.geometry.y[0]) == (105.7, 21.0)


def test_assumed_wgs84_is_counted_as_a_repair(tmp_path):
    out = quiet_villages(shapefile_without_crs_in_degrees(tmp_path))
    assert [r.kind for r in out.attrs["repairs"]] == ["assumed_wgs84"]


# -- columns -----------------------------------------------------------------------------------


def match(columns, wanted, **kwargs):
    problems = Problems("f.csv")
    found = match_columns(columns, wanted, problems=problems, **kwargs)
    return found, problems.items


def test_fold():
    assert fold("Độ cao anten (m)") == "do_cao_anten"
    assert fold("VĨ ĐỘ") == "vi_do"
    assert fold("  Mã  thôn ") == "ma_thon"
    assert fold("KINH_DO") == "kinh_do"
    assert fold("Dân số [người]") == "dan_so"


def test_vietnamese_aliases_match_accents_and_case():
    columns = ["Mã thôn", "Tên thôn", "Kinh độ", "VĨ ĐỘ", "Dân số", "Số hộ"]
    found, problems = match(
        columns, ("village_id", "village", "lon", "lat", "population", "households")
    )
    assert problems == []
    assert found == {
        "village_id": "Mã thôn",
        "village": "Tên thôn",
        "lon": "Kinh độ",
        "lat": "VĨ ĐỘ",
        "population": "Dân số",
        "households": "Số hộ",
    }


def test_unit_in_brackets_is_ignored():
    found, problems = match(
        ["Mã trạm", "Công nghệ", "Độ cao anten (m)", "Tần số [MHz]"],
        ("site_id", "technology", "height_m", "frequency_mhz"),
    )
    assert problems == []
    assert found["height_m"] == "Độ cao anten (m)"
    assert found["frequency_mhz"] == "Tần số [MHz]"
    assert found["site_id"] == "Mã trạm"


def test_explicit_mapping_wins():
    found, problems = match(
        ["village_id", "Mã cũ", "lon", "lat"],
        ("village_id", "lon", "lat"),
        explicit={"village_id": "Mã cũ"},
    )
    assert problems == []
    assert found["village_id"] == "Mã cũ"


def test_explicit_mapping_matches_folded():
    found, problems = match(["MÃ CŨ"], ("village_id",), explicit={"village_id": "mã cũ"})
    assert problems == []
    assert found == {"village_id": "MÃ CŨ"}


def test_explicit_mapping_to_missing_column():
    found, problems = match(
        ["Mã thôn", "lon", "lat"],
        ("village_id", "lon", "lat"),
        required=("village_id",),
        explicit={"village_id": "Ma_thon_2"},
    )
    assert [str(p) for p in problems] == [
        "f.csv, column 'Ma_thon_2': column 'Ma_thon_2' named in [columns] for 'village_id' is "
        "not in the file; columns present: Mã thôn, lon, lat",
    ]


def test_missing_required_column_message():
    found, problems = match(
        ["Tên thôn", "lon", "lat"], ("village_id", "lon", "lat"), required=("village_id", "lon")
    )
    assert found == {"lon": "lon", "lat": "lat"}
    assert [str(p) for p in problems] == [
        "f.csv: expected column 'village_id' is missing (looked for: village_id, village_code, "
        "ma_thon, ma_ban, ma_thon_ban, id); columns present: Tên thôn, lon, lat. Rename the "
        'column or map it in the project file: [columns.<layer>] village_id = "your column"',
    ]


def test_two_columns_matching_one_alias_are_ambiguous():
    found, problems = match(
        ["village_id", "Kinh độ", "kinh_do", "lat"], ("village_id", "lon", "lat"), required=("lon",)
    )
    messages = [p.message for p in problems]
    assert messages[0] == (
        "columns 'Kinh độ', 'kinh_do' all look like 'lon'; name the one to "
        'use under [columns] (lon = "...")'
    )
    assert "lon" not in found


def test_most_specific_alias_first():
    # "lon" is a better longitude than "x"; "Mã thôn" a better village id than "id"
    found, problems = match(["id", "Mã thôn", "x", "lon", "lat"], ("village_id", "lon", "lat"))
    assert problems == []
    assert found == {"village_id": "Mã thôn", "lon": "lon", "lat": "lat"}


def test_missing_required_column_message_through_reader(tmp_path):
    path = write_csv(
        tmp_path / "v.csv", ["Tên thôn", "Kinh độ", "Vĩ độ"], [["Bản Một", "105.5", "21.5"]]
    )
    err = error_of(read_villages, path)
    [p] = err.problems
    assert p.source == "v.csv"
    assert p.message.startswith("expected column 'village_id' is missing (looked for: village_id")
    assert "columns present: Tên thôn, Kinh độ, Vĩ độ" in p.message
    assert '[columns.<layer>] village_id = "your column"' in p.message


def test_table_without_coordinates(tmp_path):
    path = write_csv(tmp_path / "v.csv", ["village_id", "village"], [["V1", "Bản Một"]])
    err = error_of(read_villages, path)
    assert [p.message.split(" (")[0] for p in err.problems] == [
        "expected column 'lon' is missing",
        "expected column 'lat' is missing",
    ]


def test_columns_from_project_mapping(tmp_path):
    path = write_csv(
        tmp_path / "v.csv", ["Code", "Dân", "X_4326", "Y_4326"], [["V1", "1.234", "105.5", "21.5"]]
    )
    out = read_villages(
        path, columns={"village_id": "Code", "population": "Dân", "lon": "X_4326", "lat": "Y_4326"}
    )
    assert out["village_id"].tolist() == ["V1"]
    assert out["population"].tolist() == [1234.0]
    assert (out.geometry.x[0], out.geometry.y[0]) == (105.5, 21.5)


def test_csv_in_projected_crs(tmp_path):
    x, y = Transformer.from_crs(4326, 9210, always_xy=True).transform(105.8, 21.1)
    path = write_csv(tmp_path / "v.csv", ["village_id", "x", "y"], [["V1", f"{x:.3f}", f"{y:.3f}"]])
    out = read_villages(path, crs="EPSG:9210")
    assert out.geometry.x[0] == pytest.approx(105.8, abs=1e-7)
    assert out.geometry.y[0] == pytest.approx(21.1, abs=1e-7)


# -- untrusted workbooks ----------------------------------------------------------------------


def _workbook_with_sheet_xml(path: Path, sheet_xml: str) -> Path:
    """A valid workbook whose first sheet's XML is replaced by ``sheet_xml``."""
    import zipfile

    book = openpyxl.Workbook()
    book.active.append(["village_id", "lon", "lat"])
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode()
            dst.writestr(item, data)
    return path


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>"""


def test_workbooks_are_parsed_with_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML


def test_entity_expansion_in_a_workbook_is_refused(tmp_path):
    path = _workbook_with_sheet_xml(tmp_path / "bomb.xlsx", BILLION_LAUGHS)
    with pytest.raises(InputError, match=r"bomb\.xlsx.*(Entities|entit|DTD)"):
        raw(path)


def test_a_workbook_unpacking_to_absurd_size_is_refused(tmp_path, monkeypatch):
    from whitezone.layers import _read

    path = _workbook_with_sheet_xml(tmp_path / "big.xlsx", "<worksheet xmlns=\"http://schemas."
                                    "openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
                                    + " " * 200_000 + "</sheetData></worksheet>")  # fmt: skip
    monkeypatch.setattr(_read, "MAX_XLSX_UNPACKED_BYTES", 100_000)
    with pytest.raises(InputError, match=r"big\.xlsx: the workbook unpacks to .* refused"):
        raw(path)


def test_a_file_named_xlsx_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("village_id,lon,lat\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"fake\.xlsx: cannot open the workbook: not an \.xlsx"):
        raw(path)
