"""Site selection: where new towers cover the most people still without signal.

Universal-service money buys a limited number of towers; this package says
where, and gives the numbers to defend it:

1. **Demand**: the villages a run left without signal (or with weak signal),
   weighted by population — existing sites already count
   (:func:`demand_villages`).
2. **Candidates**: the white villages themselves, a grid, the DEM's hilltops
   or a file of proposed points, each a site-technology with a height and a
   cost (:func:`make_candidates` and the ``from_*`` functions).
3. **Coverage matrix**: which candidate would cover which village, by the
   run's own coverage model (radius, path loss or terrain), evaluating only
   pairs within reach (:func:`coverage_matrix`).
4. **Solve**: maximal covering within k sites or a budget
   (:func:`solve_mclp`), or the fewest sites covering a share
   (:func:`solve_set_cover`) — exactly with HiGHS on a reduced instance, or
   greedily with a proven bound when too large.
5. **Rank**: the chosen sites by marginal gain, with cumulative shares and
   cost per person (:func:`priority_table`).

With money (the default): each candidate is priced — site, power, backhaul,
NPV over the horizon (:func:`site_costs`, settings ``[costs]``) — so a
budget is a sum of NPV costs, ``objective="cover_all"`` covers every white
village at least cost, and each chosen site gets its revenue and the subsidy
it needs (:func:`revenue_npv`, :func:`subsidy_gap`).

:func:`plan_sites` does all of it for a :class:`~whitezone.result.Result`
(:func:`whitezone.outputs.write_plan` writes it)::

    import whitezone as wz
    from whitezone.siting import plan_sites

    project = wz.sample_project()
    result = wz.analyse(wz.load_layers(project), project)
    plan = plan_sites(result, k=20)
    plan.table[["rank", "candidate_id", "new_villages", "new_population", "cumulative_share"]]
"""

from __future__ import annotations

from .candidates import (
    CANDIDATE_COLUMNS,
    as_candidates,
    default_height_m,
    from_file,
    from_grid,
    from_hilltops,
    from_upgrades,
    from_villages,
    make_candidates,
)
from .costs import (
    COST_COLUMNS,
    fresnel_clear,
    network_distance_km,
    revenue_npv,
    site_costs,
    subsidy_gap,
)
from .plan import (
    TARGETS,
    PlanResult,
    as_sites,
    assignments,
    backhaul_links,
    coverage_matrix,
    demand_villages,
    plan_sites,
    priority_table,
)
from .reduce import covered_rows, reduce_instance
from .solve import SitingSolution, solve_mclp, solve_set_cover

__all__ = [
    "CANDIDATE_COLUMNS",
    "COST_COLUMNS",
    "TARGETS",
    "PlanResult",
    "SitingSolution",
    "as_candidates",
    "as_sites",
    "assignments",
    "backhaul_links",
    "coverage_matrix",
    "covered_rows",
    "default_height_m",
    "demand_villages",
    "from_file",
    "from_grid",
    "fresnel_clear",
    "from_hilltops",
    "from_upgrades",
    "from_villages",
    "make_candidates",
    "network_distance_km",
    "plan_sites",
    "priority_table",
    "reduce_instance",
    "revenue_npv",
    "site_costs",
    "solve_mclp",
    "solve_set_cover",
    "subsidy_gap",
]
