"""Column headers and value names of the report, in Vietnamese and English.

Every column the report shows or writes has a full label (the xlsx header,
and the HTML header when it stands alone).  In the HTML tables, a count and
its percentage share a two-row header: a group ("Chưa có sóng") over short
sub-headers ("Số thôn", "%").  Terms follow DESIGN §2: *thôn, bản*, *xã*,
*huyện*, *tỉnh*, *chưa có sóng* (trắng sóng), *sóng yếu*, *BĐ-VHX*, *bán kính
phục vụ bình quân*, *số dân phục vụ bình quân*.
"""

from __future__ import annotations

import re

__all__ = [
    "COLUMNS",
    "REPAIR_EXPLANATIONS",
    "TECH_SUFFIX",
    "column_label",
    "column_labels",
    "header",
    "value_label",
]

#: Column -> (Vietnamese, English) full label.
COLUMNS: dict[str, tuple[str, str]] = {
    # who and where
    "stt": ("STT", "No."),
    "province": ("Tỉnh", "Province"),
    "district": ("Huyện", "District"),
    "commune": ("Xã, phường, thị trấn", "Commune"),
    "commune_id": ("Mã xã", "Commune code"),
    "operator": ("Doanh nghiệp", "Operator"),
    "technology": ("Công nghệ", "Technology"),
    "kind": ("Loại điểm", "Kind"),
    "post_kind": ("Loại điểm phục vụ bưu chính", "Kind of postal point"),
    "level": ("Cấp", "Level"),
    "area": ("Địa bàn", "Area"),
    "indicator": ("Chỉ tiêu", "Indicator"),
    "number": ("Số lượng", "Number"),
    "of_total": ("Trên tổng số", "Of"),
    "pct": ("Tỷ lệ (%)", "Percent (%)"),
    # mobile
    "communes": ("Số xã", "Communes"),
    "villages": ("Số thôn, bản", "Villages"),
    "population": ("Dân số (người)", "Population"),
    "villages_none": ("Số thôn, bản chưa có sóng", "Villages with no signal"),
    "pct_none": ("Tỷ lệ thôn, bản chưa có sóng (%)", "Villages with no signal (%)"),
    "villages_weak": ("Số thôn, bản sóng yếu", "Villages with weak signal"),
    "pct_weak": ("Tỷ lệ thôn, bản sóng yếu (%)", "Villages with weak signal (%)"),
    "villages_good": ("Số thôn, bản sóng tốt", "Villages with good signal"),
    "pct_good": ("Tỷ lệ thôn, bản sóng tốt (%)", "Villages with good signal (%)"),
    "villages_unclassified": ("Số thôn, bản chưa xác định", "Villages not classified"),
    "pct_unclassified": ("Tỷ lệ thôn, bản chưa xác định (%)", "Villages not classified (%)"),
    "population_none": ("Dân số chưa có sóng (người)", "People with no signal"),
    "pct_population_none": ("Tỷ lệ dân số chưa có sóng (%)", "People with no signal (%)"),
    "population_weak": ("Dân số sóng yếu (người)", "People with weak signal"),
    "pct_population_weak": ("Tỷ lệ dân số sóng yếu (%)", "People with weak signal (%)"),
    "population_good": ("Dân số sóng tốt (người)", "People with good signal"),
    "pct_population_good": ("Tỷ lệ dân số sóng tốt (%)", "People with good signal (%)"),
    "population_unclassified": ("Dân số chưa xác định (người)", "People not classified"),
    "centers_covered": ("Số trung tâm xã có sóng", "Commune centres with signal"),
    "pct_centers_covered": ("Tỷ lệ trung tâm xã có sóng (%)", "Commune centres with signal (%)"),
    "centers_good": ("Số trung tâm xã sóng tốt", "Commune centres with good signal"),
    "pct_centers_good": ("Tỷ lệ trung tâm xã sóng tốt (%)", "Commune centres with good signal (%)"),
    "center_class": ("Sóng tại trung tâm xã", "Signal at the commune centre"),
    "area_km2": ("Diện tích tự nhiên (km²)", "Area (km²)"),
    "area_covered_km2": ("Diện tích có sóng (km²)", "Area with signal (km²)"),
    "pct_area_covered": ("Tỷ lệ diện tích có sóng (%)", "Area with signal (%)"),
    "sites": ("Số vị trí trạm BTS", "Cell sites"),
    "site_technologies": ("Số trạm BTS (theo công nghệ)", "Site-technologies"),
    # postal
    "post_points": ("Số điểm phục vụ bưu chính (N)", "Postal points (N)"),
    "service_radius_km": ("Bán kính phục vụ bình quân R (km)", "Average service radius R (km)"),
    "people_per_post": ("Số dân phục vụ bình quân (người/điểm)", "People per postal point (P/N)"),
    "commune_post_office": ("Có điểm BĐ-VHX", "Has a commune post office (BĐ-VHX)"),
    "communes_with_commune_post_office": ("Số xã có điểm BĐ-VHX", "Communes with a BĐ-VHX"),
    "pct_communes_with_commune_post_office": ("Tỷ lệ xã có điểm BĐ-VHX (%)",
                                              "Communes with a BĐ-VHX (%)"),
    "villages_beyond_service_radius": ("Số thôn, bản xa điểm bưu chính hơn R",
                                       "Villages farther than R from a postal point"),
    "pct_beyond_service_radius": ("Tỷ lệ thôn, bản xa điểm bưu chính hơn R (%)",
                                  "Villages farther than R from a postal point (%)"),
    "villages_far_from_post": ("Số thôn, bản xa điểm bưu chính hơn {far} km",
                               "Villages farther than {far} km from a postal point"),
    "pct_far_from_post": ("Tỷ lệ thôn, bản xa điểm bưu chính hơn {far} km (%)",
                          "Villages farther than {far} km from a postal point (%)"),
    # fixed broadband
    "villages_no_broadband": ("Số thôn, bản chưa có Internet băng rộng cố định",
                              "Villages without fixed broadband"),
    "pct_no_broadband": ("Tỷ lệ thôn, bản chưa có Internet băng rộng cố định (%)",
                         "Villages without fixed broadband (%)"),
    "communes_with_broadband": ("Số xã có Internet băng rộng cố định",
                                "Communes with fixed broadband"),
    "pct_communes_with_broadband": ("Tỷ lệ xã có Internet băng rộng cố định (%)",
                                    "Communes with fixed broadband (%)"),
    "center_broadband": ("Trung tâm xã có Internet băng rộng cố định",
                         "Fixed broadband at the commune centre"),
    # points of interest
    "pois": ("Tổng số điểm", "Points"),
    "pois_covered": ("Số điểm có sóng di động", "Points with mobile signal"),
    "pct_pois_covered": ("Tỷ lệ điểm có sóng di động (%)", "Points with mobile signal (%)"),
    "pois_good": ("Số điểm sóng tốt", "Points with good signal"),
    "pct_pois_good": ("Tỷ lệ điểm sóng tốt (%)", "Points with good signal (%)"),
    "pois_none": ("Số điểm chưa có sóng", "Points with no signal"),
    "pois_broadband": ("Số điểm có Internet băng rộng cố định", "Points with fixed broadband"),
    "pct_pois_broadband": ("Tỷ lệ điểm có Internet băng rộng cố định (%)",
                           "Points with fixed broadband (%)"),
    # input data, parameters
    "layer": ("Lớp dữ liệu", "Layer"),
    "row_count": ("Số bản ghi", "Records"),
    "read_as": ("Hệ tọa độ của tệp", "Read as"),
    "source": ("Tệp dữ liệu", "File"),
    "repair": ("Loại xử lý", "Repair"),
    "count": ("Số dòng", "Rows"),
    "rows": ("Vị trí (dòng)", "Where"),
    "explanation": ("Giải thích", "Explanation"),
    "message": ("Nội dung (tiếng Anh)", "What was done"),
    "setting": ("Tham số", "Setting"),
    "value": ("Giá trị", "Value"),
    "value_2": ("Giá trị 2", "Value 2"),
    "unit": ("Đơn vị", "Unit"),
    "term": ("Thuật ngữ", "Term"),
    "definition": ("Định nghĩa", "Definition"),
}  # fmt: skip

