"""A large upsert (the staged path, issue 14) writes what the chunked INSERT ... ON CONFLICT path writes.

``data.importers.common.upsert`` stages frames over ``UPSERT_CHUNK`` rows in a temporary table (COPY on
PostgreSQL, the sqlite3 driver's executemany on SQLite) and merges them with one INSERT ... SELECT ... ON
CONFLICT; smaller frames take the chunked path. Both are held to one expected result here: new rows inserted,
existing rows updated in the frame's columns only, columns the frame leaves out kept, the later of two rows with
one key winning, integer columns arriving as floats (ids with gaps) stored as integers, and a repeat changing
nothing.
"""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from data.importers.common import UPSERT_CHUNK, upsert
from models import LsoaDeprivation

pytestmark = pytest.mark.db

N = UPSERT_CHUNK + 250  # over the threshold, so PostgreSQL takes the COPY path


def _lsoas(n: int, **columns: object) -> pd.DataFrame:
    return pd.DataFrame({"lsoa_code": [f"E01{i:06d}" for i in range(n)], "vintage": "IMD2019", **columns})


def _rows(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(
            text("SELECT lsoa_code, lsoa_name, imd_decile, health_rank FROM lsoa_deprivation ORDER BY lsoa_code"),
            conn,
        )


def test_a_large_upsert_inserts_then_updates_only_its_columns(engine: Engine) -> None:
    first = _lsoas(N, lsoa_name=[f"LSOA {i}" for i in range(N)], imd_decile=[float(i % 10 + 1) for i in range(N)])
    first.loc[3, "imd_decile"] = None  # a gap makes the column float in pandas
    with Session(engine) as session:
        assert upsert(session, LsoaDeprivation, first, keys=["lsoa_code", "vintage"]) == N
        session.commit()
    # a second file fills another column for the same LSOAs and adds some; one key comes twice, the later wins
    extra = N + 10
    second = _lsoas(extra, health_rank=list(range(extra)))
    second = pd.concat([second, second.iloc[[0]].assign(health_rank=-1)], ignore_index=True)
    with Session(engine) as session:
        upsert(session, LsoaDeprivation, second, keys=["lsoa_code", "vintage"])
        session.commit()

    rows = _rows(engine)
    assert len(rows) == extra
    assert rows.loc[1, "lsoa_name"] == "LSOA 1" and rows.loc[1, "imd_decile"] == 2  # kept from the first file
    assert pd.isna(rows.loc[3, "imd_decile"])
    assert rows.loc[0, "health_rank"] == -1  # the later duplicate
    assert rows.loc[5, "health_rank"] == 5
    assert pd.isna(rows.loc[N + 5, "lsoa_name"]) and rows.loc[N + 5, "health_rank"] == N + 5  # new in the second


def test_a_large_upsert_with_no_columns_to_update_keeps_existing_rows(engine: Engine) -> None:
    with Session(engine) as session:
        upsert(session, LsoaDeprivation, _lsoas(N, lsoa_name="old"), keys=["lsoa_code", "vintage"])
        upsert(session, LsoaDeprivation, _lsoas(N + 1, lsoa_name="new"), keys=["lsoa_code", "vintage"], update=[])
        session.commit()
    rows = _rows(engine)
    assert len(rows) == N + 1
    assert (rows["lsoa_name"].iloc[:N] == "old").all() and rows["lsoa_name"].iloc[N] == "new"


def test_a_large_upsert_repeated_changes_nothing_and_small_ones_agree(engine: Engine) -> None:
    """The staged path counts only rows it inserted or changed (a repeat: 0), and stores what the chunked path
    stores for the same rows (dates, floats and integers read back equal)."""
    frame = _lsoas(N, lsoa_name=[f"LSOA {i}" for i in range(N)], imd_decile=[float(i % 10 + 1) for i in range(N)],
                   health_rank=range(N))
    with Session(engine) as session:
        assert upsert(session, LsoaDeprivation, frame, keys=["lsoa_code", "vintage"]) == N
        assert upsert(session, LsoaDeprivation, frame, keys=["lsoa_code", "vintage"]) == 0
        changed = frame.assign(health_rank=[-i if i % 1000 == 0 else i for i in range(N)])
        assert upsert(session, LsoaDeprivation, changed, keys=["lsoa_code", "vintage"]) == len(range(1000, N, 1000))
        session.commit()
    staged = _rows(engine)
    with Session(engine) as session:  # the same rows again in small frames: the chunked path changes nothing
        for start in range(0, N, 1000):
            assert upsert(session, LsoaDeprivation, changed.iloc[start : start + 1000],
                          keys=["lsoa_code", "vintage"]) == 0
        session.commit()
    pd.testing.assert_frame_equal(_rows(engine), staged)
