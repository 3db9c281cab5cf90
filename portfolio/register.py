"""The register's entry point: read the files, check them, build and cache one GeoDataFrame.

``load()`` reads a store (the files by default, or a database: :mod:`portfolio.stores`, whose file
readers are :mod:`portfolio.readers`), checks the raw inputs (:mod:`portfolio.rules`), builds the typed
frame and caches it on the store's version (for the files, their path, size and modification time): a UI
rerun costs a dictionary look-up, an edited file or a changed database is re-read.
:func:`validate_inputs` is the same pipeline without the cache, returning the problems.
"""

from __future__ import annotations

import math
import os
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from portfolio import _bundled, _derived, rules, schema
from portfolio._errors import InputError, Problem, RegisterError
from portfolio._text import compact_number as compact_number  # re-export
from portfolio.constants import CITY_TOLERANCE_DEG as CITY_TOLERANCE_DEG  # re-export
from portfolio.constants import WGS84_CRS
from portfolio.readers import (  # re-exported: these names were defined here before the readers moved
    BACKGROUND_FILE,
    BOUNDARY_FILE,
    PROJECTS_FILE,
    RawGeodata,
    RawRegister,
    _os_reason,
    geodata_folder_problem,
    load_json,
    parse_geodata,
    parse_numbers,
    read_boundary,
    read_geodata,
    read_layer,
    read_register,
)
from portfolio.schema import geometry_family as geometry_family  # re-export

if TYPE_CHECKING:
    from portfolio.stores import RawInputs, Store

__all__ = [
    "BACKGROUND_FILE",
    "BOUNDARY_FILE",
    "CITY_TOLERANCE_DEG",
    "DEFAULT_GEODATA",
    "DEFAULT_REGISTER",
    "PROJECTS_FILE",
    "RawGeodata",
    "RawRegister",
    "compact_number",
    "derive",
    "geodata_folder_problem",
    "geometry_family",
    "load",
    "load_background",
    "load_boundary",
    "load_json",
    "load_layer",
    "parse_geodata",
    "parse_numbers",
    "read_boundary",
    "read_files",
    "read_geodata",
    "read_register",
    "to_frame",
    "validate_inputs",
    "validate_parsed",
]

ROOT = _bundled.ROOT
#: Default register and geodata, overridable with ``PORTFOLIO_REGISTER`` / ``PORTFOLIO_GEODATA``: the
#: bundled ones, from the checkout or, installed from a wheel, from the package (:mod:`portfolio._bundled`).
DEFAULT_REGISTER = Path(os.environ.get("PORTFOLIO_REGISTER", _bundled.bundled("projects.csv")))
DEFAULT_GEODATA = Path(os.environ.get("PORTFOLIO_GEODATA", _bundled.bundled("geodata")))


def _file_state(path: Path, kind: str = "file") -> tuple[str, int, int]:
    """(resolved path, modification time, size) of ``path``, to key a cache; ``-1`` when it is missing.

    Raises
    ------
    RegisterError
        ``unreadable``, naming ``path`` as given, when it cannot be looked at (a name too long, a
        folder the user may not enter, a file where a folder is expected).
    """
    try:
        st = path.stat()
        found = (st.st_mtime_ns, st.st_size)
    except FileNotFoundError:
        found = (-1, -1)
    except (OSError, ValueError) as exc:
        reason = _os_reason(exc) if isinstance(exc, OSError) else str(exc)
        raise RegisterError(
            [Problem(str(path), "", "", "unreadable", f"{kind} file cannot be read: {reason}")]
        ) from None
    try:
        resolved = str(path.resolve())
    except (OSError, RuntimeError):  # a symbolic link loop: the path as given keys the cache
        resolved = str(path.absolute())
    return (resolved, *found)


