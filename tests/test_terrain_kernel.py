"""The compiled terrain kernels against the numpy reference (Dem.profiles, profile_diffraction)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pyproj import CRS

from whitezone.dem import Dem
from whitezone.landcover import Landcover
from whitezone.models.diffraction import profile_diffraction
from whitezone.models.terrain_kernel import bullington_links, bullington_one, sample_profiles

UTM = CRS.from_epsg(32648)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(heights=arrays(np.float64, st.integers(3, 60),
                      elements=st.one_of(st.floats(-50, 2500), st.just(np.nan))),  # fmt: skip
       ends=st.tuples(st.floats(-50, 2500), st.floats(-50, 2500)),
       length=st.one_of(st.floats(1.0, 80_000.0), st.just(0.0)),
       h_tx=st.floats(0.5, 120.0), h_rx=st.floats(0.5, 20.0), freq=st.floats(100.0, 6000.0),
       k=st.sampled_from([4 / 3, 0.6, 1.0, math.inf]), p526=st.booleans())
def test_bullington_of_one_profile_equals_the_reference(heights, ends, length, h_tx, h_rx, freq, k, p526):
    profile = heights.copy()
    profile[0], profile[-1] = ends  # the kernel's profiles have known ends (filled before)
    loss, los = bullington_one(profile, len(profile), length, h_tx, h_rx, freq, k, p526)
    ref, ref_los = profile_diffraction(profile, length, h_tx, h_rx, freq,
                                       method="bullington_p526" if p526 else "bullington", k_factor=k)  # fmt: skip
    assert loss == pytest.approx(ref[0], abs=1e-9)
    assert los == ref_los[0]


def _grids(seed):
    rng = np.random.default_rng(seed)
    res = 90.0
    heights = rng.normal(600, 250, (60, 70)).astype(np.float32)
    heights[rng.random(heights.shape) < 0.03] = np.nan   # nodata holes
    dem = Dem(heights_m=heights, transform=Affine(res, 0, 500_000, 0, -res, 2_300_000), crs=UTM)
    codes = rng.choice(np.array([10, 20, 30, 50, 80, 95, 7], dtype=np.int32), (40, 45))
    landcover = Landcover(codes=codes, transform=Affine(140.0, 0, 499_800, 0, -140.0, 2_300_300), crs=UTM)
    table = np.zeros(96)
    table[[10, 20, 50, 95]] = [15.0, 4.0, 9.0, 12.0]  # 7, 30, 80: no obstacle (7: unknown code)
    return dem, landcover, table


def _reference_profiles(dem, landcover, table, start, end, n):
    """Dem.profiles, ends over nodata at the profile's mean known level, obstacles inside."""
    profile = dem.profiles(start, end, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        level = np.nanmean(profile, axis=1)
    level = np.where(np.isfinite(level), level, 0.0)
    all_nan = ~np.isfinite(profile).any(axis=1)
    for col in (0, -1):
        profile[:, col] = np.where(np.isfinite(profile[:, col]), profile[:, col], level)
    profile[all_nan] = 0.0
    if table.size:
        codes = landcover.along(start, end, n)
        lookup = np.where((codes >= 0) & (codes < table.size), table[np.clip(codes, 0, table.size - 1)], 0.0)
        profile[:, 1:-1] += lookup[:, 1:-1]
    return profile


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_profiles_equal_the_numpy_sampling(seed):
    dem, landcover, table = _grids(seed)
    rng = np.random.default_rng(seed + 10)
    x0, y0, x1, y1 = dem.bounds
    # Some ends beyond the grid (NaN there) and a few paths entirely outside it.
    start = rng.uniform([x0 - 300, y0 - 300], [x1 + 300, y1 + 300], (400, 2))
    end = rng.uniform([x0 - 300, y0 - 300], [x1 + 300, y1 + 300], (400, 2))
    end[:5] = start[:5] + [x1 - x0 + 5000, 0]
    for n in (3, 17, 64):
        got = sample_profiles(dem, start, end, n, obstacles=(landcover, table))
        expected = _reference_profiles(dem, landcover, table, start, end, n)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9, equal_nan=True)
        plain = sample_profiles(dem, start, end, n)
        np.testing.assert_allclose(plain, _reference_profiles(dem, landcover, np.zeros(0), start, end, n),
                                   rtol=0, atol=1e-9, equal_nan=True)  # fmt: skip


@pytest.mark.parametrize("k", [4 / 3, 0.6])
def test_links_equal_the_reference_over_a_dem(k):
    dem, landcover, table = _grids(3)
    rng = np.random.default_rng(4)
    x0, y0, x1, y1 = dem.bounds
    start = rng.uniform([x0, y0], [x1, y1], (600, 2))
    end = rng.uniform([x0, y0], [x1, y1], (600, 2))
    end[:3] = start[:3]   # a receiver under the mast
    n = rng.integers(3, 90, 600)
    height = rng.uniform(10, 60, 600)
    freq = rng.choice([900.0, 1800.0, 2100.0], 600)
    loss, los = bullington_links(dem, start, end, n, tx_height_m=height, rx_height_m=1.5,
                                 frequency_mhz=freq, k_factor=k, obstacles=(landcover, table))  # fmt: skip
    length = np.hypot(*(end - start).T)
    for m in np.unique(n):
        rows = np.flatnonzero(n == m)
        profile = _reference_profiles(dem, landcover, table, start[rows], end[rows], int(m))
        ref, ref_los = profile_diffraction(profile, length[rows], height[rows], 1.5, freq[rows], k_factor=k)
        np.testing.assert_allclose(loss[rows], ref, rtol=0, atol=1e-9)
        assert (los[rows] == ref_los).all()
    assert (loss[:3] == 0).all() and los[:3].all()
    assert (loss > 1).sum() > 100   # the test is not vacuous: most paths are obstructed


@pytest.mark.parametrize("method", ["bullington", "bullington_p526"])
def test_the_terrain_model_s_compiled_links_equal_its_batches(method):
    from test_models_link import rough_dem

    from whitezone.models.terrain import TerrainModel

    model = TerrainModel(dem=rough_dem(5), diffraction=method)
    rng = np.random.default_rng(6)
    x0, y0, x1, y1 = model.dem.bounds
    start = rng.uniform([x0, y0], [x1, y1], (500, 2))
    end = rng.uniform([x0, y0], [x1, y1], (500, 2))
    n = model.profile_samples(np.hypot(*(end - start).T))
    height, freq = rng.uniform(15, 50, 500), np.full(500, 1800.0)
    fast = model.link_loss(start, end, n, height, freq, k_factor=4 / 3, line_of_sight=True)
    slow = model.batched_loss(start, end, n, height, freq, k_factor=4 / 3, line_of_sight=True)
    np.testing.assert_allclose(fast[0], slow[0], rtol=0, atol=1e-9)
    assert (fast[1] == slow[1]).all() and (fast[0] > 0).sum() > 50
