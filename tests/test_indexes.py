"""Every foreign key, and every company's lookups, can be answered from an index.

A foreign key without an index makes each delete of the parent and each join from it scan the
child table; a tenant table without a leading ``company_id`` index makes every page of every
company scan every other company's rows.
"""

from __future__ import annotations

from sqlalchemy import Table, inspect, select

from orgladder.extensions import db


def leading_columns(table: Table) -> set[str]:
    """Columns that lead an index, the primary key or a unique constraint of ``table``."""
    leaders = {index.columns.keys()[0] for index in table.indexes}
    for constraint in table.constraints:
        names = [column.name for column in getattr(constraint, "columns", [])]
        if names and type(constraint).__name__ in ("PrimaryKeyConstraint", "UniqueConstraint"):
            leaders.add(names[0])
    return leaders


def test_every_foreign_key_leads_an_index(app):
    missing = [
        f"{table.name}.{key.parent.name}"
        for table in db.metadata.sorted_tables
        for key in table.foreign_keys
        if key.parent.name not in leading_columns(table)
    ]
    assert missing == []


def test_every_company_owned_table_is_indexed_by_company(app):
    owned = [table for table in db.metadata.sorted_tables if "company_id" in table.columns]
    assert len(owned) >= 8  # the check looks at the real tables, not an empty list
    assert [table.name for table in owned if "company_id" not in leading_columns(table)] == []


def test_the_database_has_the_indexes_the_models_declare(app):
    """The migrations built what the models say, on SQLite and PostgreSQL alike."""
    with app.app_context():
        inspector = inspect(db.engine)
        for table in db.metadata.sorted_tables:
            built = {index["name"] for index in inspector.get_indexes(table.name)}
            declared = {index.name for index in table.indexes}
            assert declared <= built, (table.name, declared - built)


def test_the_subtree_prefix_is_written_into_the_statement(app, queries):
    """psycopg prepares a statement from its fifth run on, and a generic plan for a bound
    "path LIKE :prefix || '%'" cannot use the path index. The prefix is part of the SQL text,
    so every plan sees it."""
    from orgladder.people.models import Person

    with app.app_context(), queries() as sent:
        db.session.execute(select(Person.id).where(Person.path_within("/1/23/"))).all()
    assert "'/1/23/'" in sent[-1]


def test_the_scope_is_written_into_the_statement(org, queries):
    """Likewise the company and, where the actor's own path does not cover them, the actor:
    a generic plan for a bound company guesses an average company and, for the one large
    company, reads all its people by company instead of a subtree by path."""
    from orgladder.access import scope_clause
    from orgladder.people.models import Person

    for actor, written in [(org.mgr, [f"people.company_id = {org.a.id}", f"'{org.mgr.path}'"]),
                           (org.hr, [f"people.company_id = {org.a.id}"]),
                           (org.emp, [f"people.id = {org.emp.id}"])]:
        with queries() as sent:
            seen = db.session.scalars(select(Person.id).where(scope_clause(actor))).all()
        assert all(part in sent[-1] for part in written), (actor.name, sent[-1])
        assert "%(" not in sent[-1] and "?" not in sent[-1]  # nothing left to bind
        assert actor.id in seen
