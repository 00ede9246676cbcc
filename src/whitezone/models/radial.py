"""Radial sweeps: best-server rasters of the terrain model without one profile per cell.

The exact raster (:mod:`whitezone.rasters`) profiles every (cell, site) link
from scratch: a site reaching 15 km over 100 m cells costs some 70,000
profiles of up to 160 samples.  The classic coverage tools (SPLAT!,
Signal-Server; the R2/R3 viewshed algorithms) instead cast *radials* from the
site and walk each once at the DEM's resolution.  This module does that for
the terrain model's Bullington diffraction, compiled with numba:

* **Radials.**  ``N = ceil(2π R r / cell)`` radials for a mast of reach ``R``
  on a grid of ``cell`` metres (the raster's or the DEM's, the finer;
  ``r`` = :data:`RADIALS_PER_CELL`: with 1, neighbouring radials are one
  cell apart at the reach); radial ``k`` leaves the mast at bearing
  ``360 k / N``.  Samples are taken every DEM cell
  (``Dem.resolution_m``), bilinearly, with the land cover's obstacle heights
  on them as the model puts them on a profile's intermediate samples.  Only
  the radials and lengths a tile needs are walked, and every value depends
  on the mast and the cell alone: the tiling changes nothing.
* **Each cell asks the radials beside it.**  A cell at distance ``D`` and
  bearing ``β`` is a receiver at its own distance, on its own ground (the
  DEM at its centre).  Its profile is the samples of a radial beside ``β``
  up to half a DEM cell short of its own last :data:`OWN_SAMPLES` samples,
  and those, taken where the model's profile of the link has them (the
  ground just before a receiver, and the trees on it, decide much of its
  loss); the loss is interpolated between the two radials on either side of
  ``β``.  A link whose exact profile has at most :data:`EXACT_SAMPLES`
  samples (within about 4.3 km on a 92 m DEM) is profiled as the model
  profiles it (:func:`~whitezone.models.terrain_kernel.bullington_one`, in
  one pass over its samples, :func:`_short_link`): short profiles are
  sampled more finely than the DEM, which no radial is.
* **Bullington along a radial, exactly.**  With the curvature
  ``c = 1/(2 k a)``, a sample at ``x`` of a path of length ``D`` stands at
  ``u + c x (D − x) = (u − c x²) + c D x``: the last term is linear in ``x``
  (a shear), so in the frame ``q = u − c x²`` every line stays a line and the
  direct ray, the steepest line from the transmitter and the tangent from
  the receiver are those of the unsheared points.  The transmitter's
  steepest slope is a running maximum of ``(q − z_tx) / x``; the receiver's
  is the tangent from the receiver point ``(D, z_rx − c D²)`` to the upper
  convex hull of the samples walked so far (Andrew's monotone chain, kept
  incrementally; the tangent by binary search, O(log n)), or to one of the
  cell's own samples.  From them the Bullington edge's ν is
  :func:`~whitezone.models.diffraction.profile_diffraction`'s
  ``√(2 D s_tx s_rx / λ)``.  On a line-of-sight path P.526 takes the largest
  ν of all samples, which the hull does not give (the Fresnel zone is widest
  mid-path): the two slopes bound it by ``−√(2 D s_tx s_rx / λ)``, which
  settles many paths at 0 dB; on the others only the samples where the hull
  comes within ``0.78 √(λ D / 8)`` of the ray (an interval: the hull less
  the ray is concave) are looked at one by one.  The tests hold the walk to
  ``profile_diffraction`` on the same samples to 1e-9 dB.
* **One walk per place and antenna height.**  The profiles, the hull and
  the slopes do not depend on the frequency: only ν scales, with
  ``1/√λ``.  The sites of a mast — its sectors and the bands it carries —
  share its walks and short profiles, and each frequency's loss is taken
  from the geometry at the end (:func:`_edge_loss`; the longest
  wavelength's tests and interval above hold for the shorter ones).  The
  tests hold the shared walks to one walk per band to 1e-9 dB.
* **The rest of the link, per cell.**  The formula's signal (EIRP, path-loss
  formula, calibration) is a function of distance alone: it is tabulated per
  kind of site from the model's ``_formula_signal`` on a logarithmic grid
  of distances (:data:`NODES_PER_DECADE`) and interpolated at each cell's
  own distance (within 0.01 dB of the model, tested).  The antenna pattern
  (parabolic or MSI tables) is computed at the cell's own bearing and
  elevation, the clutter loss from the cell's land-cover class, as the
  model computes them.  Only the diffraction loss comes from the radials.
* **Best server** as :meth:`TerrainModel.best`: the strongest signal, ties to
  the shorter link, then the lower site position.  Branch and bound: the
  masts nearest a tile come first, and a mast is not walked to a cell (nor
  to a 16-cell block) where its signal before diffraction (formula and
  clutter, then the antenna patterns) cannot beat the strongest signal the
  cell already holds.
* **In parallel.**  A tile's masts are taken from one queue by as many
  workers as numba has threads — Python threads running the compiled sweep
  without the GIL, which sleep when idle where OpenMP's spin between tiles —
  each keeping its own best per cell, bounded by every worker's, merged at
  the end: memory is a few times the tile's.  The compiled helpers that
  allocate nothing run without numba's reference counting (``_leaf``): its
  atomic counts on every array argument of every call cost more than a
  cell's arithmetic, and bounced the shared arrays between the cores.

Only the terrain model with Bullington diffraction is swept
(:func:`radial_support`); every other model keeps the exact rasters.
"""

from __future__ import annotations

import math
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numba
import numpy as np
import pandas as pd
from numba.core import cgutils, types
from numba.extending import intrinsic

from ..errors import ModelValidityWarning
from .diffraction import EARTH_RADIUS_M, NU_MIN
from .pathloss import MIN_DISTANCE_KM, SPEED_OF_LIGHT_M_S
from .terrain import TerrainModel
from .terrain_kernel import _fill_profile, _height, _knife_edge, _obstacle, bullington_one

__all__ = ["RadialSweep", "radial_support", "walk_losses"]

#: Radial diffraction methods (the geometry of :func:`profile_diffraction`'s Bullington).
RADIAL_DIFFRACTION = ("bullington", "bullington_p526")
#: Formula table: nodes per decade of distance (linear interpolation in log d between them).
NODES_PER_DECADE = 1000
#: Methods a subclass must not override for the sweep to equal the model's links.
_LINK_METHODS = ("best", "extra_loss_db", "link_loss", "profile_samples", "obstacles",
                 "_formula_signal", "_link_losses", "antenna_loss_db", "clutter_loss_db",
                 "formula_links", "links", "levels", "parameters", "reach_km")  # fmt: skip
#: A cell's profile takes the radial's samples at least this many DEM cells short of its own.
GAP_CELLS = 0.5
#: Radials per raster cell of the circle at a mast's reach.
RADIALS_PER_CELL = 2.0

#: Cells per side of the blocks a mast's bound is checked against before its cells are.
BLOCK = 16
#: Links whose exact profile has at most this many samples are profiled, not swept.
EXACT_SAMPLES = 48
#: A swept cell's last intermediate samples taken where its own profile has them.
OWN_SAMPLES = 2


def radial_support(model) -> str | None:
    """Why the radial sweep cannot stand for ``model``'s links (None: it can).

    Only :class:`~whitezone.models.terrain.TerrainModel` itself (not a
    subclass with other link physics, such as the ITM model) with Bullington
    diffraction is swept; models without terrain have nothing to sweep.
    """
    if not isinstance(model, TerrainModel):
        return f"the {model.kind} model has no terrain diffraction to sweep"
    changed = [name for name in _LINK_METHODS
               if getattr(type(model), name, None) is not getattr(TerrainModel, name, None)]  # fmt: skip
    if changed:
        return f"the {model.kind} model computes its links otherwise than by Bullington diffraction"
    if model.diffraction not in RADIAL_DIFFRACTION:
        return f"the radial sweep computes Bullington diffraction, not {model.diffraction!r}"
    return None


# ----------------------------------------------------------------- compiled core

#: The compiled helpers that allocate nothing: without numba's reference counting, whose atomic
#: increments and decrements of every array argument on every call (the arrays shared by the
#: workers' threads, at that) cost several times the arithmetic of a cell or of a short profile.
_leaf = numba.njit(cache=True, nogil=True, _nrt=False)


@intrinsic
def _take_next(typingctx, counter):
    """Atomically add 1 to ``counter[0]`` (an int64 array) and return its previous value.

    The workers of a tile take masts from one queue this way, so a worker the
    system holds up leaves its share to the others.
    """
    if not (isinstance(counter, types.Array) and counter.dtype == types.int64):
        return None

    def codegen(context, builder, signature, args):
        array = context.make_array(signature.args[0])(context, builder, args[0])
        pointer = cgutils.get_item_pointer(context, builder, signature.args[0], array,
                                           [context.get_constant(types.intp, 0)])  # fmt: skip
        return builder.atomic_rmw("add", pointer, context.get_constant(types.int64, 1), "monotonic")

    return types.int64(counter), codegen


