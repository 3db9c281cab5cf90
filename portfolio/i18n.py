"""Vietnamese / English catalogue of the interface and ``t(key)``.

Vietnamese is the default; ``?lang=en`` switches the app to English. Vocabulary labels (statuses,
sectors, funding types, scopes, precision) come from :mod:`portfolio.schema`, so the register's
vocabularies and the interface can never disagree.
"""

from __future__ import annotations

from typing import Final

from portfolio import schema

LANGS: Final[tuple[str, ...]] = ("vi", "en")
DEFAULT_LANG: Final[str] = "vi"

#: key -> (Vietnamese, English). ``{name}`` placeholders are filled by :func:`t`.
MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "app_title": ("Bản đồ danh mục dự án hạ tầng Cần Thơ", "Cần Thơ infrastructure portfolio map"),
    "app_caption": (
        "Các dự án hạ tầng trong các kế hoạch của thành phố Cần Thơ (sau sáp nhập 01/7/2025).",
        "Infrastructure projects named in the plans of Cần Thơ city (as enlarged on 1 July 2025).",
    ),
    "language": ("Ngôn ngữ", "Language"),
    "filters": ("Bộ lọc", "Filters"),
    "status": ("Tình trạng", "Status"),
    "timeframe": ("Giai đoạn (năm)", "Timeframe (years)"),
    "timeframe_help": (
        "Hiện dự án có giai đoạn giao với khoảng năm đã chọn.",
        "Shows projects whose period overlaps the chosen years.",
    ),
    "use_timeframe": ("Lọc theo giai đoạn", "Filter by timeframe"),
    "include_undated": ("Gồm cả dự án chưa có giai đoạn", "Include projects with no period"),
    "sector": ("Lĩnh vực", "Sector"),
    "owner": ("Cơ quan chủ trì", "Owner"),
    "funding_type": ("Loại nguồn vốn", "Funding type"),
    "scope": ("Phạm vi", "Scope"),
    "commune": ("Xã, phường (sau 2025)", "Commune or ward (after 2025)"),
    "district": ("Quận, huyện cũ (trước 2025)", "Old district (before 2025)"),
    "search": ("Tìm kiếm", "Search"),
    "choose": ("Chọn…", "Choose…"),
    "search_help": (
        "Tìm theo tên, mã, địa điểm, cơ quan; không phân biệt dấu (vd. 'cai cui').",
        "Searches names, ids, places and owners; diacritics are ignored (e.g. 'cai cui').",
    ),
    "hide_approximate": ("Ẩn vị trí gần đúng", "Hide approximate locations"),
    "hide_approximate_help": (
        "Ẩn các dự án chỉ biết vị trí phác tuyến, cấp xã, cấp huyện cũ hoặc toàn thành phố.",
        "Hides projects located only as a sketch, by commune, old district or city-wide.",
    ),
    "city_in_year": ("Thành phố vào năm", "The city in year"),
    "use_city_in_year": ("Xem thành phố vào một năm", "Show the city in a given year"),
    "city_in_year_help": (
        "Chỉ hiện các dự án đã khởi công hoặc hoàn thành đến năm này.",
        "Shows only the projects under way or done by that year.",
    ),
    "bbox_active": (
        "Chỉ các dự án trong khung {bbox} (theo địa chỉ trang; 'Xóa bộ lọc' để bỏ)",
        "Only projects within the box {bbox} (from the address; 'Clear filters' removes it)",
    ),
    "osm_tiles": ("Nền OpenStreetMap (cần Internet)", "OpenStreetMap background (needs internet)"),
    "reset": ("Xóa bộ lọc", "Clear filters"),
    "counter": ("{n} trên {total} dự án", "{n} of {total} projects"),
    "total_km": ("Km đường, tuyến", "km of roads and lines"),
    "total_ha": ("Ha khu, vùng", "ha of zones"),
    "by_status": ("Theo tình trạng", "By status"),
    "as_of": ("Tình trạng cập nhật đến {date}", "Status as of {date}"),
    "undated_count": ("{n} dự án chưa có giai đoạn", "{n} projects with no period"),
    "not_totalled": (
        "{n} dự án cha không cộng vào tổng (đã tính các hợp phần)",
        "{n} parent projects left out of the totals (their components count)",
    ),
    "tab_map": ("Bản đồ", "Map"),
    "tab_table": ("Bảng", "Table"),
    "tab_timeline": ("Tiến độ", "Timeline"),
    "tab_investors": ("Nhà đầu tư", "Investors"),
    "tab_layer": ("Lớp của bạn", "Your layer"),
    "tab_export": ("Xuất dữ liệu", "Export"),
    "view": ("Phần hiển thị", "View"),
    "legend_title": ("Tình trạng", "Status"),
    "legend_approximate": ("Vị trí gần đúng (nét đứt)", "Approximate location (dashed)"),
    "legend_boundary": ("Ranh giới thành phố 2025", "2025 city boundary"),
    "legend_upload": ("Lớp của bạn", "Your layer"),
    "legend_links": ("Khoảng cách khu công nghiệp", "Industrial park links"),
    "map_help": (
        "Bấm vào một dự án để xem thông tin chi tiết; chọn một dòng trong bảng để phóng tới dự án.",
        "Click a project for its card; select a row in the table to zoom to it.",
    ),
    "card_title": ("Thông tin dự án", "Project card"),
    "clear_selection": ("Bỏ chọn dự án", "Clear the selection"),
    "card_none": (
        "Bấm vào một dự án trên bản đồ hoặc chọn một dòng trong bảng.",
        "Click a project on the map or select a row in the table.",
    ),
    "field": ("Trường", "Field"),
    "value": ("Giá trị", "Value"),
    "length_km": ("Chiều dài (km, EPSG:5897)", "Length (km, EPSG:5897)"),
    "area_ha": ("Diện tích (ha, EPSG:5897)", "Area (ha, EPSG:5897)"),
    "name": ("Tên", "Name"),
    "period": ("Giai đoạn", "Period"),
    "sources_list": ("Nguồn", "Sources"),
    "part_of": ("Thuộc dự án", "Part of"),
    "components": ("Các dự án thành phần", "Component projects"),
    "document": ("Văn bản", "Document"),
    "section": ("Mục, dòng", "Section"),
    "external_source": ("Nguồn ngoài", "Outside source"),
    "precision": ("Độ chính xác vị trí", "Location precision"),
    "table_help": (
        "Bấm tiêu đề cột để sắp xếp; chọn một dòng để làm nổi bật dự án trên bản đồ.",
        "Click a column header to sort; select a row to highlight the project on the map.",
    ),
    "timeline_help": (
        "Mỗi thanh là giai đoạn của dự án theo văn bản mới nhất; thanh nhạt là giai đoạn theo văn bản "
        "trước đó (vd. kế hoạch 2021 so với kế hoạch 2026), cho thấy sự chậm tiến độ.",
        "Each bar is a project's period in the latest document; pale bars are the period an earlier "
        "document gave (e.g. the 2021 plan against the 2026 plan), so slippage shows.",
    ),
    "timeline_source": ("Theo văn bản", "According to"),
    "timeline_latest": ("Giai đoạn hiện hành", "Current period"),
    "timeline_earlier": ("Giai đoạn theo văn bản trước", "Period in an earlier document"),
    "timeline_capped": (
        "Hiển thị {shown} trên {total} dự án có giai đoạn (theo năm bắt đầu); thu hẹp bộ lọc để xem hết.",
        "Showing {shown} of {total} dated projects (by start year); narrow the filter to see them all.",
    ),
    "timeline_empty": ("Không có dự án nào có giai đoạn.", "No project with a period."),
    "slippage": ("Chậm tiến độ", "Slippage"),
    "slippage_years": ("Năm kết thúc lùi (năm)", "End year moved by (years)"),
    "first_source": ("Văn bản đầu tiên", "First document"),
    "first_period": ("Giai đoạn ban đầu", "First period"),
    "latest_source": ("Văn bản mới nhất", "Latest document"),
    "latest_period": ("Giai đoạn mới nhất", "Latest period"),
    "year_start": ("Năm bắt đầu", "Start"),
    "year_end": ("Năm kết thúc", "End"),
    "investors_help": (
        "Khoảng cách (km, đo trong VN-2000 EPSG:5897) từ mỗi khu công nghiệp đến cảng, đường cao tốc "
        "đang khai thác gần nhất và sân bay.",
        "Distance (km, measured in VN-2000 EPSG:5897) from each industrial park to the nearest "
        "operating port, expressway and the airport.",
    ),
    "investors_empty": ("Không có khu công nghiệp nào trong bộ lọc.", "No industrial park in the filter."),
    "draw_links": ("Vẽ các liên kết lên bản đồ", "Draw these links on the map"),
    "area_ha_short": ("Diện tích (ha)", "Area (ha)"),
    "port_km": ("Đến cảng (km)", "To port (km)"),
    "expressway_km": ("Đến cao tốc (km)", "To expressway (km)"),
    "airport_km": ("Đến sân bay (km)", "To airport (km)"),
    "nearest_port": ("Cảng gần nhất", "Nearest port"),
    "nearest_expressway": ("Cao tốc gần nhất", "Nearest expressway"),
    "nearest_airport": ("Sân bay", "Airport"),
    "access_changes": ("Dự án sẽ thay đổi khả năng tiếp cận", "Projects that will change access"),
    "access_changes_empty": (
        "Không có dự án kế hoạch hoặc đang thi công nào làm thay đổi khả năng tiếp cận.",
        "No planned or under-way project changes access.",
    ),
    "park": ("Khu công nghiệp", "Industrial park"),
    "kind": ("Loại", "Kind"),
    "project": ("Dự án", "Project"),
    "expected_year": ("Năm dự kiến", "Expected year"),
    "km_now": ("Hiện nay (km)", "Now (km)"),
    "km_after": ("Sau dự án (km)", "After (km)"),
    "kind_port": ("Cảng", "Port"),
    "kind_expressway": ("Cao tốc", "Expressway"),
    "kind_airport": ("Sân bay", "Airport"),
    "kind_road": ("Đường bộ", "Road"),
    "upload_label": (
        "Tải lên một lớp (GeoJSON, GeoPackage, KML hoặc Shapefile nén .zip; tối đa 20 MB)",
        "Upload a layer (GeoJSON, GeoPackage, KML or zipped Shapefile; up to 20 MB)",
    ),
    "upload_help": (
        "Ví dụ vùng ngập, khu quy hoạch. Lớp được vẽ lên bản đồ và liệt kê các dự án giao với nó.",
        "E.g. a flood zone or a planning area. It is drawn on the map and the projects it intersects "
        "are listed.",
    ),
    "upload_error": ("Không đọc được tệp: {message}", "The file cannot be read: {message}"),
    "upload_features": ("{n} đối tượng trong lớp của bạn", "{n} features in your layer"),
    "upload_hits": ("{n} dự án giao với lớp của bạn", "{n} projects intersect your layer"),
    "export_help": (
        "Tải về đúng các dự án đang lọc ({n} dự án), với đầy đủ độ chính xác hình học.",
        "Download exactly the filtered projects ({n}), geometry at full precision.",
    ),
    "export_button": ("Tải {fmt}", "Download {fmt}"),
    "share_help": (
        "Bộ lọc nằm trong địa chỉ trang: sao chép địa chỉ để chia sẻ đúng khung nhìn này.",
        "The filters live in the page address: copy it to share this exact view.",
    ),
    "register_error": (
        "Danh mục dự án có lỗi, không thể hiển thị ({n} lỗi):",
        "The register has problems and cannot be shown ({n} problems):",
    ),
    "query_error": (
        "Tham số lọc trong địa chỉ không hợp lệ: {message}",
        "Invalid filter in the address: {message}",
    ),
    "assets_missing": (
        "Thiếu thư viện bản đồ cục bộ (chạy `python -m portfolio assets`): {files}",
        "The map's local scripts are missing (run `python -m portfolio assets`): {files}",
    ),
    "no_results": ("Không có dự án nào khớp bộ lọc.", "No project matches the filters."),
    "not_available": ("(không có)", "(none)"),
    "yes": ("Có", "Yes"),
    "no": ("Không", "No"),
}

