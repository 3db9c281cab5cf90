"""The register's columns, vocabularies and row model.

This module is the single definition of what a row of ``projects.csv`` may hold. The README's
tables of columns and vocabularies are checked against it by ``tests/test_schema.py``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache
from typing import Any, Final, NamedTuple

#: Columns of ``projects.csv``, in file order. Names are fixed: the app, exports and checks use them.
COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "name_vi",
    "name_en",
    "sector",
    "owner",
    "owner_current",
    "investor",
    "funding_source",
    "funding_type",
    "period_start",
    "period_end",
    "period_history",
    "status",
    "status_as_of",
    "status_source",
    "sources",
    "location_vi",
    "parent_id",
    "communes",
    "districts_before_2025",
    "admin_basis",
    "scope",
    "geocode_precision",
    "official_area_ha",
    "official_length_km",
    "investment_bn_vnd",
    "investment_kind",
    "investment_source",
    "notes",
)

#: Columns that must hold a value in every row.
REQUIRED: Final[frozenset[str]] = frozenset(
    {
        "id",
        "name_vi",
        "name_en",
        "sector",
        "funding_type",
        "status",
        "status_as_of",
        "status_source",
        "sources",
        "location_vi",
        "scope",
        "geocode_precision",
    }
)

#: Sector vocabulary: value -> (Vietnamese label, English label).
SECTORS: Final[dict[str, tuple[str, str]]] = {
    "road": ("Đường bộ", "Road"),
    "expressway": ("Đường cao tốc", "Expressway"),
    "bridge": ("Cầu", "Bridge"),
    "intersection": ("Nút giao", "Intersection"),
    "embankment": ("Kè, đê", "Embankment"),
    "waterway": ("Đường thủy, luồng, kênh", "Waterway"),
    "port": ("Cảng", "Port"),
    "airport": ("Cảng hàng không", "Airport"),
    "railway": ("Đường sắt", "Railway"),
    "transit": ("Giao thông công cộng", "Public transit"),
    "logistics": ("Logistics, bến xe", "Logistics"),
    "industrial_zone": ("Khu, cụm công nghiệp", "Industrial zone"),
    "energy": ("Năng lượng", "Energy"),
    "water": ("Cấp, thoát nước", "Water supply and drainage"),
    "irrigation": ("Thủy lợi", "Irrigation and flood control"),
    "health": ("Y tế", "Health"),
    "education": ("Giáo dục", "Education"),
    "culture": ("Văn hóa, thể thao", "Culture and sport"),
    "public_building": ("Công trình công cộng", "Public building"),
    "science_technology": ("Khoa học, công nghệ", "Science and technology"),
    "urban_development": ("Phát triển đô thị", "Urban development"),
}

#: Geometry families each sector accepts ("line", "polygon", "point"; multi-parts count as their family).
SECTOR_GEOMETRY: Final[dict[str, frozenset[str]]] = {
    "road": frozenset({"line"}),
    "expressway": frozenset({"line"}),
    "bridge": frozenset({"line", "point"}),
    "intersection": frozenset({"point"}),
    "embankment": frozenset({"line"}),
    "waterway": frozenset({"line"}),
    "port": frozenset({"point", "polygon"}),
    "airport": frozenset({"point", "polygon"}),
    "railway": frozenset({"line"}),
    "transit": frozenset({"line"}),
    "logistics": frozenset({"point", "polygon"}),
    "industrial_zone": frozenset({"polygon"}),
    "energy": frozenset({"point", "polygon"}),
    "water": frozenset({"point", "line", "polygon"}),
    "irrigation": frozenset({"point", "line", "polygon"}),
    "health": frozenset({"point", "polygon"}),
    "education": frozenset({"point", "polygon"}),
    "culture": frozenset({"point", "polygon"}),
    "public_building": frozenset({"point", "polygon"}),
    "science_technology": frozenset({"point", "polygon"}),
    "urban_development": frozenset({"point", "line", "polygon"}),
}

#: Status vocabulary: value -> (Vietnamese, English, definition).
STATUSES: Final[dict[str, tuple[str, str, str]]] = {
    "proposed": (
        "Đề xuất",
        "Proposed",
        "Named as an idea to study, propose or call investment for; no approved period or investor.",
    ),
    "planned": (
        "Kế hoạch",
        "Planned",
        "Approved in a plan with a period, or by an investment decision that names an investor (and usually "
        "an owner and funding), works not started.",
    ),
    "under_construction": (
        "Đang thi công",
        "Under construction",
        "Works have started on site and are not finished.",
    ),
    "completed": (
        "Hoàn thành",
        "Completed",
        "Works finished and handed over (a road opened, a building inaugurated).",
    ),
    "operating": (
        "Đang khai thác",
        "Operating",
        "An existing facility in service that the plans extend or upgrade (an airport, an industrial park).",
    ),
    "suspended": (
        "Tạm dừng",
        "Suspended",
        "Started or approved, then stopped or dropped according to a named source.",
    ),
}

#: Funding type vocabulary: value -> (Vietnamese, English).
FUNDING_TYPES: Final[dict[str, tuple[str, str]]] = {
    "state_budget": ("Ngân sách nhà nước", "State budget"),
    "oda": ("Vốn ODA", "ODA"),
    "ppp": ("Đối tác công tư (PPP)", "Public-private partnership"),
    "private": ("Vốn tư nhân", "Private"),
    "mixed": ("Hỗn hợp", "Mixed"),
    "unknown": ("Chưa rõ", "Unknown"),
}

#: How ``investment_bn_vnd`` was stated by its source: value -> (Vietnamese, English, definition).
INVESTMENT_KINDS: Final[dict[str, tuple[str, str, str]]] = {
    "approved": (
        "Đã phê duyệt",
        "Approved",
        "The exact total of an approved project (investment decision, licence, approved plan, or works "
        "started) as the source states it.",
    ),
    "estimate": (
        "Ước tính",
        "Estimate",
        "A proposed, preliminary or expected total, one whose approval the source does not state, or one "
        "it qualifies (khoảng, gần, hơn, sơ bộ, dự kiến).",
    ),
}

#: Scope vocabulary.
SCOPES: Final[dict[str, tuple[str, str]]] = {
    "city": ("Thành phố", "City"),
    "regional": ("Vùng", "Regional"),
}

#: How ``communes`` / ``districts_before_2025`` were obtained.
ADMIN_BASES: Final[dict[str, tuple[str, str]]] = {
    "geometry": ("Tính từ ranh giới", "Computed from boundaries"),
    "source_text": ("Theo văn bản nguồn", "From the source text"),
}

#: Geocoding precision, modelled on the AidData / IATI location precision codes.
#: value -> (Vietnamese, English, definition). 1 is best. Codes >= APPROXIMATE_FROM are "approximate".
PRECISION: Final[dict[int, tuple[str, str, str]]] = {
    1: (
        "Chính xác",
        "Exact",
        "The site or centreline itself, within about 100 m.",
    ),
    2: (
        "Gần đúng",
        "Near",
        "Within about 1 km: a line drawn along the real corridor through known waypoints "
        "(towns, junctions, bridges), or a point near the known site.",
    ),
    3: (
        "Phác tuyến",
        "Sketched",
        "Only the ends and general corridor (or the approximate site) are known: a planned "
        "alignment not published, drawn schematically; errors of several km are possible.",
    ),
    4: (
        "Cấp xã",
        "Commune",
        "Placed in the right post-2025 commune or ward; the location within it is unknown.",
    ),
    5: (
        "Cấp huyện cũ",
        "Former district",
        "Placed in the right pre-2025 district; the location within it is unknown.",
    ),
    6: (
        "Toàn thành phố",
        "City-wide",
        "A city-wide or multi-site programme shown by its sites or the area it serves.",
    ),
}

#: Precision codes from which a geometry is drawn and filtered as approximate.
APPROXIMATE_FROM: Final[int] = 3

#: The seed documents every row cites: key -> (number as cited, date, title in English, seed file).
DOCUMENTS: Final[dict[str, tuple[str, str, str]]] = {
    "59-NQ/TW": (
        "2020-08-05",
        "Politburo Resolution 59-NQ/TW on building and developing Cần Thơ to 2030, vision 2045",
        "002_388965410acabdcd.txt",
    ),
    "202/KH-UBND": (
        "2021-10-01",
        "City People's Committee plan 202/KH-UBND implementing Government Resolution 98/NQ-CP "
        "(Resolution 59-NQ/TW); Phụ lục II lists 24 infrastructure tasks",
        "003_e24871c7ce995734.txt",
    ),
    "CTr-NQ29/2023": (
        "2023-04-17",
        "City Party Committee programme implementing Resolution 29-NQ/TW on industrialisation "
        "and modernisation to 2030",
        "004_e784d2f2db4ace3e.txt",
    ),
    "KH-UBND/2026": (
        "2026-01",
        "City People's Committee plan (number left blank, January 2026) implementing the "
        "1st City Party Congress resolution 2025-2030 and action programme 02-CTr/TU",
        "001_ecb356a58d975cd3.txt",
    ),
    "BT-KH2026": (
        "2026",
        "Press summary of the January 2026 plan",
        "000_a994e3cb4bd9173d.txt",
    ),
}

#: Prefix of a source entry that is not one of the seed documents; the entry must then name the
#: publisher, the title or page and a date, e.g. ``ngoài: VnExpress, 'Cao tốc … thông xe', 2025-04-19``.
EXTERNAL_PREFIX: Final[str] = "ngoài:"

#: Separator between entries in ``sources``, ``communes``, ``districts_before_2025``, ``period_history``.
LIST_SEP: Final[str] = "; "

ID_RE: Final[re.Pattern[str]] = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
#: One entry of ``period_history``: ``DOCUMENT=START-END``, years in ASCII digits
#: (read by :func:`parse_period_history`).
PERIOD_HISTORY_RE: Final[re.Pattern[str]] = re.compile(r"^(?P<doc>.+)=(?P<start>[0-9]{4})-(?P<end>[0-9]{4})$")

#: Plausible years for ``period_start`` / ``period_end`` and the dates of ``status_as_of``.
YEAR_MIN: Final[int] = 1990
YEAR_MAX: Final[int] = 2060


def split_list(value: str | None) -> list[str]:
    """Split a ``; ``-separated cell into its stripped, non-empty entries."""
    if value is None:
        return []
    return [part.strip() for part in str(value).split(";") if part.strip()]


class PeriodEntry(NamedTuple):
    """One readable entry of ``period_history``: the document (stripped), its period, and the entry as
    written (for messages)."""

    document: str
    start: int
    end: int
    text: str


@lru_cache(maxsize=65536)
def parse_period_history(value: str | None) -> tuple[PeriodEntry | str, ...]:
    """The ``period_history`` grammar, the one reading of the column: ``DOCUMENT=START-END; …``.

    Entries are split as :func:`split_list` splits them; each reads as a :class:`PeriodEntry`, or stays its
    text where it is not ``DOCUMENT=START-END`` with four ASCII digits each side (the rules report those:
    ``bad_period_history``). Cached on the cell's text.
    """
    out: list[PeriodEntry | str] = []
    for entry in split_list(value):
        match = PERIOD_HISTORY_RE.match(entry)
        out.append(
            PeriodEntry(match["doc"].strip(), int(match["start"]), int(match["end"]), entry)
            if match
            else entry
        )
    return tuple(out)


def period_entries(value: str | None) -> list[PeriodEntry]:
    """The readable entries of a ``period_history`` cell (:func:`parse_period_history`), in order."""
    return [entry for entry in parse_period_history(value) if isinstance(entry, PeriodEntry)]


def source_document(entry: str) -> str | None:
    """Return the document key a ``sources`` entry cites, ``"external"``, or ``None`` if neither.

    Parameters
    ----------
    entry : str
        One entry of the ``sources`` column, e.g. ``"202/KH-UBND Phụ lục II dòng 3"``.
    """
    text = entry.strip()
    if text.lower().startswith(EXTERNAL_PREFIX):
        return "external"
    for key in DOCUMENTS:
        if text.startswith(key + " ") or text == key:
            return key
    return None


def is_nfc(text: str) -> bool:
    """True when ``text`` is in Unicode normal form C (composed Vietnamese diacritics)."""
    return unicodedata.is_normalized("NFC", text)


def parse_iso_date(text: str) -> date:
    """Parse ``YYYY-MM-DD``; raise ``ValueError`` otherwise."""
    return date.fromisoformat(text)


def geometry_family(geom: Any) -> str:
    """``"point"``, ``"line"`` or ``"polygon"`` for a (multi-part) shapely geometry."""
    kind = geom.geom_type
    if kind in ("Point", "MultiPoint"):
        return "point"
    if kind in ("LineString", "MultiLineString", "LinearRing"):
        return "line"
    if kind in ("Polygon", "MultiPolygon"):
        return "polygon"
    return str(kind).lower()
