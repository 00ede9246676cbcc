"""The project file: one TOML file that says where the layers are and how to model.

Example (paths are relative to the project file)::

    name = "Sample province"
    output = "../../maps/sample"
    lang = "vi"                      # vi | en, for the report and map
    # crs = "EPSG:9210"             # metric CRS for distances; default: UTM zone

    [layers]
    communes = "communes.gpkg"
    villages = "villages.csv"
    sites = { path = "bts.xlsx", sheet = "BTS" }
    post_offices = "post_offices.csv"

    [columns.villages]              # canonical name = the column in your file
    village_id = "Mã thôn"

    [model]
    kind = "radius"

    [model.radius]                  # technology = [good_km, weak_km]
    "4G" = [2.5, 5.0]

Everything is validated here, before any layer is read, so a typo in the
project file is reported with its key (and line, for TOML syntax errors).
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date as _date
from datetime import datetime as _datetime
from pathlib import Path
from typing import Any

from .assumptions import CapacitySettings, CostSettings, parse_capacity, parse_costs
from .errors import InputError, Problem, Problems
from .postgis import DatabaseURL, is_database, parse_url, redact
from .technology import TECHNOLOGIES, normalise_technology

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "DEFAULT_RADIUS_KM",
    "AntennaSettings",
    "ItmSettings",
    "LAYER_NAMES",
    "LayerSource",
    "ModelSettings",
    "Project",
    "RasterSettings",
    "ReportSettings",
    "ScenarioSettings",
    "read_project",
]

#: Layers a project may name; the first three are required.
LAYER_NAMES: tuple[str, ...] = (
    "communes",
    "villages",
    "sites",
    "post_offices",
    "fiber",
    "pois",
    "dem",
    "population",
    "measurements",
    "landcover",
    "grid",
    "roads",
)
#: Layer -> the formats it may declare besides the default.
LAYER_FORMATS: dict[str, tuple[str, ...]] = {"sites": ("opencellid",),
                                             "measurements": ("opencellid-measurements",)}
REQUIRED_LAYERS: tuple[str, ...] = ("communes", "villages", "sites")
MODEL_KINDS: tuple[str, ...] = ("radius", "pathloss", "terrain", "itm")
FORMULAS: tuple[str, ...] = ("auto", "hata", "cost231", "extended_hata", "free_space")
ENVIRONMENTS: tuple[str, ...] = ("urban", "suburban", "open", "rural")
DIFFRACTIONS: tuple[str, ...] = ("bullington", "bullington_p526", "deygout")
BUDGET_KEYS: tuple[str, ...] = ("frequency_mhz", "eirp_dbm", "height_m", "good_dbm", "weak_dbm")
_MODEL_KEYS = ("kind", "radius", "budget", "formula", "environment", "receiver_height_m",
               "diffraction", "k_factor", "dem_resolution_m", "max_range_km", "calibration",
               "location_sigma_db", "reliability", "antenna", "clutter",
               "worst_k_factor", "itm")  # fmt: skip
_ITM_KEYS = ("climate", "n0", "epsilon", "sigma", "polarization", "time_pct", "location_pct",
             "situation_pct", "mdvar")  # fmt: skip
#: NTIA's climate codes (ITM): 1 equatorial ... 7 maritime temperate over sea.
ITM_CLIMATES = {1: "equatorial", 2: "continental subtropical", 3: "maritime subtropical",
                4: "desert", 5: "continental temperate", 6: "maritime temperate over land",
                7: "maritime temperate over sea"}  # fmt: skip
_CLUTTER_KEYS = ("name", "kind", "clutter_height_m", "obstacle_height_m", "loss_db")
CLUTTER_KINDS = ("none", "water", "open", "suburban", "urban", "trees", "dense_urban")
_ANTENNA_KEYS = ("beamwidth_deg", "tilt_deg", "front_to_back_db", "vertical_beamwidth_deg",
                 "side_lobe_db", "back_reach", "patterns")  # fmt: skip
#: Location variability (dB) of the signal around a model's median when no calibration
#: says otherwise: the planning default with Hata-type models (6-10 dB outdoors; REFERENCES).
DEFAULT_LOCATION_SIGMA_DB = 8.0

#: Default (good, weak) radii in km per technology.  The outer (weak) radius is
#: the coverage circle public coverage explorers draw around a cell: GSM 12 km
#: and UMTS 4 km for OpenCelliD-based maps (GSMA / Collins Mobile Coverage
#: Explorer), 4G 5 km (ITU/Giga connectivity tools' default).  5G uses 1 km,
#: a mid-band macro cell.  The inner (good) radius is half the outer one, a
#: convention — no public standard defines "weak signal" as a distance, so
#: every project should set its own and the report prints what was used.
DEFAULT_RADIUS_KM: Mapping[str, tuple[float, float]] = {
    "2G": (6.0, 12.0),
    "3G": (2.0, 4.0),
    "4G": (2.5, 5.0),
    "5G": (0.5, 1.0),
}

_TOP_KEYS = ("name", "output", "crs", "lang", "layers", "columns", "model", "postal",
             "broadband", "validation", "rasters", "scenarios", "siting", "map", "hexagons",
             "engine", "report", "costs", "capacity")  # fmt: skip
_SCENARIO_KEYS = ("label", "switch_off", "activate_planned", "remove_operators", "remove_sites",
                  "add_sites", "share_sites")  # fmt: skip
_LAYER_KEYS = ("path", "sheet", "layer", "crs", "format", "mcc", "use_range")
_LANGS = ("vi", "en")


@dataclass(frozen=True)
class LayerSource:
    """Where one layer comes from and how to read it.

    Attributes
    ----------
    name : str
        The layer's role (``"villages"``, ``"sites"``, ...).
    path : Path or DatabaseURL
        The file, or the database whose table is ``layer``
        (:mod:`whitezone.postgis`; not relative to the project's folder).
    columns : dict
        Explicit mapping, canonical name -> the column in the user's file.
    sheet : str or int, optional
        Excel sheet (name or 0-based position); default the first.
    layer : str, optional
        Layer inside a multi-layer file (GeoPackage).
    crs : str, optional
        CRS of the file's coordinates when the file does not carry one
        (CSV/XLSX x/y columns, a shapefile without .prj).
    format : str, optional
        ``"opencellid"`` for a cell list in OpenCelliD's CSV layout.
    mcc : tuple of int, optional
        Mobile country codes to keep from an OpenCelliD file (452 = Vietnam).
    use_range : bool
        OpenCelliD only: each site's radius from its cells' ``range``.
    """

    name: str
    path: Path | DatabaseURL
    columns: dict[str, str] = field(default_factory=dict)
    sheet: str | int | None = None
    layer: str | None = None
    crs: str | None = None
    format: str | None = None
    mcc: tuple[int, ...] | None = None
    use_range: bool = False


@dataclass(frozen=True)
class AntennaSettings:
    """How cells radiate (``[model.antenna]``); see :mod:`whitezone.models.antenna`.

    Attributes
    ----------
    beamwidth_deg : float
        Horizontal half-power beamwidth of a cell with an azimuth and none
        given (65°: the common three-sector panel).
    tilt_deg : float
        Downtilt of a cell with none given.
    front_to_back_db, vertical_beamwidth_deg, side_lobe_db : float
        The 3GPP TR 36.814 parabolic pattern's Am (25 dB), θ3dB (10°) and
        SLAv (20 dB).
    back_reach : float
        Radius model: the least share of a technology's radii a sector
        reaches (straight behind it).  0.2 by default: 25 dB of
        front-to-back over the ~35 dB per decade a Hata loss falls at these
        heights (10^(−25/35) ≈ 0.19), so the radius and the path-loss models
        agree on direction (:mod:`whitezone.models.radius`).
    patterns : dict
        Name -> MSI/Planet pattern file.  A technology's name (``"4G"``)
        makes it that technology's pattern; other names are what the sites'
        ``pattern`` column refers to.
    """

    beamwidth_deg: float = 65.0
    tilt_deg: float = 0.0
    front_to_back_db: float = 25.0
    vertical_beamwidth_deg: float = 10.0
    side_lobe_db: float = 20.0
    back_reach: float = 0.2
    patterns: Mapping[str, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class ItmSettings:
    """Longley-Rice's environment and variability (``[model.itm]``); see :mod:`whitezone.models.itm`.

    Defaults fit northern Vietnam: climate 2 (continental subtropical) with
    the surface refractivity ITM's documentation suggests for it (320
    N-units); average ground; vertical polarisation (mobile antennas); the
    median in time, location and situation.

    Attributes
    ----------
    climate : int
        NTIA's code, 1-7 (:data:`ITM_CLIMATES`).
    n0 : float
        Surface refractivity, N-units (250-400).
    epsilon, sigma : float
        Ground's relative permittivity and conductivity (S/m): 15 and 0.005
        average ground; 4 and 0.001 poor (dry, rocky); 25 and 0.02 good
        (wet, farmland); 81 and 5 sea water.
    polarization : {"vertical", "horizontal"}
    time_pct, location_pct, situation_pct : float
        Percentages (0-100, exclusive) of time, locations and situations the
        loss is not exceeded in; 50 is the median.  The project's
        ``reliability`` applies σ on top of them.
    mdvar : int
        NTIA's variability mode (0 single message, 1 accidental, 2 mobile,
        3 broadcast; +10 location variability eliminated, +20 direct
        situation variability eliminated).
    """

    climate: int = 2
    n0: float = 320.0
    epsilon: float = 15.0
    sigma: float = 0.005
    polarization: str = "vertical"
    time_pct: float = 50.0
    location_pct: float = 50.0
    situation_pct: float = 50.0
    mdvar: int = 12


@dataclass(frozen=True)
class ModelSettings:
    """How signal is modelled (``[model]`` in the project file).

    Attributes
    ----------
    kind : str
        ``"radius"`` (the default), ``"pathloss"``, ``"terrain"`` or ``"itm"``.
    radius_km : dict
        Technology -> (good_km, weak_km) for the radius model.
    budgets : dict
        Technology -> {frequency_mhz, eirp_dbm, height_m, good_dbm, weak_dbm}
        overriding the link-budget defaults (``[model.budget."4G"]``).
    formula, environment : str
        Path-loss formula and environment (pathloss and terrain models).
    receiver_height_m : float
    diffraction : str
        ``"bullington"`` or ``"deygout"`` (terrain model).
    k_factor : float
        Effective Earth radius factor (terrain model).
    worst_k_factor : float
        The worst case the serving link's line of sight is also checked at
        (0.6; ``line_of_sight_worst_<tech>``).
    dem_resolution_m : float, optional
        Grid the DEM is warped to; default its own resolution.
    max_range_km : float
        No link is computed beyond this distance.
    calibration : Path, optional
        A ``calibration.toml`` written by ``whitezone calibrate``: offsets,
        distance slopes and location variability fitted to measurements.
    location_sigma_db : float
        Location variability σ of the signal (log-normal shadowing) where the
        calibration gives none.
    reliability : float
        How sure a class must be: a village is good where P(signal ≥ good
        threshold) ≥ reliability (0.5, the default, is the median: the
        classes of the model's median signal).
    antenna : AntennaSettings
        Sector patterns (``[model.antenna]``).
    itm : ItmSettings
        The ITM model's environment and variability (``[model.itm]``).
    clutter : dict
        Land-cover code -> changes to its clutter class (``[model.clutter]``:
        ``name``, ``kind``, ``clutter_height_m``, ``obstacle_height_m``,
        ``loss_db``); see :mod:`whitezone.models.clutter`.
    """

    kind: str = "radius"
    radius_km: Mapping[str, tuple[float, float]] = field(
        default_factory=lambda: dict(DEFAULT_RADIUS_KM)
    )
    budgets: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    formula: str = "auto"
    environment: str = "suburban"
    receiver_height_m: float = 1.5
    diffraction: str = "bullington"
    k_factor: float = 4.0 / 3.0
    worst_k_factor: float = 0.6
    dem_resolution_m: float | None = None
    max_range_km: float = 60.0
    calibration: Path | None = None
    location_sigma_db: float = DEFAULT_LOCATION_SIGMA_DB
    reliability: float = 0.5
    antenna: AntennaSettings = field(default_factory=AntennaSettings)
    clutter: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    itm: ItmSettings = field(default_factory=ItmSettings)


#: ``[rasters] method``: every cell's links computed as villages' are, or radial sweeps.
RASTER_METHODS = ("exact", "radial")


@dataclass(frozen=True)
class RasterSettings:
    """Best-server coverage rasters (``[rasters]``).

    Attributes
    ----------
    write : bool
        Write them on every ``whitezone run`` (also ``--rasters``).
    resolution_m : float
        Cell size; 100 m by default (FCC's mobile maps use at most 100 m).
    technologies : tuple of str, optional
        Default every technology with an active site.
    method : {"radial", "exact"}
        ``"radial"`` (default): the terrain model's diffraction by radial
        sweeps from each site (:mod:`whitezone.models.radial`; other models
        compute every cell exactly anyway); ``"exact"``: every cell
        evaluated as a village is.
    """

    write: bool = False
    resolution_m: float = 100.0
    technologies: tuple[str, ...] | None = None
    method: str = "radial"


@dataclass(frozen=True)
class ScenarioSettings:
    """A named what-if (``[scenarios.<name>]``): changes to the sites, then a re-run.

    Attributes
    ----------
    name : str
        The table's name (used in file names).
    label : str
        How reports print it; default the name.
    switch_off : tuple of str
        Technologies switched off (Vietnam: 2G in 9/2026, 3G planned 9/2028).
    activate_planned : bool
        Planned sites go on air.
    remove_operators, remove_sites : tuple of str
        Operators leaving, sites dismantled (by ``site_id``).
    add_sites : Path, optional
        A sites file (same rules as the sites layer) of new sites.
    share_sites : bool
        Every operator's subscribers may use every site (site sharing or
        national roaming): per-operator coverage becomes the any-operator one.
    """

    name: str
    label: str = ""
    switch_off: tuple[str, ...] = ()
    activate_planned: bool = False
    remove_operators: tuple[str, ...] = ()
    remove_sites: tuple[str, ...] = ()
    add_sites: Path | None = None
    share_sites: bool = False


#: ``[report]`` settings: who issues the report and who receives it.
REPORT_KEYS = ("agency", "parent_agency", "number", "symbol", "place", "date", "signer",
               "signer_title", "recipients")  # fmt: skip


@dataclass(frozen=True)
class ReportSettings:
    """Who issues ``report.docx`` and who receives it (``[report]``).

    Every setting is optional: the document leaves a dotted blank to be
    filled by hand where one is missing (Decree 30/2020/NĐ-CP layout).

    Attributes
    ----------
    agency : str
        The issuing agency ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG").
    parent_agency : str
        The agency above it ("UBND TỈNH LÀO CAI").
    number : str
        The document's number ("15"), usually given when it is registered.
    symbol : str
        The agency's abbreviation after the document kind ("STTTT" gives
        "Số: 15/BC-STTTT"); a symbol already starting "BC-" is kept as it is.
    place : str
        Where it is issued ("Lào Cai").
    date : datetime.date, optional
        When it is issued (a TOML date or "YYYY-MM-DD").
    signer, signer_title : str
        Who signs and as what ("GIÁM ĐỐC", or "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC").
    recipients : tuple of str
        The "Nơi nhận" list.
    """

    agency: str = ""
    parent_agency: str = ""
    number: str = ""
    symbol: str = ""
    place: str = ""
    date: _date | None = None
    signer: str = ""
    signer_title: str = ""
    recipients: tuple[str, ...] = ()


@dataclass(frozen=True)
class Project:
    """A parsed project file.

    Attributes
    ----------
    name : str
    path : Path or None
        The project file (None for a project built in code).
    output : Path
        Folder the outputs are written to.
    layers : dict of LayerSource
    model : ModelSettings
    crs : str, optional
        Metric CRS for distances and areas; default the data's UTM zone.
    lang : str
        ``"vi"`` or ``"en"``.
    post_max_distance_km : float, optional
        Villages farther than this from every postal point are flagged.
    broadband_reach_km : float
        A village within this distance of a fiber route has fixed broadband.
    snap_km : float
        A village outside every commune polygon is placed in the nearest
        commune when it is at most this far from it (digitising slop).
    rasters : RasterSettings
    scenarios : tuple of ScenarioSettings
    self_contained_map : bool
        ``[map] self_contained``: Leaflet and its plugins inlined in
        ``map.html`` so it opens with no network (default true).
    hexagon_resolution : int, optional
        ``[hexagons] resolution``: also write the villages and the coverage
        aggregated to H3 hexagons of this resolution (needs ``whitezone[h3]``).
    engine, scheduler : str
        ``[engine] kind`` (``"single"`` or ``"dask"``) and ``scheduler``
        (a Dask scheduler address; default a local cluster).
    area_resolution_m : float, optional
        ``[map] area_resolution_m``: grid on which the model's coverage is
        drawn and (for path-loss and terrain models) the area covered is
        measured; default 250 m, 500 m for the terrain model.
    report : ReportSettings
        ``[report]``: the issuing agency, number, place, date, signer and
        recipients of ``report.docx``.
    costs : CostSettings
        ``[costs]``: what a site costs and earns (:mod:`whitezone.assumptions`).
    capacity : CapacitySettings
        ``[capacity]``: busy-hour demand and cell capacity.
    """

    name: str
    output: Path
    layers: dict[str, LayerSource]
    path: Path | None = None
    model: ModelSettings = field(default_factory=ModelSettings)
    crs: str | None = None
    lang: str = "vi"
    post_max_distance_km: float | None = None
    broadband_reach_km: float = 2.0
    snap_km: float = 2.0
    rasters: RasterSettings = field(default_factory=lambda: RasterSettings())
    scenarios: tuple[ScenarioSettings, ...] = ()
    self_contained_map: bool = True
    area_resolution_m: float | None = None
    hexagon_resolution: int | None = None
    engine: str = "single"
    scheduler: str | None = None
    siting: Mapping[str, Any] = field(default_factory=dict)
    report: ReportSettings = field(default_factory=ReportSettings)
    costs: CostSettings = field(default_factory=CostSettings)
    capacity: CapacitySettings = field(default_factory=CapacitySettings)

    def with_output(self, output: str | Path) -> Project:
        """A copy of the project writing to another folder."""
        return replace(self, output=Path(output))

    def with_model(self, **changes: Any) -> Project:
        """A copy with some model settings changed, e.g. ``with_model(kind="terrain")``."""
        return replace(self, model=replace(self.model, **changes))


def _suggest(key: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{hint}; allowed: {', '.join(allowed)}"


def _number(problems: Problems, key: str, value: Any, *, positive: bool = True,
            signed: bool = False) -> float | None:  # fmt: skip
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.add(f"expected a number, got {value!r}", column=key)
        return None
    if signed:
        return float(value)
    if positive and value <= 0:
        problems.add(f"expected a positive number, got {value!r}", column=key)
        return None
    if value < 0:
        problems.add(f"expected a number >= 0, got {value!r}", column=key)
        return None
    return float(value)


def _parse_radius(problems: Problems, table: Any) -> dict[str, tuple[float, float]]:
    radius = dict(DEFAULT_RADIUS_KM)
    if not isinstance(table, Mapping):
        problems.add(f"expected a table of technology = [good_km, weak_km], got {table!r}",
                     column="model.radius")  # fmt: skip
        return radius
    for tech_name, pair in table.items():
        key = f"model.radius.{tech_name}"
        tech = normalise_technology(tech_name)
        if tech is None:
            problems.add(f"unknown technology {tech_name!r}; expected one of "
                         f"{', '.join(TECHNOLOGIES)}", column=key)  # fmt: skip
            continue
        if not isinstance(pair, list) or len(pair) != 2:
            problems.add(f"expected [good_km, weak_km], two numbers, got {pair!r}", column=key)
            continue
        good = _number(problems, key, pair[0])
        weak = _number(problems, key, pair[1])
        if good is None or weak is None:
            continue
        if weak < good:
            problems.add(
                f"weak radius {weak:g} km is smaller than good radius {good:g} km; "
                f"write [good_km, weak_km] with weak >= good, e.g. [{weak:g}, {good:g}]",
                column=key,
            )
            continue
        radius[tech] = (good, weak)
    return radius


def _parse_budgets(problems: Problems, table: Any) -> dict[str, dict[str, float]]:
    budgets: dict[str, dict[str, float]] = {}
    if not isinstance(table, Mapping):
        problems.add('expected [model.budget."4G"] tables', column="model.budget")
        return budgets
    for tech_name, values in table.items():
        key = f"model.budget.{tech_name}"
        tech = normalise_technology(tech_name)
        if tech is None:
            problems.add(f"unknown technology {tech_name!r}; expected one of "
                         f"{', '.join(TECHNOLOGIES)}", column=key)  # fmt: skip
            continue
        if not isinstance(values, Mapping):
            problems.add("expected a table such as { eirp_dbm = 30, good_dbm = -100 }", column=key)
            continue
        entry = {}
        for name, value in values.items():
            if name not in BUDGET_KEYS:
                problems.add(f"unknown setting {name!r}{_suggest(name, BUDGET_KEYS)}",
                             column=f"{key}.{name}")  # fmt: skip
                continue
            if name.endswith("_dbm"):  # dBm may be negative
                number = _number(problems, f"{key}.{name}", value, positive=False, signed=True)
            else:
                number = _number(problems, f"{key}.{name}", value)
            if number is not None:
                entry[name] = number
        if "good_dbm" in entry and "weak_dbm" in entry and entry["weak_dbm"] > entry["good_dbm"]:
            problems.add(f"weak threshold {entry['weak_dbm']:g} dBm is above the good threshold "
                         f"{entry['good_dbm']:g} dBm; weak_dbm must be <= good_dbm", column=key)  # fmt: skip
        budgets[tech] = entry
    return budgets


#: Layers that are rasters: files only, never a database table.
_RASTER_LAYERS = ("dem", "population", "landcover")


def _layer_path(problems: Problems, name: str, spec: Mapping[str, Any], base: Path) -> Path | DatabaseURL:
    """A layer's file (relative to the project's folder) or its database, as written."""
    path = str(spec["path"])
    if not is_database(path):
        return (base / path).resolve()
    column = f"layers.{name}.path"
    if name in _RASTER_LAYERS or spec.get("format") is not None:
        problems.add(f"{name} is read from a file only, not from a database", column=column)
    try:
        return parse_url(path)
    except InputError as exc:
        for problem in exc.problems:
            problems.add(f"{problem.source}: {problem.message}", column=column)
        return Path(redact(path))


def _parse_layers(
    problems: Problems, base: Path, layers: Any, columns: Any
) -> dict[str, LayerSource]:
    out: dict[str, LayerSource] = {}
    if not isinstance(layers, Mapping):
        problems.add("expected a [layers] table naming the files", column="layers")
        return out
    if not isinstance(columns, Mapping):
        problems.add("expected [columns.<layer>] tables", column="columns")
        columns = {}
    for name in columns:
        if name not in LAYER_NAMES:
            problems.add(f"unknown layer {name!r}{_suggest(name, LAYER_NAMES)}",
                         column=f"columns.{name}")  # fmt: skip
    for name, spec in layers.items():
        if name not in LAYER_NAMES:
            problems.add(f"unknown layer {name!r}{_suggest(name, LAYER_NAMES)}",
                         column=f"layers.{name}")  # fmt: skip
            continue
        if isinstance(spec, str):
            spec = {"path": spec}
        if not isinstance(spec, Mapping) or "path" not in spec:
            problems.add('expected a file name or a table with path = "..."',
                         column=f"layers.{name}")  # fmt: skip
            continue
        for key in spec:
            if key not in _LAYER_KEYS:
                problems.add(f"unknown setting {key!r}{_suggest(key, _LAYER_KEYS)}",
                             column=f"layers.{name}.{key}")  # fmt: skip
        mapping = columns.get(name, {})
        if not isinstance(mapping, Mapping) or not all(
            isinstance(v, str) for v in mapping.values()
        ):
            problems.add('expected canonical_name = "column in your file" pairs',
                         column=f"columns.{name}")  # fmt: skip
            mapping = {}
        mcc = spec.get("mcc")
        if mcc is not None:
            mcc = (mcc,) if isinstance(mcc, int) else mcc
            if not isinstance(mcc, list | tuple) or not all(isinstance(m, int) for m in mcc):
                problems.add(f"expected a mobile country code or a list of them, got {mcc!r}",
                             column=f"layers.{name}.mcc")  # fmt: skip
                mcc = None
            else:
                mcc = tuple(mcc)
        fmt = spec.get("format")
        if fmt is not None and fmt not in LAYER_FORMATS.get(name, ()):
            allowed = "; ".join(f"{layer} accept format = {', '.join(map(repr, f))}"
                                for layer, f in LAYER_FORMATS.items())  # fmt: skip
            problems.add(f"unknown format {fmt!r} for {name}; {allowed}",
                         column=f"layers.{name}.format")  # fmt: skip
        out[name] = LayerSource(
            name=name,
            path=_layer_path(problems, name, spec, base),
            columns=dict(mapping),
            sheet=spec.get("sheet"),
            layer=spec.get("layer"),
            crs=spec.get("crs"),
            format=fmt,
            mcc=mcc,
            use_range=spec.get("use_range", False) is True,
        )
    for name in REQUIRED_LAYERS:
        if name not in layers:
            problems.add(f'the required layer {name!r} is missing; add {name} = "file" '
                         "under [layers]", column="layers")  # fmt: skip
    return out


def _parse_scenarios(problems: Problems, base: Path, table: Any) -> tuple[ScenarioSettings, ...]:
    if not isinstance(table, Mapping):
        problems.add("expected [scenarios.<name>] tables", column="scenarios")
        return ()
    out = []
    for name, spec in table.items():
        key = f"scenarios.{name}"
        if not isinstance(spec, Mapping):
            problems.add("expected a table of changes such as switch_off = [\"2G\"]", column=key)
            continue
        for item in spec:
            if item not in _SCENARIO_KEYS:
                problems.add(f"unknown setting {item!r}{_suggest(item, _SCENARIO_KEYS)}",
                             column=f"{key}.{item}")  # fmt: skip
        lists = {}
        for item in ("switch_off", "remove_operators", "remove_sites"):
            value = spec.get(item, [])
            value = [value] if isinstance(value, str) else value
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.add(f"expected a list of names, got {value!r}", column=f"{key}.{item}")
                value = []
            lists[item] = tuple(value)
        techs = []
        for tech in lists["switch_off"]:
            norm = normalise_technology(tech)
            if norm is None:
                problems.add(f"unknown technology {tech!r}; expected one of {', '.join(TECHNOLOGIES)}",
                             column=f"{key}.switch_off")  # fmt: skip
            else:
                techs.append(norm)
        flags = {}
        for item in ("activate_planned", "share_sites"):
            value = spec.get(item, False)
            if not isinstance(value, bool):
                problems.add(f"expected true or false, got {value!r}", column=f"{key}.{item}")
                value = False
            flags[item] = value
        add = spec.get("add_sites")
        if add is not None and not isinstance(add, str):
            problems.add(f"expected a file name, got {add!r}", column=f"{key}.add_sites")
            add = None
        out.append(ScenarioSettings(
            name=str(name), label=str(spec.get("label", name)), switch_off=tuple(techs),
            remove_operators=lists["remove_operators"], remove_sites=lists["remove_sites"],
            add_sites=(base / add).resolve() if add else None, **flags,
        ))  # fmt: skip
    return tuple(out)


SITING_KEYS = ("k", "cost_budget", "candidates", "technology", "target", "weight", "grid_km",
               "time_limit_s", "height_m", "cost", "costs", "objective", "require_capacity")  # fmt: skip


def _parse_siting(problems: Problems, base: Path, table: Any) -> dict[str, Any]:
    if not isinstance(table, Mapping):
        problems.add("expected a [siting] table", column="siting")
        return {}
    out: dict[str, Any] = {}
    for key, value in table.items():
        column = f"siting.{key}"
        if key not in SITING_KEYS:
            problems.add(f"unknown setting {key!r}{_suggest(key, SITING_KEYS)}", column=column)
        elif key == "k":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                problems.add(f"expected a whole number of sites, got {value!r}", column=column)
            else:
                out[key] = value
        elif key in ("cost_budget", "grid_km", "time_limit_s", "height_m", "cost"):
            number = _number(problems, column, value)
            if number is not None:
                out[key] = number
        elif key == "target" and value not in ("none", "weak"):
            problems.add(f"expected 'none' or 'weak', got {value!r}", column=column)
        elif key == "weight" and value not in ("population", "villages"):
            problems.add(f"expected 'population' or 'villages', got {value!r}", column=column)
        elif key == "require_capacity" and not isinstance(value, bool):
            problems.add(f"expected true or false, got {value!r}", column=column)
        elif key == "costs" and value not in ("model", "given"):
            problems.add(f"expected 'model' (priced by [costs]) or 'given' (the candidates' cost "
                         f"column), got {value!r}", column=column)  # fmt: skip
        elif key == "objective" and value not in ("coverage", "cover_all"):
            problems.add(f"expected 'coverage' (the most people within k or cost_budget) or "
                         f"'cover_all' (every village at least cost), got {value!r}", column=column)  # fmt: skip
        elif key == "technology" and normalise_technology(value) is None:
            problems.add(f"unknown technology {value!r}", column=column)
        elif key == "candidates":
            kinds = ("villages", "upgrades", "grid", "hilltops")
            names = [value] if isinstance(value, str) else value
            if not isinstance(names, list) or not all(isinstance(v, str) for v in names):
                problems.add(f"expected villages, upgrades, grid, hilltops or a file name, got {value!r}",
                             column=column)  # fmt: skip
                continue
            out[key] = [v if v in kinds else str((base / v).resolve()) for v in names]
        else:
            out[key] = normalise_technology(value) if key == "technology" else value
    return out


def _parse_antenna(problems: Problems, table: Any, base: Path) -> AntennaSettings:
    if not isinstance(table, Mapping):
        problems.add(f"expected a table, got {table!r}", column="model.antenna")
        return AntennaSettings()
    values: dict[str, Any] = {}
    for key, value in table.items():
        column = f"model.antenna.{key}"
        if key not in _ANTENNA_KEYS:
            problems.add(f"unknown setting {key!r}{_suggest(key, _ANTENNA_KEYS)}", column=column)
        elif key == "patterns":
            if not isinstance(value, Mapping):
                problems.add('expected a table of name = "file.msi"', column=column)
                continue
            patterns = {}
            for name, path in value.items():
                if not isinstance(path, str):
                    problems.add(f'expected a file name such as "panel.msi", got {path!r}',
                                 column=f"{column}.{name}")  # fmt: skip
                    continue
                patterns[normalise_technology(name) or name] = (base / path).resolve()
            values[key] = patterns
        else:
            number = _number(problems, column, value, positive=False, signed=key == "tilt_deg")
            if number is None:
                continue
            if key in ("beamwidth_deg", "vertical_beamwidth_deg") and not 0 < number <= 360:
                problems.add(f"expected degrees in (0, 360], got {number:g}", column=column)
            elif key == "back_reach" and not 0 <= number <= 1:
                problems.add(f"expected a share of the radius between 0 and 1, got {number:g}",
                             column=column)  # fmt: skip
            else:
                values[key] = number
    return AntennaSettings(**values)


def _parse_itm(problems: Problems, table: Any) -> ItmSettings:
    if not isinstance(table, Mapping):
        problems.add(f"expected a table, got {table!r}", column="model.itm")
        return ItmSettings()
    values: dict[str, Any] = {}
    for key, value in table.items():
        column = f"model.itm.{key}"
        if key not in _ITM_KEYS:
            problems.add(f"unknown setting {key!r}{_suggest(key, _ITM_KEYS)}", column=column)
        elif key == "climate":
            if isinstance(value, bool) or value not in ITM_CLIMATES:
                codes = ", ".join(f"{code} {name}" for code, name in ITM_CLIMATES.items())
                problems.add(f"expected NTIA's climate code ({codes}), got {value!r}", column=column)
            else:
                values[key] = int(value)
        elif key == "polarization":
            if value not in ("vertical", "horizontal"):
                problems.add(f"expected 'vertical' or 'horizontal', got {value!r}", column=column)
            else:
                values[key] = value
        elif key == "mdvar":
            if isinstance(value, bool) or not isinstance(value, int) or value % 10 not in range(4) \
                    or not 0 <= value < 40:
                problems.add(f"expected NTIA's variability mode (0-3, plus 10 and/or 20), got {value!r}",
                             column=column)  # fmt: skip
            else:
                values[key] = value
        else:
            number = _number(problems, column, value)
            if number is None:
                continue
            if key.endswith("_pct") and not 0 < number < 100:
                problems.add(f"expected a percentage strictly between 0 and 100, got {number:g}",
                             column=column)  # fmt: skip
            elif key == "n0" and not 250 <= number <= 400:
                problems.add(f"expected a surface refractivity of 250-400 N-units, got {number:g}",
                             column=column)  # fmt: skip
            elif key == "epsilon" and number < 1:
                problems.add(f"expected a relative permittivity of at least 1, got {number:g}",
                             column=column)  # fmt: skip
            else:
                values[key] = number
    return ItmSettings(**values)


def _parse_clutter(problems: Problems, table: Any) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    if not isinstance(table, Mapping):
        problems.add(f"expected a table of land-cover code = {{ ... }}, got {table!r}",
                     column="model.clutter")  # fmt: skip
        return out
    for code, entry in table.items():
        column = f"model.clutter.{code}"
        if not str(code).lstrip("-").isdigit():
            problems.add(f"expected a land-cover class code (a whole number such as 10), got {code!r}",
                         column=column)  # fmt: skip
            continue
        if not isinstance(entry, Mapping):
            problems.add('expected a table such as { kind = "trees", loss_db = 12 }', column=column)
            continue
        values: dict[str, Any] = {}
        for key, value in entry.items():
            if key not in _CLUTTER_KEYS:
                problems.add(f"unknown setting {key!r}{_suggest(key, _CLUTTER_KEYS)}",
                             column=f"{column}.{key}")  # fmt: skip
            elif key == "kind":
                if value not in CLUTTER_KINDS:
                    problems.add(f"unknown clutter kind {value!r}; expected one of "
                                 f"{', '.join(CLUTTER_KINDS)}", column=f"{column}.kind")  # fmt: skip
                else:
                    values[key] = value
            elif key == "name":
                values[key] = str(value)
            else:
                number = _number(problems, f"{column}.{key}", value, positive=False)
                if number is not None:
                    values[key] = number
        out[int(code)] = values
    return out


def _parse_model(problems: Problems, table: Mapping[str, Any], base: Path) -> ModelSettings:
    for key in table:
        if key not in _MODEL_KEYS:
            problems.add(f"unknown setting {key!r}{_suggest(key, _MODEL_KEYS)}", column=f"model.{key}")
    choices = {"kind": MODEL_KINDS, "formula": FORMULAS, "environment": ENVIRONMENTS,
               "diffraction": DIFFRACTIONS}  # fmt: skip
    picked = {}
    for key, allowed in choices.items():
        value = table.get(key, getattr(ModelSettings, key))
        if value not in allowed:
            problems.add(f"unknown {key} {value!r}; expected one of {', '.join(allowed)}",
                         column=f"model.{key}")  # fmt: skip
            value = getattr(ModelSettings, key)
        picked[key] = value
    numbers = {}
    for key in ("receiver_height_m", "k_factor", "worst_k_factor", "dem_resolution_m",
                "max_range_km", "location_sigma_db"):  # fmt: skip
        if key in table:
            number = _number(problems, f"model.{key}", table[key])
            if number is not None:
                numbers[key] = number
    if "reliability" in table:
        value = _number(problems, "model.reliability", table["reliability"])
        if value is not None and not 0.0 < value < 1.0:
            problems.add(f"expected a probability between 0 and 1 (0.5: the median; 0.9: nine "
                         f"times in ten), got {value:g}", column="model.reliability")  # fmt: skip
        elif value is not None:
            numbers["reliability"] = value
    if "calibration" in table:
        if isinstance(table["calibration"], str):
            numbers["calibration"] = (base / table["calibration"]).resolve()
        else:
            problems.add(f'expected a file name such as "calibration.toml", got '
                         f"{table['calibration']!r}", column="model.calibration")  # fmt: skip
    return ModelSettings(
        radius_km=_parse_radius(problems, table.get("radius", {})),
        antenna=_parse_antenna(problems, table.get("antenna", {}), base),
        clutter=_parse_clutter(problems, table.get("clutter", {})),
        itm=_parse_itm(problems, table.get("itm", {})),
        budgets=_parse_budgets(problems, table.get("budget", {})),
        **picked,
        **numbers,
    )


def _parse_report(problems: Problems, table: Any) -> ReportSettings:
    """``[report]``: texts, a number, a date and a list of recipients; every key optional."""
    if not isinstance(table, Mapping):
        problems.add("expected a [report] table", column="report")
        return ReportSettings()
    values: dict[str, Any] = {}
    for key, value in table.items():
        column = f"report.{key}"
        if key not in REPORT_KEYS:
            problems.add(f"unknown setting {key!r}{_suggest(key, REPORT_KEYS)}", column=column)
        elif key == "recipients":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.add(f"expected a list of texts such as [\"UBND tỉnh\", \"Lưu: VT\"], "
                             f"got {value!r}", column=column)  # fmt: skip
            else:
                values[key] = tuple(v.strip() for v in value if v.strip())
        elif key == "date":
            # TOML has dates (date = 2024-08-05); a quoted ISO date is accepted too.
            if isinstance(value, _date) and not isinstance(value, _datetime):
                values[key] = value
            else:
                try:
                    values[key] = _date.fromisoformat(value) if isinstance(value, str) else None
                except ValueError:
                    values[key] = None
                if values[key] is None:
                    problems.add(f"expected a date such as 2024-08-05, got {value!r}", column=column)
        elif key == "number" and isinstance(value, int) and not isinstance(value, bool):
            values[key] = str(value)
        elif not isinstance(value, str):
            problems.add(f"expected a text, got {value!r}", column=column)
        else:
            values[key] = value.strip()
    return ReportSettings(**values)


def project_from_dict(data: Mapping[str, Any], *, base_dir: Path, source: str = "project") -> Project:
    """Build a :class:`Project` from a parsed TOML mapping.

    Parameters
    ----------
    data : mapping
        What ``tomllib`` returned.
    base_dir : Path
        Folder that relative paths are relative to.
    source : str
        Name used in error messages.

    Raises
    ------
    InputError
        Listing every problem found.
    """
    problems = Problems(source)
    for key in data:
        if key not in _TOP_KEYS:
            problems.add(f"unknown setting {key!r}{_suggest(key, _TOP_KEYS)}", column=key)
    layers = _parse_layers(problems, base_dir, data.get("layers", {}), data.get("columns", {}))

    model_table = data.get("model", {})
    model = ModelSettings()
    if not isinstance(model_table, Mapping):
        problems.add("expected a [model] table", column="model")
    else:
        model = _parse_model(problems, model_table, base_dir)

    lang = data.get("lang", "vi")
    if lang not in _LANGS:
        problems.add(f"unknown language {lang!r}; expected 'vi' or 'en'", column="lang")
        lang = "vi"

    def section(name: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
        table = data.get(name, {})
        if not isinstance(table, Mapping):
            problems.add(f"expected a [{name}] table", column=name)
            return {}
        for key in table:
            if key not in keys:
                problems.add(f"unknown setting {key!r}{_suggest(key, keys)}", column=f"{name}.{key}")
        return table

    map_table = section("map", ("self_contained", "area_resolution_m"))
    self_contained = map_table.get("self_contained", True)
    if not isinstance(self_contained, bool):
        problems.add(f"expected true or false, got {self_contained!r}", column="map.self_contained")
        self_contained = True
    area_resolution = None
    if "area_resolution_m" in map_table:
        area_resolution = _number(problems, "map.area_resolution_m", map_table["area_resolution_m"])
    engine_table = section("engine", ("kind", "scheduler"))
    engine = engine_table.get("kind", "single")
    if engine not in ("single", "dask"):
        problems.add(f"unknown engine {engine!r}; expected 'single' or 'dask'", column="engine.kind")
        engine = "single"
    scheduler = engine_table.get("scheduler")
    if scheduler is not None and not isinstance(scheduler, str):
        problems.add(f"expected a scheduler address such as 'tcp://10.0.0.5:8786', got {scheduler!r}",
                     column="engine.scheduler")  # fmt: skip
        scheduler = None
    hex_table = section("hexagons", ("resolution",))
    hex_resolution = hex_table.get("resolution")
    if hex_resolution is not None and (isinstance(hex_resolution, bool)
                                       or not isinstance(hex_resolution, int)
                                       or not 0 <= hex_resolution <= 15):  # fmt: skip
        problems.add(f"expected an H3 resolution from 0 to 15, got {hex_resolution!r} (7: cells "
                     "of 5.16 km², 8: 0.737 km²)", column="hexagons.resolution")  # fmt: skip
        hex_resolution = None
    raster_table = section("rasters", ("write", "resolution_m", "technologies", "method"))
    rasters = RasterSettings()
    if "write" in raster_table and not isinstance(raster_table["write"], bool):
        problems.add(f"expected true or false, got {raster_table['write']!r}", column="rasters.write")
    resolution = _number(problems, "rasters.resolution_m", raster_table.get("resolution_m", 100.0))
    techs = raster_table.get("technologies")
    if techs is not None:
        if not isinstance(techs, list) or any(normalise_technology(t) is None for t in techs):
            problems.add(f"expected a list of technologies such as [\"4G\"], got {techs!r}",
                         column="rasters.technologies")  # fmt: skip
            techs = None
        else:
            techs = tuple(normalise_technology(t) for t in techs)
    raster_method = raster_table.get("method", RasterSettings.method)
    if raster_method not in RASTER_METHODS:
        problems.add(f"unknown method {raster_method!r}; expected one of {', '.join(RASTER_METHODS)}",
                     column="rasters.method")  # fmt: skip
        raster_method = RasterSettings.method
    rasters = RasterSettings(write=raster_table.get("write", False) is True,
                             resolution_m=resolution or 100.0, technologies=techs,
                             method=raster_method)  # fmt: skip
    postal = section("postal", ("max_distance_km",))
    broadband = section("broadband", ("reach_km",))
    validation = section("validation", ("snap_km",))
    post_max = postal.get("max_distance_km")
    if post_max is not None:
        post_max = _number(problems, "postal.max_distance_km", post_max)
    reach = _number(problems, "broadband.reach_km", broadband.get("reach_km", 2.0), positive=False)
    snap = _number(problems, "validation.snap_km", validation.get("snap_km", 2.0), positive=False)
    if data.get("crs") is not None and not isinstance(data["crs"], str | int):
        problems.add(f"expected a CRS such as 'EPSG:9210', got {data['crs']!r}", column="crs")
    output = data.get("output", "output")
    if not isinstance(output, str):
        problems.add(f"expected a folder name, got {output!r}", column="output")
        output = "output"
    scenarios = _parse_scenarios(problems, base_dir, data.get("scenarios", {}))
    siting = _parse_siting(problems, base_dir, data.get("siting", {}))
    report = _parse_report(problems, data.get("report", {}))
    costs = parse_costs(problems, data.get("costs", {}))
    capacity = parse_capacity(problems, data.get("capacity", {}))
    problems.raise_if_any()
    return Project(
        name=str(data.get("name", "whitezone project")),
        output=(base_dir / output).resolve(),
        layers=layers,
        model=model,
        crs=None if data.get("crs") is None else str(data["crs"]),
        lang=lang,
        post_max_distance_km=post_max,
        broadband_reach_km=reach if reach is not None else 2.0,
        snap_km=snap if snap is not None else 2.0,
        rasters=rasters,
        scenarios=scenarios,
        self_contained_map=self_contained,
        area_resolution_m=area_resolution,
        hexagon_resolution=hex_resolution,
        engine=engine,
        scheduler=scheduler,
        siting=siting,
        report=report,
        costs=costs,
        capacity=capacity,
    )


def read_project(path: str | Path) -> Project:
    """Read and validate a project file.

    Parameters
    ----------
    path : str or Path
        The TOML project file.

    Returns
    -------
    Project

    Raises
    ------
    InputError
        The file is missing, is not valid TOML (the message gives the line),
        or has unknown or invalid settings.
    """
    path = Path(path)
    if path.is_dir():
        found = sorted(p.name for p in path.glob("*.toml"))
        hint = f" such as {found[0]!r}" if found else ""
        raise InputError(Problem(str(path), f"is a folder; give the project file (TOML) in it{hint}"))
    if not path.is_file():
        raise InputError(Problem(str(path), "project file not found"))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(Problem(str(path), "the project file is not UTF-8 text")) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(Problem(str(path), f"not valid TOML: {exc}")) from None
    project = project_from_dict(data, base_dir=path.resolve().parent, source=str(path))
    return replace(project, path=path.resolve())
