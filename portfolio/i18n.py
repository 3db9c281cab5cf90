"""Vietnamese / English catalogue of the interface and ``t(key)``.

Vietnamese is the default; ``?lang=en`` switches the app to English. Vocabulary labels (statuses,
sectors, funding types, scopes, precision) come from :mod:`portfolio.schema`, so the register's
vocabularies and the interface can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Final

import pandas as pd

from portfolio import schema

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

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
        "Hiện dự án có giai đoạn (theo bất kỳ văn bản nào) giao với khoảng năm đã chọn.",
        "Shows projects whose period, by any source, overlaps the chosen years.",
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
        "Hiện các dự án có giai đoạn mới nhất bắt đầu trong hoặc trước năm đã chọn, cùng các công trình "
        "đang khai thác hoặc đã hoàn thành chưa có giai đoạn. Các dự án khác chưa có giai đoạn chỉ hiện "
        "khi chọn gồm cả dự án chưa có giai đoạn.",
        "Shows the projects whose latest period starts in or before the chosen year, and the existing "
        "works (operating or completed) that have no period. Other projects with no period show only "
        "when projects with no period are included.",
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
    "legend_halo": (
        "Vùng vị trí gần đúng (khi rê chuột hoặc phóng to)",
        "Approximate area (on hover or zoomed in)",
    ),
    "legend_selected": ("Dự án đang chọn", "Selected project"),
    "legend_river": ("Sông", "River"),
    "legend_road": ("Đường chính", "Main road"),
    "hide_programmes": (
        "Ẩn chương trình khi đã hiện các hợp phần",
        "Hide programmes whose components are shown",
    ),
    "map_help": (
        "Bấm vào một dự án để xem thông tin chi tiết; chọn một dòng trong bảng để phóng tới dự án.",
        "Click a project for its card; select a row in the table to zoom to it.",
    ),
    "card_title": ("Thông tin dự án", "Project card"),
    "park_distance": ("{kind} {km} km ({name})", "{kind} {km} km ({name})"),
    "park_now": ("Hiện nay: {distances}", "Now: {distances}"),
    "park_from_year": ("Từ {year}: {distance}", "From {year}: {distance}"),
    "park_no_year": ("Chưa rõ năm: {distance}", "Year not known: {distance}"),
    "park_cards": ("Từng khu công nghiệp, theo năm", "Each park, year by year"),
    "card_status": (
        "{status} · cập nhật {days} ngày trước ({date})",
        "{status} · {days} days ago ({date})",
    ),
    "card_funding": ("Nguồn vốn", "Funding"),
    "card_investment": ("{amount} tỷ đồng", "VND {amount} bn"),
    "card_more": ("Các trường khác", "More fields"),
    "card_summary_title": ("Các dự án đang hiện", "Projects shown"),
    "copy_link": ("Sao chép liên kết tới khung nhìn này", "Copy link to this view"),
    "copy_link_done": ("Đã sao chép liên kết", "Link copied"),
    "copy_link_failed": (
        "Trình duyệt không cho sao chép; hãy sao chép địa chỉ trang",
        "The browser refused to copy; copy the page address",
    ),
    "layer_error": (
        "Không vẽ được lớp nền {layer}: {message}",
        "The background layer {layer} could not be drawn: {message}",
    ),
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
    "period_latest": ("Giai đoạn mới nhất (nếu khác)", "Latest period (if different)"),
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
    "slippage_years": ("Lệch năm kết thúc", "Δ end (years)"),
    "slippage_years_help": (
        "Năm kết thúc theo văn bản mới nhất trừ năm kết thúc theo văn bản đầu tiên (số năm): "
        "+ là lùi lại, − là sớm hơn.",
        "The latest document's end year minus the first document's (in years): + later, − earlier.",
    ),
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
    "none_dash": ("—", "—"),
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
    "upload_detail": ("Chi tiết kỹ thuật: {message}", "Technical detail: {message}"),
    "upload_features": ("{n} đối tượng trong lớp của bạn", "{n} features in your layer"),
    "upload_features_1": ("1 đối tượng trong lớp của bạn", "1 feature in your layer"),
    "upload_hits": ("{n} dự án giao với lớp của bạn", "{n} projects intersect your layer"),
    "upload_hits_1": ("1 dự án giao với lớp của bạn", "1 project intersects your layer"),
    "export_help": (
        "Tải về đúng các dự án đang lọc ({n} dự án), với đầy đủ độ chính xác hình học.",
        "Download exactly the filtered projects ({n}), geometry at full precision.",
    ),
    "export_button": ("Tải {fmt}", "Download {fmt}"),
    "export_crs": ("Hệ tọa độ của tệp", "Coordinate reference system of the files"),
    "export_crs_help": (
        "VN-2000 / TM-3 múi 482 (kinh tuyến trục 105°, k = 0,9999; đơn vị mét) cho GeoPackage, Shapefile, "
        "CSV và DXF; WGS 84 là kinh độ, vĩ độ (độ). GeoJSON và KML luôn ở WGS 84.",
        "VN-2000 / TM-3 zone 482 (central meridian 105°, k = 0.9999; metres) for GeoPackage, Shapefile, CSV "
        "and DXF; WGS 84 is longitude and latitude in degrees. GeoJSON and KML are always WGS 84.",
    ),
    "export_only_geojson": ("Chỉ {crs} (chuẩn GeoJSON RFC 7946)", "{crs} only (GeoJSON standard, RFC 7946)"),
    "export_only_kml": ("Chỉ {crs} (chuẩn KML)", "{crs} only (KML standard)"),
    "export_only": ("Chỉ {crs}", "{crs} only"),
    "share_help": (
        "Bộ lọc nằm trong địa chỉ trang: sao chép địa chỉ để chia sẻ đúng khung nhìn này.",
        "The filters live in the page address: copy it to share this exact view.",
    ),
    "register_error": (
        "Danh mục dự án có lỗi, không thể hiển thị ({n} lỗi):",
        "The register has problems and cannot be shown ({n} problems):",
    ),
    "query_error": (
        "Bộ lọc không hợp lệ (đã bỏ qua, các bộ lọc khác vẫn áp dụng): {message}",
        "Invalid filter (ignored; the other filters still apply): {message}",
    ),
    "address_dropped": (
        "Địa chỉ trang có {n} tham số hoặc quá dài: Streamlit chỉ đọc tối đa 1.000 tham số và 524.288 ký tự, "
        "nên đã bỏ qua toàn bộ địa chỉ (không áp dụng bộ lọc nào). Hãy rút gọn đường dẫn.",
        "The page address has {n} parameters or is too long: Streamlit reads at most 1,000 parameters and "
        "524,288 characters, so it ignored the whole address (no filter applied). Shorten the link.",
    ),
    "query_error_ignored": (
        "Tham số lọc trong địa chỉ không hợp lệ (đã bỏ qua): {message}",
        "Invalid filter in the address (ignored): {message}",
    ),
    "filter_description": ("Bộ lọc: {text}", "Filter: {text}"),
    "tiles_offline": (
        "Không tải được nền OpenStreetMap (không có Internet?): chỉ vẽ nền có sẵn.",
        "OpenStreetMap tiles are unreachable (no internet?): the bundled background only.",
    ),
    "km_now_help": (
        "— : sổ danh mục không có công trình cùng loại đang khai thác; với đường bộ không đo (sổ danh mục "
        "chỉ có các dự án, không có toàn bộ mạng lưới đường hiện có).",
        "— : no existing facility of that kind in the register; not measured for roads (the register holds "
        "road projects, not the whole existing network).",
    ),
    "assets_missing": (
        "Thiếu thư viện bản đồ cục bộ (chạy `python -m portfolio assets`): {files}",
        "The map's local scripts are missing (run `python -m portfolio assets`): {files}",
    ),
    "no_results": ("Không có dự án nào khớp bộ lọc.", "No project matches the filters."),
    "not_available": ("(không có)", "(none)"),
    "yes": ("Có", "Yes"),
    "no": ("Không", "No"),
    # ---- keeping the register current (issue 10): review, changes, history, editors
    "review_stale_evidence": ("căn cứ tình trạng quá 12 tháng", "status evidence over 12 months old"),
    "review_planned_period_ended": ("kế hoạch đã hết giai đoạn", "planned, its period has ended"),
    "review_construction_overdue": ("đang thi công quá năm kết thúc", "under construction past its end year"),
    "review_none": ("Không có dự án nào cần rà soát.", "No project needs review."),
    "review_total": (
        "{n} trên {total} dự án cần rà soát, thuộc {departments} cơ quan",
        "{n} of {total} projects need review, in {departments} department(s)",
    ),
    "review_no_department": ("(chưa rõ cơ quan)", "(no department)"),
    "login_title": ("Đăng nhập (cán bộ cập nhật)", "Log in (editors)"),
    "login_user": ("Tên đăng nhập", "User name"),
    "login_password": ("Mật khẩu", "Password"),
    "login": ("Đăng nhập", "Log in"),
    "logout": ("Đăng xuất", "Log out"),
    "logged_in_as": ("Đã đăng nhập: {user} ({department})", "Logged in as {user} ({department})"),
    "all_departments": ("mọi cơ quan", "all departments"),
    "as_of_use": ("Xem sổ đăng ký tại một ngày trước", "Show the register as it stood on a date"),
    "as_of_help": (
        "Dựng lại từ nhật ký thay đổi: mọi thay đổi ghi nhận sau cuối ngày đã chọn (giờ Việt Nam) được bỏ.",
        "Rebuilt from the audit: every change recorded after the end of the chosen day (Vietnam time) is "
        "undone.",
    ),
    "as_of_date": ("Ngày", "Date"),
    "as_of_shown": (
        "Đang xem sổ đăng ký như ngày {date} (phiên bản {version}); không thể chỉnh sửa.",
        "Showing the register as it stood on {date} (version {version}); editing is off.",
    ),
    "status_age": (
        "Tuổi của tình trạng: {days} ngày (căn cứ ngày {date})",
        "Status age: {days} days (evidence of {date})",
    ),
    "status_age_days": ("Tuổi tình trạng (ngày)", "Status age (days)"),
    "needs_review": ("Cần rà soát: {reasons}", "Needs review: {reasons}"),
    "history_title": ("Lịch sử tình trạng và giai đoạn", "Status and period history"),
    "history_none": ("Chưa có lịch sử.", "No history recorded."),
    "history_kind": ("Loại", "Kind"),
    "history_status": ("Tình trạng", "Status"),
    "history_period": ("Giai đoạn", "Period"),
    "history_value": ("Giá trị", "Value"),
    "history_date": ("Ngày căn cứ", "Evidence date"),
    "history_source": ("Nguồn", "Source"),
    "history_by": ("Người cập nhật", "Applied by"),
    "history_register": ("sổ đăng ký gốc", "the register"),
    "history_reason": ("Lý do", "Reason"),
    "edit_title": ("Cập nhật dự án", "Update this project"),
    "edit_not_yours": (
        "Dự án này không thuộc {department}; chỉ xem.",
        "This project is not {department}'s; view only.",
    ),
    "change_reason": ("Lý do thay đổi", "Reason for the change"),
    "change_source": (
        "Căn cứ (văn bản và ngày, hoặc địa chỉ)",
        "Evidence (document and date, or an address)",
    ),
    "change_source_help": (
        "Ví dụ: QĐ 123/QĐ-UBND 2026-11-20, hoặc https://…",
        "E.g. QĐ 123/QĐ-UBND 2026-11-20, or https://…",
    ),
    "preview": ("Xem trước", "Preview"),
    "apply": ("Áp dụng", "Apply"),
    "preview_title": ("Xem trước thay đổi", "Preview of the change"),
    "preview_field": ("Trường", "Field"),
    "preview_before": ("Trước", "Before"),
    "preview_after": ("Sau", "After"),
    "preview_new": ("(mới)", "(new)"),
    "preview_unknown": ("không có trong sổ đăng ký", "not in the register"),
    "change_refused": (
        "Thay đổi bị từ chối ({n} lỗi); không có gì được ghi.",
        "The change is refused ({n} problem(s)); nothing was written.",
    ),
    "change_nothing": ("Không có gì thay đổi.", "Nothing to change."),
    "change_conflict": (
        "Xung đột: người khác đã sửa dự án này trong lúc bạn chỉnh; thay đổi của bạn chưa được ghi. {detail}",
        "Conflict: someone else changed this project while you were editing; your change was not written. "
        "{detail}",
    ),
    "change_applied": (
        "Đã áp dụng bộ thay đổi {id} ({n} dòng nhật ký).",
        "Change set {id} applied ({n} audit record(s)).",
    ),
    "tab_review": ("Rà soát", "Review"),
    "review_help": (
        "Dự án cần rà soát: căn cứ tình trạng quá 12 tháng, kế hoạch đã hết giai đoạn, hoặc đang thi công "
        "quá năm kết thúc; theo cơ quan, cũ nhất trước.",
        "Projects that need review: status evidence over 12 months old, planned with their period ended, "
        "or under "
        "construction past their end year; per department, oldest first.",
    ),
    "review_department": ("Cơ quan", "Department"),
    "review_count": ("{n} trên {total} dự án cần rà soát", "{n} of {total} projects need review"),
    "review_reasons": ("Lý do", "Reasons"),
    "changeset_title": ("Tải lên bộ thay đổi", "Upload a change set"),
    "changeset_help": (
        "CSV hoặc Excel (.xlsx) theo cột id với các cột cần đổi; hoặc GeoJSON, GeoPackage, Shapefile nén "
        "(.zip) cho hình học.",
        "CSV or Excel (.xlsx) rows keyed by id with the columns to change; or GeoJSON, GeoPackage, zipped "
        "Shapefile "
        "for geometries.",
    ),
    "changeset_file": ("Tệp bộ thay đổi", "Change-set file"),
    "changeset_login": (
        "Đăng nhập để cập nhật dự án của cơ quan bạn.",
        "Log in to update your department's projects.",
    ),
    "auth_wrong_password": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong user name or password."),
    "auth_locked": (
        "Tài khoản bị khóa do nhập sai mật khẩu nhiều lần, đến {until}; hãy thử lại sau hoặc nhờ quản trị "
        "viên mở khóa.",
        "The account is locked after too many wrong passwords, until {until}; try again later or ask an "
        "administrator to unlock it.",
    ),
    "auth_expired": (
        "Phiên làm việc đã hết hạn; hãy đăng nhập lại.",
        "Your session has expired; log in again.",
    ),
    "auth_no_session": (
        "Phiên làm việc không còn hiệu lực (đã đăng xuất?); hãy đăng nhập lại.",
        "This session is no longer valid (logged out?); log in again.",
    ),
    "auth_too_long": (
        "Mật khẩu quá dài (tối đa {most} ký tự); không được kiểm tra.",
        "The password is too long (at most {most} characters); it was not checked.",
    ),
    "auth_too_short": (
        "Mật khẩu phải có ít nhất {least} ký tự.",
        "A password needs at least {least} characters.",
    ),
    "auth_bad_role": (
        "Vai trò {role} không hợp lệ (editor hoặc admin).",
        "Role {role} is not editor or admin.",
    ),
    "auth_incomplete": ("Cần tên đăng nhập và cơ quan.", "A user name and a department are needed."),
    "auth_inside_repository": (
        "Tệp tài khoản {path} nằm trong kho mã nguồn; hãy đặt nó bên ngoài (biến PORTFOLIO_EDITORS).",
        "The editors file {path} is inside the repository; keep it outside (PORTFOLIO_EDITORS).",
    ),
    # ---- PDF reports and charts (issue 15; portfolio.reports)
    "report_title": ("Báo cáo danh mục dự án hạ tầng Cần Thơ", "Cần Thơ infrastructure portfolio report"),
    "sheet_title": ("Phiếu dự án", "Project sheet"),
    "report_page": ("Trang {page}/{pages}", "Page {page} of {pages}"),
    "report_version": ("Sổ đăng ký phiên bản {version}", "Register version {version}"),
    "report_printed": ("in ngày {date}", "printed {date}"),
    "report_not_stated": ("không rõ", "not stated"),
    "report_empty": (
        "Không có dự án nào khớp bộ lọc này: báo cáo không có bản đồ, biểu đồ hay bảng.",
        "No project matches this filter: the report has no map, chart or table.",
    ),
    "report_figures": ("Số liệu", "Figures"),
    "report_count": ("{n} dự án", "{n} projects"),
    "report_projects": ("Số dự án", "Projects"),
    "report_totals": (
        "Tổng: {km} km đường, tuyến; {ha} ha khu, vùng (đo trong VN-2000, EPSG:5897).",
        "Totals: {km} km of roads and lines; {ha} ha of zones (measured in VN-2000, EPSG:5897).",
    ),
    "report_investment": (
        "Tổng mức đầu tư có nguồn: {total} tỷ đồng của {n} dự án ({approved} tỷ đã phê duyệt, "
        "{estimate} tỷ ước tính).",
        "Sourced investment: {total} bn VND over {n} projects ({approved} bn approved, {estimate} bn "
        "estimates).",
    ),
    "report_investment_covered": (
        "{n} dự án thành phần có số liệu không cộng thêm: số liệu của dự án cha đã gồm chúng.",
        "{n} component figures not added: their parent's figure covers them.",
    ),
    "report_investment_none": (
        "Không dự án nào có số liệu đầu tư có nguồn.",
        "No project has a sourced investment figure.",
    ),
    "report_map_note": (
        "Nền: ranh giới thành phố 2025, sông và đường chính từ dữ liệu của dự án (không dùng bản đồ nền trực "
        "tuyến).",
        "Background: the 2025 city boundary, main rivers and roads from the project's own geodata "
        "(no tiles).",
    ),
    "report_gantt": ("Tiến độ và chậm tiến độ", "Timeline and slippage"),
    "report_no_period": ("Không dự án nào có giai đoạn.", "No project has a period."),
    "report_no_slippage": (
        "Không dự án nào được các văn bản ghi giai đoạn khác nhau.",
        "No project is given different periods by its documents.",
    ),
    "report_table": ("Danh sách dự án", "Projects"),
    "report_size": ("Quy mô", "Size"),
    "sheet_investment": ("{amount} tỷ đồng ({kind})", "{amount} bn VND ({kind})"),
    "sheet_slippage": (
        "{delta} năm: {first} ({first_source}) → {latest} ({latest_source})",
        "{delta} years: {first} ({first_source}) → {latest} ({latest_source})",
    ),
    "sheet_status_date": ("{status}, ngày {date}", "{status}, as of {date}"),
    "sheet_button": ("Tải phiếu dự án (PDF)", "Download project sheet (PDF)"),
    "report_button": (
        "Tải báo cáo PDF ({n} dự án đang lọc)",
        "Download the PDF report ({n} filtered projects)",
    ),
    "tab_charts": ("Biểu đồ", "Charts"),
    "charts_help": (
        "Các biểu đồ theo đúng bộ lọc và cộng đúng các cột của bảng (mỗi dự án một dòng; dự án cha và "
        "thành phần đều được tính). Vốn đầu tư chỉ gồm số liệu có nguồn; số liệu của dự án cha đã gồm "
        "các thành phần.",
        "The charts follow the filter and add up the table's columns (one row per project; parents and "
        "components both count). Investment only where a source gives it; a parent's figure covers its "
        "components.",
    ),
    "chart_projects_status": ("Số dự án theo tình trạng", "Projects by status"),
    "chart_size_status": ("Km và ha theo tình trạng", "km and ha by status"),
    "chart_projects_sector": ("Số dự án theo lĩnh vực", "Projects by sector"),
    "chart_size_sector": ("Km và ha theo lĩnh vực", "km and ha by sector"),
    "chart_investment_funding": (
        "Vốn đầu tư có nguồn theo loại nguồn vốn (tỷ đồng)",
        "Sourced investment by funding type (bn VND)",
    ),
    "chart_investment_owner": (
        "Vốn đầu tư có nguồn theo cơ quan chủ trì (tỷ đồng)",
        "Sourced investment by owner (bn VND)",
    ),
    "chart_years": (
        "Số dự án theo năm bắt đầu và kết thúc (giai đoạn mới nhất)",
        "Projects by year of start and end (latest period)",
    ),
    "chart_measure": ("Đại lượng", "Measure"),
    "chart_investment": ("Vốn đầu tư (tỷ đồng)", "Investment (bn VND)"),
    "chart_year": ("Năm", "Year"),
}

#: Register column -> (Vietnamese, English) labels for tables and cards.
COLUMN_LABELS: Final[dict[str, tuple[str, str]]] = {
    "id": ("Mã", "Id"),
    "name_vi": ("Tên (tiếng Việt)", "Name (Vietnamese)"),
    "name_en": ("Tên (tiếng Anh)", "Name (English)"),
    "sector": ("Lĩnh vực", "Sector"),
    "owner": ("Cơ quan chủ trì", "Owner"),
    "owner_current": ("Cơ quan phụ trách hiện nay", "Current owner"),
    "investor": ("Chủ đầu tư", "Investor"),
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
    "investment_bn_vnd": ("Tổng mức đầu tư (tỷ đồng)", "Total investment (bn VND)"),
    "investment_kind": ("Loại số liệu đầu tư", "Investment figure"),
    "investment_source": ("Nguồn số liệu đầu tư", "Investment source"),
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
    "investment_kind": dict(schema.INVESTMENT_KINDS),
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


#: Babel locales of the page languages (numbers and dates).
LOCALES: Final[dict[str, str]] = {"vi": "vi_VN", "en": "en"}
#: How a date reads in each language: ``03/12/2026`` (vi), ``3 December 2026`` (en); Babel patterns.
DATE_PATTERNS: Final[dict[str, str]] = {"vi": "dd/MM/y", "en": "d MMMM y"}


def number(value: float, decimals: int = 1, lang: str = DEFAULT_LANG) -> str:
    """``value`` with thousands separators in the language's style: ``1.538,6`` (vi), ``1,538.6`` (en).

    Rounded as Python rounds ``f"{value:.{decimals}f}"``; the separators are Babel's for the locale."""
    from decimal import Decimal

    from babel.numbers import format_decimal

    rounded = Decimal(f"{value:.{decimals}f}")
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return str(format_decimal(rounded, pattern, locale=LOCALES[normalise_lang(lang)]))


