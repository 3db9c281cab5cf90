"""``portfolio show ID`` (a project's card, as the app shows it) and ``portfolio serve`` (the app).

Both are views over the library: ``show`` prints :func:`portfolio.present.card` as text, the same
card the app lays out; ``serve`` starts the app with its first run's work done (:mod:`portfolio.serve`).
"""

from __future__ import annotations

import argparse
import sys


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``show`` and ``serve``."""
    from portfolio import cli

    show = sub.add_parser(
        "show",
        help="print one project's card: a short summary, its sources, then every other field",
        description="Print a project's card as the app shows it (portfolio.present): name, status with "
        "its age, period, owner, funding, length or area, sources, then every other field with a value.",
    )
    cli._add_input_flags(show)
    show.add_argument("project_id", metavar="ID", help="the project's id")
    show.add_argument("--lang", choices=("vi", "en"), default="vi", help="language (default: vi)")
    serve = sub.add_parser(
        "serve",
        help="start the app (streamlit run app.py) with the first page's work done at start-up",
        description="Warm up (imports, the register's load, the map's first build), then run "
        "`streamlit run app.py` in the same process; any further arguments are Streamlit's flags "
        "(for example --server.port=8501).",
    )
    serve.add_argument("streamlit_flags", nargs=argparse.REMAINDER, help="flags passed to Streamlit")


def cmd_show(args: argparse.Namespace) -> int:
    from portfolio import measure, present, register
    from portfolio._errors import RegisterError

    try:
        full = register.load(args.register, args.geodata)
    except RegisterError as exc:
        print(f"{len(exc.problems)} problem(s) in the register: run `portfolio validate`", file=sys.stderr)
        return 1
    rows = full[full["id"] == args.project_id]
    if rows.empty:
        print(f"no project with id {args.project_id!r}", file=sys.stderr)
        return 1
    print(present.card_text(present.card(measure.with_measures(rows).iloc[0], full, args.lang), args.lang))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from portfolio.serve import serve

    return serve(list(args.streamlit_flags))


COMMANDS = {"show": cmd_show, "serve": cmd_serve}
