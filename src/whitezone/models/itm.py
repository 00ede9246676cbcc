"""The ITS Irregular Terrain Model (Longley-Rice), point-to-point and area mode.

Implements the ITS Irregular Terrain Model as published by NTIA/ITS (public
domain); checked against NTIA's reference results.

The model predicts the basic transmission loss between two terminals from
20 MHz to 20 GHz: free space, two-ray line of sight over a rough earth,
diffraction (knife edges blended with a three-radii smooth earth) and
troposcatter, then the statistics of the signal in time, location and
situation for one of seven radio climates.  It follows ITM version 1.2.2 as
its author wrote it down, and NTIA's current C++ release (v1.4) where the
document leaves a choice open:

* [Alg] G. A. Hufford, *The ITS Irregular Terrain Model, version 1.2.2:
  The Algorithm*, NTIA/ITS.  ``[Alg 4.9]`` is its equation (4.9).
* [ITM] G. A. Hufford, *The Irregular Terrain Model* (the annotated 1.2.2
  program): how a terrain profile becomes the point-to-point parameters
  (its routines ``hzns``, ``zlsq1``, ``dlthx``, ``qlrpfl``).
* [ERL] A. G. Longley, P. L. Rice, *Prediction of tropospheric radio
  transmission loss over irregular terrain: a computer method*, ESSA
  ERL 79-ITS 67, 1968.
* [Vogler] L. E. Vogler, *Calculation of groundwave attenuation in the far
  diffraction region*, Radio Science 68D, 1964 (the three-radii terms).
* NTIA/itm v1.4, https://github.com/NTIA/itm: the reference results the tests
  reproduce (``p2p.csv``, ``area.csv`` and the command-line examples), and its
  error codes and warning flags, whose meaning and bit values are kept here.

Where v1.4 and the 1995 text differ only in the fourth digit of a constant
(the ground-wave constants of [Alg 4.16-4.19], ``Z0 sigma / k`` in [Alg 1.5])
we take v1.4's, so results agree with NTIA's to their rounding.

Layout: auxiliary functions of [Alg §6]; the preparatory parameters of
[Alg §1, §3] and of [ITM] for a profile; the reference attenuation of
[Alg §4]; the variability of [Alg §5]; compiled kernels; the public API.
All kernels are ``numba.njit(cache=True)`` in float64.  Inputs NTIA rejects
raise :class:`ValueError`; inputs it flags as outside the validated range
give a :class:`~whitezone.errors.ModelValidityWarning` (one per call, however
many paths) and the loss is still computed.
"""

from __future__ import annotations

import cmath
import math
import warnings
from typing import NamedTuple

import numba
import numpy as np

from ..errors import ModelValidityWarning

__all__ = [
    "FLAG_MESSAGES",
    "ItmResult",
    "area",
    "area_details",
    "free_space_loss",
    "point_to_point",
    "point_to_point_details",
    "point_to_point_many",
]

_jit = numba.njit(cache=True)

# Wave number k = f / F_K (rad/m for f in MHz) [Alg 1.1].
F_K_MHZ = 47.7
# Curvature of the actual earth (1/m) [Alg 1.3].
GAMMA_EARTH = 157e-9
# Earth radius used by the three-radii ground-wave terms [Vogler eq. 2].
A_EARTH_M = 6370e3
# Effective earth radius of the variability's effective distance [Alg 5.3].
A_9000_M = 9000e3
# Scale height H of the troposcatter loss [Alg 4.63].
H_SCATTER_M = 47.7

MODE_LINE_OF_SIGHT, MODE_DIFFRACTION, MODE_TROPOSCATTER = 1, 2, 3
_MODE_NAMES = {1: "line of sight", 2: "diffraction", 3: "troposcatter"}

#: NTIA's warning flags (same bit values as NTIA/itm) and what each means.
FLAG_MESSAGES: dict[int, str] = {
    0x0001: "transmitter height outside 1-1000 m",
    0x0002: "receiver height outside 1-1000 m",
    0x0004: "frequency outside 40-10000 MHz",
    0x0008: "path longer than 1000 km",
    0x0010: "path longer than 2000 km",
    0x0020: "path shorter than |h_e,tx - h_e,rx| / 0.2 (steep path)",
    0x0040: "path shorter than 1 km",
    0x0080: "transmitter horizon angle above 200 mrad",
    0x0100: "receiver horizon angle above 200 mrad",
    0x0200: "transmitter horizon nearer than 1/10 of its smooth-earth horizon",
    0x0400: "receiver horizon nearer than 1/10 of its smooth-earth horizon",
    0x0800: "transmitter horizon farther than 3 times its smooth-earth horizon",
    0x1000: "receiver horizon farther than 3 times its smooth-earth horizon",
    0x2000: "a time/location/situation percentage beyond 3.1 standard deviations",
    0x4000: "surface refractivity N_s below 250 N-units",
}
# the bits above, in order
(_W_HTX, _W_HRX, _W_FREQ, _W_D_BIG1, _W_D_BIG2, _W_D_SMALL1, _W_D_SMALL2, _W_THETA_TX,
 _W_THETA_RX, _W_DHZN_TX_1, _W_DHZN_RX_1, _W_DHZN_TX_2, _W_DHZN_RX_2, _W_EXTREME,
 _W_NS) = FLAG_MESSAGES

# Errors found inside the model (NTIA's codes 1021, 1022, 1016 and 1013).
_E_NS_SMALL, _E_NS_LARGE, _E_EARTH, _E_IMPEDANCE = 1, 2, 3, 4
_ERROR_MESSAGES = {
    _E_NS_SMALL: "surface refractivity N_s = n0 * exp(-mean elevation / 9460 m) is below "
                 "150 N-units (terrain too high for this n0)",
    _E_NS_LARGE: "surface refractivity N_s = n0 * exp(-mean elevation / 9460 m) is above "
                 "400 N-units (terrain far below sea level)",
    _E_EARTH: "effective earth radius outside 4000-13333 km",
    _E_IMPEDANCE: "ground impedance has |Im Z_g| >= Re Z_g; check epsilon and sigma",
}

# Slots of the result vector a kernel fills (one row per path).
(_O_LOSS, _O_FREE, _O_AREF, _O_DKM, _O_THETA_TX, _O_THETA_RX, _O_DHZN_TX, _O_DHZN_RX,
 _O_HE_TX, _O_HE_RX, _O_NS, _O_DELTA_H, _O_MODE, _O_FLAGS, _O_ERROR) = range(15)
_N_OUT = 15


# ---------------------------------------------------------------------------
# Auxiliary functions [Alg §6]
# ---------------------------------------------------------------------------

@_jit
def _knife_edge_db(v_sq):
    """Fresnel-Kirchhoff knife-edge loss A(v) from v**2 [Alg 6.1]."""
    if v_sq < 5.76:  # v < 2.4
        return 6.02 + 9.11 * math.sqrt(v_sq) - 1.27 * v_sq
    return 12.953 + 10.0 * math.log10(v_sq)


@_jit
def _height_gain_db(x, k_factor):
    """Smooth-earth height-gain function F(x, K) of the three radii [Alg 6.2-6.7]."""
    if x < 200.0:
        w = -math.log(k_factor)
        if k_factor < 1e-5 or x * w ** 3 > 5495.0:
            value = -117.0  # the K -> 0 asymptote F1(x) [Alg 6.5]
            if x > 1.0:
                value += 17.372 * math.log(x)
            return value
        return 2.5e-5 * x * x / k_factor - 8.686 * w - 15.0  # [Alg 6.6]
    value = 0.05751 * x - 4.343 * math.log(x)  # G(x) [Alg 6.3]
    if x < 2000.0:  # blend towards F1 [Alg 6.4]
        w = 0.0134 * x * math.exp(-0.005 * x)
        value = (1.0 - w) * value + w * (17.372 * math.log(x) - 117.0)
    return value


@_jit
def _scatter_f_db(theta_d_m):
    """Troposcatter attenuation function F(theta d) [Alg 6.9], theta d in metres."""
    if theta_d_m <= 10e3:
        return 133.4 + 0.332e-3 * theta_d_m - 10.0 * math.log10(theta_d_m)
    if theta_d_m <= 70e3:
        return 104.6 + 0.212e-3 * theta_d_m - 2.5 * math.log10(theta_d_m)
    return 71.8 + 0.157e-3 * theta_d_m + 5.0 * math.log10(theta_d_m)


_H0_A = np.array([25.0, 80.0, 177.0, 395.0, 705.0])
_H0_B = np.array([24.0, 45.0, 68.0, 80.0, 105.0])


@_jit
def _h0_curve_db(curve, r):
    """One frequency-gain curve H01(r, j), j = curve + 1 [Alg 6.13]."""
    inv_r2 = 1.0 / (r * r)
    return 10.0 * math.log10(1.0 + _H0_A[curve] * inv_r2 * inv_r2 + _H0_B[curve] * inv_r2)


