"""The report: the indicator tables as a provincial report prints them.

``report.html`` is one self-contained, printable page; ``report.xlsx`` has one
sheet per level with numbers kept as numbers.  The data sources, the model and
its parameters are printed on both so every figure can be traced.
"""

from __future__ import annotations

import html
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import Result

__all__ = ["HEADLINE_COLUMNS", "parameters_table", "report_html", "report_sheets"]

#: Columns of the headline tables, in the order a provincial report uses.
HEADLINE_COLUMNS = (
    "communes", "villages", "population", "villages_none", "pct_none", "villages_weak", "pct_weak",
    "villages_good", "pct_good", "villages_unclassified", "population_none", "pct_population_none",
    "centers_covered", "post_points", "area_km2", "service_radius_km", "people_per_post",
    "communes_with_commune_post_office", "villages_no_broadband", "pct_no_broadband",
    "communes_with_broadband",
)  # fmt: skip

LABELS = {
    "en": {
        "title": "Mobile, postal and broadband coverage", "province": "Province",
        "districts": "Districts", "communes_t": "Communes", "repairs": "Input repairs and warnings",
        "parameters": "Sources and parameters", "district": "District", "commune": "Commune",
        "commune_id": "Commune code", "communes": "Communes", "villages": "Villages",
        "population": "Population", "villages_none": "Villages with no signal",
        "pct_none": "% no signal", "villages_weak": "Villages with weak signal",
        "pct_weak": "% weak", "villages_good": "Villages with good signal", "pct_good": "% good",
        "villages_unclassified": "Villages not classified", "population_none": "People with no signal",
        "pct_population_none": "% people with no signal", "centers_covered": "Commune centres covered",
        "center_class": "Commune centre signal", "post_points": "Postal points",
        "area_km2": "Area (km²)", "service_radius_km": "Average service radius (km)",
        "people_per_post": "People per postal point",
        "communes_with_commune_post_office": "Communes with a commune post office",
        "commune_post_office": "Commune post office", "villages_no_broadband":
        "Villages without fixed broadband", "pct_no_broadband": "% without fixed broadband",
        "communes_with_broadband": "Communes with fixed broadband",
        "center_broadband": "Fixed broadband at the centre", "generated": "Generated",
        "setting": "Setting", "value": "Value", "layer": "Layer", "kind": "Repair", "count": "Rows",
        "rows": "Where", "message": "What was done", "none_repairs": "No repair was needed.",
        "note": "Percentages are of all villages (people) of the area. Thresholds are settings, "
                "not official definitions: see the parameters below.",
    },
    "vi": {
        "title": "Hiện trạng phủ sóng di động, bưu chính và băng rộng cố định", "province": "Tỉnh",
        "districts": "Cấp huyện", "communes_t": "Cấp xã", "repairs": "Sửa lỗi và cảnh báo dữ liệu đầu vào",
        "parameters": "Nguồn dữ liệu và tham số", "district": "Huyện", "commune": "Xã",
        "commune_id": "Mã xã", "communes": "Số xã", "villages": "Số thôn, bản",
        "population": "Dân số", "villages_none": "Thôn chưa có sóng", "pct_none": "% chưa có sóng",
        "villages_weak": "Thôn sóng yếu", "pct_weak": "% sóng yếu", "villages_good": "Thôn sóng tốt",
        "pct_good": "% sóng tốt", "villages_unclassified": "Thôn chưa xác định",
        "population_none": "Dân số chưa có sóng", "pct_population_none": "% dân số chưa có sóng",
        "centers_covered": "Trung tâm xã có sóng", "center_class": "Sóng tại trung tâm xã",
        "post_points": "Điểm phục vụ bưu chính", "area_km2": "Diện tích (km²)",
        "service_radius_km": "Bán kính phục vụ bình quân (km)",
        "people_per_post": "Số dân phục vụ bình quân/điểm",
        "communes_with_commune_post_office": "Xã có điểm BĐ-VHX", "commune_post_office": "Có BĐ-VHX",
        "villages_no_broadband": "Thôn chưa có băng rộng cố định",
        "pct_no_broadband": "% chưa có băng rộng cố định",
        "communes_with_broadband": "Xã có băng rộng cố định",
        "center_broadband": "Băng rộng cố định tại trung tâm", "generated": "Ngày lập",
        "setting": "Tham số", "value": "Giá trị", "layer": "Lớp dữ liệu", "kind": "Loại sửa",
        "count": "Số dòng", "rows": "Vị trí", "message": "Đã xử lý", "none_repairs":
        "Không cần sửa dữ liệu.",
        "note": "Tỷ lệ tính trên tổng số thôn (dân số) của địa bàn. Ngưỡng phân loại là tham số "
                "cấu hình, không phải định nghĩa chính thức: xem bảng tham số.",
    },
}  # fmt: skip

_COMMUNE_COLUMNS = ("commune_id", "commune", "district", "villages", "population", "villages_none",
                    "pct_none", "villages_weak", "pct_weak", "villages_good", "pct_good",
                    "villages_unclassified", "center_class", "post_points", "commune_post_office",
                    "villages_no_broadband", "center_broadband")  # fmt: skip


