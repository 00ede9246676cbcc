"""The command line: exit statuses, messages, no tracebacks."""

import os
import subprocess
import sys
from pathlib import Path

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
