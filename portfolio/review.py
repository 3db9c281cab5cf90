"""Freshness of the register: each project's status age and the review queue.

A project *needs review* (the rules, once; the README and the CLI help point here) when

- ``stale_evidence``: its status evidence (``status_as_of``) is more than 12 months old;
- ``planned_period_ended``: it is ``planned`` and its latest period (the last ``period_history``
  entry, else ``period_start``–``period_end``: :func:`portfolio._periods.latest_periods`) ended
  before this year;
- ``construction_overdue``: it is ``under_construction`` and this year is past the end year of its
  latest period.

The queue lists those projects per department (``owner_current``, else ``owner``), oldest evidence
first.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from portfolio import _departments, _periods, i18n

#: Reasons a project needs review, in the order they are listed.
REASONS: tuple[str, ...] = ("stale_evidence", "planned_period_ended", "construction_overdue")
#: How old (months) status evidence may be before the project needs review.
STALE_MONTHS = 12

QUEUE_COLUMNS = [
    "department",
    "id",
    "name_vi",
    "name_en",
    "status",
    "status_as_of",
    "age_days",
    "latest_end",
    "reasons",
]


def _months_before(day: date, months: int) -> date:
    """``day`` moved back ``months`` calendar months (29 February → 28 February)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    for dd in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, dd)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _dates(frame: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(frame["status_as_of"].astype(str), format="%Y-%m-%d", errors="coerce")


def status_age(frame: pd.DataFrame, today: date | None = None) -> pd.Series:
    """Days from each row's ``status_as_of`` to ``today`` (default: today), nullable ``Int64``
    indexed like ``frame``."""
    today = today or date.today()
    days = (pd.Timestamp(today) - _dates(frame)).dt.days
    return days.astype("Int64")


def latest_end(frame: pd.DataFrame) -> pd.Series:
    """End year of each row's latest period (``Int64``, missing for an undated row), indexed like
    ``frame``."""
    latest = _periods.latest_periods(frame)
    out = pd.Series(pd.NA, index=range(len(frame)), dtype="Int64")
    out.iloc[latest["pos"].to_numpy()] = latest["end"].to_numpy()
    out.index = frame.index
    return out


def reasons(frame: pd.DataFrame, today: date | None = None) -> pd.Series:
    """The :data:`REASONS` each row needs review for (a tuple, empty when it is fresh)."""
    today = today or date.today()
    cutoff = pd.Timestamp(_months_before(today, STALE_MONTHS))
    dates = _dates(frame)
    end = latest_end(frame)
    status = frame["status"].astype(str)
    ended = (end < today.year).fillna(False).to_numpy(dtype=bool)
    flags = {
        "stale_evidence": (dates < cutoff).fillna(False).to_numpy(dtype=bool),
        "planned_period_ended": (status == "planned").to_numpy(dtype=bool) & ended,
        "construction_overdue": (status == "under_construction").to_numpy(dtype=bool) & ended,
    }
    found = [tuple(r for r in REASONS if flags[r][i]) for i in range(len(frame))]
    return pd.Series(found, index=frame.index, dtype=object)


def queue(frame: pd.DataFrame, today: date | None = None, department: str | None = None) -> pd.DataFrame:
    """The review queue: one row per project that needs review, columns :data:`QUEUE_COLUMNS`.

    Parameters
    ----------
    frame : DataFrame
        Register rows.
    today : date, optional
        The day ages are counted to (default: today).
    department : str, optional
        Keep only the projects this department answers for (see :mod:`portfolio._departments`).

    Returns
    -------
    DataFrame
        Sorted by department (rows with no department last), then oldest ``status_as_of`` first.
    """
    today = today or date.today()
    out = pd.DataFrame(
        {
            "department": [
                _departments.responsible(row) for row in frame[["owner", "owner_current"]].to_dict("records")
            ],
            "id": frame["id"].to_numpy(),
            "name_vi": frame["name_vi"].to_numpy(),
            "name_en": frame["name_en"].to_numpy(),
            "status": frame["status"].to_numpy(),
            "status_as_of": frame["status_as_of"].to_numpy(),
            "age_days": status_age(frame, today).to_numpy(),
            "latest_end": latest_end(frame).to_numpy(),
            "reasons": reasons(frame, today).to_numpy(),
        }
    )
    keep = out["reasons"].map(bool).to_numpy(dtype=bool, copy=True)
    if department:
        keep &= np.array(
            [
                _departments.answers_to(row, department)
                for row in frame[["owner", "owner_current"]].to_dict("records")
            ],
            dtype=bool,
        )
    out = out[keep]
    no_department = out["department"] == _departments.NO_DEPARTMENT
    out = out.assign(_none=no_department, _age=out["age_days"].fillna(-1))
    out = out.sort_values(
        ["_none", "department", "_age", "id"], ascending=[True, True, False, True], kind="stable"
    )
    return out.drop(columns=["_none", "_age"]).reset_index(drop=True)[QUEUE_COLUMNS]


def reason_text(code: str, lang: str = i18n.DEFAULT_LANG) -> str:
    """A reason code in words, in ``lang``."""
    return i18n.t(f"review_{code}", lang)


def format_queue(data: pd.DataFrame, lang: str = "en") -> str:
    """The CLI's text of :func:`queue`: a heading per department, then one line per project."""
    if not len(data):
        return i18n.t("review_none", lang)
    lines: list[str] = []
    name = "name_en" if lang == "en" else "name_vi"
    for department, group in data.groupby("department", sort=False):
        heading = department or i18n.t("review_no_department", lang)
        lines += ["", f"{heading} ({len(group)})"]
        width = max(len(i) for i in group["id"])
        for row in group.itertuples(index=False):
            age = "—" if pd.isna(row.age_days) else f"{int(row.age_days)} d"
            why = ", ".join(reason_text(r, lang) for r in row.reasons)
            lines.append(
                f"  {row.id.ljust(width)}  {row.status:<18}  {row.status_as_of}  {age:>7}  "
                f"{why}  {getattr(row, name)}"
            )
    return "\n".join(lines).lstrip("\n")
