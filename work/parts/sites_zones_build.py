"""Build work/parts/sites_zones.{csv,geojson} and work/parts/city_boundary.geojson.

Part `sites_zones`: every project that is not a road, expressway, bridge, intersection, railway,
BRT/LRT or navigation channel. Geometries are digitised by hand (waypoints chosen from knowledge of
the sites, checked against the commune layer); industrial-park polygons are rectangles of the
official area placed on the site. Run: /work/main/.venv/bin/python work/parts/sites_zones_build.py
"""
from __future__ import annotations

import csv
import json
import math
import sys
import unicodedata
from pathlib import Path

import geopandas as gpd
import pyproj
import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon, mapping, shape

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from portfolio.schema import COLUMNS  # noqa: E402

REF = Path("/work/shared/reference")
OUT = ROOT / "work" / "parts"
PART = "sites_zones"

TO_M = pyproj.Transformer.from_crs(4326, 5897, always_xy=True).transform
TO_LL = pyproj.Transformer.from_crs(5897, 4326, always_xy=True).transform

WARDS = gpd.read_file(REF / "cantho2025_wards_103.geojson")
SEAT = {r["name"]: (r["admin_center_lon"], r["admin_center_lat"]) for _, r in WARDS.iterrows()}


def rect(lon: float, lat: float, area_ha: float, aspect: float = 1.0, angle: float = 0.0) -> Polygon:
    """Rectangle of `area_ha` centred on lon/lat, long side/short side = aspect, rotated `angle` deg."""
    cx, cy = TO_M(lon, lat)
    a = area_ha * 1e4
    h = math.sqrt(a / aspect)
    w = a / h
    t = math.radians(angle)
    pts = []
    for dx, dy in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)):
        x = cx + dx * math.cos(t) - dy * math.sin(t)
        y = cy + dx * math.sin(t) + dy * math.cos(t)
        pts.append(TO_LL(x, y))
    return Polygon(pts)


def seats(*names: str) -> MultiPoint:
    return MultiPoint([SEAT[n] for n in names])


# ---------------------------------------------------------------- source locators
D202 = "202/KH-UBND (01/10/2021)"
D59 = "59-NQ/TW (05/08/2020)"
D26 = "KH-UBND/2026 (01/2026)"
DBT = "BT-KH2026 (2026)"
DCT = "CTr-NQ29/2023 (17/04/2023)"
PL2 = D202 + ", Phụ lục II, dòng {}"
NSNN = "NSNN và các nguồn huy động khác"
OWN_24B = ("Các Sở: Công Thương, Tài nguyên và Môi trường, Nông nghiệp và Phát triển nông thôn, "
           "Sở Thông tin và Truyền thông, Khoa học và Công nghệ, Ban Quản lý các Khu chế xuất và Công nghiệp Cần Thơ")

