"""The ``whitezone`` command: a thin layer over the public functions.

One small module per command (like rasterio's ``rio``), each adding its
subparser and calling the functions a notebook calls: :mod:`.run`,
:mod:`.check`, :mod:`.whatif` (``scenario``), :mod:`.priority` (``sites``),
:mod:`.validate`, :mod:`.calibrate`, :mod:`.visibility` (``viewshed``),
:mod:`.sample` and :mod:`.qgis` (``qgis install``).

Exit status: 0 success, 2 bad input or a missing optional package (one line
saying what to fix, no traceback), 1 internal error.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Sequence

from .._version import __version__
from ..errors import (
    InputError,
    MissingExtraError,
    ModelValidityWarning,
    RepairWarning,
    WhitezoneError,
    WhitezoneWarning,
)
from . import calibrate, check, priority, qgis, run, sample, validate, visibility, whatif

__all__ = ["build_parser", "main"]

logger = logging.getLogger(__name__)

#: The commands, in the order ``--help`` lists them.
COMMANDS = (run, check, whatif, priority, validate, calibrate, visibility, sample, qgis)


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error: ``error: whitezone sites: argument --budget: ...`` (exit 2)."""

    def error(self, message: str):
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command."""
    parser = Parser(
        prog="whitezone",
        description="Where people have no mobile signal, weak signal, no post office within "
        "reach or no fixed broadband.",
    )
    parser.add_argument("--version", action="version", version=f"whitezone {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def _print_warnings(caught: list[warnings.WarningMessage], quiet: bool) -> None:
    """Print warnings once each; a model's validity note repeated per batch is summed up."""
    if quiet:
        return
    seen: dict[str, int] = {}
    for w in caught:
        text = str(w.message)
        key = text.split(";")[0] if issubclass(w.category, ModelValidityWarning) else text
        if key in seen:
            seen[key] += 1
            continue
        seen[key] = 0
        print(f"warning: {text}", file=sys.stderr)
    for key, more in seen.items():
        if more:
            print(f"warning: ({more} more batch(es) with the same note: {key})", file=sys.stderr)


def _quiet_stdout() -> None:
    """After the reader of our output went away (``| head``): write the rest nowhere."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``whitezone`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")  # fmt: skip
    # Dask's cluster chatter is not the planner's business, even with -v.
    # distributed sets its loggers' levels from its config when it is first
    # imported (lazily, by --engine dask), so the config says it too.
    logging.getLogger("distributed").setLevel(logging.WARNING)
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    quiet = getattr(args, "quiet", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            status = args.func(args)
        except (InputError, MissingExtraError) as exc:
            _print_warnings([w for w in caught if issubclass(w.category, WhitezoneWarning)], quiet)
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except WhitezoneError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:
            # The reader (``| head``) has what it wanted; the work itself is done.
            _quiet_stdout()
            return 0
    shown = [w for w in caught if issubclass(w.category, WhitezoneWarning)
             or "whitezone" in str(w.filename)]  # fmt: skip
    if args.command == "check":  # its repairs table already lists them
        shown = [w for w in shown if not issubclass(w.category, RepairWarning)]
    try:
        _print_warnings(shown, quiet)
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
    return status
