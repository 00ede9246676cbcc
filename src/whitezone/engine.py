"""The Dask engine: the best-server search split into spatial tiles and run in parallel.

:func:`classify_points_dask` and :func:`classify_villages_dask` return exactly
what :func:`~whitezone.classify.classify_points` and
:func:`~whitezone.classify.classify_villages` return (same index, columns,
dtypes and values).  They *are* those functions, called with the coverage
model wrapped in :class:`DaskModel`, whose ``best`` — the one expensive step —
runs tile by tile on a Dask cluster:

1. ``classify_points`` projects the targets and the active sites to the run's
   metric CRS and asks the model for the best servers, as always.
2. :meth:`DaskModel.best` cuts the targets into square tiles of ``tile_km``;
   each non-empty tile becomes one partition of a :mod:`dask_geopandas`
   GeoDataFrame (the tile number is its sorted index, so a tile never
   straddles two partitions), the most populous tiles first so the longest
   tasks start first.
3. The sites, with each one's reach (``model.reach_km``: the farthest
   distance at which it can be received at all), are scattered to every
   worker once (``client.scatter(..., broadcast=True)``), the model too (the
   terrain model with its DEM).
4. Each task takes the sites within the bounding box of its targets grown by
   *each site's own* reach — a subset of the box grown by the largest reach,
   ``model.reach_km(sites).max()`` — and runs the wrapped model's ``best`` on
   its targets and those sites.  Every site that can reach a target of the
   tile is in the tile's task, and a target's best server depends only on the
   sites that reach it, so the tiles give the single-machine result.
5. The tiles' best servers are put back in input order (site positions mapped
   back to the whole site table) and ``classify_points`` builds its table from
   them, so class names, statuses of unlocated villages and dtypes cannot
   drift from the single-machine engine.

The best server is decided by a total order (class level, signal, distance,
site position; :mod:`whitezone.models._best`) and the halo sites keep their
relative order, so tiling changes nothing.  The one theoretical exception is
shared with the single-machine engine itself: distinct sites of one
technology at exactly the same distance from a target, a tie the models'
k-d tree searches may settle either way.

Dask, distributed and dask-geopandas are optional (``pip install
'whitezone[dask]'``); they are imported when an engine function runs.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import re
import uuid
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from .classify import classify_points, classify_villages
from .errors import MissingExtraError
from .models import CoverageModel, ModelWrapper, RadiusModel
from .models._best import empty_best
from .models._pairs import site_coordinates

__all__ = [
    "DASK_MISSING",
    "LOCAL_SCHEDULERS",
    "WORKER_ENVIRON",
    "DaskModel",
    "classify_points_dask",
    "classify_villages_dask",
    "dask_client",
]

logger = logging.getLogger(__name__)

#: The message raised when the optional Dask packages are not installed.
DASK_MISSING = "the Dask engine needs: pip install 'whitezone[dask]'"

#: ``scheduler`` values that run on Dask's single-machine schedulers (no cluster):
#: ``"synchronous"`` runs every task in the calling thread (tests, debugging).
LOCAL_SCHEDULERS = ("synchronous", "sync", "single-threaded", "threads", "processes")


def classify_points_dask(
    points: gpd.GeoSeries,
    sites: gpd.GeoDataFrame,
    *,
    model: CoverageModel | None = None,
    crs: CRS | None = None,
    technologies: list[str] | None = None,
    scheduler: str | None = None,
    client=None,
    tile_km: float = 50.0,
    n_workers: int | None = None,
) -> pd.DataFrame:
    """Signal class per technology at points, computed in parallel by spatial tiles.

    The result equals :func:`whitezone.classify.classify_points` with the same
    ``points``, ``sites``, ``model``, ``crs`` and ``technologies``.

    Parameters
    ----------
    points : GeoSeries
        Any CRS; empty or missing points get no class (``<NA>``).
    sites : GeoDataFrame
        Site-technologies; only ``status == "active"`` ones serve.
    model : CoverageModel, optional
        Default :class:`~whitezone.models.RadiusModel`.  It is pickled to the
        workers (the terrain model with its DEM).
    crs : pyproj.CRS, optional
        Metric CRS; default the UTM zone of the points.
    technologies : list of str, optional
        Default those present in ``sites``.
    scheduler : str, optional
        ``None`` (default): a :class:`distributed.LocalCluster` of one
        single-threaded worker process per core, started and closed by the
        call.  An address such as ``"tcp://host:8786"``: connect to that
        running scheduler.  ``"synchronous"`` (or ``"threads"``,
        ``"processes"``): Dask's single-machine schedulers, no cluster.
    client : distributed.Client, optional
        Run on this client (left open); overrides ``scheduler``.  Pass one
        (e.g. from :func:`dask_client`) to make several calls on one cluster.
    tile_km : float
        Side of the square tiles the targets are partitioned into, in km of
        the metric CRS.  Any size gives the same result; smaller tiles make
        more, smaller tasks, each with fewer halo sites.
    n_workers : int, optional
        Workers of the local cluster (``scheduler=None`` only); default one
        per available core.

    Returns
    -------
    DataFrame
        As :func:`~whitezone.classify.classify_points`: index of ``points``;
        ``class_<tech>``, ``site_<tech>``, ``distance_km_<tech>``,
        ``signal_dbm_<tech>`` per technology and ``class_any``.

    Raises
    ------
    MissingExtraError
        When dask, distributed or dask-geopandas is not installed.
    """
    tiled = DaskModel(model or RadiusModel(), scheduler=scheduler, client=client,
                      tile_km=tile_km, n_workers=n_workers)  # fmt: skip
    return classify_points(points, sites, model=tiled, crs=crs, technologies=technologies)


def classify_villages_dask(
    villages: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    model: CoverageModel | None = None,
    crs: CRS | None = None,
    technologies: list[str] | None = None,
    scheduler: str | None = None,
    client=None,
    tile_km: float = 50.0,
    n_workers: int | None = None,
) -> gpd.GeoDataFrame:
    """Classify every village in parallel: the result of :func:`~whitezone.classify.classify_villages`.

    Parameters
    ----------
    villages : GeoDataFrame
        From :func:`~whitezone.layers.read_villages`.
    sites : GeoDataFrame
        From :func:`~whitezone.layers.read_sites`.
    model, crs, technologies, scheduler, client, tile_km, n_workers
        See :func:`classify_points_dask`.

    Returns
    -------
    GeoDataFrame
        A copy of ``villages`` with the class columns; unlocated villages keep
        their ``status`` in place of a class, exactly as
        :func:`~whitezone.classify.classify_villages` does (it is that
        function, with the best servers computed by :class:`DaskModel`).

    Raises
    ------
    MissingExtraError
        When dask, distributed or dask-geopandas is not installed.
    """
    tiled = DaskModel(model or RadiusModel(), scheduler=scheduler, client=client,
                      tile_km=tile_km, n_workers=n_workers)  # fmt: skip
    return classify_villages(villages, sites, model=tiled, crs=crs, technologies=technologies)


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, *, n_workers: int | None = None) -> Iterator[Any]:
    """A :class:`distributed.Client` for a run, closed (with its local cluster) on exit.

    Parameters
    ----------
    scheduler : str, optional
        ``None``: a new :class:`distributed.LocalCluster` of single-threaded
        worker processes, one per core (or ``n_workers``).  An address such
        as ``"tcp://host:8786"``: a client of that running scheduler (the
        cluster is left running).
    n_workers : int, optional
        Workers of the local cluster.

    Yields
    ------
    distributed.Client

    Raises
    ------
    MissingExtraError
        When distributed is not installed.
    """
    dask, _, dist = _require_dask(distributed=True)
    if scheduler is None:
        n = n_workers or _cores()
        logger.info("starting a local Dask cluster of %d worker processes", n)
        with contextlib.ExitStack() as stack:
            with _worker_environ(dask):
                cluster = stack.enter_context(dist.LocalCluster(
                    n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None))
            yield stack.enter_context(dist.Client(cluster))
    else:
        logger.info("connecting to the Dask scheduler at %s", scheduler)
        with dist.Client(scheduler) as client:
            yield client


@dataclass(frozen=True, eq=False)
class DaskModel(ModelWrapper):
    """A coverage model whose best-server search runs by spatial tiles on Dask.

    Everything but :meth:`best` is the wrapped model's.  Classification
    functions given a ``DaskModel`` return what they return with the wrapped
    model (see the module docstring for why).

    Parameters
    ----------
    model : CoverageModel
        The model that computes (it must pickle: all of whitezone's do).
    scheduler, client, tile_km, n_workers
        See :func:`classify_points_dask`.

    Raises
    ------
    MissingExtraError
        When dask, distributed or dask-geopandas is not installed.

    Notes
    -----
    During a call every worker holds the active sites and the model (with
    its DEM) twice: the scattered copy and the aligned copy its tasks use
    (:func:`_unpack`); both are released when the call ends.  Workers of a
    cluster started elsewhere (``scheduler="tcp://..."``) run the models'
    array arithmetic up to three times faster with
    ``MALLOC_MMAP_THRESHOLD_=33554432`` in their environment
    (:data:`WORKER_ENVIRON`; :func:`dask_client` sets it for its own cluster).
    """

    model: CoverageModel
    scheduler: str | None = None
    client: Any = None
    tile_km: float = 50.0
    n_workers: int | None = None

    def __post_init__(self):
        _require_dask(distributed=not self._local)
        if not (np.isfinite(self.tile_km) and self.tile_km > 0):
            raise ValueError(f"tile_km must be a positive number of km, not {self.tile_km!r}")

    @property
    def _local(self) -> bool:
        return self.client is None and self.scheduler in LOCAL_SCHEDULERS

    def best(self, targets: np.ndarray, sites: gpd.GeoDataFrame, tech_code: np.ndarray,
             n_tech: int, *, site_xy: np.ndarray | None = None) -> dict[str, np.ndarray]:  # fmt: skip
        """Best server per (target, technology): the wrapped model's, computed by tiles.

        Parameters
        ----------
        targets : ndarray, shape (n, 2)
            Metric x, y (NaN: not located).
        sites : GeoDataFrame
            Site-technologies in the targets' metric CRS (or any, with ``site_xy``).
        tech_code : ndarray
            Technology position of each site.
        n_tech : int
        site_xy : ndarray, shape (len(sites), 2), optional
            The sites' metric x, y; default their geometry.

        Returns
        -------
        dict of ndarray, shape (n, n_tech)
            As the wrapped model's ``best``; ``site`` are positions in ``sites``.
        """
        dask, dask_geopandas, dist = _require_dask(distributed=not self._local)
        targets = np.asarray(targets, dtype=float).reshape(-1, 2)
        tech_code = np.asarray(tech_code, dtype=np.int64)
        optional = self.optional_keys
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            reach = (np.asarray(self.model.reach_km(sites), dtype=float) if len(sites)
                     else np.empty(0))  # fmt: skip
        # The run's notes are raised here; the tiles' copies of them (with other counts) dropped.
        notes = _Notes()
        notes.add([(w.category, str(w.message)) for w in caught], stacklevel=2)
        tiles = _tiles(targets, self.tile_km * 1000.0)
        if len(tiles) == 0 or len(sites) == 0 or n_tech == 0:
            return empty_best(len(targets), n_tech, optional)  # no target or no site: no server anywhere
        # A reach the model cannot state (NaN) is taken as unbounded: never wrong, only slower.
        reach_m = np.where(np.isnan(reach), np.inf, np.maximum(reach, 0.0)) * 1000.0
        xy = site_coordinates(sites, site_xy)
        table = _SiteTable(sites.reset_index(drop=True), xy[:, 0], xy[:, 1], reach_m, tech_code)
        parts = dask_geopandas.from_geopandas(tiles, chunksize=1, sort=True)
        logger.info("Dask engine: %d targets in %d tiles of %g km, %d site-technologies "
                    "(largest reach %.1f km)", len(tiles), parts.npartitions, self.tile_km,
                    len(sites), np.nanmax(reach) if np.isfinite(reach).any() else np.nan)  # fmt: skip
        results = self._run(dask, dist, parts.to_delayed(), table, n_tech)
        best = empty_best(len(targets), n_tech, optional)
        for rows, part, part_notes in results:
            for key in best:
                best[key][rows] = part[key]
            notes.add(part_notes, stacklevel=2)
        return best

    def _run(self, dask, dist, parts, table: _SiteTable, n_tech: int) -> list:
        """One task per partition on the chosen scheduler; the partitions' results in order."""
        if self._local:
            # One graph node each for the sites and the model, not a copy per task.
            token = uuid.uuid4().hex
            table_d = dask.delayed(table, name=f"whitezone-sites-{token}", traverse=False)
            model_d = dask.delayed(self.model, name=f"whitezone-model-{token}", traverse=False)
            tasks = [dask.delayed(_tile_best)(p, table_d, model_d, n_tech) for p in parts]
            return list(dask.compute(*tasks, scheduler=self.scheduler))
        with contextlib.ExitStack() as stack:
            client = self.client
            if client is None:
                client = stack.enter_context(dask_client(self.scheduler, n_workers=self.n_workers))
            token = uuid.uuid4().hex
            table_f = client.scatter(_Shipment(f"sites-{token}", table), broadcast=True, hash=False)
            model_f = client.scatter(_Shipment(f"model-{token}", self.model), broadcast=True,
                                     hash=False)  # fmt: skip
            try:
                tasks = [dask.delayed(_tile_best)(p, table_f, model_f, n_tech) for p in parts]
                with warnings.catch_warnings():
                    # The tiles are already in this process's memory and travel in the
                    # graph once each; the advice to load them with Dask does not apply.
                    warnings.filterwarnings("ignore", "Sending large graph", UserWarning)
                    return client.gather(client.compute(tasks))
            finally:  # a reused cluster keeps no copy
                client.cancel([table_f, model_f])
                with contextlib.suppress(Exception):  # a lost worker's copies are gone anyway
                    client.run(_forget, [f"sites-{token}", f"model-{token}"])


# --------------------------------------------------------------------------- internals


@dataclass(frozen=True, eq=False)
class _SiteTable:
    """The site-technologies of a run and their reach, shipped once to every worker."""

    sites: gpd.GeoDataFrame
    x: np.ndarray
    y: np.ndarray
    reach_m: np.ndarray
    tech_code: np.ndarray

    def near(self, box: Sequence[float]) -> np.ndarray:
        """Positions of the sites that can reach a point of ``box`` (xmin, ymin, xmax, ymax)."""
        x0, y0, x1, y1 = box
        r = self.reach_m
        return np.flatnonzero((self.x >= x0 - r) & (self.x <= x1 + r)
                              & (self.y >= y0 - r) & (self.y <= y1 + r))  # fmt: skip


def _tiles(xy: np.ndarray, tile_m: float) -> gpd.GeoDataFrame:
    """The located targets as points indexed by tile, the most populous tile first.

    Column ``_row`` is each target's position in ``xy``; targets with a
    non-finite coordinate (not located) are left out: no model serves them.
    """
    rows = np.flatnonzero(np.isfinite(xy).all(axis=1))
    cell = np.floor(xy[rows] / tile_m).astype(np.int64)
    _, tile, count = np.unique(cell, axis=0, return_inverse=True, return_counts=True)
    rank = np.empty(len(count), dtype=np.int64)
    rank[np.argsort(-count, kind="stable")] = np.arange(len(count))
    key = rank[tile.reshape(-1)]
    order = np.argsort(key, kind="stable")
    rows, key = rows[order], key[order]
    return gpd.GeoDataFrame({"_row": rows}, geometry=gpd.points_from_xy(xy[rows, 0], xy[rows, 1]),
                            index=pd.Index(key, name="_tile"))  # fmt: skip


def _tile_best(part: gpd.GeoDataFrame, table: _SiteTable, model: CoverageModel, n_tech: int):
    """Best servers of one partition's targets among the sites that can reach them.

    Returns
    -------
    rows : ndarray
        Positions of the targets in the whole run.
    best : dict of ndarray
        As ``model.best``, ``site`` as positions in the whole site table.
    notes : list of (category, message)
        Warnings the model raised (raised again on the client: a worker's are lost).
    """
    table, model = _unpack(table), _unpack(model)
    rows = part["_row"].to_numpy(dtype=np.int64)
    if len(rows) == 0:
        return rows, empty_best(0, n_tech, model.optional_keys), []
    xy = np.column_stack([part.geometry.x.to_numpy(), part.geometry.y.to_numpy()])
    near = table.near((*xy.min(axis=0), *xy.max(axis=0)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if near.size == 0:
            best = empty_best(len(rows), n_tech, model.optional_keys)
        else:
            halo = table.sites.iloc[near].reset_index(drop=True)
            site_xy = np.column_stack([table.x[near], table.y[near]])
            best = model.best(xy, halo, table.tech_code[near], n_tech, site_xy=site_xy)
            site = best["site"]
            best["site"] = np.where(site >= 0, near[np.maximum(site, 0)], -1)
    return rows, best, [(w.category, str(w.message)) for w in caught]


@dataclass(frozen=True, eq=False)
class _Shipment:
    """An object scattered to the workers, copied once per worker before use (:func:`_unpack`)."""

    token: str
    value: Any


#: Objects of the running engine calls on this (worker) process, by shipment token.
_UNPACKED: dict[str, Any] = {}
_UNPACKED_MAX = 4


def _unpack(obj):
    """The object a task works on: a shipment's value as a deep copy, made once per process.

    Scattered data reaches a worker as pickle buffers pointing into the received
    network frames, so its numpy arrays are not aligned (a float32 DEM at an odd
    address): scipy.ndimage then copies the whole DEM at every profile batch and
    numpy runs its slow unaligned loops, making the terrain model's tasks ten
    times slower.  A deep copy owns fresh, aligned arrays.
    """
    if not isinstance(obj, _Shipment):
        return obj
    value = _UNPACKED.get(obj.token)
    if value is None:
        value = copy.deepcopy(obj.value)
        while len(_UNPACKED) >= _UNPACKED_MAX:  # earlier calls' copies; a new call needs room
            _UNPACKED.pop(next(iter(_UNPACKED)))
        _UNPACKED[obj.token] = value
    return value


def _forget(tokens: list[str]) -> None:
    """Drop this process's copies of the shipments (run on every worker after a call)."""
    for token in tokens:
        _UNPACKED.pop(token, None)


class _Notes:
    """Warnings raised again on the client, once per text up to its numbers.

    The tiles raise the model's notes (e.g. "211 of 506 inputs outside ...")
    with their own counts; the whole run's note is the one worth showing.
    """

    _NUMBER = re.compile(r"\d[\d,.]*")

    def __init__(self) -> None:
        self.seen: set[tuple[type, str]] = set()

    def add(self, caught, stacklevel: int) -> None:
        """Warn each of ``caught`` (category, message) pairs not seen yet."""
        for category, message in caught:
            key = (category, self._NUMBER.sub("#", message))
            if key not in self.seen:
                self.seen.add(key)
                warnings.warn(message, category, stacklevel=stacklevel + 1)


#: Environment of the local cluster's worker processes.  Distributed starts
#: them with ``MALLOC_TRIM_THRESHOLD_=65536``, which also freezes glibc's mmap
#: threshold at 128 kB: every large temporary array is then a fresh mmap, and
#: the models' array arithmetic ran three times slower than in the calling
#: process.  A fixed 32 MB threshold (the ceiling glibc's dynamic threshold
#: reaches in an ordinary process) restores the speed; trimming stays on.
WORKER_ENVIRON = {"MALLOC_MMAP_THRESHOLD_": "33554432"}


@contextlib.contextmanager
def _worker_environ(dask) -> Iterator[None]:
    """Spawn workers with :data:`WORKER_ENVIRON`; leave this process's environment as it was.

    (The nanny writes the worker variables into ``os.environ`` before it spawns.)
    """
    saved = dict(os.environ)
    environ = {f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in WORKER_ENVIRON.items()}
    try:
        with dask.config.set(environ):
            yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _require_dask(distributed: bool):
    """Import the optional Dask packages, or raise the install hint."""
    try:
        import dask
        import dask_geopandas

        dist = None
        if distributed:
            import distributed as dist
    except ImportError as exc:
        raise MissingExtraError(DASK_MISSING) from exc
    return dask, dask_geopandas, dist


def _cores() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
