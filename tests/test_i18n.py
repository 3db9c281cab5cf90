"""The vi/en catalogue: complete, consistent, and every key the code uses exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from portfolio import i18n, schema

ROOT = Path(__file__).resolve().parent.parent
#: The app's own files that call ``t(key)``.
USERS = [ROOT / "app.py",
         *(ROOT / "portfolio" / f"{module}.py" for module in ("mapview", "access", "timeline", "i18n"))]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(i18n.MESSAGES))
def test_every_message_has_both_languages_with_the_same_placeholders(key: str) -> None:
    vi, en = i18n.MESSAGES[key]
    assert vi.strip() and en.strip()
    assert _fields(vi) == _fields(en)


def test_vietnamese_is_default_and_english_on_request() -> None:
    assert i18n.t("tab_map") == "Bản đồ"
    assert i18n.t("tab_map", "en") == "Map"
    assert i18n.t("counter", "vi", n=3, total=10) == "3 trên 10 dự án"
    assert i18n.t("counter", "en", n=3, total=10) == "3 of 10 projects"


@pytest.mark.parametrize("value,expected", [("en", "en"), ("EN", "en"), ("en-GB", "en"), ("vi", "vi"),
                                            ("", "vi"), (None, "vi"), ("fr", "vi")])
def test_normalise_lang(value: object, expected: str) -> None:
    assert i18n.normalise_lang(value) == expected


def test_unknown_key_fails_loudly() -> None:
    with pytest.raises(KeyError):
        i18n.t("no_such_key")


def test_every_register_column_has_labels() -> None:
    for column in schema.COLUMNS:
        assert column in i18n.COLUMN_LABELS
        assert i18n.column(column, "vi") != i18n.column(column, "en") or column == "id"


def test_vocabulary_labels_come_from_the_schema() -> None:
    for value, (vi, en, _definition) in schema.STATUSES.items():
        assert i18n.label("status", value, "vi") == vi and i18n.label("status", value, "en") == en
    for value, (vi, en) in schema.SECTORS.items():
        assert i18n.label("sector", value, "vi") == vi and i18n.label("sector", value, "en") == en
    for value, (vi, en) in schema.FUNDING_TYPES.items():
        assert i18n.label("funding_type", value, "en") == en and i18n.label("funding_type", value) == vi
    for code, (vi, en, _definition) in schema.PRECISION.items():
        assert i18n.label("precision", code, "vi") == vi and i18n.label("precision", str(code), "en") == en
    assert i18n.label("status", "not-a-status") == "not-a-status"
    assert i18n.label("precision", "x") == "x"


def test_name_column() -> None:
    assert i18n.name_column("vi") == "name_vi" and i18n.name_column("en") == "name_en"


def test_every_key_used_in_the_code_exists() -> None:
    used: set[str] = set()
    for path in USERS:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"\bt\(\s*[\"']([a-z_]+)[\"']", text))
        used |= {f"kind_{k}" for k in ("port", "expressway", "airport", "road")}
    missing = sorted(k for k in used if k not in i18n.MESSAGES)
    assert not missing, missing
    assert len(used) > 40


def test_numbers_in_each_language() -> None:
    assert i18n.number(1538.64, 1, "vi") == "1.538,6"
    assert i18n.number(1538.64, 1, "en") == "1,538.6"
    assert i18n.number(2695.2, 0, "vi") == "2.695"
    assert i18n.number(0, 1) == "0,0"
