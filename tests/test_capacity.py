"""Capacity: busy-hour demand of each cell's villages and schools against its resource blocks."""

from __future__ import annotations

import math
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from whitezone.assumptions import CQI_TABLE, CapacitySettings, parse_capacity
from whitezone.capacity import (
    bits_per_element,
    capacity_check,
    rb_throughput_mbps,
    resource_blocks,
    sinr_db,
)
from whitezone.errors import Problems
from whitezone.i18n import column_label

#: The hand computations below take a weak village at CQI 4 and a good one at CQI 9, one
#: cell per site (the defaults are CQI 6 / CQI 11 and three sectors, tested on their own).
DEFAULT = CapacitySettings(sinr_good_db=10.3, sinr_weak_db=0.2, sectors_per_site=1)
#: 12 subcarriers x 14 symbols x 1000 /s x (1 - 0.18 control) = 137,760 resource elements a second.
ELEMENTS = 12 * 14 * 1000 * 0.82


def villages(rows, *, signal=False, cells=False):
    """Classified villages from (id, commune, population, class_4g, site_4g[, cell_4g][, dBm])."""
    frame = pd.DataFrame({
        "village_id": [r[0] for r in rows], "commune_id": [r[1] for r in rows],
        "population": pd.array([r[2] for r in rows], dtype="Int64"),
        "class_any": pd.array([r[3] for r in rows], dtype="string"),
        "class_4g": pd.array([r[3] for r in rows], dtype="string"),
        "site_4g": pd.array([r[4] for r in rows], dtype="string"),
    })  # fmt: skip
    if cells:
        frame["cell_4g"] = pd.array([r[5] for r in rows], dtype="string")
    if signal:
        frame["signal_dbm_4g"] = [float(r[-1]) for r in rows]
    return frame


def schools(rows):
    """Classified points of interest from (id, kind, commune, class_4g, site_4g)."""
    return pd.DataFrame({
        "poi_id": [r[0] for r in rows], "kind": [r[1] for r in rows],
        "commune_id": [r[2] for r in rows],
        "class_any": pd.array([r[3] for r in rows], dtype="string"),
        "class_4g": pd.array([r[3] for r in rows], dtype="string"),
        "site_4g": pd.array([r[4] for r in rows], dtype="string"),
    })  # fmt: skip


# the building blocks --------------------------------------------------------------------------


def test_resource_blocks_of_lte_bandwidths_and_the_general_rule():
    lte = {1.4: 6, 3: 15, 5: 25, 10: 50, 15: 75, 20: 100}
    for mhz, blocks in lte.items():
        assert resource_blocks(mhz) == blocks, mhz
    # floor(B x 1000 x 0.9 / 180) gives all but 1.4 MHz (7; LTE uses 6 there)
    for mhz, blocks in lte.items():
        if mhz != 1.4:
            assert math.floor(round(mhz * 1000 * 0.9 / 180, 9)) == blocks
    assert resource_blocks(40) == 200 and resource_blocks(100) == 500 and resource_blocks(0) == 0
    assert resource_blocks([5, 20, 1.4]).tolist() == [25, 100, 6]


def test_bits_per_element_at_each_cqi_threshold():
    previous = 0.0
    for threshold, bits, rate in CQI_TABLE:
        assert bits_per_element(threshold) == pytest.approx(bits * rate)
        assert bits_per_element(threshold - 0.01) == pytest.approx(previous)
        previous = bits * rate
    assert bits_per_element(10.3) == pytest.approx(2.4)       # CQI 9: 16QAM x 0.6
    assert bits_per_element(0.2) == pytest.approx(0.6)        # CQI 4: QPSK x 0.3
    assert bits_per_element(-6.8) == 0.0                      # below CQI 1: no service
    assert bits_per_element(40.0) == pytest.approx(6 * 0.93)  # CQI 15 at most
    assert bits_per_element(np.nan) == 0.0
    assert bits_per_element([-10, 10.3, 21.0]).tolist() == pytest.approx([0.0, 2.4, 5.1])


