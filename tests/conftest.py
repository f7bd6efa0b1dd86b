"""Test fixtures: one schema per run (from the migrations), one rolled-back transaction per test.

The suite runs on SQLite by default and on PostgreSQL when ``TEST_DATABASE_URL`` points at one.
An unreachable PostgreSQL is an error, never a skip.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text

from config import normalize_database_url
from orgladder import create_app
from orgladder.computed import EXTENSION as COMPUTED
from orgladder.extensions import db

from .factories import Org, build_org

CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _reset_database(url: str) -> None:
    """Start every run from an empty database so the migrations build the whole schema."""
    engine = create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    url = normalize_database_url(url)
    _reset_database(url)  # raises (and fails the run) when PostgreSQL is unreachable
    return url


class Client(FlaskClient):
    """A test client whose every request runs in its own app context and database session,
    as in production, even while the test holds an app context of its own."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def csrf_token(self, path: str = "/login") -> str:
        match = CSRF_PATTERN.search(self.get(path).get_data(as_text=True))
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def post_form(self, path: str, data: dict | None = None, token_from: str | None = None,
                  **kwargs):
        """POST a form carrying the real CSRF token of the page it lives on."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(token_from or path))
        return self.post(path, data=data, **kwargs)

    def login(self, email: str, password: str = "correct horse battery"):
        """Sign in from a fresh browser (no cookies left from an earlier sign-in)."""
        self._cookies.clear()
        return self.post_form("/login", {"email": email, "password": password})


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": None})
    app.test_client_class = Client
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Each test runs inside a transaction that is rolled back afterwards; the app's own
    commits become savepoints inside it. The rollback takes the companies' data revisions
    back, which nothing does in production, so the results kept under them go too."""
    app.extensions[COMPUTED].clear()
    if "no_transaction" in request.keywords:
        yield
        return
    with app.app_context():
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection
        try:
            yield
        finally:
            db.session.remove()
            engines[None] = engine
            outer.rollback()
            connection.close()


@pytest.fixture
def ctx(app):
    """An app context for tests that call services directly."""
    with app.app_context():
        yield


@pytest.fixture
def client(app) -> Client:
    return app.test_client()


@pytest.fixture
def org(ctx) -> Org:
    return build_org()


@contextmanager
def count_queries(app):
    """Count the SQL statements sent while the block runs."""
    statements: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engines[None]
    target = engine.engine if hasattr(engine, "engine") else engine
    event.listen(target, "before_cursor_execute", on_execute)
    try:
        yield statements
    finally:
        event.remove(target, "before_cursor_execute", on_execute)


@pytest.fixture
def queries(app):
    return lambda: count_queries(app)




@pytest.fixture
def smtp(app, monkeypatch):
    """A real SMTP server on 127.0.0.1 that the app sends its mail to; yields its inbox."""
    from .mail_server import Inbox, start

    inbox = Inbox()
    controller = start(inbox)
    for key, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port,
                       "MAIL_USE_TLS": False, "MAIL_USERNAME": None}.items():
        monkeypatch.setitem(app.config, key, value)
    try:
        yield inbox
    finally:
        controller.stop()