def load(
    register: str | os.PathLike[str] = DEFAULT_REGISTER,
    geodata: str | os.PathLike[str] = DEFAULT_GEODATA,
    *,
    database: str | None = None,
    store: Store | None = None,
) -> gpd.GeoDataFrame:
    """Load, validate and join the register and its geometries, from the files or a database.

    Parameters
    ----------
    register : path-like
        The register CSV.
    geodata : path-like
        The folder holding ``projects.geojson`` and ``city_boundary.geojson`` (for a database, the
        folder the city boundary is read from).
    database : str, optional
        A ``postgresql://`` URL: read the register from that database instead of the files
        (:func:`portfolio.stores.open_store`; an empty string means the files). The environment is
        not read here: pass ``os.environ.get("PORTFOLIO_DATABASE_URL")`` to follow it.
    store : Store, optional
        A store already opened (:mod:`portfolio.stores`); wins over the other arguments.

    The result is cached on the store's :meth:`~portfolio.stores.Store.version` (the files' states,
    or the database's change counter): a rerun costs that look-up, a change made anywhere (another
    app instance, ``psql``) is read on the next call.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per project, every column of :data:`portfolio.schema.COLUMNS` (text as ``str``,
        ``""`` when empty; ``period_start``/``period_end`` as nullable ``Int64``;
        ``geocode_precision`` as ``int``; ``official_*`` as float), geometry in EPSG:4326, in
        register order. Callers must not modify it in place (it is cached): copy first.

    Raises
    ------
    RegisterError
        When validation finds any problem; ``.problems`` lists each one. A store that cannot be read
        at all raises :class:`~portfolio._errors.StoreError` (a RegisterError with one problem).
    """
    from portfolio.stores import open_store

    if store is None:
        store = open_store(database if database is not None else "", register=register, geodata=geodata)
    version = store.version()
    # One load at a time: ten sessions arriving at a cold server wait for one load (seconds at 10,000
    # projects) instead of running ten at once, each as slow on two cores and each holding its memory.
    with _LOAD_LOCK:
        return _load_cached(store, version)


_LOAD_LOCK = threading.Lock()


@lru_cache(maxsize=8)
def _load_cached(store: Store, version: str) -> gpd.GeoDataFrame:
    """Read the store, validate and build the frame; ``version`` only keys the cache."""
    inputs = store.read()
    frame, problems = validate_inputs(inputs)
    if problems or frame is None:
        raise RegisterError(
            problems or [Problem(inputs.register_name, "", "", "invalid", "register is invalid")]
        )
    return frame


def read_files(register: Path, geodata: Path) -> RawInputs:
    """Read ``register`` and the geodata folder ``geodata`` (projects and city boundary) as raw inputs."""
    from portfolio.stores.files import FilesStore

    return FilesStore(Path(register), Path(geodata)).read()


def build(inputs: RawInputs) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """Check raw inputs (:func:`portfolio.rules.check_all`) and, when nothing is wrong, build the frame.

    Problems are listed file by file: the register (reading, then its rules), the geodata (reading,
    then the geometry rules), then the boundary.
    """
    raw, geo = inputs.register, inputs.geodata
    if raw is None:
        return None, inputs.register_problems + inputs.geodata_problems + inputs.boundary_problems
    checked = rules.check_all(raw, geo, inputs.boundary)
    problems = inputs.register_problems + checked.register + inputs.geodata_problems
    if geo is None:
        return None, problems + inputs.boundary_problems
    problems += checked.geometries + inputs.boundary_problems
    if problems:
        return None, problems
    return to_frame(checked.rows, geo.geometries), problems


def validate_inputs(inputs: RawInputs) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """Run every rule over what a store read (:meth:`portfolio.stores.Store.read`): the same rules for
    the files and the database. Returns the typed frame when nothing fails, and every problem.

    Never raises for bad input: every problem, even an unexpected failure of a check
    (``internal_error``), is returned in the list, each printable as one line.
    """
    try:
        frame, problems = build(inputs)
    except InputError as exc:
        frame, problems = None, list(exc.problems)
    except Exception as exc:  # a bug or an input no rule foresaw: report it, never crash the caller
        frame, problems = (
            None,
            [
                Problem(
                    inputs.register_name,
                    "",
                    "",
                    "internal_error",
                    f"validation failed unexpectedly ({type(exc).__name__}: {exc}); "
                    "please report this with the file",
                )
            ],
        )
    return frame, [_one_line(p) for p in problems]


def validate_parsed(register: Path, geodata: Path) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """Read the files, check them and, when everything passes, return the typed GeoDataFrame too (not
    cached); never raises for bad input (:func:`validate_inputs`)."""
    try:
        inputs = read_files(Path(register), Path(geodata))
    except InputError as exc:
        return None, [_one_line(p) for p in exc.problems]
    return validate_inputs(inputs)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: Longest ``where`` or ``field`` printed (a giant id or column name is cut), and longest message.
_WHERE_CHARS = 120
_MESSAGE_CHARS = 400


