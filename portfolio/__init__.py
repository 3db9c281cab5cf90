"""Cần Thơ infrastructure project portfolio: register, queries, measurements, exports and map."""

from importlib import metadata as _metadata

from portfolio._errors import (
    ExportError,
    InputError,
    PortfolioError,
    Problem,
    QueryError,
    RegisterError,
    UploadError,
)

__all__ = [
    "ExportError",
    "InputError",
    "PortfolioError",
    "Problem",
    "QueryError",
    "RegisterError",
    "UploadError",
]

try:  # the version is pyproject.toml's, read from the installed package's metadata
    __version__: str = _metadata.version("cantho-portfolio")
except _metadata.PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0+unknown"
