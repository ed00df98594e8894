"""Command line for the database: create the schema, load the demo, rebuild or reset.

    python -m data.manage init              # create tables; load the demo when empty (what the app does)
    python -m data.manage rebuild [--scale england] [--seed N]   # drop everything, load a fresh demo
    python -m data.manage reset             # drop everything and leave an empty schema
    python -m data.manage status            # what is loaded

Uses DATABASE_URL (default: the local SQLite file). Exits non-zero with a message on failure.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from data import queries
from data.db import create_schema, drop_schema, is_empty, make_engine
from data.demo import DemoSummary, build_demo
from data.demo.spec import DEMO_SEED
from settings import SettingsError, get_settings


def ensure_database(engine: Engine, *, demo_on_empty: bool = True, scale: str = "ncl") -> DemoSummary | None:
    """Create missing tables and, when the database holds no KPIs, load the demo; later calls change nothing.

    Safe when two processes start together on one empty database: the loser of the race sees the winner's
    unique-key violation, and finds the database filled.
    """
    create_schema(engine)
    if not demo_on_empty or not is_empty(engine):
        return None
    try:
        return build_demo(engine, scale=scale)
    except IntegrityError:
        if is_empty(engine):
            raise
        return None


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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m data.manage", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create tables; load the demo when the database is empty")
    rebuild = sub.add_parser("rebuild", help="drop all tables and load a fresh demo dataset")
    rebuild.add_argument("--scale", choices=["ncl", "england"], default="ncl")
    rebuild.add_argument("--seed", type=int, default=DEMO_SEED)
    sub.add_parser("reset", help="drop all tables and create an empty schema")
    sub.add_parser("status", help="show what is loaded")
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
        engine = make_engine(settings.resolved_database_url)
        if args.command == "init":
            summary = ensure_database(engine, demo_on_empty=settings.demo_on_empty, scale=settings.demo_scale)
            print(f"loaded demo in {summary.seconds} s" if summary else "database ready; nothing to load")
        elif args.command == "rebuild":
            drop_schema(engine)
            summary = build_demo(engine, scale=args.scale, seed=args.seed)
            print(f"rebuilt {args.scale} demo in {summary.seconds} s: {sum(summary.rows.values()):,} rows")
        elif args.command == "reset":
            drop_schema(engine)
            create_schema(engine)
            print("empty schema created")
        print(_status(engine))
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    except OperationalError as exc:
        print(f"cannot reach the database ({exc.orig}); check DATABASE_URL", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