E = {  # external pages found with the search tool (corpus pages)
    "wb3_vns": 'ngoài: Viet Nam News, "WB-backed urban resilience project benefits over 442,600 residents in Cần Thơ", 2025-04-03, https://vietnamnews.vn/environment/1695136/wb-backed-urban-resilience-project-benefits-over-442-600-residents-in-can-tho.html',
    "wb3_1tg": 'ngoài: 1thegioi.vn, "322 triệu đô la Mỹ để Cần Thơ cải tạo đô thị", 2016-06-03, https://1thegioi.vn/amp/322-trieu-do-la-my-de-can-tho-cai-tao-do-thi-15855.html',
    "ub_nld": 'ngoài: Người Lao Động, "Cần Thơ thông tin về dự án được Thủ tướng đặc biệt quan tâm", 2026-01-05, https://nld.com.vn/can-tho-thong-tin-ve-du-an-duoc-thu-tuong-dac-biet-quan-tam-196260105145118429.htm',
    "ub_vietbao": 'ngoài: Vietbao, "Thủ tướng kiểm tra bệnh viện chậm tiến độ, nhà ở xã hội ở Cần Thơ", 2025-10-19, https://vietbao.vn/thu-tuong-kiem-tra-benh-vien-cham-tien-do-nha-o-xa-hoi-o-can-tho-568591.html',
    "khc_nld": 'ngoài: Người Lao Động, "Chủ tịch UBND Cần Thơ chỉ đạo nóng việc xây khu trung tâm hành chính tập trung 2.500 tỉ đồng", 2025-08-18, https://nld.com.vn/chu-tich-ubnd-can-tho-chi-dao-nong-viec-xay-khu-trung-tam-hanh-chinh-tap-trung-2500-ti-dong-19625081815453281.htm',
    "khc_vne": 'ngoài: VnEconomy, "Cần Thơ lên phương án xây dựng trung tâm hành chính tập trung", 2025-08-21, https://vneconomy.vn/can-tho-len-phuong-an-xay-dung-trung-tam-hanh-chinh-tap-trung.htm',
    "ttvh_vietbao": 'ngoài: Vietbao, "Cần Thơ rà soát dự án cũ để khởi động trung tâm hành chính mới ở khu đất vàng", 2025-08-19, https://vietbao.vn/can-tho-ra-soat-du-an-cu-de-khoi-dong-trung-tam-hanh-chinh-moi-o-khu-dat-vang-556519.html',
    "ttvh_tp": 'ngoài: Tiền Phong, "Xây dựng Trung tâm Văn hóa Tây Đô ở Cần Thơ" (không rõ ngày), https://www.tienphong.vn/van-nghe/xay-dung-trung-tam-van-hoa-tay-do-o-can-tho-45212.tpo',
    "lib_ld": 'ngoài: Lao Động, "Cần Thơ di dời 13 cổ thụ để xây thư viện gần 150 tỉ đồng", 2025-03-06, https://news.laodong.vn/xa-hoi/can-tho-di-doi-13-co-thu-de-xay-thu-vien-gan-150-ti-dong-1471602.ldo',
    "kvip_vnp": 'ngoài: VietnamPlus, "More investment in Korea-Vietnam incubator park solicited", 2022-11-24, https://en.vietnamplus.vn/more-investment-in-koreavietnam-incubator-park-solicited/244380.vnp',
    "ktcn_tn": 'ngoài: Thanh Niên, "Cần Thơ chuyển giao, nâng cấp các trường ĐH, CĐ", 2025-11-13, https://thanhnien.vn/can-tho-chuyen-giao-nang-cap-cac-truong-dh-cd-185251113171035248.htm',
    "vsip_cantho": 'ngoài: Cổng TTĐT TP Cần Thơ, "Vinh Thanh Industrial Park project - VSIP Can Tho officially kicked off", 2023-09-11, https://www.cantho.gov.vn/wps/portal/home/en/detail/news-and-events/vinh+thanh+industrial+park+project+vsip+can+tho+officially+kicked+off',
    "vsip_nda": 'ngoài: Nhà Đầu tư, "Vì sao VSIP chọn Cần Thơ là điểm đến đầu tiên tại khu vực ĐBSCL?" (QĐ 1255/QĐ-TTg, 293,7 ha) (không rõ ngày), https://nhadautu.vn/vi-sao-vsip-chon-can-tho-la-diem-den-dau-tien-tai-khu-vuc-dong-bang-song-cuu-long-d70569.html',
    "vt2_vns": 'ngoài: Viet Nam News, "Cần Thơ grants investment for Vĩnh Thạnh Industrial Park phase 2", 2025-02-06, https://vietnamnews.vn/economy/1691750/can-tho-grants-investment-for-vinh-thanh-industrial-park-phase-2.html',
    "kcn_ct_2021": 'ngoài: VietnamMoi, "Cần Thơ bổ sung hai khu công nghiệp 1.400 ha vào quy hoạch" (CV 156/TTg-CN ngày 04/02/2021), 2021, https://vietnammoi.vn/can-tho-bo-sung-hai-khu-cong-nghiep-1400-ha-vao-quy-hoach-2021627636755.htm',
    "tn2_vl": 'ngoài: vieclamcantho.net.vn, "Khu Công nghiệp Trà Nóc II" (157,7 ha, Trà Nóc I 135 ha), 2025-05, https://vieclamcantho.net.vn/2025/05/khu-cong-nghiep-tra-noc-ii.html',
    "tn1_123": 'ngoài: 123docz.net, "Hiện trạng từng khu công nghiệp tập trung ở thành phố Cần Thơ: Khu công nghiệp Trà Nóc" (QĐ 817/TTg 13/12/1995, 135,67 ha) (không rõ ngày), https://123docz.net/trich-doan/238156-hien-trang-tung-khu-cong-nghiep-tap-trung-o-thanh-pho-can-tho-1-khu-cong-nghiep-tra-noc.htm',
    "omon_bc": 'ngoài: Báo Cần Thơ, "Đề nghị thông tin quy hoạch khu công nghiệp", 2022-07-28, https://baocantho.com.vn/-e-nghi-thong-tin-quy-hoach-khu-cong-nghiep-a149455.html',
    "omon_tnck": 'ngoài: Tin nhanh chứng khoán, "Cần Thơ xem xét báo cáo xin đưa khu công nghiệp Ô Môn - Cần Thơ ra khỏi quy hoạch" (VB 297/BC-UBND 11/11/2022), 2022, https://m.tinnhanhchungkhoan.vn/can-tho-xem-xet-bao-cao-xin-dua-khu-cong-nghiep-o-mon-can-tho-ra-khoi-quy-hoach-post309949.html',
    "an_tnck": 'ngoài: Tin nhanh chứng khoán, "Đón nhà đầu tư, Sóc Trăng phát triển thêm nhiều khu công nghiệp", 2023, https://tinnhanhchungkhoan.vn/don-nha-dau-tu-soc-trang-phat-trien-them-nhieu-khu-cong-nghiep-post332857.html',
    "an_tp": 'ngoài: Tiền Phong, "Sóc Trăng sẽ có 1 khu kinh tế và 10 khu công nghiệp", 2023-11, https://tienphong.vn/soc-trang-se-co-1-khu-kinh-te-va-10-khu-cong-nghiep-post1583685.tpo',
    "td_bdshp": 'ngoài: bdshungphatct.com (theo Báo Xây dựng), "Sóc Trăng khai thác lợi thế cho phát triển công nghiệp" (không rõ ngày), https://bdshungphatct.com/b/soc-trang-khai-thac-loi-the-cho-phat-trien-cong-nghiep-332.html',
    "td_hathanh": 'ngoài: Bê tông Hà Thanh, "Cập nhật tiến độ dự án khu công nghiệp Trần Đề" (không rõ ngày, ~2023-2024), https://betonghathanh.com/en/su-kien/cap-nhat-tien-do-du-khu-cong-nghiep-tran-de',
    "sh2_dv": 'ngoài: Dân Việt, "Hậu Giang có thêm 2 khu công nghiệp tổng diện tích hơn 600 ha", 2023-07-15, https://etime.danviet.vn/hau-giang-co-them-2-khu-cong-nghiep-tong-dien-tich-hon-600-ha-20230715073344711.htm',
    "vnjp_vnp": 'ngoài: VietnamPlus, "Khánh thành Khu công nghiệp hữu nghị Việt Nam-Nhật Bản tại Cần Thơ", 2018-11-03, https://beta.vietnamplus.vn/khanh-thanh-khu-cong-nghiep-huu-nghi-viet-nam-nhat-ban-tai-can-tho-post533196.vnp',
    "vnjp_vietjo": 'ngoài: Viet-jo, "越日友好工業団地の竣工式" (120 ha, giai đoạn 1 30 ha), 2018-11-06, http://viet-jo.com/news/economy/181106103759.html',
    "cntt_bdt": 'ngoài: Báo Đấu thầu, "Thành lập Khu công nghệ thông tin tập trung tại TP. Cần Thơ" (QĐ 895/QĐ-TTg ngày 09/6/2021), 2021-06, https://baodauthau.vn/thanh-lap-khu-cong-nghe-thong-tin-tap-trung-tai-tp-can-tho-post107966.html',
    "cntt_bm": 'ngoài: Báo Mới (theo Tiền Phong), "Cần Thơ lập Ban Quản lý Khu công nghệ thông tin tập trung" (không rõ ngày), https://baomoi.net.vn/can-tho-lap-ban-quan-ly-khu-cong-nghe-thong-tin-tap-trung-c49823992.epi',
    "om_sggp": 'ngoài: SGGP, "Chuỗi dự án khí Lô B dự kiến có dòng khí đầu tiên vào tháng 8-2027", 2025-12-31, https://www.sggp.org.vn/chuoi-du-an-khi-lo-b-du-kien-co-dong-khi-dau-tien-vao-thang-8-2027-post831467.html',
    "om_cafef": 'ngoài: CafeF, "Các dự án trọng điểm năng lượng quốc gia phải đáp ứng cùng lúc 3 mục tiêu", 2025-12-31, https://cafef.vn/cac-du-an-trong-diem-nang-luong-quoc-gia-phai-dap-ung-cung-luc-3-muc-tieu-188251231143720313.chn',
    "om_vnp": 'ngoài: VietnamPlus, "Bảo đảm đưa 4 dự án sử dụng khí Lô B - Ô Môn vào vận hành đúng quy hoạch" (TB 12/TB-VPCP), 2026-01-08, https://www.vietnamplus.vn/bao-dam-dua-4-du-an-su-dung-khi-lo-b-o-mon-vao-van-hanh-dung-quy-hoach-post1087362.vnp',
    "om4_tp": 'ngoài: Tiền Phong, "Khởi công NMNĐ Ô Môn IV – Nguồn động lực mới cho Đồng bằng sông Cửu Long", 2025-08-20, https://tienphong.vn/khoi-cong-nmnd-o-mon-iv-nguon-dong-luc-moi-cho-dong-bang-song-cuu-long-post1770809.tpo',
    "om3_ct": 'ngoài: Công Thương, "Tháo gỡ vướng mắc trong khi triển khai 2 dự án điện khí Ô Môn 3 và 4" (trang thẻ, không rõ ngày), https://beta.congthuong.vn/tags/pvn-lam-chu-dau-tu-105138.tag',
    "sh1_vjst": 'ngoài: Vietnam Journal of Science and Technology (vjst.vn), "Petrovietnam khánh thành dự án Nhà máy Nhiệt điện Sông Hậu 1", 2022-07-16, http://vjst.vn/vjsta/tin-tuc/6545/petrovietnam--khanh-thanh-du-an-nha-may-nhiet-dien-song-hau-1.aspx',
    "lp1_bm": 'ngoài: Báo Mới, "Petrovietnam quyết tâm hoàn thành dự án NMNĐ Long Phú 1 trước năm 2027", 2025-01-06, https://lite.baomoi.com/petrovietnam-quyet-tam-hoan-thanh-du-an-nmnd-long-phu-1-truoc-nam-2027-c51184408.epi',
    "lp1_vt": 'ngoài: VietTimes, "Dự án NMNĐ Long Phú 1: Chuyển mình mạnh mẽ, hướng tới đích phát điện 2027" (trang thẻ, 2025), https://viettimes.vn/tap-doan-dau-khi-ha-noi-tag156579.html',
    "cc_btt": 'ngoài: Báo Tin tức, "Phó Thủ tướng Vương Đình Huệ khảo sát các cảng tại Cần Thơ", 2017-01-08, https://baotintuc.vn/thoi-su/pho-thu-tuong-vuong-dinh-hue-khao-sat-cac-cang-tai-can-tho-20170108154002082.htm',
    "td_rongdat": 'ngoài: rongdat.net, "Trần Đề – Điểm sáng kinh tế Sóc Trăng nhờ cảng biển và khu công nghiệp" (không rõ ngày), https://rongdat.net/tran-de-diem-sang-kinh-te-soc-trang-nho-cang-bien-va-khu-cong-nghiep',
    "td_fdi": 'ngoài: FDI Việt Nam (theo VNS), "Sóc Trăng plans to establish Trần Đề coastal economic zone by 2030" (2023), https://fdivietnam.com.vn/en/soc-trang-plans-to-establish-tran-de-coastal-economic-zone-by-2030-13173/',
}

ROWS: list[dict] = []
GEOM: dict[str, object] = {}


def add(geom, **kw):
    row = {c: "" for c in COLUMNS}
    row.update({k: ("" if v is None else str(v)) for k, v in kw.items()})
    for k, v in row.items():
        row[k] = unicodedata.normalize("NFC", v)
    ROWS.append(row)
    GEOM[row["id"]] = geom


