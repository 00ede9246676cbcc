"""Sources, model, parameters and definitions: what makes every figure traceable.

:func:`parameter_rows` lists every setting a run used — the layer files, the
metric CRS, the model with its radii or link budgets and thresholds, the
postal and broadband distances — once, with numbers kept as numbers.  The
HTML page prints them as text (:func:`parameters_table`); the workbook keeps
one number per cell (:func:`parameters_sheet`).  :func:`definitions` says
what "none", "weak" and "good" mean for the model that ran.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import __version__
from ..layers import COMMUNE_POST_OFFICE
from .labels import value_label
from .numbers import format_short

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import Result

__all__ = ["definitions", "parameter_rows", "parameters_sheet", "parameters_table"]

_MODELS = {
    "radius": ("bán kính (radius)", "radius"),
    "pathloss": ("suy hao đường truyền (pathloss)", "path loss (pathloss)"),
    "terrain": ("suy hao đường truyền và địa hình (terrain)", "path loss and terrain (terrain)"),
}

#: Path-loss formulas as the definitions name them.
FORMULAS = {
    "auto": "extended Hata (ITU-R SM.2028), free space at short range",
    "hata": "Okumura-Hata",
    "cost231": "COST-231-Hata",
    "extended_hata": "extended Hata (ITU-R SM.2028)",
    "free_space": "free space",
}

Row = tuple[str, tuple, tuple]


def model_name(kind: str, lang: str) -> str:
    """The model's name in ``lang``."""
    vi, en = _MODELS.get(kind, (kind, kind))
    return vi if lang == "vi" else en


class _Rows(list):
    """Rows of (setting, values, units) in one language."""

    def __init__(self, lang: str):
        super().__init__()
        self.lang = lang

    def add(self, vi: str, en: str, values, unit="") -> None:
        values = values if isinstance(values, tuple) else (values,)
        units = unit if isinstance(unit, tuple) else (unit,) * len(values)
        self.append((vi if self.lang == "vi" else en, values, units))


def _model_rows(rows: _Rows, result: Result) -> None:
    p, model, sites = result.project, result.model, result.layers.sites
    if model.kind == "radius":
        table = dict(p.model.radius_km)
        for tech in result.technologies:
            good, weak = table.get(tech, (np.nan, np.nan))
            rows.add(f"Bán kính {tech} (sóng tốt / tối đa, km)", f"radius {tech} (good / weak, km)",
                     (good, weak))
        own = sites.get("radius_km")
        if own is not None and own.notna().any():
            rows.add("Số trạm có bán kính riêng (cột radius_km)",
                     "site-technologies with their own radius_km", int(own.notna().sum()))
        rows.add("Cách tính diện tích có sóng", "area with signal",
                 "hợp các hình tròn bán kính tối đa, tính chính xác" if rows.lang == "vi"
                 else "exact union of the weak-radius discs")  # fmt: skip
        return
    rows.add("Công thức suy hao (môi trường)", "path-loss formula",
             f"{model.formula} ({model.environment})")  # fmt: skip
    rows.add("Độ cao máy thu (m)", "receiver height (m)", model.receiver_height_m)
    rows.add("Khoảng cách tính tối đa (km)", "maximum link distance (km)", model.max_range_km)
    for tech in result.technologies:
        b = model.budgets[tech]
        rows.add(f"{tech}: tần số / EIRP / độ cao anten (mặc định)",
                 f"{tech}: frequency / EIRP / antenna height (defaults)",
                 (b.frequency_mhz, b.eirp_dbm, b.height_m), ("MHz", "dBm", "m"))  # fmt: skip
        rows.add(f"{tech}: ngưỡng sóng tốt / sóng yếu", f"{tech}: good / weak threshold",
                 (b.good_dbm, b.weak_dbm), "dBm")  # fmt: skip
    if model.kind == "terrain":
        rows.add("Nhiễu xạ địa hình", "terrain diffraction",
                 f"{model.diffraction} (ITU-R P.526), k = {model.k_factor:.3g}")  # fmt: skip
        if model.dem is not None:
            rows.add("Lưới DEM (m)", "DEM grid (m)", model.dem.resolution_m)
    coverage = getattr(result, "coverage", None)
    if coverage is not None:
        grid = coverage.grid.resolution_m
        rows.add("Lưới tính diện tích có sóng (m)", "area with signal: grid (m)", grid)


def parameter_rows(result: Result) -> list[Row]:
    """Every setting of the run: (setting, values, units), in the project's language.

    English settings are named as in earlier reports ("radius 4G (good / weak,
    km)", "4G: good / weak threshold").
    """
    from .tables import total_row

    p, layers = result.project, result.layers
    rows = _Rows(p.lang)
    rows.add("Tên dự án", "project", p.name)
    rows.add("Tệp dự án", "project file", str(p.path or ""))
    rows.add("Hệ tọa độ tính khoảng cách, diện tích", "metric CRS",
             f"{layers.crs.to_string()} ({layers.crs.name})")  # fmt: skip
    rows.add("Hệ tọa độ lưu trữ và bản đồ", "storage CRS", "EPSG:4326 (WGS 84)")
    rows.add("Mô hình phủ sóng", "model", model_name(result.model.kind, p.lang))
    _model_rows(rows, result)
    if layers.post_offices is not None:
        radius = float(total_row(result).get("service_radius_km", np.nan))
        rows.add("Loại điểm tính là BĐ-VHX", "postal kind counted as BĐ-VHX", COMMUNE_POST_OFFICE)
        rows.add("Bán kính R dùng để đếm thôn, bản xa điểm bưu chính (km)",
                 "service radius R for villages beyond R (km)", radius)  # fmt: skip
        if p.post_max_distance_km is not None:
            rows.add("Khoảng cách tới điểm bưu chính được kiểm tra (km)",
                     "postal distance checked (km)", p.post_max_distance_km)  # fmt: skip
    rows.add("Phạm vi băng rộng cố định từ tuyến cáp quang (km)", "fixed broadband reach (km)",
             p.broadband_reach_km)  # fmt: skip
    rows.add("Thôn, bản ngoài ranh giới được gán vào xã gần nhất trong phạm vi (km)",
             "villages snapped to a commune within (km)", p.snap_km)  # fmt: skip
    for name, path in layers.sources.items():
        rows.add(f"Lớp {value_label(name, 'vi')} ({name})", f"layer {name}", path)
    rows.add("Phiên bản whitezone", "whitezone version", __version__)
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


