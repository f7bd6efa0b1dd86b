"""Optimistic version counters: the one mechanism behind every "someone saved this meanwhile".

Forms and API calls carry the revision they were opened at and the services compare it first,
to explain the refusal. The counter itself covers the race past that check: SQLAlchemy adds
``WHERE revision = <loaded>`` to the UPDATE, and ``flush_or_refuse`` turns a lost race into the
same refusal.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Integer, select, text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from .extensions import db


def revision_column() -> Mapped[int]:
    """The version counter of a model; name it in ``__mapper_args__["version_id_col"]``."""
    return mapped_column(Integer, nullable=False, server_default=text("1"))


def flush_or_refuse(obj, refusal: Callable[[int], Exception]) -> None:
    """Flush ``obj``'s changes; if another save landed between the revision check and this
    write, keep nothing of ours, start the session over (so the page can still be shown), and
    raise ``refusal(current revision)``."""
    model, key = type(obj), obj.id
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        current = db.session.scalar(select(model.revision).where(model.id == key))
        raise refusal(current) from None
