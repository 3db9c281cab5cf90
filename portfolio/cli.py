"""Command-line interface: ``python -m portfolio`` / ``portfolio``.

A thin layer over the library: every sub-command parses flags, calls one library function and
prints. Exit status: 0 success, 1 the input failed validation or an export failed, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from portfolio.register import DEFAULT_GEODATA, DEFAULT_REGISTER
from portfolio.validate import validate


def _add_input_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--register", type=Path, default=DEFAULT_REGISTER,
                        help="register CSV (default: %(default)s)")
    parser.add_argument("--geodata", type=Path, default=DEFAULT_GEODATA,
                        help="folder with projects.geojson and city_boundary.geojson (default: %(default)s)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portfolio", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_validate = sub.add_parser("validate", help="check the register and geodata; one line per problem")
    _add_input_flags(p_validate)
    p_admin = sub.add_parser(
        "admin-areas",
        help="(maintainers) recompute communes and old districts from reference boundary layers",
    )
    _add_input_flags(p_admin)
    p_admin.add_argument("--reference", type=Path, required=True,
                         help="folder with cantho2025_wards_103.geojson and cantho_old_districts_gisgov.geojson")
    sub.add_parser("assets", help="copy Leaflet from its installed package into static/vendor/ (set-up)")
    return parser


def cmd_validate(args: argparse.Namespace) -> int:
    problems = validate(args.register, args.geodata)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    print(f"OK: {args.register} and {args.geodata} are valid")
    return 0


def cmd_admin_areas(args: argparse.Namespace) -> int:
    from portfolio.admin import read_reference, update_register
    from portfolio.register import load

    frame = load(args.register, args.geodata)
    changed = update_register(args.register, frame, read_reference(args.reference))
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


COMMANDS = {"validate": cmd_validate, "admin-areas": cmd_admin_areas, "assets": cmd_assets}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return COMMANDS[args.command](args)
