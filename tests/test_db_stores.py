"""``portfolio.stores``: choosing a store, the files store's version and raw read, and URL redaction."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from portfolio import register
from portfolio._errors import RegisterError, StoreError
from portfolio.stores import DATABASE_ENV, RawInputs, Store, open_store, redact
from portfolio.stores.files import FilesStore
from portfolio.validate import validate, validate_inputs
from tests.conftest import MakeRegister, base_row, fixture_rows, write_register


def test_open_store_picks_the_files_without_a_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    store = open_store(register=tmp_path / "p.csv", geodata=tmp_path / "g")
    assert store == FilesStore(tmp_path / "p.csv", tmp_path / "g")
    assert isinstance(store, Store)
    assert open_store() == FilesStore(register.DEFAULT_REGISTER, register.DEFAULT_GEODATA)
    monkeypatch.setenv(DATABASE_ENV, "postgresql://u:secret@127.0.0.1:1/x")
    assert open_store("") == FilesStore(register.DEFAULT_REGISTER, register.DEFAULT_GEODATA)


def test_open_store_refuses_what_is_not_a_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_ENV, "mysql://root:hunter2@db/x")
    with pytest.raises(StoreError) as info:
        open_store()
    (problem,) = info.value.problems
    assert problem.rule == "db_url"
    assert "hunter2" not in str(problem)
    assert str(problem).startswith("mysql://root:***@db/x: is not a database URL")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:pw@h:5432/d", "postgresql://u:***@h:5432/d"),
        ("postgresql://u@h/d", "postgresql://u@h/d"),
        ("postgresql://u:p@ss@h/d", "postgresql://u:***@h/d"),
        ("postgresql://h/d?user=u&password=pw", "postgresql://h/d?user=u&password=***"),
        ("postgresql://u:pw@[::1/d", "***@[::1/d"),
        ("sqlite:///x:secret@db", "sqlite:///x:***@db"),
    ],
)
def test_redact_never_shows_a_password(url: str, shown: str) -> None:
    assert redact(url) == shown


def test_files_version_changes_with_each_file(make_register: MakeRegister) -> None:
    reg, geo = make_register()
    store = FilesStore(reg, geo)
    first = store.version()
    assert store.version() == first
    for path in (reg, geo / "projects.geojson", geo / "city_boundary.geojson"):
        before = store.version()
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        assert store.version() != before, path


def test_files_version_names_an_unreadable_geodata_path(make_register: MakeRegister) -> None:
    reg, _ = make_register()
    with pytest.raises(StoreError) as info:
        FilesStore(reg, reg).version()  # a file where the geodata folder should be
    assert [p.rule for p in info.value.problems] == ["unreadable"]


def test_files_read_gives_the_raw_inputs_and_the_same_problems_as_validate(
    make_register: MakeRegister,
) -> None:
    reg, geo = make_register()
    inputs = FilesStore(reg, geo).read()
    assert isinstance(inputs, RawInputs)
    assert inputs.register is not None and inputs.geodata is not None and inputs.boundary is not None
    assert [row["id"] for row in inputs.register.rows] == [row["id"] for row in fixture_rows()]
    assert inputs.geodata.order == [row["id"] for row in fixture_rows()]
    assert inputs.problems == []
    assert inputs.version == FilesStore(reg, geo).version()
    frame, problems = validate_inputs(inputs)
    assert problems == [] and frame is not None and list(frame["id"]) == inputs.geodata.order

    write_register(reg, [base_row(status="built"), *fixture_rows()[1:]])
    bad = FilesStore(reg, geo).read()
    assert bad.problems == []  # a bad cell is the rules' business, not the reader's
    assert validate_inputs(bad)[1] == validate(reg, geo)
    assert [(p.where, p.field, p.rule) for p in validate(reg, geo)] == [
        ("row 1 (id dt-923)", "status", "unknown_value")
    ]


def test_load_through_a_store_is_cached_on_its_version(make_register: MakeRegister) -> None:
    reg, geo = make_register()
    store = FilesStore(reg, geo)
    frame = register.load(store=store)
    assert register.load(reg, geo) is frame  # the same store, the same version: the cached frame
    write_register(reg, fixture_rows()[:2])
    stat = reg.stat()
    os.utime(reg, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    with pytest.raises(RegisterError) as info:
        register.load(store=store)
    assert {p.rule for p in info.value.problems} == {"orphan_geometry"}
