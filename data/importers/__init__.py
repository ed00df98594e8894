"""Importers for the dashboard's templates and for real NHS and ONS files (see ``docs/importing.md``).

``SOURCES`` maps a source name (used by the CLI, the Data page and the import log) to its :class:`Source`;
``load_upload`` is the one entry point the Data page and the CLI call: it parses, validates and loads a file in
one transaction and returns an :class:`ImportReport`. Sessions are opened here, never by the UI.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from data.importers.common import DataImportError, ImportReport, Options, Problem, Source, run_import

__all__ = [
    "SOURCES",
    "DataImportError",
    "ImportReport",
    "Problem",
    "Source",
    "load_upload",
    "source_catalogue",
    "source_names",
]


def _sources() -> dict[str, Source]:
    from data.importers import (
        ae,
        areas,
        boundaries,
        cqc,
        derived_footprint,
        fingertips,
        gp,
        imd,
        kpi,
        neighbourhoods,
        ods,
        programme,
        qof,
        successors,
    )

    found: list[Source] = [
        *areas.SOURCES,
        *kpi.SOURCES,
        *fingertips.SOURCES,
        *ods.SOURCES,
        *gp.SOURCES,
        *qof.SOURCES,
        *ae.SOURCES,
        *cqc.SOURCES,
        *boundaries.SOURCES,
        *imd.SOURCES,
        *programme.SOURCES,
        *successors.SOURCES,
        *derived_footprint.SOURCES,
        *neighbourhoods.SOURCES,
    ]
    return {s.name: s for s in found}


SOURCES: dict[str, Source] = _sources()


def source_names() -> list[str]:
    """The importable source names, in the order the Data page offers them."""
    return list(SOURCES)


def load_upload(
    engine: Engine,
    source: str,
    data: bytes,
    file_name: str,
    *,
    options: Options | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import one file's bytes as ``source`` (validate only when ``dry_run``); never raises for a bad file.

    Raises:
        DataImportError: ``source`` is not a known source name.
    """
    if source not in SOURCES:
        raise DataImportError(
            Problem(file_name, None, None, source, f"unknown source '{source}'; choose one of: " + ", ".join(SOURCES))
        )
    return run_import(engine, SOURCES[source], data, file_name, options=options, dry_run=dry_run)


def source_catalogue() -> list[dict[str, object]]:
    """The sources as plain records (name, label, description, extensions, options) for the Data page."""
    return [
        {
            "name": s.name,
            "label": s.label,
            "description": s.description,
            "extensions": s.extensions,
            "options": s.options,
        }
        for s in SOURCES.values()
    ]
