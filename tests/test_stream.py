"""Streaming classification of large village files, the faster radius search, OpenCelliD extracts."""

from __future__ import annotations

import gzip

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS, Transformer

from whitezone.classify import classify_points, project_xy
from whitezone.errors import InputError
from whitezone.layers import read_opencellid
from whitezone.models import RadiusModel, best_from_links
from whitezone.models._pairs import spatial_order
from whitezone.stream import classify_file, iter_point_chunks

UTM48 = CRS.from_epsg(32648)
TECHS = ["2G", "3G", "4G"]
_TO_LONLAT = Transformer.from_crs(32648, 4326, always_xy=True)


# --------------------------------------------------------------------------- data


def make_villages(n: int = 3000, seed: int = 0) -> gpd.GeoDataFrame:
    """Villages clustered around a few towns in northern Vietnam, some without location."""
    rng = np.random.default_rng(seed)
    towns = rng.uniform([480_000, 2_300_000], [560_000, 2_380_000], (12, 2))
    xy = towns[rng.integers(0, len(towns), n)] + rng.normal(0, 6_000, (n, 2))
    lon, lat = _TO_LONLAT.transform(xy[:, 0], xy[:, 1])
    geoms = shapely.points(np.round(lon, 7), np.round(lat, 7))
    geoms[rng.choice(n, 5, replace=False)] = None
    commune = np.array([f"X{i:03d}" for i in rng.integers(0, 40, n)], dtype=object)
    commune[rng.choice(n, 30, replace=False)] = None
    return gpd.GeoDataFrame(
        {
            "village_id": [f"V{i:05d}" for i in range(n)],
            "commune_id": pd.array(commune, dtype="string"),
            "population": rng.integers(50, 900, n).astype(float),
        },
        geometry=geoms,
        crs=4326,
    )


def make_sites(n: int = 900, seed: int = 0) -> gpd.GeoDataFrame:
    """Site-technologies with overrides, co-located sites, planned and off ones."""
    rng = np.random.default_rng([seed, 1])
    xy = rng.uniform([470_000, 2_290_000], [570_000, 2_390_000], (n, 2))
    twin = rng.random(n) < 0.1
    xy[twin] = xy[rng.integers(0, n, twin.sum())]  # shared towers
    lon, lat = _TO_LONLAT.transform(xy[:, 0], xy[:, 1])
    radius = np.where(rng.random(n) < 0.15, np.round(rng.uniform(0.5, 15.0, n), 1), np.nan)
    return gpd.GeoDataFrame(
        {
            "site_id": pd.array([f"S{i:04d}" for i in range(n)], dtype="string"),
            "technology": rng.choice(TECHS, n),
            "status": rng.choice(["active", "planned", "off"], n, p=[0.9, 0.07, 0.03]),
            "radius_km": radius,
        },
        geometry=shapely.points(lon, lat),
        crs=4326,
    )


def write(frame: gpd.GeoDataFrame, folder, fmt: str):
    """The villages as GeoParquet, GeoPackage or CSV (lon/lat columns, blank when unlocated)."""
    if fmt == "parquet":
        path = folder / "villages.parquet"
        frame.to_parquet(path)
    elif fmt == "gpkg":
        path = folder / "villages.gpkg"
        frame.to_file(path, driver="GPKG", engine="pyogrio")
    else:
        path = folder / "villages.csv"
        flat = pd.DataFrame(frame.drop(columns="geometry"))
        flat.insert(1, "Kinh độ", frame.geometry.x)
        flat.insert(2, "Vĩ độ", frame.geometry.y)
        flat.to_csv(path, index=False, encoding="utf-8-sig", float_format="%.7f")
    return path


def read_out(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)


@pytest.fixture(scope="module")
def villages():
    return make_villages()


@pytest.fixture(scope="module")
def sites():
    return make_sites()


@pytest.fixture(scope="module")
def reference(villages, sites):
    return classify_points(villages.geometry, sites, crs=UTM48, technologies=TECHS)


# --------------------------------------------------------------------------- chunks


