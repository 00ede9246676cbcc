"""Antenna patterns: how much weaker a cell is off its boresight.

A sites row with an ``azimuth_deg`` is a **cell** (a sector): its EIRP is
radiated along the azimuth and tilted down by ``tilt_deg``; elsewhere the
signal is lower by the pattern's loss.  A row without azimuth is
omnidirectional (no loss in any direction).

The default pattern is the parabolic one of 3GPP TR 36.814 Table A.2.1.1-2
(also ITU-R F.1336's sectoral reference pattern), as losses in dB (≥ 0)::

    L_H(φ) = min(12 (φ / φ3dB)², Am)             horizontal, φ off the azimuth
    L_V(θ) = min(12 ((θ − θtilt) / θ3dB)², SLAv)   vertical, θ below the horizon
    L(φ, θ) = min(L_H(φ) + L_V(θ), Am)

with φ3dB the cell's ``beamwidth_deg`` (default 65°, the common 3-sector
panel; 3GPP's example uses 70°), Am = 25 dB (front-to-back), θ3dB = 10° and
SLAv = 20 dB.  Pattern files in the MSI/Planet text format give measured
patterns instead (:func:`read_msi`); their losses are added, horizontal plus
vertical (the usual 2-D reconstruction), the vertical cut read at the
elevation less the row's tilt.

Angles: the azimuth is clockwise from the grid north of the run's metric CRS
(within a degree or two of true north in a UTM zone); the elevation uses the
antenna's height above its ground and the receiver's above its own, on a flat
Earth (the terrain model's diffraction accounts for what stands between).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numba
import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..project import AntennaSettings

__all__ = ["DEFAULT_BEAMWIDTH_DEG", "AntennaPattern", "Antennas", "bearing_deg", "off_axis_deg",
           "parabolic_loss_db", "read_msi", "msi_text"]  # fmt: skip

#: Horizontal half-power beamwidth of a cell with an azimuth and no beamwidth (3-sector panel).
DEFAULT_BEAMWIDTH_DEG = AntennaSettings.beamwidth_deg
#: 3GPP TR 36.814 Table A.2.1.1-2: front-to-back ratio, vertical beamwidth and side-lobe level.
FRONT_TO_BACK_DB = AntennaSettings.front_to_back_db
VERTICAL_BEAMWIDTH_DEG = AntennaSettings.vertical_beamwidth_deg
SIDE_LOBE_DB = AntennaSettings.side_lobe_db


def bearing_deg(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Bearing (degrees clockwise from north, 0–360) of displacements ``dx`` east, ``dy`` north."""
    return np.degrees(np.arctan2(dx, dy)) % 360.0


def off_axis_deg(bearing: np.ndarray, azimuth: np.ndarray) -> np.ndarray:
    """Angle between a bearing and an azimuth, −180..180 degrees."""
    return (np.asarray(bearing) - np.asarray(azimuth) + 180.0) % 360.0 - 180.0


def parabolic_loss_db(off_axis_deg, elevation_deg, *, beamwidth_deg, tilt_deg=0.0,
                      front_to_back_db: float = FRONT_TO_BACK_DB,
                      vertical_beamwidth_deg: float = VERTICAL_BEAMWIDTH_DEG,
                      side_lobe_db: float = SIDE_LOBE_DB) -> np.ndarray:  # fmt: skip
    """3GPP TR 36.814 sector pattern loss (dB, ≥ 0) off boresight.

    Parameters
    ----------
    off_axis_deg : array
        Horizontal angle from the azimuth (any sign, any turn).
    elevation_deg : array
        Angle below the horizon at which the antenna sees the receiver.
    beamwidth_deg, tilt_deg : array
        Horizontal half-power beamwidth; downtilt (electrical + mechanical).

    Returns
    -------
    ndarray
        ``min(min(12 (φ/φ3dB)², Am) + min(12 ((θ − θtilt)/θ3dB)², SLAv), Am)``.
    """
    phi = (np.asarray(off_axis_deg, dtype=float) + 180.0) % 360.0 - 180.0
    horizontal = np.minimum(12.0 * (phi / np.asarray(beamwidth_deg, dtype=float)) ** 2,
                            front_to_back_db)  # fmt: skip
    theta = np.asarray(elevation_deg, dtype=float) - np.asarray(tilt_deg, dtype=float)
    vertical = np.minimum(12.0 * (theta / vertical_beamwidth_deg) ** 2, side_lobe_db)
    return np.minimum(horizontal + vertical, front_to_back_db)