@_jit
def _h0_db(r, eta_s):
    """Frequency gain H01(r, eta_s), interpolated between integer eta_s [Alg 6.12]."""
    eta = min(max(eta_s, 1.0), 5.0)
    j = int(eta)
    frac = eta - j
    value = _h0_curve_db(j - 1, r)
    if frac != 0.0:
        value = (1.0 - frac) * value + frac * _h0_curve_db(j, r)
    return value


@_jit
def _inverse_normal_q(q):
    """Inverse of the complementary standard-normal distribution, Q^-1(q).

    Hastings' rational approximation (Abramowitz & Stegun 26.2.23, error
    below 4.5e-4), as the model uses it to turn percentages into deviates;
    its constant c0 as v1.4 writes it (2.515516; 1.2.2 has 2.515516698).
    """
    p = 1.0 - q if q > 0.5 else q
    t = math.sqrt(-2.0 * math.log(p))
    x = t - ((0.010328 * t + 0.802853) * t + 2.515516) / (
        ((0.001308 * t + 0.189269) * t + 1.432788) * t + 1.0)
    return -x if q > 0.5 else x


@_jit
def _delta_h_at(distance_m, delta_h_m):
    """Interdecile range of terrain heights over a distance, Delta h(s) [Alg 3.9]."""
    return delta_h_m * (1.0 - 0.8 * math.exp(-distance_m / 50e3))


@_jit
def _sigma_h(delta_h_m):
    """RMS terrain deviation in the first Fresnel zone, sigma_h [Alg 3.10]."""
    return 0.78 * delta_h_m * math.exp(-0.5 * delta_h_m ** 0.25)


@_jit
def _free_space_db(distance_m, frequency_mhz):
    """Free-space basic transmission loss (dB) for d in metres and f in MHz."""
    return 32.45 + 20.0 * math.log10(frequency_mhz) + 20.0 * math.log10(distance_m / 1000.0)


# ---------------------------------------------------------------------------
# Preparatory parameters [Alg §1, §3] and terrain profiles [ITM]
# ---------------------------------------------------------------------------

@_jit
def _atmosphere(n0, mean_elevation_m):
    """Surface refractivity N_s [Alg 1.2] and effective earth curvature [Alg 1.3]."""
    ns = n0 if mean_elevation_m == 0.0 else n0 * math.exp(-mean_elevation_m / 9460.0)
    return ns, GAMMA_EARTH * (1.0 - 0.04665 * math.exp(ns / 179.3))


@_jit
def _ground_impedance(frequency_mhz, epsilon, sigma, vertical):
    """Surface transfer impedance Z_g of the ground [Alg 1.4-1.5].

    The complex permittivity's imaginary part is ``18000 sigma / f`` (60
    lambda sigma with lambda = 300/f m, as NTIA v1.4; [Alg 1.5]'s ``Z0 sigma/k``
    is 17965 sigma / f).
    """
    eps_r = complex(epsilon, 18000.0 * sigma / frequency_mhz)
    z_g = cmath.sqrt(eps_r - 1.0)
    return z_g / eps_r if vertical else z_g


@_jit
def _rough_earth_horizon(he, a_e, delta_h):
    """Horizon distance and elevation angle of a terminal over rough earth.

    [Alg 3.3-3.4]: the horizon is nearer and higher than the smooth-earth
    one ``sqrt(2 h_e a_e)`` [Alg 3.5] as the terrain gets rougher.
    """
    d_smooth = math.sqrt(2.0 * he * a_e)
    d_hzn = d_smooth * math.exp(-0.07 * math.sqrt(delta_h / max(he, 5.0)))
    return d_hzn, (0.65 * delta_h * (d_smooth / d_hzn - 1.0) - 2.0 * he) / d_smooth


@_jit
def _area_effective_height(height_m, siting, delta_h_m):
    """Effective height of a terminal in area mode [Alg 3.1-3.2].

    A carefully (or very carefully) sited antenna stands on ground higher
    than average, by an amount that fades as it rises above the terrain
    irregularity.
    """
    if siting == 0:
        return height_m
    bonus = 4.0 if siting == 1 else 9.0
    if height_m < 5.0:
        bonus *= math.sin(0.1 * math.pi * height_m)
    return height_m + (1.0 + bonus) * math.exp(-min(20.0, 2.0 * height_m / max(1e-3, delta_h_m)))


@_jit
def _profile_horizons(z, step_m, a_e, h_tx, h_rx):
    """Horizon elevation angles and distances seen from each terminal [ITM hzns].

    Angles are measured from the horizontal at each antenna on an earth of
    radius ``a_e``; when no profile point rises above the direct ray the other
    antenna is the horizon (distance = path length).

    As in [ITM hzns], the distances to the samples are running sums (one step
    added from the transmitter, one taken off the path length from the
    receiver), not ``i * step``: the two differ in the last bit, and the
    horizon distance later fixes integer sample indices (``int(0.1 d_hzn /
    step)``, ``int(0.9 d_hzn / step)``) where a horizon a multiple of ten
    steps away sits exactly on the rounding edge.  Computing it the way the
    reference does keeps those indices, and so the effective heights, equal.
    """
    n = z.size - 1
    d = n * step_m
    za = z[0] + h_tx
    zb = z[n] + h_rx
    theta_a = (zb - za) / d - d / (2.0 * a_e)
    theta_b = (za - zb) / d - d / (2.0 * a_e)
    dist_a = d
    dist_b = d
    xa = 0.0
    xb = d
    for i in range(1, n):
        xa += step_m
        xb -= step_m
        ta = (z[i] - za) / xa - xa / (2.0 * a_e)
        tb = (z[i] - zb) / xb - xb / (2.0 * a_e)
        if ta > theta_a:
            theta_a, dist_a = ta, xa
        if tb > theta_b:
            theta_b, dist_b = tb, xb
    return theta_a, theta_b, dist_a, dist_b


@_jit
def _fit_line_ends(z, step, x_start, x_end):
    """Least-squares line through the samples between two distances [ITM zlsq1].

    The samples are weighted as in the trapezoid rule (half weight at both
    ends).  Returns the line's height at the start (index 0) and at the end
    (last index) of the whole array, not of the fitted stretch.
    """
    n = z.size - 1
    i0 = int(max(x_start / step, 0.0))
    i1 = n - int(max(n - x_end / step, 0.0))
    if i1 <= i0:  # fewer than two samples: widen by one each side
        i0 = int(max(i0 - 1.0, 0.0))
        i1 = n - int(max(n - (i1 + 1.0), 0.0))
    span = float(i1 - i0)
    centre = 0.5 * (i0 + i1)
    sum_y = 0.5 * (z[i0] + z[i1])
    sum_xy = 0.5 * (z[i0] * (i0 - centre) + z[i1] * (i1 - centre))
    for i in range(i0 + 1, i1):
        sum_y += z[i]
        sum_xy += z[i] * (i - centre)
    mean = sum_y / span
    # sum of trapezoid weights * (i - centre)**2 = span (span**2 + 2) / 12
    slope = sum_xy * 12.0 / ((span * span + 2.0) * span)
    return mean - slope * centre, mean + slope * (n - centre)


@_jit
def _profile_delta_h(z, step_m, d_start_m, d_end_m):
    """Terrain irregularity Delta h of a profile between two distances [ITM dlthx].

    The stretch is resampled at 10 p - 5 points (p = 4..25), a straight line
    is fitted, and the interdecile range of the residuals (the height
    exceeded at 10 % minus that at 90 %) is scaled up from the stretch's
    length to an asymptotic value by inverting [Alg 3.9].
    """
    x0 = d_start_m / step_m
    x1 = d_end_m / step_m
    if x1 - x0 < 2.0:
        return 0.0
    p10 = min(max(4, int(0.1 * (x1 - x0 + 8.0))), 25)
    m = 10 * p10 - 5
    dx = (x1 - x0) / (m - 1)
    n = z.size - 1
    s = np.empty(m)
    for j in range(m):
        t = x0 + j * dx
        i = min(int(t), n - 1)
        s[j] = z[i] + (t - i) * (z[i + 1] - z[i])
    start, end = _fit_line_ends(s, 1.0, 0.0, m - 1.0)
    slope = (end - start) / (m - 1)
    for j in range(m):
        s[j] -= start + slope * j
    s.sort()
    # 10 % of the residuals are above s[m - p10], 90 % above s[p10 - 1]
    interdecile = s[m - p10] - s[p10 - 1]
    return interdecile / (1.0 - 0.8 * math.exp(-(d_end_m - d_start_m) / 50e3))