#: Suffix of the per-technology columns (``villages_none_4g``).
TECH_SUFFIX = re.compile(r"^(?P<base>.+)_(?P<tech>[2-5]g)$")

#: Column -> group key of the two-row HTML header (its tech suffix removed).
_GROUP_OF = {
    "villages_none": "none", "pct_none": "none", "pois_none": "none",
    "villages_weak": "weak", "pct_weak": "weak",
    "villages_good": "good", "pct_good": "good", "pois_good": "good", "pct_pois_good": "good",
    "villages_unclassified": "unclassified", "pct_unclassified": "unclassified",
    "population_none": "pop_none", "pct_population_none": "pop_none",
    "area_covered_km2": "area", "pct_area_covered": "area",
    "centers_covered": "centres", "pct_centers_covered": "centres",
    "site_technologies": "sitetech",
    "communes_with_commune_post_office": "cpo", "pct_communes_with_commune_post_office": "cpo",
    "villages_beyond_service_radius": "beyond", "pct_beyond_service_radius": "beyond",
    "villages_far_from_post": "far", "pct_far_from_post": "far",
    "villages_no_broadband": "no_bb", "pct_no_broadband": "no_bb",
    "communes_with_broadband": "bb_communes", "pct_communes_with_broadband": "bb_communes",
    "pois_covered": "covered", "pct_pois_covered": "covered",
    "pois_broadband": "poi_bb", "pct_pois_broadband": "poi_bb",
}  # fmt: skip

