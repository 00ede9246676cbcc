"""``whitezone validate``: how far the model is from the project's measurements."""

from __future__ import annotations

import argparse

from ..analysis import analyse
from ..i18n import Messages
from ..layers import load_layers
from ..outputs import write_validation
from ..validation import validate
from ._common import add_model, add_project, print_outputs, project_of

__all__ = ["add_parser", "command"]


def add_parser(sub) -> argparse.ArgumentParser:
    """The ``validate`` subcommand."""
    p = sub.add_parser("validate", help="compare the model with the measurements layer: errors, "
                       "classes, kappa; validation.html")  # fmt: skip
    add_project(p)
    add_model(p)
    p.set_defaults(func=command)
    return p


def command(args: argparse.Namespace) -> int:
    """Validate the project's model; print the overall figures and the files written."""
    project = project_of(args)
    t = Messages(project.lang)
    layers = load_layers(project)
    result = analyse(layers, project)
    validation = result.validation if result.validation is not None else validate(result)
    written = write_validation(result, validation)
    if not args.quiet:
        row = validation.summary.iloc[-1]
        print(t("validation.line", n=t.number(row["measurements"]), mean=t.number(row["mean_error_db"], 1),
                rmse=t.number(row["rmse_db"], 1), agree=t.pct(100 * row["class_agreement"]),
                kappa=t.number(row["kappa"], 3)))  # fmt: skip
        print_outputs(project, project.output, written)
    return 0
