"""Build work/parts/city_transport.{csv,geojson}: city roads, bridges, intersections.

Waypoints are chosen by hand (commune seats, junctions, towns); the reference layers in
/work/shared/reference are used only as guides (route 09 corridor for ĐT923, coarse QL61C
corridor) through interpolated points, never copied vertex for vertex.
"""
import csv, json, sys, unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from portfolio.schema import COLUMNS  # noqa: E402
from shapely.geometry import shape, LineString, MultiPoint, Point, mapping  # noqa: E402
from shapely.ops import linemerge, unary_union  # noqa: E402

REF = Path("/work/shared/reference")
OUT = Path(__file__).resolve().parent


def guide_line(coords, step_deg, start=None, end=None):
    """Interpolated waypoints every step_deg along a guide line (optionally between two
    projected positions), rounded: our own vertices, not the guide's."""
    g = LineString(coords)
    s = g.project(Point(start)) if start else 0.0
    e = g.project(Point(end)) if end else g.length
    if s > e:
        s, e = e, s
        rev = True
    else:
        rev = False
    pts = []
    d = s
    while d < e:
        p = g.interpolate(d)
        pts.append((p.x, p.y))
        d += step_deg
    p = g.interpolate(e)
    pts.append((p.x, p.y))
    return pts[::-1] if rev else pts


# ---- guides -------------------------------------------------------------------------------
r09 = json.load(open(REF / "osm_bus_route09_ways.geojson"))
r09m = linemerge(unary_union([shape(f["geometry"]) for f in r09["features"]]))
r09main = max(r09m.geoms, key=lambda x: x.length)  # Ô Môn bus station -> NVC/NVL junction
coarse = {f["properties"]["name"]: f for f in json.load(open(REF / "roads_national_coarse_odv_legocity.geojson"))["features"]}
ql61c_guide = coarse["Quốc lộ 91B"]["geometry"]["coordinates"]  # mislabelled: QL61C corridor (PROVENANCE §7)
ql61c_guide = ql61c_guide[::-1]  # Cái Răng -> Vị Thanh

# ĐT923: Ba Se (QL91) -> Trường Lạc -> Phong Điền -> Mỹ Khánh -> junction with NVC nối dài (An Bình)
dt923_main = guide_line(list(r09main.coords), 0.006, start=(105.6683, 10.1053), end=(105.7195, 10.0022))
# eastern end of Lộ Vòng Cung, An Bình -> QL1 at the Cái Răng bridge: sketched (no centreline)
dt923_east = [(105.7195, 10.0022), (105.7262, 10.0051), (105.7335, 10.0068), (105.7410, 10.0061),
              (105.7480, 10.0040), (105.7535, 10.0010), (105.7572, 9.9987)]
dt923 = dt923_main + dt923_east[1:]

ql61c = guide_line(ql61c_guide, 0.012, start=(105.6740, 9.9472), end=(105.4120, 9.7426))

G = {}
G["vanh-dai-phia-tay-ql91-ql61c"] = LineString([
    (105.5840, 10.1450), (105.5905, 10.1330), (105.5960, 10.1180), (105.6000, 10.1030),
    (105.6030, 10.0880), (105.6055, 10.0720), (105.6075, 10.0560), (105.6090, 10.0400),
    (105.6110, 10.0240), (105.6150, 10.0090), (105.6210, 9.9950), (105.6290, 9.9810),
    (105.6380, 9.9670), (105.6460, 9.9520), (105.6520, 9.9400), (105.6555, 9.9315)])
G["vanh-dai-phia-tay-ql91-lo-te-rach-soi"] = LineString([
    (105.5840, 10.1450), (105.5700, 10.1560), (105.5560, 10.1680), (105.5420, 10.1800),
    (105.5280, 10.1930), (105.5140, 10.2060), (105.5010, 10.2190), (105.4880, 10.2330),
    (105.4760, 10.2470), (105.4640, 10.2610), (105.4540, 10.2740), (105.4490, 10.2805)])
G["vanh-dai-phia-tay-nam-song-hau-ql61c"] = LineString([
    (105.6555, 9.9315), (105.6680, 9.9290), (105.6820, 9.9275), (105.6960, 9.9270),
    (105.7100, 9.9280), (105.7240, 9.9300), (105.7380, 9.9320), (105.7520, 9.9335),
    (105.7650, 9.9350), (105.7790, 9.9385), (105.7930, 9.9430), (105.8060, 9.9480),
    (105.8180, 9.9530), (105.8290, 9.9580)])
