"""Diffraction loss over terrain profiles (ITU-R P.526), vectorised over a batch.

A batch of ``n`` terrain profiles, each sampled at ``m`` equally spaced points
from the transmitter to the receiver, is processed at once: no Python loop runs
over the profiles (Deygout loops over its at most three edges only).

Geometry
--------
Earth curvature is handled the usual way (P.526 §1, P.452 eq. (14)): the bulge
``d1 d2 / (2 k a)`` of an Earth of effective radius ``k a`` is added to the
elevation of every intermediate sample, after which the ray between the
antennas, and every other ray, is a straight line.  ``k = 4/3`` is the median
refractivity (P.453/P.834); ``k = 0.6`` is a common worst case.

Methods
-------
* ``"bullington"``: the single equivalent knife edge of P.526-15 §4.5.1
  (also P.452-17 §4.2.1, P.1812 §4.3.1).  Line-of-sight paths take the
  largest ν of the intermediate samples; obstructed paths take the
  intersection of the steepest line from the transmitter and the steepest
  line from the receiver as the edge.  The loss is ``J(ν)``.  P.526 adds an
  empirical term ``(1 − exp(−J/6)) (10 + 0.02 d_km)`` to it for multiple
  obstacles (the "Bullington model" loss); ``method="bullington_p526"`` adds it.
* ``"deygout"``: Deygout's construction (J. Deygout, "Multiple knife-edge
  diffraction of microwaves", IEEE Trans. AP-14, 1966) with up to three
  edges: the main edge (largest ν over the whole path), then the largest-ν
  edge of each sub-path transmitter→main edge and main edge→receiver,
  ``L = J(ν_main) + J(ν_tx side) + J(ν_rx side)``.  It is known to
  overestimate the loss when edges are close together and, because the main
  edge can jump from one ridge to another, it is not monotone in every case:
  raising the terrain can lower its loss (see :func:`profile_diffraction`).
"""

from __future__ import annotations

import math

import numpy as np

from .pathloss import SPEED_OF_LIGHT_M_S

__all__ = [
    "DIFFRACTION_METHODS",
    "EARTH_RADIUS_M",
    "NU_MIN",
    "earth_bulge_m",
    "fresnel_nu",
    "knife_edge_loss_db",
    "profile_diffraction",
]

#: Mean Earth radius (m), as P.452/P.1812 use (6 371 km).
EARTH_RADIUS_M = 6_371_000.0

#: ν at and below which P.526 takes the knife-edge loss as 0 dB.
NU_MIN = -0.78

#: Methods :func:`profile_diffraction` knows.
DIFFRACTION_METHODS: tuple[str, ...] = ("bullington", "bullington_p526", "deygout")


def knife_edge_loss_db(nu) -> np.ndarray:
    """Single knife-edge diffraction loss J(ν) (ITU-R P.526-15 eq. (31)).

    ``J(ν) = 6.9 + 20 log10(√((ν − 0.1)² + 1) + ν − 0.1)`` for ν > −0.78,
    else 0.  J(0) = 6.0 dB; for large ν, J ≈ 13 + 20 log10 ν.

    Parameters
    ----------
    nu : array_like
        Fresnel-Kirchhoff diffraction parameter ν.

    Returns
    -------
    ndarray
        Loss in dB, >= 0 (NaN where ν is NaN).
    """
    nu = np.asarray(nu, dtype=float)
    # Clip before the log: far below −0.78 (or at −inf) √(...) + ν − 0.1 would
    # cancel to 0 or NaN although the branch is not used there.
    v = np.maximum(nu, NU_MIN) - 0.1
    j = 6.9 + 20.0 * np.log10(np.hypot(v, 1.0) + v)
    return np.where(np.isnan(nu), np.nan, np.where(nu > NU_MIN, j, 0.0))


def fresnel_nu(clearance_m, d1_m, d2_m, wavelength_m) -> np.ndarray:
    """Diffraction parameter ν of an edge (ITU-R P.526-15 eq. (26)).

    ``ν = h √(2 (d1 + d2) / (λ d1 d2))``.

    Parameters
    ----------
    clearance_m : array_like
        ``h``: height of the edge **above** the direct ray, in metres
        (negative when the ray clears the edge).
    d1_m, d2_m : array_like
        Distances from the edge to each end of the path, in metres (> 0).
    wavelength_m : array_like
        Wavelength in metres.

    Returns
    -------
    ndarray
        ν (dimensionless); −√2·0.6 ≈ −0.85 at 60 % first-Fresnel-zone clearance.
    """
    h, d1, d2, lam = (np.asarray(a, dtype=float) for a in (clearance_m, d1_m, d2_m, wavelength_m))
    return h * np.sqrt(2.0 * (d1 + d2) / (lam * d1 * d2))


