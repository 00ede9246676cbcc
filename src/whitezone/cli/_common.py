"""What the commands share: the project argument, the output list, positive numbers."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from ..datasets import sample_project
from ..i18n import Messages
from ..project import MODEL_KINDS, Project, read_project

__all__ = ["add_model", "add_project", "positive", "print_outputs", "project_of", "whole"]


def add_project(parser: argparse.ArgumentParser, *, output: bool = True, quiet: bool = True) -> None:
    """The project file argument (default the embedded sample), and ``-o`` / ``-q``."""
    parser.add_argument("project", nargs="?", help="project file (TOML); default the embedded sample")
    if output:
        parser.add_argument("-o", "--output", help="output folder (default: the project's output)")
    if quiet:
        parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    parser.add_argument("--lang", choices=["vi", "en"],
                        help="language of the outputs and of what is printed (default: the "
                        "project's, else vi)")  # fmt: skip


def add_model(parser: argparse.ArgumentParser) -> None:
    """``--model KIND``: run with another coverage model than the project's."""
    parser.add_argument("--model", choices=MODEL_KINDS,
                        help="the coverage model to use (default: the project's [model] kind)")


def project_of(args: argparse.Namespace) -> Project:
    """The project a command names (default the embedded sample), with ``-o`` and ``--lang`` applied."""
    project = read_project(args.project) if args.project else sample_project()
    if getattr(args, "output", None):
        project = project.with_output(args.output)
    if getattr(args, "lang", None):
        project = replace(project, lang=args.lang)
    if getattr(args, "model", None):
        project = project.with_model(kind=args.model)
    if not args.project and not getattr(args, "quiet", False):
        print(Messages(project.lang)("headline.sample", name=project.name))
    return project


def print_outputs(project: Project, folder, written) -> None:
    """Where the files went, one per line."""
    print("\n" + Messages(project.lang)("headline.outputs", folder=folder))
    for name in written:
        print(f"  {name}")
    sys.stdout.flush()


def whole(text: str) -> int:
    """An argparse type: a whole number of at least 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 0, got {value}")
    return value


def positive(text: str) -> float:
    """An argparse type: a number greater than 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number greater than 0, got {text}")
    return value


def folder_of(project: Project) -> Path:
    """The project's output folder."""
    return Path(project.output)