# =============================================================== Phụ lục II rows
add(seats("Ninh Kiều", "Cái Khế", "Tân An", "An Bình", "Bình Thủy", "Long Tuyền", "Thới An Đông", "Cái Răng", "Hưng Phú"),
    id="du-an-phat-trien-tp-can-tho-tang-cuong-thich-ung-do-thi",
    name_vi="Dự án Phát triển thành phố Cần Thơ và tăng cường khả năng thích ứng của đô thị",
    name_en="Cần Thơ Urban Development and Resilience Project (World Bank-financed, 'WB3')",
    sector="urban_development", owner="Ban Quản lý dự án ODA", funding_source=NSNN, funding_type="state_budget",
    period_start=2015, period_end=2021, status="completed", status_as_of="2025-04-03",
    status_source=E["wb3_vns"].split(", ")[0] + " (implemented 2016-2024)",
    sources="; ".join([PL2.format(1), E["wb3_vns"], E["wb3_1tg"]]),
    location_vi="Khu vực trung tâm thành phố Cần Thơ (quận Ninh Kiều, Bình Thủy, Cái Răng)",
    scope="city", geocode_precision=6,
    notes=("Multi-component programme (flood control and environmental sanitation incl. embankments, tidal sluices, pumping "
           "stations; an urban corridor; climate-resilient urban management). Component sites are not all published, so the "
           "geometry shows the area served: seats of the post-2025 wards that cover the former Ninh Kiều, Bình Thủy and Cái Răng "
           "districts (beneficiary districts per 1thegioi/lecourrier). funding_type read by the uniform rule from the seed "
           "wording ('NSNN và các nguồn huy động khác' -> state_budget); outside sources show it is in fact a World Bank loan "
           "(US$250 m) + SECO grant (US$10 m) + city counterpart, i.e. ODA/mixed. Seed period 2015-2021; outside source: 2016-2024."))

add(Point(105.7425, 10.0150),
    id="benh-vien-ung-buou-can-tho-500-giuong",
    name_vi="Bệnh viện Ung Bướu thành phố Cần Thơ quy mô 500 giường",
    name_en="Cần Thơ Oncology Hospital (500 beds)", sector="health", owner="Sở Y tế", funding_source=NSNN,
    funding_type="state_budget", period_start=2018, period_end=2022, status="suspended", status_as_of="2026-01-05",
    status_source="ngoài: Người Lao Động 2026-01-05; Vietbao 2025-10-19 (works stopped since 2022 at ~80 %, restart being prepared)",
    sources="; ".join([PL2.format(2), E["ub_vietbao"], E["ub_nld"]]),
    location_vi="Phường An Bình, quận Ninh Kiều (cơ sở mới)", scope="city", geocode_precision=3,
    notes=("Site: new campus in (old and new) phường An Bình, on the Nguyễn Văn Cừ (nối dài) corridor; point placed approximately "
           "in the eastern part of An Bình ward, exact parcel not found. Started 2017, stopped 2022; HĐND adjusted the investment "
           "policy 14/11/2025 and restart is being prepared (target end-2026, per Sở Y tế)."))

add(LineString([(105.7346, 10.0925), (105.7342, 10.0897), (105.7329, 10.0866), (105.7311, 10.0838), (105.7290, 10.0807), (105.7268, 10.0775)]),
    id="ke-song-tra-noc-tra-an",
    name_vi="Kè chống sạt lở sông Trà Nóc, phường Trà An (từ cầu Trà Nóc đến cầu Xẻo Mây), quận Bình Thủy",
    name_en="Trà Nóc river bank-erosion embankment, Trà An ward (Trà Nóc bridge to Xẻo Mây bridge)",
    sector="embankment", owner="Sở Nông nghiệp & Phát triển nông thôn", owner_current="Sở Nông nghiệp và Môi trường",
    funding_source=NSNN, funding_type="state_budget", period_start=2021, period_end=2025, status="planned",
    status_as_of="2021-10-01", status_source="202/KH-UBND, Phụ lục II", sources=PL2.format(12),
    location_vi="Phường Trà An, quận Bình Thủy (từ cầu Trà Nóc đến cầu Xẻo Mây)", scope="city", geocode_precision=3,
    notes=("Digitised as a line along the Trà An (west) bank of the Trà Nóc river, which forms the boundary between the former Trà An "
           "and Bình Thủy/An Thới wards; waypoints chosen from the QL91 (cầu Trà Nóc) crossing upstream ~2 km; the position of cầu "
           "Xẻo Mây is not known, so the upstream end is approximate. owner_current: NĐ 45/2025/NĐ-CP and the 2025 merger of Sở NN&PTNT "
           "and Sở TN&MT into Sở Nông nghiệp và Môi trường."))

add(LineString([(105.6486, 10.1174), (105.6522, 10.1213), (105.6558, 10.1248), (105.6593, 10.1265), (105.6603, 10.1298), (105.6628, 10.1334)]),
    id="ke-song-o-mon-thoi-hoa-thoi-an",
    name_vi="Kè chống sạt lở sông Ô Môn (đoạn từ vàm Ba Rích đến rạch Tầm Vu), phường Thới Hòa, Thới An, quận Ô Môn",
    name_en="Ô Môn river bank-erosion embankment (Ba Rích mouth to Tầm Vu creek), left bank, Thới Hòa and Thới An wards",
    sector="embankment", owner="Sở Nông nghiệp & Phát triển nông thôn", owner_current="Sở Nông nghiệp và Môi trường",
    funding_source=NSNN, funding_type="state_budget", period_start=2021, period_end=2025, status="planned",
    status_as_of="2021-10-01", status_source="202/KH-UBND, Phụ lục II", sources=PL2.format(13),
    location_vi="Phường Thới Hòa, Thới An, quận Ô Môn (phía bờ trái sông Ô Môn, hướng từ cầu Ô Môn trở ra sông Hậu)",
    scope="city", geocode_precision=3,
    notes=("Line along the left (north-west) bank of the lower Ô Môn river, i.e. the Thới Hòa/Thới An side, from about the QL91 "
           "crossing towards the mouth on the Hậu river (~2.5 km). The exact ends (vàm Ba Rích, rạch Tầm Vu) could not be located, so "
           "the extent is sketched. owner_current: see ke-song-tra-noc-tra-an."))

add(Point(105.7800, 10.0330),
    id="benh-vien-huyet-hoc-truyen-mau-can-tho-mo-rong",
    name_vi="Nâng cấp, xây dựng mở rộng Bệnh viện Huyết học truyền máu thành phố Cần Thơ",
    name_en="Upgrade and extension of Cần Thơ Haematology and Blood Transfusion Hospital", sector="health",
    owner="Bệnh viện Huyết học truyền máu, Sở Y tế", funding_source=NSNN, funding_type="state_budget",
    period_start=2021, period_end=2025, status="planned", status_as_of="2021-10-01",
    status_source="202/KH-UBND, Phụ lục II", sources=PL2.format(14),
    location_vi="Thành phố Cần Thơ (không nêu địa điểm)", scope="city", geocode_precision=5,
    notes=("The seed gives no place. The hospital is believed to be in central Ninh Kiều; the point is a placeholder in former "
           "Ninh Kiều district, the hospital's address and the extension site could not be confirmed with the search tool (doubt)."))

add(seats("Phong Điền", "Nhơn Ái", "Trường Long", "Thới Lai", "Đông Thuận", "Trường Xuân", "Trường Thành", "Cờ Đỏ",
          "Đông Hiệp", "Thạnh Phú", "Trung Hưng", "Thới Hưng", "Vĩnh Thạnh", "Vĩnh Trinh", "Thạnh An", "Thạnh Quới"),
    id="cap-nuoc-sach-nong-thon-can-tho",
    name_vi="Xây dựng và nâng cấp hệ thống cấp nước sạch nông thôn trên địa bàn thành phố Cần Thơ",
    name_en="Construction and upgrading of rural clean-water supply systems, Cần Thơ", sector="water",
    owner="Sở Nông nghiệp & Phát triển nông thôn", owner_current="Sở Nông nghiệp và Môi trường",
    funding_source=NSNN, funding_type="state_budget", period_start=2021, period_end=2025, status="planned",
    status_as_of="2021-10-01", status_source="202/KH-UBND, Phụ lục II", sources=PL2.format(15),
    location_vi="Địa bàn nông thôn thành phố Cần Thơ", scope="city", geocode_precision=6,
    notes=("Programme of many small rural water works; individual plants are not listed. Geometry = area served, shown by the seats "
           "of the post-2025 communes covering the former rural districts of old TP Cần Thơ (Phong Điền, Thới Lai, Cờ Đỏ, Vĩnh Thạnh) "
           "as of the 2021 plan. owner_current: NĐ 45/2025 and the 2025 merger into Sở Nông nghiệp và Môi trường."))

