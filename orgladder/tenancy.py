"""Companies are tenants: every company-owned row carries ``company_id``."""

from __future__ import annotations

from datetime import datetime

from flask import abort
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .extensions import UTCDateTime, db, utcnow


class Company(db.Model):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Move with the audited writes to the company's data (orgladder.computed): the entries
    # revision with calibration work alone, the data revision with every other write.
    data_revision: Mapped[int] = mapped_column(default=0, server_default="0")
    entries_revision: Mapped[int] = mapped_column(default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<Company {self.slug}>"


class CompanyOwned:
    """Mixin for rows that belong to one company."""

    @declared_attr
    def company_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy declared_attr signature
        return mapped_column(ForeignKey("companies.id"), index=True)


# Ids are 32-bit integers on every backend; a larger number from a URL names nothing.
MAX_ID = 2**31 - 1


def parse_id(value) -> int | None:
    """A positive database id from user input, or None."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def get_in_company_or_404(model, object_id, actor, *options):
    """The one lookup for company-owned objects: another company's object does not exist.
    ``options`` are loader options, for what the caller reads of the object at once."""
    object_id = parse_id(object_id)
    if object_id is None:
        abort(404)
    obj = db.session.scalar(
        select(model).where(model.id == object_id, model.company_id == actor.company_id)
        .options(*options)
    )
    if obj is None:
        abort(404)
    return obj