def date_text(value: object, lang: str = DEFAULT_LANG) -> str:
    """An ISO date (``2026-12-03``, or a ``date``) as people read it: ``03/12/2026`` (vi),
    ``3 December 2026`` (en), by Babel; a partial or unreadable date is returned as it is."""
    from datetime import date

    from babel.dates import format_date

    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return str(value or "")
    code = normalise_lang(lang)
    return str(format_date(day, DATE_PATTERNS[code], locale=LOCALES[code]))


def plural(key: str, n: int, lang: str = DEFAULT_LANG) -> str:
    """``t(key + "_1")`` when ``n`` is 1 and that key exists, else ``t(key, n=n)``
    ("1 feature", "2 features")."""
    if n == 1 and f"{key}_1" in MESSAGES:
        return t(f"{key}_1", lang)
    return t(key, lang, n=n)


# ------------------------------------------------------------------------ register texts in Vietnamese

#: Vietnamese definitions of the precision codes (English ones are ``schema.PRECISION[code][2]``).
PRECISION_DEFINITIONS_VI: Final[dict[int, str]] = {
    1: "Đúng vị trí hoặc tim tuyến, sai số khoảng 100 m.",
    2: "Sai số khoảng 1 km: tuyến vẽ theo hành lang thực qua các điểm đã biết (thị trấn, nút giao, cầu), "
    "hoặc một điểm gần vị trí đã biết.",
    3: "Chỉ biết hai đầu và hành lang chung (hoặc vị trí gần đúng): hướng tuyến quy hoạch chưa công bố, "
    "vẽ phác; có thể sai vài km.",
    4: "Đặt đúng xã, phường sau năm 2025; chưa biết vị trí trong xã, phường.",
    5: "Đặt đúng quận, huyện cũ trước năm 2025; chưa biết vị trí trong quận, huyện.",
    6: "Chương trình toàn thành phố hoặc nhiều địa điểm, thể hiện bằng các địa điểm hoặc vùng phục vụ.",
}

