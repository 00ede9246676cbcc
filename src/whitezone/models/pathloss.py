"""Empirical path-loss formulas, in dB, vectorised over numpy arrays.

Every function broadcasts its array arguments against each other (numpy
rules) and returns an array of the broadcast shape.  Units are in the
argument names: distances in km, frequencies in MHz, antenna heights in metres
above ground.

Formulas and sources
--------------------
* Free space: ITU-R P.525-4 eq. (4), ``L = 32.45 + 20 log f + 20 log d``; the
  constant is computed exactly as ``20 log10(4π·10⁹/c)`` = 32.448 dB.
* Okumura-Hata: M. Hata, "Empirical formula for propagation loss in land
  mobile radio services", IEEE Trans. VT-29(3), 1980, eqs. (4)-(6); also
  COST 231 final report (1999) eq. (4.4.1).  Validated for 150-1500 MHz,
  base 30-200 m, mobile 1-10 m, 1-20 km.
* COST-231-Hata: COST 231 final report, *Digital mobile radio towards future
  generation systems* (EUR 18957, 1999) §4.4, eq. (4.4.3).  Validated for
  1500-2000 MHz with Hata's heights and distances.
* Extended Hata: Report ITU-R SM.2028-2 (2017) §A1 "Extended Hata model",
  the SEAMCAT "Extended Hata" propagation model (ECO SEAMCAT handbook
  A17.3.1).  It contains Hata (150-1500 MHz) and COST-231 (1500-2000 MHz) and
  extends them to 30 MHz-3 GHz, to 100 km and down to free space at short
  range.  It is the default (``formula="auto"``).

Validity
--------
Outside the range a formula was validated for, the value is still computed
by the same formula (never silently clamped) and **one**
:class:`~whitezone.errors.ModelValidityWarning` per call names the model, the
valid ranges and how many inputs fall outside each.  Inputs that make no
physical sense raise :class:`ValueError`: a frequency or an antenna height
<= 0, a negative distance.  A distance of 0 is allowed and evaluated at
:data:`MIN_DISTANCE_KM` (1 m), where every formula is finite.  NaN inputs give
NaN losses and are not counted as out of range.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from ..errors import ModelValidityWarning

__all__ = [
    "ENVIRONMENTS",
    "FORMULAS",
    "MIN_DISTANCE_KM",
    "SPEED_OF_LIGHT_M_S",
    "cost231_hata_loss_db",
    "extended_hata_loss_db",
    "free_space_loss_db",
    "max_range_km",
    "okumura_hata_loss_db",
    "path_loss_db",
    "wavelength_m",
]

#: General environments of the Hata family; ``"rural"`` is accepted as an
#: alias of ``"open"`` (Hata's "open area": farmland, no tall trees or buildings).
ENVIRONMENTS: tuple[str, ...] = ("urban", "suburban", "open")

#: Formulas :func:`path_loss_db` knows; ``"auto"`` is the extended Hata model.
FORMULAS: tuple[str, ...] = ("auto", "hata", "cost231", "extended_hata", "free_space")

#: Speed of light in vacuum (m/s), exact by the SI definition.
SPEED_OF_LIGHT_M_S = 299_792_458.0

#: Shortest distance any formula is evaluated at (1 m): a distance of 0 would
#: put log(0) into every formula.  Documented, not silent: it is the only floor.
MIN_DISTANCE_KM = 0.001

# 20 log10(4π/c) with f in MHz and d in km: 32.448 dB.  P.525 prints 32.4 (and
# SM.2028 uses 32.4 too); the exact value keeps extended Hata's free-space
# floor consistent with free_space_loss_db to the last digit (0.05 dB apart).
_FSL_CONSTANT_DB = 20.0 * math.log10(4.0 * math.pi * 1e9 / SPEED_OF_LIGHT_M_S)

_ALIASES = {"rural": "open"}


def wavelength_m(frequency_mhz) -> np.ndarray:
    """Wavelength in metres, ``λ = c / f``.

    Parameters
    ----------
    frequency_mhz : array_like
        Frequency in MHz, > 0.

    Returns
    -------
    ndarray
        Wavelength in metres (0.333 m at 900 MHz).
    """
    f = np.asarray(frequency_mhz, dtype=float)
    _check_positive(f, "frequency_mhz")
    return SPEED_OF_LIGHT_M_S / (f * 1e6)


def free_space_loss_db(distance_km, frequency_mhz) -> np.ndarray:
    """Free-space basic transmission loss (ITU-R P.525-4 eq. (4)).

    ``L = 32.45 + 20 log10(f) + 20 log10(d)`` with f in MHz and d in km, the
    constant being the exact ``20 log10(4π·10⁹/c)``.  Distances below
    :data:`MIN_DISTANCE_KM` (including 0) are evaluated at 1 m so the result is
    always finite; the far-field assumption behind the formula does not hold
    that close anyway.

    Parameters
    ----------
    distance_km : array_like
        Distance in km, >= 0.
    frequency_mhz : array_like
        Frequency in MHz, > 0.

    Returns
    -------
    ndarray
        Loss in dB, of the broadcast shape (91.5 dB at 1 km and 900 MHz).
    """
    d, f = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (distance_km, frequency_mhz)))
    _check_nonnegative(d, "distance_km")
    _check_positive(f, "frequency_mhz")
    return _free_space(d, f)


def okumura_hata_loss_db(distance_km, frequency_mhz, base_height_m, mobile_height_m, *,
                         environment="urban", large_city=False) -> np.ndarray:  # fmt: skip
    """Okumura-Hata median path loss (Hata 1980; COST 231 final report eq. 4.4.1).

    Urban: ``L = 69.55 + 26.16 log f − 13.82 log hb − a(hm)
    + (44.9 − 6.55 log hb) log d``, with the mobile-height correction of a
    small or medium city ``a(hm) = (1.1 log f − 0.7) hm − (1.56 log f − 0.8)``
    or, when ``large_city``, ``8.29 (log 1.54 hm)² − 1.1`` up to 300 MHz and
    ``3.2 (log 11.75 hm)² − 4.97`` above (Hata gives them for f <= 200 and
    f >= 400 MHz; 300 MHz splits the gap).  Suburban:
    ``L − 2 (log(f/28))² − 5.4``; open area:
    ``L − 4.78 (log f)² + 18.33 log f − 40.94``.  Hata defined both corrections
    on the small/medium-city formula, so ``large_city`` only affects "urban".

    Validated for 150-1500 MHz, base height 30-200 m, mobile height 1-10 m and
    1-20 km; outside, the same formula is used and a
    :class:`~whitezone.errors.ModelValidityWarning` counts the inputs out.

    Parameters
    ----------
    distance_km, frequency_mhz, base_height_m, mobile_height_m : array_like
        Broadcast together.  Heights are above ground, > 0.
    environment : {"urban", "suburban", "open"}
        ``"rural"`` is an alias of ``"open"``.
    large_city : bool
        Use the large-city a(hm) (urban only).

    Returns
    -------
    ndarray
        Loss in dB.  At 900 MHz, hb 30 m, hm 1.5 m, 1 km, urban: 126.4 dB
        with either a(hm) (both are ~0 at hm = 1.5 m, by design).
    """
    env = _environment(environment)
    d, f, hb, hm = _prepare(distance_km, frequency_mhz, base_height_m, mobile_height_m)
    _warn_validity(_HATA, d, f, hb, hm)
    return _okumura_hata(d, f, hb, hm, env, large_city=large_city)


def cost231_hata_loss_db(distance_km, frequency_mhz, base_height_m, mobile_height_m, *,
                         environment="urban", large_city=False) -> np.ndarray:  # fmt: skip
    """COST-231-Hata median path loss (COST 231 final report §4.4, eq. 4.4.3).

    Urban: ``L = 46.3 + 33.9 log f − 13.82 log hb − a(hm)
    + (44.9 − 6.55 log hb) log d + Cm``, with Hata's small/medium-city a(hm)
    (the one a(hm) the report gives) and ``Cm`` = 0 dB for medium-sized cities
    and suburban centres, 3 dB for metropolitan centres (``environment="urban"``
    and ``large_city``).  The report covers urban areas only; for "suburban"
    and "open" Hata's corrections of :func:`okumura_hata_loss_db` are
    subtracted from the Cm = 0 loss at the actual frequency, as commonly done
    (e.g. SEAMCAT and SM.2028's extended Hata apply the same corrections in
    1500-2000 MHz).

    Validated for 1500-2000 MHz, base height 30-200 m, mobile height 1-10 m and
    1-20 km; outside, the same formula is used and a
    :class:`~whitezone.errors.ModelValidityWarning` counts the inputs out.

    Parameters
    ----------
    distance_km, frequency_mhz, base_height_m, mobile_height_m : array_like
        Broadcast together.  Heights are above ground, > 0.
    environment : {"urban", "suburban", "open"}
        ``"rural"`` is an alias of ``"open"``.
    large_city : bool
        Metropolitan centre: +3 dB (urban only).

    Returns
    -------
    ndarray
        Loss in dB (136.2 dB at 1800 MHz, hb 30 m, hm 1.5 m, 1 km, Cm = 0).
    """
    env = _environment(environment)
    d, f, hb, hm = _prepare(distance_km, frequency_mhz, base_height_m, mobile_height_m)
    _warn_validity(_COST231, d, f, hb, hm)
    return _cost231(d, f, hb, hm, env, large_city=large_city)


def extended_hata_loss_db(distance_km, frequency_mhz, base_height_m, mobile_height_m, *,
                          environment="urban") -> np.ndarray:  # fmt: skip
    """Extended Hata median path loss (Report ITU-R SM.2028-2 §A1; SEAMCAT).

    With ``Hm = min(h1, h2)`` and ``Hb = max(h1, h2)`` (SM.2028 swaps them so
    the model is reciprocal, uplink = downlink):

    * d <= 0.04 km: free space over the 3-D distance
      ``√(d² + (Hb − Hm)²/10⁶)``.
    * d >= 0.1 km, urban:
      ``L = B(f) − 13.82 log max(30, Hb) + (44.9 − 6.55 log max(30, Hb))
      (log d)^α − a(Hm) − b(Hb)`` with the frequency term B(f) =
      ``69.6 + 26.2 log 150 − 20 log(150/f)`` for 30 < f <= 150 MHz,
      ``69.6 + 26.2 log f`` up to 1500 MHz, ``46.3 + 33.9 log f`` up to 2000 MHz
      and ``46.3 + 33.9 log 2000 + 10 log(f/2000)`` up to 3000 MHz;
      ``a(Hm) = (1.1 log f − 0.7) min(10, Hm) − (1.56 log f − 0.8)
      + max(0, 20 log(Hm/10))``; ``b(Hb) = min(0, 20 log(Hb/30))``;
      ``α = 1`` up to 20 km and
      ``1 + (0.14 + 1.87·10⁻⁴ f + 1.07·10⁻³ Hb) (log(d/20))^0.8`` beyond.
      Suburban subtracts ``2 (log(fc/28))² + 5.4``; open area adds
      ``−4.78 (log fc)² + 18.33 log fc − 40.94``, with
      ``fc = min(max(150, f), 2000)``.
    * 0.04 < d < 0.1 km: linear in log d between L(0.04) (free space) and
      L(0.1) (environment correction included), so the loss is continuous.
    * Whenever L falls below the free-space loss (3-D distance) the free-space
      loss is used instead.

    In 150-1500 MHz with Hb >= 30 m and Hm <= 10 m this is Hata's
    small/medium-city formula with SM.2028's rounded constants (69.6 and 26.2
    for 69.55 and 26.16: 0.05 + 0.04 log f, i.e. +0.14 to +0.18 dB), and in
    1500-2000 MHz exactly COST-231-Hata with Cm = 0, both floored at free
    space.  B(f) steps up by 1.2 dB at 1500 MHz, as the two source formulas do.

    Validated for 30-3000 MHz, base height 30-200 m, mobile height 1-10 m
    (the COST 231 ranges SEAMCAT applies to this model) and distances up to
    100 km; outside, the same formula is used and a
    :class:`~whitezone.errors.ModelValidityWarning` counts the inputs out.
    The free-space constant is the exact 32.45 dB (SM.2028 rounds it to 32.4).

    Parameters
    ----------
    distance_km, frequency_mhz, base_height_m, mobile_height_m : array_like
        Broadcast together.  Heights are above ground, > 0.
    environment : {"urban", "suburban", "open"}
        ``"rural"`` is an alias of ``"open"``.

    Returns
    -------
    ndarray
        Loss in dB, never below the free-space loss.
    """
    env = _environment(environment)
    d, f, hb, hm = _prepare(distance_km, frequency_mhz, base_height_m, mobile_height_m)
    h_low, h_high = np.minimum(hb, hm), np.maximum(hb, hm)
    _warn_validity(_EXTENDED, d, f, h_high, h_low)
    return _extended_hata(d, f, hb, hm, env)


def path_loss_db(distance_km, frequency_mhz, base_height_m, mobile_height_m, *,
                 formula="auto", environment="suburban") -> np.ndarray:  # fmt: skip
    """Path loss by a named formula.

    Parameters
    ----------
    distance_km, frequency_mhz, base_height_m, mobile_height_m : array_like
        Broadcast together.  Heights are above ground, > 0.
    formula : {"auto", "hata", "cost231", "extended_hata", "free_space"}
        ``"auto"`` is :func:`extended_hata_loss_db`, which contains Hata and
        COST-231 in their bands and is valid 30 MHz-3 GHz, 0-100 km.
        ``"free_space"`` ignores the heights and the environment.
    environment : {"urban", "suburban", "open"}
        ``"rural"`` is an alias of ``"open"``.

    Returns
    -------
    ndarray
        Loss in dB.  At most one :class:`~whitezone.errors.ModelValidityWarning`
        is emitted, by the formula used.
    """
    key = _formula(formula)
    if key == "free_space":
        d, f = np.broadcast_arrays(
            *(np.asarray(a, dtype=float) for a in (distance_km, frequency_mhz))
        )
        _check_nonnegative(d, "distance_km")
        _check_positive(f, "frequency_mhz")
        # Heights are not used but must still broadcast, so the shape is the
        # same whichever formula runs.
        shape = np.broadcast_shapes(d.shape, np.shape(base_height_m), np.shape(mobile_height_m))
        return np.broadcast_to(_free_space(d, f), shape).copy()
    env = _environment(environment)
    d, f, hb, hm = _prepare(distance_km, frequency_mhz, base_height_m, mobile_height_m)
    spec = _SPECS[key]
    if key == "extended_hata":
        _warn_validity(spec, d, f, np.maximum(hb, hm), np.minimum(hb, hm))
    else:
        _warn_validity(spec, d, f, hb, hm)
    return _compute(key, d, f, hb, hm, env)


def max_range_km(loss_budget_db, frequency_mhz, base_height_m, mobile_height_m, *,
                 formula="auto", environment="suburban", limit_km=100.0) -> np.ndarray:  # fmt: skip
    """Largest distance at which the path loss stays within a budget.

    Every formula here is non-decreasing in distance, so a vectorised
    bisection (all elements at once, 40 halvings: ~10⁻¹⁰ km) finds the largest
    ``d`` in [0.01 km, ``limit_km``] with ``path_loss_db(d) <= loss_budget_db``.

    Parameters
    ----------
    loss_budget_db : array_like
        Largest acceptable loss in dB (EIRP − receiver threshold).
    frequency_mhz, base_height_m, mobile_height_m : array_like
        As in :func:`path_loss_db`; all broadcast with the budget.
    formula, environment : str
        As in :func:`path_loss_db`.
    limit_km : float
        Cap on the range (extended Hata's 100 km by default).

    Returns
    -------
    ndarray
        Range in km: ``limit_km`` where even that distance is within budget,
        0 where even 10 m loses more than the budget, NaN where an input is
        NaN.  One :class:`~whitezone.errors.ModelValidityWarning` is emitted
        if the formula is out of its validated range at the returned ranges.
    """
    key = _formula(formula)
    env = _environment(environment)
    if not limit_km > 0:
        raise ValueError(f"limit_km must be > 0, got {limit_km!r}")
    budget = np.asarray(loss_budget_db, dtype=float)
    _, f, hb, hm = _prepare(0.0, frequency_mhz, base_height_m, mobile_height_m)
    budget, f, hb, hm = np.broadcast_arrays(budget, f, hb, hm)
    lo_km = min(0.01, float(limit_km))

    def loss(d):
        return _compute(key, d, f, hb, hm, env)

    lo = np.full(budget.shape, lo_km)
    hi = np.full(budget.shape, float(limit_km))
    fits_lo = loss(lo) <= budget
    fits_hi = loss(hi) <= budget
    # Invariant: loss(lo) <= budget < loss(hi) for the elements still searching.
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        ok = loss(mid) <= budget
        lo = np.where(ok, mid, lo)
        hi = np.where(ok, hi, mid)
    rng = np.where(fits_hi, float(limit_km), np.where(fits_lo, lo, 0.0))
    rng = np.where(np.isnan(budget) | np.isnan(f) | np.isnan(hb) | np.isnan(hm), np.nan, rng)
    if key != "free_space":
        d_check = np.maximum(rng, lo_km)
        if key == "extended_hata":
            _warn_validity(_SPECS[key], d_check, f, np.maximum(hb, hm), np.minimum(hb, hm))
        else:
            _warn_validity(_SPECS[key], d_check, f, hb, hm)
    return rng


# --- validity ---------------------------------------------------------------


@dataclass(frozen=True)
class _Validity:
    """Ranges a formula was validated for; None = no bound on that side."""

    model: str
    frequency_mhz: tuple[float | None, float | None]
    base_height_m: tuple[float | None, float | None]
    mobile_height_m: tuple[float | None, float | None]
    distance_km: tuple[float | None, float | None]


_HATA = _Validity("Okumura-Hata", (150, 1500), (30, 200), (1, 10), (1, 20))
_COST231 = _Validity("COST-231-Hata", (1500, 2000), (30, 200), (1, 10), (1, 20))
_EXTENDED = _Validity("Extended Hata (ITU-R SM.2028)", (30, 3000), (30, 200), (1, 10), (None, 100))
_SPECS = {"hata": _HATA, "cost231": _COST231, "extended_hata": _EXTENDED}


def _range_text(label: str, unit: str, bounds: tuple[float | None, float | None]) -> str:
    lo, hi = bounds
    if lo is None:
        return f"{label} up to {hi:g} {unit}"
    return f"{lo:g}–{hi:g} {unit}" if label == "frequency" else f"{label} {lo:g}–{hi:g} {unit}"


def _warn_validity(spec: _Validity, d, f, hb, hm, *, stacklevel: int = 3) -> None:
    """Emit one ModelValidityWarning if any element is outside ``spec``.

    ``stacklevel=3`` points at the caller of the public function.
    """
    d, f, hb, hm = np.broadcast_arrays(d, f, hb, hm)
    checks = (
        ("frequency", "MHz", f, spec.frequency_mhz),
        ("base height", "m", hb, spec.base_height_m),
        ("mobile height", "m", hm, spec.mobile_height_m),
        ("distance", "km", d, spec.distance_km),
    )
    outside = np.zeros(d.shape, dtype=bool)
    counts: list[str] = []
    for label, unit, values, (lo, hi) in checks:
        for bound, side, mask in (
            (lo, "<", (values < lo) if lo is not None else None),
            (hi, ">", (values > hi) if hi is not None else None),
        ):
            if mask is None:
                continue
            n = int(np.count_nonzero(mask))
            if n:
                counts.append(f"{label} {side} {bound:g} {unit}: {n:,}")
                outside |= mask
    if not counts:
        return
    valid = ", ".join(_range_text(label, unit, b) for label, unit, _, b in checks)
    message = (
        f"{spec.model} is validated for {valid}; {int(outside.sum()):,} of {outside.size:,} "
        f"inputs outside ({'; '.join(counts)}); computed by the same formula (extrapolated)"
    )
    warnings.warn(message, ModelValidityWarning, stacklevel=stacklevel)


# --- argument handling ------------------------------------------------------


def _environment(environment: str) -> str:
    env = _ALIASES.get(environment, environment)
    if env not in ENVIRONMENTS:
        raise ValueError(
            f"unknown environment {environment!r}; expected one of {ENVIRONMENTS} (or 'rural')"
        )
    return env


def _formula(formula: str) -> str:
    if formula not in FORMULAS:
        raise ValueError(f"unknown formula {formula!r}; expected one of {FORMULAS}")
    return "extended_hata" if formula == "auto" else formula


def _check_positive(values: np.ndarray, name: str) -> None:
    # NaN compares False and passes: NaN in, NaN out.
    if np.any(values <= 0):
        raise ValueError(f"{name} must be > 0, got {values[values <= 0].flat[0]!r}")


def _check_nonnegative(values: np.ndarray, name: str) -> None:
    if np.any(values < 0):
        raise ValueError(f"{name} must be >= 0, got {values[values < 0].flat[0]!r}")


def _prepare(d, f, hb, hm) -> tuple[np.ndarray, ...]:
    arrays = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (d, f, hb, hm)))
    d, f, hb, hm = arrays
    _check_nonnegative(d, "distance_km")
    _check_positive(f, "frequency_mhz")
    _check_positive(hb, "base_height_m")
    _check_positive(hm, "mobile_height_m")
    return d, f, hb, hm


# --- the formulas (no checks, no warnings) ------------------------------------


def _compute(key: str, d, f, hb, hm, env: str) -> np.ndarray:
    if key == "free_space":
        return _free_space(d, f)
    if key == "hata":
        return _okumura_hata(d, f, hb, hm, env, large_city=False)
    if key == "cost231":
        return _cost231(d, f, hb, hm, env, large_city=False)
    return _extended_hata(d, f, hb, hm, env)


def _free_space(d, f) -> np.ndarray:
    d = np.maximum(d, MIN_DISTANCE_KM)
    return _FSL_CONSTANT_DB + 20.0 * np.log10(f) + 20.0 * np.log10(d)


def _a_small_medium(log_f, hm) -> np.ndarray:
    # Hata 1980 eq. (4): ~0 at hm = 1.5 m, the height Okumura measured at.
    return (1.1 * log_f - 0.7) * hm - (1.56 * log_f - 0.8)


def _a_large_city(f, hm) -> np.ndarray:
    low = 8.29 * np.log10(1.54 * hm) ** 2 - 1.1
    high = 3.2 * np.log10(11.75 * hm) ** 2 - 4.97
    return np.where(f <= 300.0, low, high)


def _suburban_db(f) -> np.ndarray:
    return 2.0 * np.log10(f / 28.0) ** 2 + 5.4


def _open_db(f) -> np.ndarray:
    log_f = np.log10(f)
    return 4.78 * log_f**2 - 18.33 * log_f + 40.94


def _hata_body(d, hb, hm, log_f, a_hm) -> np.ndarray:
    log_hb = np.log10(hb)
    log_d = np.log10(np.maximum(d, MIN_DISTANCE_KM))
    return -13.82 * log_hb - a_hm + (44.9 - 6.55 * log_hb) * log_d


def _okumura_hata(d, f, hb, hm, env, *, large_city) -> np.ndarray:
    log_f = np.log10(f)
    use_large = large_city and env == "urban"
    a_hm = _a_large_city(f, hm) if use_large else _a_small_medium(log_f, hm)
    loss = 69.55 + 26.16 * log_f + _hata_body(d, hb, hm, log_f, a_hm)
    if env == "suburban":
        loss = loss - _suburban_db(f)
    elif env == "open":
        loss = loss - _open_db(f)
    return loss


def _cost231(d, f, hb, hm, env, *, large_city) -> np.ndarray:
    log_f = np.log10(f)
    loss = 46.3 + 33.9 * log_f + _hata_body(d, hb, hm, log_f, _a_small_medium(log_f, hm))
    if env == "urban":
        loss = loss + (3.0 if large_city else 0.0)
    elif env == "suburban":
        loss = loss - _suburban_db(f)
    else:
        loss = loss - _open_db(f)
    return loss


def _extended_median(d, f, hb, hm, env) -> np.ndarray:
    """SM.2028 median loss for d >= 0.1 km, environment correction included."""
    log_f = np.log10(f)
    # Frequency term by band; the last band's formula also serves above 3 GHz
    # and the first below 30 MHz (extrapolated, and warned about).
    band = np.select(
        [f <= 150.0, f <= 1500.0, f <= 2000.0],
        [
            69.6 + 26.2 * math.log10(150.0) - 20.0 * np.log10(150.0 / f),
            69.6 + 26.2 * log_f,
            46.3 + 33.9 * log_f,
        ],
        default=46.3 + 33.9 * math.log10(2000.0) + 10.0 * np.log10(f / 2000.0),
    )
    hb30 = np.log10(np.maximum(30.0, hb))
    # max(0, 20 log(Hm/10)) written without a log of Hm <= 10.
    a_hm = (
        (1.1 * log_f - 0.7) * np.minimum(10.0, hm)
        - (1.56 * log_f - 0.8)
        + 20.0 * np.log10(np.maximum(hm, 10.0) / 10.0)
    )
    b_hb = np.minimum(0.0, 20.0 * np.log10(hb / 30.0))
    log_d = np.log10(d)
    # (log d)^α only beyond 20 km, where log d > 1.3 > 0 so the power is real.
    far = np.maximum(d, 20.0)
    alpha = 1.0 + (0.14 + 1.87e-4 * f + 1.07e-3 * hb) * np.log10(far / 20.0) ** 0.8
    corr = np.where(d > 20.0, np.log10(far) ** alpha, log_d)
    loss = band - 13.82 * hb30 + (44.9 - 6.55 * hb30) * corr - a_hm - b_hb
    fc = np.clip(f, 150.0, 2000.0)
    if env == "suburban":
        loss = loss - _suburban_db(fc)
    elif env == "open":
        loss = loss - _open_db(fc)
    return loss


def _free_space_3d(d, f, hb, hm) -> np.ndarray:
    return _free_space(np.sqrt(d**2 + ((hb - hm) / 1000.0) ** 2), f)


def _extended_hata(d, f, hb, hm, env) -> np.ndarray:
    hm, hb = np.minimum(hb, hm), np.maximum(hb, hm)  # reciprocal, as SM.2028 defines it
    near, far = 0.04, 0.1
    median = _extended_median(np.maximum(d, far), f, hb, hm, env)
    l_near = _free_space_3d(np.full_like(d, near), f, hb, hm)
    l_far = _extended_median(np.full_like(d, far), f, hb, hm, env)
    t = (np.log10(np.clip(d, near, far)) - math.log10(near)) / (math.log10(far) - math.log10(near))
    between = l_near + t * (l_far - l_near)
    free = _free_space_3d(d, f, hb, hm)
    loss = np.where(d <= near, free, np.where(d < far, between, median))
    return np.maximum(loss, free)
