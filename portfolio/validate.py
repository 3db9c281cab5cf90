"""Check the register and its geodata together (the public wrapper of :mod:`portfolio.register`'s
pipeline: the readers, then the rules of :mod:`portfolio.rules`).

Rules (each problem's ``rule``), by group, from the registry :data:`portfolio.rules.RULES` (each rule's
code, what it asks for and the check that emits it; every one is broken on purpose by
``tests/test_validate.py``):

{rules}

The period rules compare the period columns with the period history (see
:func:`portfolio._rows.history_checks`); the city boundary (city_boundary.geojson) must be non-empty,
valid Polygon or MultiPolygon features, else ``wrong_geometry_kind``, ``empty_geometry`` or
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

from portfolio import rules
from portfolio._errors import Problem
from portfolio.constants import AREA_TOLERANCE as AREA_TOLERANCE  # re-export (old name)
from portfolio.constants import METRIC_CRS
from portfolio.register import DEFAULT_GEODATA, DEFAULT_REGISTER
from portfolio.register import validate_inputs as validate_inputs  # re-export: the pipeline lives there
from portfolio.register import validate_parsed as validate_parsed  # re-export

MEASURE_CRS = METRIC_CRS  # the old name, re-exported

if __doc__:  # the rule list is written once, in the registry (None under python -OO)
    __doc__ = __doc__.replace("{rules}", rules.rule_list())


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
