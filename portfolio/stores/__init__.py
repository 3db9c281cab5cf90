"""Where the register is kept: the files (the default) or a PostgreSQL + PostGIS database.

A *store* hands out the register as read, before any rule: the raw rows, the raw geometries, the city
boundary, and the problems met while reading them (:class:`RawInputs`). Both stores return the same
raw structures (:class:`~portfolio.register.RawRegister`, :class:`~portfolio.register.RawGeodata`),
so one set of rules (:func:`portfolio.validate.validate_inputs`) checks both, and
:func:`portfolio.register.load` builds one frame from either, cached on :meth:`Store.version`.

- :class:`~portfolio.stores.files.FilesStore`: ``projects.csv`` + ``geodata/`` (no server needed);
- :class:`~portfolio.stores.postgis.PostGISStore`: a database made by ``python -m portfolio db init``,
  selected by a ``postgresql://`` URL (``--database`` on the CLI, or ``PORTFOLIO_DATABASE_URL``).

A store that cannot be read at all (a wrong URL, a refused password, a database without PostGIS or
with a schema of another version, a lost connection) raises :class:`~portfolio._errors.StoreError`,
a :class:`~portfolio._errors.RegisterError` with one problem whose message is one line.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from shapely.geometry.base import BaseGeometry

from portfolio._errors import Problem, StoreError
from portfolio.readers import RawGeodata, RawRegister

__all__ = ["DATABASE_ENV", "RawInputs", "Store", "StoreError", "is_database_url", "open_store", "redact"]

#: Environment variable naming the database the app and the CLI read when no ``--database`` is given.
DATABASE_ENV = "PORTFOLIO_DATABASE_URL"


@dataclass(frozen=True)
class RawInputs:
    """The register as a store read it, before any rule.

    ``register``/``geodata`` are ``None`` when they could not be read at all (their problems say
    why); ``boundary`` is the union of the city boundary's polygons, ``None`` when it could not be read.
    ``register_name``/``geodata_name`` name the sources in problems (a file path, or the database's
    label and table). ``version`` is the :meth:`Store.version` the data was read at.
    """

    register: RawRegister | None
    geodata: RawGeodata | None
    boundary: BaseGeometry | None
    register_name: str
    geodata_name: str
    version: str
    register_problems: list[Problem] = field(default_factory=list)
    geodata_problems: list[Problem] = field(default_factory=list)
    boundary_problems: list[Problem] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        """Every problem met while reading: the register's, then the geodata's, then the boundary's."""
        return [*self.register_problems, *self.geodata_problems, *self.boundary_problems]


@runtime_checkable
class Store(Protocol):
    """A place the register is kept. Stores are hashable: equal stores name the same place.

    Attributes
    ----------
    label : str
        What the store is, for messages: file paths, or the database URL **without its password**.
    """

    @property
    def label(self) -> str: ...

    def __hash__(self) -> int: ...

    def version(self) -> str:
        """A short text that changes whenever the data changes; cheap (a few file states, one query).

        Raises
        ------
        StoreError
            The store cannot be reached (files that cannot be looked at, a database that refuses).
        """
        ...

    def read(self) -> RawInputs:
        """Read the register, its geometries and the city boundary; reading problems are returned.

        Raises
        ------
        StoreError
            The store cannot be read at all (a database that is unreachable, not initialised, of
            another schema version, or a connection lost while reading).
        """
        ...


def is_database_url(text: str) -> bool:
    """True for a ``postgresql://`` or ``postgres://`` URL (the only databases a store can be)."""
    return text.strip().lower().startswith(("postgresql://", "postgres://", "postgresql+psycopg://"))


def redact(url: str) -> str:
    """``url`` with its password (in the user part or a ``password=`` parameter) shown as ``***``.

    Text that cannot be parsed as a URL is cut at its last ``@`` (``***@rest``) so that no password
    written in a malformed URL is shown either.
    """
    try:
        parts = urllib.parse.urlsplit(url)
        if parts.password is not None:
            user, host = parts.netloc.rsplit("@", 1)
            parts = parts._replace(netloc=f"{user.split(':', 1)[0]}:***@{host}")
        elif "@" in url:  # not where a URL keeps it, but written as one: USER:PASSWORD@
            return re.sub(r":[^:@/]*@", ":***@", url)
        if parts.query:
            query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
            if any(key == "password" for key, _ in query):
                shown = [(k, "***" if k == "password" else v) for k, v in query]
                parts = parts._replace(query=urllib.parse.urlencode(shown, safe="*"))
        return urllib.parse.urlunsplit(parts)
    except ValueError:
        return "***@" + url.rsplit("@", 1)[1] if "@" in url else url


def open_store(
    database: str | None = None,
    *,
    register: str | os.PathLike[str] | None = None,
    geodata: str | os.PathLike[str] | None = None,
) -> Store:
    """The store to read: the database ``database`` names, else ``PORTFOLIO_DATABASE_URL``, else the files.

    Parameters
    ----------
    database : str, optional
        A ``postgresql://user:password@host:port/dbname`` URL. ``None`` reads
        ``PORTFOLIO_DATABASE_URL``; when that is unset or empty, the files are the store. An empty
        string means the files whatever the environment says.
    register, geodata : path-like, optional
        For the files store: the register CSV and the geodata folder (default
        :data:`portfolio.register.DEFAULT_REGISTER` / :data:`~portfolio.register.DEFAULT_GEODATA`).
        For the database store, ``geodata`` is where the city boundary is read from (the boundary is
        reference data shipped with the code, not part of the shared register).

    Raises
    ------
    StoreError
        ``database`` is given but is not a PostgreSQL URL (rule ``db_url``). Nothing is connected
        here: connection faults are raised by :meth:`Store.version` and :meth:`Store.read`.
    """
    from portfolio.register import DEFAULT_GEODATA, DEFAULT_REGISTER

    url = os.environ.get(DATABASE_ENV, "") if database is None else database
    geo = Path(geodata) if geodata is not None else DEFAULT_GEODATA
    if not url.strip():
        from portfolio.stores.files import FilesStore

        return FilesStore(Path(register) if register is not None else DEFAULT_REGISTER, geo)
    if not is_database_url(url):
        raise StoreError(
            [
                Problem(
                    redact(url),
                    "",
                    "",
                    "db_url",
                    "is not a database URL: give postgresql://USER:PASSWORD@HOST:PORT/DBNAME",
                )
            ]
        )
    from portfolio.stores.postgis import PostGISStore

    return PostGISStore(url, boundary=geo)
