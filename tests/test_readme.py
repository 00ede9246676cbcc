"""README's promises, kept: its figures, its commands, its output columns.

* Every figure README quotes about the sample is what ``tools/readme_figures.py``
  computes now.
* Every ``whitezone`` command in README's shell blocks runs as written, in
  order, in a fresh folder, with no traceback; then README's Python block;
  then every HTML page they wrote opens in headless Chromium without a page
  error.
* Every column README's "What you get" table names is in the files it names,
  and is filled.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from conftest import page_errors

import whitezone

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ENV = {**os.environ, "PYTHONPATH": str(Path(whitezone.__file__).resolve().parents[1])}

pytestmark = pytest.mark.slow


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def commands() -> list[list[str]]:
    """Every ``whitezone ...`` line of README's bash blocks, comments and ``&&`` chains split off."""
    out = []
    for block in _blocks("bash"):
        for line in block.splitlines():
            for part in line.split("#")[0].split("&&"):
                words = shlex.split(part)
                if words and words[0] == "whitezone":
                    out.append(words[1:])
    return out


def test_readme_figures_are_what_the_tool_computes():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "readme_figures.py"), "--check",
                           str(ROOT / "README.md")], capture_output=True, text=True, env=ENV,
                          timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory):
    """README's commands, in order, in an empty folder; then its Python block."""
    folder = tmp_path_factory.mktemp("readme")
    ran = []
    for args in commands():
        done = subprocess.run([sys.executable, "-m", "whitezone.cli", *args], cwd=folder, env=ENV,
                              capture_output=True, text=True, timeout=900)  # fmt: skip
        assert done.returncode == 0, (args, done.stderr)
        assert "Traceback" not in done.stderr, (args, done.stderr)
        ran.append(args)
    for block in _blocks("python"):
        done = subprocess.run([sys.executable, "-c", block], cwd=folder, env=ENV,
                              capture_output=True, text=True, timeout=900)  # fmt: skip
        assert done.returncode == 0, done.stderr
    return folder, ran


def test_readme_commands_cover_every_command(walkthrough):
    _, ran = walkthrough
    assert {args[0] for args in ran} == {"run", "check", "scenario", "sites", "viewshed", "sample",
                                         "validate", "calibrate"}  # fmt: skip


@pytest.mark.browser
def test_every_page_the_walkthrough_wrote_opens_without_error(walkthrough, driver):
    folder, _ = walkthrough
    pages = sorted(folder.rglob("*.html"))
    assert {p.name for p in pages} >= {"map.html", "report.html", "map_scenarios.html",
                                       "map_sites.html"}  # fmt: skip
    for page in pages:
        assert page_errors(driver, page) == [], page


def _promised() -> list[tuple[list[str], list[str]]]:
    """(files, columns) of each row of README's "What you get" table."""
    section = README.split("## What you get", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in (x for x in section.splitlines() if x.startswith("|")):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0] in ("file", "---"):
            continue
        files = re.findall(r"`([^`]+)`", cells[0])
        # Columns of one model only ("(path-loss and terrain models)") are checked elsewhere.
        text = re.sub(r"`[^`]+` \((path-loss|terrain)[^)]*\)", "", cells[1])
        columns = [c for c in re.findall(r"`([^`]+)`", text)
                   if re.fullmatch(r"[a-z][a-z0-9_]*(<tech>)?", c)
                   and c not in ("none", "weak", "good", "unlocated",   # values, not columns
                                 "all", "log", "cell", "model", "nearest")]  # fmt: skip
        rows.append((files, columns))
    return rows


def _columns(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, low_memory=False)
    return pyogrio.read_dataframe(path, read_geometry=False)


def test_every_promised_column_is_written_and_filled(walkthrough):
    folder, _ = walkthrough
    out = folder / "demo" / "output"
    techs = ["2g", "3g", "4g"]
    checked = 0
    for files, columns in _promised():
        present = [out / f for f in files if (out / f).is_file() and f.endswith((".csv", ".gpkg"))]
        if not present:
            continue
        frames = [_columns(p) for p in present]
        for column in columns:
            names = [column.replace("<tech>", t) for t in techs] if "<tech>" in column else [column]
            for name in names:
                holders = [f for f in frames if name in f.columns]
                assert holders, f"{name} promised in {files} but not written"
                assert any(f[name].notna().any() for f in holders), f"{name} is never filled"
                checked += 1
    assert checked >= 80   # the table names this many columns of the demo run
