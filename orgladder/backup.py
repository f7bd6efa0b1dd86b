"""Backup and restore of one company as JSON: ``flask --app wsgi export-company SLUG FILE`` and
``import-company FILE``.

Which tables a company owns is read from the schema, not listed by hand: ``companies`` itself,
every table with a ``company_id``, and every table that hangs by a required foreign key from one
of those. A table added later is carried without a change here, or must be named in
``NOT_EXPORTED`` with the reason (a test checks that every table is one or the other). Tables go
out and come back in foreign-key order.

A restore keeps every id when none is taken in the target database, so the company comes back
identical. When ids are taken it gives new ones and rewrites every foreign key, the audit
log's target ids and the people's reporting paths; ids quoted inside JSON documents (a ladder
version's document, an audit event's before and after) keep their old values, as history.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Date, DateTime, MetaData, Table, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeDecorator

from . import audit
from .actors import OPERATOR_CLI
from .companies import find_company
from .errors import DomainError
from .extensions import db, utcnow
from .tenancy import Company

FORMAT = "orgladder-company"
VERSION = 1

NOT_EXPORTED = {
    "auth_sessions": "sign-in sessions are secrets of one running deployment: people sign in "
                     "again after a restore",
    "sign_in_throttles": "failed sign-in counts are kept per email or browser digest for an "
                         "hour at most, not per company",
    "schedule_claims": "claims of scheduled work done by this deployment's clock, for no one "
                       "company",
    "job_failures": "a failed job names rows by this deployment's ids; it is retried where it "
                    "failed, not restored elsewhere",
    "notifications": "each is keyed by the audit event id that caused it in this deployment, "
                     "which a restore may renumber; the audit log itself travels",
}

# Columns that hold another row's id beside the name of its model (no foreign key possible).
POLYMORPHIC = {"audit_events": ("target_type", "target_id")}


def _owner_fk(table: Table, owned: dict[str, Table]):
    """The required foreign key that ties a table without company_id to an owned table."""
    return next((fk for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name)
                 if not fk.parent.nullable and fk.column.table.name in owned
                 and fk.column.table is not table), None)


def company_tables(metadata: MetaData | None = None) -> list[Table]:
    """The tables one company's data lives in, parents before children."""
    metadata = metadata or db.metadata
    owned: dict[str, Table] = {}
    for table in metadata.sorted_tables:
        if table.name in NOT_EXPORTED:
            continue
        if table.name == Company.__tablename__ or "company_id" in table.c or _owner_fk(
                table, owned):
            owned[table.name] = table
    return list(owned.values())


def _owner_clause(table: Table, company_id: int, owned: dict[str, Table]):
    if table.name == Company.__tablename__:
        return table.c.id == company_id
    if "company_id" in table.c:
        return table.c.company_id == company_id
    fk = _owner_fk(table, owned)
    parent = fk.column.table
    return fk.parent.in_(select(fk.column).where(_owner_clause(parent, company_id, owned)))


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _decode(column: Column, value: Any) -> Any:
    kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    if value is None:
        return None
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    return value


def schema_revision() -> str | None:
    return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()


def export_company(slug: str) -> dict[str, Any]:
    """Everything the company owns, table by table, as JSON-ready rows."""
    company = find_company(slug)
    if company is None:
        raise DomainError(f"No company has the slug {slug!r}.")
    tables = company_tables()
    owned = {table.name: table for table in tables}
    dump: dict[str, list[dict]] = {}
    for table in tables:
        rows = db.session.execute(select(table).where(_owner_clause(table, company.id, owned))
                                  .order_by(*table.primary_key.columns)).mappings()
        dump[table.name] = [{key: _encode(value) for key, value in row.items()} for row in rows]
    return {"format": FORMAT, "version": VERSION, "schema": schema_revision(),
            "company": slug, "exported_at": utcnow().isoformat(), "tables": dump}


def record_export(slug: str, counts: dict[str, int]) -> None:
    audit.record(OPERATOR_CLI, "company.export", find_company(slug), after={"rows": counts})


