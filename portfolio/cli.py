"""Command-line interface: ``python -m portfolio`` / ``portfolio``.

A thin layer over the library: every sub-command parses flags, calls one library function and
prints. Exit status: 0 success, 1 the input failed validation or an export failed, 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from portfolio.register import DEFAULT_GEODATA, DEFAULT_REGISTER
from portfolio.stores.commands import add_database_flag, add_db_parser, cmd_db, validate_database
from portfolio.validate import validate


def _add_input_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--register", type=Path, default=DEFAULT_REGISTER, help="register CSV (default: %(default)s)"
    )
    parser.add_argument(
        "--geodata",
        type=Path,
        default=DEFAULT_GEODATA,
        help="folder with projects.geojson and city_boundary.geojson (default: %(default)s)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portfolio",
        description="Cần Thơ infrastructure portfolio: check the register, list, count and export projects. "
        "Exit status: 0 success, 1 invalid input or failed export, 2 usage error.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_validate = sub.add_parser("validate", help="check the register and geodata; one line per problem")
    _add_input_flags(p_validate)
    add_database_flag(p_validate)
    p_admin = sub.add_parser(
        "admin-areas",
        help="(maintainers) recompute communes and old districts from reference boundary layers",
    )
    _add_input_flags(p_admin)
    p_admin.add_argument(
        "--reference",
        type=Path,
        required=True,
        help="folder with cantho2025_wards_103.geojson and cantho_old_districts_gisgov.geojson",
    )
    assets_help = "copy Leaflet from its installed package into static/vendor/ (set-up)"
    sub.add_parser(
        "assets",
        help=assets_help,
        description="Copy Leaflet from its installed package into static/vendor/: the map loads "
        "it from the app, never from a CDN. `make setup` runs it.",
    )
    _add_query_commands(sub)
    add_db_parser(sub, _add_input_flags)
    from portfolio import cli_changes  # review, change, history (issue 10)

    cli_changes.add_commands(sub)
    from portfolio import cli_reports  # report: PDF sheet and portfolio report (issue 15)

    cli_reports.add_command(sub)
    from portfolio import cli_views  # show (the card) and serve (the app), issue 14

    cli_views.add_commands(sub)
    return parser


def cmd_validate(args: argparse.Namespace) -> int:
    if args.database:
        return validate_database(args.database, args.geodata)
    problems = validate(args.register, args.geodata)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    print(f"OK: {args.register} and {args.geodata} are valid")
    return 0


def _print_problems(exc: Any, what: str) -> int:
    """Print each problem of an :class:`~portfolio._errors.InputError` on one line; return 1."""
    for problem in exc.problems:
        print(problem, file=sys.stderr)
    print(f"{len(exc.problems)} problem(s) in {what}", file=sys.stderr)
    return 1


def cmd_admin_areas(args: argparse.Namespace) -> int:
    from portfolio._errors import InputError, RegisterError
    from portfolio.admin import read_reference, update_register
    from portfolio.register import load

    try:
        frame = load(args.register, args.geodata)
    except RegisterError as exc:
        return _print_problems(exc, "the register: run `portfolio validate`")
    try:
        layers = read_reference(args.reference)
    except InputError as exc:
        return _print_problems(exc, "the reference layers")
    try:
        changed = update_register(args.register, frame, layers)
    except InputError as exc:
        return _print_problems(exc, "the register")
    print(f"{args.register}: {changed} cell(s) updated from {args.reference}")
    return 0


def cmd_assets(args: argparse.Namespace) -> int:
    from portfolio import assets

    try:
        copied = assets.install()
    except (assets.AssetError, OSError) as exc:
        print(f"assets: {exc}", file=sys.stderr)
        return 1
    print(f"OK: {len(copied)} file(s) of Leaflet {assets.LEAFLET_VERSION} in {assets.VENDOR_DIR}")
    return 0


# ---------------------------------------------------------------- list, stats, export (library, issue 3)


def filter_help() -> str:
    """The filter flags' epilog, from the criteria (:data:`portfolio.query.CRITERIA`): an example of
    each flag, and the rules that need saying in the words the app's help uses (the catalogue's English)."""
    import textwrap

    from portfolio import i18n
    from portfolio.query import CRITERIA

    lines = ["filters (AND between flags; repeat a flag for OR; commas separate values too, not --owner):"]
    examples = "   ".join(c.example.replace(" ", "\N{NO-BREAK SPACE}") for c in CRITERIA if not c.about)
    lines += [
        line.replace("\N{NO-BREAK SPACE}", " ")  # (an example is never cut between its flag and its value)
        for line in textwrap.wrap(examples, 108, initial_indent="  ", subsequent_indent="  ")
    ]
    for criterion in CRITERIA:
        if criterion.about:
            body = textwrap.wrap(i18n.t(criterion.about, "en"), 110 - 26)
            lines.append(f"  {criterion.example:<24}{body[0]}")
            lines += [" " * 26 + line for line in body[1:]]
    return "\n".join(lines)


class _Once(argparse.Action):
    """Store a flag's value; a second occurrence is a usage error (exit 2) rather than silently winning."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        if getattr(namespace, self.dest, None) is not None:
            parser.error(f"{option_string} given twice; give one {self.metavar or self.dest}")
        setattr(namespace, self.dest, values)


