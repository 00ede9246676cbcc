"""Tune a model to measurements: an offset, a distance slope and σ per technology, cross-validated.

RF planners tune a propagation model to drive tests before trusting a
coverage plot.  :func:`calibrate` fits, per technology, the correction that
brings the model's raw predictions to the measurements::

    predicted − measured ≈ offset_db + slope_db_per_decade · log10(d_km)

(so the calibrated loss is the model's plus that), by a robust fit (Huber
loss, :func:`scipy.optimize.least_squares`; a few wild measurements do not
move it), on measurements at least ``min_distance_km`` from their site (the
near field is not what a slope describes).  The location variability σ is
the standard deviation of what the correction leaves.  Where one operator
has at least :data:`MIN_OPERATOR_MEASUREMENTS` measurements from at least
:data:`MIN_OPERATOR_SITES` sites, it gets its own correction too.  With a
land-cover layer, each class with at least :data:`MIN_CLASS_MEASUREMENTS`
measurements gets an offset: the median error the technology corrections
leave on its receivers, added to that class's clutter loss.

How good the tuning is, is measured on measurements it did not see: the
sites are split into ``folds`` groups, and each group's measurements are
predicted by the correction fitted on the others — a site's measurements are
never both fitted and tested.  The errors before and after (root mean
square, mean, standard deviation) are in :attr:`CalibrationResult.cross_validation`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from ._version import __version__
from .errors import InputError, Problem
from .layers import load_layers
from .models import CoverageModel, model_for
from .models.calibration import MIN_DISTANCE_KM, Calibration, Correction, calibration_toml
from .result import Result
from .validation import pair_measurements

__all__ = ["DEFAULT_FOLDS", "MIN_OPERATOR_MEASUREMENTS", "MIN_OPERATOR_SITES",
           "CalibrationResult", "calibrate", "fit_calibration", "fit_correction", "site_folds"]  # fmt: skip

logger = logging.getLogger(__name__)

DEFAULT_FOLDS = 5
#: An operator gets its own correction from this many measurements ...
MIN_OPERATOR_MEASUREMENTS = 200
#: ... taken at this many of its sites.
MIN_OPERATOR_SITES = 5
#: Measurements a land-cover class needs for an offset of its own.
MIN_CLASS_MEASUREMENTS = 100
#: Huber's tuning constant: 95 % efficiency for normal errors.
HUBER_K = 1.345


def fit_correction(error_db, distance_km) -> tuple[float, float, float]:
    """Robust fit of ``error ≈ offset + slope · log10(d)``; σ of the residuals.

    Parameters
    ----------
    error_db : array-like
        Predicted minus measured signal, dB.
    distance_km : array-like
        Distance to the serving site (below :data:`MIN_DISTANCE_KM` counts as it).

    Returns
    -------
    offset_db, slope_db_per_decade, sigma_db : float
    """
    e = np.asarray(error_db, dtype=float)
    x = np.log10(np.maximum(np.asarray(distance_km, dtype=float), MIN_DISTANCE_KM))
    design = np.column_stack([np.ones_like(x), x])
    start, *_ = np.linalg.lstsq(design, e, rcond=None)
    spread = 1.4826 * np.median(np.abs(e - design @ start)) or float(np.std(e)) or 1.0
    fitted = least_squares(lambda p: design @ p - e, start, loss="huber",
                           f_scale=HUBER_K * spread)  # fmt: skip
    residual = e - design @ fitted.x
    sigma = float(np.std(residual, ddof=2)) if len(e) > 2 else float("nan")
    return float(fitted.x[0]), float(fitted.x[1]), sigma


def site_folds(sites, folds: int, *, seed: int = 0) -> np.ndarray:
    """The fold (0 .. folds−1) of each row, all rows of one site in one fold.

    Sites are shuffled (seeded) and dealt round the folds, so folds hold
    about the same number of sites.
    """
    codes, uniques = pd.factorize(pd.Series(np.asarray(sites, dtype=object)))
    order = np.random.default_rng(seed).permutation(len(uniques))
    fold_of_site = np.empty(len(uniques), dtype=np.int64)
    fold_of_site[order] = np.arange(len(uniques)) % max(1, folds)
    return fold_of_site[codes]


@dataclass
class CalibrationResult:
    """What :func:`calibrate` fitted, and how well it does on measurements it did not see.

    Attributes
    ----------
    calibration : Calibration
        The corrections; :meth:`toml` writes them for ``[model] calibration``.
    table : DataFrame
        One row per correction: ``technology``, ``operator`` (``all`` for
        the technology's), ``offset_db``, ``slope_db_per_decade``,
        ``sigma_db``, ``measurements``, ``sites``.
    cross_validation : DataFrame
        Per row of ``table`` (``technology``, ``operator``), its correction
        fitted on the other folds' sites: ``measurements``, ``sites``, ``folds``, and the
        errors on held-out sites before and after: ``rmse_before_db``,
        ``rmse_after_db``, ``mean_before_db``, ``mean_after_db``,
        ``std_before_db``, ``std_after_db``.
    points : DataFrame
        The measurements used: ``measurement_id``, ``technology``,
        ``operator``, ``site_id``, ``distance_km``, ``error_db`` (raw
        model), ``fold``.
    model_kind : str
    """

    calibration: Calibration
    table: pd.DataFrame
    cross_validation: pd.DataFrame
    points: pd.DataFrame
    model_kind: str

    def toml(self) -> str:
        """The calibration as ``calibration.toml`` text, with what it was fitted on."""
        cv = self.cross_validation
        header = {"written by": f"whitezone {__version__} (whitezone calibrate)",
                  "at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
                  "model": self.model_kind,
                  "fit": "predicted - measured = offset_db + slope_db_per_decade * log10(d_km), "
                         f"Huber, d >= {MIN_DISTANCE_KM:g} km",
                  **{f"cross-validated RMSE {r.technology}": f"{r.rmse_before_db:.2f} dB before, "
                     f"{r.rmse_after_db:.2f} dB after ({r.folds} folds by site)"
                     for r in cv[cv["operator"] == "all"].itertuples()}}  # fmt: skip
        return calibration_toml(self.calibration, header=header)


def calibrate(result_or_project, measurements=None, *, folds: int = DEFAULT_FOLDS, seed: int = 0,
              min_distance_km: float = MIN_DISTANCE_KM,
              model: CoverageModel | None = None) -> CalibrationResult:  # fmt: skip
    """Fit per-technology (and per-operator) corrections of a model to measurements.

    Parameters
    ----------
    result_or_project : Result or Project
    measurements : GeoDataFrame, optional
        Default the project's ``measurements`` layer.
    folds : int
        Cross-validation folds, by site (at least 2).
    seed : int
        Of the split of the sites into folds.
    min_distance_km : float
        Measurements nearer their site are left out of the fit.
    model : CoverageModel, optional
        Default the run's (or project's) model; any calibration it carries is
        set aside first.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    InputError
        No measurements, a model without a signal (radius), fewer than two
        folds, or no technology with measurements from two sites.
    """
    if isinstance(result_or_project, Result):
        layers, project = result_or_project.layers, result_or_project.project
        model = model or result_or_project.model
    else:
        project = result_or_project
        layers = load_layers(project)
        model = model or model_for(project, layers)
    source = str(project.path or "project")
    measurements = layers.measurements if measurements is None else measurements
    if measurements is None or len(measurements) == 0:
        raise InputError(Problem(source, "calibration needs measurements: add measurements = "
                                 '"drive_test.csv" under [layers]', column="layers.measurements"))  # fmt: skip
    if not model.yields_dbm:
        raise InputError(Problem(source, f"the {model.kind} model gives classes, not a signal: "
                                 'calibrate a path-loss or terrain model ([model] kind = "pathloss")',
                                 column="model.kind"))  # fmt: skip
    return fit_calibration(measurements, layers.sites, model, crs=layers.crs, folds=folds,
                           seed=seed, min_distance_km=min_distance_km, source=source)


def fit_calibration(measurements, sites, model: CoverageModel, *, crs, folds: int = DEFAULT_FOLDS,
                    seed: int = 0, min_distance_km: float = MIN_DISTANCE_KM,
                    source: str = "measurements", pairs=None) -> CalibrationResult:  # fmt: skip
    """:func:`calibrate` on given measurements, sites and model (in the metric ``crs``).

    The model's own calibration, if any, is set aside: the fit is of the
    model as it stands.  ``pairs`` (:func:`~whitezone.validation.pair_measurements`
    of these measurements with the uncalibrated model) saves pairing again.
    """
    if folds < 2:
        raise InputError(Problem("--folds", f"expected at least 2 folds, got {folds}"))
    base = model.without_calibration()
    if pairs is None:
        pairs = pair_measurements(measurements, sites, base, crs=crs)
    site = pairs["site"].to_numpy()
    use = np.flatnonzero(site >= 0)
    active = pairs.attrs["active"]
    links = base.pair_links(pairs.attrs["xy"], active, use, site[use], site_xy=pairs.attrs["site_xy"],
                            calibrated=False)  # fmt: skip
    points = pd.DataFrame({
        "measurement_id": measurements["measurement_id"].to_numpy()[use],
        "technology": measurements["technology"].to_numpy()[use],
        "operator": measurements["operator"].astype(object).to_numpy()[use],
        "site_id": active["site_id"].astype(str).to_numpy()[site[use]],
        "distance_km": links["distance_km"].to_numpy(),
        "error_db": links["signal_dbm"].to_numpy() - measurements["signal_dbm"].to_numpy()[use],
    })  # fmt: skip
    if base.clutter is not None:
        points["landcover"] = base.clutter.codes_at(pairs.attrs["xy"])[use]
    points = points[np.isfinite(points["error_db"]) & (points["distance_km"] >= min_distance_km)]
    points = points.reset_index(drop=True)
    points["fold"] = -1
    table_rows, cv_rows, by_tech, by_op = [], [], {}, {}
    for tech, rows in points.groupby("technology", sort=True).groups.items():
        part = points.loc[rows]
        n_sites = part["site_id"].nunique()
        if n_sites < 2:
            logger.warning("%s: measurements from %d site only; not calibrated", tech, n_sites)
            continue
        offset, slope, sigma = fit_correction(part["error_db"], part["distance_km"])
        by_tech[tech] = Correction(offset, slope, sigma, len(part), n_sites)
        table_rows.append({"technology": tech, "operator": "all", "offset_db": offset,
                           "slope_db_per_decade": slope, "sigma_db": sigma,
                           "measurements": len(part), "sites": n_sites})  # fmt: skip
        k = min(folds, n_sites)
        fold = site_folds(part["site_id"], k, seed=seed)
        points.loc[rows, "fold"] = fold
        e, d = part["error_db"].to_numpy(), part["distance_km"].to_numpy()
        cv_rows.append(_cross_validate(e, d, fold, k, technology=tech, operator="all",
                                       sites=n_sites))  # fmt: skip
        ops = part["operator"].to_numpy()
        for op, op_rows in part.groupby("operator", sort=True).groups.items():
            sub = part.loc[op_rows]
            if len(sub) < MIN_OPERATOR_MEASUREMENTS or sub["site_id"].nunique() < MIN_OPERATOR_SITES:
                continue
            o, s, sg = fit_correction(sub["error_db"], sub["distance_km"])
            by_op[(str(op), tech)] = Correction(o, s, sg, len(sub), sub["site_id"].nunique())
            table_rows.append({"technology": tech, "operator": str(op), "offset_db": o,
                               "slope_db_per_decade": s, "sigma_db": sg, "measurements": len(sub),
                               "sites": sub["site_id"].nunique()})  # fmt: skip
            mine = ops == op
            cv_rows.append(_cross_validate(e[mine], d[mine], fold[mine], k, technology=tech,
                                           operator=str(op), sites=sub["site_id"].nunique()))
    if not by_tech:
        raise InputError(Problem(source, "no technology has measurements from two sites or more "
                                 f"at least {min_distance_km:g} km away: nothing to calibrate",
                                 column="layers.measurements"))  # fmt: skip
    calibration = Calibration(technology=by_tech, operator=by_op,
                              clutter=_class_offsets(points, by_tech))  # fmt: skip
    return CalibrationResult(calibration=calibration, table=pd.DataFrame(table_rows),
                             cross_validation=pd.DataFrame(cv_rows), points=points,
                             model_kind=model.kind)  # fmt: skip


def _class_offsets(points: pd.DataFrame, by_tech: dict) -> dict[int, tuple[float, int]]:
    """Per land-cover class, the median error left after each technology's correction.

    Classes with fewer than :data:`MIN_CLASS_MEASUREMENTS` measurements get none.
    """
    if "landcover" not in points or not by_tech:
        return {}
    fitted = points[points["technology"].isin(list(by_tech))]
    c = [by_tech[t] for t in fitted["technology"]]
    left = fitted["error_db"].to_numpy() - Calibration.extra_loss_db(
        [x.offset_db for x in c], [x.slope_db_per_decade for x in c], fitted["distance_km"].to_numpy())  # fmt: skip
    frame = pd.DataFrame({"code": fitted["landcover"].to_numpy(), "left": left})
    stats = frame[frame["code"] >= 0].groupby("code")["left"].agg(["median", "size"])
    stats = stats[stats["size"] >= MIN_CLASS_MEASUREMENTS]
    return {int(code): (float(row["median"]), int(row["size"])) for code, row in stats.iterrows()}


def _cross_validate(e, d, fold, k, *, technology, operator, sites) -> dict:
    """Errors on each fold's held-out sites of a correction fitted on the other folds."""
    held_out = np.full(len(e), np.nan)
    for f in range(k):
        test = fold == f
        if not test.any():
            continue
        o, s, _ = fit_correction(e[~test], d[~test])
        held_out[test] = e[test] - Calibration.extra_loss_db(o, s, d[test])
    return {"technology": technology, "operator": operator, "measurements": len(e),
            "sites": sites, "folds": k, "rmse_before_db": float(np.sqrt(np.mean(e**2))),
            "rmse_after_db": float(np.sqrt(np.mean(held_out**2))),
            "mean_before_db": float(e.mean()), "mean_after_db": float(held_out.mean()),
            "std_before_db": float(e.std(ddof=1)), "std_after_db": float(held_out.std(ddof=1))}
