"""Match the user's column names to whitezone's canonical names.

Names are compared after folding case, accents and punctuation, so
``"Kinh độ"``, ``"KINH_DO"`` and ``"kinh do"`` all match the alias
``kinh_do``; a unit in brackets is ignored (``"Độ cao anten (m)"``).  An
explicit mapping from the project file always wins.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from ..errors import Problems

#: Aliases per canonical column, most specific first.  English and Vietnamese
#: (written here without accents: matching folds them).
ALIASES: dict[str, tuple[str, ...]] = {
    "lon": ("lon", "lng", "long", "longitude", "kinh_do", "kinhdo", "x", "toa_do_x"),
    "lat": ("lat", "latitude", "vi_do", "vido", "y", "toa_do_y"),
    "commune_id": ("commune_id", "commune_code", "ma_xa", "ma_phuong", "ma_xa_phuong", "xa_id"),
    "commune": ("commune", "commune_name", "ten_xa", "ten_xa_phuong", "xa", "xa_phuong", "name", "ten"),
    "district": ("district", "district_name", "huyen", "ten_huyen", "quan_huyen"),
    "province": ("province", "province_name", "tinh", "ten_tinh"),
    "population": ("population", "pop", "dan_so", "so_dan", "nhan_khau", "so_nhan_khau"),
    "households": ("households", "household", "hh", "so_ho", "ho"),
    "center_lon": ("center_lon", "centre_lon", "kinh_do_trung_tam"),
    "center_lat": ("center_lat", "centre_lat", "vi_do_trung_tam"),
    "village_id": ("village_id", "village_code", "ma_thon", "ma_ban", "ma_thon_ban", "id"),
    "village": ("village", "village_name", "ten_thon", "ten_ban", "ten_thon_ban", "thon", "name", "ten"),
    "site_id": ("site_id", "site", "site_code", "bts_id", "station_id", "ma_tram", "ten_tram", "ma_bts", "id"),
    "technology": ("technology", "technologies", "tech", "rat", "radio", "cong_nghe", "loai_cong_nghe"),
    "operator": ("operator", "operator_name", "carrier", "network", "nha_mang", "doanh_nghiep", "mang"),
    "height_m": ("height_m", "height", "antenna_height", "do_cao_anten", "do_cao", "chieu_cao", "do_cao_cot"),
    "frequency_mhz": ("frequency_mhz", "frequency", "freq", "tan_so", "bang_tan"),
    "eirp_dbm": ("eirp_dbm", "eirp"),
    "radius_km": ("radius_km", "radius", "range_km", "ban_kinh", "ban_kinh_phu_song"),
    "azimuth_deg": ("azimuth_deg", "azimuth", "az", "goc_phuong_vi", "huong", "huong_anten"),
    "beamwidth_deg": ("beamwidth_deg", "beamwidth", "hbw", "horizontal_beamwidth",
                      "do_rong_bup_song"),
    "tilt_deg": ("tilt_deg", "tilt", "downtilt", "total_tilt", "goc_ngang", "goc_nghieng",
                 "do_nghieng"),
    "pattern": ("pattern", "antenna_pattern", "antenna", "antenna_model", "anten", "loai_anten"),
    "status": ("status", "state", "trang_thai", "tinh_trang"),
    "post_id": ("post_id", "post_code", "ma_diem", "ma_buu_cuc", "ma_bc", "id"),
    "name": ("name", "ten", "ten_diem", "ten_buu_cuc", "ten_truong"),
    "kind": ("kind", "type", "category", "loai", "loai_hinh", "loai_diem"),
    "reach_km": ("reach_km", "reach", "cu_ly"),
    "poi_id": ("poi_id", "ma", "id"),
    "signal_dbm": ("signal_dbm", "signal", "rsrp", "rscp", "rssi", "ss_rsrp", "dbm", "rx_level",
                   "rxlev", "signal_strength", "level", "average_signal", "averagesignal",
                   "muc_thu", "muc_thu_dbm", "cuong_do_tin_hieu", "cuong_do_song", "cuong_do"),
    "cell_id": ("cell_id", "cellid", "cell", "ci", "eci", "nci", "ma_cell", "ma_o"),
    "time": ("time", "timestamp", "datetime", "date_time", "measured", "thoi_gian", "thoi_diem"),
    "fixed_broadband": ("fixed_broadband", "broadband", "bang_rong", "bang_rong_co_dinh",
                        "internet_co_dinh", "co_bang_rong"),
}  # fmt: skip

_BRACKETS = re.compile(r"[\(\[].*?[\)\]]")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(name: object) -> str:
    """Fold a column name for matching: no accents, no case, ``_`` between words.

    >>> fold("Độ cao anten (m)")
    'do_cao_anten'
    """
    text = _BRACKETS.sub(" ", str(name)).replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return _NON_WORD.sub("_", text).strip("_")


def match_columns(
    columns: Iterable[object],
    wanted: Iterable[str],
    *,
    required: Iterable[str] = (),
    explicit: Mapping[str, str] | None = None,
    problems: Problems,
) -> dict[str, str]:
    """Find the user's column for each canonical name.

    Parameters
    ----------
    columns : iterable
        The column names of the user's file.
    wanted : iterable of str
        Canonical names to look for.
    required : iterable of str
        Canonical names that must be found; a problem is recorded otherwise.
    explicit : mapping, optional
        Canonical name -> user column, from ``[columns.<layer>]``.
    problems : Problems
        Where missing or ambiguous columns are recorded.

    Returns
    -------
    dict
        Canonical name -> the user's column name, for those found.
    """
    columns = [c for c in columns if str(c) != "geometry"]
    explicit = dict(explicit or {})
    by_fold: dict[str, list[object]] = {}
    for col in columns:
        by_fold.setdefault(fold(col), []).append(col)
    found: dict[str, str] = {}
    taken: set[object] = set()
    for canonical, col in explicit.items():
        if col not in columns:
            matches = by_fold.get(fold(col), [])
            if len(matches) != 1:
                problems.add(
                    f"column {col!r} named in [columns] for {canonical!r} is not in the file; "
                    f"columns present: {', '.join(map(str, columns))}",
                    column=col,
                )
                continue
            col = matches[0]
        found[canonical] = col
        taken.add(col)
    wanted = list(wanted)
    # Most specific aliases first, so `village_id` claims "Mã thôn" before a
    # looser alias like "id" could claim another column.
    for canonical in wanted:
        if canonical in found:
            continue
        for alias in ALIASES.get(canonical, (canonical,)):
            candidates = [c for c in by_fold.get(alias, []) if c not in taken]
            if len(candidates) > 1:
                problems.add(
                    f"columns {', '.join(map(repr, candidates))} all look like {canonical!r}; "
                    f"name the one to use under [columns] ({canonical} = \"...\")"
                )
                break
            if candidates:
                found[canonical] = candidates[0]
                taken.add(candidates[0])
                break
    for canonical in required:
        if canonical not in found:
            aliases = ", ".join(ALIASES.get(canonical, (canonical,))[:6])
            problems.add(
                f"expected column {canonical!r} is missing (looked for: {aliases}); columns "
                f"present: {', '.join(map(str, columns)) or 'none'}. Rename the column or map "
                f'it in the project file: [columns.<layer>] {canonical} = "your column"'
            )
    return found
