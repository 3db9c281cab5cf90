"""``portfolio report``: a project sheet (``--id``) or the report of a filtered set, as PDF (issue 15).

A thin layer over :mod:`portfolio.reports`: the same filter flags as ``list`` and ``export``, the
same checks of the output name as ``export`` (no ``-``, no folder, never an input of the command, the
folder must exist), and an atomic write (:func:`portfolio._files.write_bytes_atomic`).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``report`` with the same filter flags as ``list`` / ``export``."""
    from portfolio import cli

    parser = sub.add_parser(
        "report",
        help="a PDF: one project's sheet (--id) or the report of the filtered projects",
        description="Write a one-page project sheet (--id ID) or a portfolio report of exactly the projects "
        "the filters select (map, figures, Gantt with slippage, table), in Vietnamese or English.",
        epilog=cli.filter_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli._add_filter_flags(parser)
    parser.add_argument(
        "--id",
        dest="project_id",
        action=cli._Once,
        metavar="ID",
        help="write this project's one-page sheet (no filter flags with it)",
    )
    parser.add_argument(
        "-o",
        "--output",
        action=cli._Once,
        required=True,
        metavar="PATH",
        help="output file, ending in .pdf; '-' (standard output) is not supported",
    )
    parser.add_argument("--lang", choices=("vi", "en"), default="vi", help="language (default: vi)")
    parser.set_defaults(command_parser=parser)


def _check_output(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """The checks ``export`` makes of ``-o`` (exit 2 with one line), for a PDF."""
    from portfolio import cli
    from portfolio._files import write_target

    if args.output == "-":
        parser.error("-o -: writing to standard output is not supported; give a file name")
    if args.output.endswith(("/", os.sep)):
        parser.error(f"-o {args.output}: names a folder; give a file name")
    args.output = Path(args.output)
    cli._refuse_overwriting_inputs(parser, args, outputs=(args.output,))  # a PDF has no companion file
    if not args.output.name.lower().endswith(".pdf"):
        parser.error(f"report output must end in .pdf (a PDF file); got {str(args.output)!r}")
    try:
        write_target(args.output)
    except OSError as exc:
        parser.error(f"cannot write {args.output}: {exc.strerror or exc}")


def _register_version(args: argparse.Namespace, frame: Any) -> str:
    if frame.attrs.get("register_version"):
        return str(frame.attrs["register_version"])
    if args.database:
        from portfolio.stores import open_store

        return str(open_store(args.database, register=args.register, geodata=args.geodata).version())
    from portfolio.changes import read_state

    return str(read_state(args.register, args.geodata).register_version())


def cmd_report(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from portfolio import cli, reports
    from portfolio._errors import PortfolioError
    from portfolio._files import write_bytes_atomic

    _check_output(parser, args)
    if args.project_id is not None and not cli._filter_from_args(parser, args).is_empty:
        parser.error("--id writes one project's sheet: give no filter flag with it")
    flt, frame, selected = cli._load_selected(parser, args)
    version = _register_version(args, frame)
    try:
        if args.project_id is not None:
            history = None
            if not args.database and args.as_of is None:  # the audit of the files store
                history = reports.project_history(args.register, args.geodata, args.project_id)
            data = reports.project_sheet(
                args.project_id,
                args.lang,
                frame=frame,
                geodata=args.geodata,
                register_version=version,
                history=history,
            )
        else:
            data = reports.portfolio_report(
                selected, flt, args.lang, total=len(frame), geodata=args.geodata, register_version=version
            )
        write_bytes_atomic(args.output, data)
    except reports.UnknownProjectError as exc:
        print(f"report: {exc} in {args.register if not args.database else 'the database'}", file=sys.stderr)
        return 1
    except (PortfolioError, OSError) as exc:
        print(f"report failed: {exc}", file=sys.stderr)
        return 1
    if args.project_id is not None:
        print(
            f"Wrote the project sheet of {args.project_id} to {args.output} "
            f"({len(data):,} bytes, {args.lang})"
        )
    else:
        print(
            f"Wrote the report of {len(selected)} of {len(frame)} projects to {args.output} "
            f"({len(data):,} bytes, {args.lang})"
        )
        print(f"Filter: {flt.describe()}")
    print(f"Register version {version}")
    return 0
