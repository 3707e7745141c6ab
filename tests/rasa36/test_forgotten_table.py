"""The forgotten-conversations table is made safely by processes starting at the same moment."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from rasa36 import forgotten
from tests.conftest import new_postgres_db


@pytest.mark.parametrize("round_", range(3))
def test_many_processes_creating_the_table_at_once_all_succeed(postgres, round_):
    """Eight engines (as eight servers would) run ``create_table`` on a new database at the same instant: without
    the advisory lock PostgreSQL lets two ``CREATE TABLE IF NOT EXISTS`` race and one fails (``pg_type`` unique
    violation), which stopped a Rasa server in CI on 2026-12-07."""
    url = new_postgres_db(postgres)
    engines = [sa.create_engine(url, future=True) for _ in range(8)]
    start, errors = threading.Barrier(len(engines)), []

    def create(engine):
        start.wait()
        try:
            forgotten.create_table(engine)
        except Exception as error:  # noqa: BLE001 - the test reports any failure
            errors.append(error)

    threads = [threading.Thread(target=create, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for engine in engines:
        engine.dispose()
    assert errors == []