G["ql61c-can-tho-hau-giang"] = LineString(ql61c)
G["dt-923"] = LineString(dt923)
G["dt-917"] = LineString([
    (105.7540, 10.0722), (105.7480, 10.0668), (105.7425, 10.0610), (105.7370, 10.0555),
    (105.7310, 10.0495), (105.7250, 10.0440), (105.7175, 10.0400), (105.7090, 10.0365),
    (105.7000, 10.0335), (105.6905, 10.0310), (105.6810, 10.0290), (105.6715, 10.0270),
    (105.6620, 10.0250), (105.6520, 10.0235)])
G["dt-918-giai-doan-2"] = LineString([
    (105.7600, 10.0668), (105.7545, 10.0615), (105.7490, 10.0560), (105.7440, 10.0505),
    (105.7400, 10.0440), (105.7360, 10.0370), (105.7320, 10.0300), (105.7280, 10.0230),
    (105.7240, 10.0160), (105.7190, 10.0090), (105.7150, 10.0020), (105.7120, 9.9955)])
G["dt-921"] = LineString([
    (105.5350, 10.2620), (105.5250, 10.2440), (105.5150, 10.2260), (105.5060, 10.2080),
    (105.4990, 10.1900), (105.4880, 10.1720), (105.4740, 10.1550), (105.4600, 10.1380),
    (105.4470, 10.1200), (105.4350, 10.1020), (105.4250, 10.0850), (105.4175, 10.0700)])
G["duong-o-mon-thoi-lai-giong-rieng"] = LineString([
    (105.5935, 10.1220), (105.5820, 10.1136), (105.5706, 10.1049), (105.5591, 10.0960), (105.5477, 10.0869), (105.5362, 10.0776), (105.5248, 10.0680), (105.5133, 10.0582), (105.5018, 10.0482), (105.4904, 10.0380), (105.4789, 10.0276), (105.4675, 10.0169), (105.4560, 10.0060)])
G["ql91-km0-km7"] = LineString([
    (105.7797, 10.0422), (105.7762, 10.0462), (105.7722, 10.0512), (105.7680, 10.0565),
    (105.7636, 10.0617), (105.7592, 10.0668), (105.7555, 10.0708), (105.7512, 10.0745),
    (105.7462, 10.0783), (105.7408, 10.0820), (105.7352, 10.0855)])
G["duong-hem-91-long-tuyen-vanh-dai-tay"] = LineString([
    (105.7215, 10.0470), (105.7100, 10.0500), (105.6980, 10.0530), (105.6860, 10.0555),
    (105.6740, 10.0575), (105.6620, 10.0590), (105.6500, 10.0600), (105.6380, 10.0600),
    (105.6260, 10.0595), (105.6140, 10.0585), (105.6070, 10.0580)])
G["cau-co-do"] = Point(105.4175, 10.0690)
G["cau-tay-do"] = Point(105.6640, 9.9952)
# location unknown: placeholder at the centroid of pre-2025 TP Cần Thơ (precision 6)
oldp = [f for f in json.load(open(REF / "cantho_old_provinces_odv.geojson"))["features"]
        if f["properties"]["province_pre2025"] == "TP Cần Thơ"][0]
c = shape(oldp["geometry"]).representative_point()
G["cau-kenh-ngang"] = Point(round(c.x, 4), round(c.y, 4))
G["nut-giao-trong-diem-ninh-kieu"] = MultiPoint([
    (105.7700, 10.0380),   # 1 Mậu Thân – 3 Tháng 2 – Trần Hưng Đạo (estimated)
    (105.7600, 10.0245),   # 4 Nguyễn Văn Linh – 3 Tháng 2 (estimated)
    (105.7650, 10.0437),   # Mậu Thân – Nguyễn Văn Cừ – Võ Văn Kiệt (route 09 turn)
    (105.7519, 10.0306),   # Nguyễn Văn Linh – Nguyễn Văn Cừ (route 09 loop)
    (105.7680, 10.0185)])  # Nguyễn Văn Linh – 30 Tháng 4 (estimated)
G["duong-bo-ven-bien-soc-trang"] = LineString([
    (106.1900, 9.5000), (106.1890, 9.4774), (106.1805, 9.4624), (106.1618, 9.4358), (106.1699, 9.4010), (106.1500, 9.3830), (106.1280, 9.3660), (106.1050, 9.3545), (106.0788, 9.3469), (106.0534, 9.3389), (106.0287, 9.3308), (106.0044, 9.3227), (105.9800, 9.3150), (105.9550, 9.3090), (105.9300, 9.3030), (105.9050, 9.2960), (105.8800, 9.2880), (105.8550, 9.2790), (105.8313, 9.2686)])

