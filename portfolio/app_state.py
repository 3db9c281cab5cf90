"""The page's own state between reruns: one typed object instead of loose ``session_state`` keys.

The app keeps one :class:`PageState` in ``st.session_state["page"]``; the widgets keep their values
under their own keys (Streamlit owns those). Nothing here imports Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import geopandas as gpd

    from portfolio._errors import PortfolioError

#: The uploaded layer parsed once per file: ``((name, sha256), layer, error)``.
UploadCache = tuple[tuple[str, str], "gpd.GeoDataFrame | None", "PortfolioError | None"]


@dataclass
class PageState:
    """What the page remembers between reruns, beside the widgets' values.

    Attributes
    ----------
    years : tuple[int, int]
        The sliders' range: the register's years, widened to a year the address asked for.
    selected : str | None
        The chosen project's id (``sel`` in the address).
    zoom_to_selected, zoom_to_layer : bool
        Frame the map on the chosen project (chosen in the table) or on the uploaded layer.
    draw_links : bool
        Draw the industrial parks' access links on the map (``links=1``).
    url_errors : list
        Errors in the address the page was opened with, shown until a filter is chosen.
    last_click : tuple | None
        The map's last click handled (the component repeats it on every rerun).
    table_ids : list[str]
        Ids of the table's rows in the order shown (a selected row number → a project).
    upload : UploadCache | None
        The uploaded layer, parsed once per file.
    export_crs : str | None
        The export view's chosen CRS, kept while the view is closed.
    layer_errors : dict[str, str]
        Background layers that could not be read, and why (reported in the page).
    """

    years: tuple[int, int]
    selected: str | None = None
    zoom_to_selected: bool = False
    zoom_to_layer: bool = False
    draw_links: bool = False
    url_errors: list[BaseException] = field(default_factory=list)
    last_click: tuple[str, object] | None = None
    table_ids: list[str] = field(default_factory=list)
    upload: UploadCache | None = None
    export_crs: str | None = None
    layer_errors: dict[str, str] = field(default_factory=dict)

    def select(self, ident: str | None, *, zoom: bool) -> None:
        """Choose a project (``None``: none); ``zoom`` frames the map on it."""
        self.selected, self.zoom_to_selected = ident, bool(ident) and zoom
        if ident:
            self.zoom_to_layer = False