def test_sinr_and_throughput_per_resource_block():
    # RSRP -100 dBm over one 15 kHz resource element: noise -174 + 41.76 + 7 = -125.24 dBm, margin 3
    noise = -174 + 10 * math.log10(15_000) + 7
    assert sinr_db(-100, bandwidth_mhz=0.015, noise_figure_db=7, interference_margin_db=3) == \
        pytest.approx(-100 - noise - 3)  # fmt: skip
    assert sinr_db(-100, bandwidth_mhz=0.015, noise_figure_db=7, interference_margin_db=3) == \
        pytest.approx(22.239, abs=1e-3)  # fmt: skip
    # 20 MHz of noise: -174 + 73.01 + 7 = -93.99 dBm
    assert sinr_db(-80, bandwidth_mhz=20, noise_figure_db=7, interference_margin_db=0) == \
        pytest.approx(13.99, abs=1e-2)  # fmt: skip
    # 12 x 14 x 1000 x 2.4 bits x 0.82 = 330,624 bit/s
    assert rb_throughput_mbps(10.3, control_overhead=0.18) == pytest.approx(0.330624)
    assert rb_throughput_mbps(-7.0, control_overhead=0.18) == 0.0


# the check by hand ------------------------------------------------------------------------------


def test_one_cell_two_villages_and_a_school_by_hand():
    # Site A carries 4G on one omni cell of 20 MHz: 100 resource blocks.  Radius model (no dBm):
    # good = 10.3 dB (CQI 9, 16QAM x 0.6 = 2.4 bits), weak = 0.2 dB (CQI 4, QPSK x 0.3 = 0.6).
    # Mbps per block: 12 x 14 x 1000 x 2.4 x 0.82 / 1e6 = 0.330624 (good), 0.082656 (weak).
    # V1 good, 200 people: 200 x 0.25 x 0.10 x 2 Mbps = 10 Mbps -> 10 / 0.330624 = 30.2458 blocks
    # V2 weak, 100 people: 5 Mbps -> 5 / 0.082656 = 60.4917 blocks
    # school good, 2 Mbps (school_mbps = 2): 2 / 0.330624 = 6.0492 blocks
    # total 96.7866 of 100 blocks: load 0.967866, every place has capacity.
    # With Giga's 20 Mbps the school needs 60.4917 blocks: 151.2292 in all, load 1.512292, short.
    v = villages([("V1", "C1", 200, "good", "A"), ("V2", "C1", 100, "weak", "A")])
    pois = schools([("S1", "school", "C1", "good", "A"), ("H1", "health station", "C1", "good", "A")])
    check = capacity_check(v, settings=replace(DEFAULT, school_mbps=2.0), technologies=["4G"], pois=pois)
    assert check.technologies == ["4G"]
    cell = check.cells.iloc[0]
    assert len(check.cells) == 1
    assert (cell["technology"], cell["site_id"], cell["cell_id"]) == ("4G", "A", "A")
    assert (cell["villages"], cell["people"], cell["schools"]) == (2, 300.0, 1)   # not the health station
    assert cell["demand_mbps"] == pytest.approx(10 + 5 + 2)
    good, weak = 12 * 14 * 1000 * 2.4 * 0.82 / 1e6, 12 * 14 * 1000 * 0.6 * 0.82 / 1e6
    assert cell["rbs_needed"] == pytest.approx(10 / good + 5 / weak + 2 / good)
    assert cell["rbs_needed"] == pytest.approx(96.7866, abs=1e-4)
    assert cell["rbs_available"] == 100
    assert cell["load"] == pytest.approx(0.967866, abs=1e-6) and not cell["short"]
    assert check.villages["capacity_ok_4g"].tolist() == [True, True]
    assert check.villages["load_4g"].tolist() == pytest.approx([0.967866] * 2, abs=1e-6)
    assert check.schools.index.tolist() == [0]
    assert check.schools["capacity_ok_4g"].tolist() == [True]

    giga = capacity_check(v, settings=DEFAULT, technologies=["4G"], pois=pois)
    assert giga.cells["rbs_needed"].iloc[0] == pytest.approx(151.2292, abs=1e-4)
    assert giga.cells["load"].iloc[0] == pytest.approx(1.512292, abs=1e-6)
    assert giga.cells["short"].iloc[0]
    assert giga.villages["capacity_ok_4g"].tolist() == [False, False]
    assert giga.villages["capacity_short"].tolist() == [True, True]
    assert giga.schools["capacity_short"].tolist() == [True]
    c1 = giga.communes.loc["C1"]
    assert (c1["villages_short_capacity"], c1["population_short_capacity"],
            c1["schools_short_capacity"]) == (2, 300.0, 1)  # fmt: skip


def test_a_cell_just_under_and_just_over_full_load():
    # One good village alone: load 1 at 100 x 0.330624 / 0.05 = 661.248 people.
    under = capacity_check(villages([("V", "C", 661, "good", "A")]), settings=DEFAULT, technologies=["4G"])
    over = capacity_check(villages([("V", "C", 662, "good", "A")]), settings=DEFAULT, technologies=["4G"])
    assert under.cells["load"].iloc[0] == pytest.approx(661 * 0.05 / 0.330624 / 100)
    assert under.cells["load"].iloc[0] < 1 < over.cells["load"].iloc[0]
    assert under.villages["capacity_ok_4g"].tolist() == [True]
    assert over.villages["capacity_ok_4g"].tolist() == [False]
    assert not under.cells["short"].iloc[0] and over.cells["short"].iloc[0]
    assert under.communes["villages_short_capacity"].sum() == 0
    assert over.communes["villages_short_capacity"].sum() == 1