def _per_tech(result: Result, values: dict[str, float], unit: str, lang: str) -> str:
    return "; ".join(f"{t}: {format_short(values[t], lang)} {unit}" for t in result.technologies
                     if t in values)  # fmt: skip


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _class_rules(result: Result, vi: bool) -> tuple[str, str, str]:
    """What good, weak and none mean for the model that ran."""
    lang, model = result.project.lang, result.model
    if model.kind == "radius":
        radii = dict(result.project.model.radius_km)
        good = _per_tech(result, {t: r[0] for t, r in radii.items()}, "km", lang)
        weak = _per_tech(result, {t: r[1] for t, r in radii.items()}, "km", lang)
        if vi:
            return (f"trong bán kính sóng tốt của ít nhất một trạm BTS đang hoạt động ({good})",
                    "ngoài bán kính sóng tốt nhưng trong bán kính tối đa của ít nhất một trạm "
                    f"({weak})", "ngoài bán kính tối đa của mọi trạm đang hoạt động")  # fmt: skip
        return (f"within the good radius of at least one active site ({good})",
                f"beyond every good radius but within the weak radius of a site ({weak})",
                "beyond the weak radius of every active site")  # fmt: skip
    budgets = model.budgets
    good = _per_tech(result, {t: budgets[t].good_dbm for t in budgets}, "dBm", lang)
    weak = _per_tech(result, {t: budgets[t].weak_dbm for t in budgets}, "dBm", lang)
    terrain = model.kind == "terrain"
    formula = FORMULAS.get(model.formula, model.formula)
    if vi:
        how = f"công thức {formula}" + (" và nhiễu xạ địa hình (DEM)" if terrain else "")
        return (f"mức thu từ trạm tốt nhất ≥ ngưỡng sóng tốt ({good}); tính theo {how}",
                f"mức thu dưới ngưỡng sóng tốt nhưng ≥ ngưỡng sóng yếu ({weak})",
                "mức thu dưới ngưỡng sóng yếu từ mọi trạm, hoặc xa hơn khoảng cách tính tối đa")
    how = formula + (" plus terrain diffraction (DEM)" if terrain else "")
    return (f"best received signal ≥ the good threshold ({good}); path loss by {how}",
            f"below the good threshold but ≥ the weak threshold ({weak})",
            "below the weak threshold from every site, or beyond the maximum distance")  # fmt: skip


def definitions(result: Result) -> pd.DataFrame:
    """What each term of the report means for the model that ran: columns term, definition."""
    vi = result.project.lang == "vi"
    good, weak, none = (_sentence(rule) for rule in _class_rules(result, vi))
    reach = format_short(result.project.broadband_reach_km, result.project.lang)
    pairs = [
        ("Sóng tốt", "Good signal", good, good),
        ("Sóng yếu", "Weak signal", weak, weak),
        ("Chưa có sóng (trắng sóng)", "No signal (white zone)", none, none),
        ("Mọi công nghệ", "Any technology", "Lớp sóng tốt nhất trong các công nghệ.",
         "The best class over the technologies."),
        ("Chưa xác định", "Not classified",
         "Thôn, bản không xác định được sóng (ví dụ không có tọa độ); vẫn được tính vào tổng số.",
         "Villages that could not be classified (e.g. no coordinates); still counted."),
        ("Tỷ lệ (%)", "Percentages",
         "Tính trên tổng số thôn, bản (hoặc dân số) của địa bàn, kể cả chưa xác định.",
         "Of all villages (or people) of the area, the unclassified ones included."),
        ("Trung tâm xã có sóng", "Commune centre covered",
         "Điểm trung tâm xã (theo dữ liệu, nếu không có thì là một điểm bên trong xã) có sóng "
         "tốt hoặc sóng yếu.",
         "The commune centre point (given, else a point inside the commune) has good or weak "
         "signal."),
        ("Bán kính phục vụ bình quân", "Average service radius",
         "R = √(S/(π·N)): S diện tích (km²), N số điểm phục vụ bưu chính.",
         "R = √(S/(π·N)): S area (km²), N postal points."),
        ("Số dân phục vụ bình quân", "People per postal point",
         "P/N: P dân số, N số điểm phục vụ bưu chính.", "P/N: P population, N postal points."),
        ("BĐ-VHX", "BĐ-VHX", "Điểm bưu điện văn hóa xã (loại điểm \"commune post office\").",
         "Commune cultural post office (kind \"commune post office\")."),
        ("Internet băng rộng cố định", "Fixed broadband",
         f"Theo cột fixed_broadband, hoặc trong phạm vi {reach} km từ tuyến cáp quang.",
         f"As the fixed_broadband column says, or within {reach} km of the fiber network."),
    ]  # fmt: skip
    rows = [(t_vi, d_vi) if vi else (t_en, d_en) for t_vi, t_en, d_vi, d_en in pairs]
    return pd.DataFrame(rows, columns=["term", "definition"])
