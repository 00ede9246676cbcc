"""How far the model is from what phones measured: the validation of a coverage model.

Each measurement is paired with the site that served it — the ``site_id``
the log names, else the site carrying its ``cell_id``, else the model's best
server among the sites of its technology (and operator, when the log names
one) — and the model's signal from that site at that place is compared with
the measured one: ``error = predicted − measured`` (positive: the model is
optimistic).  The classes are compared too: the measured class by the
thresholds of the technology (the same the model classes with), the
predicted one as the model gives it, and their agreement and Cohen's kappa
(agreement beyond chance: 1 perfect, 0 no better than chance).  A model
without a signal (the radius model) is judged on its classes alone.

Statistics per technology and operator, per technology, and over all
(:data:`SUMMARY_COLUMNS`): the FCC's challenge process and Ofcom's drive
tests ask these questions of operators' maps; after tuning, a mean error
near 0 dB and a standard deviation of at most 8 dB are what RF planners
expect (REFERENCES).
"""

from __future__ import annotations

import logging
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from .classes import CLASSES, class_names
from .classify import project_xy, site_coordinates
from .errors import InputError, Problem
from .layers import load_layers
from .layers._columns import fold
from .models import DEFAULT_BUDGETS, CoverageModel, best_from_links, model_for
from .result import Result, Validation

__all__ = ["ALL", "SUMMARY_COLUMNS", "Validation", "cohen_kappa", "compare", "confusion_matrix",
           "pair_measurements", "summary_statistics", "validate"]  # fmt: skip

logger = logging.getLogger(__name__)

#: The label of a summary row over every technology or operator.
ALL = "all"
#: Columns of ``validation_summary.csv``.
SUMMARY_COLUMNS = ("technology", "operator", "measurements", "mean_error_db", "std_error_db",
                   "rmse_db", "mae_db", "correlation", "class_agreement", "kappa")  # fmt: skip
#: Measurements whose best server is searched at once (bounds the links held in memory).
BATCH = 100_000
#: Where the serving site came from: the log's site, its cell, the model's best server, the
#: nearest site (beyond every modelled reach), or none of its technology and operator.
SERVED_BY = ("log", "cell", "model", "nearest", "none")


def confusion_matrix(measured, predicted) -> pd.DataFrame:
    """Counts of measured class (rows) by predicted class (columns), none/weak/good."""
    k = len(CLASSES)
    a = pd.Categorical(np.asarray(measured, dtype=object), categories=list(CLASSES)).codes
    b = pd.Categorical(np.asarray(predicted, dtype=object), categories=list(CLASSES)).codes
    ok = (a >= 0) & (b >= 0)
    table = np.bincount(a[ok] * k + b[ok], minlength=k * k).reshape(k, k)
    return pd.DataFrame(table, index=pd.Index(CLASSES, name="measured"),
                        columns=pd.Index(CLASSES, name="predicted"))  # fmt: skip


def cohen_kappa(measured, predicted) -> float:
    """Cohen's kappa of two classifications: (p_o − p_e) / (1 − p_e); NaN for no pair.

    Examples
    --------
    >>> round(cohen_kappa(["none", "good", "good", "weak"], ["none", "good", "weak", "weak"]), 4)
    0.6364
    """
    table = confusion_matrix(measured, predicted).to_numpy(dtype=float, copy=True)
    if table.sum() == 0:
        return float("nan")
    table /= table.sum()
    p_o = np.trace(table)
    p_e = float(table.sum(axis=1) @ table.sum(axis=0))
    return float("nan") if p_e == 1 else float((p_o - p_e) / (1 - p_e))


def summary_statistics(error: np.ndarray, predicted: np.ndarray, measured: np.ndarray,
                       predicted_class, measured_class) -> dict:  # fmt: skip
    """The statistics of one group of measurements (NaN where they cannot be stated)."""
    error = np.asarray(error, dtype=float)
    known = np.isfinite(error)
    e = error[known]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        corr = (np.corrcoef(np.asarray(predicted, float)[known], np.asarray(measured, float)[known])[0, 1]
                if known.sum() > 2 else np.nan)  # fmt: skip
    pc = np.asarray(predicted_class, dtype=object)
    mc = np.asarray(measured_class, dtype=object)
    return {
        "measurements": len(error),
        "mean_error_db": float(e.mean()) if e.size else np.nan,
        "std_error_db": float(e.std(ddof=1)) if e.size > 1 else np.nan,
        "rmse_db": float(np.sqrt(np.mean(e**2))) if e.size else np.nan,
        "mae_db": float(np.mean(np.abs(e))) if e.size else np.nan,
        "correlation": float(corr),
        "class_agreement": float(np.mean(pc == mc)) if len(pc) else np.nan,
        "kappa": cohen_kappa(mc, pc),
    }


