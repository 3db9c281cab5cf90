"""The ``db`` commands of the CLI (``portfolio db init|push|pull|status``) and ``validate --database``.

Exit status as the rest of the CLI: 0 success, 1 a store fault or a register that breaks a rule
(one line per problem; a store fault is one line), 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from portfolio._errors import RegisterError, StoreError
from portfolio.stores import DATABASE_ENV, is_database_url, redact


def add_database_flag(parser: argparse.ArgumentParser, *, required_text: str = "") -> None:
    """``--database URL`` (default: ``PORTFOLIO_DATABASE_URL``; the files when neither is given)."""
    parser.add_argument(
        "--database",
        metavar="URL",
        default=os.environ.get(DATABASE_ENV) or None,
        help=required_text
        or f"read the register from this PostgreSQL + PostGIS database "
        f"(postgresql://USER:PASSWORD@HOST:PORT/DBNAME; default: ${DATABASE_ENV}, "
        "else the files)",
    )


def add_db_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    add_inputs: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register ``db`` and its four sub-commands; ``add_inputs`` adds ``--register``/``--geodata``."""
    p_db = sub.add_parser(
        "db",
        help="the shared register in PostgreSQL + PostGIS: init, push, pull, status",
        description="Keep the register in a PostgreSQL + PostGIS database. The URL comes "
        f"from --database or ${DATABASE_ENV}.",
    )
    db_sub = p_db.add_subparsers(dest="db_command", required=True)
    need = f"the database (postgresql://USER:PASSWORD@HOST:PORT/DBNAME; default: ${DATABASE_ENV})"
    p_init = db_sub.add_parser(
        "init", help="create PostGIS and the register schema; apply the pending migrations"
    )
    p_push = db_sub.add_parser(
        "push", help="replace the database's register by the files' (validated first, one transaction)"
    )
    p_pull = db_sub.add_parser(
        "pull",
        help="write the database's register to the files (validated first; both files replaced atomically)",
    )
    p_status = db_sub.add_parser("status", help="schema version, rows and change counter of the database")
    for parser in (p_init, p_push, p_pull, p_status):
        add_database_flag(parser, required_text=need)
        parser.set_defaults(db_parser=parser)
    for parser in (p_push, p_pull):
        add_inputs(parser)


def _url(args: argparse.Namespace) -> str:
    url = args.database
    parser: argparse.ArgumentParser = args.db_parser
    if not url:
        parser.error(f"no database: give --database URL or set {DATABASE_ENV}")
    if not is_database_url(url):
        parser.error(
            f"--database {redact(url)}: not a database URL; give postgresql://USER:PASSWORD@HOST:PORT/DBNAME"
        )
    return str(url)


def _fail(exc: RegisterError, what: str) -> int:
    for problem in exc.problems:
        print(problem, file=sys.stderr)
    if not isinstance(exc, StoreError):
        print(f"{len(exc.problems)} problem(s) in {what}: nothing was written", file=sys.stderr)
    return 1


def cmd_db(args: argparse.Namespace) -> int:
    """Run ``db init|push|pull|status``."""
    from portfolio.stores import postgis

    url = _url(args)
    label = redact(url)
    try:
        if args.db_command == "init":
            applied = postgis.init(url)
            if applied:
                names = ", ".join(f"{m.version} ({m.name})" for m in applied)
                print(f"{label}: applied migration(s) {names}; schema version {postgis.schema_version()}")
            else:
                print(f"{label}: schema already at version {postgis.schema_version()}; nothing to do")
        elif args.db_command == "push":
            count = postgis.push(url, args.register, args.geodata)
            print(f"Pushed {count} projects from {args.register} and {args.geodata} to {label}")
        elif args.db_command == "pull":
            count = postgis.pull(url, args.register, args.geodata)
            print(
                f"Pulled {count} projects from {label} into {args.register} and "
                f"{Path(args.geodata) / 'projects.geojson'}"
            )
        else:
            st = postgis.status(url)
            print(f"database: {st.label}")
            print(f"PostGIS: {st.postgis or 'not installed'}")
            print(
                f"schema version: {st.schema_version if st.schema_version else 'none (run db init)'} "
                f"(this code: {st.code_version})"
            )
            if st.rows is not None:
                print(f"projects: {st.rows}")
            if st.counter is not None:
                print(f"change counter: {st.counter} (last change {st.changed_at})")
    except RegisterError as exc:
        return _fail(exc, "the files" if args.db_command == "push" else "the database's register")
    except OSError as exc:
        print(
            f"db {args.db_command}: cannot write {exc.filename or ''}: {exc.strerror or exc}; "
            "nothing was written",
            file=sys.stderr,
        )
        return 1
    return 0


def validate_database(url: str, geodata: Path) -> int:
    """``validate --database URL``: every rule over the database's register; one line per problem."""
    from portfolio.stores import open_store
    from portfolio.validate import validate_inputs

    try:
        store = open_store(url, geodata=geodata)
        inputs = store.read()
    except StoreError as exc:
        return _fail(exc, "the database")
    _, problems = validate_inputs(inputs)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    print(f"OK: {store.label} is valid ({len(inputs.register.rows) if inputs.register else 0} projects)")
    return 0
