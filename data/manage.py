"""Command line for the database: create the schema, load the demo, rebuild or reset.

    python -m data.manage init              # migrate the schema; load the demo when empty (what the app does)
    python -m data.manage migrate           # migrate the schema to the newest revision, nothing else
    python -m data.manage grant-read ROLE   # let a PostgreSQL role read (only read) every table: hosted viewers
    python -m data.manage revision -m MSG   # developers: autogenerate a migration after changing models.py
    python -m data.manage rebuild [--scale england] [--seed N]   # drop everything, load a fresh demo
    python -m data.manage reset             # drop everything and leave an empty schema
    python -m data.manage status            # what is loaded
    python -m data.manage load-folder DIR [DIR or FILE ...] [--dry-run]   # import every published file found
    python -m data.manage derive-catchments [--k N]   # indicative PCN areas from the loaded LSOAs and practices
    python -m data.manage board-pack [--borough CODE] [--pcn CODE] [--workstream CODE] [--kpi CODE]
                                     [--period YYYY-MM] --out FILE.pdf   # the monthly board pack as a PDF

Uses DATABASE_URL (default: the local SQLite file). Exits non-zero with a message on failure.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlmodel import Session, SQLModel

from data import migrate, queries
from data.db import drop_schema, is_empty, make_engine
from data.demo.spec import DEMO_SEED
from data.importers.boundaries import run_indicative_catchments
from data.importers.folder import FileItem, load_files, read_folder
from settings import SettingsError, get_settings

if TYPE_CHECKING:
    from data.demo import DemoSummary


def ensure_database(engine: Engine, *, demo_on_empty: bool = True, scale: str = "ncl") -> DemoSummary | None:
    """Migrate the schema to the newest revision and, when the database holds no KPIs, load the demo.

    Later calls change nothing. Safe when two processes start together on one empty database: migrations take
    a lock, and the loser of the demo race sees the winner's unique-key violation and finds the database filled.
    """
    migrate.upgrade(engine)
    if not demo_on_empty or not is_empty(engine):
        return None
    try:
        from data.demo import build_demo  # the generator loads only when a demo is built

        return build_demo(engine, scale=scale)
    except IntegrityError:
        if is_empty(engine):
            raise
        return None


def grant_read(engine: Engine, role: str) -> list[str]:
    """Let PostgreSQL ``role`` read every table of the schema, and nothing else (hosted page reads).

    Grants USAGE on the current schema and SELECT on each table; revokes any write privilege the role has on
    them. Tables a later migration adds need the command run again (the deploy docs run it after migrating).

    Returns:
        The statements executed, for the operator's log.
    """
    if engine.dialect.name != "postgresql":
        raise ValueError("read-only roles need PostgreSQL; SQLite has no roles (local mode needs none)")
    preparer = engine.dialect.identifier_preparer
    quoted = preparer.quote(role)
    with engine.begin() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
        if exists is None:
            raise ValueError(f"PostgreSQL role {role!r} does not exist; create it first (docs/deploy.md)")
        tables = [*SQLModel.metadata.sorted_tables]
        statements = [f"GRANT USAGE ON SCHEMA {preparer.quote(schema)} TO {quoted}"]
        for table in tables:
            name = f"{preparer.quote(schema)}.{preparer.quote(table.name)}"
            statements.append(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {name} FROM {quoted}")
            statements.append(f"GRANT SELECT ON {name} TO {quoted}")
        for statement in statements:
            connection.execute(text(statement))
    return statements


def _status(engine: Engine) -> str:
    with Session(engine) as session:
        loaded = queries.provenance(session=session)
        latest = queries.latest_period(session=session)
    if loaded.empty:
        return "empty database"
    lines = [f"data to {latest}"] + [
        f"{r.finished_at:%Y-%m-%d %H:%M} {r.source}: {r.file_name}{' (synthetic)' if r.synthetic else ''}"
        for r in loaded.itertuples()
    ]
    return "\n".join(lines)


def _month(text: str) -> date:
    """``YYYY-MM`` as the first day of that month (argparse type)."""
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month as YYYY-MM, e.g. 2024-03") from exc


def write_board_pack(engine: Engine, args: argparse.Namespace) -> str:
    """Gather and draw the board pack of ``args``' filters into ``args.out``; returns what was written.

    The drawing lives with the other chart builders (``components/board_pack.py``), imported here only for
    this command so the other commands stay light.
    """
    from components.board_pack import pack_pdf  # heavy (WeasyPrint, vl-convert): only for this command
    from data.board_pack import PackFilters, gather

    filters = PackFilters(borough=args.borough, pcn=args.pcn, workstream=args.workstream, kpi=args.kpi,
                          period=args.period)  # fmt: skip
    with Session(engine) as session:
        pack = gather(session, filters)
    pdf = pack_pdf(pack)
    args.out.write_bytes(pdf)
    return f"wrote {args.out} ({len(pdf):,} bytes): {pack.headline}"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m data.manage", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="migrate the schema; load the demo when the database is empty")
    sub.add_parser("migrate", help="migrate the schema to the newest revision")
    grant = sub.add_parser("grant-read", help="let a PostgreSQL role read, and only read, every table")
    grant.add_argument("role")
    revision = sub.add_parser("revision", help="developers: autogenerate a migration after changing models.py")
    revision.add_argument("-m", "--message", required=True)
    rebuild = sub.add_parser("rebuild", help="drop all tables and load a fresh demo dataset")
    rebuild.add_argument("--scale", choices=["ncl", "england"], default="ncl")
    rebuild.add_argument("--seed", type=int, default=DEMO_SEED)
    sub.add_parser("reset", help="drop all tables and create an empty schema")
    sub.add_parser("status", help="show what is loaded")
    folder = sub.add_parser("load-folder", help="recognise every supported file in folders by content and import "
                            "them in dependency order")
    folder.add_argument("paths", nargs="+", type=Path, help="folders (searched recursively) or single files")
    folder.add_argument("--dry-run", action="store_true", help="validate each file; write nothing")
    catchments = sub.add_parser("derive-catchments", help="derive indicative PCN areas from the loaded LSOAs and "
                                "practices (each LSOA to its nearest open practice's PCN)")
    catchments.add_argument("--k", type=int, default=1, help="vote of the k nearest practices (default 1)")
    pack = sub.add_parser("board-pack", help="write the board pack PDF of a filter choice (what the Overview's "
                          "button downloads)")
    pack.add_argument("--borough", help="ONS code of a borough, e.g. E09000010 (default: the whole system)")
    pack.add_argument("--pcn", help="ODS code of a PCN (overrides --borough)")
    pack.add_argument("--workstream", help="workstream code, e.g. EHCH (default: all)")
    pack.add_argument("--kpi", help="KPI code whose funnel the pack shows (default: the worst KPI with one)")
    pack.add_argument("--period", type=_month, help="the month the pack is as at, YYYY-MM: data ending by its "
                      "last day, and that month's funnel (default: the latest)")
    pack.add_argument("--out", type=Path, required=True, help="the PDF file to write")
    args = parser.parse_args(argv)
    if args.command == "revision":
        print(f"wrote {migrate.new_revision(args.message)}; read it, edit it, and run the tests")
        return 0
    try:
        settings = get_settings()
        engine = make_engine(settings.resolved_database_url)
        if args.command == "init":
            summary = ensure_database(engine, demo_on_empty=settings.demo_on_empty, scale=settings.demo_scale)
            print(f"loaded demo in {summary.seconds} s" if summary else "database ready; nothing to load")
        elif args.command == "migrate":
            print(f"schema at revision {migrate.upgrade(engine)}")
        elif args.command == "grant-read":
            for statement in grant_read(engine, args.role):
                print(statement)
        elif args.command == "rebuild":
            drop_schema(engine)
            migrate.upgrade(engine)
            from data.demo import build_demo

            summary = build_demo(engine, scale=args.scale, seed=args.seed)
            print(f"rebuilt {args.scale} demo in {summary.seconds} s: {sum(summary.rows.values()):,} rows")
        elif args.command == "load-folder":
            missing = [str(p) for p in args.paths if not p.exists()]
            if missing:
                print(f"no such folder or file: {', '.join(missing)}", file=sys.stderr)
                return 2
            migrate.upgrade(engine)
            items = [item for p in args.paths
                     for item in (read_folder(p) if p.is_dir() else [FileItem(p.name, p.read_bytes())])]
            report = load_files(engine, items, dry_run=args.dry_run)
            print(report.text())
            if not report.ok:
                return 1
        elif args.command == "derive-catchments":
            report = run_indicative_catchments(engine, k=args.k)
            print(report.text())
            if not report.ok:
                return 1
        elif args.command == "board-pack":
            print(write_board_pack(engine, args))
            return 0
        elif args.command == "reset":
            drop_schema(engine)
            migrate.upgrade(engine)
            print("empty schema created")
        print(_status(engine))
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    except OperationalError as exc:
        print(f"cannot reach the database ({exc.orig}); check DATABASE_URL", file=sys.stderr)
        return 1
    except (ValueError, ProgrammingError) as exc:
        print(f"{args.command}: {getattr(exc, 'orig', None) or exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
