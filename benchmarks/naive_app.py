"""The naive baseline app for the benchmark: no cache, plain pandas, every geometry at full precision.

Each run re-reads the register (``pandas.read_csv``) and its geometries (``geopandas.read_file``) from
``PORTFOLIO_REGISTER`` / ``PORTFOLIO_GEODATA``, filters with pandas and draws the result with
``folium.GeoJson``. It is what ``benchmarks/run.py`` compares the real ``app.py`` with; not for use.
"""

from __future__ import annotations

import os
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

STATUSES = ["proposed", "planned", "under_construction", "completed", "operating", "suspended"]

register = Path(os.environ["PORTFOLIO_REGISTER"])
geodata = Path(os.environ["PORTFOLIO_GEODATA"])
geo = gpd.read_file(geodata / "projects.geojson")
rows = pd.read_csv(register, dtype=str, keep_default_na=False)
frame = geo.merge(rows, on="id", how="inner")
for column in ("period_start", "period_end"):
    frame[column] = pd.to_numeric(frame[column].replace("", None)).astype("Int64")

statuses = st.multiselect("Status", STATUSES, default=STATUSES, key="status")
year_from, year_to = st.slider("Years", 1990, 2060, (1990, 2060), key="years")
search = st.text_input("Search", key="search")

mask = frame["status"].isin(statuses)
mask &= ((frame["period_start"] <= year_to) & (frame["period_end"] >= year_from)).fillna(True)
if search:
    mask &= frame["name_vi"].str.contains(search, case=False, regex=False) | frame["name_en"].str.contains(
        search, case=False, regex=False
    )
shown = frame[mask]

st.metric("Projects", len(shown))
fmap = folium.Map(location=[10.0, 105.75], zoom_start=10)
if len(shown):
    folium.GeoJson(shown, tooltip=folium.GeoJsonTooltip(fields=["name_vi", "status"])).add_to(fmap)
st_folium(fmap, use_container_width=True)
st.dataframe(pd.DataFrame(shown.drop(columns="geometry")))