@pytest.mark.parametrize("fmt", ["parquet", "gpkg", "csv"])
def test_chunks_are_bounded_and_cover_the_file(tmp_path, villages, fmt):
    path = write(villages, tmp_path, fmt)
    chunks = list(iter_point_chunks(path, chunk_rows=700))
    assert [len(c) for c in chunks] == [700, 700, 700, 700, 200]
    whole = pd.concat(chunks)
    assert whole.index.tolist() == list(range(len(villages)))
    assert whole["village_id"].astype(str).tolist() == villages["village_id"].tolist()
    got = whole.geometry.to_numpy()
    want = villages.geometry.to_numpy()
    assert (shapely.is_missing(got) == shapely.is_missing(want)).all()
    ok = ~shapely.is_missing(want)
    np.testing.assert_allclose(shapely.get_coordinates(got[ok]), shapely.get_coordinates(want[ok]),
                               atol=1e-7)  # fmt: skip
    assert all(c.crs.equals(CRS.from_epsg(4326)) or c.crs.to_epsg() == 4326 for c in chunks)


def test_chunks_read_only_the_columns_asked_for(tmp_path, villages):
    path = write(villages, tmp_path, "csv")
    [chunk, *_] = iter_point_chunks(path, chunk_rows=1000, columns=["village_id"])
    assert list(chunk.columns) == ["village_id", "geometry"]
    assert chunk["village_id"].iloc[0] == "V00000"  # ids stay text


