"""The figures of a set of projects as tables: what the report prints and the app's charts draw.

Every chart of the app and every figure of the PDF report comes from :func:`chart_tables`, computed
from the same rows as the table view (one row per project, ``length_km`` / ``area_ha`` measured in
EPSG:5897), so a chart's bars add up to the table's columns.

Investment (``investment_bn_vnd``, billion VND) is summed only where a source gives it. A parent's
figure is the whole project's (README, "Investment figure"): when a parent with a figure is in the
set, its components' figures are not added again (:func:`investment_counted`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from portfolio import _periods, i18n, schema
from portfolio.measure import MEASURE_COLUMNS, with_measures

#: The tables :func:`chart_tables` returns, in the order the app shows them.
TABLES = ("status", "sector", "funding", "owner", "years")


def measured(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``length_km`` and ``area_ha`` (measured when absent; the table view's columns)."""
    if all(c in frame.columns for c in MEASURE_COLUMNS):
        return frame
    return with_measures(frame)


def investment_values(frame: pd.DataFrame) -> np.ndarray:
    """Each row's ``investment_bn_vnd`` as float (NaN when empty, or when the register has no such
    column: older registers)."""
    if "investment_bn_vnd" not in frame.columns:
        return np.full(len(frame), np.nan)
    values: np.ndarray = pd.to_numeric(
        frame["investment_bn_vnd"].replace("", np.nan), errors="coerce"
    ).to_numpy(dtype=float)
    return values


def investment_counted(frame: pd.DataFrame) -> np.ndarray:
    """Boolean array: the rows whose investment figure counts in a total of ``frame``.

    A row counts when it has a figure and its parent is not in ``frame`` with a figure of its own
    (the parent's figure covers its components).
    """
    values = investment_values(frame)
    has = ~np.isnan(values)
    ids = frame["id"].astype(str).to_numpy()
    with_figure = set(ids[has])
    parents = (
        frame["parent_id"].astype(str).to_numpy() if "parent_id" in frame.columns else np.full(len(ids), "")
    )
    covered = np.array([p in with_figure and p != "" for p in parents], dtype=bool)
    counted: np.ndarray = has & ~covered
    return counted


def _kinds(frame: pd.DataFrame) -> np.ndarray:
    if "investment_kind" not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    kinds: np.ndarray = frame["investment_kind"].fillna("").astype(str).to_numpy()
    return kinds


def investment_totals(frame: pd.DataFrame) -> dict[str, Any]:
    """Investment totals of ``frame`` (billion VND): ``approved``, ``estimate``, ``total``; ``projects``
    (rows with a figure that count), ``with_figure`` (rows with any figure), ``covered`` (component
    figures not added because their parent's is)."""
    values = investment_values(frame)
    counted = investment_counted(frame)
    kinds = _kinds(frame)
    out: dict[str, Any] = {
        kind: float(values[counted & (kinds == kind)].sum()) for kind in schema.INVESTMENT_KINDS
    }
    out["total"] = float(values[counted].sum())
    out["projects"] = int(counted.sum())
    out["with_figure"] = int((~np.isnan(values)).sum())
    out["covered"] = out["with_figure"] - out["projects"]
    return out


def _by_vocabulary(frame: pd.DataFrame, column: str, vocab: str, lang: str) -> pd.DataFrame:
    vocabulary: dict[str, Any] = dict(schema.STATUSES if vocab == "status" else schema.SECTORS)
    km = frame["length_km"].to_numpy(dtype=float)
    ha = frame["area_ha"].to_numpy(dtype=float)
    keys = frame[column].astype(str).to_numpy()
    rows = []
    for key in list(vocabulary) + sorted(set(keys) - set(vocabulary)):
        mine = keys == key
        if mine.any():
            rows.append(
                {
                    "key": key,
                    "label": i18n.label(vocab, key, lang),
                    "projects": int(mine.sum()),
                    "km": round(float(np.nansum(km[mine])), 3),
                    "ha": round(float(np.nansum(ha[mine])), 3),
                }
            )
    return pd.DataFrame(rows, columns=["key", "label", "projects", "km", "ha"])


def _investment_by(
    frame: pd.DataFrame, keys: np.ndarray, labels: dict[str, str], order: list[str]
) -> pd.DataFrame:
    values = investment_values(frame)
    counted = investment_counted(frame)
    rows = []
    for key in order:
        mine = counted & (keys == key)
        if mine.any():
            rows.append(
                {
                    "key": key,
                    "label": labels.get(key, key),
                    "projects": int(mine.sum()),
                    "investment_bn_vnd": round(float(values[mine].sum()), 3),
                }
            )
    return pd.DataFrame(rows, columns=["key", "label", "projects", "investment_bn_vnd"])


def _years(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    latest = _periods.latest_periods(frame)
    rows = []
    for what, column in (("start", "start"), ("end", "end")):
        counts = latest[column].value_counts().sort_index()
        label = i18n.t("year_start" if what == "start" else "year_end", lang)
        rows += [
            {"year": int(year), "what": what, "label": label, "projects": int(n)}
            for year, n in counts.items()
        ]
    return pd.DataFrame(rows, columns=["year", "what", "label", "projects"])


def chart_tables(selected: pd.DataFrame, lang: str = i18n.DEFAULT_LANG) -> dict[str, pd.DataFrame]:
    """The figures of ``selected`` (the filtered projects), one table per chart.

    Parameters
    ----------
    selected : geopandas.GeoDataFrame
        The filtered projects (measured here when ``length_km`` / ``area_ha`` are absent).
    lang : str
        Language of the ``label`` columns.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``status`` and ``sector``: ``key``, ``label``, ``projects``, ``km`` (sum of the rows'
        ``length_km``), ``ha`` (sum of ``area_ha``), in vocabulary order, values with no project left
        out. ``funding`` (by funding type) and ``owner``: ``key``, ``label``, ``projects``,
        ``investment_bn_vnd``, over the rows whose figure counts (:func:`investment_counted`); owners
        by total, largest first. ``years``: ``year``, ``what`` (``start`` / ``end``), ``label``,
        ``projects``: how many projects' latest period (:func:`portfolio._periods.latest_periods`)
        starts or ends in each year.
    """
    frame = measured(selected)
    funding_keys = frame["funding_type"].astype(str).to_numpy()
    funding_labels = {k: i18n.label("funding_type", k, lang) for k in schema.FUNDING_TYPES}
    owners = frame["owner"].fillna("").astype(str).to_numpy()
    owners = np.where(owners == "", i18n.t("not_available", lang), owners)
    values = investment_values(frame)
    counted = investment_counted(frame)
    owner_sums: dict[str, float] = {}
    for owner, value in zip(owners[counted], values[counted], strict=True):
        owner_sums[owner] = owner_sums.get(owner, 0.0) + float(value)
    owner_order = sorted(owner_sums, key=lambda o: (-owner_sums[o], o))
    return {
        "status": _by_vocabulary(frame, "status", "status", lang),
        "sector": _by_vocabulary(frame, "sector", "sector", lang),
        "funding": _investment_by(
            frame,
            funding_keys,
            funding_labels,
            list(schema.FUNDING_TYPES) + sorted(set(funding_keys) - set(schema.FUNDING_TYPES)),
        ),
        "owner": _investment_by(frame, owners, {}, owner_order),
        "years": _years(frame, lang),
    }