_GROUPS = {
    "none": ("Chưa có sóng", "No signal"),
    "weak": ("Sóng yếu", "Weak signal"),
    "good": ("Sóng tốt", "Good signal"),
    "unclassified": ("Chưa xác định", "Not classified"),
    "pop_none": ("Dân số chưa có sóng", "People with no signal"),
    "area": ("Diện tích có sóng", "Area with signal"),
    "centres": ("Trung tâm xã có sóng", "Commune centres with signal"),
    "sitetech": ("Số trạm BTS theo công nghệ", "Site-technologies"),
    "cpo": ("Xã có điểm BĐ-VHX", "Communes with a BĐ-VHX"),
    "beyond": ("Thôn, bản xa điểm bưu chính hơn R", "Villages farther than R"),
    "far": ("Thôn, bản xa điểm bưu chính hơn {far} km", "Villages farther than {far} km"),
    "no_bb": ("Thôn, bản chưa có băng rộng cố định", "Villages without fixed broadband"),
    "bb_communes": ("Xã có băng rộng cố định", "Communes with fixed broadband"),
    "covered": ("Có sóng di động", "With mobile signal"),
    "poi_bb": ("Có băng rộng cố định", "With fixed broadband"),
}  # fmt: skip

#: Value names: signal classes, levels, kinds of points, layers, repairs, placeholders.
_VALUES = {
    "none": ("Chưa có sóng", "No signal"),
    "weak": ("Sóng yếu", "Weak"),
    "good": ("Sóng tốt", "Good"),
    "unlocated": ("Không có tọa độ", "No location"),
    "unclassified": ("Chưa xác định", "Not classified"),
    "any": ("Mọi công nghệ", "Any technology"),
    "(total)": ("Toàn tỉnh", "Province total"),
    "province": ("Tỉnh", "Province"),
    "district": ("Huyện", "District"),
    "commune": ("Xã", "Commune"),
    "(no commune)": ("(ngoài ranh giới các xã)", "(outside every commune)"),
    "(no district)": ("(không rõ huyện)", "(no district)"),
    "(no province)": ("(không rõ tỉnh)", "(no province)"),
    "(unknown operator)": ("(không rõ doanh nghiệp)", "(unknown operator)"),
    "school": ("Trường học", "School"),
    "health station": ("Trạm y tế", "Health station"),
    "commune office": ("Trụ sở UBND xã", "Commune office"),
    "kindergarten": ("Trường mầm non", "Kindergarten"),
    "hospital": ("Bệnh viện", "Hospital"),
    "commune post office": ("Điểm BĐ-VHX", "Commune post office (BĐ-VHX)"),
    "post office": ("Bưu cục", "Post office"),
    "agent": ("Đại lý bưu chính", "Postal agent"),
    "letter box": ("Thùng thư công cộng", "Letter box"),
    "communes": ("Ranh giới xã", "Communes"),
    "villages": ("Thôn, bản", "Villages"),
    "sites": ("Trạm BTS", "Cell sites"),
    "post_offices": ("Điểm phục vụ bưu chính", "Postal points"),
    "fiber": ("Tuyến cáp quang", "Fiber network"),
    "pois": ("Điểm công cộng", "Points of interest"),
    "dem": ("Mô hình số độ cao (DEM)", "Elevation model (DEM)"),
    "population": ("Lưới dân số", "Population grid"),
    "raster": ("ảnh raster", "raster"),
    "longitude/latitude in degrees": ("kinh độ/vĩ độ (độ thập phân)",
                                      "longitude/latitude in degrees"),
    "assumed_wgs84": ("Coi là tọa độ WGS 84", "Assumed WGS 84"),
    "swapped_lonlat": ("Đổi chỗ kinh độ, vĩ độ", "Swapped lon/lat"),
    "make_valid": ("Sửa hình học không hợp lệ", "Invalid geometry repaired"),
    "commune_by_location": ("Xác định xã theo vị trí", "Commune found by location"),
    "snapped_to_commune": ("Gán vào xã gần nhất", "Snapped to the nearest commune"),
    "no_commune": ("Nằm ngoài các xã", "Outside every commune"),
    "far_from_commune": ("Nằm xa xã được ghi", "Far from its commune"),
}  # fmt: skip