def test_csv_coordinate_that_is_not_a_number(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("village_id,lon,lat\nA,105.1,21.0\nB,105°12',21.0\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        list(iter_point_chunks(path))
    message = str(info.value)
    assert "row 3" in message and "'lon'" in message and "whitezone check" in message


# --------------------------------------------------------------------------- classify_file


@pytest.mark.parametrize("fmt", ["parquet", "gpkg", "csv"])
def test_chunked_classes_equal_in_memory(tmp_path, villages, sites, reference, fmt):
    path = write(villages, tmp_path, fmt)
    out_csv = tmp_path / "classes.csv"
    counts = classify_file(path, sites, out_csv=out_csv, crs=UTM48, technologies=TECHS,
                           chunk_rows=700)  # fmt: skip
    assert counts.attrs["chunks"] == 5
    got = read_out(out_csv)
    assert got["village_id"].tolist() == villages["village_id"].tolist()
    for col in ["class_any"] + [f"class_{t.lower()}" for t in TECHS]:
        want = reference[col].astype(object).where(reference[col].notna(), "unlocated")
        assert got[col].tolist() == want.tolist(), col
    for t in TECHS:
        t = t.lower()
        assert got[f"site_{t}"].tolist() == reference[f"site_{t}"].fillna("").tolist()
        want = reference[f"distance_km_{t}"].round(3)
        np.testing.assert_array_equal(got[f"distance_km_{t}"].replace("", np.nan).astype(float),
                                      want.to_numpy())  # fmt: skip
    assert "signal_dbm_4g" not in got  # the radius model computes no signal
    # no file but the output is left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, "classes.csv"])


def test_counts_reconcile_with_the_villages(tmp_path, villages, sites, reference):
    path = write(villages, tmp_path, "parquet")
    counts = classify_file(path, sites, out_csv=tmp_path / "c.csv", crs=UTM48, technologies=TECHS,
                           chunk_rows=700)  # fmt: skip
    assert counts.index.name == "commune_id"
    assert counts.index[-1] == "(no commune)"
    assert counts.loc["(no commune)", "villages"] == villages["commune_id"].isna().sum()
    assert counts["villages"].sum() == len(villages)
    for sfx in ["", "_2g", "_3g", "_4g"]:
        parts = counts[[f"villages_{c}{sfx}" for c in ("none", "weak", "good", "unclassified")]]
        assert (parts.sum(axis=1) == counts["villages"]).all()
    # the national totals are those of the in-memory classes
    cls = reference["class_any"].astype(object)
    assert counts["villages_good"].sum() == (cls == "good").sum()
    assert counts["villages_none"].sum() == (cls == "none").sum()
    assert counts["villages_unclassified"].sum() == cls.isna().sum() == 5
    # per commune, from the in-memory classes
    key = villages["commune_id"].astype(object).fillna("(no commune)")
    want = pd.Series(cls.eq("weak").to_numpy()).groupby(key.to_numpy()).sum()
    assert counts["villages_weak"].to_dict() == want.astype(np.int64).to_dict()
    pop = villages["population"].to_numpy()
    assert counts["population_good"].sum() == pytest.approx(pop[(cls == "good").to_numpy()].sum())


def test_counts_without_communes_are_one_row(tmp_path, villages, sites):
    path = write(villages.drop(columns="commune_id"), tmp_path, "gpkg")
    counts = classify_file(path, sites, out_csv=tmp_path / "c.csv", crs=UTM48, chunk_rows=1000)
    assert counts.index.tolist() == ["(all)"]
    assert counts["villages"].iloc[0] == len(villages)


def test_formula_like_ids_are_quoted_as_text(tmp_path, villages, sites):
    small = villages.iloc[:50].copy()
    small["village_id"] = small["village_id"].astype(object)
    small.iloc[0, small.columns.get_loc("village_id")] = "=cmd|' /C calc'!A0"
    small.iloc[1, small.columns.get_loc("village_id")] = "-7"
    path = write(small, tmp_path, "parquet")
    classify_file(path, sites, out_csv=tmp_path / "c.csv", crs=UTM48, chunk_rows=20)
    got = read_out(tmp_path / "c.csv")["village_id"].tolist()
    assert got[:2] == ["'=cmd|' /C calc'!A0", "-7"] and got[2:] == small["village_id"].iloc[2:].tolist()


def test_commune_by_location(tmp_path, villages, sites):
    path = write(villages.drop(columns="commune_id"), tmp_path, "parquet")
    box = villages.total_bounds
    mid = (box[0] + box[2]) / 2
    communes = gpd.GeoDataFrame(
        {"commune_id": ["W", "E"]},
        geometry=[shapely.box(box[0] - 1, box[1] - 1, mid, box[3] + 1),
                  shapely.box(mid, box[1] - 1, box[2] + 1, box[3] + 1)],
        crs=4326,
    )  # fmt: skip
    counts = classify_file(path, sites, out_csv=tmp_path / "c.csv", crs=UTM48, chunk_rows=700,
                           commune_of=communes)  # fmt: skip
    west = (villages.geometry.x < mid).sum()
    assert counts.loc["W", "villages"] == west
    assert counts.loc["(no commune)", "villages"] == 5  # the unlocated ones
    assert counts["villages"].sum() == len(villages)


def test_output_is_atomic(tmp_path, villages, sites):
    path = write(villages, tmp_path, "parquet")
    out_csv = tmp_path / "classes.csv"
    out_csv.write_text("the previous run\n", encoding="utf-8")
    calls = []

    def commune_of(chunk):
        calls.append(len(chunk))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return chunk["commune_id"]

    with pytest.raises(RuntimeError, match="disk full"):
        classify_file(path, sites, out_csv=out_csv, crs=UTM48, chunk_rows=700, commune_of=commune_of)
    assert out_csv.read_text(encoding="utf-8") == "the previous run\n"  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["classes.csv", "villages.parquet"]
    out_csv.unlink()
    bad = tmp_path / "bad.csv"
    lines = ["village_id,lon,lat"] + [f"V{i},105.5,21.0" for i in range(1500)] + ["VX,abc,21.0"]
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 1502"):
        classify_file(bad, sites, out_csv=out_csv, crs=UTM48, chunk_rows=700)
    assert not out_csv.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "villages.parquet"]


def test_polygons_become_points_inside(tmp_path, sites):
    lon, lat = _TO_LONLAT.transform(520_000.0, 2_340_000.0)
    frame = gpd.GeoDataFrame({"village_id": ["P1"]}, geometry=[shapely.Point(lon, lat).buffer(0.01)],
                             crs=4326)  # fmt: skip
    path = tmp_path / "poly.gpkg"
    frame.to_file(path, driver="GPKG", engine="pyogrio")
    classify_file(path, sites, out_csv=tmp_path / "c.csv", crs=UTM48)
    want = classify_points(gpd.GeoSeries(shapely.point_on_surface(frame.geometry.to_numpy()), crs=4326),
                           sites, crs=UTM48, technologies=TECHS)  # fmt: skip
    assert read_out(tmp_path / "c.csv")["class_any"].tolist() == want["class_any"].astype(str).tolist()


# --------------------------------------------------------------------------- the radius search


def random_sites(rng, n, share_override):
    xy = rng.uniform(0, 40_000, (n, 2))
    twin = rng.random(n) < 0.3
    xy[twin] = xy[rng.integers(0, n, twin.sum())]  # co-located sites
    sizes = rng.choice([0.5, 1.0, 3.0, 7.5, 12.0, 30.0], n) * rng.uniform(0.5, 2.0, n)
    radius = np.where(rng.random(n) < share_override, sizes, np.nan)
    return gpd.GeoDataFrame({"technology": list(rng.choice(TECHS, n)), "radius_km": radius},
                            geometry=shapely.points(xy), crs=32648)  # fmt: skip


@pytest.mark.parametrize("seed", range(40))
def test_radius_best_equals_all_links_exactly(seed):
    """Level, distance and the serving site itself (co-located sites: the lowest position)."""
    rng = np.random.default_rng(seed)
    targets = rng.uniform(0, 40_000, (rng.integers(1, 300), 2))
    targets[rng.random(len(targets)) < 0.03] = np.nan
    sites = random_sites(rng, int(rng.integers(1, 250)), rng.uniform(0, 1))
    code = pd.Categorical(sites["technology"], categories=TECHS).codes.astype(np.int64)
    model = RadiusModel()
    fast = model.best(targets, sites, code, 3)
    slow = best_from_links(model.links(targets, sites), code, len(targets), 3)
    for key in ("level", "site", "distance_km", "signal_dbm"):
        np.testing.assert_array_equal(fast[key], slow[key], err_msg=key)
    prepared = model.prepare(sites, code, 3).best(targets)
    for key in fast:
        np.testing.assert_array_equal(prepared[key], fast[key], err_msg=key)


def test_radius_boundary_is_inclusive():
    sites = gpd.GeoDataFrame({"technology": ["4G", "4G"], "radius_km": [np.nan, 2.0]},
                             geometry=shapely.points([[0.0, 0.0], [100_000.0, 0.0]]), crs=32648)  # fmt: skip
    targets = np.array([[3000.0, 4000.0], [1500.0, 2000.0], [100_000.0, 2000.0], [100_000.0, 1000.0]])
    best = RadiusModel().best(targets, sites, np.array([0, 0]), 1)
    # 4G (2.5, 5): exactly 5 km is weak, exactly 2.5 km good; override 2 km: good within 1 km
    assert best["level"][:, 0].tolist() == [1, 2, 1, 2]
    assert best["distance_km"][:, 0].tolist() == [5.0, 2.5, 2.0, 1.0]


def test_many_targets_take_the_sorted_path():
    rng = np.random.default_rng(3)
    targets = rng.uniform(0, 200_000, (60_000, 2))
    sites = random_sites(rng, 400, 0.2)
    sites = sites.set_geometry(shapely.points(rng.uniform(0, 200_000, (400, 2))), crs=32648)
    code = pd.Categorical(sites["technology"], categories=TECHS).codes.astype(np.int64)
    model = RadiusModel()
    fast = model.best(targets, sites, code, 3)
    slow = best_from_links(model.links(targets, sites), code, len(targets), 3)
    for key in ("level", "site", "distance_km"):
        np.testing.assert_array_equal(fast[key], slow[key], err_msg=key)


def test_spatial_order_is_a_permutation():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 1e6, (5000, 2))
    order = spatial_order(xy)
    assert np.array_equal(np.sort(order), np.arange(5000))
    assert spatial_order(np.array([[0.0, 0.0], [1, 1], [0, 1], [1, 0]])).tolist() == [0, 3, 2, 1]


