"""Install this plugin into a QGIS profile (``whitezone qgis install``).

Standard library only: it runs in whitezone's Python, not in QGIS's.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["PLUGIN_NAME", "default_profile", "install_plugin"]

#: The plugin's folder name under ``<profile>/python/plugins`` (QGIS's module name for it).
PLUGIN_NAME = "whitezone"

_SOURCE = Path(__file__).resolve().parent
_SHIPPED = ("__init__.py", "plugin_entry.py", "provider.py", "algorithms.py", "runner.py", "metadata.txt")


def default_profile() -> Path:
    """QGIS 3's default user profile folder on this system (QStandardPaths' AppDataLocation)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "QGIS" / "QGIS3" / "profiles" / "default"


def _enable(profile: Path) -> None:
    """Set ``[PythonPlugins] whitezone=true`` in the profile's QGIS3.ini, keeping every other line."""
    ini = profile / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    lines = ini.read_text(encoding="utf-8").splitlines() if ini.exists() else []
    entry = f"{PLUGIN_NAME}=true"
    try:
        start = lines.index("[PythonPlugins]")
    except ValueError:
        lines += ([""] if lines else []) + ["[PythonPlugins]", entry]
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
        keep = [line for line in lines[start + 1 : end] if not line.startswith(f"{PLUGIN_NAME}=")]
        lines[start + 1 : end] = [entry, *keep]
    ini.write_text("\n".join(lines) + "\n", encoding="utf-8")


def install_plugin(profile: str | Path | None = None, *, command: Sequence[str] | None = None) -> Path:
    """Copy the plugin into ``<profile>/python/plugins/whitezone`` and enable it.

    Parameters
    ----------
    profile : str or Path, optional
        A QGIS profile folder; default :func:`default_profile`.
    command : sequence of str, optional
        How the plugin starts whitezone; default this Python with
        ``-m whitezone.cli``, so the plugin always runs the environment it
        was installed from, whatever QGIS's PATH is.

    Returns
    -------
    Path
        The installed plugin folder (replaced whole if it was there).
    """
    profile = Path(profile) if profile is not None else default_profile()
    plugins = profile / "python" / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    target = plugins / PLUGIN_NAME
    staging = Path(tempfile.mkdtemp(prefix=f".{PLUGIN_NAME}-", dir=plugins))
    try:
        for name in _SHIPPED:
            shutil.copy2(_SOURCE / name, staging / name)
        argv = list(command) if command else [sys.executable, "-m", "whitezone.cli"]
        (staging / "command.json").write_text(json.dumps(argv, ensure_ascii=False), encoding="utf-8")
        if target.exists():
            old = target.with_name(f".{PLUGIN_NAME}-old")
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
            staging.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _enable(profile)
    return target
