"""`whitezone sites`: the priority sites of a project, written and mapped."""

import pandas as pd

from whitezone.cli import main
from whitezone.project import read_project


def test_sites_command_on_the_tiny_province(tiny, capsys):
    # With the radius model nothing is white; with target "weak" V2 (200 people) and V6 (40)
    # need good signal, and each candidate village covers only itself.
    assert main(["sites", str(tiny), "--target", "weak", "--budget", "1"]) == 0
    out = capsys.readouterr().out
    assert "2 villages (240 people) to cover" in out
    table = pd.read_csv(tiny.parent / "out" / "priority_sites.csv")
    assert table["rank"].tolist() == [1] and table["new_population"].tolist() == [200]
    villages = pd.read_csv(tiny.parent / "out" / "priority_villages.csv")
    assert "V2" in villages.astype(str).to_numpy()
    page = (tiny.parent / "out" / "map_sites.html").read_text(encoding="utf-8")
    assert "Priority sites" in page and "\\u2605" in page   # the star marker, JSON-escaped


def test_siting_settings_from_the_project_file(tiny, capsys):
    text = tiny.read_text(encoding="utf-8") + '\n[siting]\nk = 2\ntarget = "weak"\n'
    tiny.write_text(text, encoding="utf-8")
    assert read_project(tiny).siting == {"k": 2, "target": "weak"}
    assert main(["sites", str(tiny), "-q"]) == 0
    table = pd.read_csv(tiny.parent / "out" / "priority_sites.csv")
    assert table["new_population"].tolist() == [200, 40]
    assert table["cumulative_share"].iloc[-1] == 1.0


def test_bad_siting_settings(tiny, capsys):
    tiny.write_text(tiny.read_text(encoding="utf-8") + '\n[siting]\nk = 0\ntarget = "all"\n',
                    encoding="utf-8")  # fmt: skip
    assert main(["sites", str(tiny)]) == 2
    err = capsys.readouterr().err
    assert "siting.k" in err and "siting.target" in err


def test_sites_printout_says_what_it_can_stand_for(tiny, capsys):
    assert main(["sites", str(tiny), "--target", "weak", "--budget", "2"]) == 0
    out = capsys.readouterr().out
    assert "optimal" in out and "greedy" not in out          # proven optimal: one word
    assert "Cost per person" not in out                       # priced: the subsidy instead
    assert "Subsidy per person" in out and "Backhaul" in out and "NPV cost" in out
    rows = [line.split() for line in out.splitlines() if line.strip().startswith(("1 ", "2 "))]
    assert [row[-3] for row in rows][-1] == "100.0"           # cumulative share in percent
    assert main(["sites", str(tiny), "--target", "weak", "--budget", "2", "--costs", "given"]) == 0
    out = capsys.readouterr().out
    assert "Subsidy" not in out and "NPV" not in out          # nothing priced, no costs given
    rows = [line.split() for line in out.splitlines() if line.strip().startswith(("1 ", "2 "))]
    assert [row[-1] for row in rows][-1] == "100.0"
    assert main(["sites", str(tiny), "--target", "weak", "--budget", "0"]) == 0
    out = capsys.readouterr().out
    assert "No site was chosen" in out and "Empty DataFrame" not in out


def test_sites_printout_in_vietnamese(tiny, capsys):
    assert main(["sites", str(tiny), "--target", "weak", "--budget", "1", "--lang", "vi"]) == 0
    out = capsys.readouterr().out
    assert "thôn, bản (240 người) cần phủ sóng" in out and "tối ưu" in out


def test_bad_costs_and_capacity_settings_are_listed_together(tiny, capsys):
    tiny.write_text(tiny.read_text(encoding="utf-8") + '\n[costs]\nset = "cheap"\ncurrency = "VND"\n'
                    '\n[capacity]\nbandwidth_mhz = { "4G" = 0 }\nsectors_per_site = 0\n', encoding="utf-8")  # fmt: skip
    assert main(["sites", str(tiny)]) == 2
    err = capsys.readouterr().err
    for column in ("costs.set", "costs.exchange_rate", "capacity.bandwidth_mhz.4G", "capacity.sectors_per_site"):
        assert column in err, (column, err)
    assert "pytal, podis, giga, itu" in err and "Traceback" not in err


def test_sites_with_money_and_its_options(tiny, capsys, tmp_path):
    assert main(["sites", str(tiny), "--target", "weak", "--cover-all", "--candidates", "villages",
                 "upgrades", "--require-capacity", "--lang", "en"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "NPV cost" in out and "Subsidy per person" in out
    assert main(["sites", str(tiny), "--candidates", "towers"]) == 2
    err = capsys.readouterr().err
    assert "upgrades" in err and "Traceback" not in err
