"""``whitezone calibrate``: tune the model to the project's measurements (calibration.toml)."""

from __future__ import annotations

import argparse

from ..analysis import analyse
from ..i18n import Messages
from ..layers import load_layers
from ..outputs import write_calibration
from ..tuning import DEFAULT_FOLDS, calibrate
from ._common import add_model, add_project, print_outputs, project_of, whole

__all__ = ["add_parser", "command"]


def add_parser(sub) -> argparse.ArgumentParser:
    """The ``calibrate`` subcommand and its options."""
    p = sub.add_parser("calibrate", help="fit offsets, distance slopes and σ per technology to the "
                       "measurements, cross-validated by site; writes calibration.toml")  # fmt: skip
    add_project(p)
    add_model(p)
    p.add_argument("--folds", type=whole, default=DEFAULT_FOLDS,
                   help=f"cross-validation folds, by site (default {DEFAULT_FOLDS})")  # fmt: skip
    p.add_argument("--seed", type=int, default=0, help="of the split of the sites into folds")
    p.set_defaults(func=command)
    return p


def command(args: argparse.Namespace) -> int:
    """Calibrate; print each technology's correction and its cross-validated errors."""
    project = project_of(args)
    t = Messages(project.lang)
    result = analyse(load_layers(project), project)
    fitted = calibrate(result, folds=args.folds, seed=args.seed)
    written = write_calibration(result, fitted)
    if not args.quiet:
        cv = fitted.cross_validation.query("operator == 'all'").set_index("technology")
        for row in fitted.table[fitted.table["operator"] == "all"].itertuples():
            c = cv.loc[row.technology]
            print(t("calibrate.line", tech=row.technology, offset=t.number(row.offset_db, 1),
                    slope=t.number(row.slope_db_per_decade, 1), sigma=t.number(row.sigma_db, 1),
                    before=t.number(c["rmse_before_db"], 1), after=t.number(c["rmse_after_db"], 1),
                    folds=int(c["folds"])))  # fmt: skip
        print(t("calibrate.use", file="calibration.toml"))
        print_outputs(project, project.output, written)
    return 0
