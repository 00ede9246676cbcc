"""ITS Irregular Terrain Model (whitezone.models.itm) against NTIA's reference results.

The reference data in tests/data/itm/ are NTIA/itm's own (public domain):
``p2p.csv`` with ``pfls.csv`` (point-to-point), ``area.csv`` (area mode) and
the command-line examples in ``cmd_examples/`` (which also print the model's
intermediate values).  NTIA's confidence/reliability entry points call the
model with time = reliability, location = 50 %, situation = confidence.
"""

from __future__ import annotations

import csv
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from whitezone.errors import ModelValidityWarning
from whitezone.models import itm

DATA = Path(__file__).parent / "data" / "itm"
TOL_DB = 0.1

quiet = pytest.mark.filterwarnings("ignore::whitezone.errors.ModelValidityWarning")


# --- NTIA's reference sets --------------------------------------------------

def _csv_rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, newline="") as fh:
        return list(csv.DictReader(fh))


def _common(row: dict[str, str]) -> dict:
    return {
        "frequency_mhz": float(row["f__mhz"]), "tx_height_m": float(row["h_tx__meter"]),
        "rx_height_m": float(row["h_rx__meter"]), "climate": int(row["climate"]),
        "n0": float(row["N_0"]), "epsilon": float(row["epsilon"]),
        "sigma": float(row["sigma"]), "polarization": int(row["pol"]),
        "time_pct": float(row["time"]), "location_pct": float(row["location"]),
        "situation_pct": float(row["situation"]), "mdvar": int(row["mdvar"]),
    }


def _pfl(text: str) -> tuple[np.ndarray, float]:
    """Elevations and step of one profile in NTIA's pfl format [n, step, z0..zn]."""
    values = [float(v) for v in text.replace("\n", ",").split(",") if v.strip()]
    elevations = np.array(values[2:])
    assert elevations.size == int(values[0]) + 1
    return elevations, values[1]


P2P = [(_pfl(line), _common(row), float(row["A__db"]))
       for row, line in zip(_csv_rows("p2p.csv"),
                            [ln for ln in (DATA / "pfls.csv").read_text().splitlines()
                             if ln.strip()], strict=True)]
AREA = [({**_common(row), "distance_km": float(row["d__km"]),
          "delta_h_m": float(row["delta_h__meter"]),
          "tx_siting": int(row["tx_siting_criteria"]),
          "rx_siting": int(row["rx_siting_criteria"])}, float(row["A__db"]))
        for row in _csv_rows("area.csv")]
CMD_PFL = _pfl((DATA / "cmd_examples" / "pfl.txt").read_text())


def _cmd_inputs(name: str) -> dict[str, list[float]]:
    text = (DATA / "cmd_examples" / f"i_{name}.txt").read_text()
    pairs = (line.split(",", 1) for line in text.splitlines() if line.strip())
    return {key.strip(): [float(v) for v in value.split(",")] for key, value in pairs}


def _cmd_output(name: str) -> str:
    return (DATA / "cmd_examples" / f"o_{name}.txt").read_text()


def _cmd_kwargs(inputs: dict[str, list[float]]) -> dict:
    """Keyword arguments of the common inputs of a command-line example."""
    kwargs = {"frequency_mhz": inputs["f__mhz"][0], "tx_height_m": inputs["h_tx__meter"][0],
              "rx_height_m": inputs["h_rx__meter"][0], "climate": int(inputs["climate"][0]),
              "n0": inputs["N_0"][0], "epsilon": inputs["epsilon"][0],
              "sigma": inputs["sigma"][0], "polarization": int(inputs["pol"][0]),
              "mdvar": int(inputs["mdvar"][0])}
    if "tx_site_criteria" in inputs:
        kwargs.update(tx_siting=int(inputs["tx_site_criteria"][0]),
                      rx_siting=int(inputs["rx_site_criteria"][0]),
                      delta_h_m=inputs["delta_h__meter"][0])
    return kwargs


def _variability(inputs: dict[str, list[float]], confidence=None, reliability=None) -> dict:
    if "time" in inputs:
        return {"time_pct": inputs["time"][0], "location_pct": inputs["location"][0],
                "situation_pct": inputs["situation"][0]}
    confidence = inputs["confidence"][0] if confidence is None else confidence
    reliability = inputs["reliability"][0] if reliability is None else reliability
    return {"time_pct": reliability, "location_pct": 50.0, "situation_pct": confidence}


