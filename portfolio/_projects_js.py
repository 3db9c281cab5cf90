"""The browser side of the map's project layer (:class:`portfolio.mapview.ProjectLayer`).

Kept as a Python string so that it installs with the package (no package data to declare). It runs
in the map's frame as the body of ``function(map, P, S, url)``: ``P`` is
:func:`portfolio.mapview.project_payload` (or ``null``, and then the gzip file at ``url`` holds it),
``S`` is :func:`portfolio.mapview.layer_settings`.
Register text reaches the page only through ``textContent``.
"""

from __future__ import annotations

from typing import Final

PROJECTS_JS: Final[str] = r"""
var n = 0, q = 1, ox = 0, oy = 0, layers = [], boxes = null, onMap = null, hasChildren = null;
var panes = ["pfZones", "pfLines", "pfSites"], famPane = [2, 1, 0];  // point, line, polygon
panes.forEach(function (name, k) {
    if (!map.getPane(name)) { map.createPane(name).style.zIndex = String(401 + k); }
});
var renderers = panes.map(function (name) {
    return S.canvas ? L.canvas({pane: name, padding: 0.3, tolerance: 3}) : L.svg({pane: name, padding: 0.3});
});
var groups = [0, 1, 2].map(function () { return L.featureGroup().addTo(map); });
var slug = /^[a-z0-9-]+$/;
function decode(flat) {
    var out = [], x = 0, y = 0;
    for (var k = 0; k + 1 < flat.length; k += 2) {
        x += flat[k]; y += flat[k + 1];
        out.push([oy + y / q, ox + x / q]);
    }
    return out;
}
function small() { return map.getZoom() < S.haloZoom; }
function styleOf(i) {
    var fam = S.families[P.fam[i]], a = P.ap[i];
    var key = fam + "|" + a + (fam === "point" && a && small() ? "|small" : "");
    var s = Object.assign({}, S.styles[key]);
    var c = S.colors[P.st[i]] || S.unknown;
    s.color = c;
    if ("fillColor" in s) { s.fillColor = c; }
    if (slug.test(P.ids[i])) { s.className += " pf-id-" + P.ids[i]; }
    return s;
}
function extend(i, latlngs) {
    for (var k = 0; k < latlngs.length; k++) {
        var lat = latlngs[k][0], lng = latlngs[k][1];
        if (lat < boxes[4 * i]) { boxes[4 * i] = lat; }
        if (lng < boxes[4 * i + 1]) { boxes[4 * i + 1] = lng; }
        if (lat > boxes[4 * i + 2]) { boxes[4 * i + 2] = lat; }
        if (lng > boxes[4 * i + 3]) { boxes[4 * i + 3] = lng; }
    }
}
function build(i) {
    var fam = P.fam[i], g = P.g[i], style = styleOf(i), layer = null;
    var opts = Object.assign({renderer: renderers[famPane[fam]], pane: panes[famPane[fam]]}, style);
    boxes[4 * i] = boxes[4 * i + 1] = Infinity;
    boxes[4 * i + 2] = boxes[4 * i + 3] = -Infinity;
    if (fam === 0) {
        var pts = decode(g);
        extend(i, pts);
        if (pts.length === 1) {
            layer = L.circleMarker(pts[0], opts);
        } else if (pts.length > 1) {
            layer = L.featureGroup(pts.map(function (p) {
                var marker = L.circleMarker(p, opts);
                marker.pfIndex = i;
                return marker;
            }));
        }
    } else if (fam === 1) {
        var lines = g.map(decode);
        lines.forEach(function (l) { extend(i, l); });
        if (lines.length) { layer = L.polyline(lines, opts); }
    } else {
        var polys = g.map(function (rings) { return rings.map(decode); });
        polys.forEach(function (rings) { if (rings.length) { extend(i, rings[0]); } });
        if (polys.length) { layer = L.polygon(polys, opts); }
    }
    if (layer) { layer.pfIndex = i; }
    return layer;
}
function each(layer, fn) {
    if (layer instanceof L.FeatureGroup) { layer.eachLayer(fn); } else { fn(layer); }
}
function restyle(i) {
    var layer = layers[i];
    if (!layer) { return; }
    if (S.canvas && !onMap[i]) { return; }
    layer.setStyle(styleOf(i));  // a circle marker's setStyle sets its radius too
}


function tip(layer) {
    var i = layer.pfIndex, div = document.createElement("div"), b = document.createElement("b");
    b.textContent = P.names[i];
    div.appendChild(b);
    div.appendChild(document.createElement("br"));
    div.appendChild(document.createTextNode(S.statusLabels[P.st[i]] || ""));
    if (P.ap[i]) {
        var it = document.createElement("i");
        it.textContent = S.precisionLabels[String(P.pr[i])] || String(P.pr[i]);
        div.appendChild(document.createElement("br"));
        div.appendChild(it);
    }
    var id = document.createElement("span");
    id.style.color = "#777";
    id.textContent = "[id: " + P.ids[i] + "]";
    div.appendChild(document.createElement("br"));
    div.appendChild(id);
    return div;
}
var halo = null;
function showHalo(i) {
    hideHalo();
    var r = S.haloMetres[String(P.pr[i])];
    if (!P.ap[i] || P.fam[i] !== 0 || !r) { return; }
    halo = L.featureGroup();
    each(layers[i], function (l) {
        if (l.getLatLng) {
            L.circle(l.getLatLng(), {radius: r, pane: "pfZones", interactive: false, color: styleOf(i).color,
                weight: 1.5, dashArray: "4 4", fillOpacity: 0.08, className: "pf-halo"}).addTo(halo);
        }
    });
    halo.addTo(map);
}
function hideHalo() { if (halo) { map.removeLayer(halo); halo = null; } }
groups.forEach(function (group) {
    group.bindTooltip(tip, {sticky: true, direction: "auto"});
    group.on("mouseover", function (e) {
        var l = e.sourceTarget, i = l.pfIndex;
        var lit = P.fam[i] === 1 ? S.highlight.line : S.highlight.other;
        if (typeof l.setStyle === "function") { l.setStyle(lit); }
        showHalo(i);
    });
    group.on("mouseout", function (e) {
        var l = e.sourceTarget, i = l.pfIndex;
        if (typeof l.setStyle === "function") { l.setStyle(styleOf(i)); }
        hideHalo();
    });
});

var shown = null, key = null, hideProgrammes = false, wasSmall = small(), ready = false, queued = null;
function visible() {
    var vis = new Uint8Array(n);
    for (var i = 0; i < n; i++) { vis[i] = layers[i] && (shown === null || shown[i]) ? 1 : 0; }
    if (hideProgrammes) {
        var covered = new Uint8Array(n);
        for (var j = 0; j < n; j++) { if (vis[j] && P.par[j] >= 0) { covered[P.par[j]] = 1; } }
        for (var k = 0; k < n; k++) { if (covered[k]) { vis[k] = 0; } }
    }
    return vis;
}
var HIDDEN = {stroke: false, fill: false, interactive: false};
function skip() {}
function hide(i, hidden) {  // on a canvas: keep the path, stop drawing it and hit-testing it
    var style = hidden ? HIDDEN : Object.assign({stroke: true, fill: false, interactive: true}, styleOf(i));
    each(layers[i], function (l) {
        L.setOptions(l, style);
        if (hidden) { l._updatePath = skip; } else { delete l._updatePath; }  // not even traced
    });
    onMap[i] = hidden ? 0 : 1;
}
function rightCover() {  // how far in from the right the legend reaches: frame beside it
    // Its width (capped by its own style) and the control's 10 px margin; not its position, which
    // is wrong until leaflet.css has loaded (streamlit-folium runs the map script without waiting).
    var box = map.getContainer().querySelector(".pf-legend-box");
    return box ? Math.min(box.getBoundingClientRect().width + 10, map.getSize().x / 2) : 0;
}
function fitTo(bounds) {
    // Leaflet drops a zoom asked for while another is animating (folium's first framing of the
    // city): frame once that one has ended, or the filtered projects stay out of view.
    if (map._animatingZoom) { map.once("zoomend", function () { fitTo(bounds); }); return; }
    var pad = {paddingTopLeft: [24, 24], paddingBottomRight: [24 + rightCover(), 24], maxZoom: 15};
    var aim = map._getBoundsCenterZoom(L.latLngBounds(bounds), pad);  // what fitBounds would do
    var off = map.latLngToContainerPoint(aim.center).subtract(map.getSize().divideBy(2));
    // Already framed: asking anyway fires a "moveend", on which a canvas traces and draws every
    // path a second time (0.4 s at 50,000 projects).
    if (aim.zoom === map.getZoom() && Math.abs(off.x) < 1 && Math.abs(off.y) < 1) { return; }
    map.fitBounds(bounds, pad);
}
function draw(fit) {
    var vis = visible(), count = 0, added = false, changed = false;
    for (var i = 0; i < n; i++) {
        count += vis[i];
        if (S.canvas) {
            if (onMap[i] !== vis[i] && layers[i]) { hide(i, !vis[i]); changed = true; }
            continue;
        }
        if (onMap[i] && !vis[i]) { groups[P.fam[i]].removeLayer(layers[i]); onMap[i] = 0; }
        if (!onMap[i] && vis[i]) { added = true; }
    }
    if (S.canvas && changed) { renderers.forEach(function (r) { if (r._map) { r._redraw(); } }); }
    if (added) {
        groups.forEach(function (group) { group.clearLayers(); });  // SVG paints in document order
        onMap.fill(0);
        for (var k = 0; k < P.order.length; k++) {
            var j = P.order[k];
            if (vis[j]) { groups[P.fam[j]].addLayer(layers[j]); onMap[j] = 1; }
        }
    }
    if (fit && count) {
        var b = [Infinity, Infinity, -Infinity, -Infinity];
        for (var m = 0; m < n; m++) {
            if (vis[m]) {
                b[0] = Math.min(b[0], boxes[4 * m]); b[1] = Math.min(b[1], boxes[4 * m + 1]);
                b[2] = Math.max(b[2], boxes[4 * m + 2]); b[3] = Math.max(b[3], boxes[4 * m + 3]);
            }
        }
        if (isFinite(b[0])) { fitTo([[b[0], b[1]], [b[2], b[3]]]); }
    }
    var box = map.getContainer();
    requestAnimationFrame(function () {
        box.setAttribute("data-drawn", String(count));
        box.setAttribute("data-filter", key === null ? "" : key);
    });
}
function unpack(text) {
    var bytes = atob(text), bits = new Uint8Array(n);
    for (var i = 0; i < n; i++) { bits[i] = (bytes.charCodeAt(i >> 3) >> (7 - (i & 7))) & 1; }
    return bits;
}
window.pfFilter = function (msg) {
    if (!ready) { queued = msg; return; }
    if (!msg || msg.key === key) { return; }
    var first = key === null;
    key = msg.key;
    shown = unpack(msg.mask);
    draw(msg.fit && !(first && msg.n === n));
};
map.on("zoomend", function () {
    if (!ready) { return; }
    var now = small();
    if (now === wasSmall) { return; }
    wasSmall = now;
    for (var i = 0; i < n; i++) { if (P.fam[i] === 0 && P.ap[i]) { restyle(i); } }
});
if (S.hasProgrammes) {
    var control = L.control({position: "topright"});
    control.onAdd = function () {
        var label = L.DomUtil.create("label", "pf-programmes");
        var box = L.DomUtil.create("input", "", label);
        box.type = "checkbox";
        label.appendChild(document.createTextNode(" " + S.hideProgrammes));
        label.style.cssText = "background:rgba(255,255,255,.92);padding:4px 8px;border-radius:4px;"
            + "font:12px sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3);cursor:pointer;display:block";
        L.DomEvent.disableClickPropagation(label);
        box.addEventListener("change", function () { hideProgrammes = box.checked; draw(false); });
        return label;
    };
    control.addTo(map);
}
function init(data) {
    P = data; n = P.n; q = P.scale; ox = P.origin[0]; oy = P.origin[1];
    layers = new Array(n); boxes = new Float64Array(4 * n); onMap = new Uint8Array(n);
    hasChildren = new Uint8Array(n);
    for (var c = 0; c < n; c++) { if (P.par[c] >= 0) { hasChildren[P.par[c]] = 1; } }
    for (var i = 0; i < n; i++) { layers[i] = build(i); }
    if (S.canvas) {  // every path stays on the canvas; a filter only stops drawing some (hide)
        for (var o = 0; o < P.order.length; o++) {
            var first = P.order[o];
            if (layers[first]) { groups[P.fam[first]].addLayer(layers[first]); onMap[first] = 1; }
        }
    }
    ready = true;
    var pending = queued;
    try { pending = pending || (window.parent && window.parent.__pfFilter); } catch (e) { pending = queued; }
    if (pending) { window.pfFilter(pending); } else { draw(false); }
}
if (P) {
    init(P);
} else {  // the data is a static file (gzip), fetched once per register version and language
    fetch(url).then(function (response) {
        if (!response.ok) { throw new Error("map data: HTTP " + response.status); }
        return new Response(response.body.pipeThrough(new DecompressionStream("gzip"))).json();
    }).then(init).catch(function (error) {
        map.getContainer().setAttribute("data-error", String(error));
    });
}
"""