@numba.njit(cache=True, nogil=True)
def _link_angles_and_loss(dx, dy, drop, azimuth, beamwidth, tilt, front_to_back_db,
                          vertical_beamwidth_deg, side_lobe_db):  # fmt: skip
    """Per link: off-axis angle, elevation and :func:`parabolic_loss_db`, in one pass.

    What :meth:`Antennas.loss_db` computes with numpy, without its eight
    temporary arrays the size of the links (millions for an area grid).
    """
    n = dx.size
    off = np.empty(n)
    elevation = np.empty(n)
    loss = np.empty(n)
    for i in range(n):
        bearing = np.degrees(np.arctan2(dx[i], dy[i])) % 360.0
        phi = (bearing - azimuth[i] + 180.0) % 360.0 - 180.0
        ground = max(np.hypot(dx[i], dy[i]), 1.0)
        theta = np.degrees(np.arctan2(drop[i], ground))
        horizontal = min(12.0 * (phi / beamwidth[i]) ** 2, front_to_back_db)
        vertical = min(12.0 * ((theta - tilt[i]) / vertical_beamwidth_deg) ** 2, side_lobe_db)
        off[i] = phi
        elevation[i] = theta
        loss[i] = min(horizontal + vertical, front_to_back_db)
    return off, elevation, loss


@dataclass(frozen=True)
class AntennaPattern:
    """A measured pattern: losses (dB, ≥ 0, 0 at the maximum) per whole degree.

    Attributes
    ----------
    name : str
    horizontal_db : ndarray, shape (360,)
        Loss at 0..359° clockwise from the boresight.
    vertical_db : ndarray, shape (360,)
        Loss at 0..359° of elevation, 0 at the horizon and 90 straight down
        (MSI's convention), the antenna's electrical tilt included.
    gain_dbi : float or None
        The gain the file states (informative: the EIRP is the site's).
    source : str
    """

    name: str
    horizontal_db: np.ndarray = field(repr=False)
    vertical_db: np.ndarray = field(repr=False)
    gain_dbi: float | None = None
    source: str = ""

    def loss_db(self, off_axis_deg, elevation_deg, *, tilt_deg=0.0) -> np.ndarray:
        """Horizontal plus vertical loss, each interpolated between whole degrees."""
        h = _interpolate(self.horizontal_db, np.asarray(off_axis_deg, dtype=float))
        v = _interpolate(self.vertical_db, np.asarray(elevation_deg, dtype=float)
                         - np.asarray(tilt_deg, dtype=float))  # fmt: skip
        return h + v