#: What each repair means, in the report's language: the Vietnamese report
#: explains it in Vietnamese beside the loader's (English) detail.
REPAIR_EXPLANATIONS = {
    "assumed_wgs84": ("Tệp không khai báo hệ tọa độ; tọa độ có dạng độ thập phân nên được "
                      "coi là WGS 84 (EPSG:4326).",
                      "The file has no CRS; its coordinates look like degrees, so WGS 84 "
                      "(EPSG:4326) is assumed."),
    "swapped_lonlat": ("Kinh độ và vĩ độ bị ghi đổi chỗ (điểm chỉ nằm trong vùng dữ liệu khi "
                       "đổi lại); đã đổi lại.",
                       "Longitude and latitude were swapped (the point lies in the region only "
                       "once swapped); swapped back."),
    "make_valid": ("Đa giác không hợp lệ (tự cắt, vòng sai hướng...) đã được sửa bằng "
                   "make_valid; diện tích giữ nguyên.",
                   "Invalid polygons (self-intersections, wrong ring order...) repaired with "
                   "make_valid; their area is kept."),
    "commune_by_location": ("Mã xã trống hoặc không có trong lớp ranh giới xã; xã được xác "
                            "định theo vị trí của điểm.",
                            "The commune code is blank or unknown; the commune is the one that "
                            "contains the point."),
    "snapped_to_commune": ("Điểm nằm ngoài mọi ranh giới xã nhưng gần một xã; được gán vào xã "
                           "gần nhất.",
                           "The point lies outside every commune polygon but near one; placed "
                           "in the nearest commune."),
    "no_commune": ("Không xác định được xã; thôn, bản vẫn có trong kết quả, ở dòng "
                   "\"ngoài ranh giới các xã\".",
                   "No commune could be found; the village is kept, counted under "
                   "\"(outside every commune)\"."),
    "far_from_commune": ("Điểm nằm xa bên ngoài xã mà dữ liệu ghi; vẫn tính cho xã đó — cần "
                         "kiểm tra lại tọa độ.",
                         "The point lies far outside the commune its code names; it is kept in "
                         "that commune — check the coordinates."),
    "unlocated": ("Không có tọa độ; thôn, bản vẫn có trong kết quả với trạng thái \"không có "
                  "tọa độ\", không được xếp loại sóng.",
                  "No coordinates; the village is kept with the status 'unlocated' and no "
                  "signal class."),
}  # fmt: skip


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "vi" else pair[1]


