"""The CLI commands that keep the register current: ``review``, ``change``, ``history``.

Registered by :func:`add_commands` from :mod:`portfolio.cli`; each parses its flags, calls one library
function and prints. Exit status as the rest of the CLI: 0 success, 1 refused or invalid input,
2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from typing import Any


def _add_input_flags(parser: argparse.ArgumentParser) -> None:
    from portfolio.cli import _add_input_flags as add
    from portfolio.stores.commands import add_database_flag

    add(parser)
    add_database_flag(parser)


def _target(args: argparse.Namespace) -> Any:
    from portfolio.changes import Target

    return Target(args.register, args.geodata, getattr(args, "database", None) or "")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``review``, ``change`` and ``history`` on the top-level parser's sub-commands."""
    p_review = sub.add_parser(
        "review",
        help="the review queue: projects whose status needs checking, per department, oldest first",
        description="List the projects that need review: status evidence (status_as_of) over 12 months old, "
        "planned with their latest period ended, or under construction past their end year; "
        "grouped by department (owner_current, else owner), oldest evidence first.",
    )
    _add_input_flags(p_review)
    p_review.add_argument(
        "--department",
        metavar="NAME",
        help="only this department's projects (as the owner filter reads names)",
    )
    p_review.add_argument(
        "--today",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="count ages to this day (default: today)",
    )
    p_review.add_argument("--lang", choices=("vi", "en"), default="en", help="language (default: en)")
    _add_change_commands(sub)
    _add_history_command(sub)
    _add_editors_command(sub)
    _add_roles_command(sub)


def _load(args: argparse.Namespace) -> Any:
    from portfolio._errors import RegisterError
    from portfolio.register import load

    try:
        return load(args.register, args.geodata, database=getattr(args, "database", None) or "")
    except RegisterError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in the register: run `portfolio validate`", file=sys.stderr)
        raise SystemExit(1) from None


def cmd_review(args: argparse.Namespace) -> int:
    from portfolio import i18n, review

    frame = _load(args)
    data = review.queue(frame, args.today, args.department)
    print(review.format_queue(data, args.lang))
    counts = data.groupby("department", sort=False).size()
    print("\n" + i18n.t("review_total", args.lang, n=len(data), total=len(frame), departments=len(counts)))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"review": cmd_review}


def _add_change_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p_change = sub.add_parser(
        "change",
        help="preview or apply a change set (CSV/.xlsx rows by id; GeoJSON/GPKG/zipped SHP geometries)",
        description="A change set: a CSV or .xlsx of rows keyed by id with only the columns it changes "
        "(an empty "
        "cell leaves a field as it is; an optional version column names the row version the edit "
        "started from), or a GeoJSON, GeoPackage or zipped Shapefile of geometries with an id "
        "property. Every change needs --author, --reason and --source (a document and its date, "
        "or an address). preview writes nothing; apply writes the register and its audit file "
        "atomically, or nothing.",
    )
    actions = p_change.add_subparsers(dest="change_action", required=True)
    for action in ("preview", "apply"):
        p = actions.add_parser(action, help=f"{action} a change set")
        _add_input_flags(p)
        p.add_argument("file", type=str, help="the change-set file")
        p.add_argument("--author", required=action == "apply", default="", help="who makes the change")
        p.add_argument("--reason", required=action == "apply", default="", help="why")
        p.add_argument(
            "--source",
            required=action == "apply",
            default="",
            help='evidence: a document and its date ("QĐ 123/QĐ-UBND 2026-11-20") or an address',
        )


def cmd_change(args: argparse.Namespace) -> int:
    from pathlib import Path

    from portfolio import changes
    from portfolio._errors import ChangeError, ConflictError

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"{path}: cannot read the change set: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        cs = changes.read_changeset(
            str(path), data, author=args.author, reason=args.reason, source=args.source
        )
        target = _target(args)
        if args.change_action == "preview":
            pv = changes.preview(target.state(), cs)
            print(pv.format())
            return 0 if pv.ok else 1
        done = target.apply(cs)
    except ConflictError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("conflict: nothing was written; preview the change set again", file=sys.stderr)
        return 1
    except ChangeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"refused: {len(exc.problems)} problem(s), nothing was written", file=sys.stderr)
        return 1
    print(done.preview.format())
    print(
        f"applied change set {done.changeset}: {done.audit_records} audit record(s) in "
        f"{target.audit_name()}; register version {done.register_version}"
    )
    return 0


COMMANDS["change"] = cmd_change