# ---- rows -----------------------------------------------------------------------------------
D202 = "202/KH-UBND (01/10/2021)"
D26 = "KH-UBND/2026 (01/2026)"
FUND_PL2 = "NSNN và các nguồn huy động khác"
FUND_II4A = ("vốn đầu tư công trung hạn giai đoạn 2021 - 2025 từ các nguồn vốn trung ương hỗ trợ "
             "và vốn thành phố quản lý")
OC_GTVT = "Sở Xây dựng"
N_GTVT = ("owner_current: Sở Giao thông vận tải merged into Sở Xây dựng (Nghị định 45/2025/NĐ-CP, "
          "2025 mergers). ")
N_FUND = "funding_type: 'NSNN và các nguồn huy động khác' read as state_budget (uniform rule). "
EXT_VNE_VDT = ("ngoài: VnExpress, \"Đề xuất làm vành đai phía Tây Cần Thơ kinh phí 8.100 tỷ đồng\", 2025-09-15, "
               "https://vnexpress.net/de-xuat-lam-vanh-dai-phia-tay-can-tho-kinh-phi-8-100-ty-dong-4939256.html")

rows = []


def row(**k):
    r = {c: "" for c in COLUMNS}
    r.update({a: (str(b) if b is not None else "") for a, b in k.items()})
    for a in r:
        r[a] = unicodedata.normalize("NFC", r[a])
    rows.append(r)


row(id="vanh-dai-phia-tay-ql91-ql61c",
    name_vi="Đường vành đai phía Tây thành phố Cần Thơ (đoạn nối Quốc lộ 91 và Quốc lộ 61C)",
    name_en="Cần Thơ Western ring road (section QL91 – QL61C)", sector="road",
    owner="Sở Giao thông vận tải", owner_current=OC_GTVT, funding_source=FUND_PL2,
    funding_type="state_budget", period_start=2021, period_end=2025, status="under_construction",
    status_as_of="2025-09-15", status_source="ngoài: VnExpress 2025-09-15 (đoạn 19,3 km khởi công 11/2022, đang thi công)",
    sources=f"{D202}, Phụ lục II, dòng 3; {D202}, mục II.4.a; {EXT_VNE_VDT}; "
            "ngoài: Vietnammoi, trang 'le-an-tang-thay-van-nhu-cuong' (đoạn tin: Vành đai phía Tây dài hơn 19 km, khởi công 11/2022), "
            "https://vietnammoi.vn/le-an-tang-thay-van-nhu-cuong.html, truy cập 2026",
    location_vi="quận Ô Môn, huyện Thới Lai, huyện Phong Điền (TP Cần Thơ) – huyện Châu Thành A (Hậu Giang)",
    scope="city", geocode_precision=3, official_length_km=19.3,
    notes=N_GTVT + N_FUND + "Length 19.3 km and start of works 11/2022 from VnExpress 2025-09-15 (the extension "
          "proposal starts from QL91 in phường Thới Long, so the QL91 end is placed in Thới Long). tedi.vn reports "
          "PM Phạm Minh Chính attended the groundbreaking on 17/11 (with Hậu Giang, so the QL61C end lies in old "
          "Châu Thành A). Alignment not published here: sketched through Trường Thành, Trường Long to QL61C in Tân "
          "Hòa; drawn length (~23 km) exceeds the official 19.3 km, so the real line is shorter/straighter. "
          "KH-UBND/2026 II.4.5 names ring roads only generically ('xây dựng đường vành đai').")
row(id="vanh-dai-phia-tay-ql91-lo-te-rach-soi",
    name_vi="Đường vành đai phía Tây thành phố Cần Thơ (đoạn nối Quốc lộ 91 và tuyến Lộ Tẻ - Rạch Sỏi)",
    name_en="Cần Thơ Western ring road extension (QL91 – Lộ Tẻ–Rạch Sỏi – QL80)", sector="road",
    owner="Sở Giao thông vận tải (đề xuất)", owner_current=OC_GTVT, funding_source=FUND_PL2,
    funding_type="state_budget", period_start=2026, period_end=2030, status="proposed",
    status_as_of="2025-09-15", status_source="ngoài: VnExpress 2025-09-15 (đề xuất phương án kéo dài, nhóm A, 2025-2030)",
    sources=f"{D202}, Phụ lục II, dòng 10; {D26}, mục II.4.5 (nêu chung: xây dựng đường vành đai); {EXT_VNE_VDT}",
    location_vi="quận Ô Môn, quận Thốt Nốt, huyện Vĩnh Thạnh (nay phường Thới Long … xã Vĩnh Trinh)",
    parent_id="vanh-dai-phia-tay-ql91-ql61c", scope="city", geocode_precision=3, official_length_km=17,
    notes=N_GTVT + N_FUND + "Part of Phụ lục II row 10 (split in two rows; parent_id links to the core section of "
          "the same ring road). VnExpress 2025-09-15: the project board proposed extending the ring road ~17 km "
          "from QL91 (phường Thới Long) to QL80 (xã Vĩnh Trinh), crossing the Lộ Tẻ–Rạch Sỏi expressway, about "
          "8,100 bn VND, local budget, 2025-2030. Line sketched between those two ends (precision 3); drawn "
          "length ~22 km vs 17 km announced.")
