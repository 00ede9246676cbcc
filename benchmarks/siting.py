"""Benchmark: whitezone's site selection (MCLP) against spopt's MCLP with PuLP + CBC.

Instances
---------
Seeded random spatial instances: demand points and candidate sites uniform in
a 100 km square, a service radius giving ``--per-point`` candidates per
demand point on average (10: between 5 and 20 for nearly every point), and
lognormal weights (village populations).  Two sizes, demand × candidates:

* 2,000 × 1,000, k = 50;
* 20,000 × 10,000, k = 300.

What is timed
-------------
* **whitezone exact**: the coverage matrix from the points
  (:func:`whitezone.models.pairs_within`, the k-d tree every model uses)
  plus :func:`whitezone.siting.solve_mclp` with ``method="milp"``
  (reduction, greedy, LP relaxation, restricted MILP, reduced-cost fixing,
  HiGHS branch and cut).
* **whitezone greedy**: the same matrix plus ``method="greedy"`` (with its
  LP bound).
* **spopt**: ``MCLP.from_cost_matrix(cost_matrix, weights, service_radius,
  p_facilities)`` (building the PuLP model) plus ``solve(PULP_CBC_CMD)``;
  the dense cost matrix it needs (``scipy.spatial.distance.cdist``) is timed
  apart and *not* counted, which favours spopt.  The small instance runs in
  this process with CBC's ``timeLimit``; the large one in a subprocess
  killed after ``--spopt-timeout`` seconds and limited to ``--spopt-memory-gb``
  of address space (spopt builds a dense 20,000 × 10,000 matrix and one PuLP
  term per pair: 200 million Python objects).

The script prints, per instance: the sizes and nonzeros, each time, the
ratio spopt / whitezone exact (target: at least 10), both objectives and
whether they agree (relative difference below 1e-7), whitezone's bound, gap
and reduction.  The large instance must be solved within 60 s or with a gap
of at most 1 %.  The exit status is 1 if an objective disagrees or the large
instance misses its target.

Then it runs :func:`whitezone.siting.plan_sites` on the sample province and
prints the top 20 sites: rank, new villages, new population and the
cumulative share of the white-zone population.

How to run
----------
From the repository root, with the package's dependencies and ``spopt``,
``pulp`` (the ``test`` extra)::

    python benchmarks/siting.py                 # both sizes and the sample plan
    python benchmarks/siting.py --quick         # the small instance and the sample only
    python benchmarks/siting.py --spopt-timeout 1800 --seed 3

The script puts ``src/`` first on ``sys.path``, so it benchmarks the
checkout it lives in.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

from whitezone.models import pairs_within  # noqa: E402
from whitezone.siting import solve_mclp  # noqa: E402

#: (demand points, candidates, k) of the two instances.
SIZES = ((2_000, 1_000, 50), (20_000, 10_000, 300))
SIDE_KM = 100.0
AGREE_REL = 1e-7


def make_instance(n: int, m: int, *, per_point: float, seed: int):
    """Demand and candidate coordinates (km), service radius (km) and weights."""
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0.0, SIDE_KM, (n, 2))
    sites = rng.uniform(0.0, SIDE_KM, (m, 2))
    radius = SIDE_KM * math.sqrt(per_point / (math.pi * m))
    weights = np.round(rng.lognormal(5.5, 1.0, n))  # village populations, median ~245
    return demand, sites, radius, weights


def coverage(demand, sites, radius) -> sp.csr_array:
    """The 0/1 coverage matrix, as whitezone builds it (k-d tree pairs within reach)."""
    t, s, _ = pairs_within(demand, sites, np.full(len(sites), radius))
    a = sp.csr_array((np.ones(len(t), np.int8), (t, s)), shape=(len(demand), len(sites)))
    a.sort_indices()
    return a


def run_whitezone(demand, sites, radius, weights, k, method, time_limit_s):
    start = time.perf_counter()
    a = coverage(demand, sites, radius)
    matrix_s = time.perf_counter() - start
    sol = solve_mclp(a, weights, k=k, method=method, time_limit_s=time_limit_s)
    return {"matrix_s": matrix_s, "total_s": time.perf_counter() - start, "solution": sol,
            "nnz": a.nnz, "per_point": a.nnz / a.shape[0],
            "per_point_p5_p95": np.percentile(np.diff(a.indptr), [5, 95]).tolist()}  # fmt: skip


def _cbc(pulp, time_limit_s: float):
    """CBC through PuLP: PULP_CBC_CMD (bundled) or COIN_CMD (PuLP 4)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for name in ("PULP_CBC_CMD", "COIN_CMD"):
            solver_cls = getattr(pulp, name, None)
            if solver_cls is None:
                continue
            solver = solver_cls(msg=False, timeLimit=time_limit_s)
            if solver.available():
                return solver
    raise RuntimeError("no CBC solver available to PuLP")