def _add_history_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "history",
        help="a project's status and period over time, each with its source and date",
        description="Status and period of one project over time: what its row held before any "
        "audited change (period_history entries with their documents' dates, the "
        "status with status_as_of and status_source), then every applied change "
        "set from the audit file, with author, evidence and reason.",
    )
    _add_input_flags(p)
    p.add_argument("id", help="project id")
    p.add_argument(
        "--today", type=date.fromisoformat, metavar="YYYY-MM-DD", help="count the status age to this day"
    )


def cmd_history(args: argparse.Namespace) -> int:
    from portfolio import audit, review
    from portfolio._errors import InputError

    try:
        target = _target(args)
        state = target.state()
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    records = target.records()
    try:
        entries = audit.history(state, records, args.id)
    except KeyError:
        print(f"{args.id}: no such project in {target.label} or its audit", file=sys.stderr)
        return 1
    row = state.rows.get(args.id, {})
    age = None
    if row:
        import pandas as pd

        ages = review.status_age(pd.DataFrame([row]), args.today)
        age = None if pd.isna(ages.iloc[0]) else int(ages.iloc[0])
    print(audit.format_history(args.id, row.get("name_vi", "(removed)"), entries, age))
    return 0


COMMANDS["history"] = cmd_history


def _add_editors_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "editors",
        help="(administrators) add, list or unlock editors (file named by PORTFOLIO_EDITORS)",
        description="Manage the editors file (PORTFOLIO_EDITORS, outside the repository). The "
        "password of `add` is read from standard input (one line).",
    )
    actions = p.add_subparsers(dest="editors_action", required=True)
    p_add = actions.add_parser(
        "add", help="add or replace an editor; the password is read from standard input"
    )
    p_add.add_argument("username")
    p_add.add_argument("--department", default="", help="the department (as owner_current names it)")
    p_add.add_argument("--admin", action="store_true", help="an administrator (may change every project)")
    actions.add_parser("list", help="list editors (no hashes)")
    p_unlock = actions.add_parser("unlock", help="clear an editor's failed logins")
    p_unlock.add_argument("username")


def cmd_editors(args: argparse.Namespace) -> int:
    from portfolio import auth

    try:
        if args.editors_action == "add":
            password = sys.stdin.readline().rstrip("\n")
            editor = auth.add_editor(
                args.username, password, args.department, "admin" if args.admin else "editor"
            )
            scope = editor.department or "all departments"
            print(f"editor {editor.username} ({editor.role}, {scope}) saved in {auth.editors_path()}")
        elif args.editors_action == "unlock":
            auth.unlock(args.username)
            print(f"{args.username}: unlocked")
        else:
            for e in auth.list_editors():
                print(f"{e['username']}\t{e['role']}\t{e['department']}")
    except auth.AuthError as exc:
        print(f"editors: {exc.message('en')}", file=sys.stderr)
        return 1
    return 0


COMMANDS["editors"] = cmd_editors


def _add_roles_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from portfolio.stores.commands import add_database_flag

    p = sub.add_parser(
        "roles",
        help="(administrators) PostGIS: one login role per department, row-level security",
        description="Make the database login role of a department (or of the administrators) and "
        "give it to that department's editors in the editors file; run as the owner "
        "of the tables (the role that ran `db init`). `sync` recomputes which "
        "department answers for which project (after `db push`).",
    )
    actions = p.add_subparsers(dest="roles_action", required=True)
    p_add = actions.add_parser("add", help="make (or reset) a department's role")
    p_add.add_argument("department", nargs="?", default="", help="the department, as owner_current names it")
    p_add.add_argument("--admin", action="store_true", help="the administrators' role (every project)")
    p_sync = actions.add_parser("sync", help="recompute the projects each department role may change")
    for parser in (p_add, p_sync):
        add_database_flag(parser, required_text="the database, as the owner of its tables")


def cmd_roles(args: argparse.Namespace) -> int:
    from portfolio import auth, db_changes

    if not args.database:
        print("roles: give --database URL (or set PORTFOLIO_DATABASE_URL)", file=sys.stderr)
        return 2
    try:
        if args.roles_action == "sync":
            print(f"{db_changes.sync_departments(args.database)} project-department pair(s)")
            return 0
        if not args.admin and not args.department.strip():
            print("roles add: name the department, or give --admin", file=sys.stderr)
            return 2
        role, password = db_changes.create_role(
            args.database, args.department or "administrators", admin=args.admin
        )
        given = auth.set_database_role(args.department if not args.admin else "", role, password)
    except auth.AuthError as exc:
        print(f"roles: {exc.message('en')}", file=sys.stderr)
        return 1
    except Exception as exc:  # psycopg raises many types; one line, never a traceback
        print(f"roles: the database refused: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        return 1
    print(f"role {role} ready; given to {given} editor(s) in {auth.editors_path()}")
    return 0


COMMANDS["roles"] = cmd_roles