@_jit
def _profile_parameters(z, step_m, gamma_e, h_tx, h_rx):
    """Point-to-point parameters of a profile [ITM qlrpfl].

    Returns horizon angles and distances, effective heights and Delta h.
    Terrain is considered from 15 tower heights (or a tenth of the horizon
    distance, if less) from each terminal; a terminal's effective height is
    its height above the line fitted to the terrain in front of it.  On a
    path well within line of sight, horizons are those of that fitted
    smooth earth [Alg 3.3-3.4] rather than of the profile.
    """
    n = z.size - 1
    d = n * step_m
    a_e = 1.0 / gamma_e
    theta_a, theta_b, dl_a, dl_b = _profile_horizons(z, step_m, a_e, h_tx, h_rx)
    d_start = min(15.0 * h_tx, 0.1 * dl_a)
    d_end = d - min(15.0 * h_rx, 0.1 * dl_b)
    delta_h = _profile_delta_h(z, step_m, d_start, d_end)
    if dl_a + dl_b > 1.5 * d:
        fit_a, fit_b = _fit_line_ends(z, step_m, d_start, d_end)
        he_a = h_tx + max(z[0] - fit_a, 0.0)
        he_b = h_rx + max(z[n] - fit_b, 0.0)
        dl_a, theta_a = _rough_earth_horizon(he_a, a_e, delta_h)
        dl_b, theta_b = _rough_earth_horizon(he_b, a_e, delta_h)
        if dl_a + dl_b <= d:
            # raise both heights until the horizons meet
            scale = (d / (dl_a + dl_b)) ** 2
            he_a *= scale
            he_b *= scale
            dl_a, theta_a = _rough_earth_horizon(he_a, a_e, delta_h)
            dl_b, theta_b = _rough_earth_horizon(he_b, a_e, delta_h)
    else:
        # the foreground of each terminal runs up to 0.9 of its horizon
        fit_a, _ = _fit_line_ends(z, step_m, d_start, 0.9 * dl_a)
        he_a = h_tx + max(z[0] - fit_a, 0.0)
        _, fit_b = _fit_line_ends(z, step_m, d - 0.9 * dl_b, d_end)
        he_b = h_rx + max(z[n] - fit_b, 0.0)
    return theta_a, theta_b, dl_a, dl_b, he_a, he_b, delta_h


# ---------------------------------------------------------------------------
# Reference attenuation [Alg §4]
# ---------------------------------------------------------------------------

# Three-radii constants in Vogler's form as NTIA v1.4 evaluates [Alg 4.16-4.19]:
# K = _VOGLER_K / (|Z_g| (a f)^(1/3)), X = (1.607 - K) _VOGLER_X f^(1/3) a^(-2/3) d.
_A_43 = 4.0 / 3.0 * A_EARTH_M
_VOGLER_K = 0.017778 * _A_43 ** (1.0 / 3.0)
_VOGLER_X = _A_43 ** (2.0 / 3.0) / 1000.0


@_jit
def _three_radii_x(radius_m, arc_m, f_mhz, z_abs):
    """Normalised distance X and ground factor K of one radius [Alg 4.16-4.19]."""
    k_factor = _VOGLER_K / (z_abs * (radius_m * f_mhz) ** (1.0 / 3.0))
    x = (1.607 - k_factor) * _VOGLER_X * f_mhz ** (1.0 / 3.0) * radius_m ** (-2.0 / 3.0) * arc_m
    return x, k_factor


@_jit
def _diffraction_db(d, f_mhz, a_e, theta_e, dl_a, dl_b, he_a, he_b, h_a, h_b, z_g,
                    delta_h, d_ls, point_to_point):
    """Diffraction attenuation at distance d beyond the horizons [Alg 4.9-4.20].

    A weighted mean of double knife-edge diffraction [Alg 4.12-4.14] and
    smooth-earth diffraction by the three-radii method [Alg 4.15-4.20], the
    weight [Alg 4.9] leaning to knife edges as the terrain gets rougher, plus
    the clutter factor A_fo [Alg 4.10].
    """
    k = f_mhz / F_K_MHZ
    d_l = dl_a + dl_b
    beyond = d - d_l
    theta = theta_e + d / a_e  # total angular distance [Alg 4.12]
    # double knife edge, v**2 = k theta**2 d_Lj (d - d_L) / (4 pi (d - d_L + d_Lj)) [Alg 4.14]
    v_common = 0.0795775 * k * theta * theta * beyond  # 0.0795775 = 1 / (4 pi), as v1.4
    a_knife = (_knife_edge_db(v_common * dl_a / (beyond + dl_a))
               + _knife_edge_db(v_common * dl_b / (beyond + dl_b)))
    # three radii: the diffracting arc and each terminal's horizon [Alg 4.15-4.20]
    z_abs = abs(z_g)
    x_a, k_a = _three_radii_x(0.5 * dl_a * dl_a / he_a, dl_a, f_mhz, z_abs)
    x_b, k_b = _three_radii_x(0.5 * dl_b * dl_b / he_b, dl_b, f_mhz, z_abs)
    x_0, _ = _three_radii_x(beyond / theta, beyond, f_mhz, z_abs)
    x_0 += x_a + x_b
    a_round = (0.05751 * x_0 - 10.0 * math.log10(x_0)
               - _height_gain_db(x_a, k_a) - _height_gain_db(x_b, k_b) - 20.0)
    # clutter factor from sigma_h at the smooth-earth horizon distance [Alg 4.10]
    clutter = min(15.0, 5.0 * math.log10(
        1.0 + 1e-5 * h_a * h_b * f_mhz * _sigma_h(_delta_h_at(d_ls, delta_h))))
    # weighting factor [Alg 4.9]; with a profile the constant C is 10 m^2
    hh = h_a * h_b + (10.0 if point_to_point else 0.0)
    spread = math.sqrt(1.0 + (he_a * he_b - h_a * h_b) / hh)
    q = (spread + (d_l + theta_e * a_e) / d) * min(k * _delta_h_at(d, delta_h), 6283.2)
    w = 25.1 / (25.1 + math.sqrt(q))
    return w * a_round + (1.0 - w) * a_knife + clutter


@_jit
def _line_of_sight_db(d, f_mhz, he_a, he_b, z_g, delta_h, slope_d, intercept_d, d_ls):
    """Line-of-sight attenuation at distance d [Alg 4.43-4.51].

    Two rays over a rough earth (the reflection coefficient reduced by the
    terrain's sigma_h), blended with the extrapolated diffraction line.
    """
    k = f_mhz / F_K_MHZ
    w = 1.0 / (1.0 + f_mhz * delta_h / max(10e3, d_ls))  # [Alg 4.43]
    sigma = _sigma_h(_delta_h_at(d, delta_h))
    he_sum = he_a + he_b
    sin_psi = he_sum / math.sqrt(d * d + he_sum * he_sum)  # [Alg 4.46]
    r_e = (sin_psi - z_g) / (sin_psi + z_g) * math.exp(-min(10.0, k * sigma * sin_psi))
    r_sq = r_e.real ** 2 + r_e.imag ** 2
    if r_sq < 0.25 or r_sq < sin_psi:  # [Alg 4.48]
        r_e *= math.sqrt(sin_psi / r_sq)
    delta_phi = 2.0 * k * he_a * he_b / d  # [Alg 4.49]
    if delta_phi > 0.5 * math.pi:  # [Alg 4.50]
        delta_phi = math.pi - (0.5 * math.pi) ** 2 / delta_phi
    total = complex(math.cos(delta_phi), -math.sin(delta_phi)) + r_e
    a_two_ray = -10.0 * math.log10(total.real ** 2 + total.imag ** 2)  # [Alg 4.51]
    return w * a_two_ray + (1.0 - w) * (slope_d * d + intercept_d)  # [Alg 4.44-4.45]


@_jit
def _scatter_db(d, f_mhz, a_e, ns, theta_a, theta_b, theta_e, dl_a, dl_b, he_a, he_b, h0_prev):
    """Troposcatter attenuation at distance d [Alg 4.60-4.67, 6.8-6.14].

    Returns ``(loss, h0)``.  The frequency gain H0 is computed at the far
    distance first; ``h0_prev`` carries it to the nearer one, where H0 above
    15 dB is replaced by the far value [Alg p. 12].  When both r_j < 0.2 the
    scatter loss is undefined and 1001 dB is returned.
    """
    k = f_mhz / F_K_MHZ
    if h0_prev > 15.0:
        h0 = h0_prev
    else:
        ad = dl_a - dl_b
        rr = he_b / he_a
        if ad < 0.0:
            ad = -ad
            rr = 1.0 / rr
        theta_p = theta_a + theta_b + d / a_e  # [Alg 4.61]
        r_a = 2.0 * k * theta_p * he_a  # [Alg 4.62]
        r_b = 2.0 * k * theta_p * he_b
        if r_a < 0.2 and r_b < 0.2:
            return 1001.0, h0_prev
        s = (d - ad) / (d + ad)  # asymmetry [Alg 4.65], s and q kept in 0.1..10
        q = min(max(0.1, rr / s), 10.0)
        s = max(0.1, s)
        z0 = (d - ad) * (d + ad) * theta_p * 0.25 / d  # crossover height [Alg 4.66]
        eta = z0 / 1.7556e3 * (1.0 + (0.031 - 2.32e-3 * ns + 5.67e-6 * ns * ns)
                               * math.exp(-min(1.7, z0 / 8.0e3) ** 6))  # [Alg 4.67]
        h00 = 0.5 * (_h0_db(r_a, eta) + _h0_db(r_b, eta))
        h0 = h00 + min(h00, 6.0 * (0.6 - math.log10(max(eta, 1.0)))
                       * math.log10(s) * math.log10(q))  # [Alg 6.10-6.11]
        h0 = max(h0, 0.0)
        if eta < 1.0:  # towards the eta_s = 0 limit [Alg 6.14]
            r2 = math.sqrt(2.0)
            h0 = eta * h0 + (1.0 - eta) * 10.0 * math.log10(
                ((1.0 + r2 / r_a) * (1.0 + r2 / r_b)) ** 2 * (r_a + r_b) / (r_a + r_b + 2.0 * r2))
        if h0 > 15.0 and h0_prev >= 0.0:
            h0 = h0_prev
    theta = theta_e + d / a_e  # [Alg 4.60]
    loss = (_scatter_f_db(theta * d) + 10.0 * math.log10(k * H_SCATTER_M * theta ** 4)
            - 0.1 * (ns - 301.0) * math.exp(-theta * d / 40e3) + h0)  # [Alg 4.63, 6.8]
    return loss, h0


