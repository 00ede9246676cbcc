"""An output folder always holds one run's complete set, named by its run.json."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import whitezone
from whitezone.errors import WhitezoneWarning
from whitezone.staging import MANIFEST, OutputFolder, file_sha256, input_checksums, read_manifest

RUN = {"run_id": "abc123", "time": "2026-12-05T00:00:00Z", "version": "test"}


def _inputs(tmp_path, text="a"):
    source = tmp_path / "in" / "villages.csv"
    source.parent.mkdir(exist_ok=True)
    source.write_text(text, encoding="utf-8")
    return input_checksums({"villages": source})


def _write(folder, command, files, inputs, **kwargs):
    with OutputFolder(folder, command=command, run=RUN, inputs=inputs, **kwargs) as out:
        for name, text in files.items():
            out.path(name).write_text(text, encoding="utf-8")
    return out


def consistent(folder: Path) -> dict:
    """The folder's manifest, after checking every file it lists is there with its checksum."""
    manifest = read_manifest(folder)
    assert manifest is not None, f"{folder} has no readable {MANIFEST}"
    for name, entry in manifest["files"].items():
        assert (folder / name).is_file(), name
        assert file_sha256(folder / name) == entry["sha256"], name
    return manifest


def test_a_command_writes_its_files_and_a_manifest(tmp_path):
    inputs = _inputs(tmp_path)
    _write(tmp_path / "out", "run", {"a.csv": "1", "b.html": "2"}, inputs)
    manifest = consistent(tmp_path / "out")
    assert set(manifest["files"]) == {"a.csv", "b.html"}
    assert manifest["command"] == "run" and manifest["run_id"] == "abc123"
    assert manifest["inputs"]["villages"]["sha256"] == inputs["villages"]["sha256"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]   # no staging left


def test_a_failure_leaves_the_previous_set(tmp_path):
    inputs = _inputs(tmp_path)
    _write(tmp_path / "out", "run", {"a.csv": "old", "b.html": "old"}, inputs)
    with pytest.raises(RuntimeError), OutputFolder(tmp_path / "out", command="run", run=RUN,
                                                   inputs=inputs) as out:  # fmt: skip
        out.path("a.csv").write_text("new", encoding="utf-8")
        raise RuntimeError("killed half-way")
    assert (tmp_path / "out" / "a.csv").read_text(encoding="utf-8") == "old"
    assert set(consistent(tmp_path / "out")["files"]) == {"a.csv", "b.html"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_a_new_run_replaces_the_old_set_and_keeps_foreign_files(tmp_path):
    inputs = _inputs(tmp_path)
    _write(tmp_path / "out", "run", {"a.csv": "1", "gone.csv": "1"}, inputs)
    (tmp_path / "out" / "notes.txt").write_text("mine", encoding="utf-8")
    _write(tmp_path / "out", "run", {"a.csv": "2"}, inputs)
    assert set(consistent(tmp_path / "out")["files"]) == {"a.csv"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.csv", "notes.txt", MANIFEST]


def test_other_commands_files_stay_with_the_same_inputs_only(tmp_path):
    inputs = _inputs(tmp_path)
    _write(tmp_path / "out", "run", {"map.html": "1"}, inputs)
    _write(tmp_path / "out", "scenario", {"scenarios.csv": "1"}, inputs)
    manifest = consistent(tmp_path / "out")
    assert {n: e["command"] for n, e in manifest["files"].items()} == {"map.html": "run",
                                                                       "scenarios.csv": "scenario"}
    changed = _inputs(tmp_path, "b")
    with pytest.warns(WhitezoneWarning, match="made from other inputs"):
        _write(tmp_path / "out", "sites", {"priority_sites.csv": "1"}, changed)
    assert set(consistent(tmp_path / "out")["files"]) == {"priority_sites.csv"}
    assert not (tmp_path / "out" / "map.html").exists()


def test_a_command_writing_one_file_at_a_time_keeps_its_earlier_ones(tmp_path):
    inputs = _inputs(tmp_path)
    _write(tmp_path / "out", "viewshed", {"viewshed_A.tif": "1"}, inputs, replace=False)
    _write(tmp_path / "out", "viewshed", {"viewshed_B.tif": "1"}, inputs, replace=False)
    assert set(consistent(tmp_path / "out")["files"]) == {"viewshed_A.tif", "viewshed_B.tif"}


def test_a_folder_holding_the_inputs_is_written_in_place(tmp_path):
    inputs = _inputs(tmp_path)
    folder = tmp_path / "in"   # the villages file lives here
    _write(folder, "run", {"a.csv": "1"}, inputs)
    assert (folder / "villages.csv").read_text(encoding="utf-8") == "a"
    assert set(consistent(folder)["files"]) == {"a.csv"}


def test_a_swap_interrupted_between_its_renames_is_put_back(tmp_path):
    inputs = _inputs(tmp_path)
    _write(tmp_path / "out", "run", {"a.csv": "1"}, inputs)
    os.rename(tmp_path / "out", tmp_path / ".out.old-12345678")   # killed here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _write(tmp_path / "out", "scenario", {"s.csv": "1"}, inputs)
    assert set(consistent(tmp_path / "out")["files"]) == {"a.csv", "s.csv"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_output_names_cannot_leave_the_folder(tmp_path):
    with pytest.raises(ValueError), OutputFolder(tmp_path / "out", command="run", run=RUN,
                                                 inputs={}) as out:  # fmt: skip
        out.path("../escape.csv")


# -- killing real runs --------------------------------------------------------------------------


@pytest.mark.slow
def test_killing_runs_at_random_moments_never_mixes_two_runs(tmp_path):
    """``whitezone run`` killed at random moments: the folder always holds one complete set."""
    env = {**os.environ, "PYTHONPATH": str(Path(whitezone.__file__).resolve().parents[1])}
    out = tmp_path / "out"

    def start():
        return subprocess.Popen([sys.executable, "-m", "whitezone.cli", "run", "-q", "-o", str(out)],
                                cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip

    first = start()
    assert first.wait(timeout=600) == 0
    runs = {consistent(out)["run_id"]}
    rng = np.random.default_rng(11)
    started = time.perf_counter()
    start().wait(timeout=600)
    full = time.perf_counter() - started   # how long a whole run takes here
    runs.add(consistent(out)["run_id"])
    for delay in rng.uniform(0.2, 1.1, size=6) * full:
        proc = start()
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        manifest = consistent(out)
        names = {p.name for p in out.iterdir()}
        assert names == set(manifest["files"]) | {MANIFEST}, names ^ set(manifest["files"])
        runs.add(manifest["run_id"])
    # Every set found was a complete run's: the first, a later one, or a killed one that finished.
    assert len(runs) >= 2
    report = (out / "report.html").read_text(encoding="utf-8")
    assert json.loads((out / MANIFEST).read_text(encoding="utf-8"))["run_id"] in report