#: Vietnamese titles of the seed documents (English ones are ``schema.DOCUMENTS[key][1]``).
DOCUMENT_TITLES_VI: Final[dict[str, str]] = {
    "59-NQ/TW": "Nghị quyết 59-NQ/TW của Bộ Chính trị về xây dựng và phát triển thành phố Cần Thơ đến năm "
    "2030, tầm nhìn đến năm 2045",
    "202/KH-UBND": "Kế hoạch 202/KH-UBND của Ủy ban nhân dân thành phố thực hiện Nghị quyết 98/NQ-CP của "
    "Chính phủ (Nghị quyết 59-NQ/TW); Phụ lục II liệt kê 24 nhiệm vụ hạ tầng",
    "CTr-NQ29/2023": "Chương trình của Thành ủy thực hiện Nghị quyết 29-NQ/TW về công nghiệp hóa, hiện đại "
    "hóa đất nước đến năm 2030",
    "KH-UBND/2026": "Kế hoạch của Ủy ban nhân dân thành phố (chưa ghi số, tháng 01/2026) thực hiện "
    "Nghị quyết Đại hội Đảng bộ thành phố lần thứ I nhiệm kỳ 2025-2030 và Chương trình "
    "hành động 02-CTr/TU",
    "BT-KH2026": "Bản tin báo chí tóm tắt kế hoạch tháng 01/2026",
}