def _value(text: str, label: str) -> float:
    return float(re.search(rf"^{re.escape(label)}\s+(-?[\d.]+)", text, re.MULTILINE).group(1))


def _run(name: str, **variability) -> itm.ItmResult:
    inputs = _cmd_inputs(name)
    kwargs = {**_cmd_kwargs(inputs), **_variability(inputs, **variability)}
    if name.startswith("p2p"):
        return itm.point_to_point_details(*CMD_PFL, **kwargs)
    return itm.area_details(inputs["d__km"][0], **kwargs)


# --- reference results ------------------------------------------------------

@quiet
@pytest.mark.parametrize("case", range(len(P2P)))
def test_point_to_point_reproduces_ntia_p2p_csv(case):
    (elevations, step), kwargs, expected = P2P[case]
    assert itm.point_to_point(elevations, step, **kwargs) == pytest.approx(expected, abs=TOL_DB)


@quiet
@pytest.mark.parametrize("case", range(len(AREA)))
def test_area_reproduces_ntia_area_csv(case):
    kwargs, expected = AREA[case]
    assert itm.area(kwargs.pop("distance_km"), **kwargs) == pytest.approx(expected, abs=TOL_DB)


@pytest.mark.parametrize("name", ["p2ptls", "p2pcr", "areatls", "areacr"])
def test_command_line_examples_with_intermediate_values(name):
    out = _cmd_output(name)
    result = _run(name)
    assert result.loss_db == pytest.approx(_value(out, "Basic Transmission Loss"), abs=TOL_DB)
    # printed values are rounded: allow half a unit of the last digit, and a little
    assert result.free_space_db == pytest.approx(_value(out, "Free Space"), abs=0.06)
    assert result.distance_km == pytest.approx(_value(out, "d__km"), abs=6e-4)
    assert result.reference_db == pytest.approx(_value(out, "A_ref__db"), abs=0.06)
    assert result.surface_refractivity == pytest.approx(_value(out, "N_s"), abs=0.06)
    assert result.delta_h_m == pytest.approx(_value(out, "delta_h__meter"), abs=0.06)
    for i, end in enumerate(("tx", "rx")):
        assert result.horizon_angle_rad[i] * 1e3 == pytest.approx(
            _value(out, f"theta_hzn_{end}"), abs=6e-4)
        assert result.horizon_distance_m[i] == pytest.approx(
            _value(out, f"d_hzn_{end}__meter"), abs=0.6)
        assert result.effective_height_m[i] == pytest.approx(
            _value(out, f"h_e_{end}__meter"), abs=0.06)
    mode = int(_value(out, "Mode of Propagation"))
    assert result.mode == {1: "line of sight", 2: "diffraction", 3: "troposcatter"}[mode]
    assert result.flags == int(re.search(r"ITM Warning Flags\s+(0x[0-9A-Fa-f]+)", out).group(1),
                               16)


def _table(text: str) -> list[list[float]]:
    """Rows of numbers under a 'Basic Transmission Loss Results' header."""
    lines = text.split("Basic Transmission Loss Results")[1].split("Intermediate Values")[0]
    return [[float(v) for v in line.split()] for line in lines.splitlines()
            if re.match(r"^\d", line)]


def test_command_line_p2p_table_of_confidence_and_reliability():
    inputs = _cmd_inputs("p2pcr_tbl")
    rows = _table(_cmd_output("p2pcr_tbl"))
    assert [row[0] for row in rows] == inputs["reliability"]
    for reliability, *expected in rows:
        got = [_run("p2pcr_tbl", confidence=c, reliability=reliability).loss_db
               for c in inputs["confidence"]]
        np.testing.assert_allclose(got, expected, atol=TOL_DB)


def test_command_line_area_table_over_distance():
    inputs = _cmd_inputs("areacr_tbl")
    kwargs = _cmd_kwargs(inputs)
    rows = _table(_cmd_output("areacr_tbl"))
    assert len(rows) == 19  # 10-100 km by 10, then 200-1000 km by 100
    for distance, free_space, *expected in rows:
        got = [itm.area(distance, **kwargs, **_variability(inputs, confidence=c))
               for c in inputs["confidence"]]
        np.testing.assert_allclose(got, expected, atol=TOL_DB)
        assert itm.free_space_loss(distance, frequency_mhz=kwargs["frequency_mhz"]) == (
            pytest.approx(free_space, abs=0.06))