def _as_of_day(text: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _add_filter_flags(parser: argparse.ArgumentParser) -> None:
    from portfolio.query import PARAMETERS

    _add_input_flags(parser)
    add_database_flag(parser)
    group = parser.add_argument_group("filters")
    for param in PARAMETERS:  # every parameter of the Filter, as the URL names it (portfolio.query)
        group.add_argument(
            param.flag,
            dest=_dest(param.name),
            action="append" if param.many else _Once,  # a single-valued flag given twice: exit 2
            metavar=param.metavar,
            help=param.help,
        )
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        type=_as_of_day,
        help="the register as it stood at the end of DATE (YYYY-MM-DD, Vietnam time), "
        "rebuilt from its audit file (issue 10)",
    )


def _dest(param: str) -> str:
    """The namespace attribute of a filter flag (``from`` is a keyword: ``filter_from``)."""
    return "filter_" + param


def _add_query_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from portfolio.export import FORMAT_CRS, FORMATS, OUTPUT_SUFFIXES, REGISTRY

    formatter = argparse.RawDescriptionHelpFormatter
    p_list = sub.add_parser(
        "list",
        help="a readable table of the projects a filter selects",
        epilog=filter_help(),
        formatter_class=formatter,
    )
    _add_filter_flags(p_list)
    p_list.add_argument(
        "--lang", choices=("vi", "en"), default="vi", help="name column language (default: vi)"
    )
    p_stats = sub.add_parser(
        "stats",
        help="counts by status, sector, funding; total km and ha (VN-2000)",
        epilog=filter_help(),
        formatter_class=formatter,
    )
    _add_filter_flags(p_stats)
    p_stats.add_argument("--json", action="store_true", help="print the figures as JSON")
    crs_help = "; ".join(f"{fmt}: {' or '.join(crss)}" for fmt, crss in FORMAT_CRS.items())
    p_export = sub.add_parser(
        "export",
        help="write exactly the filtered projects to a file",
        epilog=filter_help(),
        formatter_class=formatter,
    )
    _add_filter_flags(p_export)
    p_export.add_argument(
        "--format",
        "-f",
        dest="fmt",
        action=_Once,
        required=True,
        choices=FORMATS,
        help="output format: " + ", ".join(f"{f.name} ({f.label['en']})" for f in REGISTRY),
    )
    suffixes = "; ".join(f"{fmt}: {' or '.join(ends)}" for fmt, ends in OUTPUT_SUFFIXES.items())
    companions = "".join(f"{f.name} also writes PATH{c.ending}; " for f in REGISTRY for c in f.companions)
    p_export.add_argument(
        "-o",
        "--output",
        action=_Once,
        required=True,
        metavar="PATH",
        help=f"output file, named by format ({suffixes}); {companions}'-' (standard output) is not supported",
    )
    p_export.add_argument(
        "--crs",
        action=_Once,
        help=f"output CRS (first = default): {crs_help}; OGC:CRS84 (or CRS84) is read as EPSG:4326",
    )
    for command_parser in (p_list, p_stats, p_export):
        command_parser.set_defaults(command_parser=command_parser)  # for usage errors (exit 2)


def _filter_from_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Any:
    from portfolio._errors import QueryError
    from portfolio.query import PARAMETERS, Filter

    params = {p.name: getattr(args, _dest(p.name)) for p in PARAMETERS}
    try:
        return Filter.from_params({k: v for k, v in params.items() if v is not None})
    except QueryError as exc:
        parser.error(str(exc))


