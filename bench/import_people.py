"""Import N people (10,000 by default) through the real import services and report the time.

    .venv/bin/python bench/import_people.py                       # SQLite, a fresh temp file
    .venv/bin/python bench/import_people.py --database-url postgresql://postgres@127.0.0.1:5432/db

It builds a new company with one HR person, writes a CSV of an org tree (every manager has up to
eight reports, all with a level and a start date), then times the dry run, the confirmation (one
transaction, committed) and a re-import of the same file (which must change nothing).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402

from config import normalize_database_url  # noqa: E402
from orgladder import create_app  # noqa: E402
from orgladder.access import Role  # noqa: E402
from orgladder.companies import create_company  # noqa: E402
from orgladder.extensions import db  # noqa: E402
from orgladder.people.export import export_rows, to_csv  # noqa: E402
from orgladder.people.importer import confirm, dry_run  # noqa: E402
from orgladder.people.service import create_person  # noqa: E402


def people_csv(slug: str, count: int, fanout: int = 8) -> bytes:
    lines = ["email,name,manager_email,level,profession_start,roles"]
    for i in range(count):
        manager = f"p{(i - 1) // fanout}@{slug}.example" if i else ""
        is_manager = i * fanout + 1 < count
        level = ("M4" if is_manager else f"P{1 + i % 4}")
        lines.append(f"p{i}@{slug}.example,Person {i},{manager},{level},"
                     f"{2000 + i % 25}-0{1 + i % 9}-15,{'manager' if is_manager else 'employee'}")
    return ("\n".join(lines) + "\n").encode()


def timed(label: str, action):
    start = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - start
    print(f"  {label:<34} {elapsed:7.2f} s")
    return result, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": normalize_database_url(url)})
    with app.app_context():
        upgrade()
        slug = f"bench{int(time.time())}"
        company = create_company(None, "Bench", slug)
        hr = create_person(None, company.id, email=f"hr@{slug}.example", name="Bench HR",
                           roles=[Role.EMPLOYEE, Role.HR])
        db.session.commit()
        data = people_csv(slug, args.rows)
        print(f"{db.engine.dialect.name}: importing {args.rows:,} people "
              f"({len(data) / 1024:.0f} KiB CSV)")
        (_, plan, batch), _ = timed("dry run (read, check, plan)",
                                    lambda: dry_run(hr, "b.csv", data))
        assert batch is not None, plan.issues[:5]
        db.session.commit()

        def apply():
            confirm(hr, batch)
            db.session.commit()

        _, applied = timed("confirm (one transaction)", apply)
        (_, again, batch2), _ = timed("re-import dry run (no change)",
                                      lambda: dry_run(hr, "b.csv", data))
        assert batch2 is not None and not again.creates and not again.updates
        rows, _ = timed("export (the people table as CSV)", lambda: to_csv(export_rows(hr)))
        print(f"  {args.rows / applied:,.0f} people per second written; export {len(rows):,} bytes")
        db.session.rollback()


if __name__ == "__main__":
    main()