add(Point(105.7852, 10.0212),
    id="khu-hanh-chinh-thanh-pho-can-tho",
    name_vi="Khu hành chính thành phố Cần Thơ (trung tâm hành chính tập trung)",
    name_en="Cần Thơ City administrative centre", sector="public_building",
    owner="Sở Xây dựng, Ban Quản lý dự án đầu tư xây dựng thành phố", funding_source=NSNN, funding_type="state_budget",
    period_start=2021, period_end=2025, status="planned", status_as_of="2025-08-21",
    status_source="ngoài: VnEconomy 2025-08-21 (detailed plan being adjusted; land not yet recovered)",
    sources="; ".join([PL2.format(16), D202 + ", mục II.4.d", D59 + ", mục III.6", E["khc_nld"], E["khc_vne"]]),
    location_vi="Khu vực Trung tâm Văn hóa Tây Đô, phường Hưng Phú (quận Cái Răng cũ)", scope="city", geocode_precision=3,
    notes=("Placed inside the Trung tâm Văn hóa Tây Đô planning area (south bank of the Cần Thơ river, west of Quang Trung street), "
           "where the 2023 1/500 plan and its 2025 adjustment put the administrative centre (10.87 ha -> 20 ha). Exact block not known."))

add(Point(105.7822, 10.0190),
    id="trung-tam-van-hoa-tay-do",
    name_vi="Trung tâm Văn hóa Tây Đô", name_en="Tây Đô Cultural Centre", sector="culture",
    owner="Sở Xây dựng, Ban Quản lý dự án đầu tư xây dựng thành phố", funding_source=NSNN, funding_type="state_budget",
    period_start=2021, period_end=2030, status="planned", status_as_of="2025-08-19",
    status_source="ngoài: Vietbao 2025-08-19 (about 18 ha of land recovered; plan being adjusted)",
    sources="; ".join([PL2.format(17), D202 + ", mục II.4.d", D59 + ", mục III.6", E["ttvh_vietbao"], E["ttvh_tp"]]),
    location_vi="Phường Hưng Phú (quận Cái Răng cũ); sông Cần Thơ phía Bắc và Tây, đường Quang Trung phía Đông",
    scope="city", geocode_precision=3,
    notes=("Point inside the planning area (69.37 ha in the 2025 adjustment, phase 1 ~43 ha; the original 2004 concept was 172.81 ha "
           "incl. resettlement). Shown as a point because the outline of the adjusted plan was not available."))

add(Point(105.7852, 10.0338),
    id="thu-vien-thanh-pho-can-tho",
    name_vi="Thư viện thành phố Cần Thơ", name_en="Cần Thơ City Library (new building)", sector="culture",
    owner="Sở Văn hóa, Thể thao và Du lịch", funding_source=NSNN, funding_type="state_budget", period_start=2021,
    period_end=2025, status="under_construction", status_as_of="2025-03-06",
    status_source="ngoài: Lao Động 2025-03-06 (construction started end of February 2025, 24 months)",
    sources="; ".join([PL2.format(18), E["lib_ld"]]),
    location_vi="Số 1 đường Phan Đình Phùng, phường Tân An, quận Ninh Kiều (vị trí thư viện hiện hữu)", scope="city",
    geocode_precision=2,
    notes=("Rebuilt on the existing library site on Phan Đình Phùng street (plus adjoining land of the former Sở Ngoại vụ); ~150 bn VND, "
           "local budget; construction investor Ban QLDA đầu tư xây dựng TP Cần Thơ (the seed names Sở VHTT&DL). Point approximate (~300 m)."))

add(Point(105.7800, 10.0345),
    id="tru-so-doan-dbqh-hdnd-can-tho",
    name_vi="Xây dựng trụ sở làm việc Văn phòng Đoàn Đại biểu Quốc hội và Hội đồng nhân dân thành phố",
    name_en="Office building of the National Assembly delegation and City People's Council", sector="public_building",
    owner="Ban Quản lý dự án đầu tư xây dựng thành phố", funding_source=NSNN, funding_type="state_budget",
    period_start=2021, period_end=2025, status="planned", status_as_of="2021-10-01",
    status_source="202/KH-UBND, Phụ lục II", sources=PL2.format(20),
    location_vi="Thành phố Cần Thơ (không nêu địa điểm)", scope="city", geocode_precision=5,
    notes=("No site in the seed and none found with the search tool; placeholder point in former Ninh Kiều district (city centre, "
           "where the city's political offices are). It may instead be built in the planned administrative centre (khu-hanh-chinh-thanh-pho-can-tho)."))

add(Point(105.6995, 10.1196),
    id="vuon-uom-cncn-viet-nam-han-quoc-thiet-bi",
    name_vi="Đầu tư bổ sung trang thiết bị cho Vườn ươm Công nghệ Công nghiệp Việt Nam - Hàn Quốc",
    name_en="Additional equipment for the Vietnam–Korea Industrial Technology Incubator (KVIP)",
    sector="science_technology", owner="Sở Khoa học và Công nghệ", funding_source="Vốn ODA, NSNN, các nguồn huy động khác",
    funding_type="mixed", period_start=2021, period_end=2023, status="planned", status_as_of="2021-10-01",
    status_source="202/KH-UBND, Phụ lục II",
    sources="; ".join([PL2.format(21), D202 + ", mục II.4.b", D59 + ", mục III.3", E["kvip_vnp"]]),
    location_vi="Khu công nghiệp Trà Nóc 2, phường Phước Thới, quận Ô Môn", scope="city", geocode_precision=3,
    notes=("The incubator (opened 14/11/2015, US$21.13 m, Korean grant) stands in Trà Nóc 2 industrial park, Ô Môn (VietnamPlus 2022). "
           "Point placed in the Trà Nóc 2 park along the Hậu river in Phước Thới ward; building position within the park not known. "
           "funding_type mixed: ODA and NSNN both named."))

add(Point(105.7860, 10.0335),
    id="san-giao-dich-cong-nghe-can-tho",
    name_vi="Dự án Sàn giao dịch công nghệ", name_en="Technology exchange (trading floor) project",
    sector="science_technology", owner="Sở Khoa học và Công nghệ", funding_source=NSNN, funding_type="state_budget",
    period_start=2021, period_end=2025, status="planned", status_as_of="2021-10-01",
    status_source="202/KH-UBND, Phụ lục II",
    sources="; ".join([PL2.format(22), D202 + ", mục II.5 (đẩy nhanh tiến độ dự án sàn giao dịch công nghệ)", D59 + ", mục III.5"]),
    location_vi="Sở Khoa học và Công nghệ thành phố Cần Thơ (đơn vị chủ trì)", scope="city", geocode_precision=3,
    notes=("A technology-exchange platform (physical + online) with no site of its own in the sources; located at the host agency, "
           "Sở KH&CN Cần Thơ (02 Lý Thường Kiệt, Ninh Kiều — address from general knowledge, not checked with the search tool)."))

add(Point(105.7250, 10.0400),
    id="dh-ky-thuat-cong-nghe-can-tho-co-so-2",
    name_vi="Cơ sở 2 Trường Đại học Kỹ thuật - Công nghệ Cần Thơ tại phường Long Tuyền, quận Bình Thủy",
    name_en="Campus 2 of Cần Thơ University of Technology, Long Tuyền ward", sector="education",
    owner="Trường Đại học Kỹ thuật- Công nghệ Cần Thơ", funding_source=NSNN, funding_type="state_budget",
    period_start=2021, period_end=2030, status="planned", status_as_of="2025-11-13",
    status_source="ngoài: Thanh Niên 2025-11-13 (land clearance of phase 1, 5.7 ha, not finished)",
    sources="; ".join([PL2.format(23), D202 + ", mục II.4.c (ưu tiên Trường Đại học Kỹ thuật - Công nghệ Cần Thơ)", E["ktcn_tn"]]),
    location_vi="Phường Long Tuyền, quận Bình Thủy", scope="city", geocode_precision=4,
    notes="17.9 ha planned campus in Long Tuyền ward (Thanh Niên 2025); parcel position inside the ward not known (point near the ward's centre).")