@_jit
def _reference_attenuation(d, f_mhz, gamma_e, ns, z_g, theta_a, theta_b, dl_a, dl_b,
                           he_a, he_b, h_a, h_b, delta_h, point_to_point):
    """Reference attenuation A_ref below free space [Alg 4.1-4.59].

    Returns ``(a_ref_db, mode, flags, error)``.  A_ref is a straight line in
    distance in the diffraction and in the scatter regions, fixed by two
    distances far into each [Alg 4.2-4.8, 4.52-4.59]; in line of sight it is
    ``A_el + k1 d + k2 ln d``, fitted to the two-ray loss at two distances and
    to the diffraction line at the smooth-earth horizon [Alg 4.28-4.42].
    """
    flags = 0
    k = f_mhz / F_K_MHZ
    a_e = 1.0 / gamma_e
    ds_a = math.sqrt(2.0 * he_a * a_e)  # smooth-earth horizons [Alg 3.5-3.6]
    ds_b = math.sqrt(2.0 * he_b * a_e)
    d_ls = ds_a + ds_b
    d_l = dl_a + dl_b  # [Alg 3.7]
    theta_e = max(theta_a + theta_b, -d_l * gamma_e)  # [Alg 3.8]

    if abs(theta_a) > 200e-3:
        flags |= _W_THETA_TX
    if abs(theta_b) > 200e-3:
        flags |= _W_THETA_RX
    if dl_a < 0.1 * ds_a:
        flags |= _W_DHZN_TX_1
    if dl_b < 0.1 * ds_b:
        flags |= _W_DHZN_RX_1
    if dl_a > 3.0 * ds_a:
        flags |= _W_DHZN_TX_2
    if dl_b > 3.0 * ds_b:
        flags |= _W_DHZN_RX_2
    if ns < 150.0:
        return 0.0, 0, flags, _E_NS_SMALL
    if ns > 400.0:
        return 0.0, 0, flags, _E_NS_LARGE
    if ns < 250.0:
        flags |= _W_NS
    if a_e < 4e6 or a_e > 13333333.0:
        return 0.0, 0, flags, _E_EARTH
    if z_g.real <= abs(z_g.imag):
        return 0.0, 0, flags, _E_IMPEDANCE

    # diffraction line through two distances well past the horizons [Alg 4.2-4.8].
    # [Alg 4.2] X_ae = (k gamma_e^2)^(-1/3) = 47.7^(1/3) (a_e^2 / f)^(1/3); its
    # multiples 1.3787 X_ae, 2.7574 X_ae [Alg 4.3-4.4] and 0.3 X_ae ln(47.7 k)
    # [Alg 4.58] are taken, as in v1.4, as 5, 10 and 1.088 ln f times
    # (a_e^2 / f)^(1/3) (the 1995 constants give 5.0009, 10.002, 1.0882).
    x_af = (a_e * a_e / f_mhz) ** (1.0 / 3.0)
    d3 = max(d_ls, d_l + 5.0 * x_af)
    d4 = d3 + 10.0 * x_af
    a3 = _diffraction_db(d3, f_mhz, a_e, theta_e, dl_a, dl_b, he_a, he_b, h_a, h_b, z_g,
                         delta_h, d_ls, point_to_point)
    a4 = _diffraction_db(d4, f_mhz, a_e, theta_e, dl_a, dl_b, he_a, he_b, h_a, h_b, z_g,
                         delta_h, d_ls, point_to_point)
    m_d = (a4 - a3) / (d4 - d3)
    a_d0 = a3 - m_d * d3

    if d < abs(he_a - he_b) / 200e-3:
        flags |= _W_D_SMALL1
    if d < 1e3:
        flags |= _W_D_SMALL2
    if d > 1000e3:
        flags |= _W_D_BIG1
    if d > 2000e3:
        flags |= _W_D_BIG2

    if d < d_ls:
        a2 = a_d0 + m_d * d_ls
        d0 = 1.908 * k * he_a * he_b  # [Alg 4.38]
        if a_d0 >= 0.0:
            d0 = min(d0, 0.5 * d_l)  # [Alg 4.28]
            d1 = d0 + 0.25 * (d_l - d0)  # [Alg 4.29]
        else:
            d1 = max(-a_d0 / m_d, 0.25 * d_l)  # [Alg 4.39]
        a1 = _line_of_sight_db(d1, f_mhz, he_a, he_b, z_g, delta_h, m_d, a_d0, d_ls)
        log_fit = False
        k1 = 0.0
        k2 = 0.0
        if d0 < d1:
            a0 = _line_of_sight_db(d0, f_mhz, he_a, he_b, z_g, delta_h, m_d, a_d0, d_ls)
            q = math.log(d_ls / d0)
            k2 = max(0.0, ((d_ls - d0) * (a1 - a0) - (d1 - d0) * (a2 - a0))
                     / ((d_ls - d0) * math.log(d1 / d0) - (d1 - d0) * q))  # [Alg 4.32]
            log_fit = a_d0 >= 0.0 or k2 > 0.0
            if log_fit:
                k1 = (a2 - a0 - k2 * q) / (d_ls - d0)  # [Alg 4.33]
                if k1 < 0.0:  # [Alg 4.35-4.37]
                    k1 = 0.0
                    k2 = max(a2 - a0, 0.0) / q
                    if k2 == 0.0:
                        k1 = m_d
        if not log_fit:  # [Alg 4.40-4.41]
            k1 = max(a2 - a1, 0.0) / (d_ls - d1)
            k2 = 0.0
            if k1 == 0.0:
                k1 = m_d
        a_el = a2 - k1 * d_ls - k2 * math.log(d_ls)  # [Alg 4.42]
        a_ref = a_el + k1 * d + k2 * math.log(d)  # [Alg 4.1]
        mode = MODE_LINE_OF_SIGHT
    else:
        d5 = d_l + 200e3  # [Alg 4.52-4.55], the far distance first
        d6 = d5 + 200e3
        a6, h0 = _scatter_db(d6, f_mhz, a_e, ns, theta_a, theta_b, theta_e, dl_a, dl_b,
                             he_a, he_b, -1.0)
        a5, h0 = _scatter_db(d5, f_mhz, a_e, ns, theta_a, theta_b, theta_e, dl_a, dl_b,
                             he_a, he_b, h0)
        if a5 < 1000.0:
            m_s = (a6 - a5) / 200e3  # [Alg 4.57]
            d_x = max(d_ls, d_l + 1.088 * x_af * math.log(f_mhz),
                      (a5 - a_d0 - m_s * d5) / (m_d - m_s))  # [Alg 4.58]
            a_s0 = (m_d - m_s) * d_x + a_d0  # [Alg 4.59]
        else:  # no scatter: the diffraction line goes on [Alg 4.56]
            m_s = m_d
            a_s0 = a_d0
            d_x = 10e6
        if d > d_x:
            a_ref = m_s * d + a_s0
            mode = MODE_TROPOSCATTER
        else:
            a_ref = m_d * d + a_d0
            mode = MODE_DIFFRACTION
    return max(a_ref, 0.0), mode, flags, 0


# ---------------------------------------------------------------------------
# Variability [Alg §5]
# ---------------------------------------------------------------------------