row(id="vanh-dai-phia-tay-nam-song-hau-ql61c",
    name_vi="Đường vành đai phía Tây thành phố Cần Thơ (đoạn nối đường Nam Sông Hậu và Quốc lộ 61C)",
    name_en="Cần Thơ Western ring road extension (Nam Sông Hậu road – QL61C)", sector="road",
    owner="Sở Giao thông vận tải (đề xuất)", owner_current=OC_GTVT, funding_source=FUND_PL2,
    funding_type="state_budget", period_start=2026, period_end=2030, status="proposed",
    status_as_of="2021-10-01", status_source="202/KH-UBND, Phụ lục II, dòng 10 (đề xuất, 2026-2030)",
    sources=f"{D202}, Phụ lục II, dòng 10; {D26}, mục II.4.5 (nêu chung: xây dựng đường vành đai)",
    location_vi="quận Cái Răng (TP Cần Thơ), huyện Châu Thành A, huyện Châu Thành (Hậu Giang)",
    parent_id="vanh-dai-phia-tay-ql91-ql61c", scope="city", geocode_precision=3,
    notes=N_GTVT + N_FUND + "Part of Phụ lục II row 10 (split; parent_id = core section). No outside source found "
          "on its alignment: schematic line from the core section's QL61C end eastwards south of Cái Răng, across "
          "QL1 near Cái Tắc, to the Nam Sông Hậu road (QL91C) near Đông Phú/Mái Dầm (Cái Cui port side). Errors "
          "of several km possible.")
row(id="ql61c-can-tho-hau-giang",
    name_vi="Nâng cấp, mở rộng tuyến đường nối thành phố Cần Thơ và tỉnh Hậu Giang (Quốc lộ 61C)",
    name_en="Upgrading and widening of the Cần Thơ – Hậu Giang road (QL61C)", sector="road",
    owner="Sở Giao thông vận tải (phối hợp thực hiện)", owner_current=OC_GTVT, funding_source=FUND_PL2,
    funding_type="state_budget", period_start=2021, period_end=2025, status="planned",
    status_as_of="2026-01-31", status_source="KH-UBND/2026, mục II.4.5 (mở rộng Quốc lộ 61C vẫn là nhiệm vụ)",
    sources=f"{D202}, Phụ lục II, dòng 4; {D26}, mục II.4.5",
    location_vi="quận Cái Răng, huyện Phong Điền (TP Cần Thơ); huyện Châu Thành A, huyện Vị Thủy, TP Vị Thanh (Hậu Giang)",
    scope="city", geocode_precision=2, official_length_km="",
    notes=N_GTVT + N_FUND + "KH-UBND/2026 lists 'mở rộng … Quốc lộ 61C' without a period, so period stays 2021-2025 "
          "(202/KH-UBND). Extent taken from thuonggiaonline.vn 'Gần 4.000 tỷ đồng mở rộng Quốc lộ 61C nối Cần Thơ - "
          "Hậu Giang' (undated, not cited as source): phase 2 from Km10+200 (kênh Trầu Hôi, Cần Thơ/Hậu Giang "
          "border) to Km47+352 (near cầu Cái Tư, xã Hỏa Tiến), ~37 km, 3,888 bn VND incl. Japanese ODA loan; "
          "led by Hậu Giang. Line: own waypoints every ~1.3 km interpolated along the coarse ODV/LegoCity corridor "
          "labelled 'QL91B' (which PROVENANCE identifies as QL61C; 80-500 m off).")
