"""People, their reporting lines, role grants and level assignments."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import UTCDateTime, db, utcnow, written
from ..tenancy import Company, CompanyOwned


def years_since(profession_start: date | None, today: date | None = None) -> float | None:
    """Years of experience, to a tenth, from the start in the profession (unknown: None)."""
    if profession_start is None:
        return None
    today = today or date.today()
    return max(0.0, round((today - profession_start).days / 365.25, 1))


def reporting_paths(manager_of: Mapping[int, int | None]) -> dict[int, str]:
    """Each person's materialized reporting path (``/1/7/42/``), from everyone's manager link.
    Iterative: a file may hold an org thousands of levels deep."""
    paths: dict[int, str] = {}
    for person_id in manager_of:
        chain, node = [], person_id
        while node is not None and node not in paths:
            chain.append(node)
            node = manager_of.get(node)
        prefix = paths[node] if node is not None else "/"
        for member in reversed(chain):
            prefix = f"{prefix}{member}/"
            paths[member] = prefix
    return paths


class Person(UserMixin, CompanyOwned, db.Model):
    """Someone in a company. People with a password can sign in.

    ``path`` is the materialized reporting line from the top of the org down to this person
    (``/1/7/42/``), so "is X in Y's subtree" is a string prefix test and "everyone under Y" is
    one indexed ``LIKE 'prefix%'`` query, whatever the depth.
    """

    __tablename__ = "people"
    __table_args__ = (
        Index(
            "ix_people_company_id_path",
            "company_id",
            "path",
            postgresql_ops={"path": "varchar_pattern_ops"},
        ),
        # Lists of people are by name: pages of the people table, the manager filter. With the
        # path and the active flag at hand, a subtree's people are found in name order from
        # the index alone.
        Index("ix_people_company_id_name", "company_id", "name", "id",
              postgresql_include=["path", "active"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    profession_start: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Someone else chose the password (HR adding the person): they change it at first sign-in.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    path: Mapped[str] = mapped_column(String(1024), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Not joined: the people a page reads share the signed-in person's company, which the
    # sign-in loads, so the identity map answers person.company without a query.
    company: Mapped[Company] = relationship()
    manager: Mapped[Person | None] = relationship(remote_side=[id])
    # Loaded on demand: most people a page reads are shown, not checked for permissions. The
    # signed-in person and the API's people list load them eagerly (selectinload).
    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="person",
        foreign_keys="RoleGrant.person_id",
        cascade="all, delete-orphan",
    )

    # The id of the server-side sign-in session this object was loaded for (see auth.sessions).
    session_token = None
    session_seen_at = None  # when that session was last seen active

    def get_id(self) -> str | None:
        # Flask-Login keeps this in the cookie: a revocable session token, never the person id.
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        # A person object is only ever current_user after a live session or token proved who
        # they are (an inactive person never gets that far). Flask-Login's default reads
        # ``active``, which a commit has expired, and so reloaded the person after every write.
        return True

    @property
    def roles(self) -> list[str]:
        return sorted({grant.role for grant in self.grants})

    @classmethod
    def path_within(cls, prefix: str) -> ColumnElement[bool]:
        """SQL: the people whose reporting path starts with ``prefix`` (everyone under the
        person whose path it is, and that person). The prefix is written into the statement:
        bound, it kept PostgreSQL's generic plan off the path index (the manager filter took
        5.7 ms instead of 2.3 ms)."""
        return cls.path.startswith(written(prefix))

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def years_of_experience(self, today: date | None = None) -> float | None:
        return years_since(self.profession_start, today)

    def __repr__(self) -> str:
        return f"<Person {self.email}>"


class RoleGrant(CompanyOwned, db.Model):
    """A role held by a person. Data, not a column, so a grant can carry a scope.

    ``scope_root_id`` limits a grant to one part of the org (an HR business partner for one
    department); ``None`` means the whole company.
    """

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("person_id", "role", "scope_root_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    scope_root_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(back_populates="grants", foreign_keys=[person_id])
    scope_root: Mapped[Person | None] = relationship(foreign_keys=[scope_root_id], lazy="joined")


class LevelAssignment(CompanyOwned, db.Model):
    """A decision that a person holds a level from a date on. The history is never rewritten."""

    __tablename__ = "level_assignments"
    __table_args__ = (
        Index("ix_level_assignments_person_id_effective", "person_id", "effective_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    level_id: Mapped[int] = mapped_column(ForeignKey("levels.id"), index=True)
    effective_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    level: Mapped[Level] = relationship()  # noqa: F821 - resolved by the registry
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])


class ImportBatch(CompanyOwned, db.Model):
    """A validated people import waiting for HR's confirmation.

    The parsed rows and the plan computed from them live here between the dry run and the
    confirmation, so the confirmation applies exactly what was previewed: it recomputes the plan
    from the stored rows and refuses when its digest no longer matches (someone changed the
    people in between).
    """

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    file_sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[list] = mapped_column(JSON, default=list)
    plan: Mapped[dict] = mapped_column(JSON, default=dict)
    plan_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="previewed")
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[Person | None] = relationship(foreign_keys=[created_by_id])
