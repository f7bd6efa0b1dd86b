"""Two gunicorn instances sharing one database and one Redis behave as one app."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import two_instances  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def own_database(database_url, tmp_path):
    """A database of their own for the two instances, of the kind the suite runs on."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'two.db'}"
        return
    name = f"{url.database}_two_instances"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.mark.no_transaction
def test_two_instances_share_sessions_data_and_limits(own_database, capsys):
    redis.Redis.from_url(REDIS_URL).ping()  # CI's Redis must be there: fail, never skip
    assert two_instances.run(own_database, REDIS_URL, workers=1), capsys.readouterr().out