def precision_definition(code: object, lang: str = DEFAULT_LANG) -> str:
    """The definition of a precision code in ``lang`` (``""`` for an unknown code)."""
    try:
        number_ = int(str(code))
        english = schema.PRECISION[number_][2]
    except (KeyError, ValueError):
        return ""
    return english if normalise_lang(lang) == "en" else PRECISION_DEFINITIONS_VI.get(number_, english)


def document_title(key: str, lang: str = DEFAULT_LANG) -> str:
    """The title of a seed document (``schema.DOCUMENTS`` key) in ``lang`` (``""`` when unknown)."""
    entry = schema.DOCUMENTS.get(key)
    if entry is None:
        return ""
    return entry[1] if normalise_lang(lang) == "en" else DOCUMENT_TITLES_VI.get(key, entry[1])


def source_label(entry: str, lang: str = DEFAULT_LANG) -> str:
    """A ``sources`` / ``period_history`` document as shown: ``ngoài: X`` becomes
    "Outside source: X"
    ("Nguồn ngoài: X"); anything else is returned as it is."""
    text = str(entry or "").strip()
    if text.lower().startswith(schema.EXTERNAL_PREFIX):
        return f"{t('external_source', lang)}: {text[len(schema.EXTERNAL_PREFIX) :].strip()}"
    return text