def _interpolate(table: np.ndarray, angle_deg: np.ndarray) -> np.ndarray:
    """Linear interpolation in a 360-entry circular table."""
    a = np.mod(angle_deg, 360.0)
    lo = np.floor(a).astype(np.int64) % 360
    frac = a - np.floor(a)
    return table[lo] * (1.0 - frac) + table[(lo + 1) % 360] * frac


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def read_msi(path: str | Path, *, name: str | None = None) -> AntennaPattern:
    """Read an antenna pattern in the MSI / Planet text format.

    The format: header lines (``NAME``, ``FREQUENCY``, ``GAIN 17.1 dBi`` or
    ``dBd``, ``TILT``, ``COMMENT``, ...), then a ``HORIZONTAL 360`` block and
    a ``VERTICAL 360`` block of ``angle loss_dB`` lines.  Angles missing from
    a block are interpolated around the circle; losses are normalised so the
    smallest is 0.

    Raises
    ------
    InputError
        The file cannot be read, a block is missing, or a line of a block is
        not two numbers (naming the line).
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError as exc:
        raise InputError(Problem(str(path), f"cannot read the antenna pattern: {exc.strerror}")) from None
    header: dict[str, str] = {}
    blocks: dict[str, list[tuple[float, float]]] = {}
    problems = []
    current, expected = None, 0
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        word = text.split(maxsplit=1)
        key = word[0].upper()
        if key in ("HORIZONTAL", "VERTICAL"):
            current = key.lower()
            blocks[current] = []
            expected = int(float(word[1])) if len(word) > 1 and re.fullmatch(_NUMBER, word[1]) else 360
            continue
        if current is not None and len(blocks[current]) < expected:
            values = text.replace(",", " ").split()
            if len(values) >= 2 and all(re.fullmatch(_NUMBER, v) for v in values[:2]):
                blocks[current].append((float(values[0]), float(values[1])))
                continue
            problems.append(Problem(str(path), f"line {number}: expected 'angle loss_dB' in the "
                                    f"{current.upper()} block, got {text!r}"))  # fmt: skip
            continue
        current = None
        header[key] = word[1].strip() if len(word) > 1 else ""
    for block in ("horizontal", "vertical"):
        if not blocks.get(block):
            problems.append(Problem(str(path), f"no {block.upper()} block: an MSI pattern file "
                                    f"has 'HORIZONTAL 360' and 'VERTICAL 360' blocks"))  # fmt: skip
    if problems:
        raise InputError(problems)
    gain = None
    if "GAIN" in header:
        found = re.match(rf"\s*({_NUMBER})\s*(dBd|dBi)?", header["GAIN"], re.I)
        if found:
            gain = float(found.group(1)) + (2.15 if (found.group(2) or "").lower() == "dbd" else 0.0)
    return AntennaPattern(name=name or header.get("NAME") or path.stem,
                          horizontal_db=_table(blocks["horizontal"]),
                          vertical_db=_table(blocks["vertical"]), gain_dbi=gain,
                          source=str(path))  # fmt: skip


def _table(pairs: list[tuple[float, float]]) -> np.ndarray:
    """360 losses at whole degrees from (angle, loss) pairs, normalised to a minimum of 0."""
    angle = np.mod(np.array([p[0] for p in pairs]), 360.0)
    loss = np.array([p[1] for p in pairs])
    order = np.argsort(angle, kind="stable")
    angle, loss = angle[order], loss[order]
    # Circular interpolation: the table wraps from 359 to 0.
    ext_a = np.concatenate([angle - 360.0, angle, angle + 360.0])
    ext_l = np.tile(loss, 3)
    table = np.interp(np.arange(360.0), ext_a, ext_l)
    return table - table.min()


def msi_text(pattern: AntennaPattern) -> str:
    """The pattern as MSI text (what :func:`read_msi` reads back)."""
    lines = [f"NAME {pattern.name}"]
    if pattern.gain_dbi is not None:
        lines.append(f"GAIN {pattern.gain_dbi:g} dBi")
    for block, table in (("HORIZONTAL", pattern.horizontal_db), ("VERTICAL", pattern.vertical_db)):
        lines.append(f"{block} 360")
        lines += [f"{a} {v:.2f}" for a, v in enumerate(table)]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Antennas:
    """How every cell radiates: the default parabolic pattern and named pattern files.

    Parameters
    ----------
    patterns : mapping
        Name -> :class:`AntennaPattern`.  A name that is a technology
        (``"4G"``) is that technology's pattern for cells naming none; other
        names are what a sites row's ``pattern`` column refers to.
    beamwidth_deg : float
        Horizontal beamwidth of a cell with an azimuth and no beamwidth.
    tilt_deg : float
        Downtilt of a cell with none given.
    front_to_back_db, vertical_beamwidth_deg, side_lobe_db : float
        The parabolic pattern's Am, θ3dB and SLAv.
    """

    patterns: Mapping[str, AntennaPattern] = field(default_factory=dict)
    beamwidth_deg: float = DEFAULT_BEAMWIDTH_DEG
    tilt_deg: float = 0.0
    front_to_back_db: float = FRONT_TO_BACK_DB
    vertical_beamwidth_deg: float = VERTICAL_BEAMWIDTH_DEG
    side_lobe_db: float = SIDE_LOBE_DB

    @classmethod
    def from_settings(cls, settings: AntennaSettings) -> Antennas:
        """The antennas of ``[model.antenna]``, pattern files read."""
        patterns = {name: read_msi(path, name=name) for name, path in settings.patterns.items()}
        return cls(patterns=patterns, beamwidth_deg=settings.beamwidth_deg,
                   tilt_deg=settings.tilt_deg, front_to_back_db=settings.front_to_back_db,
                   vertical_beamwidth_deg=settings.vertical_beamwidth_deg,
                   side_lobe_db=settings.side_lobe_db)  # fmt: skip

    def check_names(self, names, source: str = "sites") -> None:
        """Every pattern a sites row names must exist (an error lists those that do)."""
        wanted = {str(n) for n in names if isinstance(n, str) and n}
        missing = sorted(wanted - set(self.patterns))
        if missing:
            known = ", ".join(sorted(self.patterns)) or "none"
            raise InputError(Problem(source, f"antenna pattern(s) {', '.join(map(repr, missing))} "
                                     f"not found; patterns given under [model.antenna.patterns]: "
                                     f"{known}", column="pattern"))  # fmt: skip

    def cells(self, sites) -> pd.DataFrame:
        """Per sites row: ``azimuth_deg`` (NaN: omni), ``beamwidth_deg``, ``tilt_deg``, ``pattern``.

        Defaults filled in: the beamwidth and tilt of cells giving none, and
        the pattern of the row's technology where the row names none (``""``:
        the parabolic pattern).
        """
        n = len(sites)

        def column(name, fill):
            if name not in sites:
                return np.full(n, fill)
            values = sites[name].to_numpy(dtype=float)
            return np.where(np.isfinite(values), values, fill)

        azimuth = column("azimuth_deg", np.nan)
        named = (sites["pattern"].astype(object).where(sites["pattern"].notna(), "")
                 if "pattern" in sites else pd.Series([""] * n, dtype=object))  # fmt: skip
        tech = sites["technology"].astype(object)
        default = tech.map({t: t for t in self.patterns}).astype(object).fillna("")
        pattern = np.where(named.to_numpy() != "", named.to_numpy(), default.to_numpy())
        return pd.DataFrame({"azimuth_deg": azimuth,
                             "beamwidth_deg": column("beamwidth_deg", self.beamwidth_deg),
                             "tilt_deg": column("tilt_deg", self.tilt_deg),
                             "pattern": np.where(np.isfinite(azimuth), pattern, "")},
                            index=range(n))  # fmt: skip

    def loss_db(self, site_xy: np.ndarray, target_xy: np.ndarray, cells: pd.DataFrame,
                site: np.ndarray, *, height_m: np.ndarray, receiver_height_m: float) -> np.ndarray:
        """Pattern loss (dB) of each link from cell ``site`` at ``site_xy`` to ``target_xy``.

        ``cells`` is :meth:`cells` of the sites; ``site`` the row of each link
        in it; ``site_xy``, ``target_xy`` and ``height_m`` are per link.  Links
        of cells without an azimuth lose nothing.
        """
        site = np.asarray(site, dtype=np.int64)
        azimuth = cells["azimuth_deg"].to_numpy()[site]
        loss = np.zeros(len(site))
        sector = np.flatnonzero(np.isfinite(azimuth))
        if sector.size == 0:
            return loss
        d = np.asarray(target_xy, dtype=float)[sector] - np.asarray(site_xy, dtype=float)[sector]
        drop = np.asarray(height_m, dtype=float)[sector] - receiver_height_m
        cell = site[sector]
        tilt = cells["tilt_deg"].to_numpy(dtype=float)[cell]
        off, elevation, out = _link_angles_and_loss(
            np.ascontiguousarray(d[:, 0]), np.ascontiguousarray(d[:, 1]), drop, azimuth[sector],
            cells["beamwidth_deg"].to_numpy(dtype=float)[cell], tilt, float(self.front_to_back_db),
            float(self.vertical_beamwidth_deg), float(self.side_lobe_db))  # fmt: skip
        # Pattern names as integer codes per cell: links are millions, cells a few thousand.
        codes, names = pd.factorize(cells["pattern"].to_numpy(dtype=object))
        chosen = codes[cell]
        for k, name in enumerate(names):
            if name:
                rows = chosen == k
                if rows.any():
                    out[rows] = self.patterns[name].loss_db(off[rows], elevation[rows], tilt_deg=tilt[rows])
        loss[sector] = out
        return loss

    def front_to_back_of(self, pattern_name: str | None = None) -> float:
        """Loss straight behind a cell on the horizon (the parabolic Am, or the file's)."""
        if pattern_name and pattern_name in self.patterns:
            p = self.patterns[pattern_name]
            return float(p.loss_db(180.0, 0.0))
        return self.front_to_back_db