#: Register column -> (Vietnamese, English) labels for tables and cards.
COLUMN_LABELS: Final[dict[str, tuple[str, str]]] = {
    "id": ("Mã", "Id"),
    "name_vi": ("Tên (tiếng Việt)", "Name (Vietnamese)"),
    "name_en": ("Tên (tiếng Anh)", "Name (English)"),
    "sector": ("Lĩnh vực", "Sector"),
    "owner": ("Cơ quan chủ trì", "Owner"),
    "owner_current": ("Cơ quan phụ trách hiện nay", "Current owner"),
    "funding_source": ("Nguồn vốn", "Funding source"),
    "funding_type": ("Loại nguồn vốn", "Funding type"),
    "period_start": ("Năm bắt đầu", "Start year"),
    "period_end": ("Năm kết thúc", "End year"),
    "period_history": ("Giai đoạn theo từng văn bản", "Period in each document"),
    "status": ("Tình trạng", "Status"),
    "status_as_of": ("Tình trạng tính đến", "Status as of"),
    "status_source": ("Căn cứ tình trạng", "Status source"),
    "sources": ("Nguồn", "Sources"),
    "location_vi": ("Địa điểm (theo văn bản)", "Location (as written)"),
    "parent_id": ("Thuộc dự án", "Part of"),
    "communes": ("Xã, phường", "Communes and wards"),
    "districts_before_2025": ("Quận, huyện cũ", "Old districts"),
    "admin_basis": ("Căn cứ địa giới", "Admin areas from"),
    "scope": ("Phạm vi", "Scope"),
    "geocode_precision": ("Độ chính xác vị trí", "Location precision"),
    "official_area_ha": ("Diện tích chính thức (ha)", "Official area (ha)"),
    "official_length_km": ("Chiều dài chính thức (km)", "Official length (km)"),
    "notes": ("Ghi chú", "Notes"),
    "length_km": ("Chiều dài (km)", "Length (km)"),
    "area_ha": ("Diện tích (ha)", "Area (ha)"),
}