def test_signal_in_dbm_sets_the_sinr_where_the_model_gives_one():
    # RSRP -100 dBm: SINR -100 + 125.24 - 3 = 22.24 dB -> CQI 14 (64QAM x 0.85 = 5.1 bits):
    # 0.702576 Mbps a block; -110 dBm: 12.24 dB -> CQI 10 (64QAM x 0.45 = 2.7): 0.371952.
    # V1 200 people (10 Mbps): 14.2333 blocks; V2 100 people (5 Mbps): 13.4426; load 0.276759.
    v = villages([("V1", "C1", 200, "good", "A", -100.0), ("V2", "C1", 100, "weak", "A", -110.0)],
                 signal=True)  # fmt: skip
    check = capacity_check(v, settings=DEFAULT, technologies=["4G"])
    assert check.cells["rbs_needed"].iloc[0] == pytest.approx(10 / (ELEMENTS * 5.1 / 1e6)
                                                              + 5 / (ELEMENTS * 2.7 / 1e6))  # fmt: skip
    assert check.cells["load"].iloc[0] == pytest.approx(0.276759, abs=1e-6)
    # The radius model's classes give the same villages far less (10.3 and 0.2 dB).
    by_class = capacity_check(v.drop(columns="signal_dbm_4g"), settings=DEFAULT, technologies=["4G"])
    assert by_class.cells["rbs_needed"].iloc[0] == pytest.approx(10 / 0.330624 + 5 / 0.082656)
    # A NaN signal (a model without dBm) falls back on the class.
    blank = v.assign(signal_dbm_4g=np.nan)
    assert capacity_check(blank, settings=DEFAULT, technologies=["4G"]).cells["load"].iloc[0] == \
        pytest.approx(by_class.cells["load"].iloc[0])  # fmt: skip


def test_each_sector_is_its_own_cell():
    v = villages([("V1", "C1", 500, "good", "A", "A/0°"), ("V2", "C1", 500, "good", "A", "A/120°"),
                  ("V3", "C1", 500, "good", "A", "A/0°"), ("V4", "C1", 500, "good", "B", "B")],
                 cells=True)  # fmt: skip
    check = capacity_check(v, settings=DEFAULT, technologies=["4G"])
    cells = check.cells.set_index("cell_id")
    assert cells.loc[["A/0°", "A/120°", "B"], "villages"].tolist() == [2, 1, 1]
    assert cells.loc["A/0°", "site_id"] == "A"
    per_village = 500 * 0.05 / 0.330624 / 100        # 0.756146 each
    assert cells.loc["A/0°", "load"] == pytest.approx(2 * per_village) and cells.loc["A/0°", "short"]
    assert cells.loc["A/120°", "load"] == pytest.approx(per_village)
    assert check.villages["capacity_ok_4g"].tolist() == [False, True, False, True]


def test_a_place_is_short_only_when_every_checked_technology_serving_it_is():
    v = villages([("V1", "C1", 1000, "good", "A"),     # 4G overloaded, 5G with room: not short
                  ("V2", "C1", 1000, "good", "A"),     # 4G overloaded only: short
                  ("V3", "C2", 100, "none", None),     # 2G only: never short
                  ("V4", "C2", None, "good", "B")])    # blank population asks for nothing
    v["class_5g"] = pd.array(["good", "none", "none", "none"], dtype="string")
    v["site_5g"] = pd.array(["F", None, None, None], dtype="string")
    v["class_2g"] = pd.array(["good", "good", "good", "none"], dtype="string")
    v["site_2g"] = pd.array(["G", "G", "G", None], dtype="string")
    # 5G on 100 MHz (500 blocks): V1's 50 Mbps need 151.2 of them.
    wide = replace(DEFAULT, bandwidth_mhz={"4G": 20.0, "5G": 100.0})
    check = capacity_check(v, settings=wide, technologies=["2G", "4G", "5G"])
    assert check.technologies == ["4G", "5G"]       # [capacity] technologies, not 2G
    out = check.villages
    assert out["capacity_ok_4g"].tolist() == [False, False, pd.NA, True]
    assert out["capacity_ok_5g"].tolist() == [True, pd.NA, pd.NA, pd.NA]
    assert out["load_4g"].isna().tolist() == [False, False, True, False]
    assert out["capacity_short"].tolist() == [False, True, False, False]
    assert "capacity_ok_2g" not in out
    assert check.communes.loc["C1", "villages_short_capacity"] == 1
    assert check.communes.loc["C1", "population_short_capacity"] == 1000.0
    assert check.communes.loc["C2", "villages_short_capacity"] == 0
    assert check.cells.loc[check.cells["cell_id"] == "B", "demand_mbps"].item() == 0.0


