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

    add(parser)


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``review``, ``change`` and ``history`` on the top-level parser's sub-commands."""
    p_review = sub.add_parser(
        "review", help="the review queue: projects whose status needs checking, per department, oldest first",
        description="List the projects that need review: status evidence (status_as_of) over 12 months old, "
                    "planned with their latest period ended, or under construction past their end year; "
                    "grouped by department (owner_current, else owner), oldest evidence first.")
    _add_input_flags(p_review)
    p_review.add_argument("--department", metavar="NAME",
                          help="only this department's projects (as the owner filter reads names)")
    p_review.add_argument("--today", type=date.fromisoformat, metavar="YYYY-MM-DD",
                          help="count ages to this day (default: today)")
    p_review.add_argument("--lang", choices=("vi", "en"), default="en", help="language (default: en)")


def _load(args: argparse.Namespace) -> Any:
    from portfolio._errors import RegisterError
    from portfolio.register import load

    try:
        return load(args.register, args.geodata)
    except RegisterError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in the register: run `portfolio validate`", file=sys.stderr)
        raise SystemExit(1) from None


def cmd_review(args: argparse.Namespace) -> int:
    from portfolio import review

    frame = _load(args)
    data = review.queue(frame, args.today, args.department)
    print(review.format_queue(data, args.lang))
    counts = data.groupby("department", sort=False).size()
    print(f"\n{len(data)} of {len(frame)} projects need review, in {len(counts)} department(s)")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"review": cmd_review}