# ---------------------------------------------------------------------------------- upload messages

_FORMATS_VI: Final[str] = "GeoJSON, GeoPackage, KML, KMZ, Shapefile nén (.zip)"

#: :class:`~portfolio.UploadError` rule -> (Vietnamese, English) summary shown first; the problem's own
#: (English, technical) message follows as a detail line.
UPLOAD_RULES: Final[dict[str, tuple[str, str]]] = {
    "unreadable": ("tệp không đọc được", "the file cannot be read"),
    "empty_file": ("tệp rỗng", "the file is empty"),
    "too_large": ("tệp quá lớn (tối đa 20 MB)", "the file is too large (20 MB at most)"),
    "not_geopackage": (
        "tệp là cơ sở dữ liệu SQLite nhưng không phải GeoPackage",
        "the file is an SQLite database but not a GeoPackage",
    ),
    "unknown_format": (
        f"tệp không thuộc các định dạng được hỗ trợ: {_FORMATS_VI}",
        "the file is not one of the supported formats: GeoJSON, GeoPackage, KML, KMZ, zipped Shapefile",
    ),
    "not_utf8": (
        "tệp văn bản không mã hóa UTF-8; hãy lưu lại dưới dạng UTF-8",
        "the text is not UTF-8; save the file as UTF-8",
    ),
    "unsafe_xml": (
        "tệp XML khai báo DTD hoặc thực thể, bị từ chối vì lý do an toàn; hãy xuất lại KML không có DOCTYPE",
        "the XML declares a DTD or entities, refused for safety; export the KML again without a DOCTYPE",
    ),
    "bad_json": ("tệp không phải JSON hợp lệ", "the file is not valid JSON"),
    "not_geojson": ("tệp JSON không phải GeoJSON", "the JSON is not GeoJSON"),
    "no_features": ("tệp không có đối tượng nào có hình học", "the file holds no feature with a geometry"),
    "bad_zip": (
        "tệp ZIP bị hỏng, mã hóa hoặc không giải nén được",
        "the ZIP is damaged, encrypted or cannot be unpacked",
    ),
    "zip_bomb": (
        "tệp ZIP quá lớn khi giải nén hoặc có quá nhiều tệp",
        "the ZIP unpacks to too much data or holds too many entries",
    ),
    "zip_not_shapefile": (
        "tệp ZIP không chứa đúng một Shapefile (.shp cùng .shx, .dbf) hoặc một KML",
        "the ZIP does not hold exactly one Shapefile (.shp with .shx, .dbf) or a KML",
    ),
    "too_many_layers": ("tệp có quá nhiều lớp (tối đa 20)", "the file holds too many layers (20 at most)"),
    "too_many_features": (
        "tệp có quá nhiều đối tượng (tối đa 50.000)",
        "the file holds too many features (50,000 at most)",
    ),
    "no_crs": (
        "lớp không có hệ tọa độ và tọa độ không phải độ; hãy xuất kèm hệ tọa độ hoặc ở EPSG:4326",
        "the layer has no CRS and its coordinates are not degrees; export it with its CRS or in EPSG:4326",
    ),
    "wrong_crs": (
        "hệ tọa độ của lớp không dùng được hoặc không khớp với tọa độ",
        "the layer's CRS cannot be used or does not match its coordinates",
    ),
    "bad_geometry": ("tọa độ không phải số hữu hạn", "coordinates are not finite numbers"),
    "too_many_vertices": (
        "tệp có quá nhiều đỉnh (tối đa 500.000)",
        "the file holds too many vertices (500,000 at most)",
    ),
    "unsafe_geopackage": (
        "GeoPackage chứa view, trigger hoặc bảng ảo (chạy truy vấn khi đọc), bị từ chối vì "
        "lý do an toàn; hãy lưu lớp thành bảng thường",
        "the GeoPackage holds a view, trigger or virtual table (which run queries when "
        "read), refused for safety; save the layer as a plain table",
    ),
    "bad_geopackage": ("GeoPackage bị hỏng hoặc không đầy đủ", "the GeoPackage is damaged or incomplete"),
    "time_limit": (
        "đọc tệp quá giới hạn thời gian (60 giây) nên đã bị dừng",
        "reading the file took longer than the time limit (60 seconds) and was stopped",
    ),
    "cpu_limit": (
        "đọc tệp dùng quá giới hạn CPU (15 giây CPU) nên đã bị dừng",
        "reading the file used more than the CPU limit (15 CPU-seconds) and was stopped",
    ),
    "memory_limit": (
        "đọc tệp cần quá giới hạn bộ nhớ (1 GiB) nên đã bị dừng",
        "reading the file needed more than the memory limit (1 GiB) and was stopped",
    ),
    "reader_crashed": (
        "trình đọc tệp dừng bất thường (thường do vượt giới hạn bộ nhớ 1 GiB)",
        "the reader stopped unexpectedly (most often: over the 1 GiB memory limit)",
    ),
    "busy": (
        "máy chủ đang bận đọc các tệp khác; hãy thử lại sau",
        "the server is busy reading other files; try again",
    ),
}