def test_projection_is_to_crs_exactly():
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(102.1, 109.5, 2000), rng.uniform(8.5, 23.4, 2000)
    flat = gpd.GeoSeries(shapely.points(lon, lat), crs=4326)
    for target in (UTM48, CRS.from_epsg(9210), CRS.from_epsg(3405)):
        want = flat.to_crs(target)
        got = project_xy(flat.to_numpy(), flat.crs, target)
        np.testing.assert_array_equal(got, np.column_stack([want.x, want.y]))
    tall = gpd.GeoSeries(shapely.points(lon, lat, np.full(2000, 100.0)), crs=4326)
    want = tall.to_crs(UTM48)
    np.testing.assert_array_equal(project_xy(tall.to_numpy(), tall.crs, UTM48),
                                  np.column_stack([want.x, want.y]))  # fmt: skip
    same = project_xy(want.to_numpy(), UTM48, UTM48)
    np.testing.assert_array_equal(same, np.column_stack([want.x, want.y]))


def test_classify_points_unchanged_on_projected_and_lonlat_input(villages, sites, reference):
    projected = villages.geometry.to_crs(UTM48)
    again = classify_points(projected, sites.to_crs(UTM48), crs=UTM48, technologies=TECHS)
    pd.testing.assert_frame_equal(again, reference)
    assert reference["site_4g"].dtype == pd.StringDtype()
    assert list(reference["class_any"].cat.categories) == ["none", "weak", "good"]


