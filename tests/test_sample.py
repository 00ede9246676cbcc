"""The synthetic sample province: deterministic, plausible, calibrated, in the promised formats."""

from __future__ import annotations

import csv
import re
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
from openpyxl import load_workbook
from pyproj import Transformer
from rasterio.features import geometry_mask

from whitezone.datasets import synthetic as sample
from whitezone.project import DEFAULT_RADIUS_KM

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

UTM = "EPSG:32648"
DMS = re.compile(r"^(\d{2,3})°(\d{2})'(\d{2}\.\d)\"([NSEW])$")
LAYERS = ("communes", "villages", "sites", "post_offices", "fiber", "grid", "pois", "dem", "landcover",
          "measurements")  # fmt: skip


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The default sample, the same seed again, and another seed."""
    root = tmp_path_factory.mktemp("sample")
    return {name: sample.make_sample(root / name, seed=seed)
            for name, seed in (("a", 2020), ("b", 2020), ("other", 7))}  # fmt: skip


@pytest.fixture(scope="module")
def paths(runs):
    return runs["a"]


def read_villages(path):
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"Mã xã": str})


def read_posts(path):
    return pd.read_csv(path, sep=";", decimal=",", encoding="utf-8", dtype={"Mã xã": str})


def read_pois(path):
    return pd.read_csv(path, dtype={"commune_id": str})


def read_bts(path):
    ws = load_workbook(path, read_only=True)["BTS"]
    rows = list(ws.iter_rows(values_only=True))
    return rows, pd.DataFrame(rows[3:], columns=rows[2])


def dms_to_deg(text):
    m = DMS.match(text)
    assert m, f"not a DMS string: {text!r}"
    value = int(m[1]) + int(m[2]) / 60 + float(m[3]) / 3600
    return -value if m[4] in "SW" else value


def utm(lon, lat):
    x, y = Transformer.from_crs(4326, UTM, always_xy=True).transform(
        np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))  # fmt: skip
    return np.c_[x, y]


def tables(p):
    return {
        "villages": read_villages(p["villages"]),
        "posts": read_posts(p["post_offices"]),
        "pois": read_pois(p["pois"]),
        "bts": read_bts(p["sites"])[1],
        "communes": gpd.read_file(p["communes"], layer="communes"),
        "fiber": gpd.read_file(p["fiber"], layer="fiber"),
        "grid": gpd.read_file(p["grid"], layer="grid"),
    }


def test_returns_every_file(paths):
    assert set(paths) == {*LAYERS, "project", "readme"}
    assert all(p.is_file() for p in paths.values())


def test_same_seed_same_tables(runs):
    a, b = tables(runs["a"]), tables(runs["b"])
    for name in ("villages", "posts", "pois", "bts"):
        pd.testing.assert_frame_equal(a[name], b[name])
    for name in ("communes", "fiber", "grid"):
        pd.testing.assert_frame_equal(a[name].drop(columns="geometry"),
                                      b[name].drop(columns="geometry"))  # fmt: skip
        assert shapely.equals_exact(a[name].geometry.values, b[name].geometry.values, 0).all()
    with rasterio.open(runs["a"]["dem"]) as da, rasterio.open(runs["b"]["dem"]) as db:
        assert da.transform == db.transform
        np.testing.assert_array_equal(da.read(1), db.read(1))
    assert runs["a"]["readme"].read_text("utf-8") == runs["b"]["readme"].read_text("utf-8")


def test_other_seed_other_tables(runs):
    a, other = tables(runs["a"]), tables(runs["other"])
    for name in ("villages", "bts", "posts"):
        assert not a[name].equals(other[name])
    assert not a["communes"].geometry.geom_equals(other["communes"].geometry).all()


def test_sizes(paths):
    t = tables(paths)
    communes, villages, bts = t["communes"], t["villages"], t["bts"]
    assert 120 <= len(communes) <= 140
    assert 8 <= communes.district.nunique() <= 12
    assert communes.commune.str.startswith("Thị trấn ").sum() == communes.district.nunique()
    assert 1_350 <= len(villages) <= 1_550
    assert 570_000 <= villages["Dân số"].sum() <= 630_000
    ratio = villages["Dân số"] / villages["Số hộ"]
    assert 4.2 <= ratio.median() <= 4.8
    area = communes.to_crs(UTM).union_all().area / 1e6
    assert 9_000 <= area <= 10_000
    assert 150 <= bts["Mã trạm"].nunique() <= 500
    assert bts["Mã trạm"].nunique() < len(bts) <= 900   # sites carrying 3G are listed as three cells
    assert set(bts["Nhà mạng"]) == {"Viettel", "VNPT", "MobiFone"}
    assert (bts["Trạng thái"] == "active").mean() > 0.9
    assert 1 <= (bts["Trạng thái"] == "planned").sum() <= 15
    assert 130 <= len(t["posts"]) <= 170
    kinds = t["pois"].kind.value_counts()
    assert kinds["health station"] == kinds["commune office"] == len(communes)
    assert 400 <= kinds["school"] <= 500
    assert len(t["fiber"]) >= communes.district.nunique() - 1
    w, s, e, n = communes.total_bounds
    assert 102.6 < w < 103.2 and 103.8 < e < 104.4 and 21.0 < s < 21.4 and 21.9 < n < 22.3


def test_ids_and_names(paths):
    t = tables(paths)
    communes, villages = t["communes"], t["villages"]
    assert communes.commune_id.is_unique
    assert communes.commune_id.str.fullmatch(r"\d{5}").all()
    assert villages["Mã thôn"].is_unique
    assert villages["Mã thôn"].str.fullmatch(r"V\d{4}").all()
    assert set(villages["Mã xã"]) == set(communes.commune_id)  # every commune has villages
    assert not villages.duplicated(["Mã xã", "Tên thôn"]).any()
    assert villages["Tên thôn"].str.startswith("Bản ").all()
    assert not communes.duplicated(["district", "commune"]).any()
    assert communes.commune.str.match(r"^(Xã|Thị trấn) ").all()
    assert communes.district.str.startswith("Huyện ").all()
    assert (communes.province == "Tỉnh Mẫu (synthetic)").all()
    # A site's cells share its id; each (site, azimuth) row is one cell.
    assert not t["bts"].duplicated(["Mã trạm", "Góc phương vị"]).any()
    assert t["bts"]["Mã trạm"].str.fullmatch(r"(VTL|VNP|MBF)-\d{4}").all()
    assert t["posts"]["Mã điểm"].is_unique and t["pois"].poi_id.is_unique


def test_villages_and_points_inside_their_commune(paths):
    t = tables(paths)
    communes = t["communes"].set_index("commune_id").geometry
    v = t["villages"]
    assert shapely.covers(communes[v["Mã xã"]].values,
                          shapely.points(v["Kinh độ"], v["Vĩ độ"])).all()  # fmt: skip
    for df, cid, lon, lat in ((t["posts"], "Mã xã", "Kinh độ", "Vĩ độ"),
                              (t["pois"], "commune_id", "lon", "lat")):  # fmt: skip
        assert shapely.covers(communes[df[cid]].values, shapely.points(df[lon], df[lat])).all()
    population = v.groupby("Mã xã")["Dân số"].sum()
    assert (t["communes"].set_index("commune_id").population == population).all()


def test_postal_and_poi_content(paths):
    t = tables(paths)
    posts, pois, communes = t["posts"], t["pois"], t["communes"]
    kinds = posts["Loại"].value_counts()
    assert set(kinds.index) == {"BĐ-VHX", "Bưu cục", "Đại lý"}
    assert kinds["Bưu cục"] == communes.district.nunique()
    assert len(communes) - 20 <= kinds["BĐ-VHX"] <= len(communes) - 5
    assert posts[posts["Loại"] == "BĐ-VHX"]["Mã xã"].is_unique
    assert set(pois.kind) == {"school", "health station", "commune office"}
    assert set(pois.fixed_broadband) == {"yes", "no"}
    schools = pois[pois.kind == "school"]
    assert 0.3 < (schools.fixed_broadband == "yes").mean() < 0.95


def test_calibration(paths):
    """The radius model gives about Điện Biên 2020's 2.0 % none and 8.9 % weak."""
    v = read_villages(paths["villages"])
    _, bts = read_bts(paths["sites"])
    pts = utm(v["Kinh độ"], v["Vĩ độ"])
    site_xy = utm(bts["Kinh độ"].map(dms_to_deg), bts["Vĩ độ"].map(dms_to_deg))
    active = (bts["Trạng thái"] == "active").to_numpy()
    shares = sample._coverage_shares(pts, site_xy, bts["Công nghệ"], active)
    assert 0.015 <= shares["none"] <= 0.03
    assert 0.07 <= shares["weak"] <= 0.11
    # the same with a brute-force distance matrix, planned sites ignored
    d = np.hypot(*(pts[:, None, :] - site_xy[None, active, :]).transpose(2, 0, 1))
    best = np.zeros(len(pts), dtype=int)
    for tech, (good, weak) in DEFAULT_RADIUS_KM.items():
        has = bts["Công nghệ"][active].str.split(",").map(lambda t, x=tech: x in t).to_numpy()
        if has.any():
            near = d[:, has].min(axis=1) / 1e3
            best = np.maximum(best, np.where(near <= good, 2, np.where(near <= weak, 1, 0)))
    assert shares["none"] == pytest.approx((best == 0).mean())
    assert shares["weak"] == pytest.approx((best == 1).mean())
    readme = " ".join(paths["readme"].read_text("utf-8").split())
    assert f"{100 * shares['none']:.1f} % of villages with no signal" in readme