def parameters_table(result: Result) -> pd.DataFrame:
    """Sources, model and parameters, so every figure can be traced."""
    p = result.project
    rows = [("project", p.name), ("project file", str(p.path or "")),
            ("metric CRS", result.layers.crs.to_string()), ("model", result.model.kind)]  # fmt: skip
    model = result.model
    if model.kind == "radius":
        for tech in result.technologies:
            good, weak = {**dict(p.model.radius_km)}.get(tech, (None, None))
            rows.append((f"radius {tech} (good / weak, km)", f"{good:g} / {weak:g}"))
    else:
        rows.append(("path-loss formula", f"{model.formula} ({model.environment})"))
        rows.append(("receiver height (m)", f"{model.receiver_height_m:g}"))
        for tech in result.technologies:
            b = model.budgets[tech]
            rows.append((f"{tech}: frequency / EIRP / antenna height (defaults)",
                         f"{b.frequency_mhz:g} MHz / {b.eirp_dbm:g} dBm / {b.height_m:g} m"))  # fmt: skip
            rows.append((f"{tech}: good / weak threshold", f"{b.good_dbm:g} / {b.weak_dbm:g} dBm"))
        if model.kind == "terrain":
            rows.append(("terrain diffraction", f"{model.diffraction} (ITU-R P.526), "
                         f"k = {model.k_factor:.3g}"))  # fmt: skip
            rows.append(("DEM grid", f"{model.dem.source}, {model.dem.resolution_m:.0f} m"))
    rows.append(("fixed broadband reach (km)", f"{p.broadband_reach_km:g}"))
    rows.append(("villages snapped to a commune within (km)", f"{p.snap_km:g}"))
    for name, path in result.layers.sources.items():
        rows.append((f"layer {name}", path))
    return pd.DataFrame(rows, columns=["setting", "value"])


def _levels(result: Result) -> list[tuple[str, pd.DataFrame]]:
    s = result.summaries
    prov = s.province[["province", *[c for c in HEADLINE_COLUMNS if c in s.province]]]
    out = [("province", prov)]
    if s.districts is not None:
        out.append(("districts", s.districts[["district", *[c for c in HEADLINE_COLUMNS
                                                              if c in s.districts]]]))  # fmt: skip
    out.append(("communes_t", s.communes[[c for c in _COMMUNE_COLUMNS if c in s.communes]]))
    return out


def report_sheets(result: Result, repairs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The report's tables for ``report.xlsx`` (sheet name -> table, headers translated)."""
    labels = LABELS[result.project.lang]
    sheets = {labels[key]: table.rename(columns=labels) for key, table in _levels(result)}
    sheets[labels["repairs"][:31]] = repairs.rename(columns=labels)
    sheets[labels["parameters"][:31]] = parameters_table(result).rename(columns=labels)
    return sheets


def _table(frame: pd.DataFrame, labels: dict[str, str]) -> str:
    def cell(v) -> str:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return ""
        if isinstance(v, bool):
            return "✓" if v else "✗"
        if isinstance(v, float):
            return f"{v:,.2f}" if not v.is_integer() else f"{v:,.0f}"
        if isinstance(v, int):
            return f"{v:,}"
        return html.escape(str(v))

    head = "".join(f"<th>{html.escape(labels.get(c, c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
        for row in frame.astype(object).itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_CSS = """
body{font-family:'Times New Roman',serif;margin:2em;color:#111}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #999}
table{border-collapse:collapse;font-size:0.82em;margin:0.5em 0}
th,td{border:1px solid #888;padding:2px 6px;text-align:right}
th{background:#eee;text-align:center}td:first-child,td:nth-child(2){text-align:left}
.note{font-size:0.85em;color:#444}
@media print{body{margin:0.5cm}h2{page-break-after:avoid}table{page-break-inside:auto}}
"""


def report_html(result: Result, repairs: pd.DataFrame) -> str:
    """A self-contained, printable HTML report (every text escaped)."""
    labels = LABELS[result.project.lang]
    parts = [
        f"<!DOCTYPE html><html lang='{result.project.lang}'><head><meta charset='utf-8'>",
        f"<title>{html.escape(result.project.name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(labels['title'])}<br>{html.escape(result.project.name)}</h1>",
        f"<p class='note'>{html.escape(labels['generated'])}: {date.today().isoformat()}. "
        f"{html.escape(labels['note'])}</p>",
    ]
    for key, table in _levels(result):
        parts.append(f"<h2>{html.escape(labels[key])}</h2>{_table(table, labels)}")
    parts.append(f"<h2>{html.escape(labels['repairs'])}</h2>")
    parts.append(_table(repairs, labels) if len(repairs) else
                 f"<p>{html.escape(labels['none_repairs'])}</p>")  # fmt: skip
    parts.append(f"<h2>{html.escape(labels['parameters'])}</h2>")
    parts.append(_table(parameters_table(result), labels))
    parts.append("</body></html>")
    return "\n".join(parts)
