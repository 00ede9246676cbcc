"""Benchmark: validate and calibrate 1 million measurements against 100,000 site-technologies.

Data
----
The national synthetic sites of ``_synthetic.make_sites`` (100,000
site-technologies, three operators), the path-loss model with its default
budgets, and ``--measurements`` drive-test points scattered 0.2-6 km around
random active sites.  Each point is measured on its site's technology from the
site the model serves it from (its best server among that operator's sites),
at the model's median signal less a known correction (6 dB + 10 dB per decade
of distance) plus log-normal shadowing (σ 7 dB), all seeded.  The log names no
site: the serving site has to be found.

What is timed (best of ``--repeat``)
------------------------------------
* **whitezone**: :func:`whitezone.validation.pair_measurements` (best server
  per technology and operator, in batches), :func:`whitezone.validation.compare`
  (predicted signal, errors, classes, the summary) and
  :func:`whitezone.tuning.fit_calibration` (robust fits per technology and
  operator, 5 folds by site, on the same pairs: the model is uncalibrated)
  — what ``whitezone validate`` and ``whitezone calibrate`` run.
* **the obvious way**: per technology and operator, ``geopandas.sjoin_nearest``
  of the measurements to the sites (the nearest site taken as the server),
  the same path-loss formula on the joined distances, the errors and the
  summary with pandas, then per technology a ``scipy.optimize.least_squares``
  Huber fit on all of it and one per fold (sites shuffled into 5 folds).

Both start from the same GeoDataFrames in EPSG:4326 and include the
projection.  The script prints the times, their ratio, peak memory
(``ru_maxrss``; target for whitezone: under 60 s and 4 GB on the 2-core
machine), and the corrections each found against the truth.  ``--json FILE``
writes the figures.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "src"), str(HERE)]

import geopandas as gpd  # noqa: E402
from _synthetic import make_sites  # noqa: E402
from pyproj import CRS, Transformer  # noqa: E402
from scipy.optimize import least_squares  # noqa: E402

from whitezone.classify import site_coordinates  # noqa: E402
from whitezone.errors import ModelValidityWarning  # noqa: E402
from whitezone.models import PathLossModel  # noqa: E402
from whitezone.models.pathloss import path_loss_db  # noqa: E402
from whitezone.tuning import fit_calibration, site_folds  # noqa: E402
from whitezone.validation import compare, pair_measurements  # noqa: E402

CRS_M = CRS.from_epsg(32648)
TRUTH = {"offset_db": 6.0, "slope_db_per_decade": 10.0, "sigma_db": 7.0}
OPERATORS = np.array(["Viettel", "VNPT", "MobiFone"], dtype=object)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def make_data(n_sites: int, n_measurements: int, seed: int):
    """Sites and measurements (see the module docstring)."""
    rng = np.random.default_rng(seed)
    sites = make_sites(n_sites, seed=seed)
    sites["operator"] = pd.array(rng.choice(OPERATORS, len(sites)), dtype="string")
    sites["site_id"] = sites["site_id"] + "-" + sites["operator"].astype(str).str[:3]
    sites["radius_km"] = np.nan
    active = sites[sites["status"] == "active"].reset_index(drop=True)
    xy = site_coordinates(active, CRS_M)
    pick = rng.integers(0, len(active), n_measurements)
    d = 10 ** rng.uniform(np.log10(0.2), np.log10(6.0), n_measurements) * 1000
    angle = rng.uniform(0, 2 * np.pi, n_measurements)
    points = xy[pick] + np.column_stack([d * np.cos(angle), d * np.sin(angle)])
    lon, lat = Transformer.from_crs(CRS_M, 4326, always_xy=True).transform(points[:, 0], points[:, 1])
    measurements = gpd.GeoDataFrame({
        "measurement_id": np.arange(n_measurements).astype(str),
        "technology": active["technology"].to_numpy(dtype=object)[pick],
        "operator": active["operator"].to_numpy(dtype=object)[pick],
        "site_id": pd.array([pd.NA] * n_measurements, dtype="string"),
        "cell_id": pd.array([pd.NA] * n_measurements, dtype="string"),
        "signal_dbm": np.nan, "source_row": np.arange(n_measurements).astype(str)},
        geometry=gpd.points_from_xy(lon, lat), crs=4326)  # fmt: skip
    model = PathLossModel()
    pairs = pair_measurements(measurements, sites, model, crs=CRS_M)
    served = pairs["site"].to_numpy() >= 0
    links = model.pair_links(pairs.attrs["xy"], pairs.attrs["active"], np.flatnonzero(served),
                             pairs["site"].to_numpy()[served], site_xy=pairs.attrs["site_xy"],
                             calibrated=False)  # fmt: skip
    truth = (links["signal_dbm"].to_numpy()
             - (TRUTH["offset_db"] + TRUTH["slope_db_per_decade"]
                * np.log10(np.maximum(links["distance_km"].to_numpy(), 0.1)))
             + rng.normal(0.0, TRUTH["sigma_db"], served.sum()))  # fmt: skip
    measurements = measurements[served].reset_index(drop=True)
    measurements["signal_dbm"] = truth
    keep = (truth > -150) & (truth < -20)
    return sites, measurements[keep].reset_index(drop=True), model


def whitezone_way(sites, measurements, model, folds: int):
    pairs = pair_measurements(measurements, sites, model, crs=CRS_M)
    validation = compare(measurements, pairs, model)
    fitted = fit_calibration(measurements, sites, model, crs=CRS_M, folds=folds, pairs=pairs)
    return validation, fitted


def obvious_way(sites, measurements, model, folds: int):
    """sjoin_nearest per technology and operator, pandas statistics, scipy fits per fold."""
    active = sites[sites["status"] == "active"].to_crs(CRS_M)
    points = measurements.drop(columns=["site_id", "cell_id"]).to_crs(CRS_M)
    joined = []
    for (tech, op), part in points.groupby(["technology", "operator"]):
        cand = active[(active["technology"] == tech) & (active["operator"] == op)]
        joined.append(gpd.sjoin_nearest(part, cand[["site_id", "geometry"]], how="left",
                                        distance_col="distance_m"))  # fmt: skip
    table = pd.concat(joined)
    table = table[~table.index.duplicated()]
    params = model.parameters(active.reset_index(drop=True)).set_index(
        (active["site_id"].astype(str) + "|" + active["technology"].astype(str)).to_numpy())  # fmt: skip
    p = params.loc[(table["site_id"].astype(str) + "|" + table["technology"].astype(str)).to_numpy()]
    d_km = np.maximum(table["distance_m"].to_numpy() / 1000.0, 1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelValidityWarning)
        loss = path_loss_db(d_km, p["frequency_mhz"].to_numpy(), p["height_m"].to_numpy(), 1.5,
                            formula="auto", environment="suburban")  # fmt: skip
    table["predicted"] = p["eirp_dbm"].to_numpy() - loss
    table["error"] = table["predicted"] - table["signal_dbm"]
    table["d_km"] = d_km
    summary = table.groupby(["technology", "operator"])["error"].agg(["mean", "std", "count"])
    fits = {}
    for tech, part in table[table["d_km"] >= 0.1].groupby("technology"):
        x = np.log10(part["d_km"].to_numpy())
        e = part["error"].to_numpy()
        design = np.column_stack([np.ones_like(x), x])

        def fit(rows, design=design, e=e):
            return least_squares(lambda q: design[rows] @ q - e[rows], np.zeros(2), loss="huber",
                                 f_scale=1.345 * 7.0).x  # fmt: skip

        everything = fit(np.arange(len(e)))
        fold = site_folds(part["site_id"], folds)
        for f in range(folds):
            fit(np.flatnonzero(fold != f))
        residual = e - design @ everything
        fits[tech] = (everything[0], everything[1], float(np.std(residual, ddof=2)))
    return summary, fits


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=100_000)
    parser.add_argument("--measurements", type=int, default=1_000_000)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-obvious", action="store_true")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ModelValidityWarning)
    t0 = time.perf_counter()
    sites, measurements, model = make_data(args.sites, args.measurements, args.seed)
    print(f"data: {len(sites):,} site-technologies, {len(measurements):,} measurements "
          f"({time.perf_counter() - t0:.1f} s to generate)")
    base_mib = _peak_mib()
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        validation, fitted = whitezone_way(sites, measurements, model, args.folds)
        times.append(time.perf_counter() - t)
    ours = min(times)
    ours_mib = _peak_mib()
    print(f"whitezone: {ours:.1f} s (validate + calibrate, {args.folds} folds); peak memory "
          f"{ours_mib:,.0f} MiB (the data alone: {base_mib:,.0f} MiB); target < 60 s, < 4096 MiB: "
          f"{'met' if ours < 60 and ours_mib < 4096 else 'MISSED'}")  # fmt: skip
    row = validation.summary.iloc[-1]
    print(f"  validation: mean error {row['mean_error_db']:.2f} dB, RMSE {row['rmse_db']:.2f} dB, "
          f"class agreement {row['class_agreement']:.3f}, kappa {row['kappa']:.3f}")
    found = {}
    for r in fitted.table[fitted.table["operator"] == "all"].itertuples():
        found[r.technology] = {"offset_db": r.offset_db, "slope_db_per_decade": r.slope_db_per_decade,
                               "sigma_db": r.sigma_db}  # fmt: skip
        print(f"  {r.technology}: offset {r.offset_db:.2f} dB, slope {r.slope_db_per_decade:.2f} "
              f"dB/decade, σ {r.sigma_db:.2f} dB (truth 6, 10, 7)")
    out = {"sites": len(sites), "measurements": len(measurements), "folds": args.folds,
           "whitezone_s": ours, "whitezone_peak_mib": ours_mib, "found": found}  # fmt: skip
    if not args.skip_obvious:
        t = time.perf_counter()
        _, fits = obvious_way(sites, measurements, model, args.folds)
        plain = time.perf_counter() - t
        print(f"obvious way (sjoin_nearest + scipy per fold): {plain:.1f} s = {plain / ours:.1f}x "
              f"whitezone; peak memory {_peak_mib():,.0f} MiB")  # fmt: skip
        for tech, (o, s, g) in sorted(fits.items()):
            print(f"  {tech}: offset {o:.2f}, slope {s:.2f}, σ {g:.2f} (nearest site as server)")
        out.update(obvious_s=plain, ratio=plain / ours)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