@_leaf
def _edge_loss(los, nu, slopes, lam, length, p526):
    """Bullington's loss at wavelength ``lam`` from a path's geometry alone.

    ``nu`` is a clear path's largest ``ν √λ`` (``h √(2 D / (x (D − x)))``),
    ``slopes`` an obstructed path's ``ν² λ`` (``2 D s_tx s_rx``): the
    geometry is the same at every frequency, only ν scales with ``1/√λ``,
    so the masts' frequencies share one walk.  P.526's term with ``p526``.
    """
    loss = _knife_edge(nu / math.sqrt(lam) if los else math.sqrt(slopes / lam))
    if p526:
        loss = loss + (1.0 - math.exp(-loss / 6.0)) * (10.0 + 0.02 * length / 1000.0)
    return loss


@_leaf
def _direct(u, first, last, step, ex_x, ex_g, ex_o, q, n_ex, flat, length, z_tx, z_rx, c, los_only):
    """Bullington geometry of a path of ``length`` over given intermediate samples, one by one.

    The samples are ``u[first..last]`` at ``i * step`` and ``ex_g[q, t] +
    ex_o[q, t]`` at ``ex_x[q, t]``, ``t < n_ex`` (with ``flat``, ``ex_o``
    alone: ground at 0 m); the arithmetic is :func:`~whitezone.models.diffraction.profile_diffraction`'s
    between ends at heights ``z_tx`` and ``z_rx`` (NaN samples never
    obstruct).  Returns whether the path is clear and :func:`_edge_loss`'s
    ``nu`` and ``slopes``.  With ``los_only`` the path is known to be clear
    and only ``nu`` is computed.
    """
    nu_max = -np.inf
    s_tx = -np.inf
    s_rx = -np.inf
    los = True
    for i in range(first, last + 1 + n_ex):
        if i <= last:
            x = i * step
            z = u[i] + x * (length - x) * c
        else:
            t = i - last - 1
            x = ex_x[q, t]
            z = (0.0 if flat else ex_g[q, t]) + ex_o[q, t] + x * (length - x) * c
        if not math.isfinite(z):
            continue
        h = z - (z_tx + (z_rx - z_tx) * (x / length))
        if h >= 0:
            los = False
        nu_max = max(nu_max, h * math.sqrt(2.0 * length / (x * (length - x))))
        if not los_only:
            s_tx = max(s_tx, h / x)
            s_rx = max(s_rx, h / (length - x))
    return los or los_only, nu_max, 2.0 * length * max(s_tx, 0.0) * max(s_rx, 0.0)


@_leaf
def _radial(ground, obstacle, step, h_tx, h_rx, lams, nf, c, p526, q_dist, q_last, q_ground, q_ex_x,
            q_ex_g, q_ex_o, q_order, hull_x, hull_q, u, out):  # fmt: skip
    """Bullington loss of receivers along one radial, walked once, at ``nf`` wavelengths.

    ``ground`` is the DEM along the radial every ``step`` metres (sample 0
    under the mast; NaN for nodata), ``obstacle`` the land cover's obstacle
    height on each sample.  Receiver ``q`` stands ``q_dist[q]`` metres out
    on ground ``q_ground[q]``; its profile's intermediate samples are the
    radial's samples ``1..q_last[q]`` (obstacles on them), then its own,
    ground ``q_ex_g[q]`` and obstacle ``q_ex_o[q]`` at distances
    ``q_ex_x[q]`` (ascending, beyond the radial's, nearer than the receiver;
    NaN distances: none).  ``q_order`` lists the receivers by
    ``q_last``; the walk adds samples to the running hull as it passes them
    and answers each receiver in O(log n) (see the module documentation)
    into ``out[q, f]`` at wavelength ``lams[f]``, ``f < nf``: the walk and
    the geometry are the same at every frequency (:func:`_edge_loss`).

    An end over nodata is filled as the terrain model fills a profile's
    ends: the mean known ground of the profile (all unknown: a flat 0 m
    profile).  A mast over nodata has no fixed height to walk from: its
    receivers are computed sample by sample.  ``hull_x``, ``hull_q`` and
    ``u`` are work buffers as long as ``ground``.
    """
    lam = lams[0]  # the longest wavelength: the settled test and the interval hold for all
    for f in range(1, nf):
        lam = max(lam, lams[f])
    g0 = ground[0]
    tx_known = math.isfinite(g0)
    total = g0 if tx_known else 0.0
    known = 1 if tx_known else 0
    z_tx = g0 + h_tx
    size = 0  # points on the upper hull of (x, u − c x²), x ascending
    a_tx = -np.inf  # steepest (q − z_tx) / x from the mast so far
    i = 0  # samples 1..i walked
    for pos in range(q_order.size):
        q = q_order[pos]
        last = max(q_last[q], 0)
        while i < last:
            i += 1
            gi = ground[i]
            if math.isfinite(gi):
                total += gi
                known += 1
            ui = gi + obstacle[i]
            u[i] = ui
            if tx_known and math.isfinite(ui):
                x = i * step
                qi = ui - c * x * x
                a_tx = max(a_tx, (qi - z_tx) / x)
                while size >= 2 and ((hull_x[size - 1] - hull_x[size - 2]) * (qi - hull_q[size - 2])
                                     - (hull_q[size - 1] - hull_q[size - 2])
                                     * (x - hull_x[size - 2])) >= 0:  # fmt: skip
                    size -= 1
                hull_x[size] = x
                hull_q[size] = qi
                size += 1
        length = q_dist[q]
        g_rx = q_ground[q]
        n_ex = 0
        while n_ex < q_ex_x.shape[1] and math.isfinite(q_ex_x[q, n_ex]):
            n_ex += 1
        if not length > 0:
            for f in range(nf):
                out[q, f] = 0.0
            continue
        level = 0.0
        count = 0
        if not (tx_known and math.isfinite(g_rx)):
            # The profile's mean known ground, for an end over nodata.
            level = total
            count = known
            for t in range(n_ex):
                if math.isfinite(q_ex_g[q, t]):
                    level += q_ex_g[q, t]
                    count += 1
            if math.isfinite(g_rx):
                level += g_rx
                count += 1
            level = level / count if count else 0.0
        if not tx_known:
            if count == 0:
                # No known ground on the whole profile: flat at 0 m, obstacles on it.
                for t in range(1, last + 1):
                    hull_q[t] = obstacle[t]
                los, nu, slopes = _direct(hull_q, 1, last, step, q_ex_x, q_ex_g, q_ex_o, q, n_ex, True,
                                          length, h_tx, h_rx, c, False)  # fmt: skip
            else:
                z_rx = (g_rx if math.isfinite(g_rx) else level) + h_rx
                los, nu, slopes = _direct(u, 1, last, step, q_ex_x, q_ex_g, q_ex_o, q, n_ex, False, length,
                                          level + h_tx, z_rx, c, False)  # fmt: skip
            for f in range(nf):
                out[q, f] = _edge_loss(los, nu, slopes, lams[f], length, p526)
            continue
        z_rx = (g_rx if math.isfinite(g_rx) else level) + h_rx
        q_rx = z_rx - c * length * length
        s = (q_rx - z_tx) / length  # the direct ray's slope in the unsheared frame
        a = a_tx
        b = -np.inf  # steepest (q − q_rx) / (D − x): the tangent from the receiver
        for t in range(n_ex):
            xt = q_ex_x[q, t]
            qt = q_ex_g[q, t] + q_ex_o[q, t] - c * xt * xt
            if math.isfinite(qt):
                a = max(a, (qt - z_tx) / xt)
                b = max(b, (qt - q_rx) / (length - xt))
        if size > 0:
            lo = 0
            hi = size - 1
            while lo < hi:  # the hull vertex the tangent touches
                mid = (lo + hi) // 2
                if ((hull_q[mid + 1] - q_rx) * (length - hull_x[mid])
                        > (hull_q[mid] - q_rx) * (length - hull_x[mid + 1])):  # fmt: skip
                    lo = mid + 1
                else:
                    hi = mid
            b = max(b, (hull_q[lo] - q_rx) / (length - hull_x[lo]))
        if a == -np.inf:
            for f in range(nf):
                out[q, f] = 0.0  # no intermediate sample with known ground: nothing obstructs
            continue
        s_tx = a - s
        s_rx = b + s
        if s_tx >= 0:
            slopes = 2.0 * length * s_tx * max(s_rx, 0.0)
            for f in range(nf):
                out[q, f] = _edge_loss(False, 0.0, slopes, lams[f], length, p526)
        elif s_rx < 0 and -math.sqrt(2.0 * length * s_tx * s_rx / lam) < NU_MIN - 1e-9:
            for f in range(nf):
                out[q, f] = 0.0  # every sample's ν is below −0.78 (the slopes bound it)
        else:
            # Clear, but maybe not by the Fresnel zone: ν > −0.78 needs the sample within
            # 0.78 √(λ D / 8) of the ray, so only where the hull comes that close (an interval:
            # the hull less the ray is concave) are samples looked at one by one.  With several
            # frequencies, the longest wavelength's interval holds every other's.
            near = -NU_MIN * math.sqrt(lam * length / 8.0) * (1.0 + 1e-9) + 1e-9
            first = 1
            to = 0  # none
            if size > 0:
                lo = 0
                hi = size - 1
                while lo < hi:  # the vertex highest above the ray
                    mid = (lo + hi) // 2
                    if hull_q[mid + 1] - hull_q[mid] > s * (hull_x[mid + 1] - hull_x[mid]):
                        lo = mid + 1
                    else:
                        hi = mid
                top = lo
                if hull_q[top] - z_tx - s * hull_x[top] > -near:
                    lo = 0
                    hi = top
                    while lo < hi:  # first vertex that close
                        mid = (lo + hi) // 2
                        if hull_q[mid] - z_tx - s * hull_x[mid] > -near:
                            hi = mid
                        else:
                            lo = mid + 1
                    first = 1 if lo == 0 else int(hull_x[lo - 1] / step + 0.5)
                    lo = top
                    hi = size - 1
                    while lo < hi:  # last vertex that close
                        mid = (lo + hi + 1) // 2
                        if hull_q[mid] - z_tx - s * hull_x[mid] > -near:
                            lo = mid
                        else:
                            hi = mid - 1
                    to = last if lo == size - 1 else int(hull_x[lo + 1] / step + 0.5)
            _, nu, _ = _direct(u, first, to, step, q_ex_x, q_ex_g, q_ex_o, q, n_ex, False, length, z_tx,
                               z_rx, c, True)  # fmt: skip
            for f in range(nf):
                out[q, f] = _edge_loss(True, nu, 0.0, lams[f], length, p526)


