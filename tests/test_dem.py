"""The DEM on the metric grid: warping, heights, profiles, nodata."""

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import CRS, Transformer
from rasterio.transform import from_origin

from whitezone import InputError
from whitezone.dem import load_dem

UTM = CRS.from_epsg(32648)


def write_dem(path, heights, *, transform, crs, nodata=None):
    with rasterio.open(path, "w", driver="GTiff", width=heights.shape[1], height=heights.shape[0],
                       count=1, dtype="float32", crs=crs, transform=transform,
                       nodata=nodata) as ds:  # fmt: skip
        ds.write(heights.astype("float32"), 1)
    return path


def test_metric_dem_keeps_its_grid_and_heights(tmp_path):
    heights = np.arange(100, dtype=float).reshape(10, 10)
    path = write_dem(tmp_path / "d.tif", heights, transform=from_origin(500_000, 2_330_000, 100, 100),
                     crs=UTM)  # fmt: skip
    dem = load_dem(path, crs=UTM)
    assert dem.resolution_m == 100 and dem.heights_m.shape == (10, 10)
    # The centre of cell (row 2, col 3) has height 23.
    assert dem.height_at(500_350, 2_329_750) == pytest.approx(23.0)
    # Bilinear between cells (row 2, col 3) and (row 2, col 4).
    assert dem.height_at(500_400, 2_329_750) == pytest.approx(23.5)
    assert np.isnan(dem.height_at(400_000, 2_329_750))


def test_geographic_dem_is_warped_to_metres(tmp_path):
    # A tilted plane in degrees: height = 1000 * (lon - 105).
    lon0, lat0, step = 105.0, 21.1, 1 / 1200
    cols = np.arange(240)
    lon = lon0 + (cols + 0.5) * step
    heights = np.tile(1000 * (lon - 105.0), (240, 1))
    path = write_dem(tmp_path / "geo.tif", heights, transform=from_origin(lon0, lat0, step, step),
                     crs="EPSG:4326")  # fmt: skip
    dem = load_dem(path, crs=UTM)
    assert 80 < dem.resolution_m < 95          # 3 arc-seconds at 21° N
    to_utm = Transformer.from_crs(4326, UTM, always_xy=True)
    x, y = to_utm.transform(105.1, 21.0)
    assert dem.height_at(x, y) == pytest.approx(100.0, abs=1.0)


def test_nodata_becomes_nan(tmp_path):
    heights = np.full((10, 10), 50.0)
    heights[5, 5] = -32768
    path = write_dem(tmp_path / "n.tif", heights, transform=from_origin(0, 1000, 100, 100),
                     crs=UTM, nodata=-32768)  # fmt: skip
    dem = load_dem(path, crs=UTM)
    assert np.isnan(dem.height_at(550, 450))
    assert dem.height_at(150, 850) == pytest.approx(50.0)


def test_profiles_sample_straight_lines(tmp_path):
    x = np.arange(50) * 100 + 50.0
    heights = np.tile(x / 10.0, (50, 1))          # height = x / 10
    path = write_dem(tmp_path / "p.tif", heights, transform=from_origin(0, 5000, 100, 100), crs=UTM)
    dem = load_dem(path, crs=UTM)
    prof = dem.profiles(np.array([[1050.0, 2500.0]]), np.array([[3050.0, 2500.0]]), 5)
    np.testing.assert_allclose(prof[0], [105, 155, 205, 255, 305])


def test_dem_outside_the_area_is_an_error(tmp_path):
    path = write_dem(tmp_path / "far.tif", np.zeros((5, 5)), transform=from_origin(0, 500, 100, 100),
                     crs=UTM)  # fmt: skip
    with pytest.raises(InputError, match="does not cover the area"):
        load_dem(path, crs=UTM, bounds=(900_000, 2_000_000, 910_000, 2_010_000))


def test_dem_without_crs(tmp_path):
    path = tmp_path / "nocrs.tif"
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32",
                       transform=Affine.identity()) as ds:  # fmt: skip
        ds.write(np.zeros((1, 2, 2), dtype="float32"))
    with pytest.raises(InputError, match="has no CRS"):
        load_dem(path, crs=UTM)
