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

Budgeted model (``--budgeted``)
-------------------------------
Siting with money: the large instance (20,000 villages × 10,000
candidates, generated as above), each candidate with a seeded cost
(lognormal around 80,000, 2 % of them 5–20 times dearer) and a budget of
``--budget-share`` (5 %) × candidates × 80,000, which buys about 5 % of the
candidates.  Maximise the covered population with ``Σ c_j x_j ≤ budget`` and
no limit on the number of sites:

* **whitezone exact**: the coverage matrix plus
  ``solve_mclp(a, w, k=None, costs=c, budget=B, method="milp")`` with
  ``--budgeted-time-limit`` (300 s by default: closing the last few people of
  gap takes HiGHS longer than the cardinality model's 60 s);
* **whitezone greedy**: the same with ``method="greedy"`` (its share of the
  optimum is reported);
* **PuLP + CBC**: the same model written directly in PuLP from the same
  sparse matrix (x binary, y in [0, 1], ``y_i ≤ Σ_j a_ij x_j``,
  ``Σ c_j x_j ≤ B``), model build plus ``PULP_CBC_CMD(timeLimit=...)``
  (``--pulp-time-limit``, 1200 s by default).  When CBC stops at its limit
  its status is printed and the speed-up is a lower bound.

It prints both times, the ratio (target ≥ 10×), both objectives and whether
they agree, whitezone's gap and the greedy's share; ``--json FILE`` writes
these figures.  Only this section runs with ``--budgeted``; PuLP is optional
(``pip install pulp``: without it only whitezone is timed).

How to run
----------
From the repository root, with the package's dependencies and ``spopt``,
``pulp`` (the ``test`` extra)::

    python benchmarks/siting.py                 # both sizes and the sample plan
    python benchmarks/siting.py --quick         # the small instance and the sample only
    python benchmarks/siting.py --spopt-timeout 1800 --seed 3
    python benchmarks/siting.py --budgeted --json budgeted.json

The script puts ``src/`` first on ``sys.path``, so it benchmarks the
checkout it lives in.
"""

from __future__ import annotations

import argparse
import importlib.util
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

#: The budgeted model: villages x candidates, median cost of a site, the share of
#: candidates (at the median cost) the budget buys.
BUDGETED_SIZE = (20_000, 10_000)
COST_MEDIAN = 80_000.0
BUDGET_SHARE = 0.05


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


def make_costs(m: int, *, seed: int) -> np.ndarray:
    """Seeded site costs: lognormal around ``COST_MEDIAN``, 2 % of them 5-20 times dearer."""
    rng = np.random.default_rng([seed, 80_000])  # apart from the instance's own stream
    costs = rng.lognormal(math.log(COST_MEDIAN), 0.35, m)
    dear = rng.random(m) < 0.02
    costs[dear] *= rng.uniform(5.0, 20.0, int(dear.sum()))
    return np.round(costs, -2)  # to the hundred


def pulp_budgeted(a: sp.csr_array, weights: np.ndarray, costs: np.ndarray, budget: float,
                  time_limit_s: float) -> dict:  # fmt: skip
    """The knapsack MCLP written directly in PuLP, solved by CBC (build and solve timed)."""
    import pulp

    start = time.perf_counter()
    n, m = a.shape
    prob = pulp.LpProblem("budgeted_mclp", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{j}", cat=pulp.LpBinary) for j in range(m)]
    reach = np.diff(a.indptr) > 0
    y = [pulp.LpVariable(f"y{i}", lowBound=0, upBound=1 if reach[i] else 0) for i in range(n)]
    prob += pulp.LpAffineExpression([(y[i], float(weights[i])) for i in range(n)])
    for i in np.flatnonzero(reach).tolist():
        cols = a.indices[a.indptr[i] : a.indptr[i + 1]].tolist()
        expr = pulp.LpAffineExpression([(x[j], 1.0) for j in cols] + [(y[i], -1.0)])
        prob += pulp.LpConstraint(expr, pulp.LpConstraintGE, f"cover{i}", 0.0)
    spend = pulp.LpAffineExpression([(x[j], float(costs[j])) for j in range(m)])
    prob += pulp.LpConstraint(spend, pulp.LpConstraintLE, "budget", float(budget))
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    prob.solve(_cbc(pulp, time_limit_s))
    solve_s = time.perf_counter() - start
    chosen = np.array([(v.varValue or 0.0) > 0.5 for v in x])
    covered = float(weights[(a @ chosen.astype(np.int32)) > 0].sum()) if chosen.any() else 0.0
    finished = prob.sol_status == pulp.LpSolutionOptimal
    return {"build_s": build_s, "solve_s": solve_s, "total_s": build_s + solve_s,
            "objective": float(pulp.value(prob.objective) or 0.0), "covered": covered,
            "cost": float(costs[chosen].sum()), "status": pulp.LpStatus[prob.status],
            "solution": pulp.LpSolution.get(prob.sol_status, str(prob.sol_status)),
            "finished": finished}  # fmt: skip


def bench_budgeted(args) -> tuple[bool, dict]:
    """The budgeted model: whitezone exact and greedy against PuLP + CBC on the same model."""
    n, m = BUDGETED_SIZE
    demand, sites, radius, weights = make_instance(n, m, per_point=args.per_point, seed=args.seed)
    costs = make_costs(m, seed=args.seed)
    budget = BUDGET_SHARE * m * COST_MEDIAN
    print(f"\n== budgeted: {n:,} villages x {m:,} candidates, service radius {radius:.3f} km, "
          f"seed {args.seed} ==")  # fmt: skip
    print(f"costs: median {np.median(costs):,.0f}, mean {costs.mean():,.0f}, "
          f"{int((costs > 4 * COST_MEDIAN).sum())} above {4 * COST_MEDIAN:,.0f}, max "
          f"{costs.max():,.0f}; budget {budget:,.0f} ({BUDGET_SHARE:.0%} of the candidates at the "
          f"median cost)")  # fmt: skip

    def ours(method):
        start = time.perf_counter()
        a = coverage(demand, sites, radius)
        sol = solve_mclp(a, weights, k=None, costs=costs, budget=budget, method=method,
                         time_limit_s=args.budgeted_time_limit)  # fmt: skip
        return time.perf_counter() - start, sol, a

    exact_s, s, a = ours("milp")
    greedy_s, g, _ = ours("greedy")
    share = g.objective / s.objective if s.objective else 1.0
    r = s.reduction
    print(f"coverage matrix: {a.nnz:,} pairs; reduction: villages {r['demand']:,} -> "
          f"{r['demand_reduced']:,}, candidates {r['candidates']:,} -> "
          f"{r['candidates_reduced']:,}")  # fmt: skip
    print(f"whitezone exact : {exact_s:8.2f} s  objective {s.objective:,.0f}  bound "
          f"{s.bound:,.0f}  gap {s.gap:.2e}  {s.method}/{s.status}; {len(s.selected)} sites "
          f"costing {s.cost:,.0f} of {budget:,.0f}")  # fmt: skip
    print(f"whitezone greedy: {greedy_s:8.2f} s  objective {g.objective:,.0f}  "
          f"({share:.4f} of the optimum); {len(g.selected)} sites costing {g.cost:,.0f}")  # fmt: skip
    out = {"villages": n, "candidates": m, "budget": budget, "budgeted_whitezone_s": exact_s,
           "budgeted_objective": s.objective, "budgeted_bound": s.bound, "budgeted_gap": s.gap,
           "budgeted_status": s.status, "budgeted_sites": int(len(s.selected)),
           "budgeted_cost": s.cost, "budgeted_greedy_s": greedy_s,
           "budgeted_greedy_objective": g.objective, "budgeted_greedy_share": share,
           "budgeted_pulp_cbc_s": None, "budgeted_pulp_objective": None,
           "budgeted_speedup": None}  # fmt: skip
    ok = s.cost <= budget * (1 + 1e-9) and g.cost <= budget * (1 + 1e-9)
    if args.no_pulp:
        return ok, out
    res = pulp_budgeted(a, weights, costs, budget, args.pulp_time_limit)
    speedup = res["total_s"] / exact_s
    agree = abs(res["objective"] - s.objective) <= AGREE_REL * max(s.objective, 1.0)
    print(f"PuLP + CBC      : {res['total_s']:8.2f} s  objective {res['objective']:,.0f}  "
          f"({res['status']}, {res['solution']}; model build {res['build_s']:.2f} s, CBC "
          f"{res['solve_s']:.2f} s; its plan covers {res['covered']:,.0f} and costs "
          f"{res['cost']:,.0f})")  # fmt: skip
    bound_note = "" if res["finished"] else (
        f" - a lower bound: CBC stopped at its {args.pulp_time_limit:g} s limit")  # fmt: skip
    print(f"speed-up PuLP + CBC / whitezone exact: {speedup:.1f}x (target >= 10x){bound_note}; "
          f"objectives {'agree' if agree else 'DIFFER'} (whitezone {s.objective:,.2f}, "
          f"PuLP {res['objective']:,.2f})")  # fmt: skip
    out.update(budgeted_pulp_cbc_s=res["total_s"], budgeted_pulp_build_s=res["build_s"],
               budgeted_pulp_solve_s=res["solve_s"], budgeted_pulp_objective=res["objective"],
               budgeted_pulp_status=f"{res['status']} ({res['solution']})",
               budgeted_speedup=speedup, budgeted_speedup_is_lower_bound=not res["finished"],
               budgeted_agree=agree)  # fmt: skip
    ok &= agree or not res["finished"]
    return ok, out


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
    parser.add_argument("--budgeted", action="store_true",
                        help="only the budgeted model against PuLP + CBC")  # fmt: skip
    parser.add_argument("--budgeted-time-limit", type=float, default=300.0,
                        help="whitezone's in the budgeted model, seconds")  # fmt: skip
    parser.add_argument("--pulp-time-limit", type=float, default=1200.0,
                        help="CBC's time limit in the budgeted model, seconds")  # fmt: skip
    parser.add_argument("--no-pulp", action="store_true", help="budgeted: whitezone only")
    parser.add_argument("--json", metavar="FILE", help="write the budgeted figures to FILE")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-k", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.child_k, args.spopt_timeout, args.spopt_memory_gb)
        return 0
    if args.budgeted:
        if not args.no_pulp and importlib.util.find_spec("pulp") is None:
            print("pulp not installed (pip install pulp): timing whitezone only")
            args.no_pulp = True
        ok, figures = bench_budgeted(args)
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
            print(f"figures written to {args.json}")
        return 0 if ok else 1
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
