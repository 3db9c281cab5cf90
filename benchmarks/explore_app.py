"""The baseline a user would write (issue 13): ``gdf.explore()`` inside ``st_folium``, the load cached.

The register is read once per process (``st.cache_data``) from ``PORTFOLIO_REGISTER`` /
``PORTFOLIO_GEODATA``; a filter change filters with pandas and draws the result with
``GeoDataFrame.explore()`` (folium) inside ``st_folium``, exactly as the geopandas and
streamlit-folium documentation show. ``benchmarks/browser.py`` times it beside ``app.py``; not for use.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium


@st.cache_data
def load(register: str, geodata: str) -> gpd.GeoDataFrame:
    geo = gpd.read_file(Path(geodata) / "projects.geojson")
    rows = pd.read_csv(register, dtype=str, keep_default_na=False)
    frame = geo.merge(rows, on="id", how="inner")
    frame["geocode_precision"] = pd.to_numeric(frame["geocode_precision"])
    return frame


frame = load(os.environ["PORTFOLIO_REGISTER"], os.environ["PORTFOLIO_GEODATA"])
hide = st.checkbox("Hide approximate locations", key="approx")
shown = frame[frame["geocode_precision"] < 3] if hide else frame
st.metric("Projects", len(shown))
if len(shown):
    fmap = shown[["id", "name_vi", "status", "geocode_precision", "geometry"]].explore(
        column="status", tooltip=["name_vi", "status"], marker_type="circle_marker"
    )
    st_folium(fmap, use_container_width=True, height=620, returned_objects=[])