def _one_line(problem: Problem) -> Problem:
    """Escape control characters (a newline in an id or a column name) so a problem prints as one line,
    and cut a giant id, column name or message so the line stays readable."""

    def clean(text: str, width: int | None = None) -> str:
        text = _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)
        return text if width is None or len(text) <= width else text[: width - 1] + "…"

    fields = (problem.file, problem.where, problem.field, problem.rule, problem.message)
    cleaned = (
        clean(problem.file),
        clean(problem.where, _WHERE_CHARS),
        clean(problem.field, _WHERE_CHARS),
        clean(problem.rule),
        clean(problem.message, _MESSAGE_CHARS),
    )
    return problem if cleaned == fields else Problem(*cleaned)


def to_frame(rows: list[dict[str, str]], geometries: dict[str, BaseGeometry | None]) -> gpd.GeoDataFrame:
    """Build the typed GeoDataFrame from valid raw rows and their geometries, with the derived columns
    (:func:`derive`)."""
    # The cells passed the row checks (four ASCII digits, a precision code, a plain decimal), so these
    # conversions read exactly what the checks read.
    columns: dict[str, object] = {}
    for column in schema.COLUMNS:
        texts = [row.get(column) or "" for row in rows]
        if column in ("period_start", "period_end"):
            columns[column] = pd.array([int(v) if v else None for v in texts], dtype="Int64")
        elif column == "geocode_precision":
            columns[column] = np.array([int(v) for v in texts], dtype=int)
        elif column in ("official_area_ha", "official_length_km", "investment_bn_vnd"):
            columns[column] = np.array([float(v) if v else math.nan for v in texts], dtype=float)
        else:
            columns[column] = pd.array(texts, dtype="str")
    data = pd.DataFrame(columns)
    geoms = [geometries.get(row.get("id") or "") for row in rows]
    return derive(gpd.GeoDataFrame(data, geometry=geoms, crs=WGS84_CRS))


def derive(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` with the register's derived columns (:data:`portfolio._derived.DERIVED_COLUMNS`: length,
    area, latest period, years, search text) derived from its rows and the frame marked as derived.

    Every frame the register builds has them; call this on a copy whose geometry or text you changed
    (the columns are not re-derived by themselves).
    """
    return _derived.add(frame)


def load_layer(geodata: str | os.PathLike[str], filename: str) -> gpd.GeoDataFrame:
    """Read one of the bundled layers (boundary, background) of ``geodata`` as a GeoDataFrame.

    Raises
    ------
    RegisterError
        When ``geodata`` is not a folder that can be looked at, or the layer cannot be read.
    """
    return _load_layer_cached(*_layer_key(geodata, filename))


def _layer_key(geodata: str | os.PathLike[str], filename: str) -> tuple[str, tuple[str, int, int]]:
    """The layer's name as the user gave it and its file state (the cache key), or a RegisterError."""
    folder = geodata_folder_problem(Path(geodata))
    if folder is not None:
        raise RegisterError([folder])
    path = Path(geodata) / filename
    return str(path), _file_state(path, "geodata")


@lru_cache(maxsize=8)
def _load_layer_cached(name: str, state: tuple[str, int, int]) -> gpd.GeoDataFrame:
    """Read the layer at ``name`` (problems name it as the user gave it); ``state`` keys the cache."""
    return read_layer(Path(name))


def load_boundary(geodata: str | os.PathLike[str] = DEFAULT_GEODATA) -> gpd.GeoDataFrame:
    """The generalised boundary of the 2025 city (one polygon feature).

    The file gets every check ``projects.geojson`` gets (:func:`read_boundary`).

    Raises
    ------
    RegisterError
        When the layer cannot be read or breaks any rule, one problem per fault: a point, a line or a
        polygon out of the region would put every city-scope project "outside the city".
    """
    return _load_boundary_cached(*_layer_key(geodata, BOUNDARY_FILE))


@lru_cache(maxsize=8)
def _load_boundary_cached(name: str, state: tuple[str, int, int]) -> gpd.GeoDataFrame:
    """Read and check the boundary at ``name`` (problems name it as given); ``state`` keys the cache."""
    frame, problems = read_boundary(Path(name))
    if problems or frame is None:
        raise RegisterError(problems or [Problem(name, "", "", "invalid", "city boundary is invalid")])
    return frame


def load_background(geodata: str | os.PathLike[str] = DEFAULT_GEODATA) -> gpd.GeoDataFrame:
    """Main rivers and roads drawn as the offline map background (``kind``, ``name_vi``, ``name_en``)."""
    return load_layer(geodata, BACKGROUND_FILE)
