"""Compiled terrain kernels: DEM profiles and Bullington diffraction, one link at a time.

:func:`~whitezone.models.diffraction.profile_diffraction` and
:meth:`~whitezone.dem.Dem.profiles` are the readable numpy reference: a batch
of profiles is sampled into an ``(n, m)`` array, then eight more arrays of
that size are made on the way to the loss.  Here the same arithmetic runs per
link in a numba loop over the links (in parallel over the cores), each link
sampling its own profile into a small buffer and reducing it to a loss and a
line-of-sight flag in one pass: no batch array, no grouping of links by
length.  The tests hold these kernels to the reference on random profiles
(to 1e-9 dB) and on the sample DEM.

Sampling is scipy's ``map_coordinates(order=1, mode="constant", cval=NaN)``
on cell centres, as :meth:`Dem.height_at`: a point outside the centres'
extent is NaN, and a NaN neighbour makes a sample NaN even at zero weight.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .diffraction import EARTH_RADIUS_M, NU_MIN
from .pathloss import SPEED_OF_LIGHT_M_S

__all__ = ["bullington_links", "sample_profiles"]


@numba.njit(cache=True, nogil=True)
def _height(heights, c0, a, f0, e, x, y):
    """Bilinear height at map x, y (NaN outside the cell centres or over nodata)."""
    rows, cols = heights.shape
    r = (y - f0) / e - 0.5
    c = (x - c0) / a - 0.5
    if not (r >= 0.0 and c >= 0.0 and r <= rows - 1 and c <= cols - 1):
        return np.nan
    r0 = int(math.floor(r))
    c0i = int(math.floor(c))
    r1 = min(r0 + 1, rows - 1)
    c1 = min(c0i + 1, cols - 1)
    wr = r - r0
    wc = c - c0i
    return ((1.0 - wr) * ((1.0 - wc) * heights[r0, c0i] + wc * heights[r0, c1])
            + wr * ((1.0 - wc) * heights[r1, c0i] + wc * heights[r1, c1]))  # fmt: skip


@numba.njit(cache=True, nogil=True)
def _obstacle(codes, lc_c, lc_a, lc_f, lc_e, table, x, y):
    """Obstacle height (m) of the land-cover class of the cell holding x, y (0 outside or unknown)."""
    rows, cols = codes.shape
    col = math.floor((x - lc_c) / lc_a)
    row = math.floor((y - lc_f) / lc_e)
    if not (row >= 0 and col >= 0 and row < rows and col < cols):
        return 0.0
    code = int(codes[int(row), int(col)])
    if code < 0 or code >= table.size:
        return 0.0
    return table[code]


@numba.njit(cache=True, nogil=True)
def _fraction(i, m, step):
    """``np.linspace(0, 1, m)[i]`` to the last bit: ``i * step``, the last point exactly 1."""
    return 1.0 if i == m - 1 else i * step


@numba.njit(cache=True, nogil=True)
def _fill_profile(buf, heights, transform, x0, y0, x1, y1, m, codes, lc_transform, table):
    """Sample one link's profile into ``buf[:m]`` as the terrain model prepares it.

    Ends over nodata take the profile's mean known height (all unknown: a
    flat 0 m profile), then the intermediate samples are raised by their
    land-cover class's obstacle height (when ``table`` is not empty).
    """
    c0, a, f0, e = transform[0], transform[1], transform[2], transform[3]
    total = 0.0
    known = 0
    step = 1.0 / (m - 1)
    for i in range(m):
        t = _fraction(i, m, step)
        z = _height(heights, c0, a, f0, e, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
        buf[i] = z
        if math.isfinite(z):
            total += z
            known += 1
    if not (math.isfinite(buf[0]) and math.isfinite(buf[m - 1])):
        if known == 0:
            for i in range(m):
                buf[i] = 0.0
        else:
            level = total / known
            if not math.isfinite(buf[0]):
                buf[0] = level
            if not math.isfinite(buf[m - 1]):
                buf[m - 1] = level
    if table.size:
        for i in range(1, m - 1):
            t = _fraction(i, m, step)
            buf[i] += _obstacle(codes, lc_transform[0], lc_transform[1], lc_transform[2],
                                lc_transform[3], table, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)  # fmt: skip


@numba.njit(cache=True, nogil=True)
def _knife_edge(nu):
    """J(ν) of ITU-R P.526-15 eq. (31), as :func:`~whitezone.models.diffraction.knife_edge_loss_db`."""
    if math.isnan(nu):
        return np.nan
    if not nu > NU_MIN:
        return 0.0
    v = max(nu, NU_MIN) - 0.1
    return 6.9 + 20.0 * math.log10(math.hypot(v, 1.0) + v)


@numba.njit(cache=True, nogil=True)
def bullington_one(profile, m, length, h_tx, h_rx, freq_mhz, k_factor, p526):
    """Bullington loss (dB) and line of sight of one filled profile ``profile[:m]``.

    The arithmetic of :func:`~whitezone.models.diffraction.profile_diffraction`
    (``"bullington"``, or ``"bullington_p526"`` with ``p526``) for one row whose
    ends are known; NaN intermediate samples never obstruct.
    """
    if math.isnan(length):
        return np.nan, True
    if m < 3 or not length > 0:
        return 0.0, True
    lam = SPEED_OF_LIGHT_M_S / (freq_mhz * 1e6)
    z_tx = profile[0] + h_tx
    z_rx = profile[m - 1] + h_rx
    curved = math.isfinite(k_factor)
    nu_max = -np.inf
    s_tx = -np.inf
    s_rx = -np.inf
    los = True
    for i in range(1, m - 1):
        x = (i / (m - 1)) * length
        z = profile[i]
        if curved:
            z = z + x * (length - x) / (2.0 * k_factor * EARTH_RADIUS_M)
        if not math.isfinite(z):
            continue  # nodata: −inf in the reference, never the maximum
        h = z - (z_tx + (z_rx - z_tx) * (x / length))
        if h >= 0:
            los = False
        nu = h * math.sqrt(2.0 * length / (lam * x * (length - x)))
        nu_max = max(nu_max, nu)
        s_tx = max(s_tx, h / x)
        s_rx = max(s_rx, h / (length - x))
    if los:
        loss = _knife_edge(nu_max)
    else:
        loss = _knife_edge(math.sqrt(2.0 * length * max(s_tx, 0.0) * max(s_rx, 0.0) / lam))
    if p526:
        loss = loss + (1.0 - math.exp(-loss / 6.0)) * (10.0 + 0.02 * length / 1000.0)
    return loss, los


@numba.njit(cache=True, parallel=True)
def _links(heights, transform, start, end, n_samples, h_tx, h_rx, freq, k_factor, p526,
           codes, lc_transform, table, loss, los):  # fmt: skip
    n = start.shape[0]
    m_max = 3
    for i in range(n):
        m_max = max(m_max, n_samples[i])
    for i in numba.prange(n):
        buf = np.empty(m_max)
        m = n_samples[i]
        _fill_profile(buf, heights, transform, start[i, 0], start[i, 1], end[i, 0], end[i, 1], m,
                      codes, lc_transform, table)  # fmt: skip
        length = math.hypot(end[i, 0] - start[i, 0], end[i, 1] - start[i, 1])
        loss[i], los[i] = bullington_one(buf, m, length, h_tx[i], h_rx, freq[i], k_factor, p526)


@numba.njit(cache=True, parallel=True)
def _sample(heights, transform, start, end, m, codes, lc_transform, table, out):
    for i in numba.prange(start.shape[0]):
        _fill_profile(out[i], heights, transform, start[i, 0], start[i, 1], end[i, 0], end[i, 1], m,
                      codes, lc_transform, table)  # fmt: skip


def _grids(dem, obstacles):
    """The kernels' view of a DEM and of an optional land cover: arrays and transforms."""
    t = dem.transform
    # The grids as they are (float32 heights, small integer codes): a national DEM is
    # 150 million cells, and a float64 copy per call would cost more than the links.
    heights = np.ascontiguousarray(dem.heights_m)
    if heights.dtype not in (np.float32, np.float64):
        heights = heights.astype(np.float32)
    transform = np.array([t.c, t.a, t.f, t.e], dtype=np.float64)
    if obstacles is None:
        return heights, transform, np.zeros((1, 1), np.int32), np.zeros(4), np.zeros(0)
    landcover, table = obstacles
    lt = landcover.transform
    codes = np.ascontiguousarray(landcover.codes)
    if codes.dtype.kind not in "iu":
        codes = codes.astype(np.int32)
    return (heights, transform, codes, np.array([lt.c, lt.a, lt.f, lt.e], dtype=np.float64),
            np.asarray(table, dtype=np.float64))