@_leaf
def _mod360(x):
    """``x % 360.0`` (Python's), without a division in the usual ranges."""
    if x >= 0.0:
        if x < 360.0:
            return x
        if x < 720.0:
            return x - 360.0  # exact, as fmod
    elif x >= -360.0:
        return x + 360.0  # as Python: fmod(x, 360) = x, plus 360
    return x % 360.0


@_leaf
def _interp360(table, angle):
    """Linear interpolation in a 360-entry circular table (as the antenna module's)."""
    a = _mod360(angle)
    lo = int(math.floor(a)) % 360
    frac = a - math.floor(a)
    return table[lo] * (1.0 - frac) + table[(lo + 1) % 360] * frac


@_leaf
def _formula_at(tab, row, u0, du, log_km):
    """The formula's signal (EIRP − loss − calibration) of table row ``row`` at log10(km)."""
    pos = (log_km - u0) / du
    last = tab.shape[1] - 1
    if pos <= 0.0:
        return tab[row, 0]
    if pos >= last:
        return tab[row, last]
    i = int(pos)
    f = pos - i
    return tab[row, i] * (1.0 - f) + tab[row, i + 1] * f


@_leaf
def _block_bound(s, log_km, envelope, tab_u0, tab_du, site_tab, site_freq, least_clutter, pattern_gain):
    """An upper bound of site ``s``'s signal at every distance from 10**log_km km on, any class."""
    i = min(max(int(math.floor((log_km - tab_u0) / tab_du)), 0), envelope.shape[1] - 1)
    return envelope[site_tab[s], i] + pattern_gain - least_clutter[site_freq[s]]


@_leaf
def _site_signal(s, log_km, bearing, theta, code, links):
    """Signal of site ``s`` at a cell before diffraction: formula, pattern, clutter.

    ``log_km`` is log10 of the cell's distance in km (floored at the
    formula's 1 m), ``bearing`` its bearing from the site and ``theta`` the
    elevation at which the antenna sees it (degrees), ``code`` its land-cover
    class's column in the clutter table; ``links`` the sites' arrays
    (:meth:`RadialSweep._links`).
    """
    tab, tab_u0, tab_du, site_tab, site_freq, clutter = links[1], links[2], links[3], links[4], links[9], links[15]
    signal = _formula_at(tab, site_tab[s], tab_u0, tab_du, log_km) - clutter[site_freq[s], code]
    (_, _, _, _, _, site_az, site_bw, site_tilt, site_pattern, _,
     pat_h, pat_v, front_to_back, vertical_bw, side_lobe, _, _, _, _) = links  # fmt: skip
    return signal - _pattern_loss(s, bearing, theta, site_az, site_bw, site_tilt, site_pattern, pat_h, pat_v,
                                  front_to_back, vertical_bw, side_lobe)  # fmt: skip


@_leaf
def _pattern_loss(s, bearing, theta, site_az, site_bw, site_tilt, site_pattern, pat_h, pat_v, front_to_back,
                  vertical_bw, side_lobe):  # fmt: skip
    """Site ``s``'s antenna pattern loss (dB) towards ``bearing`` at elevation ``theta`` (0: omni).

    The sites' arrays are passed one by one, not in the ``links`` tuple: a
    tuple of arrays handed to a function costs a reference count per array
    per call, far more than the pattern itself.
    """
    az = site_az[s]
    if not math.isfinite(az):
        return 0.0
    phi = _mod360(bearing - az + 180.0) - 180.0
    p = site_pattern[s]
    if p < 0:
        horizontal = min(12.0 * (phi / site_bw[s]) ** 2, front_to_back)
        vertical = min(12.0 * ((theta - site_tilt[s]) / vertical_bw) ** 2, side_lobe)
        return min(horizontal + vertical, front_to_back)
    return _interp360(pat_h[p], phi) + _interp360(pat_v[p], theta - site_tilt[s])


@_leaf
def _better(signal, dist, site, best_signal, best_dist, best_site):
    """The order of :meth:`TerrainModel.best`: stronger, then shorter, then the lower position."""
    if signal > best_signal:
        return True
    if signal == best_signal and best_site >= 0:
        return dist < best_dist or (dist == best_dist and site < best_site)
    return False


@_leaf
def _bilinear(heights, r, c):
    """:func:`~whitezone.models.terrain_kernel._height` at fractional row ``r``, column ``c``."""
    rows, cols = heights.shape
    if not (r >= 0.0 and c >= 0.0 and r <= rows - 1 and c <= cols - 1):
        return np.nan
    r0 = int(r)  # r >= 0: truncation is the floor
    c0 = int(c)
    r1 = min(r0 + 1, rows - 1)
    c1 = min(c0 + 1, cols - 1)
    wr = r - r0
    wc = c - c0
    return ((1.0 - wr) * ((1.0 - wc) * heights[r0, c0] + wc * heights[r0, c1])
            + wr * ((1.0 - wc) * heights[r1, c0] + wc * heights[r1, c1]))  # fmt: skip


@_leaf
def _bilinear_inside(heights, r, c):
    """:func:`_bilinear` at a point known to lie in ``[0, rows − 1) × [0, cols − 1)``."""
    r0 = int(r)
    c0 = int(c)
    wr = r - r0
    wc = c - c0
    return ((1.0 - wr) * ((1.0 - wc) * heights[r0, c0] + wc * heights[r0, c0 + 1])
            + wr * ((1.0 - wc) * heights[r0 + 1, c0] + wc * heights[r0 + 1, c0 + 1]))  # fmt: skip


@_leaf
def _obstacle_at(lc_codes, obst, r, c):
    """Obstacle height of the land-cover cell at fractional row ``r``, column ``c`` (0 outside, unknown)."""
    rows, cols = lc_codes.shape
    row = math.floor(r)
    col = math.floor(c)
    if not (row >= 0 and col >= 0 and row < rows and col < cols):
        return 0.0
    code = lc_codes[int(row), int(col)]
    return obst[code] if 0 <= code < obst.size else 0.0


@_leaf
def _line_inside(heights, lc_codes, obst, r, dr, c, dc, lr, ldr, lc, ldc, count):
    """Whether samples ``0..count−1`` all fall inside the DEM's cell centres and the land cover.

    Then :func:`_bilinear_inside` and a land-cover lookup without bounds
    stand for :func:`_bilinear` and :func:`_obstacle_at` (the grids are
    convex: the ends decide).
    """
    rows, cols = heights.shape
    r1 = r + (count - 1) * dr
    c1 = c + (count - 1) * dc
    if not (min(r, r1) >= 0.0 and min(c, c1) >= 0.0 and max(r, r1) < rows - 1 and max(c, c1) < cols - 1):
        return False
    if obst.size == 0:
        return True
    l_rows, l_cols = lc_codes.shape
    lr1 = lr + (count - 1) * ldr
    lc1 = lc + (count - 1) * ldc
    return min(lr, lr1) >= 0.0 and min(lc, lc1) >= 0.0 and max(lr, lr1) < l_rows and max(lc, lc1) < l_cols