def _thresholds(model: CoverageModel, budgets) -> pd.DataFrame:
    """Good and weak thresholds (dBm) per technology: the model's, else the project's budgets'."""
    table = model.thresholds()
    if table is None:  # a model without a signal: the project's budgets, over the defaults
        table = {t: (budgets.get(t, {}).get("good_dbm", b.good_dbm),
                     budgets.get(t, {}).get("weak_dbm", b.weak_dbm))
                 for t, b in DEFAULT_BUDGETS.items()}  # fmt: skip
    return pd.DataFrame(table, index=["good", "weak"]).T


def _folded(names: pd.Series) -> np.ndarray:
    """Names folded for matching (case, accents), each distinct one once; None where blank."""
    codes, uniques = pd.factorize(names.astype(object), use_na_sentinel=True)
    folded = np.array([fold(v) for v in uniques] + [None], dtype=object)
    return folded[codes]


def _key(ids: pd.Series, technology: np.ndarray) -> pd.Series:
    """``id|technology`` per row (blank ids give keys no site has)."""
    text = ids.astype("string").fillna("").to_numpy(dtype=object)
    return pd.Series(text + "|" + technology.astype(object))


def pair_measurements(measurements: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, model: CoverageModel,
                      *, crs) -> pd.DataFrame:  # fmt: skip
    """The serving site of each measurement (position in the active sites) and where it came from.

    Returns
    -------
    DataFrame
        Index of ``measurements``: ``site`` (-1: none of its technology and
        operator reaches it), ``served_by``; ``attrs["active"]`` holds the
        active sites the positions refer to, ``attrs["xy"]`` the measurements'
        metric x, y and ``attrs["site_xy"]`` the sites'.
    """
    active = sites[sites["status"] == "active"].reset_index(drop=True)
    xy = project_xy(np.asarray(measurements.geometry.array), measurements.crs, crs)
    site_xy = site_coordinates(active, crs)
    n = len(measurements)
    site = np.full(n, -1, dtype=np.int64)
    served = np.full(n, "none", dtype=object)
    tech = measurements["technology"].to_numpy(dtype=object)
    key = active["site_id"].astype(str) + "|" + active["technology"].astype(str)
    logged = measurements["site_id"].notna().to_numpy()
    wanted = _key(measurements["site_id"], tech)
    hit = logged & wanted.isin(set(key)).to_numpy()
    if hit.any():
        # A logged site may have several cells of the technology: the one the model
        # favours at the measurement's place served it.
        pairs = pd.DataFrame({"m": np.flatnonzero(hit), "key": wanted[hit].to_numpy()}).merge(
            pd.DataFrame({"key": key.to_numpy(), "row": np.arange(len(active))}), on="key")  # fmt: skip
        links = model.pair_links(xy, active, pairs["m"].to_numpy(), pairs["row"].to_numpy(),
                                 site_xy=site_xy)  # fmt: skip
        chosen = best_from_links(links, np.zeros(len(active), dtype=np.int64), n, 1)["site"][:, 0]
        site[hit] = chosen[hit]
        served[hit] = "log"
    if "cell_id" in active and active["cell_id"].notna().any():
        cells = active["cell_id"].astype(str) + "|" + active["technology"].astype(str)
        by_cell = pd.Series(np.arange(len(active)), index=cells)
        by_cell = by_cell[~by_cell.index.duplicated()]
        todo = (site < 0) & measurements["cell_id"].notna().to_numpy()
        found = _key(measurements["cell_id"], tech).map(by_cell)
        hit = todo & found.notna().to_numpy()
        site[hit] = found[hit].to_numpy(dtype=np.int64)
        served[hit] = "cell"
    unmatched = int((logged & (served == "none")).sum())
    if unmatched:
        logger.info("%d measurements name a site not among the active sites; their best server "
                    "is used", unmatched)  # fmt: skip
    # The rest: the model's best server among the sites of the technology (and operator).
    todo = np.flatnonzero(site < 0)
    if todo.size:
        active_op = _folded(active["operator"])
        groups = pd.DataFrame({"tech": tech[todo], "op": _folded(measurements["operator"])[todo]})
        for (t, o), rows in groups.groupby(["tech", "op"], dropna=False).groups.items():
            members = np.flatnonzero((active["technology"].to_numpy() == t)
                                     & ((active_op == o) if o is not None and not pd.isna(o)
                                        else True))  # fmt: skip
            if members.size == 0:
                continue
            rows = todo[np.asarray(list(rows))]
            prepared = model.prepare(active.iloc[members].reset_index(drop=True),
                                     np.zeros(members.size, dtype=np.int64), 1,
                                     site_xy=site_xy[members])  # fmt: skip
            # In batches: a link model lists every (measurement, site) pair within reach.
            chosen = np.concatenate([prepared.best(xy[rows[i : i + BATCH]])["site"][:, 0]
                                     for i in range(0, len(rows), BATCH)])  # fmt: skip
            ok = chosen >= 0
            site[rows[ok]] = members[chosen[ok]]
            served[rows[ok]] = "model"
            # Beyond every site's modelled reach (a phone still measured something): the
            # nearest site of the technology, so the model's error there is counted too.
            far = rows[~ok]
            if far.size:
                _, nearest = cKDTree(site_xy[members]).query(xy[far])
                site[far] = members[nearest]
                served[far] = "nearest"
    out = pd.DataFrame({"site": site, "served_by": served}, index=measurements.index)
    out.attrs.update(active=active, xy=xy, site_xy=site_xy)
    return out


