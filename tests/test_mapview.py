"""The folium map: escaping, local assets only, styles, simplification, background, click ids, card."""

from __future__ import annotations

import json
from typing import Any

import folium
import geopandas as gpd
import pytest
import shapely
from streamlit_folium import _get_header, _get_map_string

from portfolio import assets, i18n, register, schema
from portfolio.mapview import (
    APPROXIMATE_STYLE_DASH,
    STATUS_COLORS,
    TOOLTIP_CSS,
    build_map,
    clicked_project,
    display_geometry,
    esc,
    filter_message,
    filter_script,
    id_from_tooltip,
    legend_html,
    payload_json,
    project_payload,
    project_style,
    projects_intersecting,
    selection_layer,
    status_color,
    view_of,
)
from tests.app_fixtures import HOSTILE, make_app_register
from tests.conftest import ROOT

REAL_REGISTER = ROOT / "projects.csv"
REAL_GEODATA = ROOT / "geodata"


@pytest.fixture
def data(tmp_path):  # type: ignore[no-untyped-def]
    reg, geo = make_app_register(tmp_path / "m")
    return register.load(reg, geo), register.load_boundary(geo), register.load_background(geo)


def rendered(m: folium.Map) -> tuple[str, str]:
    """What streamlit-folium sends to the browser: the map script and the header."""
    m.get_root().render()
    return _get_map_string(m), _get_header(m)


def links(element: Any) -> list[str]:
    """Every script/style URL any element of the map asks for (what st_folium loads)."""
    found = [url for _, url in getattr(element, "default_js", [])]
    found += [url for _, url in getattr(element, "default_css", [])]
    for child in getattr(element, "_children", {}).values():
        found += links(child)
    return found


def test_esc_neutralises_html_and_template_literals() -> None:
    assert esc(HOSTILE) == "&lt;img src=x onerror=alert(1)&gt; &#36;{alert(2)} *bold*"
    assert esc('"quoted" & `tick`') == "&quot;quoted&quot; &amp; &#96;tick&#96;"
    assert esc(None) == "" and esc(float("nan")) == ""


def test_hostile_name_reaches_the_map_only_escaped(data) -> None:  # type: ignore[no-untyped-def]
    frame, boundary, background = data
    script, header = rendered(build_map(frame, "vi", boundary=boundary, background=background))
    # No markup reaches the script: the name is JSON data with "<" as \u003c, inside no template
    # literal (no backtick in the project layer's code), shown with textContent.
    assert "<img" not in script and "`" not in script
    # Names travel as plain data in HTML-safe JSON; the browser shows them with textContent only.
    names = project_payload(frame, "vi")["names"]
    assert any("<img src=x onerror=alert(1)> ${alert(2)}" in name for name in names)
    assert "\\u003cimg src=x" in payload_json(frame, "vi")
    assert "innerHTML" not in script.split("pf-legend", 1)[0]  # only the legend (escaped) uses innerHTML
    assert "textContent = P.names[i]" in script
    assert "<img" not in header


def test_only_local_leaflet_is_loaded(data) -> None:  # type: ignore[no-untyped-def]
    frame, boundary, background = data
    m = build_map(frame, "en", boundary=boundary, background=background, tiles=True)
    script, header = rendered(m)
    urls = links(m)
    assert set(urls) == {
        "../../app/static/vendor/leaflet/leaflet.js",
        "../../app/static/vendor/leaflet/leaflet.css",
    }
    for text in (script, header):
        for cdn in ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "unpkg"):
            assert cdn not in text
    assert m.default_js == assets.js_links() and m.default_css == assets.css_links()


def test_tiles_only_when_asked_with_attribution(data) -> None:  # type: ignore[no-untyped-def]
    frame, boundary, background = data
    offline, _ = rendered(build_map(frame, boundary=boundary, background=background, tiles=False))
    assert "tileLayer" not in offline
    online, _ = rendered(build_map(frame, boundary=boundary, background=background, tiles=True))
    assert "tile.openstreetmap.org" in online and "openstreetmap.org/copyright" in online


def test_every_project_is_drawn_with_background_and_legend(data) -> None:  # type: ignore[no-untyped-def]
    frame, boundary, background = data
    script, _ = rendered(build_map(frame, "vi", boundary=boundary, background=background))
    ids = project_payload(frame, "vi")["ids"]
    assert sorted(ids) == sorted(frame["id"])
    for ident in frame["id"]:
        assert f'"{ident}"' in script
    assert "pf-boundary" in script and "pf-background" in script and "pf-legend" in script
    assert script.count('"interactive": false') >= 2  # boundary and background are not clickable
    for status in set(frame["status"]):
        assert status_color(status) in script
    assert "fitBounds" in script