# Climate constants, one column per climate 1..7 [Alg §5; C_D and z_D are its Table 5.1].
# Rows 0-4: median V_med curve (c1, c2, x1, x2, x3); 5-9: sigma_T- curve;
# 10-14: sigma_T+ curve; 15-16: C_D, z_D; 17-19: g- frequency factor;
# 20-22: g+ frequency factor.
_CLIMATE = np.array([
    [-9.67, -0.62, 1.26, -9.21, -0.62, -0.39, 3.15],
    [12.7, 9.19, 15.5, 9.05, 9.19, 2.86, 857.9],
    [144.9e3, 228.9e3, 262.6e3, 84.1e3, 228.9e3, 141.7e3, 2222.0e3],
    [190.3e3, 205.2e3, 185.2e3, 101.1e3, 205.2e3, 315.9e3, 164.8e3],
    [133.8e3, 143.6e3, 99.8e3, 98.6e3, 143.6e3, 167.4e3, 116.3e3],
    [2.13, 2.66, 6.11, 1.98, 2.68, 6.86, 8.51],
    [159.5, 7.67, 6.65, 13.11, 7.16, 10.38, 169.8],
    [762.2e3, 100.4e3, 138.2e3, 139.1e3, 93.7e3, 187.8e3, 609.8e3],
    [123.6e3, 172.5e3, 242.2e3, 132.7e3, 186.8e3, 169.6e3, 119.9e3],
    [94.5e3, 136.4e3, 178.6e3, 193.5e3, 133.5e3, 108.9e3, 106.6e3],
    [2.11, 6.87, 10.08, 3.68, 4.75, 8.58, 8.43],
    [102.3, 15.53, 9.60, 159.3, 8.12, 13.97, 8.19],
    [636.9e3, 138.7e3, 165.3e3, 464.4e3, 93.2e3, 216.0e3, 136.2e3],
    [134.8e3, 143.7e3, 225.7e3, 93.1e3, 135.9e3, 152.0e3, 188.5e3],
    [95.6e3, 98.6e3, 129.7e3, 94.2e3, 113.4e3, 122.7e3, 122.9e3],
    [1.224, 0.801, 1.380, 1.000, 1.224, 1.518, 1.518],
    [1.282, 2.161, 1.282, 20.0, 1.282, 1.282, 1.282],
    [1.0, 1.0, 1.0, 1.0, 0.92, 1.0, 1.0],
    [0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 1.77, 0.0, 0.0],
    [1.0, 0.93, 1.0, 0.93, 0.93, 1.0, 1.0],
    [0.0, 0.31, 0.0, 0.19, 0.31, 0.0, 0.0],
    [0.0, 2.00, 0.0, 1.79, 2.00, 0.0, 0.0],
])


@_jit
def _climate_curve(row, col, d_e):
    """A climate curve of distance [Alg §5].

    ``(c1 + c2 / (1 + ((d_e - x2) / x3)**2)) * r / (1 + r)`` with
    ``r = (d_e / x1)**2``, its five constants from rows ``row..row+4``.
    """
    c1 = _CLIMATE[row, col]
    c2 = _CLIMATE[row + 1, col]
    x1 = _CLIMATE[row + 2, col]
    x2 = _CLIMATE[row + 3, col]
    x3 = _CLIMATE[row + 4, col]
    r = (d_e / x1) ** 2
    return (c1 + c2 / (1.0 + ((d_e - x2) / x3) ** 2)) * r / (1.0 + r)


@_jit
def _variability_db(a_ref, d, f_mhz, he_a, he_b, delta_h, climate, mdvar, z_t, z_l, z_s):
    """Attenuation at the wanted time, location and situation quantiles [Alg §5].

    Returns ``(attenuation_db, flags)``: ``A_ref - V_med - Y_R - Y_S`` on the
    climate's effective distance [Alg 5.3], with the mode of variability
    deciding which deviations combine into the reliability Y_R and which into
    the confidence Y_S [Alg 5.11]; negative values are compressed towards
    zero so the loss never falls far below free space.
    """
    flags = 0
    col = climate - 1
    k = f_mhz / F_K_MHZ
    d_ex = (math.sqrt(2.0 * A_9000_M * he_a) + math.sqrt(2.0 * A_9000_M * he_b)
            + (575.7e12 / k) ** (1.0 / 3.0))  # [Alg 5.3]
    d_e = 130e3 * d / d_ex if d < d_ex else 130e3 + d - d_ex

    kind = mdvar
    no_situation = kind >= 20
    if no_situation:
        kind -= 20
    no_location = kind >= 10
    if no_location:
        kind -= 10
    sigma_s = 0.0 if no_situation else 5.0 + 3.0 * math.exp(-d_e / 100e3)  # [Alg 5.10]

    v_med = _climate_curve(0, col, d_e)
    if kind == 0:  # single message: one deviate for everything
        z_t = z_s
        z_l = z_s
    elif kind == 1:  # accidental: location and situation together
        z_l = z_s
    elif kind == 2:  # mobile: time and location together
        z_l = z_t
    if abs(z_t) > 3.1 or abs(z_l) > 3.1 or abs(z_s) > 3.1:
        flags |= _W_EXTREME

    sigma_l = 0.0
    if not no_location:  # [Alg 5.9]
        kdh = k * _delta_h_at(d, delta_h)
        sigma_l = 10.0 * kdh / (kdh + 13.0)
    y_l = sigma_l * z_l

    q = math.log(0.133 * k)
    g_minus = _CLIMATE[17, col] + _CLIMATE[18, col] / ((_CLIMATE[19, col] * q) ** 2 + 1.0)
    g_plus = _CLIMATE[20, col] + _CLIMATE[21, col] / ((_CLIMATE[22, col] * q) ** 2 + 1.0)
    sigma_t_minus = _climate_curve(5, col, d_e) * g_minus
    sigma_t_plus = _climate_curve(10, col, d_e) * g_plus
    sigma_td = _CLIMATE[15, col] * sigma_t_plus
    z_d = _CLIMATE[16, col]
    if z_t < 0.0:
        sigma_t = sigma_t_minus
    elif z_t <= z_d:
        sigma_t = sigma_t_plus
    else:  # beyond z_D the upper tail narrows [Alg Table 5.1]
        sigma_t = sigma_td + (sigma_t_plus - sigma_td) * z_d / z_t
    y_t = sigma_t * z_t

    # situation variance, with the residual of time and location [Alg 5.11]
    var_s = sigma_s ** 2 + y_t ** 2 / (7.8 + z_s ** 2) + y_l ** 2 / (24.0 + z_s ** 2)
    if kind == 0:
        y_r = 0.0
        y_s = math.sqrt(sigma_t ** 2 + sigma_l ** 2 + var_s) * z_s
    elif kind == 1:
        y_r = y_t
        y_s = math.sqrt(sigma_l ** 2 + var_s) * z_s
    elif kind == 2:
        y_r = math.sqrt(sigma_t ** 2 + sigma_l ** 2) * z_t
        y_s = math.sqrt(var_s) * z_s
    else:
        y_r = y_t + y_l
        y_s = math.sqrt(var_s) * z_s

    result = a_ref - v_med - y_r - y_s
    if result < 0.0:
        result = result * (29.0 - result) / (29.0 - 10.0 * result)
    return result, flags


# ---------------------------------------------------------------------------
# Kernels
# ---------------------------------------------------------------------------

@_jit
def _input_flags(f_mhz, h_a, h_b):
    """NTIA's soft-range flags on the inputs themselves."""
    flags = 0
    if h_a < 1.0 or h_a > 1000.0:
        flags |= _W_HTX
    if h_b < 1.0 or h_b > 1000.0:
        flags |= _W_HRX
    if f_mhz < 40.0 or f_mhz > 10000.0:
        flags |= _W_FREQ
    return flags


@_jit
def _finish(out, d, f_mhz, ns, gamma_e, z_g, theta_a, theta_b, dl_a, dl_b, he_a, he_b, h_a, h_b,
            delta_h, point_to_point, climate, mdvar, z_t, z_l, z_s, flags):
    """Common tail of both modes: A_ref, variability, free space; fills ``out``."""
    a_ref, mode, ref_flags, error = _reference_attenuation(
        d, f_mhz, gamma_e, ns, z_g, theta_a, theta_b, dl_a, dl_b, he_a, he_b, h_a, h_b,
        delta_h, point_to_point)
    flags |= ref_flags
    out[_O_DKM] = d / 1000.0
    out[_O_THETA_TX] = theta_a
    out[_O_THETA_RX] = theta_b
    out[_O_DHZN_TX] = dl_a
    out[_O_DHZN_RX] = dl_b
    out[_O_HE_TX] = he_a
    out[_O_HE_RX] = he_b
    out[_O_NS] = ns
    out[_O_DELTA_H] = delta_h
    out[_O_ERROR] = error
    if error != 0:
        out[_O_LOSS] = np.nan
        out[_O_FREE] = np.nan
        out[_O_AREF] = np.nan
        out[_O_MODE] = 0
        out[_O_FLAGS] = flags
        return
    excess, var_flags = _variability_db(a_ref, d, f_mhz, he_a, he_b, delta_h, climate, mdvar,
                                        z_t, z_l, z_s)
    free = _free_space_db(d, f_mhz)
    out[_O_LOSS] = free + excess
    out[_O_FREE] = free
    out[_O_AREF] = a_ref
    out[_O_MODE] = mode
    out[_O_FLAGS] = flags | var_flags