class _Restore:
    """One import: the id map of every table, and whether ids had to change."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        tables = company_tables()
        # Rows that name others by model and id come last, when every id map is complete
        # (nothing points at them by foreign key).
        self.tables = ([t for t in tables if t.name not in POLYMORPHIC]
                       + [t for t in tables if t.name in POLYMORPHIC])
        self.ids: dict[str, dict[int, int]] = {}
        self.remap = any(self._taken(table) for table in self.tables)

    def _rows(self, table: Table) -> list[dict]:
        return [{key: _decode(table.c[key], value) for key, value in row.items()
                 if key in table.c} for row in self.data["tables"].get(table.name, [])]

    def _taken(self, table: Table) -> bool:
        if "id" not in table.c:
            return False
        ids = [row["id"] for row in self.data["tables"].get(table.name, []) if "id" in row]
        return any(db.session.scalar(select(func.count()).select_from(table)
                                     .where(table.c.id.in_(ids[i:i + 500])))
                   for i in range(0, len(ids), 500))

    def _mapped(self, table: Table, row: dict) -> dict:
        row = dict(row)
        for fk in table.foreign_keys:
            name, target = fk.parent.name, fk.column.table.name
            if row.get(name) is not None and target in self.ids:
                row[name] = self.ids[target][row[name]]
        if table.name in POLYMORPHIC:
            kind_column, id_column = POLYMORPHIC[table.name]
            target = _table_of_model(row.get(kind_column))
            if row.get(id_column) is not None and target in self.ids:
                row[id_column] = self.ids[target].get(row[id_column], row[id_column])
        return row

    def load(self, table: Table) -> int:
        rows = self._rows(table)
        if "id" not in table.c:
            # An association table (a session's participants): its rows are foreign keys
            # only, and nothing points at them.
            for row in rows:
                db.session.execute(table.insert().values(
                    **(self._mapped(table, row) if self.remap else row)))
            return len(rows)
        own = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
        later = []  # self references, set once every row of the table exists
        self.ids[table.name] = ids = {}
        for row in rows:
            later.append({name: row.get(name) for name in own})
            fresh = {**row, **dict.fromkeys(own)}
            if self.remap:
                fresh = self._mapped(table, fresh)
                old = fresh.pop("id")
                inserted = db.session.execute(table.insert().values(**fresh))
                ids[old] = inserted.inserted_primary_key[0]
            else:
                db.session.execute(table.insert().values(**fresh))
                ids[row["id"]] = row["id"]
        for row, refs in zip(rows, later, strict=True):
            refs = {name: (ids[value] if value is not None else None)
                    for name, value in refs.items()}
            if any(value is not None for value in refs.values()):
                db.session.execute(update(table).where(table.c.id == ids[row["id"]])
                                   .values(**refs))
        return len(rows)


def _table_of_model(name: str | None) -> str | None:
    for mapper in db.Model.registry.mappers:
        if mapper.class_.__name__ == name:
            return mapper.local_table.name
    return None


def _rebuild_paths(company_id: int) -> None:
    """Reporting paths spell ids (``/1/7/42/``): after new ids, spell them again."""
    from .people.models import Person, reporting_paths

    managers = dict(db.session.execute(select(Person.id, Person.manager_id)
                                       .where(Person.company_id == company_id)).all())
    paths = reporting_paths(managers)
    if paths:
        db.session.execute(update(Person), [{"id": person_id, "path": path}
                                            for person_id, path in paths.items()])


def _advance_sequences(tables: list[Table]) -> None:
    """Rows inserted with their own ids leave PostgreSQL's sequences behind: move them on."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        if "id" in table.c and table.c.id.autoincrement is not False:
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"GREATEST((SELECT MAX(id) FROM {table.name}), 1))"))


def import_company(data: dict[str, Any]) -> tuple[Company, bool]:
    """Restore an exported company into this database, where it must not exist yet.
    Returns the company and whether its ids had to change."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DomainError("This file is not an orgladder company export.")
    if data.get("version") != VERSION:
        raise DomainError(f"This export has format version {data.get('version')}; this "
                          f"orgladder reads version {VERSION}.")
    if data.get("schema") != schema_revision():
        raise DomainError(f"The export was made at schema revision {data.get('schema')} and "
                          f"this database is at {schema_revision()}: migrate one to the other "
                          "first.")
    slug = data.get("company")
    if find_company(slug) is not None:
        raise DomainError(f"A company with the slug {slug!r} exists in this database; nothing "
                          "was imported.")
    restore = _Restore(data)
    try:
        counts = {table.name: restore.load(table) for table in restore.tables}
    except IntegrityError as error:
        raise DomainError("The export clashes with data in this database (an email address "
                          f"used here already?); nothing was imported. {error.orig}") from None
    company = find_company(slug)
    if restore.remap:
        _rebuild_paths(company.id)
    else:
        _advance_sequences(restore.tables)
    audit.record(OPERATOR_CLI, "company.restore", company,
                 after={"rows": counts, "ids_changed": restore.remap})
    return company, restore.remap