def test_styles_by_status_and_approximate_dashed() -> None:
    exact = project_style({"status": "planned", "approx": False, "family": "line"})
    approx = project_style({"status": "planned", "approx": True, "family": "line"})
    assert exact["color"] == approx["color"] == status_color("planned")
    assert "dashArray" not in exact and approx["dashArray"] == APPROXIMATE_STYLE_DASH
    point = project_style({"status": "operating", "approx": False, "family": "point"})
    halo = project_style({"status": "operating", "approx": True, "family": "point"})
    assert halo["radius"] > point["radius"] and halo["fillOpacity"] < point["fillOpacity"]
    # At city zoom an approximate site is a small dashed marker, not a halo.
    small = project_style({"status": "operating", "approx": True, "family": "point", "small": True})
    assert small["radius"] < point["radius"] and small["dashArray"]
    assert point["fill"] is True
    assert len({status_color(s) for s in schema.STATUSES}) == len(schema.STATUSES)


def test_approximate_flag_follows_precision(data) -> None:  # type: ignore[no-untyped-def]
    frame, _, _ = data
    data = project_payload(frame, "vi")
    approx = dict(zip(data["ids"], data["ap"], strict=True))
    precision = dict(zip(data["ids"], data["pr"], strict=True))
    assert approx["kcn-o-mon"] == 1 and precision["kcn-o-mon"] == 3
    assert approx["dt-923"] == 0  # precision 2
    script, _ = rendered(build_map(frame, "vi"))
    assert json.dumps(i18n.label("precision", 3, "vi")) in script  # "Phác tuyến", in the label table


def test_display_geometry_is_simplified_and_rounded() -> None:
    wiggly = shapely.LineString([(105.6 + i * 1e-4, 10.0 + (i % 2) * 1e-6) for i in range(2000)])
    simple = display_geometry(wiggly)
    assert simple is not None and len(simple["coordinates"]) < 10
    assert all(len(str(c).split(".")[1]) <= 5 for xy in simple["coordinates"] for c in xy)
    assert display_geometry(None) is None and display_geometry(shapely.Point()) is None


def test_map_payload_stays_small(data) -> None:  # type: ignore[no-untyped-def]
    frame, boundary, background = data
    dense = frame.copy()
    dense.loc[dense["id"] == "dt-923", "geometry"] = shapely.LineString(
        [(105.60 + i * 1e-5, 10.0 + 0.01 * ((i // 50) % 2)) for i in range(20000)]
    )
    script, _ = rendered(build_map(dense, boundary=boundary, background=background))
    assert len(script) < 60_000
    # ... while the frame itself (what exports use) keeps every vertex.
    assert len(dense.set_index("id").geometry.loc["dt-923"].coords) == 20000


def test_click_resolves_the_project(data) -> None:  # type: ignore[no-untyped-def]
    frame, _, _ = data
    assert id_from_tooltip("Cảng Cái Cui\nĐang khai thác\n[id: cang-cai-cui]") == "cang-cai-cui"
    assert id_from_tooltip(None) is None and id_from_tooltip("no id") is None
    state: dict[str, Any] = {
        "last_object_clicked": {"lat": 9.9947, "lng": 105.8436},
        "last_object_clicked_tooltip": "x [id: kcn-o-mon]",
    }
    assert clicked_project(frame, state) == "kcn-o-mon"
    state["last_object_clicked_tooltip"] = None
    assert clicked_project(frame, state) == "cang-cai-cui"  # nearest to the click
    assert clicked_project(frame, {"last_object_clicked": {"lat": 0.0, "lng": 0.0}}) is None
    assert clicked_project(frame, None) is None


def test_selection_outline_and_view(data) -> None:  # type: ignore[no-untyped-def]
    frame, _, _ = data
    group = selection_layer(frame, "evil")
    assert isinstance(group, folium.FeatureGroup)
    assert selection_layer(frame, None) is None and selection_layer(frame, "nope") is None
    center, zoom = view_of(frame, "evil")
    assert center == pytest.approx((10.055, 105.75)) and zoom is not None and 10 <= zoom <= 14
    _, point_zoom = view_of(frame, "cang-cai-cui")
    assert point_zoom is not None and point_zoom > zoom
    assert view_of(frame, None) == (None, None)


def test_projects_intersecting_a_user_layer(data) -> None:  # type: ignore[no-untyped-def]
    frame, _, _ = data
    flood = gpd.GeoDataFrame(geometry=[shapely.box(105.59, 10.09, 105.63, 10.13)], crs=4326)
    assert set(projects_intersecting(frame, flood)["id"]) == {"kcn-o-mon", "cang-moi"}
    metric = flood.to_crs("EPSG:5897")  # another CRS is reprojected first
    assert set(projects_intersecting(frame, metric)["id"]) == {"kcn-o-mon", "cang-moi"}
    empty = gpd.GeoDataFrame(geometry=[], crs=4326)
    assert projects_intersecting(frame, empty).empty


def test_upload_and_links_layers(data) -> None:  # type: ignore[no-untyped-def]
    frame, boundary, background = data
    flood = gpd.GeoDataFrame(geometry=[shapely.box(105.59, 10.09, 105.63, 10.13)], crs=4326)
    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(105.6, 10.1), (105.8, 10.0)])], crs=4326)
    script, _ = rendered(
        build_map(
            frame, boundary=boundary, background=background, upload=flood, links=lines, link_tips=[HOSTILE]
        )
    )
    assert "pf-upload" in script and "pf-link" in script
    assert "<img" not in script  # the link tip is escaped HTML
    assert len(payload_json(frame, "vi")) < 5_000


