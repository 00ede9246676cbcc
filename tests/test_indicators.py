"""Indicators per commune, district and province; reconciliation."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from whitezone import WhitezoneError
from whitezone.analysis import analyse
from whitezone.classes import NO_COMMUNE
from whitezone.indicators import aggregate, check_reconciliation, summarise
from whitezone.project import read_project

DATA = Path(__file__).parent / "data"


@pytest.fixture
def tiny_result(tiny, tiny_layers):
    return analyse(tiny_layers, read_project(tiny))


def test_communes_match_hand_computed(tiny_result):
    want = pd.read_csv(DATA / "tiny_expected_communes.csv", dtype=str).set_index("commune_id")
    got = tiny_result.summaries.communes.set_index("commune_id")
    for col in want.columns:
        values = got.loc[want.index, col]
        if col in ("center_class", "commune_post_office"):
            assert values.astype(str).tolist() == want[col].tolist(), col
        else:
            np.testing.assert_allclose(values.astype(float), want[col].astype(float), err_msg=col)


def test_province_postal_figures(tiny_result):
    prov = tiny_result.summaries.province.iloc[0]
    # Two 10 km x 10 km squares on the UTM grid: 200 km² shrunk by the UTM scale factor.
    area = float(prov["area_km2"])
    assert area == pytest.approx(200.16, abs=0.01)
    assert prov["post_points"] == 2
    assert prov["service_radius_km"] == pytest.approx(np.sqrt(area / (np.pi * 2)), abs=1e-3)
    assert prov["people_per_post"] == pytest.approx(700 / 2)
    assert prov["communes_with_commune_post_office"] == 1
    assert prov["centers_covered"] == 2
    assert prov["communes_with_broadband"] == 0


def test_percentages_are_of_all_villages(tiny_result):
    prov = tiny_result.summaries.province.iloc[0]
    assert prov["villages"] == 6
    assert prov["pct_weak"] == pytest.approx(100 * 2 / 6, abs=0.01)
    assert prov["pct_good"] == pytest.approx(50.0)
    assert prov["pct_population_good"] == pytest.approx(100 * 450 / 700, abs=0.01)


def test_counts_reconcile_and_trace_to_villages(tiny_result):
    r = tiny_result
    check_reconciliation(r.villages, r.summaries, r.technologies)
    v = r.villages
    for _, row in r.summaries.communes.iterrows():
        mine = v[v["commune_id"] == row["commune_id"]]
        for cls in ("none", "weak", "good"):
            assert row[f"villages_{cls}"] == (mine["class_any"] == cls).sum()
    # Districts sum to the province.
    d, p = r.summaries.districts, r.summaries.province
    for col in ("villages", "villages_none", "villages_weak", "villages_good", "population"):
        assert d[col].sum() == p[col].sum()


def test_reconciliation_fails_loudly_when_broken(tiny_result):
    r = tiny_result
    broken = r.summaries.communes.copy()
    broken.loc[0, "villages_weak"] += 1
    with pytest.raises(WhitezoneError, match="do not add up"):
        check_reconciliation(r.villages, summarise(broken), r.technologies)


def test_village_without_commune_has_its_own_row(tiny_result):
    r = tiny_result
    v = r.villages.copy()
    v.loc[v["village_id"] == "V6", "commune_id"] = pd.NA
    from whitezone.indicators import commune_indicators

    table = commune_indicators(v, r.layers.communes.assign(center_class="good"),
                               technologies=r.technologies)  # fmt: skip
    assert NO_COMMUNE in table["commune_id"].tolist()
    assert table["villages"].sum() == len(v)
    s = summarise(table, province_name="P")
    check_reconciliation(v, s, r.technologies)
    assert int(s.province["communes"].sum()) == 2   # the (no commune) row is not a commune
    # it belongs to the communes' one province, not to a second row named after the project
    province = r.layers.communes["province"].dropna().unique()
    assert s.province["province"].tolist() == (list(province) if len(province) else ["P"])
    assert s.province["villages"].iloc[0] == len(v)
    # communes of one named province: the (no commune) row is counted in it
    one = table.assign(province=table["province"].astype(object))
    one.loc[one["commune_id"] != NO_COMMUNE, "province"] = "First"
    assert summarise(one, province_name="P").province["province"].tolist() == ["First"]
    # communes of two provinces: the (no commune) row stays apart as "(no province)"
    two = table.assign(province=table["province"].astype(object))
    two.loc[two["commune_id"] == "C2", "province"] = "Other"
    two.loc[two["commune_id"] == "C1", "province"] = "First"
    s = summarise(two, province_name="P")
    assert s.province["province"].tolist() == ["First", "Other", "(no province)"]
    assert s.province["villages"].sum() == len(v)


def test_no_district_level():
    table = pd.DataFrame({
        "commune_id": ["A", "B"], "commune": ["a", "b"], "district": [pd.NA, pd.NA],
        "province": ["P", "P"], "villages": [2, 1], "population": [10.0, 5.0],
        "villages_none": [1, 0], "villages_weak": [1, 0], "villages_good": [0, 1],
        "villages_unclassified": [0, 0], "population_none": [5.0, 0.0],
        "population_weak": [5.0, 0.0], "population_good": [0.0, 5.0],
        "population_unclassified": [0.0, 0.0],
    })  # fmt: skip
    s = summarise(table)
    assert s.districts is None
    prov = s.province.iloc[0]
    assert prov["villages_none"] == 1 and prov["pct_none"] == pytest.approx(33.33)


def test_aggregate_recomputes_ratios_not_averages():
    table = pd.DataFrame({
        "commune_id": ["A", "B"], "commune": ["a", "b"], "district": ["D", "D"], "province": ["P", "P"],
        "villages": [1, 3], "population": [100.0, 300.0], "villages_none": [1, 0],
        "villages_weak": [0, 0], "villages_good": [0, 3], "villages_unclassified": [0, 0],
        "population_none": [100.0, 0.0], "population_weak": [0.0, 0.0],
        "population_good": [0.0, 300.0], "population_unclassified": [0.0, 0.0],
        "post_points": [1, 3], "area_km2": [10.0, 30.0],
    })  # fmt: skip
    d = aggregate(table, "district").iloc[0]
    assert d["pct_none"] == pytest.approx(25.0)     # 1 of 4, not the mean of 100 % and 0 %
    assert d["service_radius_km"] == pytest.approx(np.sqrt(40 / (np.pi * 4)), abs=1e-3)
    assert d["people_per_post"] == pytest.approx(100.0)
