"""The colours every view shares (the map, the timeline, the PDF reports), defined once.

A low module with no dependency, so the reports and the CLI use the map's colours without the web stack
(:mod:`portfolio.mapview`, which needs folium, re-exports these names).
"""

from __future__ import annotations

from typing import Final

#: Colour of each status: Okabe & Ito's palette for colour-blind readers (distinct under protanopia,
#: deuteranopia and tritanopia). Completed is bluish green, operating dark blue: they differ in hue
#: and lightness, not in a shade of green; planned (sky blue) is far lighter than operating.
STATUS_COLORS: Final[dict[str, str]] = {
    "proposed": "#cc79a7",
    "planned": "#56b4e9",
    "under_construction": "#e69f00",
    "completed": "#009e73",
    "operating": "#0072b2",
    "suspended": "#d55e00",
}
UNKNOWN_COLOR: Final[str] = "#555555"
BOUNDARY_COLOR: Final[str] = "#444444"
RIVER_COLOR: Final[str] = "#6baed6"
ROAD_COLOR: Final[str] = "#bdbdbd"
UPLOAD_COLOR: Final[str] = "#d6278c"
LINK_COLOR: Final[str] = "#111111"
SELECTED_COLOR: Final[str] = "#ffd400"


def status_color(status: str) -> str:
    """The colour of ``status`` (:data:`UNKNOWN_COLOR` for a value outside the vocabulary)."""
    return STATUS_COLORS.get(status, UNKNOWN_COLOR)
