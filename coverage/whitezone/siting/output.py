"""Write a siting plan: the ranked sites, who they cover, and the map."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

__all__ = ["write_plan"]


def write_plan(result, plan, folder=None, *, self_contained: bool | None = None) -> dict[str, Path]:
    """Write ``priority_sites.csv`` / ``.gpkg``, ``priority_villages.csv`` and ``map_sites.html``.

    Parameters
    ----------
    result : whitezone.pipeline.Result
        The run the plan was made for.
    plan : PlanResult
        From :func:`plan_sites`.
    folder : str or Path, optional
        Default the project's output folder.
    self_contained : bool, optional
        Map usable offline (default the project's ``[map] self_contained``).

    Returns
    -------
    dict
        File name -> path.
    """
    from ..maps import coverage_map
    from ..maps.offline import save_map
    from ..outputs import write_csv, write_gpkg

    folder = Path(folder or result.project.output)
    table = plan.table
    flat = pd.DataFrame(table.drop(columns="geometry"))
    flat["lon"] = table.geometry.x.round(6)
    flat["lat"] = table.geometry.y.round(6)
    written = {
        "priority_sites.csv": write_csv(flat, folder / "priority_sites.csv"),
        "priority_sites.gpkg": write_gpkg(
            table, folder / "priority_sites.gpkg", layer="priority_sites"
        ),
        "priority_villages.csv": write_csv(plan.assignments, folder / "priority_villages.csv"),
    }
    inline = result.project.self_contained_map if self_contained is None else self_contained
    fmap = coverage_map(replace(result, priority_sites=table))
    written["map_sites.html"] = save_map(fmap, folder / "map_sites.html", self_contained=inline)
    return written