@_jit
def _p2p_kernel(z, step_m, f_mhz, h_a, h_b, climate, n0, epsilon, sigma, vertical, mdvar,
                z_t, z_l, z_s, out):
    """Point-to-point loss over one profile ``z`` (n + 1 samples); fills ``out``."""
    n = z.size - 1
    # mean elevation of the middle 80 % of the path sets N_s [ITM qlrpfl]
    p10 = int(0.1 * n)
    total = 0.0
    for i in range(p10, n - p10 + 1):
        total += z[i]
    ns, gamma_e = _atmosphere(n0, total / (n - 2 * p10 + 1))
    z_g = _ground_impedance(f_mhz, epsilon, sigma, vertical)
    theta_a, theta_b, dl_a, dl_b, he_a, he_b, delta_h = _profile_parameters(
        z, step_m, gamma_e, h_a, h_b)
    _finish(out, n * step_m, f_mhz, ns, gamma_e, z_g, theta_a, theta_b, dl_a, dl_b, he_a, he_b,
            h_a, h_b, delta_h, True, climate, mdvar, z_t, z_l, z_s, _input_flags(f_mhz, h_a, h_b))


@numba.njit(cache=True, parallel=True)
def _p2p_many_parallel(profiles, n_points, step_m, f_mhz, h_a, h_b, climate, n0, epsilon, sigma,
                       vertical, mdvar, z_t, z_l, z_s, out):
    """:func:`_p2p_kernel` over the rows of ``profiles``, on numba's threads."""
    for i in numba.prange(profiles.shape[0]):
        _p2p_kernel(profiles[i, :n_points[i]], step_m[i], f_mhz[i], h_a[i], h_b[i], climate, n0,
                    epsilon, sigma, vertical, mdvar, z_t, z_l, z_s, out[i])


@_jit
def _p2p_many_serial(profiles, n_points, step_m, f_mhz, h_a, h_b, climate, n0, epsilon, sigma,
                     vertical, mdvar, z_t, z_l, z_s, out):
    """:func:`_p2p_kernel` over the rows of ``profiles``, on the calling thread."""
    for i in range(profiles.shape[0]):
        _p2p_kernel(profiles[i, :n_points[i]], step_m[i], f_mhz[i], h_a[i], h_b[i], climate, n0,
                    epsilon, sigma, vertical, mdvar, z_t, z_l, z_s, out[i])


@_jit
def _area_kernel(d, f_mhz, h_a, h_b, delta_h, siting_a, siting_b, climate, n0, epsilon, sigma,
                 vertical, mdvar, z_t, z_l, z_s, out):
    """Area-mode loss at distance ``d`` (m); fills ``out``."""
    ns, gamma_e = _atmosphere(n0, 0.0)
    z_g = _ground_impedance(f_mhz, epsilon, sigma, vertical)
    he_a = _area_effective_height(h_a, siting_a, delta_h)
    he_b = _area_effective_height(h_b, siting_b, delta_h)
    dl_a, theta_a = _rough_earth_horizon(he_a, 1.0 / gamma_e, delta_h)
    dl_b, theta_b = _rough_earth_horizon(he_b, 1.0 / gamma_e, delta_h)
    _finish(out, d, f_mhz, ns, gamma_e, z_g, theta_a, theta_b, dl_a, dl_b, he_a, he_b, h_a, h_b,
            delta_h, False, climate, mdvar, z_t, z_l, z_s, _input_flags(f_mhz, h_a, h_b))


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------

class ItmResult(NamedTuple):
    """Loss and intermediate values of one ITM prediction (NTIA's ``_Ex`` output).

    Attributes
    ----------
    loss_db : float
        Basic transmission loss A (dB), NTIA's ``A__db``.
    free_space_db : float
        Free-space basic transmission loss (dB).
    reference_db : float
        Reference attenuation A_ref below free space (dB), before variability.
    distance_km : float
        Path length (km).
    horizon_angle_rad : tuple of float
        Horizon elevation angles (tx, rx) in radians.
    horizon_distance_m : tuple of float
        Horizon distances (tx, rx) in metres.
    effective_height_m : tuple of float
        Effective antenna heights (tx, rx) in metres.
    surface_refractivity : float
        N_s (N-units).
    delta_h_m : float
        Terrain irregularity parameter Delta h (m).
    mode : str
        ``"line of sight"``, ``"diffraction"`` or ``"troposcatter"``.
    flags : int
        NTIA's warning flags (bits of :data:`FLAG_MESSAGES`); 0 if none.
    """

    loss_db: float
    free_space_db: float
    reference_db: float
    distance_km: float
    horizon_angle_rad: tuple[float, float]
    horizon_distance_m: tuple[float, float]
    effective_height_m: tuple[float, float]
    surface_refractivity: float
    delta_h_m: float
    mode: str
    flags: int


def free_space_loss(distance_km, *, frequency_mhz):
    """Free-space basic transmission loss as ITM computes it.

    Parameters
    ----------
    distance_km : float or array_like
        Path length (km), > 0.
    frequency_mhz : float or array_like
        Frequency (MHz), > 0.

    Returns
    -------
    float or numpy.ndarray
        ``32.45 + 20 log10(f_MHz) + 20 log10(d_km)`` in dB.
    """
    d = np.asarray(distance_km, dtype=np.float64)
    f = np.asarray(frequency_mhz, dtype=np.float64)
    if np.any(~(d > 0)) or np.any(~(f > 0)):
        raise ValueError("free_space_loss: distance_km and frequency_mhz must be > 0")
    loss = 32.45 + 20.0 * np.log10(f) + 20.0 * np.log10(d)
    return float(loss) if loss.ndim == 0 else loss


def _describe(values, bad) -> str:
    """``got 8``, or ``3 of 100 values are, first 0.2 (index 17)``, for a message."""
    values = np.asarray(values)
    if values.ndim == 0:
        return f"got {values.item()!r}"
    where = np.flatnonzero(bad)
    return (f"{where.size} of {values.size} values are, first {values.flat[where[0]].item()!r} "
            f"(index {where[0]})")


# NTIA's hard limits: name -> (low, high, low excluded, unit); None = no bound.
_LIMITS = {
    "frequency_mhz": (20.0, 20000.0, False, " MHz"),
    "tx_height_m": (0.5, 3000.0, False, " m"),
    "rx_height_m": (0.5, 3000.0, False, " m"),
    "n0": (250.0, 400.0, False, " N-units"),
    "epsilon": (1.0, None, False, ""),
    "sigma": (0.0, None, True, " S/m"),
    "step_m": (0.0, None, True, " m"),
    "distance_km": (0.0, None, True, " km"),
    "delta_h_m": (0.0, None, False, " m"),
    "time_pct": (0.0, 100.0, True, ""),
    "location_pct": (0.0, 100.0, True, ""),
    "situation_pct": (0.0, 100.0, True, ""),
}
_PERCENTS = ("time_pct", "location_pct", "situation_pct")
_MDVAR_ALLOWED = frozenset(base + extra for base in range(4) for extra in (0, 10, 20, 30))
_CHOICES = {
    "climate": (range(1, 8), "1..7 (1 equatorial, 2 continental subtropical, 3 maritime "
                "subtropical, 4 desert, 5 continental temperate, 6 maritime temperate over "
                "land, 7 maritime temperate over sea)"),
    "mdvar": (_MDVAR_ALLOWED, "0..3 (single message, accidental, mobile, broadcast), +10 "
              "without location variability, +20 without direct situation variability"),
    "tx_siting": ((0, 1, 2), "0, 1 or 2 (random, careful, very careful)"),
    "rx_siting": ((0, 1, 2), "0, 1 or 2 (random, careful, very careful)"),
}


def _check_numbers(problems, *, scalar, **values):
    """Check numbers against :data:`_LIMITS`; ``scalar`` names those that may not be arrays."""
    for name, value in values.items():
        if name in scalar and np.ndim(value) != 0:
            problems.append(f"{name} must be a single number; got an array of shape "
                            f"{np.shape(value)}")
            continue
        low, high, open_low, unit = _LIMITS[name]
        v = np.asarray(value, dtype=np.float64)
        ok = np.isfinite(v) & ((v > low) if open_low else (v >= low))
        if high is not None:
            ok &= (v < high) if name in _PERCENTS else (v <= high)
        if not ok.all():
            rule = f"{low}{unit} {'<' if open_low else '<='} {name}"
            if high is not None:
                rule += f" {'<' if name in _PERCENTS else '<='} {high}{unit}"
            problems.append(f"{name} must satisfy {rule}; {_describe(value, ~ok)}")


def _check_choices(problems, **values):
    for name, value in values.items():
        allowed, meaning = _CHOICES[name]
        if (isinstance(value, bool) or not isinstance(value, (int, np.integer))
                or value not in allowed):
            problems.append(f"{name} must be {meaning}; got {value!r}")