def spopt_in_process(demand, sites, radius, weights, k, time_limit_s):
    """spopt's MCLP: cost matrix, model build, CBC solve (times apart)."""
    import pulp
    from scipy.spatial.distance import cdist
    from spopt.locate import MCLP

    start = time.perf_counter()
    cost = cdist(demand, sites)
    cdist_s = time.perf_counter() - start
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        start = time.perf_counter()
        model = MCLP.from_cost_matrix(cost, weights, service_radius=radius, p_facilities=k)
        build_s = time.perf_counter() - start
        start = time.perf_counter()
        model.solve(_cbc(pulp, time_limit_s), results=False)
        solve_s = time.perf_counter() - start
    return {"cdist_s": cdist_s, "build_s": build_s, "solve_s": solve_s,
            "total_s": build_s + solve_s, "objective": float(pulp.value(model.problem.objective)),
            "status": pulp.LpStatus[model.problem.status], "finished": True}  # fmt: skip


def _child(path: str, k: int, time_limit_s: float, memory_gb: float) -> None:
    """Subprocess entry: limit memory, run spopt on the saved instance, print JSON."""
    import resource

    limit = int(memory_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    data = np.load(path)
    try:
        out = spopt_in_process(data["demand"], data["sites"], float(data["radius"]),
                               data["weights"], k, time_limit_s)  # fmt: skip
    except MemoryError:
        out = {"finished": False, "reason": f"MemoryError (limited to {memory_gb:g} GB)"}
    print(json.dumps(out))


def spopt_subprocess(demand, sites, radius, weights, k, timeout_s, memory_gb):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "instance.npz")
        np.savez(path, demand=demand, sites=sites, radius=radius, weights=weights)
        cmd = [sys.executable, __file__, "--child", path, "--child-k", str(k),
               "--spopt-timeout", str(timeout_s), "--spopt-memory-gb", str(memory_gb)]  # fmt: skip
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return {"finished": False, "reason": f"did not finish in {timeout_s:g} s (killed)",
                    "total_s": time.perf_counter() - start}  # fmt: skip
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode != 0 or not lines:
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return {"finished": False, "reason": f"failed after {time.perf_counter() - start:.0f} s: {tail}",
                    "total_s": time.perf_counter() - start}  # fmt: skip
        out = json.loads(lines[-1])
        out.setdefault("total_s", time.perf_counter() - start)
        return out