add(MultiPoint([(105.7835, 10.0305), (105.7760, 10.0290)]),
    id="nang-cap-tt-ung-dung-khcn-va-tt-tieu-chuan-do-luong",
    name_vi="Nâng cấp Trung tâm ứng dụng tiến bộ khoa học kỹ thuật và Trung tâm kỹ thuật Tiêu chuẩn Đo lường Chất lượng",
    name_en="Upgrading of the Centre for Application of Science and Technology and the Technical Centre for Standards, Metrology and Quality",
    sector="science_technology", owner="Sở Khoa học và Công nghệ, Ban Quản lý dự án đầu tư xây dựng thành phố",
    funding_source=NSNN, funding_type="state_budget", period_start=2021, period_end=2030, status="planned",
    status_as_of="2021-10-01", status_source="202/KH-UBND, Phụ lục II",
    sources="; ".join([PL2.format(24), D59 + ", mục III.5", D26 + ", mục II.4.5"]),
    location_vi="Thành phố Cần Thơ (không nêu địa điểm)", scope="city", geocode_precision=5,
    notes=("Two sites (the two centres under Sở KH&CN). Their addresses were not found with the search tool; two placeholder points in "
           "former Ninh Kiều district. 59-NQ/TW III.5 and KH-UBND/2026 II.4.5 ask to raise the capacity of these centres (generic)."))

# =============================================================== Ports, airport, logistics
add(Point(105.8350, 9.9900),
    id="cang-cai-cui",
    name_vi="Cảng Cái Cui (phát triển thành cảng biển quốc tế)", name_en="Cái Cui port (development into an international seaport)",
    sector="port", owner="Sở Giao thông vận tải", owner_current="Sở Xây dựng", status="operating", status_as_of="2026-01-31",
    funding_type="unknown",
    status_source="KH-UBND/2026, mục II.4.5 ('hoàn thiện và mở rộng Cảng Cái Cui'); existing port since 2006",
    sources="; ".join([D59 + ", mục III.3", D202 + ", mục II.4.a", D26 + ", mục II.4.5", E["cc_btt"]]),
    location_vi="Cảng Cái Cui, phường Tân Phú, quận Cái Răng (bờ sông Hậu)", scope="city", geocode_precision=3,
    notes=("Existing port (Cảng Cần Thơ's Cái Cui branch, 40 ha, opened 2006; Tân Cảng Cái Cui next to it, Báo Tin tức 2017); the plans "
           "extend it. Point on the Hậu river bank at the south-east end of Hưng Phú ward (former Tân Phú ward), placed from the bank "
           "line; within ~1-2 km. owner: 202/KH-UBND II.4.a assigns Sở GTVT (owner_current: NĐ 45/2025, Sở GTVT merged into Sở Xây dựng)."))

add(Point(105.8300, 9.9960),
    id="khu-logistics-cang-cai-cui",
    name_vi="Khu logistics cảng Cái Cui", name_en="Cái Cui port logistics zone", sector="logistics",
    funding_type="unknown", status="proposed", status_as_of="2021-10-01",
    status_source="202/KH-UBND (nghiên cứu, đề xuất phương án đầu tư)",
    sources="; ".join([D202 + ", mục II.5 (trung tâm logistics, khu logistics cảng Cái Cui)", D26 + ", mục II.4.5"]),
    location_vi="Cảng Cái Cui, quận Cái Răng", scope="city", geocode_precision=3,
    notes="Proposed logistics zone next to Cái Cui port; no outline published; point beside the port (cang-cai-cui).")

add(Point(105.7119, 10.0851),
    id="cang-hang-khong-quoc-te-can-tho-nang-cap",
    name_vi="Nâng cấp, mở rộng Cảng hàng không quốc tế Cần Thơ (nhà ga, đường băng, kho xăng dầu)",
    name_en="Upgrading and expansion of Cần Thơ International Airport (terminal, runway, fuel depot)", sector="airport",
    owner="Sở Giao thông vận tải", owner_current="Sở Xây dựng", funding_type="unknown", status="operating",
    status_as_of="2026-01-31", status_source="KH-UBND/2026, mục II.4.5 (mở rộng nhà ga, đường băng, kho xăng dầu)",
    sources="; ".join([D59 + ", mục III.3", D202 + ", mục II.4.a", D26 + ", mục II.4.5"]),
    location_vi="Cảng hàng không quốc tế Cần Thơ, quận Bình Thủy", scope="city", geocode_precision=2,
    notes=("Existing airport that the plans expand; point at the runway centre (general knowledge: ~10.085 N, 105.712 E). "
           "The three listed works (terminal, runway, fuel depot) are kept in this one row: no source gives them separately. "
           "owner: 202/KH-UBND II.4.a assigns Sở GTVT to coordinate (owner_current Sở Xây dựng, NĐ 45/2025)."))

add(Point(105.7165, 10.0815),
    id="trung-tam-logistics-hang-khong-can-tho",
    name_vi="Trung tâm logistics hàng không (khu phi thuế quan và logistics) tại Cảng hàng không quốc tế Cần Thơ",
    name_en="Air logistics centre (free-trade and logistics zone) at Cần Thơ International Airport", sector="logistics",
    owner="Sở Giao thông vận tải", owner_current="Sở Xây dựng", funding_type="unknown", status="proposed",
    status_as_of="2021-10-01", status_source="202/KH-UBND (nghiên cứu, đề xuất phương án đầu tư)",
    sources="; ".join([D59 + ", mục III.3", D202 + ", mục II.4.a", D202 + ", mục II.5", D26 + ", mục II.4.2 và II.4.5"]),
    location_vi="Cảng hàng không quốc tế Cần Thơ", scope="city", geocode_precision=3,
    notes="At the airport; the site inside or next to the airport is not published (point by the terminal side of the airport).")

add(seats("Hưng Phú", "Phước Thới", "Thốt Nốt"),
    id="trung-tam-logistics-vung-cai-rang-o-mon-thot-not",
    name_vi="Các trung tâm logistics của Vùng phục vụ khu công nghiệp - đô thị - dịch vụ Cái Răng, Ô Môn, Thốt Nốt",
    name_en="Regional logistics centres serving the Cái Răng, Ô Môn and Thốt Nốt industrial-urban areas", sector="logistics",
    funding_type="unknown", status="proposed", status_as_of="2021-10-01", status_source="202/KH-UBND (nghiên cứu đề xuất)",
    sources="; ".join([D202 + ", mục II.5", D59 + ", mục III.3 (trung tâm logistics nông - thủy sản)"]),
    location_vi="Cái Răng, Ô Môn, Thốt Nốt", scope="city", geocode_precision=5,
    notes="Three proposed centres, one per named former district; points are the seats of Hưng Phú (Cái Răng), Phước Thới (Ô Môn) and Thốt Nốt wards, not sites.")

add(Point(106.2080, 9.5110),
    id="cang-bien-tran-de",
    name_vi="Cảng Trần Đề (Sóc Trăng) – cảng nước sâu, cảng cửa ngõ quốc tế", name_en="Trần Đề deep-water port (Sóc Trăng)",
    sector="port", funding_type="unknown", status="proposed", status_as_of="2026-01-31",
    status_source="KH-UBND/2026, mục II.4.5 (no investor or period given)",
    sources="; ".join([D26 + ", mục II.4.5", E["td_rongdat"], E["td_fdi"]]),
    location_vi="Cửa Trần Đề, xã Trần Đề (huyện Trần Đề cũ), ven biển", scope="city", geocode_precision=3,
    notes=("Planned offshore deep-water port: terminal area ~550 ha offshore reached by a 16–18 km sea bridge, 4,550 ha overall "
           "(rongdat.net, unverified). Point = landfall/onshore area at the Trần Đề estuary (ferry terminal 9.52265, 106.20445 nearby); "
           "the offshore terminal lies 16–18 km seaward and is not drawn."))

# =============================================================== Industrial parks
vt1 = rect(105.4600, 10.2650, 293.7, 1.2, 10)
vt2 = rect(105.4600, 10.2482, 540.58, 1.2, 10)
vt_all = shapely.union(vt1, vt2).buffer(0)
if vt_all.geom_type != "Polygon":  # close the small gap so the parent is one polygon
    vt_all = shapely.convex_hull(shapely.union(vt1, vt2))
