"""The CRSs, the region box and the tolerances every layer shares, each defined once.

Modules import these names (some re-export them under their older names, e.g.
``portfolio.measure.MEASURE_CRS``); nothing else spells ``"EPSG:5897"`` or a tolerance.
"""

from __future__ import annotations

from typing import Final

#: Geographic CRS of the register and its geodata: WGS 84, longitude/latitude in degrees.
WGS84_CRS: Final[str] = "EPSG:4326"
#: Projected CRS of every measurement (lengths, areas, distances): VN-2000 / TM-3 zone 482 (central
#: meridian 105°, scale k = 0.9999), metres; its area of use names Cần Thơ.
METRIC_CRS: Final[str] = "EPSG:5897"

#: Box every geometry must lie in (the Mekong delta around the city): lon_min, lat_min, lon_max, lat_max.
REGION_BBOX: Final[tuple[float, float, float, float]] = (104.3, 8.5, 107.0, 11.2)
#: How far (degrees, about 2 km) a city-scope geometry may stray outside the generalised boundary.
CITY_TOLERANCE_DEG: Final[float] = 0.02
#: Largest relative difference allowed between a polygon's area and ``official_area_ha``.
AREA_TOLERANCE: Final[float] = 0.15

#: Half-width (metres, :data:`METRIC_CRS`) of the corridor around a parent's selected component lines
#: inside which the parent's length is taken as already counted (see :mod:`portfolio.measure`). 100 m is
#: the tolerance of precision code 1 (``schema.PRECISION``: "the centreline itself, within about 100 m"),
#: so two drawings of the same road at that precision fall inside it. On the real register the
#: components share the parent's vertices: the uncovered length of each parent is the same for any
#: half-width from 1 m to 500 m (e.g. du-an-ket-noi-trung-tam-dbscl 25.176 km, vanh-dai-phia-tay-ql91-ql61c
#: 19.021 km, the two expressways 0 km), so the choice only matters for independently drawn components.
#: A component crossing the parent removes about twice this (0.2 km) of the parent's length.
COMPONENT_CORRIDOR_M: Final[float] = 100.0