row(id="dt-923", name_vi="Nâng cấp, mở rộng Đường tỉnh 923", name_en="Upgrading and widening of provincial road ĐT923 (Lộ Vòng Cung)",
    sector="road", owner="Sở Giao thông vận tải", owner_current=OC_GTVT, funding_source=FUND_PL2,
    funding_type="state_budget", period_start=2021, period_end=2025, status="planned",
    status_as_of="2021-10-01", status_source="202/KH-UBND, Phụ lục II, dòng 5",
    sources=f"{D202}, Phụ lục II, dòng 5; {D202}, mục II.4.a",
    location_vi="quận Ninh Kiều, huyện Phong Điền, quận Ô Môn", scope="city", geocode_precision=2,
    notes=N_GTVT + N_FUND + "ĐT923 = Lộ Vòng Cung: from QL1 at the Cái Răng bridge (An Bình) west along the Cần Thơ "
          "river through An Bình, Mỹ Khánh, Phong Điền town, then north through Tân Thới and Trường Lạc to QL91 at "
          "Ba Se (Phước Thới). From the NVC nối dài junction (An Bình) to Ba Se the line is own waypoints every "
          "~0.65 km along the OSM bus route 09 corridor (guide, ODbL); the ~4 km An Bình – Cái Răng bridge part is "
          "sketched (no centreline available). baocantho.com.vn notes the road serves Phước Thới and Phong Điền.")
row(id="dt-917", name_vi="Nâng cấp, mở rộng Đường tỉnh 917", name_en="Upgrading and widening of provincial road ĐT917",
    sector="road", owner="Ban Quản lý dự án đầu tư xây dựng thành phố", funding_source=FUND_PL2,
    funding_type="state_budget", period_start=2021, period_end=2025, status="planned",
    status_as_of="2021-10-01", status_source="202/KH-UBND, Phụ lục II, dòng 6",
    sources=f"{D202}, Phụ lục II, dòng 6; {D202}, mục II.4.a",
    location_vi="quận Bình Thủy, huyện Phong Điền", scope="city", geocode_precision=3,
    notes=N_FUND + "Termini not confirmed by any stored page (baocantho.com.vn only says ĐT917 is a main road of the "
          "city with site clearance under way). Sketch from recollection: from QL91 (Lê Hồng Phong) at Bình Thủy "
          "south-west along the Bình Thủy river through Long Tuyền towards Giai Xuân, ending on ĐT923 near Tân Thới "
          "(Phong Điền). Could instead end at Trường Lạc (Ô Môn). owner_current left empty: the 2025 successor of "
          "the city construction PMB was not verified.")
row(id="dt-918-giai-doan-2", name_vi="Đường tỉnh 918 (giai đoạn 2)", name_en="Provincial road ĐT918 (phase 2)",
    sector="road", owner="Ban Quản lý dự án đầu tư xây dựng thành phố", funding_source=FUND_PL2,
    funding_type="state_budget", period_start=2021, period_end=2025, status="planned",
    status_as_of="2021-10-01", status_source="202/KH-UBND, Phụ lục II, dòng 7",
    sources=f"{D202}, Phụ lục II, dòng 7; {D202}, mục II.4.a",
    location_vi="quận Bình Thủy, huyện Phong Điền", scope="city", geocode_precision=3,
    notes=N_FUND + "ĐT918 links Bình Thủy and Phong Điền; the ODA 'đường nối Cách Mạng Tháng Tám – ĐT918' (biztoday.vn, "
          "baocantho.com.vn) meets it in Long Hòa. Which section is phase 2 is not known: the whole corridor is "
          "drawn, from QL91 at Bình Thủy through Long Hòa/Long Tuyền to ĐT923 at Mỹ Khánh (sketch, precision 3).")
row(id="dt-921", name_vi="Đường tỉnh 921", name_en="Provincial road ĐT921", sector="road",
    owner="Ban Quản lý dự án đầu tư xây dựng thành phố", funding_source=FUND_PL2,
    funding_type="state_budget", period_start=2021, period_end=2025, status="planned",
    status_as_of="2021-10-01", status_source="202/KH-UBND, Phụ lục II, dòng 8",
    sources=f"{D202}, Phụ lục II, dòng 8; {D202}, mục II.4.a",
    location_vi="quận Thốt Nốt, huyện Cờ Đỏ (theo suy đoán, xem ghi chú)", scope="city", geocode_precision=5,
    notes=N_FUND + "No stored page gives ĐT921's termini. Drawn as an indicative line from QL91 at Thốt Nốt "
          "south-west via Trung Hưng to Cờ Đỏ town; this corridor is from recollection only and unverified, hence "
          "precision 5 (treat communes as indicative). owner_current left empty (successor not verified).")
