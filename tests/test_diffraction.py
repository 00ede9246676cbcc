"""Terrain diffraction (ITU-R P.526): J(ν), geometry, methods, batch, properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import fresnel

from whitezone.models.diffraction import (
    DIFFRACTION_METHODS,
    EARTH_RADIUS_M,
    earth_bulge_m,
    fresnel_nu,
    knife_edge_loss_db,
    profile_diffraction,
)
from whitezone.models.pathloss import wavelength_m

FLAT = math.inf  # k_factor of a flat Earth
LAM_900 = wavelength_m(900.0)


def j_exact(nu):
    """P.526-15 eq. (27): J(ν) from the Fresnel integrals C(ν), S(ν)."""
    s, c = fresnel(nu)
    return -20 * np.log10(np.hypot(1 - c - s, c - s) / 2)


# --- J(ν) ---------------------------------------------------------------------


def test_knife_edge_reference_points():
    # P.526: J(0) = 6 dB (the edge grazing the ray halves the field).
    assert knife_edge_loss_db(0.0) == pytest.approx(6.0, abs=0.05)
    # 0 at and below ν = −0.78 (eq. (31)'s domain), ~0 just above it.
    assert knife_edge_loss_db(-0.78) == 0.0
    assert knife_edge_loss_db(-5.0) == 0.0
    assert knife_edge_loss_db(-0.7799) == pytest.approx(0.0, abs=0.01)
    # P.526: for large ν, J ≈ 13 + 20 log ν.
    for nu in (5.0, 10.0, 100.0):
        assert knife_edge_loss_db(nu) == pytest.approx(13 + 20 * math.log10(nu), abs=0.2)


@pytest.mark.parametrize(
    ("nu", "lee_db"),
    # Points of the J(ν) curve (P.526-15 Fig. 9) as W.C.Y. Lee's piecewise
    # approximation gives them (Rappaport, Wireless Communications, eq. 4.61):
    # −1 <= ν <= 0: −20 log(0.5 e^(−0.95ν)); 0..1: −20 log(0.5 − 0.62ν);
    # 1..2.4: −20 log(0.4 − √(0.1184 − (0.38 − 0.1ν)²)); > 2.4: −20 log(0.225/ν).
    [(-0.5, 1.89), (0.0, 6.02), (0.5, 10.36), (1.0, 13.98), (2.0, 19.43), (3.0, 22.50)],
)
def test_knife_edge_against_published_curve(nu, lee_db):
    assert knife_edge_loss_db(nu) == pytest.approx(lee_db, abs=0.5)
    assert knife_edge_loss_db(nu) == pytest.approx(j_exact(nu), abs=0.15)


def test_knife_edge_approximates_fresnel_integral():
    # Eq. (31) is P.526's approximation of eq. (27) for ν > −0.78: within 0.13 dB.
    nu = np.linspace(-0.7799, 10, 5001)
    np.testing.assert_allclose(knife_edge_loss_db(nu), j_exact(nu), atol=0.13)
    assert np.all(np.diff(knife_edge_loss_db(nu)) > 0)


def test_knife_edge_nan_and_inf():
    out = knife_edge_loss_db([np.nan, -np.inf, np.inf])
    assert np.isnan(out[0]) and out[1] == 0.0 and out[2] == np.inf


# --- geometry helpers -------------------------------------------------------------


def test_fresnel_nu_and_clearance():
    # 60 % first-Fresnel-zone clearance, F1 = √(λ d1 d2 / d): ν = −0.6 √2.
    d1, d2 = 3000.0, 7000.0
    f1 = math.sqrt(LAM_900 * d1 * d2 / (d1 + d2))
    assert fresnel_nu(-0.6 * f1, d1, d2, LAM_900) == pytest.approx(-0.6 * math.sqrt(2))
    assert knife_edge_loss_db(fresnel_nu(-0.6 * f1, d1, d2, LAM_900)) == 0.0
    assert fresnel_nu(0.0, d1, d2, LAM_900) == 0.0


def test_earth_bulge():
    # 30 km path, mid-way, k = 4/3: 15 000² / (2 · 4/3 · 6 371 000) = 13.24 m.
    assert earth_bulge_m(15_000.0, 15_000.0) == pytest.approx(13.24, abs=0.01)
    assert earth_bulge_m(15_000.0, 15_000.0, k_factor=0.6) == pytest.approx(
        15_000.0**2 / (2 * 0.6 * EARTH_RADIUS_M)
    )
    assert earth_bulge_m(0.0, 30_000.0) == 0.0


# --- profile_diffraction: known geometry -------------------------------------------


def one_edge(m=101, height=100.0, at=None):
    t = np.zeros(m)
    t[m // 2 if at is None else at] = height
    return t


def test_single_knife_edge_by_hand():
    # 10 km path, 100 m edge mid-path, antennas at ground level (0 m), 900 MHz,
    # flat Earth: ν = 100 √(2·10 000/(λ·5 000·5 000)) = 4.90, J = 26.6 dB.
    nu = 100 * math.sqrt(2 * 10_000 / (LAM_900 * 5_000 * 5_000))
    assert nu == pytest.approx(4.90, abs=0.01)
    loss, los = profile_diffraction(one_edge(), 10_000.0, 0.0, 0.0, 900.0, k_factor=FLAT)
    assert loss[0] == pytest.approx(float(knife_edge_loss_db(nu)))
    assert loss[0] == pytest.approx(26.6, abs=0.05)
    assert not los[0]
    # With k = 4/3 the edge stands 1.47 m higher above the chord.
    bulge = 5_000.0**2 / (2 * 4 / 3 * EARTH_RADIUS_M)
    loss, _ = profile_diffraction(one_edge(), 10_000.0, 0.0, 0.0, 900.0)
    assert loss[0] == pytest.approx(float(knife_edge_loss_db(nu * (100 + bulge) / 100)))


def test_single_edge_same_for_every_method_when_ground_clears():
    # Antennas 50 m up: the ground is far below the sub-paths, so Deygout adds
    # nothing to the one edge (h = 50 m above the ray).
    nu = 50 * math.sqrt(2 * 10_000 / (LAM_900 * 5_000 * 5_000))
    for method in ("bullington", "deygout"):
        loss, _ = profile_diffraction(one_edge(), 10_000.0, 50.0, 50.0, 900.0, method=method,
                                      k_factor=FLAT)  # fmt: skip
        assert loss[0] == pytest.approx(float(knife_edge_loss_db(nu))), method


def test_bullington_p526_adds_the_empirical_term():
    # P.526-15 §4.5.1: Lb = Luc + (1 − exp(−Luc/6)) (10 + 0.02 d_km).
    luc, _ = profile_diffraction(one_edge(), 10_000.0, 0.0, 0.0, 900.0, k_factor=FLAT)
    lb, _ = profile_diffraction(one_edge(), 10_000.0, 0.0, 0.0, 900.0, k_factor=FLAT,
                                method="bullington_p526")  # fmt: skip
    assert lb[0] == pytest.approx(luc[0] + (1 - math.exp(-luc[0] / 6)) * (10 + 0.02 * 10))


def test_bullington_edge_matches_p526_construction():
    # Two ridges: compute P.526's Stim, Srim, d_b and ν_b literally.
    m, length, h_tx, h_rx = 201, 20_000.0, 10.0, 25.0
    t = np.full(m, 5.0)
    t[0], t[-1] = 0.0, 12.0
    t[50], t[150] = 90.0, 70.0
    x = np.linspace(0, length, m)[1:-1]
    z = t[1:-1] + earth_bulge_m(x, length - x)
    hts, hrs = t[0] + h_tx, t[-1] + h_rx
    stim = np.max((z - hts) / x)
    srim = np.max((z - hrs) / (length - x))
    db = (hrs - hts + srim * length) / (stim + srim)
    nub = (hts + stim * db - (hts * (length - db) + hrs * db) / length) * math.sqrt(
        2 * length / (LAM_900 * db * (length - db))
    )
    loss, los = profile_diffraction(t, length, h_tx, h_rx, 900.0)
    assert not los[0]
    assert loss[0] == pytest.approx(float(knife_edge_loss_db(nub)))


def test_flat_earth_clear_path_has_no_loss():
    loss, los = profile_diffraction(
        np.zeros((1, 101)), 10_000.0, 100.0, 100.0, 900.0, k_factor=FLAT
    )
    assert loss[0] == 0.0 and los[0]


def test_clearance_above_sixty_percent_fresnel_is_lossless():
    # One edge 4 km along a 10 km path, its top 0.61 F1 below the ray: no loss;
    # 0.5 F1 below it: still line of sight but a little loss (ν = −0.71).
    d1, d2 = 4_000.0, 6_000.0
    f1 = math.sqrt(LAM_900 * d1 * d2 / (d1 + d2))
    for method in DIFFRACTION_METHODS:
        clear = one_edge(height=50.0 - 0.61 * f1, at=40)
        loss, los = profile_diffraction(clear, 10_000.0, 50.0, 50.0, 900.0, method=method,
                                        k_factor=FLAT)  # fmt: skip
        assert loss[0] == 0.0 and los[0], method
        grazing = one_edge(height=50.0 - 0.5 * f1, at=40)
        loss, los = profile_diffraction(grazing, 10_000.0, 50.0, 50.0, 900.0, method=method,
                                        k_factor=FLAT)  # fmt: skip
        assert los[0] and 0 < loss[0] < 6.0, method


def test_curvature_obstructs_a_long_flat_path():
    # 30 km over flat ground with 10 m masts: the 4/3-Earth bulge (13.2 m
    # mid-way) rises above the ray; a flat Earth leaves the path open.
    flat = np.zeros((1, 301))
    loss, los = profile_diffraction(flat, 30_000.0, 10.0, 10.0, 900.0)
    assert not los[0] and loss[0] > 6.0
    _, los_flat = profile_diffraction(flat, 30_000.0, 10.0, 10.0, 900.0, k_factor=FLAT)
    assert los_flat[0]
    # A smaller k (0.6, worst case) bulges more and loses more.
    loss_06, _ = profile_diffraction(flat, 30_000.0, 10.0, 10.0, 900.0, k_factor=0.6)
    assert loss_06[0] > loss[0]


def test_deygout_two_ridges_exceeds_main_edge():
    t = np.zeros(201)
    t[60], t[140] = 80.0, 80.0
    args = (t, 20_000.0, 10.0, 10.0, 900.0)
    deygout, _ = profile_diffraction(*args, method="deygout", k_factor=FLAT)
    # The main edge alone: largest ν over the path.
    x = np.linspace(0, 20_000.0, 201)[1:-1]
    nu = fresnel_nu(t[1:-1] - 10.0, x, 20_000.0 - x, LAM_900)
    main = float(knife_edge_loss_db(nu.max()))
    assert deygout[0] > main + 6.0  # the second ridge adds its own loss
    # Bullington's single equivalent edge is at least the main edge too.
    bullington, _ = profile_diffraction(*args, k_factor=FLAT)
    assert bullington[0] >= main


def test_batch_equals_single_profiles():
    rng = np.random.default_rng(7)
    n, m = 12, 64
    terrain = rng.uniform(0, 150, (n, m)).cumsum(axis=1) / 10 + rng.uniform(0, 200, (n, 1))
    terrain[3] = 0.0  # flat
    terrain[5, 20:30] = np.nan  # nodata stretch
    length = rng.uniform(500, 40_000, n)
    length[7] = 0.0  # zero-length path
    h_tx = rng.uniform(5, 60, n)
    freq = rng.choice([700.0, 900.0, 1800.0, 2600.0], n)
    for method in DIFFRACTION_METHODS:
        loss, los = profile_diffraction(terrain, length, h_tx, 1.5, freq, method=method)
        assert loss.shape == (n,) and los.shape == (n,) and los.dtype == bool
        assert np.all(loss >= 0)
        for i in range(n):
            one_loss, one_los = profile_diffraction(terrain[i], length[i], h_tx[i], 1.5, freq[i],
                                                    method=method)  # fmt: skip
            assert loss[i] == pytest.approx(one_loss[0], abs=1e-9)
            assert los[i] == one_los[0]
        assert loss[7] == 0.0 and los[7]


def test_nodata_does_not_obstruct():
    t = one_edge()
    t[50] = np.nan
    for method in DIFFRACTION_METHODS:
        # 100 m masts: the flat ground stays outside 0.6 F1 (29 m mid-way).
        loss, los = profile_diffraction(t, 10_000.0, 100.0, 100.0, 900.0, method=method,
                                        k_factor=FLAT)  # fmt: skip
        assert loss[0] == 0.0 and los[0]
    # A NaN end takes the nearest valid sample's elevation.
    t = np.zeros(11)
    t[:2] = np.nan
    t[2] = 40.0
    expected, _ = profile_diffraction(np.r_[40.0, 0.0, 40.0, t[3:]], 1_000.0, 5.0, 5.0, 900.0)
    loss, _ = profile_diffraction(t, 1_000.0, 5.0, 5.0, 900.0)
    assert loss[0] == pytest.approx(expected[0])
    # No valid sample at all: nothing known obstructs.
    loss, los = profile_diffraction(np.full((2, 5), np.nan), 1_000.0, 5.0, 5.0, 900.0)
    assert np.all(loss == 0.0) and np.all(los)


def test_arguments():
    with pytest.raises(ValueError, match="method"):
        profile_diffraction(np.zeros((1, 5)), 1_000.0, 5.0, 5.0, 900.0, method="epstein")
    with pytest.raises(ValueError):
        profile_diffraction(np.zeros((1, 5)), -1.0, 5.0, 5.0, 900.0)
    with pytest.raises(ValueError):
        profile_diffraction(np.zeros((1, 5)), 1_000.0, 5.0, 5.0, 0.0)
    with pytest.raises(ValueError):
        profile_diffraction(np.zeros((1, 5)), 1_000.0, 5.0, 5.0, 900.0, k_factor=0.0)
    loss, los = profile_diffraction(np.zeros((3, 2)), 1_000.0, 5.0, 5.0, 900.0)
    assert loss.shape == (3,) and np.all(los)  # no intermediate sample
    loss, _ = profile_diffraction(np.zeros((2, 5)), [np.nan, 1_000.0], 20.0, 20.0, 900.0)
    assert np.isnan(loss[0]) and loss[1] == 0.0


# --- properties -------------------------------------------------------------------------

profiles = st.integers(5, 24).flatmap(
    lambda m: arrays(float, m, elements=st.floats(0, 400, allow_nan=False))
)
lengths = st.floats(500, 60_000)
heights = st.floats(1, 100)
freqs = st.floats(30, 6000)
MONOTONE = ("bullington", "bullington_p526")


@pytest.mark.parametrize("method", MONOTONE)
@settings(max_examples=400, deadline=None)
@given(t=profiles, length=lengths, h_tx=heights, h_rx=heights, f=freqs, data=st.data())
def test_raising_terrain_never_lowers_loss(method, t, length, h_tx, h_rx, f, data):
    i = data.draw(st.integers(1, len(t) - 2))
    raised = t.copy()
    raised[i] += data.draw(st.floats(0.01, 300))
    before, _ = profile_diffraction(t, length, h_tx, h_rx, f, method=method)
    after, _ = profile_diffraction(raised, length, h_tx, h_rx, f, method=method)
    assert after[0] >= before[0] - 1e-9


@pytest.mark.parametrize("method", MONOTONE)
@settings(max_examples=400, deadline=None)
@given(t=profiles, length=lengths, h_tx=heights, h_rx=heights, f=freqs,
       rise=st.floats(0.01, 200), tx_side=st.booleans())  # fmt: skip
def test_raising_an_antenna_never_raises_loss(method, t, length, h_tx, h_rx, f, rise, tx_side):
    before, _ = profile_diffraction(t, length, h_tx, h_rx, f, method=method)
    after, _ = profile_diffraction(t, length, h_tx + rise * tx_side, h_rx + rise * (not tx_side),
                                   f, method=method)  # fmt: skip
    assert after[0] <= before[0] + 1e-9


@pytest.mark.parametrize("method", DIFFRACTION_METHODS)
@settings(max_examples=300, deadline=None)
@given(m=st.integers(3, 60), length=lengths, stretch=st.floats(1.0, 4.0), h_tx=heights,
       h_rx=heights, f=freqs, k=st.sampled_from([0.6, 1.0, 4 / 3, 2.0]))  # fmt: skip
def test_longer_flat_path_never_loses_less(method, m, length, stretch, h_tx, h_rx, f, k):
    # Holds for all three methods, Deygout included: on flat terrain every
    # sample's ν grows with the length (same number of samples).
    flat = np.zeros((2, m))
    loss, _ = profile_diffraction(flat, [length, length * stretch], h_tx, h_rx, f, method=method,
                                  k_factor=k)  # fmt: skip
    assert loss[1] >= loss[0] - 1e-9


def test_deygout_is_not_monotone_in_terrain():
    # Counterexample found by the property above run on "deygout": raising the
    # ridge at 4 km from 100 to 150 m makes it the main edge, and the ridge at
    # 6 km, until then a sub-path edge far above the tx→main line, falls below
    # the new main→rx line: the three-edge sum drops by 14 dB.  Bullington rises.
    before = np.array([0.0, 50.0, 100.0, 100.0, 0.0, 0.0])
    after = before.copy()
    after[2] = 150.0
    args = (10_000.0, 10.0, 10.0, 900.0)
    d_before, _ = profile_diffraction(before, *args, method="deygout")
    d_after, _ = profile_diffraction(after, *args, method="deygout")
    assert d_after[0] < d_before[0] - 10.0
    b_before, _ = profile_diffraction(before, *args)
    b_after, _ = profile_diffraction(after, *args)
    assert b_after[0] > b_before[0]


def test_deygout_is_not_monotone_in_antenna_height():
    # Raising the transmitter from 10 to 20 m moves Deygout's main edge from
    # one ridge to the other and raises the loss by 1.6 dB; Bullington falls.
    t = np.array([0.0, 0.0, 100.0, 100.0, 50.0, 0.0])
    d_low, _ = profile_diffraction(t, 10_000.0, 10.0, 10.0, 900.0, method="deygout")
    d_high, _ = profile_diffraction(t, 10_000.0, 20.0, 10.0, 900.0, method="deygout")
    assert d_high[0] > d_low[0] + 1.0
    b_low, _ = profile_diffraction(t, 10_000.0, 10.0, 10.0, 900.0)
    b_high, _ = profile_diffraction(t, 10_000.0, 20.0, 10.0, 900.0)
    assert b_high[0] < b_low[0]
