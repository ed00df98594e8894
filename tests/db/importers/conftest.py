"""Fixtures for importer database tests: a small real-coded NCL geography on each backend."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from data.db import session_scope
from models import Borough, HealthSystem, Pcn, Practice


@pytest.fixture
def geography(engine: Engine) -> Engine:
    """NCL (QMJ) with Barnet and Camden, one PCN and three practices (codes as published)."""
    with session_scope(engine) as session:
        system = HealthSystem(code="QMJ", ons_code="E54000028", name="North Central London")
        session.add(system)
        session.flush()
        barnet = Borough(code="E09000003", name="Barnet", system_id=system.id)
        camden = Borough(code="E09000007", name="Camden", system_id=system.id)
        session.add_all([barnet, camden])
        session.flush()
        pcn = Pcn(code="U60176", name="Barnet 1 PCN", borough_id=barnet.id)
        session.add(pcn)
        session.flush()
        session.add_all([
            Practice(code="E83003", name="Oakleigh Road Health Centre", borough_id=barnet.id, pcn_id=pcn.id),
            Practice(code="E83005", name="Lichfield Grove Surgery", borough_id=barnet.id, pcn_id=pcn.id),
            Practice(code="F83004", name="Camden practice", borough_id=camden.id),
        ])
    return engine