row(id="duong-o-mon-thoi-lai-giong-rieng",
    name_vi="Đường kết nối quận Ô Môn, huyện Thới Lai, thành phố Cần Thơ với huyện Giồng Riềng, tỉnh Kiên Giang",
    name_en="Road linking Ô Môn and Thới Lai (Cần Thơ) with Giồng Riềng (Kiên Giang)", sector="road",
    owner="Sở Giao thông vận tải (đề xuất)", owner_current=OC_GTVT, funding_source=FUND_PL2,
    funding_type="state_budget", period_start=2021, period_end=2025, status="planned",
    status_as_of="2021-10-01", status_source="202/KH-UBND, Phụ lục II, dòng 9; mục II.4.a",
    sources=f"{D202}, Phụ lục II, dòng 9; {D202}, mục II.4.a; ngoài: CafeLand, \"Làm đường nối quận Ô Môn, TP Cần Thơ "
            "với tỉnh Kiên Giang hơn 1.300 tỷ đồng\", 2021-07-20, https://cafeland.vn/tin-tuc/lam-duong-noi-quan-o-mon-tp-can-tho-voi-tinh-kien-giang-hon-1300-ty-dong-100894.html",
    location_vi="quận Ô Môn, huyện Thới Lai", scope="regional", geocode_precision=3, official_length_km=22.56,
    notes=N_GTVT + N_FUND + "CafeLand 2021-07-20 (Sở GTVT): 22.56 km through Ô Môn and Thới Lai; start at Km2+600 of the "
          "Western ring road (Ô Môn), end at the Giồng Riềng (Kiên Giang) boundary near the Đông Bình commune "
          "office (Thới Lai); 1,317 bn VND; proposed for the DPO programme. Line sketched straight WSW between "
          "those ends (the straight distance ≈ the stated length). Scope regional: it links to Kiên Giang (now An Giang).")
row(id="ql91-km0-km7", name_vi="Nâng cấp mở rộng Quốc lộ 91 (đoạn từ km0-km7)",
    name_en="Upgrading and widening of National Road 91, km0–km7", sector="road",
    owner="Sở Giao thông vận tải đề xuất", owner_current=OC_GTVT,
    funding_source=FUND_PL2, funding_type="state_budget", period_start=2023, period_end=2027,
    period_history="202/KH-UBND=2021-2030; ngoài: Người Lao Động 2025-09-22=2023-2027",
    status="under_construction", status_as_of="2025-09-22",
    status_source="ngoài: Thanh Niên / Người Lao Động / VnExpress 2025-09-22 (lễ khởi công 22/9/2025)",
    sources=f"{D202}, Phụ lục II, dòng 11; ngoài: VnExpress, \"Hơn 7.200 tỷ đồng mở rộng quốc lộ qua Cần Thơ gấp ba lần\", "
            "2025-09-22, https://vnexpress.net/hon-7-200-ty-dong-mo-rong-quoc-lo-qua-can-tho-gap-ba-lan-4941969.html; "
            "ngoài: Thanh Niên, \"Cần Thơ mở rộng 7km đường được cử tri đặc biệt quan tâm\", 2025-09-22, "
            "https://thanhnien.vn/can-tho-mo-rong-7km-duong-duoc-cu-tri-dac-biet-quan-tam-185250922111818566.htm; "
            "ngoài: Người Lao Động, \"Cần Thơ khởi công 7 km đường mà người dân đặc biệt quan tâm\", 2025-09-22, "
            "https://nld.com.vn/can-tho-khoi-cong-7-km-duong-ma-nguoi-dan-dac-biet-quan-tam-196250922105251751.htm",
    location_vi="quận Ninh Kiều, quận Bình Thủy (nay phường Ninh Kiều, Cái Khế, Bình Thủy, Thới An Đông)",
    scope="city", geocode_precision=2, official_length_km=7.043,
    notes=N_GTVT + N_FUND + "Investor per 2025 press: Ban QLDA đầu tư xây dựng công trình giao thông và nông nghiệp TP "
          "Cần Thơ; 7,238 bn VND from central and local budgets; 37 m, 6 lanes, new 145 m bridge over the Bình Thủy "
          "river; completion planned 12/2027. Km0 at the Cách Mạng Tháng Tám – Hùng Vương – Trần Phú – Nguyễn Trãi "
          "junction; Km7 joins the existing Km7–Km14 in Thới An Đông. Line hand-digitised along CMT8 – Lê Hồng Phong "
          "(no centreline in the reference set; within ~300 m).")
