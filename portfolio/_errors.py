"""The package's small error hierarchy.

Every error that a user can cause carries where it happened: the file, the row (1-based data row,
header excluded, or the project id) and the field. The CLI turns it into one line and an exit code;
the app turns it into a readable message.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    Parameters
    ----------
    file : str
        Path of the file as the user gave it.
    where : str
        ``row N`` (1-based data row of a CSV, header excluded), ``feature N`` or ``id X``; empty
        when the problem concerns the whole file.
    field : str
        Column or property concerned; empty when the problem concerns a whole row or file.
    rule : str
        Stable machine-readable name of the rule broken (``unknown_value``, ``duplicate_id``…).
    message : str
        Human-readable explanation, in English.
    """

    file: str
    where: str
    field: str
    rule: str
    message: str

    def __str__(self) -> str:
        parts = [self.file]
        if self.where:
            parts.append(self.where)
        if self.field:
            parts.append(self.field)
        return f"{': '.join(parts)}: {self.message} [{self.rule}]"


class PortfolioError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(PortfolioError):
    """An input file is not what it should be.

    Parameters
    ----------
    problems : list of Problem
        Every problem found (at least one).
    """

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[InputError], tuple[list[Problem]]]:
        """Pickle by the problems (a worker process sends its error back: :mod:`portfolio.bounded`)."""
        return type(self), (self.problems,)


class RegisterError(InputError):
    """The register (``projects.csv``) or its geodata fail validation."""


class StoreError(RegisterError):
    """A store (the files, or a PostgreSQL + PostGIS database) cannot be reached or read at all: a wrong
    URL, a refused password, no PostGIS, a schema of another version, a lost connection. One problem, one
    line, naming the store (never its password) and a ``db_*`` rule; see :mod:`portfolio.stores`."""


class UploadError(InputError):
    """A user's uploaded layer cannot be read as what it claims to be."""


class QueryError(PortfolioError, ValueError):
    """A filter value is not allowed (an unknown status, a bad bounding box…)."""


class ExportError(PortfolioError):
    """An export could not be written; the previous file, if any, is untouched."""


class ChangeError(InputError):
    """A change set is refused: unreadable, without evidence, or breaking a rule; nothing is written."""


class ConflictError(ChangeError):
    """A project a change set names changed since the change started (optimistic versioning)."""
