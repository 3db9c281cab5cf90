"""Cần Thơ infrastructure project portfolio: register, queries, measurements, exports and map."""

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
__version__ = "0.1.0"
