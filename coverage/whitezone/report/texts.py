"""Titles, captions and notes of the report, in Vietnamese and English."""

from __future__ import annotations

__all__ = ["TEXTS", "text"]

#: Key -> (Vietnamese, English).  ``{name}`` fields are filled by :func:`text`.
TEXTS: dict[str, tuple[str, str]] = {
    "title": ("BÁO CÁO HIỆN TRẠNG PHỦ SÓNG THÔNG TIN DI ĐỘNG, MẠNG LƯỚI BƯU CHÍNH "
              "VÀ INTERNET BĂNG RỘNG CỐ ĐỊNH",
              "Mobile coverage, postal network and fixed broadband"),
    "date": ("Ngày lập báo cáo", "Date"),
    "made_with": ("Lập bằng whitezone {version}; mô hình phủ sóng: {model}",
                  "Made with whitezone {version}; coverage model: {model}"),
    "summary": ("Tóm tắt", "Summary"),
    "contents": ("Mục lục", "Contents"),
    "mobile": ("I. THÔNG TIN DI ĐỘNG", "I. Mobile coverage"),
    "postal": ("II. BƯU CHÍNH", "II. Postal network"),
    "broadband": ("III. INTERNET BĂNG RỘNG CỐ ĐỊNH", "III. Fixed broadband"),
    "pois": ("IV. CÁC ĐIỂM CÔNG CỘNG (TRƯỜNG HỌC, TRẠM Y TẾ, ...)", "IV. Points of interest"),
    "input": ("V. DỮ LIỆU ĐẦU VÀO", "V. Input data"),
    "sources": ("VI. NGUỒN DỮ LIỆU, MÔ HÌNH VÀ THAM SỐ", "VI. Sources, model and parameters"),
    "table": ("Bảng", "Table"),
    "figure": ("Hình", "Figure"),
    "t_headline": ("Tổng hợp phủ sóng thông tin di động toàn tỉnh",
                   "Mobile coverage of the province"),
    "t_districts": ("Phủ sóng thông tin di động theo huyện", "Mobile coverage by district"),
    "t_technologies": ("Phủ sóng theo công nghệ", "Coverage by technology"),
    "t_operators": ("Phủ sóng theo doanh nghiệp viễn thông", "Coverage by operator"),
    "t_operators_districts": ("Phủ sóng theo doanh nghiệp và huyện",
                              "Coverage by operator and district"),
    "t_sites": ("Trạm BTS theo doanh nghiệp và công nghệ", "Cell sites by operator and technology"),
    "t_sites_districts": ("Trạm BTS theo huyện", "Cell sites by district"),
    "t_communes": ("Phủ sóng thông tin di động theo xã", "Mobile coverage by commune"),
    "t_postal": ("Mạng lưới điểm phục vụ bưu chính", "Postal network"),
    "t_post_kinds": ("Điểm phục vụ bưu chính theo loại", "Postal points by kind"),
    "t_broadband": ("Internet băng rộng cố định", "Fixed broadband"),
    "t_pois": ("Các điểm công cộng theo loại", "Points of interest by kind"),
    "t_pois_districts": ("Các điểm công cộng theo huyện", "Points of interest by district"),
    "t_layers": ("Các lớp dữ liệu đầu vào", "Input layers"),
    "t_repairs": ("Sửa lỗi và cảnh báo dữ liệu đầu vào", "Input repairs and warnings"),
    "t_parameters": ("Tham số và ngưỡng phân loại", "Parameters and thresholds"),
    "t_definitions": ("Định nghĩa", "Definitions"),
    "f_summary": ("Tổng quan", "Overview"),
    "f_mobile": ("Bản đồ phủ sóng thông tin di động", "Map of mobile coverage"),
    "f_postal": ("Bản đồ mạng lưới điểm phục vụ bưu chính", "Map of the postal network"),
    "f_broadband": ("Bản đồ Internet băng rộng cố định", "Map of fixed broadband"),
    "f_pois": ("Bản đồ các điểm công cộng", "Map of points of interest"),
    "n_pct": ("Tỷ lệ (%) tính trên tổng số thôn, bản của địa bàn, kể cả thôn, bản chưa xác định "
              "được sóng (ví dụ không có tọa độ).",
              "Percentages are of all villages of the area, including those that could not be "
              "classified (for example without coordinates)."),
    "n_operators": ("Mỗi doanh nghiệp được xét riêng: thôn, bản chưa có sóng của một doanh nghiệp "
                    "là không nhận được sóng từ trạm nào của doanh nghiệp đó.",
                    "Each operator on its own: a village has no signal from an operator when none "
                    "of that operator's sites reaches it, whatever the others give."),
    "n_sites": ("Chỉ tính các trạm đang hoạt động. Một vị trí trạm có thể phát nhiều công nghệ; "
                "mỗi công nghệ tại một vị trí được tính là một trạm BTS "
                "theo công nghệ (trạm 2G, trạm 3G, trạm 4G).",
                "Active sites only. A site can carry several technologies; each technology at a "
                "site counts as one site-technology."),
    "n_sites_districts": ("Trạm được tính vào huyện có xã chứa vị trí trạm; trạm nằm ngoài ranh "
                          "giới các xã không được tính ở bảng này.",
                          "A site counts in the district of the commune containing it; sites "
                          "outside every commune are not counted here."),
    "n_communes": ("Sắp xếp theo huyện, rồi theo tên xã.", "Sorted by district, then commune."),
    "n_postal": ("N: số điểm phục vụ bưu chính; S: diện tích (km²); P: dân số. Bán kính phục vụ "
                 "bình quân R = √(S/(π·N)); số dân phục vụ bình quân = P/N. Số thôn, bản xa hơn R "
                 "so với R toàn tỉnh = {radius} km, theo khoảng cách đường thẳng tới điểm gần "
                 "nhất.",
                 "N: postal points; S: area (km²); P: population. Average service radius "
                 "R = √(S/(π·N)); people per point = P/N. Villages farther than R: straight-line "
                 "distance to the nearest point compared with the province's R = {radius} km."),
    "n_broadband": ("Thôn, bản có Internet băng rộng cố định khi cột fixed_broadband của tệp ghi "
                    "như vậy, hoặc khi nằm trong phạm vi {reach} km từ tuyến cáp quang; xã có "
                    "băng rộng cố định khi trung tâm xã nằm trong phạm vi đó.",
                    "A village has fixed broadband when its file says so (fixed_broadband "
                    "column) or when it lies within {reach} km of the fiber network; a commune "
                    "has it when its centre does."),
    "n_pois": ("Có sóng di động: sóng tốt hoặc sóng yếu tại vị trí của điểm.",
               "With mobile signal: good or weak signal at the point's location."),
    "no_postal": ("Không có dữ liệu điểm phục vụ bưu chính (lớp post_offices).",
                  "No postal points were given (post_offices layer)."),
    "no_broadband": ("Không có dữ liệu Internet băng rộng cố định (tuyến cáp quang hoặc cột "
                     "fixed_broadband).",
                     "No fixed broadband data were given (fiber layer or fixed_broadband column)."),
    "no_pois": ("Không có dữ liệu điểm công cộng (lớp pois).",
                "No points of interest were given (pois layer)."),
    "no_repairs": ("Dữ liệu đầu vào không cần sửa.", "No repair was needed."),
    "n_repairs": ("Mọi thôn, bản đầu vào đều có trong kết quả; các sửa đổi dưới đây đã được thực "
                  "hiện tự động và ghi lại. Nội dung chi tiết ghi bằng tiếng Anh như thông báo "
                  "của chương trình.",
                  "Every input village is in the results; the repairs below were made "
                  "automatically and are recorded here."),
    "n_parameters": ("Mọi số liệu trong báo cáo được tính từ các tệp và tham số dưới đây. Ngưỡng "
                     "phân loại sóng là tham số cấu hình, không phải định nghĩa chính thức.",
                     "Every figure of this report is computed from the files and settings below. "
                     "Signal thresholds are settings, not official definitions."),
}  # fmt: skip


def text(key: str, lang: str, **fields) -> str:
    """The text ``key`` in ``lang`` with its fields filled."""
    vi, en = TEXTS[key]
    return (vi if lang == "vi" else en).format(**fields)
