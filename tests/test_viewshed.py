"""Viewshed: cell-for-cell agreement with gdal_viewshed, hand-made DEMs, properties.

The compiled kernel behind ``viewshed_array`` is also held, cell for cell, to
the numpy reference ``_viewshed_numpy`` on random DEMs.

The comparison runs GDAL's own ``gdal_viewshed`` (Debian package gdal-bin) on
the sample DEM reprojected to UTM 48N, and skips when the program is missing.
whitezone implements the algorithm of GDAL 3.6; with that version the cells are
asserted identical, with any other at least 99 % equal (GDAL 3.10 changed how
the observer's eight neighbours are treated).
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from rasterio.warp import Resampling, calculate_default_transform, reproject

from whitezone.errors import InputError
from whitezone.viewshed import (
    _BAND,
    WGS84_EARTH_DIAMETER_M,
    _flat_rows,
    _viewshed_numpy,
    viewshed,
    viewshed_array,
)

SAMPLE_DEM = Path(__file__).resolve().parents[1] / "data" / "sample" / "dem.tif"
UTM48N = "EPSG:32648"
NODATA = -32768.0


# ---------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def gdal_viewshed() -> dict:
    """The gdal_viewshed program and its version, or skip."""
    program = shutil.which("gdal_viewshed")
    if program is None:
        pytest.skip("gdal_viewshed (Debian package gdal-bin) is not installed")
    text = subprocess.run(
        [program, "--version"], capture_output=True, text=True, check=False
    ).stdout
    match = re.search(r"GDAL (\d+)\.(\d+)", text)
    version = (int(match[1]), int(match[2])) if match else (0, 0)
    return {"program": program, "version": version}


def run_gdal(gdal: dict, dem_path: Path, out_path: Path, x: float, y: float, **options) -> dict:
    """Run gdal_viewshed with whitezone's parameter names; its output as a dict."""
    cmd = [gdal["program"], "-q", "-f", "GTiff", "-vv", "255", "-iv", "0", "-ov", "0"]
    cmd += ["-ox", repr(float(x)), "-oy", repr(float(y))]
    cmd += ["-oz", repr(float(options.get("observer_height_m", 2.0)))]
    cmd += ["-tz", repr(float(options.get("target_height_m", 0.0)))]
    cmd += ["-cc", repr(float(options.get("curvature_coeff", 0.85714)))]
    if options.get("max_distance_m"):
        cmd += ["-md", repr(float(options["max_distance_m"]))]
    subprocess.run(cmd + [str(dem_path), str(out_path)], check=True, capture_output=True)
    with rasterio.open(out_path) as out:
        return {"array": out.read(1), "transform": out.transform, "crs": out.crs}


def on_grid(result: dict, transform: Affine, shape: tuple[int, int]) -> np.ndarray:
    """GDAL's output (cropped to its max distance) placed on the DEM's grid as 0/1."""
    col0 = round((result["transform"].c - transform.c) / transform.a)
    row0 = round((result["transform"].f - transform.f) / transform.e)
    full = np.zeros(shape, dtype=np.uint8)
    rows, cols = result["array"].shape
    full[row0 : row0 + rows, col0 : col0 + cols] = result["array"] == 255
    return full