def test_a_place_below_the_first_cqi_is_short_and_adds_no_load():
    settings = replace(DEFAULT, sinr_weak_db=-10.0)
    v = villages([("V1", "C1", 100, "good", "A"), ("V2", "C1", 100, "weak", "A")])
    check = capacity_check(v, settings=settings, technologies=["4G"])
    assert check.cells["rbs_needed"].iloc[0] == pytest.approx(5 / 0.330624)
    assert check.villages["capacity_ok_4g"].tolist() == [True, False]
    assert check.villages["capacity_short"].tolist() == [False, True]


def test_unlocated_villages_and_no_checked_technology():
    v = villages([("V1", "C1", 100, "unlocated", None), ("V2", None, 50, "good", "A")])
    check = capacity_check(v, settings=DEFAULT, technologies=["4G"])
    assert check.villages["capacity_ok_4g"].tolist() == [pd.NA, True]
    assert "(no commune)" in check.communes.index
    none = capacity_check(v, technologies=["2G"])
    assert none.technologies == [] and none.cells.empty
    assert list(none.villages.columns) == ["capacity_short"]
    assert none.communes["villages_short_capacity"].sum() == 0
    assert list(none.communes.columns) == ["villages_short_capacity", "population_short_capacity",
                                           "schools_short_capacity"]  # fmt: skip


def test_counts_per_commune_reconcile_and_inputs_are_untouched(rng):
    n = 400
    classes = rng.choice(["none", "weak", "good"], n)
    sites = rng.choice(["A", "B", "C"], n)
    v = villages([(f"V{i}", f"C{i % 7}", int(rng.integers(0, 900)), classes[i],
                   sites[i] if classes[i] != "none" else None) for i in range(n)])  # fmt: skip
    v.loc[::17, "population"] = pd.NA
    pois = schools([(f"S{i}", "school" if i % 3 else "Trường học", f"C{i % 5}",
                     rng.choice(["weak", "good", "none"]), rng.choice(["A", "B", "C"]))
                    for i in range(60)])  # fmt: skip
    before_v, before_p = v.copy(), pois.copy()
    check = capacity_check(v, technologies=["4G"], pois=pois)
    pd.testing.assert_frame_equal(v, before_v)
    pd.testing.assert_frame_equal(pois, before_p)
    short = check.villages["capacity_short"]
    assert check.communes["villages_short_capacity"].sum() == short.sum()
    people = v["population"].fillna(0).astype(float)
    assert check.communes["population_short_capacity"].sum() == pytest.approx(people[short].sum())
    assert check.communes["schools_short_capacity"].sum() == check.schools["capacity_short"].sum()
    assert len(check.schools) == 60                  # "Trường học" is a school too
    covered = v.assign(c=v["class_4g"].isin(["weak", "good"])).groupby("commune_id")["c"].sum()
    assert (check.communes["villages_short_capacity"] <= covered.reindex(check.communes.index)).all()
    # per cell, the villages' and schools' counts are those served
    assert check.cells["villages"].sum() == int(v["class_4g"].isin(["weak", "good"]).sum())
    served = check.schools["capacity_ok_4g"].notna()
    assert check.cells["schools"].sum() == int(served.sum())
    assert np.isfinite(check.cells["load"]).all()
    assert (check.cells["short"] == (check.cells["load"] > 1)).all()


def test_capacity_settings_that_would_leave_no_capacity_are_refused():
    problems = Problems("project.toml")
    settings = parse_capacity(problems, {"technologies": ["4G", "4g", "LTE"], "school_mbps": 10,
                                         "bandwidth_mhz": {"4G": 10}})  # fmt: skip
    assert not problems
    assert settings.technologies == ("4G",)          # named twice, checked once
    assert dict(settings.bandwidth_mhz) == {"4G": 10.0, "5G": 20.0}
    problems = Problems("project.toml")
    parse_capacity(problems, {"bandwidth_mhz": {"4G": 0}, "control_overhead": 1.0})
    assert sorted(p.column for p in problems.items) == ["capacity.bandwidth_mhz.4G",
                                                       "capacity.control_overhead"]  # fmt: skip


