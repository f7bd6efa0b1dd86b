"""Faults: the database goes away and comes back, a worker dies in the middle of a write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text

from orgladder import create_app
from orgladder.audit import AuditEvent
from orgladder.extensions import db
from orgladder.people.models import Person
from orgladder.tenancy import Company

pytestmark = pytest.mark.no_transaction  # other processes and connections must see the data


def test_connections_are_checked_before_use(app):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    with app.app_context():
        assert db.engine.pool._pre_ping is True


def kill_pooled_connection(target, database_url: str) -> None:
    """End, from outside, the PostgreSQL backend behind ``target``'s pooled connection, as a
    database restart or failover would (only that one connection, in our own database)."""
    with target.app_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        db.session.remove()
    with create_engine(database_url).begin() as connection:
        ended = connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE pid = :pid AND datname = current_database()"), {"pid": pid}).scalar()
    assert ended is True


def test_the_app_recovers_when_postgresql_comes_back(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only; the SQLite variant follows")
    target = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    client = target.test_client()
    assert client.get("/healthz").status_code == 200
    kill_pooled_connection(target, database_url)
    # The dead connection is noticed before use and replaced: the very next request works.
    assert client.get("/healthz").status_code == 200
    assert client.get("/login").status_code == 200

    # Without the pre-ping, the same kill costs the next request: the kill is real.
    careless = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url,
                                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False}})
    careless_client = careless.test_client()
    assert careless_client.get("/healthz").status_code == 200
    kill_pooled_connection(careless, database_url)
    assert careless_client.get("/healthz").status_code == 503
    assert careless_client.get("/healthz").status_code == 200  # the pool dropped it after all
    for instance in (target, careless):
        with instance.app_context():
            db.engine.dispose()


def test_the_app_recovers_when_the_sqlite_file_comes_back(tmp_path):
    missing = tmp_path / "not-yet"
    target = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}/db.sqlite"})
    client = target.test_client()
    assert client.get("/healthz").status_code == 503
    with client.session_transaction() as session:
        session["_user_id"] = "a-session-token"
    assert client.get("/").status_code == 503
    missing.mkdir()
    with target.app_context():
        upgrade()
    assert client.get("/healthz").status_code == 200  # same process, no restart
    assert client.get("/").status_code == 302  # the unknown session means signed out


WORKER = textwrap.dedent("""
    import sys, time
    from orgladder import create_app
    from orgladder.actors import SYSTEM_SEED
    from orgladder.companies import create_company
    from orgladder.extensions import db
    from orgladder.people.service import create_person

    url, slug, mode = sys.argv[1:]
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        company = create_company(SYSTEM_SEED, "Doomed", slug)
        person = create_person(SYSTEM_SEED, company.id, email=f"victim@{slug}.test",
                               name="Vic Tim")
        db.session.flush()  # the rows and their audit events are written, not committed
        if mode == "commit":
            db.session.commit()
        print("written", flush=True)
        time.sleep(120)
""")


def run_and_kill(database_url: str, tmp_path, mode: str) -> str:
    """A worker that writes a company, a person and their audit rows, then is SIGKILLed."""
    slug = f"doomed-{uuid.uuid4().hex[:8]}"
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    # The worker imports the code under test, not whichever copy the interpreter would find.
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [root, os.environ.get("PYTHONPATH")]))}
    worker = subprocess.Popen([sys.executable, str(script), database_url, slug, mode],
                              stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert worker.stdout.readline().strip() == "written"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    return slug


def written(app, slug: str) -> dict[str, bool]:
    with app.app_context():
        events = {event.action for event in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(["company.create", "person.create"])))
            if slug in str(event.after)}
        found = {
            "company": db.session.scalar(select(Company.id).where(Company.slug == slug)),
            "person": db.session.scalar(select(Person.id).where(
                Person.email == f"victim@{slug}.test")),
            "company audit": "company.create" in events,
            "person audit": "person.create" in events,
        }
        db.session.remove()
    return {key: bool(value) for key, value in found.items()}


def test_a_worker_killed_before_commit_leaves_nothing(app, database_url, tmp_path):
    slug = run_and_kill(database_url, tmp_path, "flush")
    assert written(app, slug) == {"company": False, "person": False, "company audit": False,
                                  "person audit": False}


def test_a_worker_killed_after_commit_leaves_everything(app, database_url, tmp_path):
    slug = run_and_kill(database_url, tmp_path, "commit")
    assert written(app, slug) == {"company": True, "person": True, "company audit": True,
                                  "person audit": True}
