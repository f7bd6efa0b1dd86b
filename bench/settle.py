"""Bring a freshly built benchmark database to the state of one in service."""

from __future__ import annotations

import time

from sqlalchemy import text

from orgladder.extensions import db


def settle() -> float:
    """Bring the database to the state of one in service before measuring it: autovacuum keeps
    a live PostgreSQL's statistics and visibility map current, and a benchmark run right after
    a bulk load would measure the minutes before it first comes by (plans from stale counts,
    index-only scans that must visit the table). On PostgreSQL, the database also gets the
    deploy guide's ``random_page_cost``. The seconds it took."""
    start = time.perf_counter()
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
            # The server as docs/deploy.md sets it up: this database fits in memory, so a
            # random read costs about what a sequential one does. It holds for the database's
            # new connections.
            name = connection.exec_driver_sql("SELECT current_database()").scalar_one()
            quoted = connection.dialect.identifier_preparer.quote(name)
            connection.exec_driver_sql(f"ALTER DATABASE {quoted} SET random_page_cost = 1.1")
        db.engine.dispose()  # the pool's connections predate the setting
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return time.perf_counter() - start