def test_every_new_column_has_a_label():
    for lang in ("vi", "en"):
        for col in ("villages_short_capacity", "population_short_capacity", "schools_short_capacity",
                    "capacity_ok_4g", "load_5g"):  # fmt: skip
            assert column_label(col, lang) != col
    assert column_label("capacity_ok_4g", "en") == "Enough busy-hour capacity 4G"


# the sample, end to end ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_result():
    import whitezone as wz

    project = wz.sample_project()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layers = wz.load_layers(project)
        return wz.analyse(layers, project)


def test_the_sample_run_carries_the_check(sample_result):
    from whitezone.schema import village_table

    r = sample_result
    check = r.capacity
    assert check is not None and check.technologies == ["4G"]
    v = r.villages
    served = v["class_4g"].isin(["weak", "good"]).to_numpy()
    assert served.any()
    assert (v["capacity_ok_4g"].notna().to_numpy() == served).all()
    assert (v["load_4g"].notna().to_numpy() == served).all()
    assert (v.loc[served, "load_4g"] >= 0).all() and np.isfinite(v.loc[served, "load_4g"]).all()
    cells = check.cells
    assert (cells["technology"] == "4G").all() and (cells["rbs_available"] == 100).all()
    assert cells["villages"].sum() == served.sum()
    assert cells["people"].sum() == pytest.approx(v.loc[served, "population"].fillna(0).sum())
    # the villages' table: after the 4G columns, before the operators
    table = village_table(v, technologies=r.technologies, signal=r.model.yields_dbm)
    cols = list(table.columns)
    assert cols.index("capacity_ok_4g") == cols.index("distance_km_4g") + 1
    assert cols.index("load_4g") == cols.index("capacity_ok_4g") + 1
    assert cols.index("load_4g") < cols.index("operators_good")
    assert "capacity_ok_2g" not in cols and "load_3g" not in cols
    # schools carry their check; other points of interest do not
    pois = r.pois
    is_school = (pois["kind"] == "school").to_numpy()
    school_served = is_school & pois["class_4g"].isin(["weak", "good"]).to_numpy()
    assert (pois["capacity_ok_4g"].notna().to_numpy() == school_served).all()


def test_the_sample_summaries_count_and_reconcile(sample_result):
    r = sample_result
    s = r.summaries
    short = r.capacity.villages["capacity_short"].to_numpy()
    for table in [t for t in (s.communes, s.districts, s.province) if t is not None]:
        for col in ("villages_short_capacity", "population_short_capacity", "schools_short_capacity"):
            assert col in table and table[col].notna().all(), col
        assert (table["villages_short_capacity"] <= table["villages_weak"] + table["villages_good"]).all()
        assert table["villages_short_capacity"].sum() == short.sum()
        assert table["schools_short_capacity"].sum() == r.capacity.schools["capacity_short"].sum()
        assert table["population_short_capacity"].sum() == \
            pytest.approx(r.villages.loc[short, "population"].fillna(0).sum())  # fmt: skip
    assert pd.api.types.is_integer_dtype(s.communes["villages_short_capacity"])
    # traceable: a village is short when served by 4G and its 4G cell is overloaded
    ok = r.villages["capacity_ok_4g"]
    assert short.sum() == int((ok == False).sum())  # noqa: E712
    # the report has a label for every summary column
    for table in (s.communes, s.province):
        for col in table.columns:
            assert column_label(col, "vi") != col, col
    assert 0 < short.sum() < len(r.villages)


def test_a_site_without_cells_has_three_sectors_by_default():
    # One 4G site given without cells: 300 good people need 300 × 0.05 Mbps / (0.441 Mbps per
    # block at CQI 11's 14.1 dB) = 34.0 blocks of its 3 × 100.
    v = pd.DataFrame({"class_4g": ["good"], "site_4g": ["A"], "population": [300],
                      "commune_id": ["C1"]})  # fmt: skip
    cell = capacity_check(v, settings=CapacitySettings(), technologies=["4G"]).cells.iloc[0]
    per_block = 12 * 14 * 1000 * 6 * 0.55 * 0.82 / 1e6
    assert cell["rbs_available"] == 300
    assert cell["rbs_needed"] == pytest.approx(300 * 0.05 / per_block)
    assert cell["load"] == pytest.approx(300 * 0.05 / per_block / 300)
    # a cell given by the sites layer is one sector
    v["cell_4g"] = ["A/120"]
    assert capacity_check(v, settings=CapacitySettings(), technologies=["4G"]).cells.iloc[0]["rbs_available"] == 100
