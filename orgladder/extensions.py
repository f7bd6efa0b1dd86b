"""Bare extension objects, bound to an app in ``create_app``."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import BindParameter, DateTime, Integer, MetaData, String, bindparam
from sqlalchemy.orm import DeclarativeBase, aliased
from sqlalchemy.types import TypeDecorator

# Deterministic constraint names keep Alembic migrations (and SQLite batch mode) reproducible.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def written(value: int | str) -> BindParameter:
    """A value written into the SQL text instead of bound. psycopg prepares a statement from
    its fifth run on, and PostgreSQL's generic plan for it cannot see bound values: it guesses
    an average company, and cannot use the path index for a bound prefix. Only for ids and
    reporting paths (digits and slashes), which need no quoting care."""
    return bindparam(None, value, Integer() if isinstance(value, int) else String(),
                     literal_execute=True)


@cache
def alias(model: type, name: str):
    """``model`` under another name in a query (a person's "manager"), made once for the
    process: SQLAlchemy works out an alias's columns on first use, and a fresh alias on every
    request made each page pay for that again. Made on first use, when every model is known."""
    return aliased(model, name=name)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


# "create_savepoint" only matters when a session is bound to a connection that is already in a
# transaction (the test suite wraps each test in one); bound to an engine it changes nothing.
db = SQLAlchemy(model_class=Base, session_options={"join_transaction_mode": "create_savepoint"})
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
