"""Raster layers (DEM, population): checked here, read by the models."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError, Problem


def check_raster(path: str | Path, *, role: str) -> Path:
    """Check that a raster opens, has a CRS and one band.

    Parameters
    ----------
    path : str or Path
    role : str
        ``"dem"`` or ``"population"``, for messages.

    Returns
    -------
    Path
    """
    import rasterio
    from rasterio.errors import RasterioIOError

    path = Path(path)
    if not path.exists():
        raise InputError(Problem(str(path), f"the {role} raster was not found"))
    try:
        with rasterio.open(path) as ds:
            if ds.crs is None:
                raise InputError(Problem(path.name, f"the {role} raster has no CRS; add one "
                                         "(gdal_edit.py -a_srs EPSG:4326 file.tif)"))  # fmt: skip
            if ds.count < 1:
                raise InputError(Problem(path.name, f"the {role} raster has no band"))
    except RasterioIOError as exc:
        raise InputError(Problem(path.name, f"cannot read the {role} raster: {exc}")) from None
    return path


def raster_info(path: str | Path) -> dict:
    """Size, cell size and CRS of a raster, for ``whitezone check``."""
    import rasterio

    with rasterio.open(path) as ds:
        crs = ds.crs
        unit = "°" if crs is not None and crs.is_geographic else " m"
        res = max(abs(ds.res[0]), abs(ds.res[1]))
        shown = f"{res * 3600:.3g}″" if unit == "°" else f"{res:g} m"
        name = crs.to_string() if crs is not None else "no CRS"
        return {"width": ds.width, "height": ds.height, "cells": ds.width * ds.height,
                "resolution": shown, "crs": name}