@_leaf
def _sample_line(heights, dem_t, lc_codes, lc_t, obst, x0, y0, dx, dy, count, ground, obstacle):
    """Ground and obstacle heights at ``(x0 + i dx, y0 + i dy)``, ``i < count``, into ``ground[i]``, ``obstacle[i]``.

    :func:`~whitezone.models.terrain_kernel._height` and ``_obstacle`` at
    those points, stepped in the grids' index space (no division per
    sample): equal to them but for the last bits of the coordinates.
    """
    r = (y0 - dem_t[2]) / dem_t[3] - 0.5
    dr = dy / dem_t[3]
    c = (x0 - dem_t[0]) / dem_t[1] - 0.5
    dc = dx / dem_t[1]
    lr = (y0 - lc_t[2]) / lc_t[3]
    ldr = dy / lc_t[3]
    lc = (x0 - lc_t[0]) / lc_t[1]
    ldc = dx / lc_t[1]
    if _line_inside(heights, lc_codes, obst, r, dr, c, dc, lr, ldr, lc, ldc, count):
        for i in range(count):
            ground[i] = _bilinear_inside(heights, r + i * dr, c + i * dc)
    else:
        for i in range(count):
            ground[i] = _bilinear(heights, r + i * dr, c + i * dc)
    if obst.size == 0:
        for i in range(count):
            obstacle[i] = 0.0
        return
    for i in range(count):
        obstacle[i] = _obstacle_at(lc_codes, obst, lr + i * ldr, lc + i * ldc)


@_leaf
def _short_link(heights, dem_t, lc_codes, lc_t, obst, sx, sy, x1, y1, m, length, h_tx, h_rx, freqs, lams, nf, c,
                k_factor, p526, fractions, ground, obstacle, out, row):  # fmt: skip
    """Bullington loss of one link over its own profile of ``m`` samples, as the model computes it.

    Into ``out[row, f]`` at frequency ``freqs[f]`` (wavelength ``lams[f]``),
    ``f < nf``: the profile and its geometry are the same at every
    frequency (:func:`_edge_loss`).

    :func:`~whitezone.models.terrain_kernel._fill_profile` then
    :func:`~whitezone.models.terrain_kernel.bullington_one` in one pass: the
    samples stepped as :func:`_sample_line` steps them, and the divisions
    per sample replaced by ``fractions[:, m]`` (``f``, ``f (1 − f)``,
    ``1/f``, ``1/(1 − f)``, ``1/√(f (1 − f))`` of sample ``i`` at
    ``f = i/(m − 1)``).  Equal to the model's loss but for rounding.  A
    link reaching beyond the grids takes the samples one by one into the
    work buffers ``ground`` and ``obstacle`` (at least ``m``), and one with
    an end over nodata the model's own filling.
    """
    if not length > 0:
        for f in range(nf):
            out[row, f] = 0.0
        return
    dx = (x1 - sx) / (m - 1)
    dy = (y1 - sy) / (m - 1)
    r = (sy - dem_t[2]) / dem_t[3] - 0.5
    dr = dy / dem_t[3]
    cc = (sx - dem_t[0]) / dem_t[1] - 0.5
    dc = dx / dem_t[1]
    lr = (sy - lc_t[2]) / lc_t[3]
    ldr = dy / lc_t[3]
    lc = (sx - lc_t[0]) / lc_t[1]
    ldc = dx / lc_t[1]
    inside = _line_inside(heights, lc_codes, obst, r, dr, cc, dc, lr, ldr, lc, ldc, m)
    if inside:
        g_tx = _bilinear_inside(heights, r, cc)
        g_rx = _bilinear_inside(heights, r + (m - 1) * dr, cc + (m - 1) * dc)
    else:
        _sample_line(heights, dem_t, lc_codes, lc_t, obst, sx, sy, dx, dy, m, ground, obstacle)
        g_tx = ground[0]
        g_rx = ground[m - 1]
    if not (math.isfinite(g_tx) and math.isfinite(g_rx)):
        # An end over nodata: the model's own filling (rare, at the DEM's edges and holes).
        _fill_profile(ground, heights, dem_t, sx, sy, x1, y1, m, lc_codes, lc_t, obst)
        for f in range(nf):
            out[row, f], _ = bullington_one(ground, m, length, h_tx, h_rx, freqs[f], k_factor, p526)
        return
    z_tx = g_tx + h_tx
    rise = g_rx + h_rx - z_tx
    bulge = length * length * c
    if inside:  # the samples as they come (see _sample_line), not through the buffers
        for i in range(1, m - 1):
            ground[i] = _bilinear_inside(heights, r + i * dr, cc + i * dc)
            obstacle[i] = 0.0
            if obst.size:
                code = lc_codes[int(lr + i * ldr), int(lc + i * ldc)]
                if code >= 0 and code < obst.size:
                    obstacle[i] = obst[code]
    nu_max = -np.inf
    s_tx = -np.inf
    s_rx = -np.inf
    los = True
    for i in range(1, m - 1):
        z = ground[i] + obstacle[i]
        if not math.isfinite(z):
            continue  # nodata never obstructs
        h = z + fractions[1, m, i] * bulge - z_tx - rise * fractions[0, m, i]
        if h >= 0:
            los = False
        nu_max = max(nu_max, h * fractions[4, m, i])
        s_tx = max(s_tx, h * fractions[2, m, i])
        s_rx = max(s_rx, h * fractions[3, m, i])
    nu = nu_max * math.sqrt(2.0 / length)
    slopes = 2.0 * max(s_tx, 0.0) * max(s_rx, 0.0) / length
    for f in range(nf):
        out[row, f] = _edge_loss(los, nu, slopes, lams[f], length, p526)


def _fractions(most: int) -> np.ndarray:
    """``_short_link``'s tables: row k of ``out[:, m]`` for a profile of ``m <= most`` samples."""
    out = np.zeros((5, max(most, 3) + 1, max(most, 3)))
    for m in range(3, max(most, 3) + 1):
        f = np.arange(1, m - 1) / (m - 1)
        out[0, m, 1 : m - 1] = f
        out[1, m, 1 : m - 1] = f * (1.0 - f)
        out[2, m, 1 : m - 1] = 1.0 / f
        out[3, m, 1 : m - 1] = 1.0 / (1.0 - f)
        out[4, m, 1 : m - 1] = 1.0 / np.sqrt(f * (1.0 - f))
    return out


@_leaf
def _held(all_signal, n_chunks, r, col):
    """The strongest signal any worker holds at a cell so far (a bound: each was reached)."""
    held = all_signal[0, r, col]
    for k in range(1, n_chunks):
        held = max(held, all_signal[k, r, col])
    return held


