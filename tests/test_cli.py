"""The command line: exit statuses, messages, no tracebacks."""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import whitezone
from whitezone.cli import main

PKG_ROOT = str(Path(whitezone.__file__).resolve().parents[1])


def run_cli(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": PKG_ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "whitezone.cli", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=600)  # fmt: skip


def test_run_tiny_project(tiny, capsys):
    assert main(["run", str(tiny)]) == 0
    out = capsys.readouterr()
    assert "villages with no signal" in out.out
    assert "commune centres covered" in out.out and "2 of 2" in out.out
    assert (tiny.parent / "out" / "map.html").exists()
    assert "unlocated" in out.err          # the kept village is reported as a warning


def test_run_quiet_prints_nothing(tiny, capsys):
    assert main(["run", str(tiny), "-q", "-o", str(tiny.parent / "q")]) == 0
    out = capsys.readouterr()
    assert out.out == ""
    assert (tiny.parent / "q" / "villages.csv").exists()


def test_run_dask_engine_quiet_prints_nothing(tiny):
    pytest.importorskip("dask_geopandas", reason="the Dask engine needs whitezone[dask]")
    pytest.importorskip("distributed", reason="the Dask engine needs whitezone[dask]")
    done = run_cli("run", str(tiny), "--engine", "dask", "-q", "-o", str(tiny.parent / "dq"))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    # the kept village is still reported; the local cluster's logging is not
    assert "distributed" not in done.stderr and "Scheduler" not in done.stderr
    assert (tiny.parent / "dq" / "villages.csv").exists()


def test_run_over_several_provinces_prints_their_total(tiny, capsys):
    import geopandas as gpd

    communes = gpd.read_file(tiny.parent / "communes.gpkg")
    communes["province"] = ["Tỉnh A", "Tỉnh B"][: len(communes)]
    communes.to_file(tiny.parent / "communes.gpkg", driver="GPKG")
    assert main(["run", str(tiny), "-o", str(tiny.parent / "two")]) == 0
    out = capsys.readouterr().out
    assert "provinces" in out and "2 (each in summary_province.csv)" in out
    assert out.count("communes / villages / population") == 1
    assert "2 / 6 /" in out    # both communes, every village


def test_check_prints_counts(tiny, capsys):
    assert main(["check", str(tiny)]) == 0
    out = capsys.readouterr().out
    assert "inputs are valid" in out
    assert "villages" in out and "EPSG:32648" in out
    assert "unlocated" in out


def test_bad_input_exits_2_without_traceback(tiny):
    villages = tiny.parent / "villages.csv"
    villages.write_text(villages.read_text(encoding="utf-8").replace("V2,", "V1,"), encoding="utf-8")
    proc = run_cli("run", str(tiny))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "villages.csv" in proc.stderr and "'V1' is not unique" in proc.stderr
    assert "row 2" in proc.stderr and "row 3" in proc.stderr


def test_bad_toml_names_the_line(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text('name = "x"\n[layers\ncommunes = "c.gpkg"\n', encoding="utf-8")
    proc = run_cli("check", str(bad))
    assert proc.returncode == 2 and "line 2" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_project_file(tmp_path):
    proc = run_cli("run", str(tmp_path / "nope.toml"))
    assert proc.returncode == 2 and "project file not found" in proc.stderr


def test_unknown_command_is_usage_error():
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2


# -- bad input anywhere: exit 2, one line, no traceback ---------------------------------------


def _one_line_error(proc, *fragments):
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])