_VOCABS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "status": dict(schema.STATUSES),
    "sector": dict(schema.SECTORS),
    "funding_type": dict(schema.FUNDING_TYPES),
    "scope": dict(schema.SCOPES),
    "admin_basis": dict(schema.ADMIN_BASES),
}


def normalise_lang(value: object) -> str:
    """``"en"`` for any spelling of English, else the default ``"vi"``."""
    text = str(value or "").strip().lower()
    return "en" if text.startswith("en") else DEFAULT_LANG


def t(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """The message ``key`` in ``lang`` with ``{placeholders}`` filled.

    Raises ``KeyError`` for an unknown key (a typo must fail the tests, not show a blank).
    """
    vi, en = MESSAGES[key]
    text = en if normalise_lang(lang) == "en" else vi
    return text.format(**values) if values else text


def column(name: str, lang: str = DEFAULT_LANG) -> str:
    """Label of a register column (the column name itself when it has none)."""
    labels = COLUMN_LABELS.get(name)
    if labels is None:
        return name
    return labels[1] if normalise_lang(lang) == "en" else labels[0]


def label(vocab: str, value: object, lang: str = DEFAULT_LANG) -> str:
    """Label of a vocabulary value (``vocab`` = status, sector, funding_type, scope, admin_basis,
    precision); an unknown or empty value is returned as it is."""
    if vocab == "precision":
        try:
            entry = schema.PRECISION[int(str(value))]
        except (KeyError, ValueError):
            return str(value)
        return entry[1] if normalise_lang(lang) == "en" else entry[0]
    entry2 = _VOCABS[vocab].get(str(value))
    if entry2 is None:
        return str(value)
    return entry2[1] if normalise_lang(lang) == "en" else entry2[0]


def name_column(lang: str = DEFAULT_LANG) -> str:
    """The register column holding project names in ``lang``."""
    return "name_en" if normalise_lang(lang) == "en" else "name_vi"


def number(value: float, decimals: int = 1, lang: str = DEFAULT_LANG) -> str:
    """``value`` with thousands separators in the language's style: ``1.538,6`` (vi), ``1,538.6`` (en)."""
    text = f"{value:,.{decimals}f}"
    if normalise_lang(lang) == "en":
        return text
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