def validate(result_or_project, measurements: gpd.GeoDataFrame | None = None, *,
             model: CoverageModel | None = None) -> Validation:  # fmt: skip
    """Compare a run's model with measurements.

    Parameters
    ----------
    result_or_project : Result or Project
        A run (:func:`~whitezone.analysis.analyse`), or a project whose
        layers are loaded and model built here.
    measurements : GeoDataFrame, optional
        From :func:`~whitezone.layers.read_measurements`; default the
        project's ``measurements`` layer.
    model : CoverageModel, optional
        Default the run's (or the project's) model.

    Returns
    -------
    Validation

    Raises
    ------
    InputError
        No measurements were given.
    """
    if isinstance(result_or_project, Result):
        layers, project = result_or_project.layers, result_or_project.project
        model = model or result_or_project.model
    else:
        project = result_or_project
        layers = load_layers(project)
        model = model or model_for(project, layers)
    measurements = layers.measurements if measurements is None else measurements
    if measurements is None or len(measurements) == 0:
        raise InputError(Problem(str(project.path or "project"), "validation needs measurements: "
                                 'add measurements = "drive_test.csv" under [layers]',
                                 column="layers.measurements"))  # fmt: skip
    pairs = pair_measurements(measurements, layers.sites, model, crs=layers.crs)
    return compare(measurements, pairs, model, budgets=project.model.budgets)


def compare(measurements: gpd.GeoDataFrame, pairs: pd.DataFrame, model: CoverageModel, *,
            budgets=None, calibrated: bool = True) -> Validation:  # fmt: skip
    """The validation of paired measurements (:func:`pair_measurements`)."""
    active, xy, site_xy = pairs.attrs["active"], pairs.attrs["xy"], pairs.attrs["site_xy"]
    site = pairs["site"].to_numpy()
    has = np.flatnonzero(site >= 0)
    n = len(measurements)
    predicted = np.full(n, np.nan)
    level = np.zeros(n, dtype=np.int8)
    distance = np.full(n, np.nan)
    if has.size:
        links = model.pair_links(xy, active, has, site[has], site_xy=site_xy, calibrated=calibrated)
        predicted[has] = links["signal_dbm"].to_numpy()
        level[has] = links["level"].to_numpy()
        distance[has] = links["distance_km"].to_numpy()
    measured = measurements["signal_dbm"].to_numpy(dtype=float)
    thresholds = _thresholds(model, budgets or {}).reindex(measurements["technology"].to_numpy())
    measured_level = np.where(measured >= thresholds["good"].to_numpy(), 2,
                              np.where(measured >= thresholds["weak"].to_numpy(), 1, 0))  # fmt: skip
    points = gpd.GeoDataFrame({
        "measurement_id": measurements["measurement_id"].to_numpy(),
        "technology": measurements["technology"].to_numpy(),
        "operator": measurements["operator"].to_numpy(),
        "site_id": pd.array(np.where(site >= 0, active["site_id"].astype(object).to_numpy()[
            np.maximum(site, 0)], None), dtype="string"),
        "served_by": pairs["served_by"].to_numpy(),
        "distance_km": np.round(distance, 3),
        "measured_dbm": measured,
        "predicted_dbm": np.round(predicted, 1),
        "error_db": np.round(predicted - measured, 2),
        "measured_class": class_names(measured_level),
        "predicted_class": class_names(level),
        "source_row": measurements["source_row"].to_numpy(),
    }, geometry=measurements.geometry.to_numpy(), crs=measurements.crs)  # fmt: skip
    summary = _summary(points)
    confusion = confusion_matrix(points["measured_class"], points["predicted_class"])
    return Validation(points=points, summary=summary, confusion=confusion,
                      yields_dbm=bool(model.yields_dbm))  # fmt: skip


def _summary(points: pd.DataFrame) -> pd.DataFrame:
    """Per technology and operator, per technology, and over all."""
    rows = []
    operator = points["operator"].astype(object).where(points["operator"].notna(), ALL)

    def add(technology, op, mask):
        p = points[mask]
        rows.append({"technology": technology, "operator": op,
                     **summary_statistics(p["error_db"], p["predicted_dbm"], p["measured_dbm"],
                                          p["predicted_class"], p["measured_class"])})  # fmt: skip

    for tech in sorted(points["technology"].unique()):
        in_tech = (points["technology"] == tech).to_numpy()
        for op in sorted(set(operator[in_tech]) - {ALL}):
            add(tech, op, in_tech & (operator == op).to_numpy())
        add(tech, ALL, in_tech)
    add(ALL, ALL, np.ones(len(points), dtype=bool))
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