@numba.njit(cache=True, nogil=True)
def _sweep_mast(e, tile, terrain, masts, physics, links, all_signal, chunk, best_dist, best_site):
    """One mast's radials over a tile, and its cells' signals into the best-so-far arrays.

    ``tile`` is the cells (centres' x and y, mask, ground, land-cover
    column, cell size), ``terrain`` the DEM and the obstacles, ``masts`` the
    masts and their sites, ``physics`` the heights, curvature and options
    (see :meth:`RadialSweep.tile`).
    """
    xs, ys, mask, cell_ground, cell_code, res = tile
    heights, dem_t, step, lc_codes, lc_t, obst = terrain
    em_x, em_y, em_h, em_freqs, em_nf, em_reach, em_nrad, em_first, em_sites, em_slot = masts
    h_rx, c, k_factor, p526, gap, interpolate, max_samples, exact_samples, n_extra, pattern_gain = physics
    # The arrays one by one: helpers are handed arrays, never the tuples (see _pattern_loss).
    (site_reach, tab, tab_u0, tab_du, site_tab, site_az, site_bw, site_tilt, site_pattern, site_freq,
     pat_h, pat_v, front_to_back, vertical_bw, side_lobe, clutter, envelope, least_clutter, fractions) = links  # fmt: skip
    best_signal = all_signal[chunk]
    n_chunks = all_signal.shape[0]
    rows, cols = mask.shape
    sx = em_x[e]
    sy = em_y[e]
    h_tx = em_h[e]
    nf = em_nf[e]  # the mast's frequencies: one walk, a loss per frequency
    freqs = em_freqs[e]
    lams = np.empty(nf)
    for f in range(nf):
        lams[f] = SPEED_OF_LIGHT_M_S / (freqs[f] * 1e6)
    reach = em_reach[e]
    n_rad = em_nrad[e]
    per_degree = n_rad / 360.0
    # Nearer than this the radials are within a quarter of a DEM cell of each other: the
    # nearest one will do.
    near_enough = 0.25 * step * n_rad / (2.0 * math.pi)
    c_lo = max(0, int(math.floor((sx - reach - xs[0]) / res)))
    c_hi = min(cols - 1, int(math.ceil((sx + reach - xs[0]) / res)))
    r_lo = max(0, int(math.floor((ys[0] - (sy + reach)) / res)))
    r_hi = min(rows - 1, int(math.ceil((ys[0] - (sy - reach)) / res)))
    if c_lo > c_hi or r_lo > r_hi:
        return
    # Pass 1: the tile's cells within reach.  A short link is profiled at once; the others
    # are queries 2m (and 2m + 1) to the radial(s) beside cell m.
    box = (r_hi - r_lo + 1) * (c_hi - c_lo + 1)
    cell = np.empty(box, dtype=np.int64)
    weight = np.empty(box)
    q_dist = np.empty(2 * box)
    q_last = np.empty(2 * box, dtype=np.int64)
    q_ground = np.empty(2 * box)
    q_ex_x = np.empty((2 * box, max(n_extra, 1)))  # every swept query sets its row
    q_ex_g = np.empty((2 * box, max(n_extra, 1)))
    q_ex_o = np.empty((2 * box, max(n_extra, 1)))
    q_radial = np.empty(2 * box, dtype=np.int64)
    q_loss = np.empty((2 * box, nf))
    buf = np.empty(max(exact_samples, 3))
    buf_o = np.empty(max(exact_samples, 3))
    per_radial = np.zeros(n_rad + 1, dtype=np.int64)
    w_lo = em_first[e]
    w_hi = em_first[e + 1]
    # Each cell's signal from each site of the mast before diffraction (−inf: beyond its reach).
    before = np.empty((box, w_hi - w_lo))
    sectors = False
    for w in range(w_lo, w_hi):
        if math.isfinite(site_az[em_sites[w]]):
            sectors = True
    drop = h_tx - h_rx
    theta = 0.0  # the elevation the antennas see a cell at, for sectors
    last_freq = -1
    n = 0
    longest = 0
    for rb in range(r_lo, r_hi + 1, BLOCK):
        re = min(rb + BLOCK, r_hi + 1)
        for cb in range(c_lo, c_hi + 1, BLOCK):
            ce = min(cb + BLOCK, c_hi + 1)
            # A block whose cells all hold more than the mast could give anywhere in it is skipped
            # whole: the per-cell bound below would reject each of its cells anyway.
            weakest = np.inf
            for r in range(rb, re):
                for col in range(cb, ce):
                    if mask[r, col]:
                        weakest = min(weakest, _held(all_signal, n_chunks, r, col))
            if weakest == np.inf:
                continue  # no cell of the block to compute
            gx = max(xs[cb] - sx, 0.0, sx - xs[ce - 1])
            gy = max(ys[re - 1] - sy, 0.0, sy - ys[rb])
            near = math.sqrt(gx * gx + gy * gy)
            if near > reach:
                continue
            if weakest > -np.inf:
                log_near = math.log10(max(near / 1000.0, MIN_DISTANCE_KM))
                block = -np.inf
                for w in range(em_first[e], em_first[e + 1]):
                    if near <= site_reach[em_sites[w]]:
                        block = max(block, _block_bound(em_sites[w], log_near, envelope, tab_u0, tab_du,
                                                        site_tab, site_freq, least_clutter, pattern_gain))  # fmt: skip
                if block < weakest:
                    continue
            for r in range(rb, re):
                dy = ys[r] - sy
                for col in range(cb, ce):
                    if not mask[r, col]:
                        continue
                    dx = xs[col] - sx
                    d = math.sqrt(dx * dx + dy * dy)
                    if d > reach:
                        continue
                    # Branch and bound, as TerrainModel.best: a mast none of whose sites could beat
                    # (or tie) what the cell already has, even with no diffraction, costs no profile.
                    # First by the formula and clutter alone (computed once per kind of site), then
                    # with the antenna patterns.
                    log_km = math.log10(max(d / 1000.0, MIN_DISTANCE_KM))
                    code = cell_code[r, col]
                    held = _held(all_signal, n_chunks, r, col)
                    bound = -np.inf
                    last_kind = -1
                    value = 0.0
                    for w in range(w_lo, w_hi):
                        s = em_sites[w]
                        if d <= site_reach[s]:
                            if site_tab[s] != last_kind or site_freq[s] != last_freq:
                                last_kind = site_tab[s]
                                last_freq = site_freq[s]
                                value = (_formula_at(tab, last_kind, tab_u0, tab_du, log_km)
                                         - clutter[last_freq, code])  # fmt: skip
                            before[n, w - w_lo] = value
                            bound = max(bound, value + pattern_gain)
                        else:
                            before[n, w - w_lo] = -np.inf
                    if bound < held:
                        continue
                    b = _mod360(np.degrees(np.arctan2(dx, dy)))
                    if sectors:
                        theta = np.degrees(np.arctan2(drop, max(d, 1.0)))
                        bound = -np.inf
                        for w in range(w_lo, w_hi):
                            if before[n, w - w_lo] > -np.inf:
                                before[n, w - w_lo] -= _pattern_loss(em_sites[w], b, theta, site_az,
                                                                     site_bw, site_tilt, site_pattern,
                                                                     pat_h, pat_v, front_to_back,
                                                                     vertical_bw, side_lobe)  # fmt: skip
                                bound = max(bound, before[n, w - w_lo])
                        if bound < held and pattern_gain < np.inf:
                            continue
                    cell[n] = r * cols + col
                    q_dist[2 * n] = d
                    samples = min(max(int(math.ceil(d / step)) + 1, 3), max_samples)
                    samples = min(((samples + 15) // 16) * 16, max_samples)  # as profile_samples
                    if samples <= exact_samples:
                        _short_link(heights, dem_t, lc_codes, lc_t, obst, sx, sy, xs[col], ys[r], samples, d,
                                    h_tx, h_rx, freqs, lams, nf, c, k_factor, p526, fractions, buf, buf_o,
                                    q_loss, 2 * n)  # fmt: skip
                        q_radial[2 * n] = -1
                        q_radial[2 * n + 1] = -1
                        weight[n] = 0.0
                        n += 1
                        continue
                    # The link's own last samples, where the model's profile has them.
                    own = min(n_extra, samples - 2)
                    for t in range(own):
                        i = samples - 1 - own + t
                        f = i / (samples - 1)
                        x = sx + (xs[col] - sx) * f
                        y = sy + (ys[r] - sy) * f
                        q_ex_x[2 * n, t] = f * d
                        q_ex_g[2 * n, t] = _height(heights, dem_t[0], dem_t[1], dem_t[2], dem_t[3], x, y)
                        q_ex_o[2 * n, t] = (_obstacle(lc_codes, lc_t[0], lc_t[1], lc_t[2], lc_t[3], obst,
                                                      x, y) if obst.size else 0.0)  # fmt: skip
                        q_ex_x[2 * n + 1, t] = q_ex_x[2 * n, t]
                        q_ex_g[2 * n + 1, t] = q_ex_g[2 * n, t]
                        q_ex_o[2 * n + 1, t] = q_ex_o[2 * n, t]
                    for t in range(own, q_ex_x.shape[1]):
                        q_ex_x[2 * n, t] = np.nan
                        q_ex_x[2 * n + 1, t] = np.nan
                    short_of = q_ex_x[2 * n, 0] if own else d
                    j = int(math.ceil(short_of / step - gap)) - 1
                    longest = max(longest, j)
                    if interpolate and d > near_enough:
                        t = b * per_degree
                        k = int(t)
                        weight[n] = t - k
                        k2 = k + 1
                        if k >= n_rad:
                            k -= n_rad
                        if k2 >= n_rad:
                            k2 -= n_rad
                        q_radial[2 * n + 1] = k2
                        per_radial[k2 + 1] += 1
                    else:
                        k = int(b * per_degree + 0.5)
                        if k >= n_rad:
                            k -= n_rad
                        q_radial[2 * n + 1] = -1
                        weight[n] = 0.0
                    q_radial[2 * n] = k
                    per_radial[k + 1] += 1
                    for w in range(2 * n, 2 * n + 2):
                        q_dist[w] = d
                        q_last[w] = j
                        q_ground[w] = cell_ground[r, col]
                    n += 1
    if n == 0:
        return
    # Queries by radial (counting sort), then by last sample within each radial.
    for k in range(n_rad):
        per_radial[k + 1] += per_radial[k]
    queries = per_radial[n_rad]
    by_radial = np.empty(queries, dtype=np.int64)
    fill = per_radial[:n_rad].copy()
    for w in range(2 * n):
        k = q_radial[w]
        if k >= 0:
            by_radial[fill[k]] = w
            fill[k] += 1
    size = longest + 2
    samples_g = np.empty(size)
    samples_o = np.empty(size)
    hull_x = np.empty(size)
    hull_q = np.empty(size)
    u = np.empty(size)
    counts = np.zeros(size + 1, dtype=np.int64)
    order = np.empty(queries, dtype=np.int64)
    for k in range(n_rad):
        lo = per_radial[k]
        hi = per_radial[k + 1]
        if lo == hi:
            continue
        far = 0
        for w in range(lo, hi):
            far = max(far, q_last[by_radial[w]])
        for t in range(far + 3):
            counts[t] = 0
        for w in range(lo, hi):
            counts[max(q_last[by_radial[w]], -1) + 2] += 1
        for t in range(far + 2):
            counts[t + 1] += counts[t]
        for w in range(lo, hi):
            qw = by_radial[w]
            slot = max(q_last[qw], -1) + 1
            order[lo + counts[slot]] = qw
            counts[slot] += 1
        angle = math.radians(k * 360.0 / n_rad)
        ux = math.sin(angle)
        uy = math.cos(angle)
        _sample_line(heights, dem_t, lc_codes, lc_t, obst, sx, sy, ux * step, uy * step, far + 1, samples_g,
                     samples_o)  # fmt: skip
        _radial(samples_g, samples_o, step, h_tx, h_rx, lams, nf, c, p526, q_dist, q_last, q_ground,
                q_ex_x, q_ex_g, q_ex_o, order[lo:hi], hull_x, hull_q, u, q_loss)  # fmt: skip
    # Pass 2: every cell's signal from each of the mast's sites, at the site's frequency.
    for m in range(n):
        r = cell[m] // cols
        col = cell[m] - r * cols
        d = q_dist[2 * m]
        for w in range(w_lo, w_hi):
            if before[m, w - w_lo] == -np.inf:
                continue  # beyond the site's reach
            f = em_slot[w]
            loss = q_loss[2 * m, f]
            if q_radial[2 * m + 1] >= 0:
                loss += (q_loss[2 * m + 1, f] - loss) * weight[m]
            s = em_sites[w]
            signal = before[m, w - w_lo] - loss
            if _better(signal, d, s, best_signal[r, col], best_dist[r, col], best_site[r, col]):
                best_signal[r, col] = signal
                best_dist[r, col] = d
                best_site[r, col] = s


@numba.njit(cache=True, nogil=True)
def _sweep_worker(queue, chunk, tile, terrain, masts, order, physics, links, signal, dist, site):
    """Sweep the masts ``order[queue[0]...]`` taken one by one from the shared queue into chunk ``chunk``.

    Every worker of a tile runs this (without the GIL, in its own thread),
    keeping its own best-so-far arrays ``signal[chunk]``, ``dist[chunk]``,
    ``site[chunk]`` and bounding its masts by the strongest signal any worker
    holds (:func:`_held`).
    """
    while True:
        pos = _take_next(queue)
        if pos >= order.size:
            break
        _sweep_mast(order[pos], tile, terrain, masts, physics, links, signal, chunk, dist[chunk], site[chunk])


@_leaf
def _merge_chunks(signal, dist, site, out_signal, out_site):
    """The best of the workers' best-so-far arrays (NaN and −1 where none reached)."""
    n_chunks, rows, cols = signal.shape
    for r in range(rows):
        for col in range(cols):
            bs = -np.inf
            bd = np.inf
            bi = -1
            for chunk in range(n_chunks):
                s = site[chunk, r, col]
                if s >= 0 and _better(signal[chunk, r, col], dist[chunk, r, col], s, bs, bd, bi):
                    bs = signal[chunk, r, col]
                    bd = dist[chunk, r, col]
                    bi = s
            out_signal[r, col] = bs if bi >= 0 else np.nan
            out_site[r, col] = bi


@_leaf
def _tile_cells(xs, ys, heights, dem_t, lc_codes, lc_t, low, columns, unknown, ground, code):
    """Each cell's ground height and clutter table column (:meth:`RadialSweep.cell_codes`).

    The ground as :meth:`Dem.height_at` (bilinear, NaN outside the cell
    centres or over nodata); the land-cover code as
    :meth:`Landcover.class_at` (the cell holding the centre, −1 outside),
    then its column ``columns[code − low]``, ``unknown`` beyond the table
    (``columns`` empty: no clutter, column 0).
    """
    rows, cols = ground.shape
    l_rows, l_cols = lc_codes.shape
    for r in range(rows):
        rr = (ys[r] - dem_t[2]) / dem_t[3] - 0.5
        lr = math.floor((ys[r] - lc_t[2]) / lc_t[3])
        for col in range(cols):
            ground[r, col] = _bilinear(heights, rr, (xs[col] - dem_t[0]) / dem_t[1] - 0.5)
            if columns.size == 0:
                code[r, col] = 0
                continue
            lc = math.floor((xs[col] - lc_t[0]) / lc_t[1])
            value = -1
            if lr >= 0 and lc >= 0 and lr < l_rows and lc < l_cols:
                value = lc_codes[int(lr), int(lc)]
            k = value - low
            code[r, col] = columns[k] if 0 <= k < columns.size else unknown


_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _pool(size: int) -> ThreadPoolExecutor:
    """A process-wide pool of ``size`` threads for the workers of the tiles (made once)."""
    with _POOLS_LOCK:
        if size not in _POOLS:
            _POOLS[size] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="radial")
        return _POOLS[size]


def _sweep_tile(tile, terrain, masts, order, n_chunks, physics, links, out_signal, out_site):
    """Best server of every cell of a tile from the masts ``order``, ``n_chunks`` workers in parallel.

    The workers are Python threads running the compiled :func:`_sweep_worker`
    without the GIL (the calling thread is one of them): they sleep when idle,
    where numba's OpenMP threads would spin between tiles and take the cores
    from the rest of the run.
    """
    rows, cols = tile[2].shape
    signal = np.full((n_chunks, rows, cols), -np.inf)
    dist = np.full((n_chunks, rows, cols), np.inf)
    site = np.full((n_chunks, rows, cols), -1, dtype=np.int64)
    queue = np.zeros(1, dtype=np.int64)
    args = (tile, terrain, masts, order, physics, links, signal, dist, site)
    if n_chunks > 1:
        pool = _pool(n_chunks - 1)
        others = [pool.submit(_sweep_worker, queue, chunk, *args) for chunk in range(1, n_chunks)]
        try:
            _sweep_worker(queue, 0, *args)
        finally:
            for future in others:
                future.result()
    else:
        _sweep_worker(queue, 0, *args)
    _merge_chunks(signal, dist, site, out_signal, out_site)


@numba.njit(cache=True)
def _walk_py(ground, obstacle, step, h_tx, h_rx, lams, c, p526, extra):
    """Each sample ``j >= 2`` of a radial as a receiver over samples ``1..j-1``, at each wavelength.

    The last ``extra`` of them are given as the receiver's own samples, the
    others walked.
    """
    n = ground.size
    out = np.zeros((n, lams.size))
    if n < 3:
        return out
    q_dist = np.arange(n) * step
    q_last = np.empty(n, dtype=np.int64)
    k = max(extra, 1)
    q_ex_x = np.full((n, k), np.nan)
    q_ex_g = np.full((n, k), np.nan)
    q_ex_o = np.full((n, k), np.nan)
    for j in range(n):
        own = min(extra, max(j - 1, 0))
        q_last[j] = j - 1 - own
        for t in range(own):
            i = j - own + t
            q_ex_x[j, t] = i * step
            q_ex_g[j, t] = ground[i]
            q_ex_o[j, t] = obstacle[i]
    q_order = np.argsort(q_last[2:], kind="mergesort") + 2
    _radial(ground, obstacle, step, h_tx, h_rx, lams, lams.size, c, p526, q_dist, q_last, ground, q_ex_x,
            q_ex_g, q_ex_o, q_order, np.empty(n), np.empty(n), np.empty(n), out)  # fmt: skip
    return out


@numba.njit(cache=True)
def _signals_py(site, log_km, bearing, theta, code, links):
    out = np.empty(site.size)
    for i in range(site.size):
        out[i] = _site_signal(site[i], log_km[i], bearing[i], theta[i], code[i], links)
    return out


def _curvature(k_factor: float) -> float:
    """``1 / (2 k a)``, 0 for a flat Earth (``k`` infinite)."""
    return 0.0 if not math.isfinite(k_factor) else 1.0 / (2.0 * k_factor * EARTH_RADIUS_M)


def walk_losses(ground, obstacle=None, *, step_m: float, tx_height_m: float, rx_height_m: float,
                frequency_mhz, k_factor: float = 4.0 / 3.0, p526: bool = False,
                own_samples: int = 0) -> np.ndarray:  # fmt: skip
    """Bullington loss at every sample of one radial, by the running hull.

    Several frequencies share the walk (the geometry is the frequency's
    only through ν's ``1/√λ``): one column of losses per frequency.

    Parameters
    ----------
    ground : array, shape (n,)
        DEM heights along the radial every ``step_m`` (sample 0 under the
        mast; NaN for nodata).
    obstacle : array, shape (n,), optional
        Obstacle height on each sample where it lies between the ends.
    step_m, tx_height_m, rx_height_m, k_factor : float
    frequency_mhz : float or array of float
    p526 : bool
        Add P.526's empirical term (``"bullington_p526"``).
    own_samples : int
        How many of each receiver's last intermediate samples are handed to
        it as its own (as a raster cell's nearest samples are) rather than
        walked: the result is the same.

    Returns
    -------
    ndarray, shape (n,), or (n, k) for k frequencies
        Element ``j``: :func:`~whitezone.models.diffraction.profile_diffraction`
        of the profile ``ground[:j+1]`` (obstacles on its intermediate
        samples, a nodata end filled with the profile's mean known ground as
        the terrain model does), length ``j * step_m``; 0 for ``j < 2``.
    """
    ground = np.ascontiguousarray(ground, dtype=float)
    obstacle = np.zeros_like(ground) if obstacle is None else np.ascontiguousarray(obstacle, dtype=float)
    freqs = np.asarray(frequency_mhz, dtype=float)
    lams = SPEED_OF_LIGHT_M_S / (freqs.reshape(-1) * 1e6)
    out = _walk_py(ground, obstacle, float(step_m), float(tx_height_m), float(rx_height_m), lams,
                   _curvature(k_factor), bool(p526), int(own_samples))  # fmt: skip
    return out[:, 0] if freqs.ndim == 0 else out


# ----------------------------------------------------------------- one technology


class RadialSweep:
    """A technology's sites prepared for radial sweeps, tile after tile.

    Parameters
    ----------
    model : TerrainModel
        A model :func:`radial_support` accepts.
    sites : GeoDataFrame
        The technology's active site-technologies (cells).
    site_xy : ndarray, shape (n, 2)
        Their metric x, y.
    reach_m : ndarray, shape (n,)
        ``model.reach_km(sites) * 1000``.
    resolution_m : float
        The raster's cell size (sets the number of radials).
    radials_per_cell : float
        Radials per raster cell of the circle at a mast's reach (1: the
        neighbouring radials are one cell apart there).
    interpolate : bool
        A cell's diffraction loss interpolated between the two radials on
        either side of it (by bearing), rather than the nearest radial's.
    exact_samples : int
        Links whose exact profile has at most this many samples
        (:meth:`TerrainModel.profile_samples`) are profiled as the model
        profiles them (0: every link from the radials).
    own_samples : int
        A swept cell's last intermediate samples taken at its own profile's
        places rather than along a radial.
    prune : bool
        Skip a (mast, cell) pair when the mast's signal there before
        diffraction (an upper bound: diffraction only takes away; first the
        formula and clutter alone, then with the antenna patterns) cannot
        beat what the cell already has from nearer masts — as
        :meth:`TerrainModel.best` does for villages; the result is the same
        (tested), only cheaper where many masts reach a cell.
    share_walks : bool
        Walk each radial once per place and antenna height for all the
        frequencies there (the profile, the hull and Bullington's geometry
        do not depend on the frequency; ν scales with ``√f``), rather than
        once per frequency: the same rasters (tested), fewer walks where a
        mast carries several bands.  Either way a place's radials are set
        by the longest reach among its sites.
    workers : int, optional
        Threads sweeping a tile's masts (default numba's thread count): the
        same rasters whatever their number.
    """

    def __init__(self, model: TerrainModel, sites: gpd.GeoDataFrame, site_xy: np.ndarray,
                 reach_m: np.ndarray, *, resolution_m: float,
                 radials_per_cell: float = RADIALS_PER_CELL, interpolate: bool = True,
                 exact_samples: int = EXACT_SAMPLES, own_samples: int = OWN_SAMPLES,
                 prune: bool = True, share_walks: bool = True, workers: int | None = None):  # fmt: skip
        reason = radial_support(model)
        if reason is not None:
            raise ValueError(reason)
        if not radials_per_cell > 0:
            raise ValueError(f"radials_per_cell must be > 0, got {radials_per_cell!r}")
        self.model = model
        self.resolution_m = float(resolution_m)
        self.workers = workers
        self.xy = np.asarray(site_xy, dtype=float).reshape(-1, 2)
        self.reach_m = np.asarray(reach_m, dtype=float).reshape(-1)
        self.params = params = model.parameters(sites)
        dem = model.dem
        t = dem.transform
        obstacles = model.obstacles()  # land cover raising the samples between the ends
        if obstacles is None:
            lc_codes, lc_t = np.zeros((1, 1), np.int64), np.array([0.0, 1.0, 0.0, -1.0])
            obst = np.zeros(0)
        else:
            lc, table = obstacles
            lc_codes = np.ascontiguousarray(lc.codes)  # as stored (no int64 copy of a national grid)
            if lc_codes.dtype.kind not in "iu":
                lc_codes = lc_codes.astype(np.int32)
            lc_t = np.array([lc.transform.c, lc.transform.a, lc.transform.f, lc.transform.e])
            obst = np.asarray(table, dtype=np.float64)
        # The DEM as stored (float32): the kernels read heights into float64 arithmetic, and a
        # float64 copy of a national DEM would cost 1.2 GB per technology.
        self.terrain = (np.ascontiguousarray(dem.heights_m),
                        np.array([t.c, t.a, t.f, t.e], dtype=np.float64), float(dem.resolution_m),
                        lc_codes, lc_t, obst)  # fmt: skip
        self.exact_samples = int(exact_samples)
        self.links = self._links(params)
        cover = model.clutter.landcover if model.clutter is not None else None
        low, columns = self._code_columns()
        #: The land cover the cells' clutter classes are read from, for _tile_cells.
        self._cover = ((np.ascontiguousarray(cover.codes), np.array([cover.transform.c, cover.transform.a,
                                                                     cover.transform.f, cover.transform.e]))
                       if cover is not None and columns.size else
                       (np.zeros((1, 1), np.int32), np.array([0.0, 1.0, 0.0, -1.0]))) + (low, columns,
                                                                                         len(self.codes))  # fmt: skip
        self.physics = (float(model.receiver_height_m), _curvature(model.k_factor),
                        float(model.k_factor), model.diffraction == "bullington_p526", GAP_CELLS,
                        bool(interpolate), int(model.max_samples), int(exact_samples),
                        int(own_samples), self._pattern_gain() if prune else np.inf)  # fmt: skip
        # Masts: one walk per place and antenna height.  Its sites (a site's sectors, and the
        # frequencies it carries) share it, each frequency with its own loss (_edge_loss).
        height = params["height_m"].to_numpy(dtype=float)
        freq = params["frequency_mhz"].to_numpy(dtype=float)
        ok = np.isfinite(self.xy).all(axis=1) & np.isfinite(self.reach_m) & (self.reach_m > 0)
        ok &= np.isfinite(height) & np.isfinite(freq)
        rows = np.flatnonzero(ok)
        _, place = np.unique(np.column_stack([self.xy, height])[rows].reshape(-1, 3), axis=0,
                             return_inverse=True)  # fmt: skip
        place = np.asarray(place, dtype=np.int64).reshape(-1)
        # Neighbouring radials at most a raster cell, and a DEM cell, apart at the place's reach
        # (whatever the frequency: shared or not, every site of a place has the same radials).
        place_reach = np.zeros(int(place.max(initial=-1)) + 1)
        np.maximum.at(place_reach, place, self.reach_m[rows])
        spacing = min(self.resolution_m, float(dem.resolution_m)) / radials_per_cell
        place_radials = np.maximum(8, np.ceil(2.0 * math.pi * place_reach / spacing)).astype(np.int64)
        key = place[:, None] if share_walks else np.column_stack([place, freq[rows]])
        _, first, group = np.unique(key, axis=0, return_index=True, return_inverse=True)
        group = np.asarray(group, dtype=np.int64).reshape(-1)
        self.mast_of = np.full(len(sites), -1, dtype=np.int64)
        self.mast_of[rows] = group
        reps = rows[first]
        reach = np.zeros(len(reps))
        np.maximum.at(reach, group, self.reach_m[rows])
        # Each mast's frequencies (ascending) and each site's slot among them.
        pairs, pair = np.unique(np.column_stack([group, freq[rows]]).reshape(-1, 2), axis=0,
                                return_inverse=True)  # fmt: skip
        pair = np.asarray(pair, dtype=np.int64).reshape(-1)
        n_freq = np.bincount(pairs[:, 0].astype(np.int64), minlength=len(reps)).astype(np.int64)
        start = np.concatenate([[0], np.cumsum(n_freq)[:-1]]).astype(np.int64)
        freqs = np.full((len(reps), max(int(n_freq.max(initial=1)), 1)), np.nan)
        freqs[pairs[:, 0].astype(np.int64), np.arange(len(pairs)) - start[pairs[:, 0].astype(np.int64)]] = pairs[:, 1]
        self.slot_of = np.zeros(len(sites), dtype=np.int64)
        self.slot_of[rows] = pair - start[group]
        #: x, y, height, frequencies (NaN beyond their number), number of frequencies, reach and
        #: radials of each mast.
        self.masts = (self.xy[reps, 0].copy(), self.xy[reps, 1].copy(), height[reps].copy(), freqs, n_freq,
                      reach, place_radials[place[first]])  # fmt: skip

    def _links(self, params: pd.DataFrame) -> tuple:
        """The sites' arrays for the cells' signals (:func:`_site_signal`).

        Reach; the formula's signal (EIRP − loss − calibration) per kind of
        site on a log grid of distances from 1 m; azimuth, beamwidth, tilt and
        pattern (MSI tables) of the cells; the clutter loss per (frequency,
        land-cover class), its last column for unknown classes (no loss).
        """
        columns = ["frequency_mhz", "height_m", "eirp_dbm", "offset_db", "slope_db_per_decade"]
        values = np.nan_to_num(params[columns].to_numpy(dtype=float), nan=-1e300).reshape(-1, 5)
        _, first, kind = np.unique(values, axis=0, return_index=True, return_inverse=True)
        far_km = max(float(np.nanmax(self.reach_m, initial=0.0)) / 1000.0, 0.01) * 1.001 + 0.001
        u0 = math.log10(MIN_DISTANCE_KM)
        nodes = max(2, math.ceil((math.log10(far_km) - u0) * NODES_PER_DECADE) + 1)
        du = (math.log10(far_km) - u0) / (nodes - 1)
        d_km = 10.0 ** (u0 + du * np.arange(nodes))
        tab = np.zeros((max(len(first), 1), nodes))
        if len(first):
            with warnings.catch_warnings():
                # The nodes are not links: the model warns about the links themselves.
                warnings.simplefilter("ignore", ModelValidityWarning)
                signal = self.model._formula_signal(params, np.repeat(first, nodes),
                                                    np.tile(d_km, len(first)))  # fmt: skip
            tab = np.asarray(signal, dtype=float).reshape(len(first), nodes)
        azimuth = params["azimuth_deg"].to_numpy(dtype=float)
        names = params["pattern"].to_numpy(dtype=object)
        sector = [isinstance(p, str) and p != "" and math.isfinite(a)
                  for p, a in zip(names, azimuth, strict=True)]  # fmt: skip
        used = sorted({str(p) for p, keep in zip(names, sector, strict=True) if keep})
        patterns = self.model.antennas.patterns
        index = {p: i for i, p in enumerate(used)}
        pattern = np.array([index[p] if keep else -1 for p, keep in zip(names, sector, strict=True)],
                           dtype=np.int64)  # fmt: skip
        freqs, site_freq = np.unique(params["frequency_mhz"].to_numpy(dtype=float), return_inverse=True)
        clutter = self.model.clutter
        self.codes = np.array(sorted(clutter.classes) if clutter is not None else [], dtype=np.int64)
        table = np.zeros((max(len(freqs), 1), len(self.codes) + 1))
        if clutter is not None and len(self.codes) and len(freqs):
            f_grid, c_grid = np.meshgrid(freqs, self.codes, indexing="ij")
            table[:, : len(self.codes)] = clutter.loss_db(c_grid, f_grid)
        a = self.model.antennas
        return (self.reach_m, np.ascontiguousarray(tab), u0, du,
                np.asarray(kind, dtype=np.int64).reshape(-1), azimuth,
                params["beamwidth_deg"].to_numpy(dtype=float), params["tilt_deg"].to_numpy(dtype=float),
                pattern, np.asarray(site_freq, dtype=np.int64).reshape(-1),
                np.array([patterns[p].horizontal_db for p in used], dtype=float).reshape(-1, 360),
                np.array([patterns[p].vertical_db for p in used], dtype=float).reshape(-1, 360),
                float(a.front_to_back_db), float(a.vertical_beamwidth_deg), float(a.side_lobe_db),
                table,
                # For bounds over a block of cells: the formula's highest signal at or beyond each
                # node (a calibration's slope may make it rise with distance), and each
                # frequency's most favourable clutter.
                np.ascontiguousarray(np.maximum.accumulate(tab[:, ::-1], axis=1)[:, ::-1]),
                table.min(axis=1),
                # For links profiled as the model profiles them (_short_link).
                _fractions(int(self.exact_samples)))  # fmt: skip

    def _pattern_gain(self) -> float:
        """How far above 0 dB any pattern file's values rise (0 for well-formed files)."""
        pat_h, pat_v = self.links[10], self.links[11]
        if pat_h.size == 0:
            return 0.0
        return float(max(0.0, -(pat_h.min(axis=1) + pat_v.min(axis=1)).min()))

    def _code_columns(self) -> tuple[int, np.ndarray]:
        """Clutter table column by land-cover code: ``(lowest code, column of each code from it)``.

        :meth:`cell_codes` as a dense table (codes outside it, or not a
        clutter class, take the last column: no loss); an empty table when
        the model has no clutter (column 0 everywhere).
        """
        if self.model.clutter is None or len(self.codes) == 0:
            return 0, np.zeros(0, dtype=np.int64)
        low = min(int(self.codes.min()), -1)  # -1: outside the land cover, as Landcover.class_at
        columns = np.full(int(self.codes.max()) - low + 1, len(self.codes), dtype=np.int64)
        columns[self.codes - low] = np.arange(len(self.codes))
        return low, columns

    def cell_codes(self, centres: np.ndarray) -> np.ndarray:
        """Column of the clutter table of each cell centre's land-cover class."""
        if self.model.clutter is None or len(self.codes) == 0:
            return np.zeros(len(centres), dtype=np.int64)
        code = self.model.clutter.codes_at(centres)
        pos = np.clip(np.searchsorted(self.codes, code), 0, len(self.codes) - 1)
        return np.where(self.codes[pos] == code, pos, len(self.codes)).astype(np.int64)

    def signals(self, site: np.ndarray, centres: np.ndarray) -> np.ndarray:
        """Each (site, cell) link's signal before diffraction, as the sweep computes it."""
        site = np.asarray(site, dtype=np.int64)
        d = np.asarray(centres, dtype=float).reshape(-1, 2) - self.xy[site]
        dist = np.hypot(d[:, 0], d[:, 1])
        bearing = np.degrees(np.arctan2(d[:, 0], d[:, 1])) % 360.0
        drop = self.params["height_m"].to_numpy(dtype=float)[site] - self.physics[0]
        theta = np.degrees(np.arctan2(drop, np.maximum(dist, 1.0)))
        log_km = np.log10(np.maximum(dist / 1000.0, MIN_DISTANCE_KM))
        return _signals_py(site, log_km, bearing, theta, self.cell_codes(centres), self.links)

    def tile(self, centres_x: np.ndarray, centres_y: np.ndarray, mask: np.ndarray,
             sites: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """Best signal and server (position in the sites) of each cell of a tile.

        Parameters
        ----------
        centres_x : ndarray, shape (cols,)
            x of the tile's column centres, ascending, one cell apart.
        centres_y : ndarray, shape (rows,)
            y of its row centres, descending.
        mask : ndarray of bool, shape (rows, cols)
            Cells to compute.
        sites : ndarray of int
            Positions of the sites that may serve the tile.

        Returns
        -------
        signal : ndarray, shape (rows, cols)
            dBm; NaN where no site reaches.
        server : ndarray of int64
            −1 where no site reaches.
        """
        rows, cols = mask.shape
        signal = np.full((rows, cols), np.nan)
        server = np.full((rows, cols), -1, dtype=np.int64)
        sites = np.asarray(sites, dtype=np.int64)
        sites = sites[self.mast_of[sites] >= 0]
        if sites.size == 0 or not mask.any():
            return signal, server
        mast = self.mast_of[sites]
        by_mast = np.argsort(mast, kind="stable")
        masts, first = np.unique(mast[by_mast], return_index=True)
        x, y, height, freqs, n_freq, reach, radials = (a[masts] for a in self.masts)
        tables = (x, y, height, freqs, n_freq, reach, radials, np.append(first, len(sites)).astype(np.int64),
                  sites[by_mast], self.slot_of[sites[by_mast]])  # fmt: skip
        # The masts nearest the tile first, taken from one queue by the workers (one best-so-far
        # tile each): their strong signals let the farther masts skip most cells (the bound in
        # _sweep_mast, over every worker's best).
        cx, cy = float(np.mean(centres_x)), float(np.mean(centres_y))
        order = np.argsort(np.hypot(x - cx, y - cy), kind="stable").astype(np.int64)
        n_chunks = int(max(1, min(len(masts), self.workers or numba.get_num_threads())))
        centres_x = np.ascontiguousarray(centres_x, dtype=float)
        centres_y = np.ascontiguousarray(centres_y, dtype=float)
        # Each cell's ground (Dem.height_at) and clutter column (cell_codes), compiled.
        ground = np.empty((rows, cols))
        code = np.empty((rows, cols), dtype=np.int64)
        heights, dem_t = self.terrain[0], self.terrain[1]
        _tile_cells(centres_x, centres_y, heights, dem_t, *self._cover, ground, code)
        tile = (centres_x, centres_y, np.ascontiguousarray(mask, dtype=np.bool_), ground, code,
                self.resolution_m)  # fmt: skip
        _sweep_tile(tile, self.terrain, tables, order, n_chunks, self.physics, self.links, signal,
                    server)  # fmt: skip
        return signal, server