def _polarization(problems, polarization):
    """True for vertical; accepts 'horizontal'/'vertical' or NTIA's 0/1."""
    if isinstance(polarization, str) and polarization.strip().lower() in ("horizontal",
                                                                          "vertical"):
        return polarization.strip().lower() == "vertical"
    if (not isinstance(polarization, bool) and isinstance(polarization, (int, np.integer))
            and polarization in (0, 1)):
        return polarization == 1
    problems.append("polarization must be 'horizontal' or 'vertical' (or NTIA's 0 or 1); "
                    f"got {polarization!r}")
    return False


def _common(problems, climate, n0, epsilon, sigma, polarization, time_pct, location_pct,
            situation_pct, mdvar):
    """Check the options both modes share (NTIA's ValidateInputs); kernel arguments."""
    percents = {"time_pct": time_pct, "location_pct": location_pct,
                "situation_pct": situation_pct}
    _check_numbers(problems, scalar=("n0", "epsilon", "sigma", *_PERCENTS), n0=n0,
                   epsilon=epsilon, sigma=sigma, **percents)
    _check_choices(problems, climate=climate, mdvar=mdvar)
    vertical = _polarization(problems, polarization)
    if problems:
        return ()
    deviates = [float(_inverse_normal_q(float(p) / 100.0)) for p in percents.values()]
    return (int(climate), float(n0), float(epsilon), float(sigma), vertical, int(mdvar),
            *deviates)


def _raise(problems, what):
    if problems:
        if len(problems) == 1:
            raise ValueError(f"ITM {what}: {problems[0]}")
        raise ValueError(f"ITM {what}: {len(problems)} invalid inputs:\n  "
                         + "\n  ".join(problems))


def _check_errors(out, what):
    """Raise for errors found inside the model (NTIA's codes 1013-1022)."""
    errors = out[:, _O_ERROR].astype(np.int64)
    if errors.any():
        lines = []
        for code, text in _ERROR_MESSAGES.items():
            bad = np.flatnonzero(errors == code)
            if bad.size:
                where = "" if out.shape[0] == 1 else f" ({bad.size} paths, first index {bad[0]})"
                lines.append(text + where)
        raise ValueError(f"ITM {what}: " + "; ".join(lines))


def _warn(out, what, stacklevel):
    """One ModelValidityWarning naming each flag raised and on how many paths.

    Paths whose geometry defeats the model's approximations (say a horizon
    a metre from a high antenna) can get an undefined, NaN loss, as in
    NTIA's code; they are named in the same warning.
    """
    flags = out[:, _O_FLAGS].astype(np.int64)
    undefined = np.count_nonzero(~np.isfinite(out[:, _O_LOSS]))
    if not flags.any() and not undefined:
        return
    if flags.size == 1:
        parts = [t for bit, t in FLAG_MESSAGES.items() if flags[0] & bit]
        if undefined:
            parts.append("the loss is undefined for this geometry (NaN)")
        text = "; ".join(parts)
    else:
        parts = [f"{t} ({np.count_nonzero(flags & bit)} paths)"
                 for bit, t in FLAG_MESSAGES.items() if np.any(flags & bit)]
        if undefined:
            parts.append(f"the loss is undefined for their geometry (NaN; {undefined} paths)")
        bad = np.count_nonzero((flags != 0) | ~np.isfinite(out[:, _O_LOSS]))
        text = f"{bad} of {flags.size} paths: " + "; ".join(parts)
    warnings.warn(f"ITM {what} outside the range NTIA validated the model for: {text}. "
                  "The loss is computed anyway.", ModelValidityWarning, stacklevel=stacklevel)