row(id="duong-hem-91-long-tuyen-vanh-dai-tay",
    name_vi="Đường Hẻm 91 (đoạn Long Tuyền đến Đường vành đai phía Tây thành phố Cần Thơ)",
    name_en="Hẻm 91 road (Long Tuyền to the Western ring road)", sector="road",
    owner="Sở Giao thông vận tải", owner_current=OC_GTVT, funding_source=FUND_II4A, funding_type="state_budget",
    period_start=2021, period_end=2025, status="planned", status_as_of="2021-10-01",
    status_source="202/KH-UBND, mục II.4.a", sources=f"{D202}, mục II.4.a",
    location_vi="phường Long Tuyền, quận Bình Thủy – quận Ô Môn / huyện Phong Điền", scope="city", geocode_precision=3,
    notes=N_GTVT + "Owner = the agency tasked in II.4.a ('Giao Sở Giao thông vận tải chủ trì'); funding as written in "
          "II.4.a (medium-term public investment) → state_budget. No outside page found: schematic line from Long "
          "Tuyền westwards across ĐT923 (Trường Lạc) to the Western ring road sketch; several km error possible.")
row(id="cau-co-do", name_vi="Cầu Cờ Đỏ", name_en="Cờ Đỏ bridge", sector="bridge",
    owner="Sở Giao thông vận tải", owner_current=OC_GTVT, funding_source=FUND_II4A, funding_type="state_budget",
    period_start=2021, period_end=2025, status="planned", status_as_of="2021-10-01",
    status_source="202/KH-UBND, mục II.4.a", sources=f"{D202}, mục II.4.a",
    location_vi="huyện Cờ Đỏ (Đường tỉnh 919)", scope="city", geocode_precision=3,
    notes=N_GTVT + "baodauthau.vn tag page 'Cầu Cờ Đỏ' (undated, so not cited as a source): UBND TP approved the Cầu Cờ "
          "Đỏ project on ĐT919, huyện Cờ Đỏ, investor Sở GTVT, >165 bn VND city budget. Point placed at Cờ Đỏ town "
          "(old thị trấn) on ĐT919; exact crossing not known.")
row(id="cau-tay-do", name_vi="Cầu Tây Đô", name_en="Tây Đô bridge", sector="bridge",
    owner="Sở Giao thông vận tải", owner_current=OC_GTVT, funding_source=FUND_II4A, funding_type="state_budget",
    period_start=2021, period_end=2025, status="planned", status_as_of="2021-10-01",
    status_source="202/KH-UBND, mục II.4.a", sources=f"{D202}, mục II.4.a",
    location_vi="huyện Phong Điền (thị trấn Phong Điền – xã Nhơn Ái)", scope="city", geocode_precision=3,
    notes=N_GTVT + "VOV (baoxuan.vov.vn tag page, undated): 'Dự án cầu Tây Đô hơn 200 tỷ đồng' of Sở GTVT links thị "
          "trấn Phong Điền and xã Nhơn Ái and lacked cleared land; undated so status kept from the seed. Point "
          "placed at the Phong Điền town / Nhơn Ái edge on the Cần Thơ river (approximate).")
row(id="cau-kenh-ngang", name_vi="Cầu Kênh Ngang", name_en="Kênh Ngang bridge", sector="bridge",
    owner="Sở Giao thông vận tải", owner_current=OC_GTVT, funding_source=FUND_II4A, funding_type="state_budget",
    period_start=2021, period_end=2025, status="planned", status_as_of="2021-10-01",
    status_source="202/KH-UBND, mục II.4.a", sources=f"{D202}, mục II.4.a",
    location_vi="thành phố Cần Thơ (trước 2025); vị trí không nêu", scope="city", geocode_precision=6,
    notes=N_GTVT + "Location unknown: no source names the canal crossing (several 'Kênh Ngang' exist). The point is a "
          "placeholder at a representative point of pre-2025 TP Cần Thơ, not the site; communes must not be "
          "derived from it.")