def write_dem(path: Path, dem: np.ndarray, transform: Affine, crs: str = UTM48N) -> Path:
    profile = {
        "driver": "GTiff",
        "dtype": "float32",
        "count": 1,
        "width": dem.shape[1],
        "height": dem.shape[0],
        "crs": crs,
        "transform": transform,
        "nodata": NODATA,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(dem.astype(np.float32), 1)
    return path


def reproject_sample(path: Path, resolution_m: float, bounds=None) -> Path:
    """The sample DEM (EPSG:4326, 3") warped bilinearly to UTM 48N."""
    with rasterio.open(SAMPLE_DEM) as src:
        if bounds is None:
            transform, width, height = calculate_default_transform(
                src.crs, UTM48N, src.width, src.height, *src.bounds, resolution=resolution_m
            )
        else:
            left, bottom, right, top = bounds
            transform = Affine(resolution_m, 0, left, 0, -resolution_m, top)
            width = round((right - left) / resolution_m)
            height = round((top - bottom) / resolution_m)
        dem = np.full((height, width), NODATA, dtype=np.float32)
        reproject(
            rasterio.band(src, 1),
            dem,
            dst_transform=transform,
            dst_crs=UTM48N,
            resampling=Resampling.bilinear,
            src_nodata=src.nodata,
            dst_nodata=NODATA,
        )
    return write_dem(path, dem, transform)


@pytest.fixture(scope="module")
def dem90(tmp_path_factory) -> dict:
    path = reproject_sample(tmp_path_factory.mktemp("dem") / "dem90.tif", 90.0)
    with rasterio.open(path) as src:
        return {"path": path, "dem": src.read(1), "transform": src.transform}


def cell_centre(transform: Affine, row: int, col: int) -> tuple[float, float]:
    return (
        transform.c + transform.a * (col + 0.5) + transform.b * (row + 0.5),
        transform.f + transform.d * (col + 0.5) + transform.e * (row + 0.5),
    )


def sites(dem: np.ndarray, transform: Affine) -> dict[str, tuple[float, float]]:
    """Named observer positions: the highest peak, the lowest valley, random cells."""
    valid = dem != NODATA
    peak = np.unravel_index(np.argmax(np.where(valid, dem, -np.inf)), dem.shape)
    valley = np.unravel_index(np.argmin(np.where(valid, dem, np.inf)), dem.shape)
    rows, cols = np.nonzero(valid)
    rng = np.random.default_rng(7)
    picks = rng.choice(len(rows), 3, replace=False)
    named = {"peak": peak, "valley": valley}
    named |= {f"random{i}": (rows[p], cols[p]) for i, p in enumerate(picks)}
    return {name: cell_centre(transform, *cell) for name, cell in named.items()}


def agreement(gdal: dict, ours: np.ndarray, theirs: np.ndarray, label: str) -> float:
    share = float(np.mean(ours == theirs))
    print(f"{label}: {share:.4%} of {ours.size} cells equal, {int(ours.sum())} visible")
    assert share >= 0.99, label
    if gdal["version"][:2] == (3, 6):
        assert np.array_equal(ours, theirs), label
    return share


# ---------------------------------------------------- agreement with GDAL

CASES = [
    # site, options
    ("peak", {"observer_height_m": 30.0, "max_distance_m": 15_000.0}),
    ("peak", {"observer_height_m": 2.0, "max_distance_m": 10_000.0}),
    ("valley", {"observer_height_m": 30.0, "target_height_m": 1.5, "max_distance_m": 15_000.0}),
    ("random0", {"observer_height_m": 30.0, "target_height_m": 1.5}),
    ("random1", {"observer_height_m": 2.0, "max_distance_m": 20_000.0, "curvature_coeff": 0.0}),
    ("random2", {"observer_height_m": 30.0, "max_distance_m": 15_000.0}),
    ("random2", {"observer_height_m": 45.0, "target_height_m": 10.0, "curvature_coeff": 1.0}),
]


@pytest.mark.parametrize(("site", "options"), CASES)
def test_agrees_with_gdal_viewshed_90m(gdal_viewshed, dem90, tmp_path, site, options):
    x, y = sites(dem90["dem"], dem90["transform"])[site]
    theirs = run_gdal(gdal_viewshed, dem90["path"], tmp_path / "gdal.tif", x, y, **options)
    theirs = on_grid(theirs, dem90["transform"], dem90["dem"].shape)
    ours = viewshed_array(dem90["dem"], dem90["transform"], (x, y), nodata=NODATA, **options)
    assert ours.shape == dem90["dem"].shape and ours.dtype == np.uint8
    agreement(gdal_viewshed, ours, theirs, f"90 m {site} {options}")


def test_agrees_with_gdal_viewshed_30m(gdal_viewshed, tmp_path):
    # 30 m cells over a 24 km square of the sample (bilinear, like a resampled SRTM).
    x0, y0 = 340_000.0, 2_380_000.0
    path = reproject_sample(tmp_path / "dem30.tif", 30.0, (x0, y0, x0 + 24_000, y0 + 24_000))
    with rasterio.open(path) as src:
        dem, transform = src.read(1), src.transform
    options = {"observer_height_m": 30.0, "target_height_m": 1.5, "max_distance_m": 10_000.0}
    for row, col in ((400, 400), (123, 611)):
        x, y = cell_centre(transform, row, col)
        theirs = run_gdal(gdal_viewshed, path, tmp_path / "gdal.tif", x, y, **options)
        ours = viewshed_array(dem, transform, (x, y), nodata=NODATA, **options)
        agreement(gdal_viewshed, ours, on_grid(theirs, transform, dem.shape), f"30 m {row, col}")


def test_earth_diameter_is_twice_the_semi_major_axis(gdal_viewshed, tmp_path):
    # Flat ground seen from 0.27 m over 4 km of 1 m cells: the horizon cell moves
    # by one between GDAL's WGS 84 diameter and a mean-earth 12 741 994 m.
    transform = Affine(1.0, 0, 500_000.0, 0, -1.0, 2_300_000.0)
    path = write_dem(tmp_path / "flat.tif", np.zeros((3, 4001)), transform)
    x, y = cell_centre(transform, 1, 0)
    options = {"observer_height_m": 0.27, "curvature_coeff": 1.0}
    theirs = run_gdal(gdal_viewshed, path, tmp_path / "gdal.tif", x, y, **options)
    gdal_row = int((theirs["array"][1] == 255).sum())
    ours = viewshed_array(np.zeros((3, 4001)), transform, (x, y), **options)
    mean_earth = viewshed_array(
        np.zeros((3, 4001)), transform, (x, y), earth_diameter_m=12_741_994.0, **options
    )
    assert int(ours[1].sum()) == gdal_row
    assert int(mean_earth[1].sum()) != gdal_row


@pytest.mark.parametrize("seed", range(6))
def test_small_random_grids_agree_with_gdal(gdal_viewshed, tmp_path, seed):
    # Non-square cells, the observer near an edge, nodata, a short max distance.
    rng = np.random.default_rng(seed)
    rows, cols = (int(v) for v in rng.integers(3, 40, 2))
    dem = 500 + np.cumsum(rng.uniform(-15, 15, (rows, cols)), axis=seed % 2)
    dem = dem.astype(np.float32)
    dem[rng.random((rows, cols)) < 0.03] = NODATA
    cell_w = float(rng.choice([25.5, 30.0, 90.0]))
    transform = Affine(cell_w, 0, 500_000.0, 0, -cell_w * float(rng.choice([0.7, 1.0, 1.3])), 2.3e6)
    row, col = int(rng.integers(0, rows)), int(rng.integers(0, cols))
    dem[row, col] = np.percentile(dem[dem != NODATA], 90)  # a hill-top site
    path = write_dem(tmp_path / "random.tif", dem, transform)
    x, y = cell_centre(transform, row, col)
    options = {
        "observer_height_m": float(rng.choice([0.0, 2.0, 30.0])),
        "target_height_m": float(rng.choice([0.0, 1.5])),
        "curvature_coeff": float(rng.choice([0.0, 0.85714, 1e5])),
        "max_distance_m": float(rng.choice([0.0, cell_w * rng.uniform(0.5, 20)])),
    }
    theirs = run_gdal(gdal_viewshed, path, tmp_path / "gdal.tif", x, y, **options)
    ours = viewshed_array(dem, transform, (x, y), nodata=NODATA, **options)
    theirs = on_grid(theirs, transform, dem.shape)
    valid = dem != NODATA  # GDAL reads nodata as a height; here they are never visible
    agreement(gdal_viewshed, ours[valid], theirs[valid], f"random grid {seed} {options}")


# ------------------------------------------------------- hand-made DEMs

GRID = Affine(30.0, 0, 500_000.0, 0, -30.0, 2_300_000.0)
SIZE = 41
MID = 20
ROWS, COLS = np.mgrid[0:SIZE, 0:SIZE]
CELLS_AWAY = np.hypot(ROWS - MID, COLS - MID)
OBSERVER = cell_centre(GRID, MID, MID)
#: The observer's neighbours in its column and on its diagonals.
QUIRK = np.zeros((SIZE, SIZE), dtype=bool)
QUIRK[MID - 1 : MID + 2 : 2, MID - 1 : MID + 2] = True


def test_flat_plain_is_visible_within_the_distance():
    flat = np.zeros((SIZE, SIZE))
    seen = viewshed_array(flat, GRID, OBSERVER, max_distance_m=300.0, curvature_coeff=0)
    np.testing.assert_array_equal(seen, CELLS_AWAY * 30.0 <= 300.0)
    assert viewshed_array(flat, GRID, OBSERVER, observer_height_m=0, curvature_coeff=0).all()


def test_wall_hides_what_is_behind_it():
    dem = np.zeros((SIZE, SIZE))
    dem[:, MID + 5] = 50.0  # a 50 m wall five cells east
    seen = viewshed_array(dem, GRID, OBSERVER, curvature_coeff=0)
    assert seen[:, : MID + 6].all()  # up to and including the wall
    assert not seen[MID - 5 : MID + 6, MID + 6 :].any()  # its shadow
    # A 1 km-high target above the ground shows over the wall.
    tall = viewshed_array(dem, GRID, OBSERVER, target_height_m=1000.0, curvature_coeff=0)
    assert tall.all()


def test_pit_is_hidden_and_the_ground_beyond_it_is_not():
    dem = np.zeros((SIZE, SIZE))
    dem[MID, MID + 10] = -20.0
    seen = viewshed_array(dem, GRID, OBSERVER, curvature_coeff=0)
    assert seen[MID, MID + 10] == 0
    assert seen.sum() == SIZE * SIZE - 1


def test_observer_on_a_peak_sees_the_slopes_except_gdal_s_near_neighbours():
    cone = 100.0 - 5.0 * CELLS_AWAY
    seen = viewshed_array(cone, GRID, OBSERVER, observer_height_m=30.0, curvature_coeff=0)
    # GDAL 3.6 compares the neighbours in the observer's column and diagonals with
    # the observer's ground (not its eye): lower neighbours are hidden.
    np.testing.assert_array_equal(seen, ~QUIRK)


def test_dome_hides_beyond_the_tangent_point():
    dome = 100.0 - 0.2 * CELLS_AWAY**2  # metres, distance in cells
    seen = viewshed_array(dome, GRID, OBSERVER, observer_height_m=30.0, curvature_coeff=0)
    # The sight line from 130 m touches 100 - 0.2 d^2 at d = sqrt(30 / 0.2) = 12.2 cells.
    assert seen[(CELLS_AWAY < 11) & ~QUIRK].all()
    assert not seen[CELLS_AWAY > 13.5].any()


def test_target_height_makes_hidden_cells_visible():
    rng = np.random.default_rng(3)
    dem = rng.uniform(0, 80, (SIZE, SIZE))
    low = viewshed_array(dem, GRID, OBSERVER, target_height_m=0.0)
    high = viewshed_array(dem, GRID, OBSERVER, target_height_m=20.0)
    assert (high >= low).all() and high.sum() > low.sum()


def test_curvature_hides_flat_ground_beyond_the_horizon():
    # 3 x 2001 cells of 30 m: 60 km of sea-level plain east of a 10 m mast.
    transform = Affine(30.0, 0, 500_000.0, 0, -30.0, 2_300_000.0)
    flat = np.zeros((3, 2001))
    observer = cell_centre(transform, 1, 0)
    assert viewshed_array(flat, transform, observer, observer_height_m=10, curvature_coeff=0).all()
    seen = viewshed_array(flat, transform, observer, observer_height_m=10)
    horizon_m = math.sqrt(10.0 * WGS84_EARTH_DIAMETER_M / 0.85714)  # 12.2 km
    last_seen_m = np.flatnonzero(seen[1]).max() * 30.0
    assert abs(last_seen_m - horizon_m) <= 30.0
    assert not seen[1, round(horizon_m / 30) + 2 :].any()


def test_hand_made_dems_agree_with_gdal(gdal_viewshed, tmp_path):
    dems = {
        "cone": 100.0 - 5.0 * CELLS_AWAY,
        "wall": np.where(COLS == MID + 5, 50.0, 0.0),
        "steps": np.floor(CELLS_AWAY / 4) * 7.0 % 23.0,
    }
    for name, dem in dems.items():
        path = write_dem(tmp_path / f"{name}.tif", dem, GRID)
        for options in ({"observer_height_m": 30.0}, {"target_height_m": 3.0}):
            theirs = run_gdal(gdal_viewshed, path, tmp_path / "gdal.tif", *OBSERVER, **options)
            ours = viewshed_array(dem.astype(np.float32), GRID, OBSERVER, **options)
            agreement(gdal_viewshed, ours, on_grid(theirs, GRID, dem.shape), f"{name} {options}")


def test_nodata_is_never_visible_and_does_not_block():
    dem = np.zeros((SIZE, SIZE))
    dem[MID, MID + 3 : MID + 6] = NODATA
    dem[MID - 8, MID] = np.nan
    seen = viewshed_array(dem, GRID, OBSERVER, nodata=NODATA, curvature_coeff=0)
    assert not seen[MID, MID + 3 : MID + 6].any() and seen[MID - 8, MID] == 0
    assert seen.sum() == SIZE * SIZE - 4


# ------------------------------------------- compiled kernel vs numpy reference


@st.composite
def random_dems(draw):
    """A random DEM (dtype, layout, nodata, NaN, cell shape), an observer and options.

    The grid is drawn from a seed (a DEM of thousands of cells drawn cell by
    cell would be slow to generate and to shrink); up to 70 cells a side, so
    the kernel's bands of ``_BAND`` rows come several to an octant.
    """
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    rows, cols = draw(st.integers(1, 70)), draw(st.integers(1, 70))
    dem = 500 + np.cumsum(rng.normal(0, draw(st.sampled_from([0.5, 5.0, 40.0])), (rows, cols)),
                          axis=draw(st.integers(0, 1)))  # fmt: skip
    if draw(st.booleans()):
        dem = np.round(dem)  # ties between a cell and its horizon
    dtype = draw(st.sampled_from(["float32", "float64", "int16", "int32"]))
    dem = dem.astype(dtype)
    if dtype.startswith("float"):
        dem[rng.random((rows, cols)) < draw(st.sampled_from([0.0, 0.05]))] = np.nan
    dem[rng.random((rows, cols)) < draw(st.sampled_from([0.0, 0.05, 0.3]))] = -32768
    row, col = draw(st.integers(0, rows - 1)), draw(st.integers(0, cols - 1))
    dem[row, col] = 600
    layout = draw(st.sampled_from(["C", "window", "F", "flipped"]))
    if layout == "window":  # a view into a larger DEM, as viewshed() windows are
        big = np.zeros((rows + 3, cols + 5), dtype=dem.dtype)
        big[2 : 2 + rows, 1 : 1 + cols] = dem
        dem = big[2 : 2 + rows, 1 : 1 + cols]
    elif layout == "F":
        dem = np.asfortranarray(dem)
    elif layout == "flipped":
        dem = np.flipud(np.flipud(dem).copy())
    cell_w = draw(st.sampled_from([1.0, 25.5, 30.0, 90.0]))
    cell_h = cell_w * draw(st.sampled_from([0.7, 1.0, 1.3]))
    transform = Affine(cell_w, 0, 500_000.0, 0, -cell_h, 2_300_000.0)
    options = {
        "observer_height_m": draw(st.sampled_from([0.0, 2.0, 30.0])),
        "target_height_m": draw(st.sampled_from([0.0, 1.5, 20.0])),
        "curvature_coeff": draw(st.sampled_from([0.0, 0.85714, -1.0, 1e5])),
        "max_distance_m": draw(st.sampled_from([None, 0.0, cell_w * 0.7, cell_w * 25.0])),
        "nodata": draw(st.sampled_from([None, -32768.0])),
        "earth_diameter_m": draw(st.sampled_from([WGS84_EARTH_DIAMETER_M, math.inf])),
    }
    if options["nodata"] is None:
        dem[dem == -32768] = 0  # a nodata value not declared would be a deep pit
    return dem, transform, cell_centre(transform, row, col), options


@settings(max_examples=60, deadline=None, derandomize=True)
@given(random_dems())
def test_compiled_kernel_equals_the_numpy_reference(case):
    dem, transform, observer, options = case
    compiled = viewshed_array(dem, transform, observer, **options)
    reference = _viewshed_numpy(dem, transform, observer, **options)
    assert compiled.dtype == reference.dtype == np.uint8
    np.testing.assert_array_equal(compiled, reference)


@pytest.mark.parametrize(("row", "col"), [(0, 0), (3 * _BAND, 2 * _BAND + 1), (111, 40), (59, 89)])
def test_compiled_kernel_equals_the_numpy_reference_across_bands(row, col):
    # Observers whose octants span many of the kernel's bands, on a grid whose
    # rows are not a multiple of the band, with nodata cells around.
    rng = np.random.default_rng(row * 1000 + col)
    dem = (300 + np.cumsum(rng.normal(0, 4, (112, 90)), axis=0)).astype(np.float32)
    dem[rng.random(dem.shape) < 0.02] = NODATA
    dem[row, col] = 400
    observer = cell_centre(GRID, row, col)
    for options in (
        {"observer_height_m": 30.0, "target_height_m": 1.5},
        {"observer_height_m": 2.0, "max_distance_m": 1_500.0, "curvature_coeff": 1e5},
    ):
        compiled = viewshed_array(dem, GRID, observer, nodata=NODATA, **options)
        np.testing.assert_array_equal(
            compiled, _viewshed_numpy(dem, GRID, observer, nodata=NODATA, **options)
        )


def test_dem_windows_reach_the_kernel_without_a_copy():
    big = np.arange(40.0, dtype=np.float32).reshape(5, 8)
    window = big[1:4, 2:7]
    flat, stride = _flat_rows(window)
    assert np.shares_memory(flat, big) and stride == 8
    assert flat[2 * stride + 4] == window[2, 4]
    # Other layouts and dtypes are converted once.
    flat, stride = _flat_rows(np.asfortranarray(window))
    assert stride == 5 and flat[2 * stride + 4] == window[2, 4]
    assert _flat_rows(window.astype(np.int16))[0].dtype == np.float32
    assert _flat_rows(window.astype(np.int32))[0].dtype == np.float64


# ----------------------------------------------------------- properties


@st.composite
def terrains(draw):
    dem = draw(
        arrays(np.float64, st.tuples(st.integers(2, 12), st.integers(2, 12)),
               elements=st.integers(0, 60).map(float))
    )  # fmt: skip
    row = draw(st.integers(0, dem.shape[0] - 1))
    col = draw(st.integers(0, dem.shape[1] - 1))
    options = {
        "observer_height_m": draw(st.sampled_from([0.0, 2.0, 30.0])),
        "target_height_m": draw(st.sampled_from([0.0, 1.5])),
        "curvature_coeff": draw(st.sampled_from([0.0, 0.85714, 5e4])),
        "max_distance_m": draw(st.sampled_from([None, 150.0, 400.0])),
    }
    return dem, cell_centre(GRID, row, col), (row, col), options


PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(terrains(), st.floats(0.001, 50.0))
def test_raising_the_observer_never_hides_a_cell(terrain, raise_m):
    dem, observer, _, options = terrain
    low = viewshed_array(dem, GRID, observer, **options)
    options["observer_height_m"] += raise_m
    high = viewshed_array(dem, GRID, observer, **options)
    assert not (low.astype(bool) & ~high.astype(bool)).any()


@PROPERTY
@given(terrains(), st.data(), st.floats(0.001, 100.0))
def test_a_ridge_never_reveals_a_hidden_cell(terrain, data, height_m):
    # Holds for every cell but the raised one (which may now be seen) and the
    # observer's own (raising it raises the observer).
    dem, observer, observer_cell, options = terrain
    cell = (
        data.draw(st.integers(0, dem.shape[0] - 1)),
        data.draw(st.integers(0, dem.shape[1] - 1)),
    )
    if cell == observer_cell:
        return
    before = viewshed_array(dem, GRID, observer, **options)
    ridge = dem.copy()
    ridge[cell] += height_m
    after = viewshed_array(ridge, GRID, observer, **options)
    revealed = ~before.astype(bool) & after.astype(bool)
    revealed[cell] = False
    assert not revealed.any()


# ------------------------------------------------------------ the file API


def test_viewshed_reads_a_window_and_writes_gdal_s_geotiff(gdal_viewshed, dem90, tmp_path):
    x, y = sites(dem90["dem"], dem90["transform"])["random2"]
    options = {"observer_height_m": 30.0, "target_height_m": 1.5, "max_distance_m": 12_000.0}
    out = tmp_path / "out" / "viewshed.tif"
    seen, profile = viewshed(dem90["path"], x, y, out_path=out, **options)
    assert seen.shape == (profile["height"], profile["width"])
    assert seen.shape[0] < dem90["dem"].shape[0]  # only the window was read
    with rasterio.open(out) as written:
        assert written.dtypes[0] == "uint8" and written.crs.to_epsg() == 32648
        values = written.read(1)
        assert set(np.unique(values)) <= {0, 255}
        np.testing.assert_array_equal(values == 255, seen.astype(bool))
        transform = written.transform
    full = viewshed_array(dem90["dem"], dem90["transform"], (x, y), nodata=NODATA, **options)
    col0 = round((transform.c - dem90["transform"].c) / 90.0)
    row0 = round((transform.f - dem90["transform"].f) / -90.0)
    np.testing.assert_array_equal(
        seen, full[row0 : row0 + seen.shape[0], col0 : col0 + seen.shape[1]]
    )
    theirs = run_gdal(gdal_viewshed, dem90["path"], tmp_path / "gdal.tif", x, y, **options)
    agreement(gdal_viewshed, seen, on_grid(theirs, transform, seen.shape), "viewshed() window")
    assert not list(out.parent.glob(".*tmp*"))  # written atomically, nothing left over


def test_viewshed_reprojects_the_observer(dem90):
    from pyproj import Transformer

    x, y = sites(dem90["dem"], dem90["transform"])["random0"]
    lon, lat = Transformer.from_crs(UTM48N, "EPSG:4326", always_xy=True).transform(x, y)
    options = {"observer_height_m": 30.0, "max_distance_m": 5_000.0}
    in_utm, _ = viewshed(dem90["path"], x, y, **options)
    in_lonlat, _ = viewshed(dem90["path"], lon, lat, crs="EPSG:4326", **options)
    np.testing.assert_array_equal(in_utm, in_lonlat)


def test_geographic_dem_is_refused_with_a_hint():
    with pytest.raises(InputError, match="gdalwarp -t_srs EPSG:32648"):
        viewshed(SAMPLE_DEM, 103.5, 21.6)


def test_bad_inputs_raise_input_error():
    dem = np.zeros((5, 5))
    with pytest.raises(InputError, match="outside the DEM"):
        viewshed_array(dem, GRID, (0.0, 0.0))
    dem[2, 2] = NODATA
    with pytest.raises(InputError, match="no height"):
        viewshed_array(dem, GRID, cell_centre(GRID, 2, 2), nodata=NODATA)
    with pytest.raises(InputError, match="north-up"):
        viewshed_array(dem, Affine(30, 1, 0, 0, -30, 0), (45.0, -45.0))
    with pytest.raises(InputError, match="2-D"):
        viewshed_array(np.zeros(5), GRID, OBSERVER)
    with pytest.raises(InputError, match="max_distance_m"):
        viewshed_array(np.zeros((5, 5)), GRID, cell_centre(GRID, 2, 2), max_distance_m=-1.0)