def test_assets_copy_leaflet_from_the_installed_package(tmp_path) -> None:  # type: ignore[no-untyped-def]
    dest = tmp_path / "vendor"
    assert assets.missing(dest) == list(assets.LEAFLET_FILES)
    source = assets.find_leaflet()
    assert "Leaflet 1.9.4" in (source.folder / "leaflet.js").read_text(encoding="utf-8")[:200]
    copied = assets.install(dest)
    assert len(copied) == len(assets.LEAFLET_FILES) and assets.missing(dest) == []
    assert "django-js-lib-leaflet" in (dest / "leaflet" / "SOURCE.txt").read_text(encoding="utf-8")
    assert assets.install(dest) == copied  # idempotent


def test_no_third_party_code_is_committed() -> None:
    import subprocess

    tracked = subprocess.run(
        ["git", "ls-files"], capture_output=True, text=True, check=False, cwd=assets.ROOT
    ).stdout.split()
    assert not [f for f in tracked if f.startswith("static/") or f.endswith(("leaflet.js", "leaflet.css"))]


def test_register_text_is_never_evaluated_as_a_template(data) -> None:  # type: ignore[no-untyped-def]
    frame, boundary, background = data
    frame = frame.copy()
    frame.loc[frame["id"] == "evil", "name_vi"] = "X{{ 7*7 }}Y{% if 1 %}Z{% endif %}"
    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(105.6, 10.1), (105.8, 10.0)])], crs=4326)
    m = build_map(
        frame, "vi", boundary=boundary, background=background, links=lines, link_tips=["L{{ 6*7 }}L"]
    )
    page = m.get_root().render()  # folium's own HTML (what save() writes)
    script, _ = rendered(m)  # what streamlit-folium sends
    for text in (page, script):
        assert "X{{ 7*7 }}Y{% if 1 %}Z{% endif %}" in text and "X49Y" not in text
        assert "L{{ 6*7 }}L" in text and "L42L" not in text


def test_styles_are_computed_in_the_browser_from_project_style(data) -> None:  # type: ignore[no-untyped-def]
    frame, boundary, background = data
    script, _ = rendered(build_map(frame, "vi", boundary=boundary, background=background))
    # One style table and one colour table, not a serialised style per feature.
    assert script.count('"className": "pf-project"') == 7
    for family in ("point", "line", "polygon"):
        for approx in (False, True):
            style = project_style({"status": "", "approx": approx, "family": family})
            assert f'"{family}|{int(approx)}": {json.dumps(style, sort_keys=True)}' in script
    assert json.dumps([STATUS_COLORS[s] for s in schema.STATUSES]) in script
    assert "bindTooltip" in script and "L.circleMarker" in script


def test_tiles_are_probed_once_and_dropped_at_the_first_error(data) -> None:  # type: ignore[no-untyped-def]
    frame, boundary, background = data
    script, _ = rendered(build_map(frame, "vi", boundary=boundary, background=background, tiles=True))
    # The tile layer is added only after one probe tile loads, and removed at the first tile error.
    assert "probe.onload" in script and "probe.onerror = offline" in script
    assert 'layer.on("tileerror", offline)' in script
    assert "layer.addTo(map)" not in script.split("probe.onload", 1)[0]
    assert json.dumps(i18n.t("tiles_offline", "vi")) in script


