"""Sources, model, parameters and definitions: what makes every figure traceable.

:func:`parameter_rows` lists every setting a run used — the layer files, the
metric CRS, the model with its radii or link budgets and thresholds, the
postal and broadband distances — once, with numbers kept as numbers.  The
HTML page prints them as text (:func:`parameters_table`); the workbook keeps
one number per cell (:func:`parameters_sheet`).  :func:`definitions` says
what "none", "weak" and "good" mean for the model that ran.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import Messages, format_short, value_label
from ..layers import COMMUNE_POST_OFFICE
from ..result import Result
from .tables import total_row

__all__ = ["definitions", "model_name", "parameter_rows", "parameters_sheet", "parameters_table"]

Row = tuple[str, tuple, tuple]


def model_name(kind: str, lang: str) -> str:
    """The model's name in ``lang``."""
    t = Messages(lang)
    return t(f"model.{kind}") if t.has(f"model.{kind}") else kind


def _text(value, t: Messages):
    """A parameter's value in words: ``("text", key[, fields])`` from the catalogue, else as it is."""
    if isinstance(value, tuple) and value and value[0] == "text":
        fields = {k: _field(v, t) for k, v in (value[2] if len(value) > 2 else {}).items()}
        return t(value[1], **fields)
    return value


def _field(value, t: Messages) -> str:
    """A field of a rule or a parameter: per-technology lists, catalogue texts, numbers."""
    if isinstance(value, list):  # (technology, number, unit) per technology
        return "; ".join(f"{tech}: {t.short(number)} {unit}".rstrip() for tech, number, unit in value)
    if isinstance(value, tuple) and value and value[0] == "text":
        return _text(value, t)
    if isinstance(value, str):
        return value
    return t.short(value)


class _Rows(list):
    """Rows of (setting, values, units) in one language."""

    def __init__(self, lang: str):
        super().__init__()
        self.t = Messages(lang)

    def add(self, key: str, values, unit="", **fields) -> None:
        values = values if isinstance(values, tuple) else (values,)
        units = unit if isinstance(unit, tuple) else (unit,) * len(values)
        if len(units) == 1 and len(values) > 1:
            units = units * len(values)
        self.append((self.t(key, **fields), tuple(_text(v, self.t) for v in values), units))


def parameter_rows(result: Result) -> list[Row]:
    """Every setting of the run: (setting, values, units), in the project's language.

    The model states its own settings
    (:meth:`~whitezone.models.CoverageModel.report_parameters`); the rest are
    the project's, the layers' files with their checksums, and the run.
    """
    p, layers = result.project, result.layers
    rows = _Rows(p.lang)
    rows.add("param.project", p.name)
    rows.add("param.project_file", str(p.path or ""))
    rows.add("param.metric_crs", f"{layers.crs.to_string()} ({layers.crs.name})")
    rows.add("param.storage_crs", "EPSG:4326 (WGS 84)")
    rows.add("param.model", model_name(result.model.kind, p.lang))
    model_rows = result.model.report_parameters(result.technologies, layers.sites)
    for par in model_rows:
        rows.add(par.key, tuple(par.values), tuple(par.units), **par.fields)
    if result.coverage is not None and not any(par.key == "param.area_method" for par in model_rows):
        rows.add("param.area_grid", result.coverage.grid.resolution_m)
    if layers.post_offices is not None:
        radius = float(total_row(result).get("service_radius_km", np.nan))
        rows.add("param.cpo_kind", value_label(COMMUNE_POST_OFFICE, p.lang))
        rows.add("param.radius_r", radius)
        if p.post_max_distance_km is not None:
            rows.add("param.post_far", p.post_max_distance_km)
    rows.add("param.bb_reach", p.broadband_reach_km)
    rows.add("param.snap", p.snap_km)
    for name, path in layers.sources.items():
        rows.add("param.layer", path, name=name, label=value_label(name, "vi"))
    rows.add("param.version", result.run.version)
    rows.add("param.run_id", f"{result.run.run_id} ({result.run.time})")
    for name, entry in layers.checksums.items():
        if "sha256" in entry:
            rows.add("param.input_checksum", entry["sha256"], name=name)
    return list(rows)


def _show(value, unit: str, lang: str) -> str:
    text = value if isinstance(value, str) else format_short(value, lang)
    return f"{text} {unit}" if unit else text


def parameters_table(result: Result) -> pd.DataFrame:
    """Sources, model and parameters as printed text: columns ``setting`` and ``value``.

    Parameters
    ----------
    result : Result

    Returns
    -------
    DataFrame
        One row per setting, numbers formatted for the project's language
        ("2,5 / 5" in Vietnamese, "2.5 / 5" in English).
    """
    lang = result.project.lang
    rows = []
    for setting, values, units in parameter_rows(result):
        if len(set(units)) == 1 and units[0]:
            value = " / ".join(_show(v, "", lang) for v in values) + f" {units[0]}"
        else:
            value = " / ".join(_show(v, u, lang) for v, u in zip(values, units, strict=True))
        rows.append((setting, value))
    return pd.DataFrame(rows, columns=["setting", "value"])


def parameters_sheet(result: Result) -> pd.DataFrame:
    """The parameters with one number per cell: setting, value, value_2, value_3, unit."""
    rows = []
    for setting, values, units in parameter_rows(result):
        rec = {"setting": setting, "value": values[0], "value_2": np.nan, "value_3": np.nan}
        for i, v in enumerate(values[1:3], start=2):
            rec[f"value_{i}"] = v
        rec["unit"] = " / ".join(dict.fromkeys(u for u in units if u))
        rows.append(rec)
    out = pd.DataFrame(rows, columns=["setting", "value", "value_2", "value_3", "unit"])
    return out.dropna(axis=1, how="all")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def definitions(result: Result) -> pd.DataFrame:
    """What each term of the report means for the model that ran: columns term, definition."""
    t = Messages(result.project.lang)
    rules = result.model.class_rules(result.technologies)
    good, weak, none = (_sentence(t(key, **{k: _field(v, t) for k, v in fields.items()}))
                        for key, fields in (rules["good"], rules["weak"], rules["none"]))  # fmt: skip
    reach = t.short(result.project.broadband_reach_km)
    rows = [(t("term.good"), good), (t("term.weak"), weak), (t("term.none"), none)]
    rows += [(t(f"term.{key}"), t(f"def.{key}", reach=reach))
             for key in ("any", "unclassified", "pct", "centre", "radius", "ppp", "bdvhx", "broadband")]
    return pd.DataFrame(rows, columns=["term", "definition"])
