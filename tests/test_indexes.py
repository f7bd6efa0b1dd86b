"""Every foreign key, and every company's lookups, can be answered from an index.

A foreign key without an index makes each delete of the parent and each join from it scan the
child table; a tenant table without a leading ``company_id`` index makes every page of every
company scan every other company's rows.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Table, inspect, text

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


def test_postgresql_plans_each_statement_for_its_parameters(app):
    """psycopg prepares a statement from its fifth run on; a generic plan for "path LIKE
    :prefix || '%'" cannot use the reporting-path index, so every connection asks for custom
    plans."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only: SQLite prepares no plans across runs")
        assert db.session.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
