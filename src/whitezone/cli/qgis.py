"""``whitezone qgis install``: put the QGIS Processing plugin into a QGIS profile."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError, Problem
from ..qgis_plugin.install import default_profile, install_plugin

__all__ = ["add_parser", "command"]


def add_parser(sub) -> argparse.ArgumentParser:
    """The ``qgis`` subcommand."""
    p = sub.add_parser("qgis", help="install the QGIS Processing plugin (a 'whitezone' provider)")
    p.add_argument("action", choices=["install"], help="install (or update) the plugin")
    p.add_argument("--profile", metavar="DIR",
                   help=f"QGIS profile folder (default {default_profile()})")  # fmt: skip
    p.set_defaults(func=command, quiet=False)
    return p


def command(args: argparse.Namespace) -> int:
    """Install the plugin; say where and how to use it."""
    profile = Path(args.profile) if args.profile else default_profile()
    if profile.exists() and not profile.is_dir():
        raise InputError(Problem(str(profile), "is a file; give a QGIS profile folder"))
    target = install_plugin(profile)
    print(f"Installed the whitezone QGIS plugin in {target} (enabled).")
    print("Restart QGIS: the Processing Toolbox gains a 'whitezone' provider; headless: "
          "qgis_process run whitezone:run -- PROJECT=project.toml OUTPUT=folder")
    return 0