def _per_path(problems, name, values, n_paths):
    """``values`` as a float64 array of one value per path (a scalar is repeated)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 0:
        return np.full(n_paths, float(arr))
    if arr.shape != (n_paths,):
        problems.append(f"{name} must be a number or an array of one value per path "
                        f"({n_paths}); got shape {arr.shape}")
        return np.zeros(n_paths)
    return np.ascontiguousarray(arr)


def point_to_point_many(profiles_m, step_m, *, frequency_mhz, tx_height_m, rx_height_m,
                        n_points=None, climate=5, n0=301.0, epsilon=15.0, sigma=0.005,
                        polarization="vertical", time_pct=50.0, location_pct=50.0,
                        situation_pct=50.0, mdvar=12, return_flags=False, parallel=True):
    """ITM point-to-point basic transmission loss over many terrain profiles.

    The paths are computed in one compiled loop (no Python per path), by
    default spread over numba's threads.  Warnings about inputs outside the validated range are gathered
    into a single :class:`~whitezone.errors.ModelValidityWarning` saying how
    many paths each concerns.

    Parameters
    ----------
    profiles_m : array_like, shape (n_paths, max_points)
        Terrain elevations (m above sea level), each row from transmitter to
        receiver at equal steps.  Samples past a row's ``n_points`` are
        ignored (they may be NaN).
    step_m : float or array_like, shape (n_paths,)
        Distance between samples (m), the same for all paths or one per path.
    frequency_mhz, tx_height_m, rx_height_m : float or array_like, shape (n_paths,)
        Frequency (MHz, 20-20000) and antenna heights above ground (m,
        0.5-3000), the same for all paths or one per path.
    n_points : array_like of int, shape (n_paths,), optional
        Number of valid samples of each row (>= 3); all columns by default.
    climate, n0, epsilon, sigma, polarization, time_pct, location_pct, situation_pct, mdvar
        As in :func:`point_to_point`, the same for all paths.
    return_flags : bool, default False
        Also return NTIA's warning flags per path (bits of :data:`FLAG_MESSAGES`).
    parallel : bool, default True
        Spread the paths over numba's threads (``numba.set_num_threads``);
        False keeps to the calling thread, e.g. in worker processes that
        already run one task per core.  The results are identical.

    Returns
    -------
    numpy.ndarray of float, shape (n_paths,)
        Basic transmission loss (dB); NaN, with a warning, where a path's
        geometry defeats the model (e.g. 1 m samples on a cliff, a horizon a
        metre from the antenna).  With ``return_flags``, a tuple
        ``(loss_db, flags)`` with ``flags`` an int64 array.

    Raises
    ------
    ValueError
        When any input is outside NTIA's hard limits (all problems are listed
        at once), or the model rejects a path (e.g. terrain so high that the
        surface refractivity drops below 150 N-units).
    """
    problems: list[str] = []
    options = _common(problems, climate, n0, epsilon, sigma, polarization, time_pct,
                      location_pct, situation_pct, mdvar)
    profiles = np.ascontiguousarray(profiles_m, dtype=np.float64)
    if profiles.ndim != 2:
        _raise([f"profiles_m must be a 2-D array (n_paths x n_points); got {profiles.ndim}-D"],
               "point_to_point_many")
    n_paths, max_points = profiles.shape
    lengths = np.full(n_paths, max_points, dtype=np.int64)
    if n_points is not None:
        given = np.asarray(n_points)
        if given.shape == (n_paths,) and np.issubdtype(given.dtype, np.integer):
            lengths = given.astype(np.int64)
        else:
            problems.append(f"n_points must be integers, one per path ({n_paths}); got "
                            f"{given.dtype} of shape {given.shape}")
    if np.any((lengths < 3) | (lengths > max_points)):
        problems.append(f"n_points must be from 3 to {max_points} (the row length); "
                        f"{_describe(lengths, (lengths < 3) | (lengths > max_points))}")
        lengths = np.clip(lengths, 3, max(max_points, 3))
    finite = np.isfinite(profiles)
    if not finite.all():  # padding past n_points may be NaN
        finite |= np.arange(max_points) >= lengths[:, None]
        rows = np.flatnonzero(~finite.all(axis=1))
        if rows.size:
            problems.append(f"profiles_m must be finite elevations; {rows.size} paths have NaN "
                            f"or infinite samples, first index {rows[0]}")
    per_path = {name: _per_path(problems, name, value, n_paths) for name, value in
                (("step_m", step_m), ("frequency_mhz", frequency_mhz),
                 ("tx_height_m", tx_height_m), ("rx_height_m", rx_height_m))}
    _check_numbers(problems, scalar=(), **per_path)
    _raise(problems, "point_to_point_many")

    out = np.empty((n_paths, _N_OUT))
    if n_paths:
        kernel = _p2p_many_parallel if parallel else _p2p_many_serial
        kernel(profiles, lengths, *per_path.values(), *options, out)
    _check_errors(out, "point_to_point_many")
    _warn(out, "point_to_point_many", 3)
    loss = out[:, _O_LOSS].copy()
    return (loss, out[:, _O_FLAGS].astype(np.int64)) if return_flags else loss


def _result(row) -> ItmResult:
    return ItmResult(
        loss_db=float(row[_O_LOSS]), free_space_db=float(row[_O_FREE]),
        reference_db=float(row[_O_AREF]), distance_km=float(row[_O_DKM]),
        horizon_angle_rad=(float(row[_O_THETA_TX]), float(row[_O_THETA_RX])),
        horizon_distance_m=(float(row[_O_DHZN_TX]), float(row[_O_DHZN_RX])),
        effective_height_m=(float(row[_O_HE_TX]), float(row[_O_HE_RX])),
        surface_refractivity=float(row[_O_NS]), delta_h_m=float(row[_O_DELTA_H]),
        mode=_MODE_NAMES[int(row[_O_MODE])], flags=int(row[_O_FLAGS]))


def _run_point_to_point(what, elevations_m, step_m, frequency_mhz, tx_height_m, rx_height_m,
                        *common) -> ItmResult:
    problems: list[str] = []
    options = _common(problems, *common)
    z = np.ascontiguousarray(elevations_m, dtype=np.float64)
    if z.ndim != 1 or z.size < 3:
        problems.append(f"elevations_m must be a 1-D array of at least 3 elevations; "
                        f"got shape {z.shape}")
    elif not np.isfinite(z).all():
        problems.append(f"elevations_m must be finite; {np.count_nonzero(~np.isfinite(z))} "
                        "samples are NaN or infinite")
    numbers = {"step_m": step_m, "frequency_mhz": frequency_mhz, "tx_height_m": tx_height_m,
               "rx_height_m": rx_height_m}
    _check_numbers(problems, scalar=tuple(numbers), **numbers)
    _raise(problems, what)
    out = np.empty((1, _N_OUT))
    _p2p_kernel(z, *(float(v) for v in numbers.values()), *options, out[0])
    _check_errors(out, what)
    _warn(out, what, 4)
    return _result(out[0])


def point_to_point(elevations_m, step_m, *, frequency_mhz, tx_height_m, rx_height_m,
                   climate=5, n0=301.0, epsilon=15.0, sigma=0.005, polarization="vertical",
                   time_pct=50.0, location_pct=50.0, situation_pct=50.0, mdvar=12) -> float:
    """ITM point-to-point basic transmission loss over a terrain profile.

    Parameters
    ----------
    elevations_m : array_like, shape (n + 1,)
        Terrain elevations (m above sea level) from the transmitter to the
        receiver at equal steps (NTIA's pfl without its two header values).
    step_m : float
        Distance between samples (m); the path is ``n * step_m`` long.
    frequency_mhz : float
        Frequency, 20-20000 MHz (warns outside 40-10000).
    tx_height_m, rx_height_m : float
        Antenna heights above ground, 0.5-3000 m (warns outside 1-1000).
    climate : int, default 5
        NTIA radio climate: 1 equatorial, 2 continental subtropical,
        3 maritime subtropical, 4 desert, 5 continental temperate,
        6 maritime temperate over land, 7 maritime temperate over sea.
    n0 : float, default 301
        Surface refractivity reduced to sea level, 250-400 N-units.
    epsilon : float, default 15
        Relative permittivity of the ground, >= 1.
    sigma : float, default 0.005
        Ground conductivity (S/m), > 0.
    polarization : {"vertical", "horizontal"} or {1, 0}, default "vertical"
    time_pct, location_pct, situation_pct : float, default 50
        Percentages (0 < p < 100) of time, locations and situations in which
        the loss does not exceed the result.  NTIA's confidence/reliability
        form is ``time_pct=reliability, location_pct=50, situation_pct=confidence``.
    mdvar : int, default 12
        NTIA's mode of variability: 0 single message, 1 accidental,
        2 mobile, 3 broadcast; +10 eliminates location variability, +20
        direct situation variability.  The default 12 (mobile without
        location variability) is the value of every point-to-point case of
        NTIA's reference set (``p2p.csv``) and the one NTIA's original
        point-to-point entry (ITMDLL ``point_to_point``) fixed: a profile
        pins both ends, so there are no locations left to vary over.

    Returns
    -------
    float
        Basic transmission loss A (dB), NTIA's ``A__db``; NaN, with a
        warning, where the geometry defeats the model (see
        :func:`point_to_point_many`).

    Raises
    ------
    ValueError
        For inputs outside NTIA's hard limits (every problem listed), or a
        path the model rejects.

    Warns
    -----
    ModelValidityWarning
        When NTIA would raise a warning flag (see :data:`FLAG_MESSAGES`).

    See Also
    --------
    point_to_point_details : the same with NTIA's intermediate values.
    point_to_point_many : many profiles in one compiled loop.
    """
    return _run_point_to_point("point_to_point", elevations_m, step_m, frequency_mhz,
                               tx_height_m, rx_height_m, climate, n0, epsilon, sigma,
                               polarization, time_pct, location_pct, situation_pct,
                               mdvar).loss_db


def point_to_point_details(elevations_m, step_m, *, frequency_mhz, tx_height_m, rx_height_m,
                           climate=5, n0=301.0, epsilon=15.0, sigma=0.005,
                           polarization="vertical", time_pct=50.0, location_pct=50.0,
                           situation_pct=50.0, mdvar=12) -> ItmResult:
    """:func:`point_to_point` with NTIA's intermediate values.

    Parameters are those of :func:`point_to_point`.

    Returns
    -------
    ItmResult
        Loss, free-space loss, A_ref, horizons, effective heights, N_s,
        Delta h, propagation mode and warning flags.
    """
    return _run_point_to_point("point_to_point_details", elevations_m, step_m, frequency_mhz,
                               tx_height_m, rx_height_m, climate, n0, epsilon, sigma,
                               polarization, time_pct, location_pct, situation_pct, mdvar)


def _run_area(what, distance_km, frequency_mhz, tx_height_m, rx_height_m, delta_h_m, tx_siting,
              rx_siting, *common) -> ItmResult:
    problems: list[str] = []
    options = _common(problems, *common)
    numbers = {"distance_km": distance_km, "frequency_mhz": frequency_mhz,
               "tx_height_m": tx_height_m, "rx_height_m": rx_height_m, "delta_h_m": delta_h_m}
    _check_numbers(problems, scalar=tuple(numbers), **numbers)
    _check_choices(problems, tx_siting=tx_siting, rx_siting=rx_siting)
    _raise(problems, what)
    out = np.empty((1, _N_OUT))
    _area_kernel(float(distance_km) * 1000.0, float(frequency_mhz), float(tx_height_m),
                 float(rx_height_m), float(delta_h_m), int(tx_siting), int(rx_siting), *options,
                 out[0])
    _check_errors(out, what)
    _warn(out, what, 4)
    return _result(out[0])


def area(distance_km, *, frequency_mhz, tx_height_m, rx_height_m, delta_h_m, tx_siting=0,
         rx_siting=0, climate=5, n0=301.0, epsilon=15.0, sigma=0.005, polarization="vertical",
         time_pct=50.0, location_pct=50.0, situation_pct=50.0, mdvar=0) -> float:
    """ITM area-mode basic transmission loss.

    Area mode replaces the profile by the terrain irregularity parameter
    Delta h and the terminals' siting criteria [Alg 3.1-3.4].

    Parameters
    ----------
    distance_km : float
        Path length (km), > 0 (warns below 1 km and above 1000 km).
    frequency_mhz : float
        Frequency, 20-20000 MHz.
    tx_height_m, rx_height_m : float
        Antenna heights above ground, 0.5-3000 m.
    delta_h_m : float
        Terrain irregularity parameter Delta h (m), >= 0 (about 0 over water
        or plains, 90 for hills, 200-500 for mountains).
    tx_siting, rx_siting : {0, 1, 2}, default 0
        Siting criteria: 0 random, 1 careful, 2 very careful.
    climate, n0, epsilon, sigma, polarization, time_pct, location_pct, situation_pct
        As in :func:`point_to_point`.
    mdvar : int, default 0
        Mode of variability as in :func:`point_to_point` (default single
        message).

    Returns
    -------
    float
        Basic transmission loss A (dB), NTIA's ``A__db``.

    Raises
    ------
    ValueError
        For inputs outside NTIA's hard limits (every problem listed).

    Warns
    -----
    ModelValidityWarning
        When NTIA would raise a warning flag (see :data:`FLAG_MESSAGES`).
    """
    return _run_area("area", distance_km, frequency_mhz, tx_height_m, rx_height_m, delta_h_m,
                     tx_siting, rx_siting, climate, n0, epsilon, sigma, polarization, time_pct,
                     location_pct, situation_pct, mdvar).loss_db


def area_details(distance_km, *, frequency_mhz, tx_height_m, rx_height_m, delta_h_m,
                 tx_siting=0, rx_siting=0, climate=5, n0=301.0, epsilon=15.0, sigma=0.005,
                 polarization="vertical", time_pct=50.0, location_pct=50.0, situation_pct=50.0,
                 mdvar=0) -> ItmResult:
    """:func:`area` with NTIA's intermediate values.

    Parameters are those of :func:`area`.

    Returns
    -------
    ItmResult
        Loss, free-space loss, A_ref, horizons, effective heights, N_s,
        Delta h, propagation mode and warning flags.
    """
    return _run_area("area_details", distance_km, frequency_mhz, tx_height_m, rx_height_m,
                     delta_h_m, tx_siting, rx_siting, climate, n0, epsilon, sigma, polarization,
                     time_pct, location_pct, situation_pct, mdvar)
