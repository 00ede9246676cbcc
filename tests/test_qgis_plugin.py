"""The QGIS plugin: its runner outside QGIS, its installation, and the real thing through qgis_process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
import tomllib

from whitezone.cli import main
from whitezone.qgis_plugin.install import default_profile, install_plugin
from whitezone.qgis_plugin.runner import (
    CommandError,
    find_command,
    parse_progress,
    run_command,
    write_project,
)


def test_progress_is_read_from_the_command_s_bars():
    assert parse_progress("classify villages   |#####     | 3/7 [00:01]") == pytest.approx(300 / 7)
    assert parse_progress("rasters:  40%|####  | 30/75 [00:10<00:15]") == 40.0
    assert parse_progress("Tỉnh Mẫu: 26 villages (1.8 %) without signal") is None


def test_a_project_for_qgis_layers_is_valid_toml_with_odd_names(tmp_path):
    odd = 'Dân số "2024" \\ tổng'
    path = write_project(tmp_path, layers={"communes": tmp_path / "communes.gpkg",
                                           "villages": tmp_path / "làng.gpkg"},
                         columns={"villages": {"population": odd, "village": ""}}, lang="en",
                         model="terrain")  # fmt: skip
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["layers"]["villages"].endswith("làng.gpkg")
    assert data["columns"] == {"villages": {"population": odd}}  # empty mappings left out
    assert data["model"] == {"kind": "terrain"} and data["lang"] == "en"


def _script(tmp_path, body: str) -> list[str]:
    path = tmp_path / "fake_whitezone.py"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return [sys.executable, str(path)]


def test_the_runner_reports_progress_lines_and_the_one_line_error(tmp_path):
    argv = _script(tmp_path, r"""
        import sys
        for i in range(1, 5):
            sys.stderr.write(f"\rclassify {'#' * i} {i}/4 [00:0{i}]")
            sys.stderr.flush()
        print("\nwrote villages.csv")
        print("error: villages.csv, row 3, column 'population': expected a number, got 'abc'",
              file=sys.stderr)
        sys.exit(2)
    """)
    progress, lines = [], []
    with pytest.raises(CommandError) as caught:
        run_command(argv, on_progress=progress.append, on_line=lines.append)
    assert str(caught.value) == ("error: villages.csv, row 3, column 'population': expected a number, "
                                 "got 'abc'")  # fmt: skip
    assert progress == [25.0, 50.0, 75.0, 100.0]
    assert "wrote villages.csv" in lines


def test_the_runner_returns_the_output_and_can_be_cancelled(tmp_path):
    ok = _script(tmp_path, 'print("done: 3 files")')
    assert run_command(ok) == "done: 3 files"
    slow = _script(tmp_path, "import time\nprint('started', flush=True)\ntime.sleep(60)")
    calls = []
    with pytest.raises(CommandError, match="cancelled"):
        run_command(slow, is_cancelled=lambda: calls.append(1) or len(calls) > 3)


def test_the_command_is_found_from_the_install_record_then_the_environment(tmp_path):
    record = tmp_path / "command.json"
    record.write_text(json.dumps([sys.executable, "-m", "whitezone.cli"]), encoding="utf-8")
    assert find_command(command_file=record, environ={}) == [sys.executable, "-m", "whitezone.cli"]
    missing = tmp_path / "none.json"
    assert find_command(command_file=missing, environ={"WHITEZONE_EXECUTABLE": "/opt/wz"}) == ["/opt/wz"]
    with pytest.raises(CommandError, match="whitezone qgis install"):
        find_command(command_file=missing, environ={"PATH": str(tmp_path)})


def test_install_copies_the_plugin_records_the_command_and_enables_it(tmp_path, capsys):
    profile = tmp_path / "profile"
    ini = profile / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True)
    ini.write_text("[General]\nlocale=vi\n\n[PythonPlugins]\nprocessing=true\nwhitezone=false\n")
    assert main(["qgis", "install", "--profile", str(profile)]) == 0
    plugin = profile / "python" / "plugins" / "whitezone"
    assert {"__init__.py", "metadata.txt", "provider.py", "algorithms.py", "runner.py",
            "plugin_entry.py", "command.json"} <= {p.name for p in plugin.iterdir()}  # fmt: skip
    assert "hasProcessingProvider=yes" in (plugin / "metadata.txt").read_text()
    command = json.loads((plugin / "command.json").read_text())
    assert command == [sys.executable, "-m", "whitezone.cli"]
    text = ini.read_text()
    assert "locale=vi" in text and "processing=true" in text
    assert "whitezone=true" in text and "whitezone=false" not in text
    # Installing again replaces the folder whole and leaves no staging folder behind.
    (plugin / "stale.py").write_text("")
    install_plugin(profile)
    assert not (plugin / "stale.py").exists()
    assert [p.name for p in plugin.parent.iterdir()] == ["whitezone"]
    assert str(plugin) in capsys.readouterr().out


def test_install_into_a_file_is_a_one_line_error(tmp_path, capsys):
    afile = tmp_path / "profile.txt"
    afile.write_text("")
    assert main(["qgis", "install", "--profile", str(afile)]) == 2
    assert "give a QGIS profile folder" in capsys.readouterr().err


def test_the_default_profile_follows_xdg(monkeypatch, tmp_path):
    if sys.platform in ("win32", "darwin"):
        pytest.skip("XDG_DATA_HOME is Linux's")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_profile() == tmp_path / "QGIS" / "QGIS3" / "profiles" / "default"


# ---------------------------------------------------------------- real QGIS

def _qgis_process_path() -> str | None:
    found = shutil.which("qgis_process")
    # Debian's wrapper script adds --noversioncheck (from /etc/default/qgis), which QGIS 3.22's
    # qgis_process refuses ("Command --noversioncheck not known!"): call the program itself.
    if found and os.access(found + ".bin", os.X_OK):
        return found + ".bin"
    return found


QGIS_PROCESS = _qgis_process_path()
needs_qgis = pytest.mark.skipif(QGIS_PROCESS is None,
                                reason="qgis_process not found (Debian: apt-get install qgis python3-qgis)")


@pytest.fixture(scope="module")
def qgis_env(tmp_path_factory):
    """A fresh QGIS profile (through XDG_DATA_HOME) with the plugin installed."""
    home = tmp_path_factory.mktemp("qgis-home")
    # QGIS's embedded Python must not see this test's virtual environment (it would load its
    # packages); the plugin starts whitezone through the command recorded at install time.
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                           if not p.startswith(sys.prefix))  # fmt: skip
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}  # fmt: skip
    env.update({"XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config"),
                "HOME": str(home), "QT_QPA_PLATFORM": "offscreen", "PATH": path})  # fmt: skip
    install_plugin(home / "data" / "QGIS" / "QGIS3" / "profiles" / "default")
    return env


def _qgis_process(env, *args, timeout=900):
    return subprocess.run([QGIS_PROCESS, *args], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("qgis-sample")
    assert main(["sample", str(folder)]) == 0
    return folder


@needs_qgis
@pytest.mark.slow
def test_qgis_lists_the_provider_s_algorithms(qgis_env):
    done = _qgis_process(qgis_env, "list")
    assert done.returncode == 0, done.stderr
    for name in ("run", "check", "sites", "scenario", "validate", "calibrate"):
        assert f"whitezone:{name}" in done.stdout, done.stdout[-2000:]


@needs_qgis
@pytest.mark.slow
def test_qgis_process_runs_the_analysis_with_progress(qgis_env, sample, tmp_path):
    out = tmp_path / "out"
    done = _qgis_process(qgis_env, "run", "whitezone:run", "--",
                         f"PROJECT={sample / 'project.toml'}", f"OUTPUT={out}", "LANG=1")  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for name in ("villages.gpkg", "communes.gpkg", "summary_communes.csv", "report.html", "map.html"):
        assert (out / name).exists(), name
    # qgis_process prints the progress the algorithm reports (0...10...20...) and the command's lines.
    assert "...10...20..." in done.stdout.replace("\n", "")
    assert "whitezone.cli run" in done.stdout


@needs_qgis
@pytest.mark.slow
def test_qgis_process_takes_layers_and_a_column_mapping(qgis_env, sample, tmp_path):
    # The sample's villages are a CSV; QGIS layers are given here as GeoPackages with a renamed column.
    from whitezone import load_layers, read_project

    layers = load_layers(read_project(sample / "project.toml"))
    v = layers.villages.rename(columns={"population": "so_nguoi_2024"})[["village_id", "village", "commune_id",
                                                                          "so_nguoi_2024", "geometry"]]
    v.to_file(tmp_path / "v.gpkg", driver="GPKG")
    layers.communes.to_file(tmp_path / "c.gpkg", driver="GPKG")
    layers.sites.to_file(tmp_path / "s.gpkg", driver="GPKG")
    out = tmp_path / "out"
    done = _qgis_process(qgis_env, "run", "whitezone:run", "--", f"COMMUNES={tmp_path / 'c.gpkg'}",
                         f"VILLAGES={tmp_path / 'v.gpkg'}", f"SITES={tmp_path / 's.gpkg'}",
                         "VILLAGES_POPULATION=so_nguoi_2024", f"OUTPUT={out}")  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    import pandas as pd

    province = pd.read_csv(out / "summary_province.csv")
    assert int(province["population"].iloc[0]) == int(layers.villages["population"].sum())


@needs_qgis
@pytest.mark.slow
def test_qgis_process_shows_the_command_s_one_line_error(qgis_env, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[layers]\ncommunes = "nowhere.gpkg"\nvillages = "v.csv"\nsites = "s.csv"\n')
    done = _qgis_process(qgis_env, "run", "whitezone:check", "--", f"PROJECT={bad}")
    assert done.returncode != 0
    text = done.stdout + done.stderr
    assert "error:" in text and "nowhere.gpkg" in text
    assert "Traceback" not in text
