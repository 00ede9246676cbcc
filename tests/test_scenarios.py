"""What-if scenarios on the tiny province (expectations worked out in conftest's diagram)."""

import pandas as pd
import pytest

from whitezone.analysis import analyse
from whitezone.cli import main
from whitezone.models import RadiusModel
from whitezone.project import ScenarioSettings, read_project
from whitezone.scenarios import apply_scenario, run_scenario

MODEL = RadiusModel(radius_km={"2G": (6.0, 12.0), "4G": (2.5, 5.0)})


@pytest.fixture
def base(tiny, tiny_layers):
    return analyse(tiny_layers, read_project(tiny), model=MODEL)


def changes(run):
    v = run.villages.set_index("village_id")
    return v["change"].to_dict(), v["class_after"].astype(str).to_dict()


def test_switching_off_2g(base):
    run = run_scenario(base, ScenarioSettings("no2g", switch_off=("2G",)))
    change, after = changes(run)
    # V3 and V4 keep only S2's weak 4G (worse); V6 had only 2G (loses all signal).
    assert after == {"V1": "good", "V2": "weak", "V3": "weak", "V4": "weak", "V5": "unlocated",
                     "V6": "none"}  # fmt: skip
    assert change == {"V1": "same", "V2": "same", "V3": "worse", "V4": "worse", "V5": "same",
                      "V6": "lose"}  # fmt: skip
    prov = run.province.iloc[0]
    assert (prov["villages_none_before"], prov["villages_none_after"]) == (0, 1)
    assert prov["villages_lose"] == 1 and prov["population_lose"] == 40
    assert prov["villages_worse"] == 2 and prov["population_worse"] == 300 + 50
    communes = run.communes.set_index("commune_id")
    assert communes.loc["C2", "villages_worse"] == 2 and communes.loc["C2", "villages_lose"] == 0
    assert communes.loc["C1", "villages_lose"] == 1 and communes.loc["C1", "villages_worse"] == 0
    # The full indicator tables after the change reconcile like the originals.
    assert int(run.summaries.province["villages_none"].iloc[0]) == 1


def test_planned_sites_go_on_air(base):
    run = run_scenario(base, ScenarioSettings("planned", activate_planned=True))
    change, after = changes(run)
    assert after["V6"] == "good" and change["V6"] == "gain"
    assert sum(v == "gain" for v in change.values()) == 1


def test_removing_a_site_and_an_operator(base):
    change, after = changes(run_scenario(base, ScenarioSettings("s2", remove_sites=("S2",))))
    assert after["V3"] == after["V4"] == after["V6"] == "none"
    change, after = changes(run_scenario(base, ScenarioSettings("x", remove_operators=("Viettel",))))
    assert after["V1"] == "none" and after["V2"] == "none" and change["V3"] == "same"


def test_site_sharing_names_operators_gaining(base):
    run = run_scenario(base, ScenarioSettings("share", share_sites=True))
    v = run.villages.set_index("village_id")
    assert (v["change"] == "same").all()                  # what sites radiate does not change
    assert v.loc["V1", "operators_gaining"] == "VNPT"     # S1 is Viettel's
    assert v.loc["V3", "operators_gaining"] == "Viettel"  # S2 is VNPT's


def test_apply_scenario_keeps_the_input(tiny_layers):
    before = tiny_layers.sites.copy()
    out = apply_scenario(tiny_layers.sites, ScenarioSettings("a", switch_off=("4G",), activate_planned=True))
    pd.testing.assert_frame_equal(tiny_layers.sites, before)
    assert set(out.loc[out["technology"] == "4G", "status"]) == {"off"}


def test_added_sites_file(base, tmp_path):
    from conftest import lonlat, write_csv

    lon, lat = lonlat(9.0, 1.0)
    path = write_csv(tmp_path / "new.csv", ["site_id", "operator", "technology", "lon", "lat"],
                     [["N1", "VNPT", "4G", lon, lat]])  # fmt: skip
    change, after = changes(run_scenario(base, ScenarioSettings("new", add_sites=path)))
    assert after["V6"] == "good" and change["V6"] == "gain"


def test_scenario_command_from_the_project_file(tiny, capsys):
    text = tiny.read_text(encoding="utf-8") + '\n[scenarios.tat_2g]\nlabel = "2G off"\nswitch_off = ["2G"]\n'
    tiny.write_text(text, encoding="utf-8")
    assert main(["scenario", str(tiny)]) == 0
    out = capsys.readouterr().out
    assert "2G off: no signal 0 → 1 villages" in out
    assert "losing all signal: 1 village (40 people); getting a worse signal: 2 villages (350 people)" in out
    folder = tiny.parent / "out"
    assert (folder / "scenario_tat_2g_villages.csv").exists() and (folder / "map_scenarios.html").exists()
    table = pd.read_csv(folder / "scenarios.csv")
    assert table["villages_lose"].iloc[0] == 1 and table["villages_worse"].iloc[0] == 2


def test_scenario_errors(tiny, capsys):
    assert main(["scenario", str(tiny)]) == 2
    assert "no scenario to run" in capsys.readouterr().err
    assert main(["scenario", str(tiny), "--switch-off", "6G"]) == 2
    assert main(["scenario", str(tiny), "--name", "nope"]) == 2
