"""``whitezone sample``: write a synthetic province to play with."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..datasets import make_sample
from ..errors import InputError, Problem

__all__ = ["add_parser", "command"]


def add_parser(sub) -> argparse.ArgumentParser:
    """The ``sample`` subcommand."""
    p = sub.add_parser("sample", help="write the synthetic sample province")
    p.add_argument("outdir", help="folder to write into")
    p.add_argument("--seed", type=int, default=2020, help="random seed (default 2020)")
    p.set_defaults(func=command, quiet=False)
    return p


def command(args: argparse.Namespace) -> int:
    """Write the province; print its files and the command that runs it."""
    folder = Path(args.outdir)
    if folder.exists() and not folder.is_dir():
        raise InputError(Problem(str(folder), "is a file; give a folder to write the sample into"))
    paths = make_sample(folder, seed=args.seed)
    print(f"Wrote the synthetic sample province (seed {args.seed}) to {folder}:")
    for name, path in paths.items():
        print(f"  {name}: {Path(path).name}")
    print(f"Run it with: whitezone run {paths['project']}")
    return 0