def column_label(column: str, lang: str, *, far_km: str = "?") -> str:
    """The full label of a column (an xlsx header).

    Per-technology columns get the technology inserted before the unit:
    ``pct_none_4g`` -> "Tỷ lệ thôn, bản chưa có sóng 4G (%)".  Unknown
    columns keep their name.

    Parameters
    ----------
    column : str
    lang : {"vi", "en"}
    far_km : str
        The set postal distance, already formatted, for the labels naming it.
    """
    if column in COLUMNS:
        return _pick(COLUMNS[column], lang).format(far=far_km)
    match = TECH_SUFFIX.match(column)
    if match and match["base"] in COLUMNS:
        tech = match["tech"].upper()
        if match["base"] == "site_technologies":
            return f"Số trạm BTS {tech}" if lang == "vi" else f"{tech} site-technologies"
        base = _pick(COLUMNS[match["base"]], lang).format(far=far_km)
        head, unit = re.match(r"^(.*?)((?: \([^)]*\))?)$", base).groups()
        return f"{head} {tech}{unit}"
    return column


def column_labels(columns, lang: str, *, far_km: str = "?") -> dict[str, str]:
    """Column -> label for ``columns``, unique (a clash keeps the column's own name)."""
    out: dict[str, str] = {}
    for col in columns:
        label = column_label(col, lang, far_km=far_km)
        out[col] = label if label not in out.values() else f"{label} [{col}]"
    return out


def header(column: str, lang: str, *, far_km: str = "?") -> tuple[str | None, str]:
    """The two-row HTML header of a column: (group or None, sub-header).

    Examples
    --------
    >>> header("pct_none", "vi")
    ('Chưa có sóng', '%')
    >>> header("villages", "en")
    (None, 'Villages')
    """
    match = TECH_SUFFIX.match(column)
    if column.startswith("site_technologies_") and match:
        return _pick(_GROUPS["sitetech"], lang), match["tech"].upper()
    group = _GROUP_OF.get(column)
    if group is None:
        return None, column_label(column, lang, far_km=far_km)
    if column.startswith("pct"):
        sub = "%"
    elif column.startswith("villages"):
        sub = "Số thôn" if lang == "vi" else "Villages"
    elif column.startswith("population"):
        sub = "Người" if lang == "vi" else "People"
    elif column.startswith("pois"):
        sub = "Số điểm" if lang == "vi" else "Points"
    elif column.startswith("area"):
        sub = "km²"
    elif column.startswith("centers"):
        sub = "Số TT xã" if lang == "vi" else "Centres"
    elif column == "site_technologies":
        sub = "Cộng" if lang == "vi" else "Total"
    else:
        sub = "Số xã" if lang == "vi" else "Communes"
    return _pick(_GROUPS[group], lang).format(far=far_km), sub


def value_label(value, lang: str) -> str:
    """The name of a coded value (a class, kind, layer, repair); others unchanged."""
    if isinstance(value, str) and value in _VALUES:
        return _pick(_VALUES[value], lang)
    return value