def _load_selected(parser: argparse.ArgumentParser, args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """(filter, whole register, selected projects), or exit 2 / 1 with a message."""
    from portfolio._errors import QueryError, RegisterError, StoreError
    from portfolio.register import load

    flt = _filter_from_args(parser, args)
    try:
        if getattr(args, "as_of", None) is not None:  # rebuilt from the audit (portfolio.audit)
            from portfolio.audit import frame_as_of

            frame = frame_as_of(args.register, args.geodata, args.as_of, args.database or "")
        else:
            frame = load(args.register, args.geodata, database=args.database or "")
    except RegisterError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        if not isinstance(exc, StoreError):  # a store fault is its one line
            where = " --database URL" if args.database else ""
            print(
                f"{len(exc.problems)} problem(s) in the register: run `portfolio validate{where}`",
                file=sys.stderr,
            )
        raise SystemExit(1) from None
    try:
        selected = flt.apply(frame, strict=True)
    except QueryError as exc:
        parser.error(str(exc))
    return flt, frame, selected


def _measure_cell(km: float, ha: float) -> str:
    import math

    if not math.isnan(km):
        return f"{km:,.1f} km"
    if not math.isnan(ha):
        return f"{ha:,.0f} ha"
    return ""


def format_table(selected: Any, lang: str = "vi", width: int | None = None) -> str:
    """The ``list`` table: id, status, period, size (km of lines, ha of zones), name.

    The period is ``period_start–period_end``, followed by ``→ START–END`` where a later source
    moved it (the last ``period_history`` entry differs).

    Names are cut to ``width`` characters of line (default: the terminal's width, or ``COLUMNS``,
    when standard output is a terminal; never cut when it goes to a file or a pipe, whatever
    ``COLUMNS`` says).
    """
    import shutil

    from portfolio._periods import latest_if_different, period_text
    from portfolio.measure import with_measures

    if width is None and sys.stdout.isatty():
        width = shutil.get_terminal_size((120, 24)).columns
    measured = with_measures(selected)
    periods = [
        (own or "—") + (f" → {now}" if now else "")
        for own, now in zip(period_text(measured), latest_if_different(measured), strict=True)
    ]
    rows = [
        (i, st, period, _measure_cell(km, ha), name)
        for i, st, period, km, ha, name in zip(
            measured["id"],
            measured["status"],
            periods,
            measured["length_km"],
            measured["area_ha"],
            measured[f"name_{lang}"],
            strict=True,
        )
    ]
    header = ("id", "status", "period", "size", "name")
    widths = [max([len(header[c])] + [len(r[c]) for r in rows]) for c in range(4)]
    name_width = max(20, width - sum(widths) - 8) if width else 10_000

    def line(cells: tuple[str, ...]) -> str:
        name = cells[4] if len(cells[4]) <= name_width else cells[4][: name_width - 1] + "…"
        return "  ".join(
            [
                cells[0].ljust(widths[0]),
                cells[1].ljust(widths[1]),
                cells[2].ljust(widths[2]),
                cells[3].rjust(widths[3]),
                name,
            ]
        ).rstrip()

    out = [line(header), line((*("-" * w for w in widths), "-" * min(name_width, 40)))]
    out += [line(r) for r in rows]
    return "\n".join(out)


def cmd_list(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from portfolio.query import by_relevance

    flt, frame, selected = _load_selected(parser, args)
    selected = by_relevance(selected, flt.search)  # best hits first: id or name, place, owner, notes
    if len(selected):
        print(format_table(selected, args.lang))
        print()
    print(f"{len(selected)} of {len(frame)} projects; filter: {flt.describe()}")
    return 0


def cmd_stats(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    import json

    from portfolio.export import register_as_of
    from portfolio.measure import summary

    flt, frame, selected = _load_selected(parser, args)
    figures = summary(selected)
    if args.json:
        data = {
            "filter": flt.describe(),
            "filter_params": flt.to_params(),
            "register_as_of": register_as_of(frame),
            **figures.to_dict(),
        }
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(f"Filter: {flt.describe()}")
    print(f"Register as of {register_as_of(frame)} ({len(frame)} projects)")
    print(figures.format())
    return 0


def _refuse_overwriting_inputs(
    parser: argparse.ArgumentParser, args: argparse.Namespace, outputs: tuple[Path, ...] | None = None
) -> None:
    """Exit 2 when the export (or its CSV sidecar) would land on the register, the geodata folder or
    one of its files, symbolic links followed (``-o projects.csv`` from the repository root).
    ``outputs`` are the files written (default: what the export format ``args.fmt`` writes)."""
    import os

    from portfolio.export import outputs as export_outputs

    inputs = {
        os.path.realpath(args.register): f"the register {args.register}",
        os.path.realpath(args.geodata): f"the geodata folder {args.geodata}",
    }
    if args.geodata.is_dir():
        for file in args.geodata.iterdir():
            inputs.setdefault(os.path.realpath(file), f"{file}, a file of the geodata folder {args.geodata}")
    for output in outputs if outputs is not None else export_outputs(args.output, args.fmt):
        taken = inputs.get(os.path.realpath(output))
        if taken is not None:
            parser.error(
                f"refusing to write {output}: it is {taken}, an input of this export; "
                "choose another output file"
            )


def cmd_export(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from portfolio._errors import ExportError
    from portfolio._files import write_target
    from portfolio.export import CRS_NAMES, check_output_name, export, output_crs, outputs, register_as_of

    try:
        crs = output_crs(args.fmt, args.crs)
    except ExportError as exc:
        parser.error(str(exc))
    from portfolio import _terminal

    bad = _terminal.control_character(args.output)
    if bad is not None:
        parser.error(
            f"-o {_terminal.shown_name(args.output)}: the name holds the control character {bad}; "
            "give a name without control characters (nothing was written)"
        )
    if args.output == "-":
        parser.error("-o -: writing to standard output is not supported; give a file name")
    if args.output.endswith(("/", os.sep)):
        parser.error(f"-o {args.output}: names a folder; give a file name")
    args.output = Path(args.output)
    _refuse_overwriting_inputs(parser, args)
    try:
        check_output_name(args.output, args.fmt)
    except ExportError as exc:
        parser.error(str(exc))
    for place in outputs(args.output, args.fmt):
        try:  # the folder exists (none is created), the file is absent or a regular file
            write_target(place)
        except OSError as exc:
            parser.error(f"cannot write {place}: {exc.strerror or exc}")
    flt, frame, selected = _load_selected(parser, args)
    as_of = register_as_of(frame)
    if "register_version" not in selected.attrs:  # the version the export came from (portfolio.changes)
        from portfolio.changes import Target

        selected = selected.copy()
        target = Target(args.register, args.geodata, args.database or "")
        selected.attrs["register_version"] = target.state().register_version()
    try:
        path = export(selected, args.output, args.fmt, crs=crs, filter=flt, as_of=as_of)
    except ExportError as exc:
        print(f"export failed: {exc}", file=sys.stderr)
        return 1
    print(f"Wrote {len(selected)} of {len(frame)} projects to {path} ({args.fmt}, {crs}: {CRS_NAMES[crs]})")
    for companion in outputs(path, args.fmt)[1:]:  # the CSV's sidecar
        print(f"Metadata: {companion}")
    print(f"Filter: {flt.describe()}")
    print(f"Register as of {as_of}")
    if args.as_of is not None:
        version = selected.attrs["register_version"]
        print(f"Register as it stood at the end of {args.as_of}: version {version}")
    return 0


QUERY_COMMANDS = {"list": cmd_list, "stats": cmd_stats, "export": cmd_export}


def _cmd_report(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from portfolio.cli_reports import cmd_report

    return cmd_report(args, parser)


QUERY_COMMANDS["report"] = _cmd_report  # issue 15

COMMANDS = {"validate": cmd_validate, "admin-areas": cmd_admin_areas, "assets": cmd_assets, "db": cmd_db}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI: no raw control code reaches the terminal, and SIGTERM cleans up like Ctrl-C."""
    import logging

    from portfolio import _signals, _terminal

    log = logging.getLogger("portfolio")  # the removal of what a killed run left is said on stderr
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("portfolio: %(message)s"))
    log.addHandler(handler)
    try:
        with _terminal.escaped_output(), _signals.sigterm_as_interrupt():
            handler.setStream(sys.stderr)
            return _main(argv)
    except KeyboardInterrupt as interrupt:  # Ctrl-C or SIGTERM: every temporary file is already removed
        what = f" by {interrupt}" if isinstance(interrupt, _signals.Terminated) else ""
        print(
            f"portfolio: interrupted{what}; its temporary files are removed, a file being written was not "
            "put in place",
            file=sys.stderr,
        )
        return _signals.exit_status(interrupt)
    finally:
        log.removeHandler(handler)


def _main(argv: Sequence[str] | None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    if given[:1] == ["serve"] and not {"-h", "--help"} & set(given[1:]):  # the rest is Streamlit's flags
        from portfolio.serve import serve

        return serve(given[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in QUERY_COMMANDS:
        try:
            return QUERY_COMMANDS[args.command](args, args.command_parser)
        except BrokenPipeError:  # `portfolio list | head`: the reader left; not an error
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    from portfolio import cli_changes

    if args.command in cli_changes.COMMANDS:
        return cli_changes.COMMANDS[args.command](args)
    from portfolio import cli_views

    if args.command in cli_views.COMMANDS:
        return cli_views.COMMANDS[args.command](args)
    return COMMANDS[args.command](args)
