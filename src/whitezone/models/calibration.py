"""A model's calibration to measurements: offsets, distance slopes and location variability.

``whitezone calibrate`` fits, per technology (and per operator where it has
enough measurements), a correction added to the model's path loss::

    loss_calibrated = loss + offset_db + slope_db_per_decade * log10(d_km)

and the location variability σ (dB) of what is left.  It writes them as
``calibration.toml``, which a project reads with ``[model] calibration =
"calibration.toml"``::

    [technology.4G]
    offset_db = 6.1
    slope_db_per_decade = 9.8
    sigma_db = 7.0
    measurements = 12000
    sites = 48

    [operator."Viettel".4G]
    offset_db = 5.2
    ...

    [clutter.10]                  # with a land-cover layer: per class, on top
    offset_db = 2.1               # of the technology's correction
    measurements = 900

The corrections are :class:`Calibration`; the link-budget models apply them
(:class:`~whitezone.models.link.PathLossModel`).  Distances below
:data:`MIN_DISTANCE_KM` count as that distance: the slope is fitted away from
the near field.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, Problem, Problems
from ..technology import TECHNOLOGIES, normalise_technology

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["MIN_DISTANCE_KM", "Calibration", "Correction", "calibration_toml", "read_calibration"]

#: Distances below this (km) count as it: the near field is not what a slope describes.
MIN_DISTANCE_KM = 0.1
_KEYS = ("offset_db", "slope_db_per_decade", "sigma_db", "measurements", "sites")


@dataclass(frozen=True)
class Correction:
    """One fitted correction: ``offset_db + slope_db_per_decade * log10(d_km)`` added to the loss.

    Attributes
    ----------
    offset_db, slope_db_per_decade : float
    sigma_db : float
        Standard deviation of the measurements about the calibrated model.
    measurements, sites : int
        What it was fitted on.
    """

    offset_db: float
    slope_db_per_decade: float
    sigma_db: float
    measurements: int = 0
    sites: int = 0


@dataclass(frozen=True)
class Calibration:
    """Corrections by technology, and by operator and technology where fitted.

    Attributes
    ----------
    technology : dict
        Technology -> :class:`Correction`.
    operator : dict
        (operator, technology) -> :class:`Correction`; wins over ``technology``.
    clutter : dict
        Land-cover code -> (offset dB added to the loss of receivers in that
        class, measurements it was fitted on).
    source : str
        The file it was read from.
    """

    technology: Mapping[str, Correction] = field(default_factory=dict)
    operator: Mapping[tuple[str, str], Correction] = field(default_factory=dict)
    clutter: Mapping[int, tuple[float, int]] = field(default_factory=dict)
    source: str = ""

    def lookup(self, technology: str, operator=None) -> Correction | None:
        """The correction of a technology (and operator), or None."""
        if operator is not None and not pd.isna(operator):
            found = self.operator.get((str(operator), technology))
            if found is not None:
                return found
        return self.technology.get(technology)

    def table(self, technology, operator) -> pd.DataFrame:
        """Per row: ``offset_db``, ``slope_db_per_decade``, ``sigma_db`` (NaN where none applies)."""
        tech = pd.Series(np.asarray(technology, dtype=object))
        op = pd.Series(np.asarray(operator, dtype=object)) if operator is not None else \
            pd.Series([None] * len(tech), dtype=object)  # fmt: skip
        key = pd.Series(list(zip(op.where(op.notna(), None), tech, strict=True)))
        out = pd.DataFrame(index=range(len(tech)), columns=list(_KEYS[:3]), dtype=float)
        for (o, t), idx in key.groupby(key).groups.items():
            c = self.lookup(t, o)
            if c is not None:
                out.loc[idx, list(_KEYS[:3])] = [c.offset_db, c.slope_db_per_decade, c.sigma_db]
        return out

    @staticmethod
    def extra_loss_db(offset_db, slope_db_per_decade, distance_km) -> np.ndarray:
        """``offset + slope * log10(max(d, MIN_DISTANCE_KM))``; 0 where no correction (NaN)."""
        d = np.maximum(np.asarray(distance_km, dtype=float), MIN_DISTANCE_KM)
        extra = np.asarray(offset_db, dtype=float) + np.asarray(slope_db_per_decade, dtype=float) * np.log10(d)
        return np.nan_to_num(extra, nan=0.0)


def read_calibration(path: str | Path) -> Calibration:
    """Read a ``calibration.toml`` written by ``whitezone calibrate``.

    Raises
    ------
    InputError
        The file is missing, not TOML, or a correction is not numbers.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(Problem(str(path), "the calibration file was not found; write one with "
                                 "whitezone calibrate PROJECT"))  # fmt: skip
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(Problem(path.name, f"not a calibration file: {exc}")) from None
    problems = Problems(path.name)

    def correction(table, where: str) -> Correction | None:
        if not isinstance(table, Mapping):
            problems.add("expected a table of offset_db, slope_db_per_decade, sigma_db", column=where)
            return None
        values = {}
        for key in _KEYS:
            value = table.get(key, 0 if key in ("measurements", "sites") else None)
            if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
                problems.add(f"expected a number, got {value!r}", column=f"{where}.{key}")
                return None
            values[key] = value
        if values["sigma_db"] <= 0:
            problems.add(f"expected a positive sigma_db, got {values['sigma_db']!r}",
                         column=f"{where}.sigma_db")  # fmt: skip
            return None
        return Correction(**{k: float(v) if k not in ("measurements", "sites") else int(v)
                             for k, v in values.items()})  # fmt: skip

    def technology_of(name, where) -> str | None:
        tech = normalise_technology(name)
        if tech is None:
            problems.add(f"unknown technology {name!r}; expected one of {', '.join(TECHNOLOGIES)}",
                         column=where)  # fmt: skip
        return tech

    by_tech = {}
    for name, table in (data.get("technology") or {}).items():
        tech = technology_of(name, f"technology.{name}")
        c = correction(table, f"technology.{name}")
        if tech and c:
            by_tech[tech] = c
    by_operator = {}
    for operator, techs in (data.get("operator") or {}).items():
        for name, table in (techs or {}).items():
            tech = technology_of(name, f"operator.{operator}.{name}")
            c = correction(table, f"operator.{operator}.{name}")
            if tech and c:
                by_operator[(str(operator), tech)] = c
    by_class = {}
    for code, table in (data.get("clutter") or {}).items():
        where = f"clutter.{code}"
        offset = table.get("offset_db") if isinstance(table, Mapping) else None
        count = table.get("measurements", 0) if isinstance(table, Mapping) else 0
        if not str(code).lstrip("-").isdigit():
            problems.add(f"expected a land-cover code, got {code!r}", column=where)
        elif isinstance(offset, bool) or not isinstance(offset, int | float) or not np.isfinite(offset):
            problems.add(f"expected a number, got {offset!r}", column=f"{where}.offset_db")
        else:
            by_class[int(code)] = (float(offset), int(count))
    problems.raise_if_any()
    if not by_tech and not by_operator:
        raise InputError(Problem(path.name, "holds no correction: expected [technology.<tech>] tables"))
    return Calibration(technology=by_tech, operator=by_operator, clutter=by_class, source=str(path))


def calibration_toml(calibration: Calibration, *, header: Mapping[str, object] = ()) -> str:
    """The TOML text of a calibration, ``header`` items written as comments above it."""
    lines = [f"# {key}: {value}" for key, value in dict(header).items()]

    def table(title: str, c: Correction) -> None:
        lines.extend(["", f"[{title}]", f"offset_db = {c.offset_db:.3f}",
                      f"slope_db_per_decade = {c.slope_db_per_decade:.3f}",
                      f"sigma_db = {c.sigma_db:.3f}", f"measurements = {c.measurements}",
                      f"sites = {c.sites}"])  # fmt: skip

    for tech, c in sorted(calibration.technology.items()):
        table(f"technology.{tech}", c)
    for (operator, tech), c in sorted(calibration.operator.items()):
        table(f"operator.{json.dumps(operator, ensure_ascii=False)}.{tech}", c)
    for code, (offset, count) in sorted(calibration.clutter.items()):
        lines.extend(["", f"[clutter.{code}]", f"offset_db = {offset:.3f}", f"measurements = {count}"])
    return "\n".join(lines) + "\n"