def sample_profiles(dem, start_xy, end_xy, n_samples: int, *, obstacles=None) -> np.ndarray:
    """Profiles of many links with ``n_samples`` samples each, as the terrain model prepares them.

    Parameters
    ----------
    dem : Dem
    start_xy, end_xy : ndarray, shape (n, 2)
    n_samples : int
    obstacles : (Landcover, ndarray), optional
        A land-cover grid and the obstacle height (m) of each class code
        (index = code): intermediate samples are raised by it.

    Returns
    -------
    ndarray, shape (n, n_samples)
        :meth:`Dem.profiles`, ends over nodata filled with the profile's
        mean known height, intermediate samples raised by their obstacles.
    """
    heights, transform, codes, lc_transform, table = _grids(dem, obstacles)
    start = np.ascontiguousarray(start_xy, dtype=np.float64).reshape(-1, 2)
    end = np.ascontiguousarray(end_xy, dtype=np.float64).reshape(-1, 2)
    out = np.empty((len(start), int(n_samples)))
    if len(start):
        _sample(heights, transform, start, end, int(n_samples), codes, lc_transform, table, out)
    return out


def bullington_links(dem, start_xy, end_xy, n_samples, *, tx_height_m, rx_height_m: float,
                     frequency_mhz, k_factor: float, p526: bool = False,
                     obstacles=None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Bullington diffraction loss and line of sight of many links over a DEM.

    Each link's profile is :func:`sample_profiles`'s with its own number of
    samples; the loss is :func:`~whitezone.models.diffraction.profile_diffraction`'s
    (``"bullington"``, or ``"bullington_p526"`` with ``p526``).

    Parameters
    ----------
    dem : Dem
    start_xy, end_xy : ndarray, shape (n, 2)
        Transmitter and receiver, map coordinates.
    n_samples : ndarray of int, shape (n,)
        Samples of each profile, ends included (>= 3 for any loss).
    tx_height_m, frequency_mhz : ndarray, shape (n,)
    rx_height_m, k_factor : float
    p526 : bool
    obstacles : (Landcover, ndarray), optional
        As :func:`sample_profiles`.

    Returns
    -------
    loss_db : ndarray, shape (n,)
    line_of_sight : ndarray of bool, shape (n,)
    """
    heights, transform, codes, lc_transform, table = _grids(dem, obstacles)
    start = np.ascontiguousarray(start_xy, dtype=np.float64).reshape(-1, 2)
    end = np.ascontiguousarray(end_xy, dtype=np.float64).reshape(-1, 2)
    n = len(start)
    loss = np.zeros(n)
    los = np.ones(n, dtype=np.bool_)
    if n:
        _links(heights, transform, start, end, np.ascontiguousarray(n_samples, dtype=np.int64),
               np.ascontiguousarray(np.broadcast_to(tx_height_m, (n,)), dtype=np.float64),
               float(rx_height_m),
               np.ascontiguousarray(np.broadcast_to(frequency_mhz, (n,)), dtype=np.float64),
               float(k_factor), bool(p526), codes, lc_transform, table, loss, los)  # fmt: skip
    return loss, los