# --------------------------------------------------------------------------- OpenCelliD


def cell(radio, mcc, net, lon, lat, rng=1000, cell_id=1):
    return f"{radio},{mcc},{net},1,{cell_id},0,{lon:.7f},{lat:.7f},{rng},5,1,1500000000,1600000000,0"


def write_cells(path, lines):
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def test_opencellid_gzip_extract_with_range(tmp_path):
    path = tmp_path / "452.csv.gz"
    write_cells(path, [
        cell("GSM", 452, 4, 105.80, 21.00, 50_000, 1),      # range beyond 35 km: clipped
        cell("LTE", 452, 4, 105.80, 21.00, 1_500, 2),
        cell("LTE", 452, 4, 105.8001, 21.00, 2_500, 3),     # same site, larger range wins
        cell("UMTS", 452, 1, 106.00, 21.20, 40, 4),         # below 0.1 km: clipped
        cell("NR", 452, 2, 106.20, 21.40, 0, 5),            # 0: unknown
        cell("GSM", 457, 1, 102.60, 17.97, 3_000, 6),       # Laos: filtered out
    ])  # fmt: skip
    plain = read_opencellid(path, mcc=452)
    assert plain["radius_km"].isna().all()
    out = read_opencellid(path, mcc=452, use_range=True)
    got = dict(zip(zip(out["site_id"], out["technology"], strict=True), out["radius_km"], strict=True))
    assert got[("452-04-1", "2G")] == 35.0
    assert got[("452-04-1", "4G")] == 2.5
    assert got[("452-01-1", "3G")] == 0.1
    assert np.isnan(got[("452-02-1", "5G")])
    assert out["range_km"].tolist() == plain["range_km"].tolist()
    pd.testing.assert_frame_equal(out.drop(columns="radius_km"), plain.drop(columns="radius_km"))


def test_opencellid_range_drives_the_radius_model(tmp_path):
    path = tmp_path / "452.csv.gz"
    write_cells(path, [cell("GSM", 452, 4, 105.80, 21.00, 1_000)])
    village = gpd.GeoSeries([shapely.Point(105.83, 21.00)], crs=4326)  # about 3.1 km east
    default = classify_points(village, read_opencellid(path), technologies=["2G"])
    own = classify_points(village, read_opencellid(path, use_range=True), technologies=["2G"])
    assert default["class_2g"].tolist() == ["good"]  # 2G default: good within 6 km
    assert own["class_2g"].tolist() == ["none"]  # its cell reaches 1 km