add(vt_all, id="kcn-vinh-thanh",
    name_vi="Khu công nghiệp Vĩnh Thạnh (VSIP - Phú Mỹ 3)", name_en="Vĩnh Thạnh Industrial Park (VSIP Cần Thơ and Phú Mỹ 3 Cần Thơ)",
    sector="industrial_zone", owner=OWN_24B, funding_type="private", status="under_construction", status_as_of="2025-02-06",
    status_source="ngoài: Cổng TTĐT Cần Thơ 2023-09-11 (phase 1 launched); Viet Nam News 2025-02-06 (phase 2 licensed)",
    sources="; ".join([D202 + ", mục II.4.b", D26 + ", mục II.4.2", DBT, E["kcn_ct_2021"], E["vsip_cantho"], E["vt2_vns"]]),
    location_vi="Xã Vĩnh Trinh (và Vĩnh Bình), huyện Vĩnh Thạnh", scope="city", geocode_precision=4,
    official_area_ha=900,
    notes=("Parent of kcn-vinh-thanh-gd1-vsip (293.7 ha) and kcn-vinh-thanh-gd2-phu-my-3 (540.58 ha); official planned area 900 ha "
           "(CV 156/TTg-CN 04/02/2021, VietnamMoi; Cổng TTĐT Cần Thơ). Polygon = hull of the two phase rectangles placed in the "
           "present Vĩnh Trinh commune; actual outline not available (precision 4). funding_type private: investor capital."))
add(vt1, id="kcn-vinh-thanh-gd1-vsip", parent_id="kcn-vinh-thanh",
    name_vi="Khu công nghiệp Vĩnh Thạnh giai đoạn 1 (VSIP Cần Thơ)", name_en="Vĩnh Thạnh Industrial Park phase 1 (VSIP Cần Thơ)",
    sector="industrial_zone", funding_type="private", status="under_construction", status_as_of="2023-09-09",
    status_source="ngoài: Cổng TTĐT TP Cần Thơ 2023-09-11 (project launched 09/09/2023)",
    sources="; ".join([D26 + ", mục II.4.2", DBT, E["vsip_cantho"], E["vsip_nda"]]),
    location_vi="Xã Vĩnh Trinh, huyện Vĩnh Thạnh", scope="city", geocode_precision=4, official_area_ha=293.7,
    notes=("Investors TCDI, VSIP JV and Sembcorp-VSIP (QĐ 1255/QĐ-TTg); 293.7 ha, VND 3,717.9 bn. Rectangle of the official area "
           "in Vĩnh Trinh commune; site outline not available."))
add(vt2, id="kcn-vinh-thanh-gd2-phu-my-3", parent_id="kcn-vinh-thanh",
    name_vi="Khu công nghiệp Vĩnh Thạnh giai đoạn 2 (Phú Mỹ 3 Cần Thơ)", name_en="Vĩnh Thạnh Industrial Park phase 2 (Phú Mỹ 3 Cần Thơ)",
    sector="industrial_zone", funding_type="private", status="planned", status_as_of="2025-02-06",
    status_source="ngoài: Viet Nam News 2025-02-06 (investment policy and registration certificate granted)",
    sources="; ".join([D26 + ", mục II.4.2", DBT, E["vt2_vns"]]),
    location_vi="Xã Vĩnh Trinh và Vĩnh Bình, huyện Vĩnh Thạnh", scope="city", geocode_precision=4, official_area_ha=540.58,
    notes="Investor Thanh Bình Phú Mỹ JSC, 540.58 ha, VND 7.85 tn. Rectangle of the official area, south of phase 1 (relative position assumed).")

add(rect(105.9500, 9.6420, 243, 1.5, 35), id="kcn-an-nghiep",
    name_vi="Khu công nghiệp An Nghiệp", name_en="An Nghiệp Industrial Park (Sóc Trăng)", sector="industrial_zone",
    funding_type="unknown", status="operating", status_as_of="2026-01-31",
    status_source="KH-UBND/2026, mục II.4.2 (hoàn thiện hạ tầng); in operation since 2005 (Tiền Phong 2023-11)",
    sources="; ".join([D26 + ", mục II.4.2", DBT, E["an_tp"], E["an_tnck"]]),
    location_vi="Xã An Hiệp, Phú Tân (huyện Châu Thành) và phường 7 (TP Sóc Trăng) – nay xã An Ninh, phường Sóc Trăng",
    scope="city", geocode_precision=3, official_area_ha=243,
    notes=("Existing park (243 ha, 97 % filled) that the plan develops; a ~169–187 ha extension is in the Sóc Trăng provincial plan "
           "(not drawn). Rectangle of the official area along QL1 on the An Ninh / Sóc Trăng ward edge; outline approximate."))

add(rect(106.1840, 9.5560, 160, 2.0, -25), id="kcn-tran-de",
    name_vi="Khu công nghiệp Trần Đề", name_en="Trần Đề Industrial Park (Sóc Trăng)", sector="industrial_zone",
    funding_type="private", status="under_construction", status_as_of="2026-01-31",
    status_source="KH-UBND/2026, mục II.4.2 (đẩy nhanh đầu tư, hoàn thiện hạ tầng); established 2020-2021, infrastructure under way",
    sources="; ".join([D26 + ", mục II.4.2", DBT, E["td_bdshp"], E["td_hathanh"]]),
    location_vi="Ấp Ngan Rô 1, thị trấn Trần Đề, huyện Trần Đề (nay xã Trần Đề)", scope="city", geocode_precision=3,
    official_area_ha=160,
    notes=("160 ha along Nam Sông Hậu road (QL91B) and the Hậu river; developer Hà Thanh (private). Rectangle of the official area "
           "by the river in Trần Đề commune upstream of the town; outline approximate."))

add(rect(105.8660, 9.9430, 380, 1.6, -40), id="kcn-song-hau-2",
    name_vi="Khu công nghiệp Sông Hậu 2", name_en="Sông Hậu 2 Industrial Park (Hậu Giang)", sector="industrial_zone",
    funding_type="unknown", status="planned", status_as_of="2023-07-15",
    status_source="ngoài: Dân Việt 2023-07-15 (1/2000 zoning plan approved; added to national IP plan 28/4/2023)",
    sources="; ".join([D26 + ", mục II.4.2", DBT, E["sh2_dv"]]),
    location_vi="Thị trấn Mái Dầm và xã Phú Hữu, huyện Châu Thành (Hậu Giang cũ)", scope="city", geocode_precision=4,
    official_area_ha=380,
    notes="380 ha; rectangle of the official area on the Châu Thành / Phú Hữu commune edge near the Hậu river; actual outline unknown.")

add(rect(105.8330, 9.9560, 234, 1.3, 0), id="kcn-dong-phu-2",
    name_vi="Khu công nghiệp Đông Phú 2", name_en="Đông Phú 2 Industrial Park (Hậu Giang)", sector="industrial_zone",
    funding_type="unknown", status="planned", status_as_of="2023-07-15",
    status_source="ngoài: Dân Việt 2023-07-15 (1/2000 zoning plan approved)",
    sources="; ".join([D26 + ", mục II.4.2", DBT, E["sh2_dv"]]),
    location_vi="Xã Đông Phú, huyện Châu Thành (Hậu Giang cũ) – nay xã Châu Thành", scope="city", geocode_precision=4,
    official_area_ha=234,
    notes="234 ha eco-industrial park; rectangle of the official area inside the present Châu Thành commune (former Đông Phú); site unknown.")

add(rect(105.6470, 10.0690, 500, 1.0, 0), id="kcn-o-mon-can-tho",
    name_vi="Khu công nghiệp Ô Môn - Cần Thơ", name_en="Ô Môn – Cần Thơ Industrial Park", sector="industrial_zone",
    owner=OWN_24B, funding_type="unknown", status="proposed", status_as_of="2022-11-11",
    status_source="ngoài: Tin nhanh chứng khoán (VB 297/BC-UBND 11/11/2022): no investor found; removal from the plan under consideration",
    sources="; ".join([D202 + ", mục II.4.b", E["kcn_ct_2021"], E["omon_bc"], E["omon_tnck"]]),
    location_vi="Phường Trường Lạc, quận Ô Môn (nay phường Phước Thới)", scope="city", geocode_precision=4,
    official_area_ha=500,
    notes=("500 ha added to the national IP plan by CV 156/TTg-CN (04/02/2021), replacing the old 600 ha Ô Môn and 400 ha Bắc Ô Môn parks. "
           "No investor; in 2022 the city considered dropping it. Rectangle of the official area in the former Trường Lạc part of "
           "Phước Thới ward; outline unknown."))

