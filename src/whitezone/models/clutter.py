"""Clutter: what stands on the ground around a receiver, from a land-cover raster.

Each receiver location takes the land-cover class of its cell and, from it, a
clutter loss in dB by frequency: ITU-R P.2108-1 §3.1's height-gain terminal
correction for a terminal of height h below the class's representative
clutter height R, with f in GHz and a street width ws of 27 m::

    K_h2 = 21.8 + 6.2 log10 f           K_ν = 0.342 √f
    h_dif = R − h                        θ_clut = atan(h_dif / ws)  (degrees)
    water/sea, open/rural (eq. 2b):      A_h = −K_h2 log10(h / R)
    suburban, urban, trees, dense urban (eq. 2a):
                                         A_h = J(ν) − 6.03,  ν = K_ν √(h_dif θ_clut)
    J(ν) = 6.9 + 20 log10(√((ν − 0.1)² + 1) + ν − 0.1)     (ITU-R P.526)

and A_h = 0 where h ≥ R.  P.2108 states it for 0.03–3 GHz; above, the same
formula is used and a :class:`~whitezone.errors.ModelValidityWarning` says so.
The formula matches NTIA's reference implementation (``proplib-p2108``) in
the tests.

The path-loss formulas already predict for a handset among the clutter of
their ``environment`` (Hata's suburban correction is an average over such
surroundings), so adding P.2108's whole loss would count that clutter twice.
A class's clutter loss is therefore what P.2108 gives it **beyond** the
environment's own class (suburban: R = 10 m, eq. 2a; urban: 15 m; open:
open/rural 10 m, eq. 2b), never below 0.  At 900 MHz and 1.5 m, beside a
suburban reference, tree cover adds 3.8 dB and dense built-up 6.3 dB; at
2100 MHz 3.8 and 6.4 dB.  Measurements refine this: calibration fits an
offset per class (:mod:`whitezone.tuning`).  Every class's kind, height and
loss can be set in the project file (``[model.clutter.classes]``).

For the terrain model each class also has an obstacle height (REFERENCES:
rural 4 m, suburban 9 m, urban 20 m, dense urban 30 m, forest 15 m) added to
the ground of the profile between the ends, so a forested ridge is higher
than its rock.

ESA WorldCover codes by default: 10 tree cover, 20 shrubland, 30 grassland,
40 cropland, 50 built-up, 60 bare / sparse vegetation, 70 snow and ice,
80 permanent water, 90 herbaceous wetland, 95 mangroves, 100 moss and lichen.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..errors import ModelValidityWarning
from ..landcover import Landcover
from ..project import CLUTTER_KINDS

__all__ = ["CLUTTER_KINDS", "WORLDCOVER", "Clutter", "ClutterClass", "terminal_clutter_loss_db"]

#: P.2108 §3.1 clutter types of the knife-edge form (eq. 2a); the others use eq. 2b.
KNIFE_EDGE_KINDS = ("suburban", "urban", "trees", "dense_urban")
#: P.2108 Table 2's default representative clutter heights (m).
DEFAULT_CLUTTER_HEIGHT_M: Mapping[str, float] = {"none": 0.0, "water": 10.0, "open": 10.0,
                                                 "suburban": 10.0, "urban": 15.0, "trees": 15.0,
                                                 "dense_urban": 20.0}  # fmt: skip
#: The clutter class each path-loss ``environment`` already stands for.
ENVIRONMENT_KIND: Mapping[str, str] = {"suburban": "suburban", "urban": "urban", "open": "open"}
STREET_WIDTH_M = 27.0
VALID_GHZ = (0.03, 3.0)


@dataclass(frozen=True)
class ClutterClass:
    """One land-cover class.

    Attributes
    ----------
    name : str
    kind : str
        P.2108 clutter type: one of :data:`CLUTTER_KINDS`.
    clutter_height_m : float
        P.2108's representative height R of the clutter around a receiver.
    obstacle_height_m : float
        Height added to the ground under this class along a terrain profile.
    loss_db : float or None
        A fixed loss instead of P.2108's (set in the project file).
    """

    name: str
    kind: str
    clutter_height_m: float
    obstacle_height_m: float
    loss_db: float | None = None


def _worldcover(name, kind, obstacle_m):
    return ClutterClass(name, kind, DEFAULT_CLUTTER_HEIGHT_M[kind], obstacle_m)


#: ESA WorldCover 10 m (v200) classes.
WORLDCOVER: Mapping[int, ClutterClass] = {
    10: _worldcover("tree cover", "trees", 15.0),
    20: _worldcover("shrubland", "open", 4.0),
    30: _worldcover("grassland", "open", 0.0),
    40: _worldcover("cropland", "open", 0.0),
    50: _worldcover("built-up", "suburban", 9.0),
    60: _worldcover("bare / sparse vegetation", "none", 0.0),
    70: _worldcover("snow and ice", "none", 0.0),
    80: _worldcover("permanent water bodies", "none", 0.0),
    90: _worldcover("herbaceous wetland", "open", 0.0),
    95: _worldcover("mangroves", "trees", 10.0),
    100: _worldcover("moss and lichen", "none", 0.0),
}


def terminal_clutter_loss_db(frequency_mhz, *, terminal_height_m, clutter_height_m, kind,
                             street_width_m: float = STREET_WIDTH_M) -> np.ndarray:  # fmt: skip
    """ITU-R P.2108-1 §3.1 height-gain terminal correction A_h (dB).

    Parameters
    ----------
    frequency_mhz, terminal_height_m, clutter_height_m : array
    kind : array of str
        :data:`CLUTTER_KINDS` (``"none"``: no clutter, 0 dB).
    street_width_m : float

    Returns
    -------
    ndarray
        0 where the terminal stands at or above the clutter.
    """
    f = np.asarray(frequency_mhz, dtype=float) / 1000.0
    h = np.asarray(terminal_height_m, dtype=float)
    r = np.asarray(clutter_height_m, dtype=float)
    kind = np.asarray(kind, dtype=object)
    knife = np.isin(kind, KNIFE_EDGE_KINDS)
    below = (h < r) & (kind != "none")
    with np.errstate(divide="ignore", invalid="ignore"):
        k_h2 = 21.8 + 6.2 * np.log10(f)
        k_nu = 0.342 * np.sqrt(f)
        h_dif = r - h
        theta = np.degrees(np.arctan(h_dif / street_width_m))
        nu = k_nu * np.sqrt(np.maximum(h_dif * theta, 0.0))
        j = 6.9 + 20.0 * np.log10(np.sqrt((nu - 0.1) ** 2 + 1.0) + nu - 0.1)
        loss = np.where(knife, j - 6.03, -k_h2 * np.log10(h / r))
    return np.where(below, loss, 0.0)


@dataclass(frozen=True)
class Clutter:
    """Clutter losses and obstacle heights over a land-cover grid.

    Parameters
    ----------
    landcover : Landcover
    classes : mapping
        Code -> :class:`ClutterClass`; codes absent here (and nodata) have
        no clutter.  Default :data:`WORLDCOVER`.
    environment : str
        The path-loss formula's environment, whose own clutter is not added.
    receiver_height_m : float
    offsets_db : mapping
        Code -> dB added by a calibration (:mod:`whitezone.tuning`).
    """

    landcover: Landcover = field(repr=False)
    classes: Mapping[int, ClutterClass] = field(default_factory=lambda: dict(WORLDCOVER))
    environment: str = "suburban"
    receiver_height_m: float = 1.5
    offsets_db: Mapping[int, float] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, changes: Mapping[int, Mapping], landcover: Landcover, *,
                      environment: str, receiver_height_m: float) -> Clutter:  # fmt: skip
        """WorldCover's classes with a project's ``[model.clutter]`` changes."""
        classes = dict(WORLDCOVER)
        for code, change in changes.items():
            base = classes.get(code)
            if base is None:
                kind = change.get("kind", "none")
                base = ClutterClass(f"class {code}", kind, DEFAULT_CLUTTER_HEIGHT_M[kind], 0.0)
            elif "kind" in change and "clutter_height_m" not in change:
                base = replace(base, clutter_height_m=DEFAULT_CLUTTER_HEIGHT_M[change["kind"]])
            classes[code] = replace(base, **dict(change))
        return cls(landcover=landcover, classes=classes, environment=environment,
                   receiver_height_m=receiver_height_m)  # fmt: skip

    def with_offsets(self, offsets_db: Mapping[int, float]) -> Clutter:
        """A copy with calibrated per-class offsets."""
        return replace(self, offsets_db=dict(offsets_db))

    def table(self, frequencies_mhz) -> pd.DataFrame:
        """Per class (rows) and frequency (columns): the clutter loss added (dB)."""
        freqs = sorted({float(f) for f in np.atleast_1d(frequencies_mhz)})
        codes = sorted(self.classes)
        grid = np.array([[self._loss(c, f) for f in freqs] for c in codes]).reshape(len(codes), len(freqs))
        return pd.DataFrame(grid, index=pd.Index(codes, name="code"), columns=freqs)

    def _loss(self, code: int, frequency_mhz: float) -> float:
        c = self.classes[code]
        if c.loss_db is not None:
            return float(c.loss_db) + float(self.offsets_db.get(code, 0.0))
        ref_kind = ENVIRONMENT_KIND.get(self.environment, "suburban")
        own, ref = terminal_clutter_loss_db(
            [frequency_mhz] * 2, terminal_height_m=self.receiver_height_m,
            clutter_height_m=[c.clutter_height_m, DEFAULT_CLUTTER_HEIGHT_M[ref_kind]],
            kind=[c.kind, ref_kind])  # fmt: skip
        return max(0.0, float(own - ref)) + float(self.offsets_db.get(code, 0.0))

    def codes_at(self, xy: np.ndarray) -> np.ndarray:
        """The land-cover code at each point (-1: unknown)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        return self.landcover.class_at(xy[:, 0], xy[:, 1])

    def loss_db(self, codes: np.ndarray, frequency_mhz: np.ndarray) -> np.ndarray:
        """Clutter loss of receivers of class ``codes`` at ``frequency_mhz`` (per link)."""
        codes = np.asarray(codes)
        freq = np.asarray(frequency_mhz, dtype=float)
        out = np.zeros(np.broadcast(codes, freq).shape)
        if out.size == 0:
            return out
        freqs = np.unique(freq)
        high = freqs[(freqs / 1000.0 < VALID_GHZ[0]) | (freqs / 1000.0 > VALID_GHZ[1])]
        if high.size:
            warnings.warn(f"ITU-R P.2108 §3.1 (clutter loss) is stated for 30-3000 MHz; "
                          f"{', '.join(f'{f:g}' for f in high)} MHz computed by the same formula "
                          "(extrapolated)", ModelValidityWarning, stacklevel=3)  # fmt: skip
        table = self.table(freqs)
        known = np.isin(codes, table.index.to_numpy())
        rows = np.searchsorted(table.index.to_numpy(), np.where(known, codes, table.index[0]))
        cols = np.searchsorted(freqs, np.broadcast_to(freq, out.shape))
        values = table.to_numpy()[rows, cols]
        return np.where(known, values, 0.0)

    def obstacles_m(self, codes: np.ndarray) -> np.ndarray:
        """Obstacle height of each code (0 for unknown codes)."""
        lookup = {k: c.obstacle_height_m for k, c in self.classes.items()}
        codes = np.asarray(codes)
        keys = np.array(sorted(lookup), dtype=np.int64)
        if keys.size == 0:
            return np.zeros(codes.shape)
        heights = np.array([lookup[k] for k in keys])
        pos = np.clip(np.searchsorted(keys, codes), 0, keys.size - 1)
        return np.where(keys[pos] == codes, heights[pos], 0.0)
