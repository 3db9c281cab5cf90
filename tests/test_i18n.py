"""The vi/en catalogue: complete, consistent, and every key the code uses exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from portfolio import i18n, schema

ROOT = Path(__file__).resolve().parent.parent
#: The app's own files that call ``t(key)``.
USERS = [
    ROOT / "app.py",
    *(ROOT / "portfolio" / f"{module}.py" for module in ("mapview", "access", "timeline", "i18n")),
]


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


@pytest.mark.parametrize(
    "value,expected",
    [("en", "en"), ("EN", "en"), ("en-GB", "en"), ("vi", "vi"), ("", "vi"), (None, "vi"), ("fr", "vi")],
)
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


def test_every_document_has_a_title_in_both_languages() -> None:
    assert set(i18n.DOCUMENT_TITLES_VI) == set(schema.DOCUMENTS)
    for key, (_, english, _) in schema.DOCUMENTS.items():
        vi, en = i18n.document_title(key, "vi"), i18n.document_title(key, "en")
        assert vi.strip() and en == english and vi != en
    assert i18n.document_title("no-such-document", "vi") == ""


def test_every_precision_code_has_a_definition_in_both_languages() -> None:
    assert set(i18n.PRECISION_DEFINITIONS_VI) == set(schema.PRECISION)
    for code, (_, _, english) in schema.PRECISION.items():
        assert i18n.precision_definition(code, "en") == english
        assert i18n.precision_definition(str(code), "vi") == i18n.PRECISION_DEFINITIONS_VI[code] != english
    assert i18n.precision_definition(9, "vi") == ""


def test_outside_sources_are_named_in_the_language() -> None:
    assert i18n.source_label("ngoài: VietTimes 2025", "en") == "Outside source: VietTimes 2025"
    assert i18n.source_label("ngoài: VietTimes 2025", "vi") == "Nguồn ngoài: VietTimes 2025"
    assert i18n.source_label("202/KH-UBND", "en") == "202/KH-UBND"


def test_plural_for_one() -> None:
    assert i18n.plural("upload_features", 1, "en") == "1 feature in your layer"
    assert i18n.plural("upload_features", 2, "en") == "2 features in your layer"
    assert i18n.plural("upload_hits", 1, "en") == "1 project intersects your layer"
    assert i18n.plural("upload_features", 1, "vi") == "1 đối tượng trong lớp của bạn"


def test_upload_problems_are_vietnamese_with_the_detail_second() -> None:
    from portfolio import upload
    from portfolio._errors import UploadError

    with pytest.raises(UploadError) as info:
        upload.read_upload("bad.gpkg", b"\x00\x01binary\xff\xfe" * 10)
    (problem,) = info.value.problems
    message, detail = i18n.upload_problem(problem.rule, problem.file, problem.message, "vi")
    assert message.startswith("bad.gpkg: tệp không thuộc các định dạng được hỗ trợ")
    assert "binary data" in detail and "binary" not in message
    message, detail = i18n.upload_problem(problem.rule, problem.file, problem.message, "en")
    assert message == f"bad.gpkg: {problem.message}" and detail == ""
    # Every rule the reader can raise has a translation.
    source = (ROOT / "portfolio" / "upload.py").read_text(encoding="utf-8")
    rules = set(re.findall(r'fail\(\s*"([a-z_0-9]+)"', source))
    assert rules and rules <= set(i18n.UPLOAD_RULES)


def test_upload_notes_are_translated_by_code() -> None:
    source = (ROOT / "portfolio" / "upload.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'\.note\(\s*"([a-z_0-9]+)"', source))
    assert codes and codes <= set(i18n.UPLOAD_NOTES)
    assert i18n.upload_note("no_prj", {}, "vi") == "Shapefile không có tệp .prj (không có hệ tọa độ)"
    text = i18n.upload_note("reprojected", {"layer": "area3857", "crs": "WGS 84 / Pseudo-Mercator"}, "vi")
    assert text == "lớp area3857: đã chuyển từ WGS 84 / Pseudo-Mercator sang WGS 84"
    assert i18n.upload_note("reprojected", {"layer": "", "crs": "X"}, "en", "kept as is") == "kept as is"
    assert i18n.upload_note("unknown_code", {}, "vi", "english") == "english"


class _CodedError(ValueError):
    def __init__(self, text: str, code: str, params: dict[str, object]) -> None:
        super().__init__(text)
        self.code, self.params = code, params


def test_query_errors_by_code_fall_back_to_the_text() -> None:
    exc = _CodedError("from (2030) is after to (2025)", "from_after_to", {"year_from": 2030, "year_to": 2025})
    assert i18n.query_error(exc, "vi") == "năm bắt đầu (2030) sau năm kết thúc (2025)"
    assert i18n.query_error(exc, "en") == "from (2030) is after to (2025)"
    unknown = _CodedError(
        "unknown status 'foo'",
        "unknown_value",
        {"field": "status", "value": ["foo"], "allowed": ["planned", "operating"]},
    )
    assert i18n.query_error(unknown, "vi") == (
        "tình trạng: không có giá trị 'foo'; các giá trị hợp lệ: planned, operating"
    )
    # No code, an unknown code or params the template lacks: the error's own text.
    assert i18n.query_error(ValueError("plain"), "vi") == "plain"
    assert i18n.query_error(_CodedError("odd", "new_code", {}), "vi") == "odd"
    assert i18n.query_error(_CodedError("odd", "from_after_to", {}), "vi") == "odd"


def test_numbers_in_tables_follow_the_language_and_stay_numbers() -> None:
    import pandas as pd

    frame = pd.DataFrame({"km": [1548.6, 48.391, float("nan")], "change": [5, -1, 0]})
    assert i18n.number_text(1548.6, 1, "vi") == "1.548,6"
    assert i18n.number_text(48.391, 2, "en") == "48.39"
    assert i18n.number_text(float("nan"), 2, "vi") == "—"
    assert i18n.number_text(None, 2, "vi") == "—"
    assert [i18n.number_text(v, 0, "vi", signed=True) for v in (5, -1, 0)] == ["+5", "−1", "±0"]
    styled = i18n.styled(frame, "vi", {"km": 2, "change": 0}, signed=["change"])
    html = styled.to_html()
    assert "1.548,60" in html and "48,39" in html and "—" in html and "−1" in html
    assert styled.data["km"].dtype.kind == "f"  # still sorts as numbers
    big = pd.DataFrame({"km": range(i18n.MAX_STYLED_ROWS + 1)})
    assert i18n.styled(big, "vi", {"km": 2}) is big


def test_every_filter_error_code_has_a_vietnamese_template() -> None:
    from portfolio.query import Filter

    source = "\n".join(
        path.read_text(encoding="utf-8") for path in (ROOT / "portfolio" / "query").glob("*.py")
    )
    # every code passed to FilterError(message, "code", …), plus the two given through _unknown_error
    codes = set(re.findall(r'FilterError\(\s*(?:\w+|f?"[^"\n]*"(?:\s*f?"[^"\n]*")*),\s*"([a-z_]+)"', source))
    codes |= set(re.findall(r'"(unknown_value|unknown_parameter)"', source))
    assert len(codes) >= 9, codes
    assert codes <= set(i18n.QUERY_ERRORS), codes - set(i18n.QUERY_ERRORS)
    _, errors = Filter.from_params_lenient(
        {"status": ["planned", "foo"], "from": "2030", "to": "2025", "bbox": "1,2"}
    )
    messages = [i18n.query_error(e, "vi") for e in errors]
    assert len(messages) == len(errors) >= 3
    assert all(m != str(e) for m, e in zip(messages, errors, strict=True)), messages
    assert any(m == "năm bắt đầu (2030) sau năm kết thúc (2025)" for m in messages)


def test_every_text_is_nfc() -> None:
    """Vietnamese diacritics as composed characters (NFC), as typed text and search expect."""
    import unicodedata

    texts = [text for pair in (*i18n.MESSAGES.values(), *i18n.COLUMN_LABELS.values()) for text in pair]
    bad = [text for text in texts if unicodedata.normalize("NFC", text) != text]
    assert not bad, bad