add(rect(105.8280, 9.9870, 30, 1.5, -40), id="kcn-huu-nghi-viet-nam-nhat-ban",
    name_vi="Khu công nghiệp hữu nghị Việt Nam - Nhật Bản", name_en="Vietnam–Japan Friendship Industrial Park",
    sector="industrial_zone", owner=OWN_24B, funding_type="unknown", status="operating", status_as_of="2018-11-03",
    status_source="ngoài: VietnamPlus 2018-11-03 (phase 1, 30 ha, inaugurated)",
    sources="; ".join([D59 + ", mục III.3", D202 + ", mục II.4.b", E["vnjp_vnp"], E["vnjp_vietjo"]]),
    location_vi="Phường Tân Phú, quận Cái Răng (nay phường Hưng Phú)", scope="city", geocode_precision=3, official_area_ha=30,
    notes=("Phase 1 (30 ha) inaugurated 03/11/2018, developer Quỹ Đầu tư phát triển TP Cần Thơ; full plan 120 ha (Viet-jo). "
           "The plans call to attract investment into it. Rectangle of the phase-1 area inland of Cái Cui port; outline approximate."))

add(rect(105.7760, 10.0050, 20.02, 1.4, 0), id="khu-cong-nghe-thong-tin-tap-trung-can-tho",
    name_vi="Khu công nghệ thông tin tập trung thành phố Cần Thơ", name_en="Cần Thơ Concentrated IT Park",
    sector="science_technology", owner="Sở Thông tin và Truyền thông", owner_current="Sở Khoa học và Công nghệ",
    funding_type="unknown", period_start=2021, period_end=2025, status="planned", status_as_of="2021-06-09",
    status_source="ngoài: Báo Đấu thầu (QĐ 895/QĐ-TTg 09/06/2021 establishing the park)",
    sources="; ".join([D202 + ", Phụ lục I, dòng 9", D202 + ", mục II.4.b", D59 + ", mục III.3", E["cntt_bdt"], E["cntt_bm"]]),
    location_vi="Phường Hưng Thạnh, quận Cái Răng (nay phường Cái Răng)", scope="city", geocode_precision=4,
    official_area_ha=20.02,
    notes=("200,219 m2 per QĐ 895/QĐ-TTg, investor Quỹ Đầu tư phát triển TP Cần Thơ, part of a 'new urban area and IT park' project. "
           "Rectangle of the official area in the former Hưng Thạnh part of Cái Răng ward; outline unknown. owner_current: Sở TT&TT merged "
           "into Sở KH&CN (2025)."))

for rid, nm, en, lon, lat, ha, ang, loc, src in [
    ("kcn-tra-noc-1", "Khu công nghiệp Trà Nóc I", "Trà Nóc I Industrial Park", 105.7201, 10.1042, 135.67, -40,
     "Phường Trà Nóc, quận Bình Thủy (nay phường Thới An Đông)", [E["tn1_123"], E["tn2_vl"]]),
    ("kcn-tra-noc-2", "Khu công nghiệp Trà Nóc II", "Trà Nóc II Industrial Park", 105.7000, 10.1193, 157.7, -32,
     "Phường Phước Thới, quận Ô Môn", [E["tn2_vl"], E["kvip_vnp"]]),
]:
    add(rect(lon, lat, ha, 2.2, ang), id=rid, name_vi=nm, name_en=en, sector="industrial_zone", owner=OWN_24B,
        funding_type="unknown", status="operating", status_as_of="2021-10-01",
        status_source="202/KH-UBND, mục II.4.b (rà soát, quản lý các khu công nghiệp hiện hữu); park in operation",
        sources="; ".join([D202 + ", mục II.4.b (các khu công nghiệp hiện hữu, không nêu tên)", D59 + ", mục III.3 (hoàn thiện hạ tầng các khu, cụm công nghiệp, không nêu tên)"] + src),
        location_vi=loc, scope="city", geocode_precision=3, official_area_ha=ha,
        notes=("Existing park (CIPCO) referred to only collectively by the seeds ('các khu công nghiệp hiện hữu'); kept as a row because the "
               "plans extend/upgrade the existing parks. Rectangle of the official area along the Hậu river bank; outline approximate. "
               "Area per the cited pages (Trà Nóc II is also given as 111 ha by some sources)."))

# =============================================================== Energy
OM = [(105.6671, 10.1399), (105.6708, 10.1376), (105.6745, 10.1352), (105.6781, 10.1329)]
add(MultiPoint(OM), id="trung-tam-dien-luc-o-mon",
    name_vi="Trung tâm điện lực Ô Môn (Trung tâm năng lượng - công nghiệp - công nghệ cao Ô Môn)",
    name_en="Ô Môn Power Centre (Ô Môn energy–industry–high-tech hub)", sector="energy", owner=OWN_24B,
    funding_type="unknown", status="under_construction", status_as_of="2025-12-31",
    status_source="ngoài: SGGP 2025-12-31 (Ô Môn I in service, IV under construction, II and III in preparation)",
    sources="; ".join([D202 + ", mục II.4.b", D26 + ", mục II.4.2", DBT, E["om_sggp"], E["om_vnp"]]),
    location_vi="Phường Phước Thới, quận Ô Môn", scope="city", geocode_precision=3,
    notes=("Parent of the four gas-fired plants Ô Môn I–IV (3,810 MW in total) fed by the Lô B gas chain. KH-UBND/2026 renames the goal "
           "'Trung tâm năng lượng - công nghiệp - công nghệ cao Ô Môn'. Points on the Hậu river bank of Phước Thới ward east of the "
           "Ô Môn river mouth; the order of the units inside the centre is not known."))
for i, (rid, nm, en, st, asof, ssrc, extra_src, note) in enumerate([
    ("nhiet-dien-o-mon-1", "Nhà máy nhiệt điện Ô Môn I", "Ô Môn I thermal power plant (660 MW)", "operating", "2025-12-31",
     "ngoài: SGGP / CafeF 2025-12-31 (in service; conversion to Lô B gas by 2027, EPC signed 05/09/2025)",
     [E["om_sggp"], E["om_cafef"]], "2 x 330 MW, EVNGENCO2; converting to Lô B gas (EPC signed 05/09/2025)."),
    ("nhiet-dien-o-mon-2", "Nhà máy nhiệt điện Ô Môn II", "Ô Môn II thermal power plant (1,050 MW)", "planned", "2025-12-31",
     "ngoài: SGGP 2025-12-31 (expected in operation 2029)", [E["om_sggp"], E["om_vnp"]], "1,050 MW; operation expected 2029 (2027-2028 in TB 12/TB-VPCP)."),
    ("nhiet-dien-o-mon-3", "Nhà máy nhiệt điện Ô Môn III", "Ô Môn III thermal power plant (1,050 MW)", "planned", "2025-12-31",
     "ngoài: SGGP 2025-12-31 (commercial operation May 2030)", [E["om_sggp"], E["om3_ct"]], "1,050 MW; transferred from EVN to PVN; COD 05/2030."),
    ("nhiet-dien-o-mon-4", "Nhà máy nhiệt điện Ô Môn IV", "Ô Môn IV thermal power plant (1,155 MW)", "under_construction", "2025-08-19",
     "ngoài: Tiền Phong 2025-08-20 (ground-breaking 19/08/2025)", [E["om4_tp"], E["om_sggp"]], "1,155 MW, PVN investor, Doosan–PECC2 EPC, COD 12/2028."),
]):
    add(Point(OM[i]), id=rid, parent_id="trung-tam-dien-luc-o-mon", name_vi=nm, name_en=en, sector="energy",
        funding_type="unknown", status=st, status_as_of=asof, status_source=ssrc,
        sources="; ".join([D202 + ", mục II.4.b (Trung tâm điện lực Ô Môn)", D26 + ", mục II.4.2"] + extra_src),
        location_vi="Trung tâm điện lực Ô Môn, phường Phước Thới, quận Ô Môn", scope="city", geocode_precision=3,
        notes=note + " Component of trung-tam-dien-luc-o-mon (named in the seeds only as the centre); position inside the centre approximate.")

add(Point(106.1065, 9.6705), id="nhiet-dien-long-phu-1",
    name_vi="Nhà máy nhiệt điện Long Phú I", name_en="Long Phú I thermal power plant (Sóc Trăng)", sector="energy",
    funding_type="unknown", status="under_construction", status_as_of="2025-01-06",
    status_source="ngoài: Báo Mới 2025-01-06 (construction relaunched, target 2027); VietTimes 2025 (boiler erection)",
    sources="; ".join([D26 + ", mục II.4.2", DBT, E["lp1_bm"], E["lp1_vt"]]),
    location_vi="Xã Long Đức, huyện Long Phú (Sóc Trăng cũ) – nay xã Đại Ngãi", scope="city", geocode_precision=3,
    notes="PVN coal plant on the Hậu river (Long Phú power centre); point on the river side of Đại Ngãi commune south of Đại Ngãi town; approximate.")