def upload_problem(rule: str, file: str, detail: str, lang: str = DEFAULT_LANG) -> tuple[str, str]:
    """``(message, detail)`` for one upload problem: the message in ``lang`` names the file; the
    detail is the library's English text (empty in English, where the message already is it)."""
    entry = UPLOAD_RULES.get(rule)
    if normalise_lang(lang) == "en" or entry is None:
        return (f"{file}: {detail}" if file else detail), ""
    return (f"{file}: {entry[0]}" if file else entry[0]), detail


#: Upload note code -> (Vietnamese, English) template (see ``upload.Note``).
UPLOAD_NOTES: Final[dict[str, tuple[str, str]]] = {
    "xml_encoding": (
        "XML khai báo mã {encoding}: đã chuyển sang UTF-8",
        "XML declared as {encoding}: converted to UTF-8",
    ),
    "no_prj": ("Shapefile không có tệp .prj (không có hệ tọa độ)", "the Shapefile has no .prj (no CRS)"),
    "gdal_warning": ("{layer}cảnh báo khi đọc: {text}", "{layer}{text}"),
    "assumed_wgs84": (
        "{layer}không có hệ tọa độ; tọa độ là độ nên coi là WGS 84",
        "{layer}no CRS given; coordinates are degrees, assumed WGS 84",
    ),
    "reprojected": ("{layer}đã chuyển từ {crs} sang WGS 84", "{layer}reprojected from {crs} to WGS 84"),
    "dropped_no_geometry": (
        "đã bỏ {n} đối tượng không có hình học",
        "{n} feature(s) without geometry dropped",
    ),
    "repaired": (
        "đã sửa {n} hình học không hợp lệ (make_valid)",
        "{n} invalid geometries repaired (make_valid)",
    ),
    "dropped_empty": ("đã bỏ {n} hình học rỗng sau khi sửa", "{n} geometries empty after repair dropped"),
}


