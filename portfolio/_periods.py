"""Periods a project is given: its own ``period_start``–``period_end`` and every source's period in
``period_history`` (``DOCUMENT=START-END; …``). Shared by the query's timeframe, the summary's count
of undated projects and the timeline."""

from __future__ import annotations

import numpy as np
import pandas as pd

from portfolio import schema

#: ``frame.attrs`` key of a frame whose derived columns (:mod:`portfolio._derived`, among them
#: ``latest_start`` / ``latest_end``) were derived from its rows.
DERIVED_MARK = "portfolio_derived"


def sourced_periods(frame: pd.DataFrame) -> pd.DataFrame:
    """Every period a source gives each project: ``[period_start, period_end]`` (one year given:
    that single year) and each ``period_history`` entry.

    Parameters
    ----------
    frame : pandas.DataFrame
        Register rows (``period_start``, ``period_end``, optionally ``period_history``).

    Returns
    -------
    pandas.DataFrame
        Columns ``pos`` (the row's position in ``frame``), ``start`` and ``end`` (years, int) and
        ``own`` (True for the period columns' period), one row per period, sorted by ``pos``; a
        project's own period comes first, then its history in order, so a project's last row is its
        latest period. A project with no period at all has no row.
    """
    start = frame["period_start"].astype("Int64")
    end = frame["period_end"].astype("Int64")
    start, end = start.fillna(end), end.fillna(start)
    own = pd.DataFrame(
        {"pos": np.arange(len(frame)), "start": start.to_numpy(), "end": end.to_numpy(), "own": True}
    )
    parts = [own[own["start"].notna()]]
    if "period_history" in frame and len(frame):
        found = [
            (pos, entry.start, entry.end)
            for pos, cell in enumerate(frame["period_history"].fillna("").astype(str).tolist())
            if cell
            for entry in schema.period_entries(cell)
        ]
        if found:
            pos, starts, ends = zip(*found, strict=True)
            parts.append(
                pd.DataFrame(
                    {"pos": np.array(pos), "start": np.array(starts), "end": np.array(ends), "own": False}
                )
            )
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    out = out.sort_values("pos", kind="stable").reset_index(drop=True)
    return out.astype({"pos": int, "start": int, "end": int})


def latest_periods(frame: pd.DataFrame) -> pd.DataFrame:
    """Each dated project's latest period: the last ``period_history`` entry (sources are listed
    oldest first), else ``[period_start, period_end]``. Columns as :func:`sourced_periods`, one
    row per dated project. (A register frame also holds them as ``latest_start`` / ``latest_end``,
    :mod:`portfolio._derived`; this reads the frame's period columns as they are now.)"""
    periods = sourced_periods(frame)
    return periods.groupby("pos", sort=True).tail(1).reset_index(drop=True)


def undated(frame: pd.DataFrame) -> np.ndarray:
    """Boolean array: the rows no source gives a period (no year in ``period_start``,
    ``period_end`` or ``period_history``)."""
    out = np.ones(len(frame), dtype=bool)
    out[sourced_periods(frame)["pos"].to_numpy()] = False
    return out


def latest_if_different(frame: pd.DataFrame) -> pd.Series:
    """``"START–END"`` of each project's latest period (the last ``period_history`` entry) where it
    differs from ``period_start``–``period_end`` (a Phụ lục II row keeps the appendix's there), else
    ``""``; indexed like ``frame``."""
    periods = sourced_periods(frame)
    latest = periods.groupby("pos", sort=True).tail(1)
    latest = latest[~latest["own"]].set_index("pos")
    own = periods[periods["own"]].set_index("pos").reindex(latest.index)
    moved = latest[(own["start"] != latest["start"]) | (own["end"] != latest["end"])]
    out = pd.Series("", index=frame.index, dtype=object)
    out.iloc[moved.index.to_numpy()] = [f"{a}–{b}" for a, b in zip(moved["start"], moved["end"], strict=True)]
    return out


def period_text(frame: pd.DataFrame) -> list[str]:
    """Each project's ``period_start``–``period_end`` as the filter reads it (one year given is that
    single year): ``"2021–2025"``, ``"2021"``, ``""`` when the columns are empty."""
    periods = sourced_periods(frame)
    own = periods[periods["own"]]
    text = {
        int(pos): str(a) if a == b else f"{a}–{b}"
        for pos, a, b in zip(own["pos"], own["start"], own["end"], strict=True)
    }
    return [text.get(pos, "") for pos in range(len(frame))]