def earth_bulge_m(d1_m, d2_m, *, k_factor=4 / 3) -> np.ndarray:
    """Height of the Earth's bulge above the chord, in metres.

    ``d1 d2 / (2 k a)`` with ``a`` = 6 371 km: the parabolic approximation of
    an effective Earth of radius ``k a`` (P.452 eq. (14), P.526 §4.5.1).

    Parameters
    ----------
    d1_m, d2_m : array_like
        Distances from the point to the two ends of the path, in metres.
    k_factor : float
        Effective Earth-radius factor (4/3 median; 0.6 a worst case).

    Returns
    -------
    ndarray
        Bulge in metres (13.2 m mid-way along a 30 km path at k = 4/3).
    """
    d1, d2 = np.asarray(d1_m, dtype=float), np.asarray(d2_m, dtype=float)
    return d1 * d2 / (2.0 * k_factor * EARTH_RADIUS_M)


def profile_diffraction(terrain_m, length_m, tx_height_m, rx_height_m, frequency_mhz, *,
                        method="bullington", k_factor=4 / 3) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Diffraction loss and line of sight of a batch of terrain profiles.

    Parameters
    ----------
    terrain_m : array_like, shape (n, m)
        Ground elevation (m above sea level) at ``m`` equally spaced points
        from the transmitter (column 0, under its antenna) to the receiver
        (column ``m − 1``).  A 1-D array is one profile.  NaN samples (DEM
        nodata) are treated as not obstructing; a NaN at an end takes the
        elevation of the nearest valid sample of its profile, and a profile
        with no valid sample has no loss.
    length_m : array_like, shape (n,)
        Path length in metres (> 0; a zero-length path has no loss).
    tx_height_m, rx_height_m : array_like, shape (n,) or scalar
        Antenna heights above the ground at each end, in metres.
    frequency_mhz : array_like, shape (n,) or scalar
        Frequency in MHz.
    method : {"bullington", "bullington_p526", "deygout"}
        See the module documentation.
    k_factor : float
        Effective Earth-radius factor; ``math.inf`` gives a flat Earth.

    Returns
    -------
    loss_db : ndarray, shape (n,)
        Diffraction loss in dB, >= 0, to add to a path-loss formula's.
    line_of_sight : ndarray of bool, shape (n,)
        True where no intermediate sample (curvature included) reaches the
        direct ray between the antennas.

    Notes
    -----
    Properties checked by property-based tests (``tests/test_diffraction.py``):
    for ``"bullington"`` and ``"bullington_p526"`` the loss never decreases
    when an intermediate sample is raised, never increases when an antenna is
    raised, and on flat terrain never decreases as the path lengthens.  For
    ``"deygout"`` only the last holds in general: raising one ridge can make
    it the main edge in place of another and lower the three-edge sum, and
    raising an antenna can likewise move the main edge and raise the sum.
    """
    if method not in DIFFRACTION_METHODS:
        raise ValueError(f"unknown diffraction method {method!r}; expected one of "
                         f"{DIFFRACTION_METHODS}")  # fmt: skip
    if not k_factor > 0:
        raise ValueError(f"k_factor must be > 0, got {k_factor!r}")
    terrain = np.asarray(terrain_m, dtype=float)
    if terrain.ndim == 1:
        terrain = terrain[None, :]
    if terrain.ndim != 2:
        raise ValueError(f"terrain_m must have shape (n, m), got {terrain.shape}")
    n, m = terrain.shape
    length = np.broadcast_to(np.asarray(length_m, dtype=float), (n,))
    h_tx = np.broadcast_to(np.asarray(tx_height_m, dtype=float), (n,))
    h_rx = np.broadcast_to(np.asarray(rx_height_m, dtype=float), (n,))
    freq = np.broadcast_to(np.asarray(frequency_mhz, dtype=float), (n,))
    if np.any(length < 0):
        raise ValueError("length_m must be >= 0")
    if np.any(freq <= 0):
        raise ValueError("frequency_mhz must be > 0")

    loss = np.zeros(n)
    los = np.ones(n, dtype=bool)
    if n == 0 or m < 3:
        return loss, los  # no intermediate sample: nothing can obstruct

    valid = np.isfinite(terrain)
    any_valid = valid.any(axis=1)
    terrain = _fill_ends(terrain, valid)
    # Rows to compute: a real path with at least one valid sample.
    active = (length > 0) & any_valid
    if not active.any():
        return loss, los
    t = terrain[active]
    L = length[active][:, None]
    lam = (SPEED_OF_LIGHT_M_S / (freq[active] * 1e6))[:, None]
    z_tx = (t[:, 0] + h_tx[active])[:, None]
    z_rx = (t[:, -1] + h_rx[active])[:, None]

    # Intermediate samples only, in the flat frame where the bulge is added.
    frac = np.arange(1, m - 1) / (m - 1)
    x = frac[None, :] * L  # distance from the transmitter (m)
    bulge = earth_bulge_m(x, L - x, k_factor=k_factor) if math.isfinite(k_factor) else 0.0
    z = t[:, 1:-1] + bulge
    # NaN (nodata) never obstructs: −inf loses every max and gives ν = −inf.
    z = np.where(np.isfinite(z), z, -np.inf)

    ray = z_tx + (z_rx - z_tx) * (x / L)
    h = z - ray  # height above the direct ray
    sub_los = ~(h >= 0).any(axis=1)
    nu = h * np.sqrt(2.0 * L / (lam * x * (L - x)))

    if method == "deygout":
        sub_loss = _deygout(z, x, L, z_tx, z_rx, lam, nu)
    else:
        sub_loss = _bullington(h, x, L, lam, nu, sub_los)
        if method == "bullington_p526":
            # P.526-15 §4.5.1 (P.452-17 eq. (22)): empirical allowance for the
            # several obstacles one equivalent edge stands for.
            sub_loss = sub_loss + (1.0 - np.exp(-sub_loss / 6.0)) * (10.0 + 0.02 * L[:, 0] / 1000.0)
    loss[active] = sub_loss
    los[active] = sub_los
    loss[np.isnan(length)] = np.nan  # NaN in, NaN out (not "no loss")
    return loss, los


def _fill_ends(terrain: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Give NaN end samples the elevation of the nearest valid sample."""
    rows = np.arange(terrain.shape[0])
    first = terrain[rows, np.argmax(valid, axis=1)]
    last = terrain[rows, terrain.shape[1] - 1 - np.argmax(valid[:, ::-1], axis=1)]
    out = terrain.copy()
    out[:, 0] = np.where(valid[:, 0], terrain[:, 0], first)
    out[:, -1] = np.where(valid[:, -1], terrain[:, -1], last)
    return out