def upload_note(code: str, params: dict[str, object], lang: str = DEFAULT_LANG, english: str = "") -> str:
    """One upload note in ``lang``; ``params["layer"]`` is a layer name ("" for single-layer files).
    Falls back to ``english`` for an unknown code."""
    entry = UPLOAD_NOTES.get(code)
    if entry is None:
        return english
    values = dict(params)
    layer = str(values.get("layer") or "")
    if layer:
        values["layer"] = f"lớp {layer}: " if normalise_lang(lang) == "vi" else f"layer {layer}: "
    else:
        values["layer"] = ""
    if normalise_lang(lang) == "en" and english:
        return english
    try:
        return entry[1 if normalise_lang(lang) == "en" else 0].format(**values)
    except (KeyError, IndexError, ValueError):
        return english


# ------------------------------------------------------------------------------- filter (URL) errors

#: Filter parameter -> (Vietnamese, English) name, for messages about the address.
PARAM_NAMES: Final[dict[str, tuple[str, str]]] = {
    "status": ("tình trạng", "status"),
    "sector": ("lĩnh vực", "sector"),
    "owner": ("cơ quan chủ trì", "owner"),
    "funding": ("loại nguồn vốn", "funding"),
    "funding_type": ("loại nguồn vốn", "funding type"),
    "scope": ("phạm vi", "scope"),
    "commune": ("xã, phường", "commune"),
    "district": ("quận, huyện cũ", "district"),
    "from": ("từ năm", "from"),
    "to": ("đến năm", "to"),
    "year": ("năm", "year"),
    "undated": ("dự án chưa có giai đoạn", "undated"),
    "max_precision": ("độ chính xác vị trí", "max_precision"),
    "bbox": ("khung", "bbox"),
    "search": ("tìm kiếm", "search"),
    "parameter": ("tham số", "parameter"),
    "lang": ("ngôn ngữ (lang)", "lang"),
    "view": ("chế độ xem (view)", "view"),
    "sel": ("dự án được chọn (sel)", "sel"),
    "links": ("đường nối (links)", "links"),
}