def test_dem_covers_the_province_and_valleys_are_settled(paths):
    communes = gpd.read_file(paths["communes"], layer="communes")
    v = read_villages(paths["villages"])
    with rasterio.open(paths["dem"]) as dem:
        assert dem.crs.to_epsg() == 4326
        assert dem.dtypes[0] == "int16" and dem.nodata == -32768
        assert dem.res[0] == pytest.approx(1 / 1200) and dem.res[1] == pytest.approx(1 / 1200)
        assert dem.profile["tiled"] and dem.compression.name.lower() == "deflate"
        assert dem.tags(ns="IMAGE_STRUCTURE").get("PREDICTOR") == "2"
        w, s, e, n = communes.total_bounds
        assert dem.bounds.left <= w and dem.bounds.right >= e
        assert dem.bounds.bottom <= s and dem.bounds.top >= n
        z = dem.read(1)
        inside = ~geometry_mask([communes.union_all()], z.shape, dem.transform)
        lonlat = zip(v["Kinh độ"], v["Vĩ độ"], strict=True)
        village_z = np.array([x[0] for x in dem.sample(lonlat)])
    assert (z[inside] != -32768).all()
    assert 180 <= z[inside].min() <= 400 and 2_200 <= z[inside].max() <= 2_600
    assert np.median(village_z) < np.median(z[inside]) - 100
    assert paths["dem"].stat().st_size < 2_200_000


