"""A PostgreSQL URL's own ``options`` (e.g. ``?options=-csearch_path=...``) survive the read-only engine.

The app takes one DATABASE_URL; a deployment (and the real-data app tests) that puts the schema in the URL must
read from that schema too, not from ``public``, when pages read through the read-only engine.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from data.db import make_engine

pytestmark = pytest.mark.db


def test_read_only_engine_keeps_the_urls_search_path(postgres_schema: tuple[str, str]) -> None:
    url, schema = postgres_schema
    sub = f"{schema}_opt_{uuid.uuid4().hex[:6]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{sub}"'))
        connection.execute(text(f'CREATE TABLE "{sub}".marker (n integer)'))
    separator = "&" if "?" in url else "?"
    reader = make_engine(f"{url}{separator}options=-csearch_path%3D{sub}", read_only=True)
    try:
        with reader.connect() as connection:
            assert connection.execute(text("SHOW search_path")).scalar() == sub
            assert connection.execute(text("SELECT count(*) FROM marker")).scalar() == 0
            assert connection.execute(text("SHOW default_transaction_read_only")).scalar() == "on"
    finally:
        reader.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{sub}" CASCADE'))
        admin.dispose()