# --- NTIA's C++ on real terrain --------------------------------------------

def _dem_profiles() -> list[tuple[int, np.ndarray, float, float, float, tuple[float, float]]]:
    """The profiles of ``dem_profiles_ntia.csv`` (see its header) with NTIA's results."""
    lines = [ln for ln in (DATA / "dem_profiles_ntia.csv").read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    return [(int(row["path"]), np.array([float(v) for v in row["elevations_m"].split()]),
             float(row["step_m"]), float(row["f__mhz"]), float(row["ntia_A__db"]),
             (float(row["ntia_h_e_tx__meter"]), float(row["ntia_h_e_rx__meter"])))
            for row in csv.DictReader(lines)]


DEM_PROFILES = _dem_profiles()
DEM_SETTINGS = {"tx_height_m": 30.0, "rx_height_m": 1.5, "climate": 2, "n0": 320.0,
                "epsilon": 15.0, "sigma": 0.005, "polarization": "vertical", "mdvar": 12}


@quiet
@pytest.mark.parametrize("case", range(len(DEM_PROFILES)), ids=[str(p[0]) for p in DEM_PROFILES])
def test_dem_profiles_match_ntia_cpp(case):
    # These paths' horizons lie a multiple of ten steps away, so int(0.1 d_hzn / step)
    # and int(0.9 d_hzn / step), which bound the terrain fitted for the effective
    # heights, sit on an integer: summing the step (as NTIA does) or multiplying it
    # decides the index, and it moved the loss by up to 0.59 dB.
    _, z, step, freq, expected, h_e = DEM_PROFILES[case]
    result = itm.point_to_point_details(z, step, frequency_mhz=freq, **DEM_SETTINGS)
    assert result.effective_height_m == pytest.approx(h_e, abs=1e-6)
    assert result.loss_db == pytest.approx(expected, abs=0.01)


@quiet
def test_dem_profiles_match_ntia_cpp_in_one_call():
    lengths = np.array([z.size for _, z, *_ in DEM_PROFILES])
    padded = np.full((lengths.size, lengths.max()), np.nan)
    for row, (_, z, *_) in zip(padded, DEM_PROFILES, strict=True):
        row[:z.size] = z
    steps, freqs, expected = (np.array([p[i] for p in DEM_PROFILES]) for i in (2, 3, 4))
    for parallel in (True, False):
        loss = itm.point_to_point_many(padded, steps, n_points=lengths, frequency_mhz=freqs,
                                       parallel=parallel, **DEM_SETTINGS)
        np.testing.assert_allclose(loss, expected, rtol=0, atol=0.01)


# --- pieces -----------------------------------------------------------------

def test_free_space_loss_of_a_known_case():
    # 1 km at 1 GHz: 20 log10(4 pi d / lambda) = 92.448 dB
    wavelength_m = 299.792458 / 1000.0
    exact = 20 * np.log10(4 * np.pi * 1000.0 / wavelength_m)
    assert itm.free_space_loss(1.0, frequency_mhz=1000.0) == pytest.approx(exact, abs=0.01)
    assert itm.free_space_loss(1.0, frequency_mhz=1000.0) == pytest.approx(92.45, abs=1e-9)
    np.testing.assert_allclose(itm.free_space_loss([1.0, 10.0], frequency_mhz=1000.0),
                               [92.45, 112.45])


def test_inverse_normal_and_knife_edge_pieces():
    q_inv = itm._inverse_normal_q
    assert q_inv(0.5) == pytest.approx(0.0, abs=1e-6)
    assert q_inv(0.1) == pytest.approx(1.28155, abs=4.5e-4)  # Q(1.28155) = 0.1
    assert q_inv(0.99) == pytest.approx(-2.32635, abs=4.5e-4)
    assert q_inv(0.2) == pytest.approx(-q_inv(0.8), abs=1e-12)
    # the two branches of the knife-edge approximation meet at v = 2.4
    v_sq = 2.4 ** 2
    assert itm._knife_edge_db(v_sq - 1e-9) == pytest.approx(itm._knife_edge_db(v_sq), abs=0.02)
    assert itm._knife_edge_db(0.0) == pytest.approx(6.02)  # grazing: 6 dB


def test_profile_pieces_on_straight_terrain():
    # a straight slope has no irregularity, and its fitted line is the terrain itself
    z = np.linspace(100.0, 300.0, 201)
    assert itm._profile_delta_h(z, 50.0, 0.0, 10_000.0) == pytest.approx(0.0, abs=1e-9)
    start, end = itm._fit_line_ends(z, 50.0, 500.0, 9000.0)
    assert (start, end) == pytest.approx((100.0, 300.0))
    result = itm.point_to_point_details(z, 50.0, frequency_mhz=900.0, tx_height_m=30.0,
                                        rx_height_m=2.0)
    assert result.effective_height_m == pytest.approx((30.0, 2.0))
    assert result.delta_h_m == pytest.approx(0.0, abs=1e-9)


def test_a_ridge_is_the_horizon_of_both_ends():
    z = np.zeros(101)
    z[40] = 300.0  # 4 km from the transmitter, 6 km from the receiver
    result = itm.point_to_point_details(z, 100.0, frequency_mhz=900.0, tx_height_m=30.0,
                                        rx_height_m=2.0)
    assert result.horizon_distance_m == pytest.approx((4000.0, 6000.0))
    # ITM names the mode by d against the smooth-earth horizons (28 km here), so this
    # obstructed 10 km path is still "line of sight"; the ridge shows in the loss
    flat = itm.point_to_point(np.zeros(101), 100.0, frequency_mhz=900.0, tx_height_m=30.0,
                              rx_height_m=2.0)
    assert result.loss_db > flat + 10.0


@pytest.mark.parametrize("distance_km", [2.0, 10.0, 25.0])
def test_flat_sea_level_profile_equals_area_mode(distance_km):
    # over a flat profile at sea level every point-to-point parameter is the
    # smooth-earth one of area mode with Delta h = 0 and random siting
    z = np.zeros(int(distance_km * 10) + 1)
    kwargs = {"frequency_mhz": 600.0, "tx_height_m": 40.0, "rx_height_m": 3.0, "mdvar": 12,
              "time_pct": 90.0, "situation_pct": 70.0}
    p2p = itm.point_to_point_details(z, 100.0, **kwargs)
    assert p2p.mode == "line of sight"
    assert p2p.loss_db == pytest.approx(itm.area(distance_km, delta_h_m=0.0, **kwargs),
                                        abs=1e-9)


# --- the vectorised function ------------------------------------------------

@quiet
def test_many_equals_scalar_for_every_ntia_profile():
    profiles = [pfl for pfl, _, _ in P2P] + [CMD_PFL]
    lengths = np.array([z.size for z, _ in profiles])
    padded = np.full((len(profiles), lengths.max()), np.nan)
    for row, (z, _) in zip(padded, profiles, strict=True):
        row[:z.size] = z
    steps = np.array([step for _, step in profiles])
    for _, kwargs, _ in P2P:  # every NTIA option set over every profile
        per_path = {k: kwargs[k] for k in ("frequency_mhz", "tx_height_m", "rx_height_m")}
        others = {k: v for k, v in kwargs.items() if k not in per_path}
        many = itm.point_to_point_many(padded, steps, n_points=lengths, **per_path, **others)
        scalar = [itm.point_to_point(z, step, **kwargs) for z, step in profiles]
        np.testing.assert_allclose(many, scalar, rtol=0, atol=1e-9)
        serial = itm.point_to_point_many(padded, steps, n_points=lengths, parallel=False,
                                         **per_path, **others)
        np.testing.assert_array_equal(serial, many)


@quiet
def test_many_takes_per_path_heights_and_frequencies():
    (z, step), kwargs, expected = P2P[1]
    freq = np.array([kwargs["frequency_mhz"], 900.0, 2600.0])
    h_tx = np.array([kwargs["tx_height_m"], 30.0, 10.0])
    options = {k: v for k, v in kwargs.items()
               if k not in ("frequency_mhz", "tx_height_m")}
    many = itm.point_to_point_many(np.tile(z, (3, 1)), step, frequency_mhz=freq,
                                   tx_height_m=h_tx, **options)
    assert many[0] == pytest.approx(expected, abs=TOL_DB)
    for i in range(3):
        scalar_kwargs = {**options, "frequency_mhz": freq[i], "tx_height_m": h_tx[i]}
        assert many[i] == pytest.approx(itm.point_to_point(z, step, **scalar_kwargs), abs=1e-9)


def test_many_warns_once_for_all_paths():
    profiles = np.zeros((5, 51))
    steps = np.array([10.0, 10.0, 10.0, 100.0, 100.0])  # 0.5 km paths and 5 km paths
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loss, flags = itm.point_to_point_many(profiles, steps, frequency_mhz=900.0,
                                              tx_height_m=30.0, rx_height_m=2.0,
                                              return_flags=True)
    validity = [w for w in caught if issubclass(w.category, ModelValidityWarning)]
    assert len(validity) == 1
    assert "3 of 5 paths" in str(validity[0].message)
    assert "path shorter than 1 km (3 paths)" in str(validity[0].message)
    assert validity[0].filename == __file__  # points at the caller
    assert list(flags & 0x0040) == [0x0040] * 3 + [0, 0]
    assert np.isfinite(loss).all()


def test_degenerate_geometry_gives_nan_with_a_warning():
    # a 30 m cliff 3 m from a 7.7 m mast: the three-radii distance goes negative
    z = np.array([502.6, 534.4, 527.8])
    with pytest.warns(ModelValidityWarning, match=r"undefined for their geometry \(NaN; 1 "):
        loss = itm.point_to_point_many(np.vstack([z, np.zeros(3)]), 2.76, frequency_mhz=148.0,
                                       tx_height_m=7.7, rx_height_m=29.1)
    assert np.isnan(loss[0]) and np.isfinite(loss[1])


def test_many_of_no_paths():
    assert itm.point_to_point_many(np.zeros((0, 10)), 100.0, frequency_mhz=900.0,
                                   tx_height_m=30.0, rx_height_m=2.0).shape == (0,)


# --- physical sanity --------------------------------------------------------

def _flat_losses(tx_height_m, rx_height_m, frequency_mhz, climate, distances_km):
    """Losses over a flat sea-level earth (100 m steps) at the given distances."""
    lengths = np.rint(np.asarray(distances_km) * 10).astype(np.int64) + 1
    profiles = np.zeros((lengths.size, lengths.max()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelValidityWarning)
        return itm.point_to_point_many(profiles, 100.0, n_points=lengths,
                                       frequency_mhz=frequency_mhz, tx_height_m=tx_height_m,
                                       rx_height_m=rx_height_m, climate=climate)


@pytest.mark.parametrize("frequency_mhz", [50.0, 900.0, 6000.0])
@pytest.mark.parametrize(("tx_height_m", "rx_height_m"), [(10.0, 1.5), (60.0, 3.0),
                                                           (300.0, 10.0)])
def test_loss_grows_with_distance_over_flat_earth(tx_height_m, rx_height_m, frequency_mhz):
    distances = np.arange(1.0, 200.1, 0.5)
    losses = _flat_losses(tx_height_m, rx_height_m, frequency_mhz, 5, distances)
    assert np.all(np.diff(losses) > 0)
    assert np.all(losses >= itm.free_space_loss(distances, frequency_mhz=frequency_mhz) - 1.0)


try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    given = None


if given is not None:
    @settings(max_examples=40, deadline=None)
    @given(tx_height_m=st.floats(1.0, 500.0), rx_height_m=st.floats(1.0, 30.0),
           frequency_mhz=st.floats(40.0, 10000.0), climate=st.integers(1, 7),
           near_km=st.floats(1.0, 150.0), extra_km=st.floats(0.2, 50.0))
    def test_loss_grows_with_distance_property(tx_height_m, rx_height_m, frequency_mhz,
                                               climate, near_km, extra_km):
        near, far = _flat_losses(tx_height_m, rx_height_m, frequency_mhz, climate,
                                 [near_km, near_km + extra_km])
        assert far > near


# --- bad input --------------------------------------------------------------

def _p2p(**changes):
    kwargs = {"frequency_mhz": 900.0, "tx_height_m": 30.0, "rx_height_m": 2.0, **changes}
    return itm.point_to_point(np.zeros(51), 100.0, **kwargs)


def test_climate_8_is_rejected():
    with pytest.raises(ValueError, match=r"climate must be 1\.\.7.*got 8"):
        _p2p(climate=8)


def test_negative_frequency_is_rejected_with_its_range():
    with pytest.raises(ValueError, match=r"frequency_mhz must satisfy 20\.0 MHz <= "
                                         r"frequency_mhz <= 20000\.0 MHz; got -900"):
        _p2p(frequency_mhz=-900.0)


def test_all_problems_are_reported_together():
    with pytest.raises(ValueError) as err:
        _p2p(climate=0, tx_height_m=0.1, time_pct=100.0, polarization="circular", mdvar=5)
    message = str(err.value)
    assert "5 invalid inputs" in message
    for name in ("climate", "tx_height_m", "time_pct", "polarization", "mdvar"):
        assert name in message


@pytest.mark.parametrize(("changes", "pattern"), [
    ({"sigma": 0.0}, "sigma"),
    ({"epsilon": 0.5}, "epsilon"),
    ({"n0": 200.0}, "n0"),
    ({"situation_pct": 0.0}, "situation_pct"),
    ({"rx_height_m": 3500.0}, "rx_height_m"),
    ({"polarization": True}, "polarization"),
])
def test_other_hard_limits(changes, pattern):
    with pytest.raises(ValueError, match=pattern):
        _p2p(**changes)


@quiet
def test_bad_profiles_are_rejected():
    with pytest.raises(ValueError, match="elevations_m"):
        itm.point_to_point([0.0, 1.0], 100.0, frequency_mhz=900.0, tx_height_m=30.0,
                           rx_height_m=2.0)
    with pytest.raises(ValueError, match="step_m"):
        itm.point_to_point(np.zeros(10), 0.0, frequency_mhz=900.0, tx_height_m=30.0,
                           rx_height_m=2.0)
    profiles = np.zeros((3, 20))
    profiles[1, 5] = np.nan
    with pytest.raises(ValueError, match="1 paths have NaN"):
        itm.point_to_point_many(profiles, 100.0, frequency_mhz=900.0, tx_height_m=30.0,
                                rx_height_m=2.0)
    # NaN past a path's n_points is padding, not an error
    itm.point_to_point_many(profiles, 100.0, n_points=np.array([20, 5, 20]),
                            frequency_mhz=900.0, tx_height_m=30.0, rx_height_m=2.0)
    with pytest.raises(ValueError, match=r"tx_height_m .*2 of 3 values are, first 0\.2 "
                                         r"\(index 0\)"):
        itm.point_to_point_many(np.zeros((3, 20)), 100.0, frequency_mhz=900.0,
                                tx_height_m=np.array([0.2, 30.0, 0.1]), rx_height_m=2.0)
    with pytest.raises(ValueError, match="n_points"):
        itm.point_to_point_many(np.zeros((2, 20)), 100.0, n_points=np.array([2, 20]),
                                frequency_mhz=900.0, tx_height_m=30.0, rx_height_m=2.0)


def test_area_limits():
    kwargs = {"frequency_mhz": 900.0, "tx_height_m": 30.0, "rx_height_m": 2.0,
              "delta_h_m": 90.0}
    with pytest.raises(ValueError, match="distance_km"):
        itm.area(0.0, **kwargs)
    with pytest.raises(ValueError, match=r"tx_siting must be 0, 1 or 2"):
        itm.area(10.0, **kwargs, tx_siting=3)
    with pytest.raises(ValueError, match="delta_h_m"):
        itm.area(10.0, **{**kwargs, "delta_h_m": -1.0})


def test_soft_limits_warn_and_still_compute():
    with pytest.warns(ModelValidityWarning, match="frequency outside 40-10000 MHz") as record:
        loss = _p2p(frequency_mhz=30.0)
    assert np.isfinite(loss)
    assert record[0].filename == __file__
    with pytest.warns(ModelValidityWarning, match="path shorter than 1 km"):
        itm.area(0.5, frequency_mhz=900.0, tx_height_m=30.0, rx_height_m=2.0, delta_h_m=0.0)