row(id="nut-giao-trong-diem-ninh-kieu",
    name_vi="Cải tạo, mở rộng 05 nút giao trọng điểm (Nâng cấp, cải tạo các nút giao thông quan trọng)",
    name_en="Upgrading of 5 key intersections in central Cần Thơ", sector="intersection",
    owner="Sở Giao thông vận tải", owner_current=OC_GTVT, funding_source=FUND_PL2, funding_type="state_budget",
    period_start=2021, period_end=2025, status="under_construction", status_as_of="2025-08-31",
    status_source="ngoài: Tiền Phong 2025-08-31 (phê duyệt 11/2023, đang GPMB); Tuổi Trẻ qua thactrang.com (khởi công nút số 1 ngày 12/3)",
    sources=f"{D202}, Phụ lục II, dòng 19; {D202}, mục II.4.a; ngoài: Tiền Phong, \"Cận cảnh dự án mở rộng 5 nút giao thông "
            "trọng điểm 'ì ạch' ở Cần Thơ\", 2025-08-31, https://tienphong.vn/can-canh-du-an-mo-rong-5-nut-giao-thong-trong-diem-i-ach-o-can-tho-post1774492.tpo; "
            "ngoài: thactrang.com (lại bài Tuổi Trẻ), \"Mở rộng nút giao thường xuyên ùn tắc giao thông tại trung tâm Cần Thơ\", "
            "ngày 12/3 (năm không ghi, trước 7/2025), https://thactrang.com/tin-tuc/mo-rong-nut-giao-thuong-xuyen-un-tac-giao-thong-tai-trung-tam-can-tho-196006.html",
    location_vi="quận Ninh Kiều", scope="city", geocode_precision=2,
    notes=N_GTVT + N_FUND + "One row for Phụ lục II row 19 ('Nâng cấp, cải tạo các nút giao thông quan trọng', Sở GTVT, "
          "2021-2025) and II.4.a 'cải tạo, mở rộng 05 nút giao trọng điểm': same plan, same agency, same period, and "
          "II.4.a lists the funded projects that the annex rows also carry; the project later approved is exactly "
          "'cải tạo, mở rộng 5 nút giao trọng điểm' (~1,200 bn VND; HĐND chủ trương end-2021, approved 11/2023; "
          "investor UBND quận Ninh Kiều, now Ban QLDA ĐTXD khu vực Ninh Kiều). Sites (Tuổi Trẻ/Tiền Phong): "
          "1 Mậu Thân – 3 Tháng 2 – Trần Hưng Đạo (works started 12/3), 3 Tháng 2 – Nguyễn Văn Linh (nút 4), "
          "Mậu Thân – Nguyễn Văn Cừ – Võ Văn Kiệt, Nguyễn Văn Linh – Nguyễn Văn Cừ, Nguyễn Văn Linh – 30 Tháng 4. "
          "Points: the two Nguyễn Văn Cừ junctions from the bus route 09 geometry (~100 m); the other three "
          "estimated (~300-600 m).")
row(id="duong-bo-ven-bien-soc-trang",
    name_vi="Đường bộ ven biển (đoạn qua khu vực Sóc Trăng cũ)", name_en="Coastal road (former Sóc Trăng section)",
    sector="road", funding_type="unknown", status="proposed", status_as_of="2026-01-31",
    status_source="KH-UBND/2026, mục II.4.5", sources=f"{D26}, mục II.4.5",
    location_vi="ven biển Trần Đề – Vĩnh Châu (khu vực Sóc Trăng cũ)", scope="regional", geocode_precision=3,
    notes="KH-UBND/2026 II.4.5 lists 'đường bộ ven biển' among roads to build; the enlarged city's only coast is the "
          "former Sóc Trăng coast, so the row stands for that section. No owner, period or funding in the seeds. "
          "baodautu.vn (undated, not cited): Sóc Trăng proposed 'Xây dựng đường bộ nhằm cải thiện liên kết vùng Đông "
          "Nam của tỉnh Sóc Trăng và kết nối với tỉnh Bạc Liêu, Trà Vinh': 66.5 km Trần Đề – Vĩnh Châu, of which "
          "53.5 km on the coastal road, 2024-2030, ~5,917 bn VND. Schematic line from Trần Đề along the sea-dyke "
          "side of Vĩnh Hải, Vĩnh Châu, Vĩnh Phước, Lai Hòa to the Bạc Liêu (now Cà Mau) boundary; scope regional "
          "(continues into neighbouring provinces).")

# ---- write -------------------------------------------------------------------------------------
def rnd(geom):
    m = mapping(geom)
    def r(c):
        if isinstance(c[0], (int, float)):
            return [round(c[0], 6), round(c[1], 6)]
        return [r(x) for x in c]
    return {"type": m["type"], "coordinates": r(m["coordinates"])}

ids = [r["id"] for r in rows]
assert len(ids) == len(set(ids)) and set(ids) == set(G), (set(ids) ^ set(G))
with open(OUT / "city_transport.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.DictWriter(f, fieldnames=list(COLUMNS), quoting=csv.QUOTE_MINIMAL)
    w.writeheader()
    w.writerows(rows)
fc = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"id": i}, "geometry": rnd(G[i])} for i in ids]}
(OUT / "city_transport.geojson").write_text(json.dumps(fc, ensure_ascii=False) + "\n", encoding="utf-8")
print(len(rows), "rows")
