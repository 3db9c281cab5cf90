"""Editors, their departments and sessions: who may change which projects.

Viewing needs no login. Editing needs one: each editor belongs to a department and may change the
projects that department answers for (``owner_current``, else ``owner``: :mod:`portfolio._departments`);
an administrator may change every project and manage editors.

Editors live in a JSON file outside the repository, named by ``PORTFOLIO_EDITORS`` (default
``~/.config/cantho-portfolio/editors.json``); a file inside the repository is refused, so that no hash
is ever committed. Passwords are stored as argon2id hashes (argon2-cffi). Limits users can rely on:

- a password is 8 to :data:`MAX_PASSWORD_CHARS` characters; a longer one is refused before any
  hashing, so a huge password costs nothing;
- :data:`MAX_FAILURES` wrong passwords in a row lock the account for :data:`LOCK_MINUTES` minutes;
- a session lasts :data:`SESSION_HOURS` hours; a token is refused after logout or expiry (only its
  hash is stored).

Every refusal is an :class:`AuthError` whose :meth:`~AuthError.message` is in the page language.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from portfolio import _departments, i18n
from portfolio._errors import PortfolioError, Problem
from portfolio._files import write_text_atomic

EDITORS_ENV = "PORTFOLIO_EDITORS"
DEFAULT_EDITORS = Path.home() / ".config" / "cantho-portfolio" / "editors.json"
ROOT = Path(__file__).resolve().parent.parent

MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 256
MAX_FAILURES = 5
LOCK_MINUTES = 15
SESSION_HOURS = 8
ROLES = ("editor", "admin")

_HASHER = PasswordHasher()
#: Verified against when the user name is unknown, so that answering takes as long either way.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


class AuthError(PortfolioError):
    """A refused login, session or edit; ``code`` picks the message (``auth_<code>`` in i18n)."""

    def __init__(self, code: str, **values: object) -> None:
        self.code, self.values = code, values
        super().__init__(self.message("en"))

    def message(self, lang: str = i18n.DEFAULT_LANG) -> str:
        return i18n.t(f"auth_{self.code}", lang, **self.values)


@dataclass
class Editor:
    username: str
    department: str
    role: str
    password_hash: str
    failures: int = 0
    locked_until: str = ""
    #: The department's database login role and its password (PostGIS store: the app connects as it).
    db_role: str = ""
    db_password: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def public(self) -> dict[str, str]:
        """What may be shown (no hash)."""
        return {"username": self.username, "department": self.department, "role": self.role}


def editors_path() -> Path:
    """The editors file named by ``PORTFOLIO_EDITORS`` (else the default).

    Raises
    ------
    AuthError
        ``inside_repository``: the path is inside the repository.
    """
    path = Path(os.environ.get(EDITORS_ENV) or DEFAULT_EDITORS).expanduser()
    real = Path(os.path.realpath(path))
    if real == ROOT or ROOT in real.parents:
        raise AuthError("inside_repository", path=str(path))
    return path


def _now() -> datetime:
    return datetime.now(UTC)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _load(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"editors": {}, "sessions": {}}
    data = json.loads(path.read_text(encoding="utf-8"))
    data.setdefault("editors", {})
    data.setdefault("sessions", {})
    return dict(data)


def _save(path: Path, data: Mapping[str, Any]) -> None:
    write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=1))
    os.chmod(path, 0o600)


def _check_password_shape(password: str) -> None:
    if len(password) > MAX_PASSWORD_CHARS:  # before any hashing: a huge password costs nothing
        raise AuthError("too_long", most=MAX_PASSWORD_CHARS)


def add_editor(
    username: str, password: str, department: str, role: str = "editor", path: Path | None = None
) -> Editor:
    """Create or replace an editor (administrators do this; the CLI's ``editors add``).

    Raises
    ------
    AuthError
        A password too long or too short, an unknown role, an empty user name or department.
    """
    _check_password_shape(password)
    if len(password) < MIN_PASSWORD_CHARS:
        raise AuthError("too_short", least=MIN_PASSWORD_CHARS)
    if role not in ROLES:
        raise AuthError("bad_role", role=role)
    if not username.strip() or (role == "editor" and not department.strip()):
        raise AuthError("incomplete")
    path = path or editors_path()
    editor = Editor(username.strip(), department.strip(), role, _HASHER.hash(password))
    with _locked(path):
        data = _load(path)
        data["editors"][editor.username] = asdict(editor)
        _save(path, data)
    return editor


def set_database_role(department: str, role: str, password: str, path: Path | None = None) -> int:
    """Give every editor of ``department`` its database login role; returns how many editors."""
    path = path or editors_path()
    count = 0
    with _locked(path):
        data = _load(path)
        for record in data["editors"].values():
            if record.get("department") == department or (not department and record.get("role") == "admin"):
                record.update(db_role=role, db_password=password)
                count += 1
        _save(path, data)
    return count


def unlock(username: str, path: Path | None = None) -> None:
    """Clear an editor's failed logins and lock."""
    path = path or editors_path()
    with _locked(path):
        data = _load(path)
        if username in data["editors"]:
            data["editors"][username].update(failures=0, locked_until="")
            _save(path, data)


def list_editors(path: Path | None = None) -> list[dict[str, str]]:
    path = path or editors_path()
    return [Editor(**e).public() for e in _load(path)["editors"].values()]


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def login(username: str, password: str, path: Path | None = None, *, now: datetime | None = None) -> str:
    """Check a password; a session token on success.

    Raises
    ------
    AuthError
        ``too_long`` (before hashing), ``wrong_password`` (also for an unknown user name),
        ``locked`` (after :data:`MAX_FAILURES` failures, for :data:`LOCK_MINUTES` minutes).
    """
    _check_password_shape(password)
    path = path or editors_path()
    now = now or _now()
    with _locked(path):
        data = _load(path)
        record = data["editors"].get(username.strip())
        if record is None:
            with contextlib.suppress(VerificationError, InvalidHashError):
                _HASHER.verify(_DUMMY_HASH, password)
            raise AuthError("wrong_password")
        editor = Editor(**record)
        if editor.locked_until and datetime.fromisoformat(editor.locked_until) > now:
            raise AuthError("locked", until=editor.locked_until[:16].replace("T", " ") + " UTC")
        try:
            _HASHER.verify(editor.password_hash, password)
        except (VerificationError, InvalidHashError):
            editor.failures += 1
            if editor.failures >= MAX_FAILURES:
                editor.locked_until = (now + timedelta(minutes=LOCK_MINUTES)).isoformat(timespec="seconds")
                editor.failures = 0
            data["editors"][editor.username] = asdict(editor)
            _save(path, data)
            if editor.locked_until:
                raise AuthError("locked", until=editor.locked_until[:16].replace("T", " ") + " UTC") from None
            raise AuthError("wrong_password") from None
        editor.failures, editor.locked_until = 0, ""
        if _HASHER.check_needs_rehash(editor.password_hash):
            editor.password_hash = _HASHER.hash(password)
        data["editors"][editor.username] = asdict(editor)
        token = secrets.token_urlsafe(32)
        expires = (now + timedelta(hours=SESSION_HOURS)).isoformat(timespec="seconds")
        data["sessions"] = {
            k: v for k, v in data["sessions"].items() if datetime.fromisoformat(v["expires"]) > now
        }
        data["sessions"][_token_key(token)] = {"username": editor.username, "expires": expires}
        _save(path, data)
    return token


def session(token: str, path: Path | None = None, *, now: datetime | None = None) -> Editor:
    """The editor a session token belongs to.

    Raises
    ------
    AuthError
        ``no_session`` (unknown token, or one used after logout), ``expired``.
    """
    path = path or editors_path()
    now = now or _now()
    data = _load(path)
    found = data["sessions"].get(_token_key(token or ""))
    if found is None:
        raise AuthError("no_session")
    if datetime.fromisoformat(found["expires"]) <= now:
        raise AuthError("expired")
    record = data["editors"].get(found["username"])
    if record is None:
        raise AuthError("no_session")
    return Editor(**record)


def logout(token: str, path: Path | None = None) -> None:
    """End a session: the token is refused from now on."""
    path = path or editors_path()
    with _locked(path):
        data = _load(path)
        if data["sessions"].pop(_token_key(token or ""), None) is not None:
            _save(path, data)


def may_edit(editor: Editor, row: Mapping[str, object]) -> bool:
    """True when ``editor`` may change ``row``: an administrator, or the row's department's editor."""
    return editor.is_admin or _departments.answers_to(row, editor.department)


def permission_problems(
    editor: Editor, rows: Mapping[str, Mapping[str, str]], changeset: Any
) -> list[Problem]:
    """A ``not_permitted`` problem per project of ``changeset`` that ``editor`` may not change.

    ``rows`` is the register before the change (id -> row); a new project is judged on the row the
    change set gives it, and a project is judged before and after the change (an editor cannot give
    their project away to, or take one from, another department).
    """
    problems = []
    for ident in changeset.ids():
        before = rows.get(ident)
        after = {**(before or {}), **changeset.rows.get(ident, {})}
        allowed = may_edit(editor, after) and (before is None or may_edit(editor, before))
        if not allowed:
            owner = _departments.responsible(before or after) or "—"
            problems.append(
                Problem(
                    changeset.origin,
                    changeset.where.get(ident, f"id {ident}"),
                    "owner_current",
                    "not_permitted",
                    f"{editor.username} ({editor.department}) may not change project {ident}: "
                    f"it belongs to {owner}",
                )
            )
    return problems