def bench(n, m, k, args, *, subprocess_spopt: bool) -> bool:
    demand, sites, radius, weights = make_instance(n, m, per_point=args.per_point, seed=args.seed)
    print(f"\n== {n:,} demand points x {m:,} candidates, k = {k}, service radius "
          f"{radius:.3f} km, seed {args.seed} ==")  # fmt: skip
    exact = run_whitezone(demand, sites, radius, weights, k, "milp", args.time_limit)
    greedy = run_whitezone(demand, sites, radius, weights, k, "greedy", args.time_limit)
    s, g = exact["solution"], greedy["solution"]
    lo, hi = exact["per_point_p5_p95"]
    print(f"coverage matrix: {exact['nnz']:,} pairs, {exact['per_point']:.1f} candidates per "
          f"demand point (5th-95th percentile {lo:.0f}-{hi:.0f}), built in "
          f"{exact['matrix_s']:.3f} s")  # fmt: skip
    r = s.reduction
    print(f"reduction: demand {r['demand']:,} -> {r['demand_reduced']:,}, candidates "
          f"{r['candidates']:,} -> {r['candidates_reduced']:,}, nonzeros {r['nonzeros']:,} -> "
          f"{r['nonzeros_reduced']:,}")  # fmt: skip
    print(f"whitezone exact : {exact['total_s']:8.2f} s  objective {s.objective:,.0f}  bound "
          f"{s.bound:,.0f}  gap {s.gap:.2e}  {s.method}/{s.status}")  # fmt: skip
    print(f"whitezone greedy: {greedy['total_s']:8.2f} s  objective {g.objective:,.0f}  bound "
          f"{g.bound:,.0f}  ratio to bound {g.ratio:.4f}  (to exact {g.objective / s.objective:.4f})")  # fmt: skip
    ok = True
    if not args.no_spopt:
        if subprocess_spopt:
            sp_res = spopt_subprocess(demand, sites, radius, weights, k, args.spopt_timeout,
                                      args.spopt_memory_gb)  # fmt: skip
        else:
            sp_res = spopt_in_process(demand, sites, radius, weights, k, args.spopt_timeout)
        if sp_res.get("finished"):
            agree = abs(sp_res["objective"] - s.objective) <= AGREE_REL * max(s.objective, 1.0)
            print(f"spopt + CBC     : {sp_res['total_s']:8.2f} s  objective "
                  f"{sp_res['objective']:,.0f}  ({sp_res['status']}; model build "
                  f"{sp_res['build_s']:.2f} s, CBC {sp_res['solve_s']:.2f} s; dense cost matrix "
                  f"{sp_res['cdist_s']:.2f} s not counted)")  # fmt: skip
            print(f"speed-up spopt / whitezone exact: {sp_res['total_s'] / exact['total_s']:.1f}x "
                  f"(target >= 10x); objectives {'agree' if agree else 'DIFFER'} "
                  f"(whitezone {s.objective:,.2f}, spopt {sp_res['objective']:,.2f})")  # fmt: skip
            ok &= agree or sp_res["status"] != "Optimal"
        else:
            elapsed = sp_res.get("total_s", float("nan"))
            print(f"spopt + CBC     : {sp_res['reason']}; speed-up spopt / whitezone exact > "
                  f"{elapsed / exact['total_s']:.0f}x")  # fmt: skip
    if n >= 20_000:
        met = s.seconds <= 60.0 or s.gap <= 0.01
        print(f"large-instance target (within 60 s or gap <= 1 %): {'met' if met else 'MISSED'}")
        ok &= met
    return ok


def sample_plan() -> None:
    from whitezone import analyse, load_layers, sample_project
    from whitezone.siting import plan_sites

    project = sample_project()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = analyse(load_layers(project), project)
    cols = ["rank", "candidate_id", "new_villages", "new_population", "cumulative_share"]
    for title, options in (
        ("white villages, candidates at the white villages (the default)", {}),
        ("white and weak villages, good signal required, candidates on a 1 km grid",
         {"target": "weak", "candidates": "grid", "grid_km": 1.0}),
    ):  # fmt: skip
        start = time.perf_counter()
        plan = plan_sites(result, k=20, **options)
        took = time.perf_counter() - start
        summ = plan.summary()
        print(f"\n== sample province: plan_sites(result, k=20{''.join(f', {k}={v!r}' for k, v in options.items())}) ==")  # fmt: skip
        print(f"{title}: {summ['demand_villages']} demand villages, "
              f"{summ['demand_population']:,} people; {len(plan.candidates):,} candidates; "
              f"{summ['sites']} sites cover {summ['covered_villages']} villages, "
              f"{summ['covered_population']:,} people ({summ['covered_share']:.1%}); "
              f"{plan.solution.method}/{plan.solution.status}, {took:.2f} s in all")  # fmt: skip
        table = plan.table[cols].head(20).copy()
        table["cumulative_share"] = (100 * table["cumulative_share"]).map("{:.1f} %".format)
        print(table.to_string(index=False))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the small instance only")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-point", type=float, default=10.0,
                        help="mean candidates per demand point")  # fmt: skip
    parser.add_argument("--time-limit", type=float, default=60.0, help="whitezone's, seconds")
    parser.add_argument("--spopt-timeout", type=float, default=600.0)
    parser.add_argument("--spopt-memory-gb", type=float, default=12.0)
    parser.add_argument("--no-spopt", action="store_true")
    parser.add_argument("--no-sample", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-k", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.child_k, args.spopt_timeout, args.spopt_memory_gb)
        return 0
    if not args.no_spopt:
        try:
            import pulp  # noqa: F401
            import spopt  # noqa: F401
        except ImportError:
            print("spopt/pulp not installed (pip install spopt pulp): timing whitezone only")
            args.no_spopt = True
    ok = True
    for n, m, k in SIZES[:1] if args.quick else SIZES:
        ok &= bench(n, m, k, args, subprocess_spopt=n >= 20_000)
    if not args.no_sample:
        sample_plan()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
