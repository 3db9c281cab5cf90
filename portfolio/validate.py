"""Check the register and its geodata together (the public wrapper of :mod:`portfolio.register`'s
pipeline: the readers, then the rules of :mod:`portfolio.rules`).

Rules (each problem's ``rule``; every one is broken on purpose by ``tests/test_validate.py``):

- file structure: ``missing_file``, ``unreadable``, ``empty_file``, ``too_large``, ``not_text``,
  ``bom``, ``not_utf8``, ``csv_syntax``, ``wrong_delimiter``, ``missing_column``,
  ``duplicate_column``, ``unknown_column``, ``ragged_row``, ``no_rows``;
- cells: ``cell_too_long``, ``required``, ``formula``, ``control_char``, ``not_nfc``, ``whitespace``,
  ``unknown_value``, ``bad_year``, ``implausible_year``, ``period_order``, ``bad_id``,
  ``bad_source``, ``bad_period_history``, ``bad_precision``, ``bad_date``, ``bad_number``;
- period columns against the period history (see :func:`portfolio._rows.history_checks`):
  ``period_not_in_history`` (a history is given but the period columns are empty or equal none of its
  entries), ``period_not_current`` (they equal an entry but not the 202/KH-UBND one of a row citing its
  Phụ lục II, or else the last, most recent one), ``period_history_order`` (entries not oldest first
  by their documents' dates, where both dates can be read), ``period_history_date`` (an outside
  entry with no readable date that does not say "không rõ ngày");
- rows together: ``duplicate_id``, ``unknown_parent``, ``parent_cycle``;
- geodata file: ``bad_json``, ``not_feature_collection``, ``no_features``, ``bad_feature``,
  ``wrong_crs``;
- geometry: ``missing_id``, ``missing_geometry``, ``orphan_geometry``, ``duplicate_geometry``,
  ``empty_geometry``, ``invalid_geometry``, ``unclosed_ring``, ``bad_geometry``,
  ``projected_coordinates``, ``swapped_coordinates``, ``outside_region``, ``outside_city``,
  ``wrong_geometry_kind``, ``area_mismatch``; the city boundary (city_boundary.geojson) must be
  non-empty, valid Polygon or MultiPolygon features, else ``wrong_geometry_kind``, ``empty_geometry`` or
  ``invalid_geometry`` on its feature (and no project is then checked against it).

``internal_error`` is reported (never raised) if a check itself fails unexpectedly, so that no
exception other than :class:`~portfolio.RegisterError` reaches a user.

Every problem names the file, where (``header``, ``line N``, ``row N (id X)``, ``feature N`` or
``id X``) and the field (column or ``geometry``), as one line: see :class:`portfolio.Problem`.
Text such as HTML or JavaScript in names is allowed and kept verbatim: it is data, escaped by
whatever renders it.
"""

from __future__ import annotations

import os
from pathlib import Path

from portfolio._errors import Problem
from portfolio.register import DEFAULT_GEODATA, DEFAULT_REGISTER
from portfolio.register import validate_parsed as validate_parsed  # re-export: the pipeline lives there


def validate(
    register: str | os.PathLike[str] = DEFAULT_REGISTER,
    geodata: str | os.PathLike[str] = DEFAULT_GEODATA,
) -> list[Problem]:
    """Every problem in the register and its geodata; an empty list means valid.

    Parameters
    ----------
    register : path-like
        The register CSV.
    geodata : path-like
        Folder with ``projects.geojson`` and ``city_boundary.geojson``.
    """
    return validate_parsed(Path(register), Path(geodata))[1]
