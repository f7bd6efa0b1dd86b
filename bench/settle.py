"""Bring a freshly built benchmark database to the state of one in service."""

from __future__ import annotations

import time

from sqlalchemy import text

from orgladder.extensions import db


def settle() -> float:
    """Bring the database to the state of one in service before measuring it: autovacuum keeps
    a live PostgreSQL's statistics and visibility map current, and a benchmark run right after
    a bulk load would measure the minutes before it first comes by (plans from stale counts,
    index-only scans that must visit the table). The seconds it took."""
    start = time.perf_counter()
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return time.perf_counter() - start
