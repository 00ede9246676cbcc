"""What a fund's arithmetic assumes: the ``[costs]`` and ``[capacity]`` tables.

Money (:class:`CostSettings`) and demand (:class:`CapacitySettings`) are
assumptions, not measurements, so every default comes from a named open
model and the report prints the set used.  A cost set is chosen with
``[costs] set``:

``"pytal"`` (default)
    Oughton's pytal (MIT, ``scripts/run.py`` and ``pytal/costs.py``):
    rural greenfield 4G — three sectors of antenna ($1,500) and remote radio
    ($4,000), baseband, router and cabinet, together $20,500; tower $10,000;
    civil works, transport and installation $5,000 each; power system
    $5,000; rent $1,000 a year; maintenance 10 % of capex a year; microwave
    $30,000 / $40,000 / $80,000 below 15 / 30 / 45 km; rural fiber $5 per m;
    discount rate 5 %, 10 years; profit margin 20 %; ARPU $2.5 a month
    (pytal's middle tier).
``"podis"``
    Oughton's podis (MIT): tower $10,000, rural rent $2,000 a year,
    microwave $10,000 / $20,000 / $40,000, rural fiber $10 per m.
``"giga"``
    UNICEF Giga's open cost model (``conf/countries/sample.json``,
    Apache-2.0): fiber $5,500 per km to build and $160 per km a year,
    at most 47 km; point-to-point radio $2,182 plus $979 of tower, at most
    65 km; satellite $467; solar $1.58 per W; grid energy $0.403 per kWh.
``"itu"``
    The ITU Connectivity Planning Platform's documentation (BSD-2): fiber
    along roads $20,000 per km plus $500, at most 50 km; point-to-point
    $3,000 within 30 km in line of sight; satellite $800; interest 2 %.

A set replaces only the figures its source gives; the rest are pytal's, or,
where no open model gives a figure, whitezone's own stated assumption
(:data:`ASSUMED`): masts scale with height from a 30 m tower; grid power
within 2 km at $10,000 per km of medium-voltage line and $2,000 to
connect; a site draws 1.5 kW (4G; 1.0 kW 2G, 1.2 kW 3G, 2.5 kW 5G); solar
sized for 4 peak sun hours with 25 % losses and two days of battery at
$300 per kWh; diesel 0.3 L per kWh at $1 per L; satellite backhaul for a
cell site $15,000 to install and $12,000 a year of capacity; fiber runs
1.3 × the straight line when no roads are given; microwave at 7 GHz needs
60 % of the first Fresnel zone clear at k = 4/3.

Amounts are in the set's currency (USD); ``currency = "VND"`` with
``exchange_rate`` (VND per USD) converts every default, and amounts the
user writes are read in the named currency.

Capacity (the ITU mobile network capacity checker's resource-block method
and the ITU Connectivity Planning Platform's demand): a 20 MHz LTE carrier
has 100 resource blocks of 12 subcarriers × 14 symbols a millisecond, 18 %
of them control; a user's bits per resource element follow the SINR to
CQI table (:data:`CQI_TABLE`: modulation bits × code rate, Ghosh and
Ratasuk, as the checker prints it); busy-hour demand is people × 0.25
users × 0.10 online at once × 2 Mbps, and 20 Mbps per school (Giga).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from .errors import Problems
from .technology import normalise_technology

__all__ = [
    "ASSUMED",
    "COST_SETS",
    "CQI_TABLE",
    "CapacitySettings",
    "CostSettings",
    "parse_capacity",
    "parse_costs",
]

#: SINR (dB) at which each CQI becomes usable -> (modulation bits, code rate).
#: The ITU capacity checker's table 1 (Ghosh and Ratasuk, *Essentials of LTE and LTE-A*).
CQI_TABLE: tuple[tuple[float, int, float], ...] = (
    (-6.7, 2, 0.076), (-4.7, 2, 0.12), (-2.3, 2, 0.19), (0.2, 2, 0.3), (2.4, 2, 0.44),
    (4.3, 2, 0.59), (5.9, 4, 0.37), (8.1, 4, 0.48), (10.3, 4, 0.6), (11.7, 6, 0.45),
    (14.1, 6, 0.55), (16.3, 6, 0.65), (18.7, 6, 0.75), (21.0, 6, 0.85), (22.7, 6, 0.93),
)  # fmt: skip

_TECHS = ("2G", "3G", "4G", "5G")


@dataclass(frozen=True)
class CostSettings:
    """The ``[costs]`` table: what a site costs to build and run, and what it earns.

    Amounts are in ``currency``; see the module for sources.

    Attributes
    ----------
    set : str
        Default parameter set: ``"pytal"``, ``"podis"``, ``"giga"`` or ``"itu"``.
    currency : str
        ISO code the amounts are in (``"USD"`` default).
    exchange_rate : float
        Units of ``currency`` per US dollar (1 for USD).
    radio : mapping
        Technology -> radio equipment of a new site (three sectors).
    tower_30m : float
        A 30 m tower; other heights scale linearly.
    civil_works : float
        Civil works, transport and installation of a new site.
    upgrade_works : float
        Installation of a new technology on an existing mast.
    rent_per_year : float
    maintenance_share : float
        Yearly maintenance as a share of capex.
    load_w : mapping
        Technology -> electrical load of a site carrying it.
    grid_max_km : float
        Grid power where a grid line is within this distance.
    grid_connection, grid_per_km : float
        Connecting to the grid, and each km of line to reach it.
    energy_per_kwh : float
        Grid energy.
    offgrid : str
        ``"solar"`` or ``"diesel"`` where the grid is out of reach.
    solar_per_w, battery_per_kwh : float
    peak_sun_hours, solar_losses, autonomy_days : float
        Solar sizing: array W = load × 24 / peak sun hours × (1 + losses),
        battery kWh = load × 24 h × autonomy days.
    generator : float
        Diesel generator and battery system.
    diesel_l_per_kwh, diesel_per_l : float
    fiber_per_km, fiber_fixed, fiber_per_km_year : float
        Fiber extension: per km, per link, and per km a year.
    fiber_max_km : float
        Longest fiber extension considered.
    detour_factor : float
        Fiber length over the straight line when no roads are given.
    microwave_tiers : tuple of (km, amount)
        A microwave link up to each distance costs the amount; beyond the
        last distance, no microwave.
    microwave_frequency_ghz, fresnel_clearance, k_factor : float
        The line-of-sight test of a microwave path.
    satellite, satellite_per_year : float
    discount_rate : float
    horizon_years : int
    arpu_per_month : float
        Average revenue per subscriber a month.
    penetration : float
        Subscribers per person covered.
    adoption : float
        Share of those subscribers the subsidised site's operator wins.
    margin : float
        Profit an operator requires over its NPV cost before building unaided.
    relay : bool
        Whether a site may take its microwave through another chosen site
        (which must then be chosen too).
    """

    set: str = "pytal"
    currency: str = "USD"
    exchange_rate: float = 1.0
    radio: Mapping[str, float] = field(default_factory=lambda: {
        "2G": 20_500.0, "3G": 20_500.0, "4G": 20_500.0, "5G": 30_750.0})  # fmt: skip
    tower_30m: float = 10_000.0
    civil_works: float = 15_000.0
    upgrade_works: float = 5_000.0
    rent_per_year: float = 1_000.0
    maintenance_share: float = 0.10
    load_w: Mapping[str, float] = field(default_factory=lambda: {
        "2G": 1_000.0, "3G": 1_200.0, "4G": 1_500.0, "5G": 2_500.0})  # fmt: skip
    grid_max_km: float = 2.0
    grid_connection: float = 2_000.0
    grid_per_km: float = 10_000.0
    energy_per_kwh: float = 0.403
    offgrid: str = "solar"
    solar_per_w: float = 1.58
    battery_per_kwh: float = 300.0
    peak_sun_hours: float = 4.0
    solar_losses: float = 0.25
    autonomy_days: float = 2.0
    generator: float = 5_000.0
    diesel_l_per_kwh: float = 0.3
    diesel_per_l: float = 1.0
    fiber_per_km: float = 5_000.0
    fiber_fixed: float = 0.0
    fiber_per_km_year: float = 160.0
    fiber_max_km: float = 47.0
    detour_factor: float = 1.3
    microwave_tiers: tuple[tuple[float, float], ...] = ((15.0, 30_000.0), (30.0, 40_000.0),
                                                        (45.0, 80_000.0))  # fmt: skip
    microwave_frequency_ghz: float = 7.0
    fresnel_clearance: float = 0.6
    k_factor: float = 4 / 3
    satellite: float = 15_000.0
    satellite_per_year: float = 12_000.0
    discount_rate: float = 0.05
    horizon_years: int = 10
    arpu_per_month: float = 2.5
    penetration: float = 0.6
    adoption: float = 0.5
    margin: float = 0.2
    relay: bool = True

    def annuity(self) -> float:
        """Present value of 1 a year for ``horizon_years`` years, paid at each year's end."""
        r, n = self.discount_rate, int(self.horizon_years)
        return float(n) if r == 0 else (1 - (1 + r) ** -n) / r

    def describe(self) -> dict[str, str]:
        """The settings as label -> text for the report (amounts in the currency, unrounded)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Mapping):
                value = ", ".join(f"{k} {v:g}" for k, v in value.items())
            elif isinstance(value, tuple):
                value = ", ".join(f"≤ {km:g} km {amount:g}" for km, amount in value)
            elif isinstance(value, float):
                value = f"{value:g}"
            out[f.name] = str(value)
        return out


#: Money fields scaled by the exchange rate (everything priced; not shares, hours, km).
_MONEY = ("tower_30m", "civil_works", "upgrade_works", "rent_per_year", "grid_connection",
          "grid_per_km", "energy_per_kwh", "solar_per_w", "battery_per_kwh", "generator",
          "diesel_per_l", "fiber_per_km", "fiber_fixed", "fiber_per_km_year", "satellite",
          "satellite_per_year", "arpu_per_month")  # fmt: skip

#: Each set's own figures (USD); the rest are pytal's (the defaults) or :data:`ASSUMED`.
COST_SETS: dict[str, dict[str, Any]] = {
    "pytal": {},
    "podis": {"tower_30m": 10_000.0, "rent_per_year": 2_000.0, "fiber_per_km": 10_000.0,
              "microwave_tiers": ((15.0, 10_000.0), (30.0, 20_000.0), (45.0, 40_000.0))},
    "giga": {"fiber_per_km": 5_500.0, "fiber_per_km_year": 160.0, "fiber_max_km": 47.0,
             "microwave_tiers": ((65.0, 3_161.0),), "satellite": 467.0, "solar_per_w": 1.58,
             "energy_per_kwh": 0.403},
    "itu": {"fiber_per_km": 20_000.0, "fiber_fixed": 500.0, "fiber_max_km": 50.0,
            "microwave_tiers": ((30.0, 3_000.0),), "satellite": 800.0, "discount_rate": 0.02},
}  # fmt: skip

#: Defaults no open model gives: whitezone's stated assumptions (printed in the report).
ASSUMED: tuple[str, ...] = ("upgrade_works", "load_w", "grid_max_km", "grid_connection",
                            "grid_per_km", "battery_per_kwh", "peak_sun_hours", "solar_losses",
                            "autonomy_days", "diesel_l_per_kwh", "diesel_per_l", "satellite",
                            "satellite_per_year", "detour_factor", "microwave_frequency_ghz",
                            "penetration", "adoption")  # fmt: skip


@dataclass(frozen=True)
class CapacitySettings:
    """The ``[capacity]`` table: whether coverage carries broadband.

    Attributes
    ----------
    technologies : tuple of str
        Technologies whose cells are checked (broadband ones).
    bandwidth_mhz : mapping
        Technology -> carrier bandwidth; 5 MHz of LTE = 25 resource blocks.
    control_overhead : float
        Share of resource elements spent on control.
    penetration : float
        Mobile-broadband users per person.
    busy_hour_share : float
        Share of users online at once at the busy hour.
    mbps_per_user : float
        What an online user needs.
    school_mbps : float
        What each school needs (Giga's target).
    noise_figure_db, interference_margin_db : float
        SINR = signal − (−174 dBm/Hz + 10 log10(bandwidth) + noise figure)
        − interference margin, where the model gives a signal; the bandwidth
        is that of the quantity the signal is (one resource element, 15 kHz,
        for 4G's RSRP; 30 kHz for 5G's SS-RSRP: :mod:`whitezone.capacity`).
    sinr_good_db, sinr_weak_db : float
        SINR assumed for villages of good and weak signal when the model
        gives no signal (the radius model): where CQI 11 (64QAM) and CQI 6
        (QPSK 0.59) begin, mid-range for RSRP at or above the good threshold
        (−100 dBm) and between the thresholds, by the noise of one resource
        element.
    sectors_per_site : int
        Cells a site given without cells has (and a new site): its carrier's
        blocks × this many, as a three-sector macro site has.
    """

    technologies: tuple[str, ...] = ("4G", "5G")
    bandwidth_mhz: Mapping[str, float] = field(default_factory=lambda: {"4G": 20.0, "5G": 20.0})
    control_overhead: float = 0.18
    penetration: float = 0.25
    busy_hour_share: float = 0.10
    mbps_per_user: float = 2.0
    school_mbps: float = 20.0
    noise_figure_db: float = 7.0
    interference_margin_db: float = 3.0
    sinr_good_db: float = 14.1
    sinr_weak_db: float = 4.3
    sectors_per_site: int = 3


def _suggest(key: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{hint}; allowed: {', '.join(allowed)}"


def _number(problems: Problems, column: str, value: Any, *, low: float = 0.0,
            high: float = math.inf, low_open: bool = False) -> float | None:  # fmt: skip
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.add(f"expected a number, got {value!r}", column=column)
        return None
    if value < low or (low_open and value == low) or value > high:
        span = f"{'above' if low_open else 'at least'} {low:g}"
        if high != math.inf:
            span += f" and at most {high:g}"
        problems.add(f"expected a number {span}, got {value!r}", column=column)
        return None
    return float(value)


def _per_technology(problems: Problems, column: str, value: Any) -> dict[str, float] | None:
    if not isinstance(value, Mapping):
        problems.add(f'expected a table of technology = number such as {{ "4G" = 20 }}, got {value!r}',
                     column=column)  # fmt: skip
        return None
    out = {}
    for name, number in value.items():
        tech = normalise_technology(str(name))
        if tech is None:
            problems.add(f"unknown technology {name!r}; expected one of {', '.join(_TECHS)}",
                         column=f"{column}.{name}")  # fmt: skip
            continue
        parsed = _number(problems, f"{column}.{name}", number)
        if parsed is not None:
            out[tech] = parsed
    return out


_SHARES = ("maintenance_share", "solar_losses", "fresnel_clearance", "discount_rate",
           "penetration", "adoption", "margin")  # fmt: skip
_COST_KEYS = tuple(f.name for f in fields(CostSettings))


def parse_costs(problems: Problems, table: Any) -> CostSettings:
    """Read ``[costs]``: the set, currency and any figure to replace; every problem reported.

    Parameters
    ----------
    problems : Problems
        Where problems are collected (the project file's).
    table : mapping
        The ``[costs]`` table (empty: the defaults).

    Returns
    -------
    CostSettings
    """
    if not isinstance(table, Mapping):
        problems.add(f"expected a [costs] table, got {table!r}", column="costs")
        return CostSettings()
    for key in table:
        if key not in _COST_KEYS:
            problems.add(f"unknown setting {key!r}{_suggest(key, _COST_KEYS)}", column=f"costs.{key}")
    name = table.get("set", "pytal")
    if name not in COST_SETS:
        problems.add(f"unknown cost set {name!r}; expected one of {', '.join(COST_SETS)}",
                     column="costs.set")  # fmt: skip
        name = "pytal"
    currency = table.get("currency", "USD")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
        problems.add(f"expected a three-letter currency code such as 'USD' or 'VND', got {currency!r}",
                     column="costs.currency")  # fmt: skip
        currency = "USD"
    currency = currency.upper()
    rate = 1.0
    if currency != "USD":
        if "exchange_rate" not in table:
            problems.add(f"amounts in {currency} need exchange_rate = {currency} per US dollar "
                         "(e.g. exchange_rate = 25400 for VND)", column="costs.exchange_rate")  # fmt: skip
        else:
            rate = _number(problems, "costs.exchange_rate", table["exchange_rate"], low_open=True) or 1.0
    elif "exchange_rate" in table and table["exchange_rate"] != 1:
        problems.add(f"exchange_rate {table['exchange_rate']!r} with currency USD; write the currency "
                     "the amounts are in, e.g. currency = \"VND\"", column="costs.exchange_rate")  # fmt: skip
    base = replace(CostSettings(), **COST_SETS[name])
    values: dict[str, Any] = {f: getattr(base, f) * rate for f in _MONEY}
    values["radio"] = {k: v * rate for k, v in base.radio.items()}
    values["microwave_tiers"] = tuple((km, amount * rate) for km, amount in base.microwave_tiers)
    for key, value in table.items():
        column = f"costs.{key}"
        if key in ("set", "currency", "exchange_rate") or key not in _COST_KEYS:
            continue
        if key in ("radio", "load_w"):
            parsed = _per_technology(problems, column, value)
            if parsed is not None:
                values[key] = {**values.get(key, getattr(base, key)), **parsed}
        elif key == "microwave_tiers":
            tiers = _tiers(problems, column, value)
            if tiers is not None:
                values[key] = tiers
        elif key == "offgrid":
            if value not in ("solar", "diesel"):
                problems.add(f"unknown off-grid power {value!r}; expected 'solar' or 'diesel'", column=column)
            else:
                values[key] = value
        elif key == "relay":
            if not isinstance(value, bool):
                problems.add(f"expected true or false, got {value!r}", column=column)
            else:
                values[key] = value
        elif key == "horizon_years":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 50:
                problems.add(f"expected a whole number of years from 1 to 50, got {value!r}", column=column)
            else:
                values[key] = value
        else:
            high = 1.0 if key in _SHARES and key not in ("margin", "discount_rate") else math.inf
            number = _number(problems, column, value, low_open=key in ("detour_factor", "k_factor",
                                                                        "microwave_frequency_ghz",
                                                                        "peak_sun_hours"),
                             high=high)  # fmt: skip
            if number is not None:
                if key == "detour_factor" and number < 1:
                    problems.add(f"expected a detour factor of at least 1, got {number:g}", column=column)
                else:
                    values[key] = number
    return replace(base, set=name, currency=currency, exchange_rate=rate, **values)


def _tiers(problems: Problems, column: str, value: Any) -> tuple[tuple[float, float], ...] | None:
    example = "[[15, 30000], [30, 40000], [45, 80000]]"
    if not isinstance(value, list) or not value:
        problems.add(f"expected a list of [up_to_km, amount] pairs such as {example}, got {value!r}",
                     column=column)  # fmt: skip
        return None
    out = []
    for pair in value:
        if not (isinstance(pair, list) and len(pair) == 2):
            problems.add(f"expected [up_to_km, amount], got {pair!r}", column=column)
            return None
        km = _number(problems, column, pair[0], low_open=True)
        amount = _number(problems, column, pair[1])
        if km is None or amount is None:
            return None
        out.append((km, amount))
    if any(b[0] <= a[0] for a, b in zip(out, out[1:], strict=False)):
        problems.add(f"expected distances in increasing order, got {value!r}", column=column)
        return None
    return tuple(out)


_CAPACITY_KEYS = tuple(f.name for f in fields(CapacitySettings))


def parse_capacity(problems: Problems, table: Any) -> CapacitySettings:
    """Read ``[capacity]``; every problem reported.

    Shares are from 0 to 1, but a control overhead below 1 (at 1 no cell
    carries anything); bandwidths above 0; a technology named twice is
    checked once.  The check itself is :func:`whitezone.capacity.capacity_check`.

    Parameters
    ----------
    problems : Problems
    table : mapping

    Returns
    -------
    CapacitySettings
    """
    if not isinstance(table, Mapping):
        problems.add(f"expected a [capacity] table, got {table!r}", column="capacity")
        return CapacitySettings()
    values: dict[str, Any] = {}
    for key, value in table.items():
        column = f"capacity.{key}"
        if key not in _CAPACITY_KEYS:
            problems.add(f"unknown setting {key!r}{_suggest(key, _CAPACITY_KEYS)}", column=column)
        elif key == "technologies":
            names = [value] if isinstance(value, str) else value
            techs = [normalise_technology(str(t)) for t in names] if isinstance(names, list) else [None]
            if None in techs:
                problems.add(f"expected technologies such as [\"4G\"], got {value!r}; known: "
                             f"{', '.join(_TECHS)}", column=column)  # fmt: skip
            else:
                values[key] = tuple(dict.fromkeys(techs))
        elif key == "bandwidth_mhz":
            parsed = _per_technology(problems, column, value)
            for tech, mhz in list((parsed or {}).items()):
                if mhz <= 0:
                    problems.add(f"expected a bandwidth above 0 MHz, got {mhz:g}", column=f"{column}.{tech}")
                    del parsed[tech]
            if parsed is not None:
                values[key] = {**CapacitySettings().bandwidth_mhz, **parsed}
        elif key == "sectors_per_site":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 12:
                problems.add(f"expected a whole number of sectors from 1 to 12, got {value!r}", column=column)
            else:
                values[key] = value
        elif key in ("sinr_good_db", "sinr_weak_db"):
            number = _number(problems, column, value, low=-50, high=50)
            if number is not None:
                values[key] = number
        else:
            high = 1.0 if key in ("control_overhead", "penetration", "busy_hour_share") else math.inf
            number = _number(problems, column, value, high=high)
            if number is not None and key == "control_overhead" and number >= 1:
                problems.add(f"expected a control overhead below 1, got {number:g}", column=column)
            elif number is not None:
                values[key] = number
    out = CapacitySettings(**values)
    missing = [t for t in out.technologies if t not in out.bandwidth_mhz]
    if missing:
        problems.add(f"no bandwidth for {', '.join(missing)}; add it under bandwidth_mhz",
                     column="capacity.bandwidth_mhz")  # fmt: skip
    if out.sinr_weak_db > out.sinr_good_db:
        problems.add(f"sinr_weak_db {out.sinr_weak_db:g} is above sinr_good_db {out.sinr_good_db:g}",
                     column="capacity.sinr_weak_db")  # fmt: skip
    return out