def test_opencellid_bad_number_and_blank_code(tmp_path):
    path = tmp_path / "cells.csv"
    path.write_text("\n".join([cell("GSM", 452, 4, 105.8, 21.0),
                               cell("LTE", 452, 4, 105.8, 21.0).replace(",4,1,1,", ",,1,1,"),
                               cell("LTE", 452, 4, 105.8, 21.0).replace("21.0000000", "x")]) + "\n",
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(InputError) as info:
        read_opencellid(path)
    text = str(info.value)
    assert "row 2, column 'net': expected a number, got blank" in text
    assert "row 3, column 'lat': expected a number, got 'x'" in text


def test_opencellid_many_cells_stay_consistent(tmp_path):
    rng = np.random.default_rng(5)
    n = 20_000
    base = rng.uniform([102.5, 9.0], [109.0, 23.0], (n // 4, 2))
    pick = rng.integers(0, len(base), n)
    lon = base[pick, 0] + rng.normal(0, 1e-4, n)
    lat = base[pick, 1] + rng.normal(0, 1e-4, n)
    radios = rng.choice(["GSM", "UMTS", "LTE"], n)
    nets = rng.choice([1, 2, 4], n)
    path = tmp_path / "452.csv.gz"
    write_cells(path, [cell(r, 452, k, x, y, 500 + i % 9000, i)
                       for i, (r, k, x, y) in enumerate(zip(radios, nets, lon, lat, strict=True))])  # fmt: skip
    out = read_opencellid(path, mcc=452)
    assert out["cells"].sum() == n
    assert not out.duplicated(["site_id", "technology"]).any()
    assert out["site_id"].str.startswith("452-").all()
    # site numbers run 1..N per network, without gaps
    for net, group in out.groupby(out["site_id"].str[:6]):
        numbers = np.sort(group["site_id"].str[7:].astype(int).unique())
        assert numbers.tolist() == list(range(1, len(numbers) + 1)), net


def _ridged_dem(frames, res=250.0):
    """Ridges running north-south over the frames' box (and 40 km around it)."""
    from affine import Affine

    from whitezone.dem import Dem

    x0, y0, x1, y1 = pd.concat([f.geometry.to_crs(UTM48) for f in frames]).total_bounds
    x0, y0, x1, y1 = x0 - 40_000, y0 - 40_000, x1 + 40_000, y1 + 40_000
    cols, rows = int((x1 - x0) / res) + 1, int((y1 - y0) / res) + 1
    x = x0 + res * np.arange(cols)
    heights = np.tile(300.0 + 250.0 * np.sin(x / 3000.0) ** 8, (rows, 1)).astype(np.float32)
    return Dem(heights_m=heights, transform=Affine(res, 0, x0, 0, -res, y1), crs=UTM48)


@pytest.mark.parametrize("kind", ["pathloss", "terrain"])
def test_other_models_stream_with_the_sites_in_reach(tmp_path, villages, sites, kind):
    from whitezone.models import PathLossModel
    from whitezone.models.terrain import TerrainModel

    small = villages.iloc[:1200]
    model = PathLossModel() if kind == "pathloss" else TerrainModel(dem=_ridged_dem([small, sites]))
    want = classify_points(small.geometry, sites, model=model, crs=UTM48, technologies=TECHS)
    path = write(small, tmp_path, "parquet")
    classify_file(path, sites, out_csv=tmp_path / "c.csv", model=model, crs=UTM48,
                  technologies=TECHS, chunk_rows=300)  # fmt: skip
    got = read_out(tmp_path / "c.csv")
    for t in ("2g", "3g", "4g"):
        assert got[f"class_{t}"].tolist() == want[f"class_{t}"].astype(object).fillna("unlocated").tolist()
        assert got[f"site_{t}"].tolist() == want[f"site_{t}"].fillna("").tolist()
        np.testing.assert_array_equal(got[f"signal_dbm_{t}"].replace("", np.nan).astype(float),
                                      want[f"signal_dbm_{t}"].round(1).to_numpy())  # fmt: skip
        if kind == "terrain":  # whether the serving site's path clears the ridges
            assert got[f"line_of_sight_{t}"].tolist() == \
                want[f"line_of_sight_{t}"].astype(object).map({True: "true", False: "false"}).fillna("").tolist()
            assert want[f"line_of_sight_{t}"].isin([False]).any() and want[f"line_of_sight_{t}"].isin([True]).any()
        else:
            assert f"line_of_sight_{t}" not in got


def test_opencellid_use_range_from_the_project_file(tmp_path):
    from whitezone.project import project_from_dict

    spec = {"path": "cells.csv.gz", "format": "opencellid", "mcc": 452, "use_range": True}
    project = project_from_dict({"layers": {"communes": "c.gpkg", "villages": "v.csv", "sites": spec}},
                                base_dir=tmp_path)  # fmt: skip
    source = project.layers["sites"]
    assert source.use_range and source.mcc == (452,) and source.format == "opencellid"
