"""Cell values planners type: numbers, coordinates (decimal and DMS), yes/no."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from whitezone.layers._values import parse_booleans, parse_coordinates, parse_numbers


def numbers(cells, **kwargs):
    values, bad = parse_numbers(pd.Series(cells, dtype=object), **kwargs)
    return values.tolist(), bad.tolist()


def coords(cells, axis):
    values, bad = parse_coordinates(pd.Series(cells, dtype=object), axis=axis)
    return values, bad


# -- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("12.5", 12.5),
        ("12,5", 12.5),
        (" 7 ", 7.0),
        ("-3,25", -3.25),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1e3", 1000.0),
        ("0", 0.0),
    ],
)
def test_decimal_point_and_comma(cell, expected):
    values, bad = numbers([cell])
    assert values == [pytest.approx(expected)]
    assert bad == [False]


@pytest.mark.parametrize("cell", ["1.234", "1 234", "1,234", "1\u00a0234", "1.234.567"])
def test_integer_columns_read_thousands_groups(cell):
    values, bad = numbers([cell], integer=True)
    expected = 1_234_567.0 if cell.count(".") == 2 else 1234.0
    assert values == [expected]
    assert bad == [False]


def test_thousands_group_is_a_decimal_in_real_columns():
    # A height or a radius: "1,234" is 1.234 with a decimal comma, not 1234.
    values, bad = numbers(["1,234", "1.234"])
    assert values == [pytest.approx(1.234), pytest.approx(1.234)]
    assert bad == [False, False]


def test_integer_column_with_decimal_comma():
    values, bad = numbers(["1.234,5", "12,5"], integer=True)
    assert values == [pytest.approx(1234.5), pytest.approx(12.5)]
    assert bad == [False, False]


def test_bad_cells_are_flagged_blank_cells_are_not():
    values, bad = numbers(["abc", "", None, "  ", "-", "12 người", "5"])
    assert bad == [True, False, False, False, False, True, False]
    assert np.isnan(values[:6]).all()
    assert values[6] == 5.0


def test_numeric_series_pass_through():
    values, bad = parse_numbers(pd.Series([1.5, np.nan, 3.0]))
    assert np.isnan(values[1])
    assert values[[0, 2]].tolist() == [1.5, 3.0]
    assert not bad.any()


# -- coordinates -------------------------------------------------------------------------------

LAT = 21 + 23 / 60 + 15.2 / 3600
LON = 105 + 45.5 / 60


@pytest.mark.parametrize(
    "cell",
    [
        "21°23'15.2\"N",
        "21° 23' 15.2\" N",
        "N 21 23 15.2",
        "N21°23'15.2\"",
        "21:23:15.2",
        "21 23 15.2",
        "21°23′15.2″N",
        "21º23’15.2”N",
        "21d23m15.2sN",
        "21°23'15.2''N",
        "21°23'15,2\"N",
        "21°23'15.2\"B",
        "B 21°23'15.2\"",
        "21.38755556",
        "21,38755556",
    ],
)
def test_latitude_variants(cell):
    values, bad = coords([cell], "lat")
    assert bad.tolist() == [False], cell
    assert values[0] == pytest.approx(LAT, abs=1e-6), cell


@pytest.mark.parametrize(
    "cell",
    [
        "105°45.5'E",
        "105°45'30\"E",
        "E 105 45 30",
        "105:45:30",
        "105°45'30\"Đ",
        "Đ 105°45'30\"",
        "105°45'30\"đ",
        "105 45.5 E",
        "105.758333333",
    ],
)
def test_longitude_variants(cell):
    values, bad = coords([cell], "lon")
    assert bad.tolist() == [False], cell
    assert values[0] == pytest.approx(LON, abs=1e-6), cell


@pytest.mark.parametrize(
    ("cell", "axis", "expected"),
    [
        ("21°23'15.2\"S", "lat", -LAT),
        ("S 21 23 15.2", "lat", -LAT),
        ("-21°23'15.2\"", "lat", -LAT),
        ("-21:23:15.2", "lat", -LAT),
        ("105°45.5'W", "lon", -LON),
        ("W 105 45 30", "lon", -LON),
        ("-105.7583333333", "lon", -LON),
    ],
)
def test_southern_and_western(cell, axis, expected):
    values, bad = coords([cell], axis)
    assert bad.tolist() == [False]
    assert values[0] == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    ("cell", "axis"),
    [
        ("21°23'15\"E", "lat"),
        ("21°23'15\"Đ", "lat"),
        ("21°23'15\"W", "lat"),
        ("105°45'30\"N", "lon"),
        ("105°45'30\"B", "lon"),
        ("105°45'30\"S", "lon"),
    ],
)
def test_wrong_axis_letter_is_bad(cell, axis):
    values, bad = coords([cell], axis)
    assert bad.tolist() == [True]
    assert np.isnan(values[0])


@pytest.mark.parametrize(
    "cell", ["21°60'00\"N", "21°75'10\"N", "21°23'60\"N", "21:23:61", "21 99.5 N"]
)
def test_minutes_or_seconds_of_60_or_more_are_bad(cell):
    values, bad = coords([cell], "lat")
    assert bad.tolist() == [True]
    assert np.isnan(values[0])


@pytest.mark.parametrize("cell", ["N 21°23' S", "21°23'N", "abc", "21°23'15\"X", "1..2", "N"])
def test_unreadable_coordinates(cell):
    values, bad = coords([cell], "lat")
    if cell == "21°23'N":  # degrees and minutes only: valid
        assert bad.tolist() == [False]
        assert values[0] == pytest.approx(21 + 23 / 60)
        return
    assert bad.tolist() == [True], cell
    assert np.isnan(values[0])


def test_blank_coordinates_are_not_bad():
    values, bad = coords(["", None, "  ", "21°23'15.2\"N"], "lat")
    assert bad.tolist() == [False, False, False, False]
    assert np.isnan(values[:3]).all()


def test_mixed_column_keeps_positions():
    cells = ["105.5", "bad", "105°30'E", None, "105,25"]
    values, bad = coords(cells, "lon")
    assert bad.tolist() == [False, True, False, False, False]
    assert values[0] == 105.5
    assert values[2] == pytest.approx(105.5)
    assert values[4] == pytest.approx(105.25)


def test_range_is_not_checked_here():
    values, bad = coords(["210.5", "200°0'0\""], "lat")
    assert bad.tolist() == [False, False]
    assert values.tolist() == [210.5, 200.0]


def _dms(value: float, axis: str, style: int) -> str:
    positive, negative = ("N", "S") if axis == "lat" else ("E", "W")
    if style == 2:
        positive = "B" if axis == "lat" else "Đ"
    tenths = round(abs(value) * 36_000)  # tenths of an arcsecond, carried into minutes/degrees
    deg, rest = divmod(tenths, 36_000)
    minutes, sec_tenths = divmod(rest, 600)
    hemisphere = negative if value < 0 else positive
    sec = f"{sec_tenths / 10:.1f}"
    if style == 0:
        return f"{deg}°{minutes}'{sec}\"{hemisphere}"
    if style == 1:
        return f"{hemisphere} {deg} {minutes} {sec}"
    return f"{deg}°{minutes:02d}'{sec}\" {hemisphere}"


@settings(max_examples=100, deadline=None, derandomize=True)
@given(
    axis=st.sampled_from(["lat", "lon"]),
    fraction=st.floats(min_value=-1.0, max_value=1.0, allow_nan=False),
    style=st.sampled_from([0, 1, 2]),
)
def test_dms_round_trip(axis, fraction, style):
    value = fraction * (90.0 if axis == "lat" else 180.0)
    if style == 2 and value < 0:
        style = 0  # Vietnamese letters exist only for north and east
    text = _dms(value, axis, style)
    values, bad = coords([text], axis)
    assert not bad[0], text
    assert abs(values[0] - value) <= 1e-4, text


@pytest.mark.parametrize(
    ("cell", "axis", "expected"),
    [
        ("21.3875N", "lat", 21.3875),
        ("N21.3875", "lat", 21.3875),
        ("105.7625E", "lon", 105.7625),
        ("105.7625W", "lon", -105.7625),
    ],
)
def test_decimal_degrees_with_attached_hemisphere(cell, axis, expected):
    values, bad = coords([cell], axis)
    assert bad.tolist() == [False]
    assert values[0] == pytest.approx(expected)


def test_minus_sign_and_southern_letter_contradict():
    values, bad = coords(["-21°23'15\"S"], "lat")
    assert bad.tolist() == [True]


# -- booleans ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("yes", True),
        ("Yes", True),
        ("y", True),
        ("có", True),
        ("Có", True),
        ("CÓ", True),
        ("co", True),
        ("1", True),
        ("x", True),
        ("X", True),
        ("true", True),
        ("đã có", True),
        ("no", False),
        ("No", False),
        ("n", False),
        ("không", False),
        ("KHÔNG", False),
        ("khong", False),
        ("0", False),
        ("false", False),
        ("chưa", False),
        ("chưa có", False),
    ],
)
def test_booleans(cell, expected):
    values, bad = parse_booleans(pd.Series([cell], dtype=object))
    assert values.tolist() == [expected]
    assert bad.tolist() == [False]


def test_boolean_blanks_and_bad_values():
    values, bad = parse_booleans(pd.Series(["", None, "maybe", "2", "có"], dtype=object))
    assert values.tolist() == [None, None, None, None, True]
    assert bad.tolist() == [False, False, True, True, False]


def test_boolean_numeric_and_bool_series():
    values, bad = parse_booleans(pd.Series([1.0, 0.0, np.nan]))
    assert values.tolist() == [True, False, None]
    assert not bad.any()
    values, bad = parse_booleans(pd.Series([1.0, 0.5]))
    assert bad.tolist() == [False, True]
    values, bad = parse_booleans(pd.Series([True, False]))
    assert values.tolist() == [True, False]
    assert not bad.any()