#: :class:`~portfolio.QueryError` code -> (Vietnamese, English) template over its ``params``.
QUERY_ERRORS: Final[dict[str, tuple[str, str]]] = {
    "unknown_value": (
        "{field}: không có giá trị {value}; các giá trị hợp lệ: {allowed}",
        "unknown {field} {value}; allowed values: {allowed}",
    ),
    "unknown_parameter": (
        "không có tham số {value}; các tham số hợp lệ: {allowed}",
        "unknown parameter {value}; allowed: {allowed}",
    ),
    "not_a_year": ("{field}: {value} không phải là năm", "{field}: {value} is not a year"),
    "year_out_of_range": (
        "{field}: {value} không phải năm trong khoảng {min}–{max}",
        "{field}: {value} is not a year between {min} and {max}",
    ),
    "from_after_to": (
        "năm bắt đầu ({year_from}) sau năm kết thúc ({year_to})",
        "from ({year_from}) is after to ({year_to})",
    ),
    "repeated_parameter": (
        "{field}: có {count} lần; chỉ cho một lần",
        "{field}: given {count} times; give it once",
    ),
    "not_a_whole_number": ("{field}: {value} không phải số nguyên", "{field}: {value} is not a whole number"),
    "unknown_project": ("{field}: không có dự án nào mã {value}", "{field}: no project has the id {value}"),
    "no_search_words": (
        "{field}: {value} không có chữ cái hay chữ số nào để tìm; hãy nhập một từ hoặc một số, hoặc để trống",
        "{field}: {value} has no letter or digit to search for; type a word or a number, or leave it empty",
    ),
    "bad_bbox": (
        "khung {value} không hợp lệ (cần 4 số độ: kinh độ nhỏ, vĩ độ nhỏ, kinh độ lớn, vĩ độ lớn)",
        "bbox {value} is not valid (4 numbers in degrees: lon_min, lat_min, lon_max, lat_max)",
    ),
}


def _param_name(value: object, lang: str) -> str:
    names = PARAM_NAMES.get(str(value))
    if names is None:
        return str(value)
    return names[1] if normalise_lang(lang) == "en" else names[0]


def query_error(exc: BaseException, lang: str = DEFAULT_LANG) -> str:
    """A filter error in ``lang`` from its ``code`` and ``params`` (when the error carries them and the
    code is known here), else the error's own (English) text."""
    code = getattr(exc, "code", None)
    params = getattr(exc, "params", None)
    entry = QUERY_ERRORS.get(str(code)) if code else None
    if entry is None or not isinstance(params, dict):
        return str(exc)
    values: dict[str, object] = {}
    for key, value in params.items():
        if isinstance(value, (list, tuple, set, frozenset)):
            value = ", ".join(repr(v) if key in ("value", "values") else str(v) for v in value)
        elif key in ("value",):
            value = repr(value)
        values[key] = value
    if "values" in values and "value" not in values:
        values["value"] = values["values"]
    for key in ("field", "name", "param"):
        if key in values:
            values[key] = _param_name(params[key], lang)
    values.setdefault("field", values.get("name", values.get("param", "")))
    try:
        return entry[1 if normalise_lang(lang) == "en" else 0].format(**values)
    except (KeyError, IndexError, ValueError):
        return str(exc)


# ------------------------------------------------------------------------------------- table numbers

#: Largest table whose numbers are formatted for the language (pandas' Styler renders every cell:
#: about 0.14 s per 1,000 rows); larger tables show plain numbers.
MAX_STYLED_ROWS: Final[int] = 2_000


def number_text(value: object, decimals: int, lang: str = DEFAULT_LANG, signed: bool = False) -> str:
    """A table cell's number in the language's style (``48,39`` / ``48.39``); ``—`` when missing;
    ``+5`` / ``−1`` when ``signed``."""
    try:
        number_ = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    if number_ != number_:
        return "—"
    text = number(abs(number_) if signed else number_, decimals, lang)
    if signed:
        return ("+" if number_ > 0 else "−" if number_ < 0 else "±") + text
    return text


def styled(
    frame: pd.DataFrame,
    lang: str = DEFAULT_LANG,
    decimals: Mapping[str, int] | None = None,
    signed: Iterable[str] = (),
) -> pd.DataFrame | Styler:
    """``frame`` with its number columns shown in the language's style (``decimals``: column -> digits;
    ``signed`` columns get ``+``/``−``), missing numbers as ``—``. The values stay numbers, so the table
    still sorts numerically. Frames over :data:`MAX_STYLED_ROWS` rows are returned unstyled."""
    if len(frame) > MAX_STYLED_ROWS:
        return frame
    signed = set(signed)
    formats: dict[str, Callable[[object], str]] = {}
    for col, digits in (decimals or {}).items():
        if col in frame.columns:
            formats[col] = partial(number_text, decimals=digits, lang=lang, signed=col in signed)
    return frame.style.format(formats)