add(Point(105.8780, 9.9470), id="nhiet-dien-song-hau-1",
    name_vi="Nhà máy nhiệt điện Sông Hậu I", name_en="Sông Hậu I thermal power plant (Hậu Giang)", sector="energy",
    funding_type="unknown", status="completed", status_as_of="2022-07-16",
    status_source="ngoài: vjst.vn 2022-07-16 (plant inaugurated at Mái Dầm)",
    sources="; ".join([D26 + ", mục II.4.2", DBT, E["sh1_vjst"]]),
    location_vi="Thị trấn Mái Dầm, huyện Châu Thành (Hậu Giang cũ) – nay xã Châu Thành", scope="city", geocode_precision=3,
    notes=("PVN coal plant inaugurated 16/07/2022. KH-UBND/2026 still lists it among projects to 'bring into operation' — the seed and "
           "the outside source disagree (doubt). Point on the Hậu river side of Châu Thành commune; approximate."))

# =============================================================== Education, science (202 II.4.c, II.4.đ)
add(Point(105.7690, 10.0300), id="nang-cap-truong-dai-hoc-can-tho",
    name_vi="Đầu tư, nâng cấp Trường Đại học Cần Thơ", name_en="Investment in and upgrading of Cần Thơ University",
    sector="education", funding_type="unknown", status="proposed", status_as_of="2021-10-01",
    status_source="202/KH-UBND, mục II.4.c ('phối hợp đề xuất sớm đầu tư, nâng cấp')",
    sources="; ".join([D202 + ", mục II.4.c", D26 + ", mục II.4.5 (nâng cấp cơ sở vật chất các trường đại học)"]),
    location_vi="Trường Đại học Cần Thơ, đường 3/2, quận Ninh Kiều", scope="city", geocode_precision=2,
    notes="Point on the main campus (Khu II, 3/2 street) from general knowledge; the proposal does not say which campus.")
add(Point(105.7555, 10.0335), id="nang-cap-truong-dai-hoc-y-duoc-can-tho",
    name_vi="Đầu tư, nâng cấp Trường Đại học Y Dược Cần Thơ", name_en="Investment in and upgrading of Cần Thơ University of Medicine and Pharmacy",
    sector="education", funding_type="unknown", status="proposed", status_as_of="2021-10-01",
    status_source="202/KH-UBND, mục II.4.c ('phối hợp đề xuất sớm đầu tư, nâng cấp')",
    sources="; ".join([D202 + ", mục II.4.c", D26 + ", mục II.4.5"]),
    location_vi="Trường Đại học Y Dược Cần Thơ, đường Nguyễn Văn Cừ, quận Ninh Kiều", scope="city", geocode_precision=3,
    notes="Point on the Nguyễn Văn Cừ campus (An Khánh) from general knowledge, not checked with the search tool.")
add(Point(105.7670, 10.0540), id="dau-tu-truong-cao-dang-nghe-can-tho",
    name_vi="Đầu tư cơ sở hạ tầng, trang thiết bị Trường Cao đẳng Nghề thành phố Cần Thơ",
    name_en="Investment in facilities and equipment of Cần Thơ Vocational College", sector="education",
    funding_type="unknown", status="proposed", status_as_of="2021-10-01",
    status_source="202/KH-UBND, mục II.4.c ('quan tâm đầu tư')", sources=D202 + ", mục II.4.c",
    location_vi="Trường Cao đẳng Nghề thành phố Cần Thơ, đường Cách Mạng Tháng Tám, quận Bình Thủy", scope="city",
    geocode_precision=3, notes="Point on Cách Mạng Tháng Tám street (An Thới, Bình Thủy) from general knowledge; approximate.")
add(Point(105.5850, 10.0350), id="nang-cap-vien-lua-dbscl-trung-tam-giong-lua",
    name_vi="Nâng cấp Viện nghiên cứu lúa ĐBSCL thành Trung tâm nghiên cứu giống lúa",
    name_en="Upgrading the Cửu Long Delta Rice Research Institute into a rice-breeding research centre",
    sector="science_technology", owner="Sở Nông nghiệp và Phát triển nông thôn", owner_current="Sở Nông nghiệp và Môi trường",
    funding_type="unknown", status="proposed", status_as_of="2021-10-01",
    status_source="202/KH-UBND, mục II.4.đ", sources=D202 + ", mục II.4.đ",
    location_vi="Viện Lúa ĐBSCL, xã Tân Thạnh, huyện Thới Lai", scope="city", geocode_precision=4,
    notes=("The institute (a national institute under the Ministry of Agriculture) is in Tân Thạnh commune, Thới Lai (now Trường Thành / "
           "Thới Lai area); point approximate at commune level. Sở NN&PTNT only coordinates (owner as the seed assigns). "
           "owner_current: 2025 merger into Sở Nông nghiệp và Môi trường."))


# =============================================================== checks and output
def main() -> None:
    ids = [r["id"] for r in ROWS]
    assert len(ids) == len(set(ids)), "duplicate ids"
    feats = []
    for r in ROWS:
        g = GEOM[r["id"]]
        g = shapely.set_precision(g, 1e-6)
        assert g.is_valid and not g.is_empty, r["id"]
        feats.append({"type": "Feature", "properties": {"id": r["id"]}, "geometry": mapping(g)})
        if r["official_area_ha"]:
            a = gpd.GeoSeries([g], crs=4326).to_crs(5897).area.iloc[0] / 1e4
            off = float(r["official_area_ha"])
            assert abs(a - off) / off <= 0.15, (r["id"], a, off)
    fc = {"type": "FeatureCollection", "features": feats}

    def rnd(o):
        if isinstance(o, float):
            return round(o, 6)
        if isinstance(o, (list, tuple)):
            return [rnd(x) for x in o]
        if isinstance(o, dict):
            return {k: rnd(v) for k, v in o.items()}
        return o

    (OUT / f"{PART}.geojson").write_text(json.dumps(rnd(fc), ensure_ascii=False), encoding="utf-8")
    with open(OUT / f"{PART}.csv", "w", encoding="utf-8", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=list(COLUMNS), quoting=csv.QUOTE_MINIMAL)
        wr.writeheader()
        wr.writerows(ROWS)

    # city boundary
    cb = gpd.read_file(REF / "cantho2025_city_boundary_odv.geojson")
    geom = cb.geometry.iloc[0]
    if geom.geom_type == "MultiPolygon":
        geom = max(geom.geoms, key=lambda p: p.area)
    m = gpd.GeoSeries([geom], crs=4326).to_crs(5897).iloc[0]
    simp = m.simplify(250, preserve_topology=True)
    simp_ll = gpd.GeoSeries([simp], crs=5897).to_crs(4326).iloc[0]
    simp_ll = shapely.set_precision(simp_ll, 1e-6)
    nv = len(simp_ll.exterior.coords) - 1
    assert simp_ll.is_valid and 80 <= nv <= 300, nv
    area = gpd.GeoSeries([simp_ll], crs=4326).to_crs(5897).area.iloc[0] / 1e6
    cfc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
        "name_vi": "Thành phố Cần Thơ", "name_en": "Cần Thơ City",
        "source": ("Generalised (shapely simplify 250 m in EPSG:5897, preserve_topology) from the Open Development Mekong / Open "
                   "Development Vietnam 'Địa phận tỉnh' outline as dissolved into 2025 provinces in TaliaCao/Vietnam-Shape-Map "
                   "(Maps/GeoJSON/diaphantinhvn_merged.geojson @35f693a). Licence: CC BY-SA 4.0 (ODM norm, not verified on the "
                   "dataset page); attribute Open Development Mekong / Open Development Vietnam; share alike."),
    }, "geometry": rnd(mapping(simp_ll))}]}
    (OUT / "city_boundary.geojson").write_text(json.dumps(cfc, ensure_ascii=False), encoding="utf-8")
    print(f"rows {len(ROWS)}; city boundary vertices {nv}, area {area:.1f} km2 (EPSG:5897)")


if __name__ == "__main__":
    main()