def test_file_formats(paths):
    raw = paths["villages"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw[3:].split(b"\r\n" if b"\r\n" in raw else b"\n")[0].decode() == (
        "Mã thôn,Tên thôn,Mã xã,Dân số,Số hộ,Kinh độ,Vĩ độ")
    with open(paths["villages"], encoding="utf-8-sig", newline="") as fh:
        row = next(csv.DictReader(fh))
    assert re.fullmatch(r"1\d\d\.\d{6}", row["Kinh độ"])
    assert re.fullmatch(r"2\d\.\d{6}", row["Vĩ độ"])

    text = paths["post_offices"].read_text("utf-8")
    assert not text.startswith("\ufeff")
    lines = text.splitlines()
    assert lines[0] == "Mã điểm;Tên điểm;Loại;Mã xã;Kinh độ;Vĩ độ"
    fields = lines[1].split(";")
    assert len(fields) == 6 and re.fullmatch(r"1\d\d,\d{6}", fields[4])
    assert re.fullmatch(r"2\d,\d{6}", fields[5])

    rows, bts = read_bts(paths["sites"])
    assert load_workbook(paths["sites"], read_only=True).sheetnames == ["BTS"]
    assert rows[0][0] == "DANH SÁCH TRẠM BTS - TỈNH MẪU (dữ liệu tổng hợp)"
    assert all(c is None for c in rows[1])
    assert list(rows[2]) == ["Mã trạm", "Nhà mạng", "Công nghệ", "Kinh độ", "Vĩ độ",
                             "Độ cao anten (m)", "Trạng thái", "Góc phương vị", "Góc nghiêng"]  # fmt: skip
    assert bts["Kinh độ"].str.match(DMS).all() and bts["Kinh độ"].str.endswith("E").all()
    assert bts["Vĩ độ"].str.match(DMS).all() and bts["Vĩ độ"].str.endswith("N").all()
    assert bts["Độ cao anten (m)"].between(20, 45).all()
    assert set(bts["Trạng thái"]) == {"active", "planned"}
    techs = bts["Công nghệ"].str.split(",").explode()
    assert set(techs) == {"2G", "3G", "4G"}
    assert {"2G,3G,4G", "2G,4G", "4G"} <= set(bts["Công nghệ"])

    header = paths["pois"].read_text("utf-8").splitlines()[0]
    assert header == "poi_id,kind,name,commune_id,lon,lat,fixed_broadband"

    for key, layer, kinds in (("communes", "communes", {"Polygon", "MultiPolygon"}),
                              ("fiber", "fiber", {"LineString"}),
                              ("grid", "grid", {"LineString"})):  # fmt: skip
        assert [name for name, _ in pyogrio.list_layers(paths[key])] == [layer]
        gdf = gpd.read_file(paths[key], layer=layer)
        assert gdf.crs.to_epsg() == 4326 and set(gdf.geom_type) <= kinds
    communes = gpd.read_file(paths["communes"], layer="communes")
    assert list(communes.columns) == ["commune_id", "commune", "district", "province",
                                      "population", "geometry"]  # fmt: skip
    assert list(gpd.read_file(paths["fiber"]).columns) == ["route_id", "name", "geometry"]
    assert list(gpd.read_file(paths["grid"]).columns) == ["line_id", "name", "geometry"]


def test_the_grid_reaches_every_commune_centre(paths):
    t = tables(paths)
    v = t["villages"]
    centres = v.loc[v.groupby("Mã xã")["Dân số"].idxmax()]
    xy = utm(centres["Kinh độ"], centres["Vĩ độ"])
    lines = t["grid"].to_crs(UTM).union_all()
    assert (shapely.distance(shapely.points(xy), lines) <= 1_000.0 + 1e-6).all()
    # and it runs along every fiber route
    fiber = t["fiber"].to_crs(UTM).union_all()
    assert lines.buffer(1.0).contains(fiber)


def test_project_file(paths):
    assert paths["project"].read_text("utf-8") == sample.PROJECT_TOML
    data = tomllib.loads(paths["project"].read_text("utf-8"))
    assert data["layers"]["sites"] == {"path": "bts.xlsx", "sheet": "BTS"}
    assert data["columns"]["villages"] == {"village_id": "Mã thôn"}
    assert {k: tuple(x) for k, x in data["model"]["radius"].items()} == {
        k: DEFAULT_RADIUS_KM[k] for k in ("2G", "3G", "4G")}
    for key in LAYERS:
        spec = data["layers"][key]
        assert (paths["project"].parent / (spec if isinstance(spec, str) else spec["path"])) \
            == paths[key]


def test_sample_stays_small(paths):
    total = sum(p.stat().st_size for p in paths.values())
    assert total < 3_000_000


def test_a_generated_project_writes_inside_its_own_folder(tmp_path):
    from whitezone.project import read_project

    paths = sample.make_sample(tmp_path / "demo", seed=3)
    project = read_project(paths["project"])
    assert project.output.is_relative_to((tmp_path / "demo").resolve())