@pytest.mark.parametrize("args, fragments", [
    (["sites", "{p}", "--candidates", "hilltop"], ["'hilltop'", "villages, upgrades, grid, hilltops"]),
    (["sites", "{p}", "--candidates", "{d}/missing.csv"], ["missing.csv", "nor a file"]),
    (["sites", "{p}", "--technology", "6G"], ["--technology", "'6G'", "2G, 3G, 4G, 5G"]),
    (["sites", "{p}", "--budget", "-3"], ["--budget", "-3"]),
    (["sites", "{p}", "--time-limit", "0"], ["--time-limit"]),
    (["scenario", "{p}", "--switch-off", "6G"], ["'6G'"]),
    (["scenario", "{p}", "--switch-off", "5G"], ["no technology '5G'", "2G, 4G"]),
    (["scenario", "{p}", "--remove-operator", "Vietel"], ["'Vietel'", "VNPT, Viettel"]),
    (["scenario", "{p}", "--remove-site", "XYZ-1"], ["'XYZ-1'", "S1, S2, S3"]),
    (["viewshed", "{p}", "--site", "S1"], ["DEM"]),
    (["run", "{p}", "--hexagons", "99"], ["--hexagons"]),
    (["check", "{d}"], ["is a folder", "project.toml"]),
])  # fmt: skip
def test_bad_options_exit_2_with_one_line(tiny, args, fragments):
    folder = tiny.parent
    extra = ["-q"] if args[0] != "check" else []
    proc = run_cli(*[a.format(p=tiny, d=folder) for a in args], *extra)
    _one_line_error(proc, *fragments)


def test_a_layer_that_is_a_folder(tiny):
    (tiny.parent / "sites.csv").rename(tiny.parent / "sites.bak")
    (tiny.parent / "sites.csv").mkdir()
    _one_line_error(run_cli("check", str(tiny)), "sites.csv", "is a folder")


def test_operator_names_match_without_case_or_accents(tiny, capsys):
    assert main(["scenario", str(tiny), "--remove-operator", "viettel", "-q"]) == 0
    table = pd.read_csv(tiny.parent / "out" / "scenarios.csv")
    assert table["villages_lose"].iloc[0] + table["villages_worse"].iloc[0] >= 1


def test_output_to_a_closed_pipe_is_no_error(tiny):
    env = {**os.environ, "PYTHONPATH": PKG_ROOT}
    for command in ("check", "run"):
        done = subprocess.run(f'"{sys.executable}" -m whitezone.cli {command} "{tiny}" | head -1',
                              shell=True, capture_output=True, text=True, env=env, timeout=600)  # fmt: skip
        assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
        assert len(done.stdout.splitlines()) == 1


@pytest.mark.parametrize("module, args", [
    ("h3", ["run", "{p}", "--hexagons", "7", "-q"]),
    ("dask_geopandas", ["run", "{p}", "--engine", "dask", "-q"]),
])
def test_a_missing_extra_is_exit_2_with_the_pip_command(tiny, module, args):
    code = (f"import sys; sys.modules[{module!r}] = None; from whitezone.cli import main; "
            f"sys.exit(main({[a.format(p=tiny) for a in args]!r}))")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": PKG_ROOT}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=600)  # fmt: skip
    _one_line_error(proc, "pip install")


def test_check_counts_rows_sites_and_raster_cells(capsys):
    assert main(["check", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    from whitezone.datasets import sample_project
    from whitezone.layers._read import read_raw

    rows = len(read_raw(sample_project().layers["sites"].path, role="sites", wanted=["site_id"]).frame)
    line = next(x for x in out.splitlines() if x.strip().startswith("sites"))
    assert line.split()[1] == str(rows)                       # the file's rows, not site-technologies
    assert "sites," in line and "site-technologies" in line
    dem = next(x for x in out.splitlines() if x.strip().startswith("dem"))
    assert "<NA>" not in dem and "cells of" in dem


def test_check_lists_an_encoding_guess_as_a_repair(tiny, capsys):
    villages = tiny.parent / "villages.csv"
    import re

    text = re.sub(r"Bản \w+", "Bưu Đông", villages.read_text(encoding="utf-8"))
    villages.write_bytes(text.encode("cp1258"))
    assert main(["check", str(tiny)]) == 0
    out = capsys.readouterr().out
    assert "encoding_cp1258" in out and "no repair was needed" not in out
