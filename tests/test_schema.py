"""The README documents every column, vocabulary value and precision code the schema defines."""

from __future__ import annotations

import re

import pytest

from portfolio import schema
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _table_rows(heading: str) -> list[list[str]]:
    """Cells of the first Markdown table after ``heading``."""
    start = README.index(heading)
    rows = []
    for line in README[start:].splitlines()[1:]:
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip("|").split("|")])
        elif rows:
            break
    return rows[2:]  # header and separator


def test_every_column_documented_in_order() -> None:
    documented = []
    for cells in _table_rows("## The register"):
        documented += re.findall(r"`([a-z_0-9]+)`", cells[0])
    assert documented == list(schema.COLUMNS)


def test_required_columns_marked() -> None:
    for cells in _table_rows("## The register"):
        for column in re.findall(r"`([a-z_0-9]+)`", cells[0]):
            assert (cells[1] == "yes") == (column in schema.REQUIRED), column


@pytest.mark.parametrize(
    ("heading", "vocabulary"),
    [
        ("### Status", schema.STATUSES),
        ("### Sector", schema.SECTORS),
        ("### Funding type", schema.FUNDING_TYPES),
        ("### Investment figure", schema.INVESTMENT_KINDS),
    ],
)
def test_vocabularies_documented(heading: str, vocabulary: dict[str, tuple[str, ...]]) -> None:
    rows = {cells[0].strip("`"): cells[1:] for cells in _table_rows(heading)}
    assert list(rows) == list(vocabulary)
    for value, labels in vocabulary.items():
        assert rows[value][:2] == list(labels[:2])


def test_sector_geometry_documented() -> None:
    rows = {cells[0].strip("`"): cells[3] for cells in _table_rows("### Sector")}
    for sector, families in schema.SECTOR_GEOMETRY.items():
        assert rows[sector] == ", ".join(sorted(families))


def test_precision_scale_documented() -> None:
    rows = {int(cells[0]): cells[1:] for cells in _table_rows("### Geocoding precision")}
    assert rows == {k: list(v) for k, v in schema.PRECISION.items()}


def test_documents_documented() -> None:
    rows = {cells[0].strip("`"): cells[1:] for cells in _table_rows("### Source documents")}
    assert list(rows) == list(schema.DOCUMENTS)
    for key, (day, title, seed) in schema.DOCUMENTS.items():
        assert rows[key] == [day, title, f"`{seed}`"]


def test_every_sector_has_geometry_rule() -> None:
    assert set(schema.SECTOR_GEOMETRY) == set(schema.SECTORS)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("202/KH-UBND (01/10/2021), Phụ lục II, dòng 3", "202/KH-UBND"),
        ("59-NQ/TW (05/08/2020), mục III.4", "59-NQ/TW"),
        ("ngoài: VnExpress, 'x', 2023-04-28", "external"),
        ("Báo Cần Thơ 2024", None),
        ("202/KH-UBNDX dòng 3", None),
    ],
)
def test_source_document(entry: str, expected: str | None) -> None:
    assert schema.source_document(entry) == expected


def test_period_history_has_one_grammar() -> None:
    """Only ``schema.parse_period_history`` reads ``DOCUMENT=START-END``; everything else calls it."""
    for path in sorted((ROOT / "portfolio").glob("*.py")):
        if path.name != "schema.py":
            assert "PERIOD_HISTORY_RE" not in path.read_text(encoding="utf-8"), path.name
    assert schema.parse_period_history("202/KH-UBND=2021-2025; garbage; ngoài: X 2025 =2025-2030") == (
        schema.PeriodEntry("202/KH-UBND", 2021, 2025, "202/KH-UBND=2021-2025"),
        "garbage",
        schema.PeriodEntry("ngoài: X 2025", 2025, 2030, "ngoài: X 2025 =2025-2030"),
    )
    assert schema.parse_period_history("X=٢٠٢١-2025") == ("X=٢٠٢١-2025",)  # ASCII digits only