def test_tooltips_stay_inside_the_map(data) -> None:  # type: ignore[no-untyped-def]
    frame, boundary, background = data
    script, header = rendered(build_map(frame, "vi", boundary=boundary, background=background))
    assert 'direction: "auto"' in script
    assert TOOLTIP_CSS in header and "max-width:min(320px,42vw)" in TOOLTIP_CSS
    assert "proto._setPosition = function" in script  # moved back inside the map if still crossing


# ------------------------------------------------------------------ periods on the card


def test_sites_are_drawn_over_lines_over_zones() -> None:
    """A port inside a logistics zone must stay clickable: zones first (largest first), then lines,
    then sites, whatever the register order."""
    frame = gpd.GeoDataFrame(
        {
            "id": ["port", "road", "zone-small", "zone-big"],
            "name_vi": ["P", "R", "S", "B"],
            "status": ["operating"] * 4,
            "geocode_precision": [1] * 4,
        },
        geometry=[
            shapely.Point(105.9, 9.6),
            shapely.LineString([(105.8, 9.6), (106.0, 9.6)]),
            shapely.box(105.89, 9.59, 105.91, 9.61),
            shapely.box(105.85, 9.55, 105.95, 9.65),
        ],
        crs="EPSG:4326",
    )
    data = project_payload(frame, "vi")
    assert [data["ids"][i] for i in data["order"]] == ["zone-big", "zone-small", "road", "port"]


def test_payload_is_quantised_and_delta_encoded() -> None:
    """Coordinates at the shown precision (5 decimals), as integer steps from the one before."""
    frame = gpd.GeoDataFrame(
        {"id": ["a"], "name_vi": ["A"], "status": ["planned"], "geocode_precision": [1]},
        geometry=[shapely.LineString([(105.5, 10.0), (105.55012, 10.00003), (105.6, 10.1)])],
        crs="EPSG:4326",
    )
    data = project_payload(frame, "vi")
    assert data["scale"] == 1e5 and data["origin"] == [105.0, 9.0]
    assert data["g"][0] == [[50_000, 100_000, 5_012, 3, 4_988, 9_997]]


def test_filter_message_is_a_bit_per_register_row(data) -> None:  # type: ignore[no-untyped-def]
    frame, _, _ = data
    shown = frame[frame["status"] == "operating"]
    message = filter_message(frame, shown, "status=operating", fit=True)
    bits = [
        (byte >> (7 - k)) & 1 for byte in __import__("base64").b64decode(message["mask"]) for k in range(8)
    ][: len(frame)]
    assert [i for i, b in zip(frame["id"], bits, strict=True) if b] == list(shown["id"])
    assert message["n"] == len(shown) and message["fit"] is True
    script = filter_script({**message, "key": "</script><img src=x onerror=alert(1)>"})
    assert script.count("</script>") == 1 and "<img" not in script


def test_legend_explains_every_symbol_and_folds() -> None:
    text = legend_html("en")
    assert text.startswith("<details") and "<summary" in text
    for key in ("legend_approximate", "legend_halo", "legend_selected", "legend_boundary", "legend_river"):
        assert i18n.t(key, "en") in text
    for status in schema.STATUSES:
        assert i18n.label("status", status, "en") in text


def test_status_colours_differ_in_more_than_a_shade_of_green() -> None:
    """Completed and operating differ in hue (green vs blue), not only in lightness."""
    import colorsys

    def hue(colour: str) -> float:
        r, g, b = (int(colour[k : k + 2], 16) / 255 for k in (1, 3, 5))
        return colorsys.rgb_to_hls(r, g, b)[0] * 360

    assert abs(hue(STATUS_COLORS["completed"]) - hue(STATUS_COLORS["operating"])) > 30
    assert not 90 <= hue(STATUS_COLORS["operating"]) <= 170  # operating is blue, not a green


def test_scale_bar_is_metric_only(data) -> None:  # type: ignore[no-untyped-def]
    frame, boundary, background = data
    script, _ = rendered(build_map(frame, "vi", boundary=boundary, background=background))
    assert "L.control.scale({metric: true, imperial: false})" in script
    assert "imperial: true" not in script and '"imperial": true' not in script
