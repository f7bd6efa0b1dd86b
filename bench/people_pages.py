"""Render the people pages of a 10,000-person company and report the time of each.

    .venv/bin/python bench/people_pages.py
    .venv/bin/python bench/people_pages.py --database-url postgresql://postgres@127.0.0.1:5432/db

It imports the org of bench/import_people.py through the real import, then requests each page
through the app (routing, permission checks, queries, templates) as HR and as the manager of
the largest subtree, and prints the median of several requests and the statements each sent:
computed, as the first view after a change of the company's data, and kept, as the views that
follow (orgladder.computed).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flask_migrate import upgrade  # noqa: E402
from import_people import people_csv  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402

from config import normalize_database_url  # noqa: E402
from orgladder import create_app  # noqa: E402
from orgladder.access import Role, scope_clause  # noqa: E402
from orgladder.companies import create_company  # noqa: E402
from orgladder.computed import EXTENSION as COMPUTED  # noqa: E402
from orgladder.extensions import db  # noqa: E402
from orgladder.passwords import hash_password  # noqa: E402
from orgladder.people.importer import confirm, dry_run  # noqa: E402
from orgladder.people.models import Person  # noqa: E402
from orgladder.people.service import create_person  # noqa: E402

PASSWORD = "bench password 1234"
PAGES = ["/", "/me", "/people", "/people?page=100", "/people?q=person+99", "/people/levels"]


def build(rows: int) -> tuple[str, str]:
    slug = f"pages{int(time.time())}"
    company = create_company(None, "Bench", slug)
    hr = create_person(None, company.id, email=f"hr@{slug}.example", name="Bench HR",
                       roles=[Role.EMPLOYEE, Role.HR], password=PASSWORD)
    db.session.commit()
    _, plan, batch = dry_run(hr, "bench.csv", people_csv(slug, rows))
    assert batch is not None, plan.issues[:5]
    db.session.commit()
    confirm(hr, batch)
    db.session.commit()
    manager = db.session.scalar(select(Person).where(Person.email == f"p1@{slug}.example"))
    manager.password_hash = hash_password(PASSWORD)
    db.session.commit()
    reports = db.session.scalar(select(func.count()).where(scope_clause(manager)))
    print(f"  {rows:,} people; the manager p1 sees {reports - 1:,} reports")
    return hr.email, manager.email


def measure(app, email: str, repeat: int) -> None:
    """Each page computed (what it keeps forgotten first, as after a change of the company's
    data) and kept (as for the views that follow): the median time and the statements sent."""
    client = app.test_client()  # each request in its own app context, as when served
    client.post("/login", data={"email": email, "password": PASSWORD})
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    kept = app.extensions[COMPUTED]
    for path in PAGES:
        figures = []
        for forget in (True, False):
            timings = []
            for _ in range(repeat):
                if forget:
                    kept.clear()
                statements.clear()
                start = time.perf_counter()
                response = client.get(path)
                timings.append(time.perf_counter() - start)
                assert response.status_code == 200, (path, response.status_code)
            figures.append(f"{1000 * statistics.median(timings):7.1f} ms {len(statements):5d}")
        print(f"  {email.split('@')[0]:>3} {path:<24} {figures[0]}   {figures[1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": normalize_database_url(url),
                                 "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        print(f"{db.engine.dialect.name}:")
        hr, manager = build(args.rows)
    print(f"  {'':<28} {'computed':>10} {'stmts':>5}   {'kept':>10} {'stmts':>5}")
    for email in (hr, manager):
        measure(app, email, args.repeat)


if __name__ == "__main__":
    main()
