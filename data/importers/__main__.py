"""Command line: import one file and print the report.

    python -m data.importers SOURCE FILE [--dry-run] [--option NAME=VALUE ...]
    python -m data.importers --list

Exit codes: 0 loaded, unchanged or (dry run) valid; 1 the file was rejected or failed; 2 usage error (unknown
source, missing file, bad option). Uses DATABASE_URL (default: the local SQLite file); creates missing tables.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from data import migrate
from data.db import make_engine
from data.importers import SOURCES, load_upload
from settings import SettingsError, get_settings


def _options(items: Sequence[str], parser: argparse.ArgumentParser) -> dict[str, str]:
    options = {}
    for item in items:
        if "=" not in item:
            parser.error(f"--option expects NAME=VALUE, got {item!r}")
        name, value = item.split("=", 1)
        options[name.strip()] = value.strip()
    return options


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m data.importers", description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", help="what the file is: " + ", ".join(SOURCES))
    parser.add_argument("file", nargs="?", type=Path, help="the file to import")
    parser.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
    parser.add_argument("--option", "-o", action="append", default=[], metavar="NAME=VALUE",
                        help="a source option, e.g. level=lsoa (boundaries) or kpi=93356=CAMPY (fingertips)")
    parser.add_argument("--list", action="store_true", help="list the sources and their options")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.list:
        for s in SOURCES.values():
            opts = f" [options: {', '.join(s.options)}]" if s.options else ""
            print(f"{s.name:18} {s.label}{opts}\n{'':18} {s.description}")
        return 0
    if args.source not in SOURCES or args.file is None:
        print(f"usage: python -m data.importers SOURCE FILE [--dry-run]; SOURCE is one of: {', '.join(SOURCES)}",
              file=sys.stderr)
        return 2
    if not args.file.is_file():
        print(f"no such file: {args.file}", file=sys.stderr)
        return 2
    try:
        options = _options(args.option, parser)
    except SystemExit as exc:
        return int(exc.code or 2)
    unknown = set(options) - set(SOURCES[args.source].options)
    if unknown:
        print(f"{args.source} does not understand the option(s) {', '.join(sorted(unknown))}; it takes: "
              f"{', '.join(SOURCES[args.source].options) or 'none'}", file=sys.stderr)
        return 2
    try:
        engine = make_engine(get_settings().resolved_database_url)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    migrate.upgrade(engine)
    report = load_upload(engine, args.source, args.file.read_bytes(), args.file.name, options=options,
                         dry_run=args.dry_run)
    print(report.text(limit=200))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