def _bullington(h, x, L, lam, nu, los) -> np.ndarray:
    """P.526 §4.5.1 Bullington loss J(ν) for each row (flat frame, bulge added)."""
    nu_max = nu.max(axis=1)
    # Slopes relative to the direct ray of the lines from each end to each
    # sample; the steepest pair defines the Bullington edge.
    s_tx = (h / x).max(axis=1)
    s_rx = (h / (L - x)).max(axis=1)
    # P.526's ν_b = [h_ts + S_tim d_b − ray(d_b)] √(2d/(λ d_b (d − d_b))) with
    # d_b = (h_rs − h_ts + S_rim d)/(S_tim + S_rim) simplifies, measuring the
    # slopes from the ray, to √(2 d s_tx s_rx / λ): no 0/0 when the edge
    # touches the ray (s_tx = s_rx = 0, where it meets the LOS branch's ν = 0).
    nu_b = np.sqrt(2.0 * L[:, 0] * np.maximum(s_tx, 0.0) * np.maximum(s_rx, 0.0) / lam[:, 0])
    return knife_edge_loss_db(np.where(los, nu_max, nu_b))


def _deygout(z, x, L, z_tx, z_rx, lam, nu) -> np.ndarray:
    """Deygout's three-edge loss for each row (flat frame, bulge added)."""
    rows = np.arange(z.shape[0])
    p = np.argmax(nu, axis=1)
    nu_p = nu[rows, p]
    main = nu_p > NU_MIN
    loss = knife_edge_loss_db(nu_p)

    # The main edge becomes an end of each sub-path; rows without a main edge
    # get a harmless finite one (their sub-losses are masked out below).
    x_p = x[rows, p][:, None]
    z_p = np.where(main, z[rows, p], 0.0)[:, None]
    col = np.arange(z.shape[1])[None, :]

    with np.errstate(divide="ignore", invalid="ignore"):
        # Transmitter side: samples strictly before the main edge.
        left = col < p[:, None]
        h_l = z - (z_tx + (z_p - z_tx) * (x / x_p))
        nu_l = h_l * np.sqrt(2.0 * x_p / (lam * x * (x_p - x)))
        nu_l = np.where(left, nu_l, -np.inf).max(axis=1)
        # Receiver side: samples strictly after it.
        right = col > p[:, None]
        d1 = x - x_p
        d2 = L - x
        h_r = z - (z_p + (z_rx - z_p) * (d1 / (L - x_p)))
        nu_r = h_r * np.sqrt(2.0 * (L - x_p) / (lam * d1 * d2))
        nu_r = np.where(right, nu_r, -np.inf).max(axis=1)
    side = knife_edge_loss_db(np.nan_to_num(nu_l, nan=-np.inf)) + knife_edge_loss_db(
        np.nan_to_num(nu_r, nan=-np.inf)
    )
    return np.where(main, loss + side, 0.0)
