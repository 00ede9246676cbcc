"""The whole job, one way: load -> model -> classify -> aggregate -> write.

:func:`run` loads a project's layers (:func:`~whitezone.layers.load_layers`),
computes everything (:func:`~whitezone.analysis.analyse`) and writes the
files of DESIGN §7 (:func:`~whitezone.outputs.write_outputs`).  The command
line and notebooks call these same functions; :data:`STEPS` names the steps
in the order ``on_step`` announces them.
"""

from __future__ import annotations

from collections.abc import Callable

from .analysis import STEPS, analyse
from .layers import load_layers
from .outputs import write_outputs
from .project import Project
from .result import Result

__all__ = ["STEPS", "run"]


def run(project: Project, *, write: bool = True, rasters: bool | None = None,
        self_contained: bool | None = None, hexagons: int | None = None,
        engine: str | None = None, scheduler: str | None = None,
        on_step: Callable[[str], None] | None = None,
        on_tile: Callable[[int, int], None] | None = None) -> Result:  # fmt: skip
    """Load, classify, aggregate and (optionally) write a project's outputs.

    Parameters
    ----------
    project : Project
        From :func:`~whitezone.project.read_project`.
    write : bool
        Write the output files into ``project.output``.
    rasters : bool, optional
        Write best-server rasters too (default the project's ``[rasters] write``).
    self_contained : bool, optional
        Map usable offline (default the project's ``[map] self_contained``).
    hexagons : int, optional
        H3 resolution of the hexagon outputs (default the project's).
    engine, scheduler : str, optional
        See :func:`~whitezone.analysis.analyse`.
    on_step : callable, optional
        Progress callback, called with each of :data:`STEPS` as it starts.
    on_tile : callable, optional
        Raster progress callback (tiles done, tiles in all).

    Returns
    -------
    Result
    """
    if on_step:
        on_step(STEPS[0])
    layers = load_layers(project)
    result = analyse(layers, project, on_step=on_step, engine=engine, scheduler=scheduler)
    if write:
        if on_step:
            on_step(STEPS[-1])
        write_outputs(result, rasters=rasters, self_contained=self_contained, hexagons=hexagons,
                      on_tile=on_tile)  # fmt: skip
    return result
