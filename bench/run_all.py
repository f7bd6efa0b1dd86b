"""Run every benchmark of docs/performance.md, each on a fresh database, and print the figures.

    .venv/bin/python bench/run_all.py                          # SQLite and the local PostgreSQL
    .venv/bin/python bench/run_all.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

For PostgreSQL it creates (and afterwards drops) one database per benchmark on the server the
URL names, so nothing of the server's other databases is touched. The load benchmark needs
PostgreSQL, gunicorn and Redis on 127.0.0.1:6379.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BENCH = Path(__file__).resolve().parent
SCRIPTS = ["import_people.py", "people_pages.py", "calibration_session.py", "generate.py"]


@contextmanager
def fresh_database(server_url: str):
    url = make_url(server_url)
    name = f"bench_{uuid.uuid4().hex[:12]}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(drivername="postgresql", database=name).render_as_string(False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def run(script: str, *args: str) -> None:
    print(f"\n$ bench/{script} {' '.join(args)}", flush=True)
    subprocess.run([sys.executable, str(BENCH / script), *args], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    for script in SCRIPTS:
        run(script)
        with fresh_database(args.postgres) as url:
            run(script, "--database-url", url)
    with fresh_database(args.postgres) as url:
        run("load.py", "--database-url", url)


if __name__ == "__main__":
    main()
