"""Backup and restore of one company: export, import into another database, compare.

The target database is a fresh SQLite file, or on PostgreSQL a fresh schema of the test
database, built by the migrations like any new deployment.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import date

import pytest
from flask_migrate import upgrade
from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    create_engine,
    insert,
    text,
)

from orgladder import create_app
from orgladder.access import Role
from orgladder.actors import SYSTEM_SEED
from orgladder.backup import NOT_EXPORTED, POLYMORPHIC, company_tables, export_company
from orgladder.calibration import entries
from orgladder.calibration.states import CycleState
from orgladder.companies import create_company
from orgladder.extensions import db, utcnow
from orgladder.people import hr, importer
from orgladder.people.models import RoleGrant
from orgladder.people.service import assign_level
from orgladder.tenancy import Company

from .calibration_setup import advance_to, entry_of, standard_cycle
from .conftest import Client
from .factories import PASSWORD, levels_of


@pytest.fixture
def other_database(database_url, tmp_path):
    """A factory of apps on empty databases at the current schema."""
    schemas: list[str] = []

    def make():
        options: dict = {"pool_pre_ping": True}
        url = f"sqlite:///{tmp_path / f'restore-{len(schemas)}.db'}"
        if database_url.startswith("postgresql"):
            url, schema = database_url, f"restore_{uuid.uuid4().hex[:10]}"
            schemas.append(schema)
            with create_engine(url).begin() as connection:
                connection.execute(text(f"CREATE SCHEMA {schema}"))
            options["connect_args"] = {"options": f"-csearch_path={schema}"}
        else:
            schemas.append(url)
        target = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url,
                                         "SQLALCHEMY_ENGINE_OPTIONS": options})
        target.test_client_class = Client
        with target.app_context():
            upgrade()
        apps.append(target)
        return target

    apps: list = []
    yield make
    for target in apps:
        with target.app_context():
            db.engine.dispose()
    if database_url.startswith("postgresql"):
        with create_engine(database_url).begin() as connection:
            for schema in schemas:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def rich_company(org) -> None:
    """Company A with history in every table: level changes, a deactivated person, a scoped
    grant, a second ladder version and an import waiting for confirmation."""
    levels = levels_of(org.a)
    assign_level(org.mgr, org.emp, levels["P3"], date(2025, 6, 1), "Promoted")
    hr.set_active(org.hr, org.peer, False)
    org.a  # noqa: B018 - loaded
    org.emp.grants.append(RoleGrant(company_id=org.a.id, role=Role.HR.value,
                                    scope_root_id=org.lead.id))
    from orgladder.ladders import editing, versions

    ladder = org.ladder_a
    editing.update_ladder(org.hr, ladder, ladder.name, "Version two", ladder.revision)
    versions.publish(org.hr, ladder, "Second version")
    data = f"email,name,manager_email,level\nnew@acmetest.test,Nia New,{org.mgr.email},P1\n"
    importer.dry_run(org.hr, "people.csv", data.encode())
    db.session.commit()
    calibrations(org)


NOTE = "Led the billing discovery on her own"


def calibrations(org) -> None:
    """A finalized cycle and one in session, each with two sessions and their participants,
    entries whose calibrated values differ from what was prepared, and a notes thread."""
    levels = levels_of(org.a)
    for name, state in (("H1 2026", CycleState.FINALIZED), ("H2 2026", CycleState.IN_SESSION)):
        cycle = standard_cycle(org, CycleState.PREPARATION, name=name)
        entry = entry_of(cycle, org.emp)
        entries.save_entry(org.mgr, entry, proposed_level=levels["P4"], performance=4,
                           potential=2, promotion_ready=True, expected_revision=entry.revision)
        advance_to(org.hr, cycle, CycleState.IN_SESSION)
        entry = entry_of(cycle, org.emp)
        entries.save_entry(org.lead, entry, proposed_level=levels["P4"], performance=5,
                           potential=3, promotion_ready=True, expected_revision=entry.revision)
        entries.add_note(org.mgr, entry, f"{name}: {NOTE}")
        entries.add_note(org.lead, entry, f"{name}: agreed, and she mentors Ida")
        advance_to(org.hr, cycle, state)
    db.session.commit()


def run_in(target, *args):
    """A command against ``target`` (the test's own app context would otherwise win)."""
    with target.app_context():
        return target.test_cli_runner().invoke(args=list(args))


def export_file(app, tmp_path, slug="acmetest"):
    path = tmp_path / f"{slug}.json"
    result = app.test_cli_runner().invoke(args=["export-company", slug, str(path)])
    assert result.exit_code == 0, result.output
    return path, json.loads(path.read_text())


def without_restore(dump: dict) -> dict:
    """The dump without what the restore itself leaves: its audit event, and the data
    revision that every audited write moves."""
    dump = {key: value for key, value in dump.items() if key != "exported_at"}
    tables = dict(dump["tables"])
    tables["audit_events"] = [row for row in tables["audit_events"]
                              if row["action"] != "company.restore"]
    tables["companies"] = [{key: value for key, value in row.items() if key != "data_revision"}
                           for row in tables["companies"]]
    return {**dump, "tables": tables}


def test_round_trip_gives_an_identical_company(app, org, other_database, tmp_path):
    rich_company(org)
    path, original = export_file(app, tmp_path)
    assert original["company"] == "acmetest"
    counts = {name: len(rows) for name, rows in original["tables"].items()}
    for table in ("companies", "people", "role_grants", "level_assignments", "ladders",
                  "tracks", "levels", "competencies", "expectations", "ladder_versions",
                  "import_batches", "audit_events", "calibration_cycles",
                  "calibration_sessions", "calibration_participants", "calibration_entries",
                  "calibration_notes"):
        assert counts[table] > 0, table
    assert "Zed Foreigner" not in path.read_text()  # nothing of the other company

    target = other_database()
    result = run_in(target, "import-company", str(path))
    assert result.exit_code == 0, result.output
    assert "new ids" not in result.output
    with target.app_context():
        restored = export_company("acmetest")
    assert without_restore(restored) == without_restore(original)
    assert (restored["tables"]["companies"][0]["data_revision"]
            == original["tables"]["companies"][0]["data_revision"] + 1)
    client = target.test_client()
    assert client.login(org.emp.email, PASSWORD).status_code == 302
    assert "Eli Employee" in client.get("/me").get_data(as_text=True)
    calibrations_survive(client, org, original)
    # New rows get fresh ids after the restored ones (PostgreSQL's sequences moved on).
    with target.app_context():
        company = create_company(SYSTEM_SEED, "Next", "next")
        db.session.commit()
        assert company.id > max(row["id"] for row in original["tables"]["companies"])


def calibrations_survive(client, org, dump: dict) -> None:
    """The restored cycles keep their states, what was prepared beside what was calibrated,
    the sessions' participants and the notes, and the notes stay hidden from Eli."""
    tables = dump["tables"]
    cycles = {row["id"]: row for row in tables["calibration_cycles"]}
    assert sorted(row["state"] for row in cycles.values()) == ["finalized", "in_session"]
    elis = {cycles[row["cycle_id"]]["state"]: row for row in tables["calibration_entries"]
            if row["person_id"] == org.emp.id}
    for entry in elis.values():
        assert (entry["original_performance"], entry["performance"]) == (4, 5)
        assert (entry["original_potential"], entry["potential"]) == (2, 3)
    assert elis["finalized"]["locked_at"] and not elis["in_session"]["locked_at"]
    assert len(tables["calibration_participants"]) == 8  # two per session, two sessions a cycle
    assert len(tables["calibration_notes"]) == 4
    in_session = elis["in_session"]["id"]
    assert client.get(f"/calibrations/entries/{in_session}").status_code == 403
    assert NOTE not in client.get("/me").get_data(as_text=True)
    client.login(org.mgr.email, PASSWORD)
    body = client.get(f"/calibrations/entries/{in_session}").get_data(as_text=True)
    assert f"H2 2026: {NOTE}" in body and "agreed, and she mentors Ida" in body
    session = next(row for row in tables["calibration_sessions"]
                   if row["id"] == elis["in_session"]["session_id"])
    body = client.get(f"/calibrations/sessions/{session['id']}").get_data(as_text=True)
    assert "Eli Employee" in body and "Ida Indirect" in body


def by_position(dump: dict) -> dict:
    """The dump with every id replaced by the row's position in its table, so two dumps of
    one company under different ids compare equal."""
    dump = without_restore(dump)
    tables = {name: [dict(row) for row in rows] for name, rows in dump["tables"].items()}
    position = {name: {row["id"]: i for i, row in enumerate(rows)}
                for name, rows in tables.items() if "id" in db.metadata.tables[name].c}
    model_table = {m.class_.__name__: m.local_table.name for m in db.Model.registry.mappers}
    for name, rows in tables.items():
        table = db.metadata.tables[name]
        for row in rows:
            if name in position:  # association tables have no id of their own
                row["id"] = position[name][row["id"]]
            for fk in table.foreign_keys:
                target = fk.column.table.name
                if row.get(fk.parent.name) is not None:
                    row[fk.parent.name] = position[target][row[fk.parent.name]]
            if name in POLYMORPHIC:
                kind, ref = POLYMORPHIC[name]
                target = model_table.get(row[kind])
                if row[ref] is not None and target in position:
                    row[ref] = position[target].get(row[ref], row[ref])
            if name == "people":
                row["path"] = re.sub(r"\d+", lambda m: str(position["people"][int(m[0])]),
                                     row["path"])
    return {**dump, "tables": tables}


def test_a_restore_renumbers_when_ids_are_taken(app, org, other_database, tmp_path):
    rich_company(org)
    path, original = export_file(app, tmp_path)
    target = other_database()
    taken = original["tables"]["companies"][0]["id"]
    with target.app_context():
        if create_company(SYSTEM_SEED, "Occupier", "occupier").id != taken:
            db.session.execute(insert(Company).values(id=taken, name="Squatter",
                                                      slug="squatter", created_at=utcnow()))
        db.session.commit()
    result = run_in(target, "import-company", str(path))
    assert result.exit_code == 0, result.output
    assert "with new ids" in result.output
    with target.app_context():
        restored = export_company("acmetest")
    assert restored["tables"]["companies"][0]["id"] != original["tables"]["companies"][0]["id"]
    ours, theirs = by_position(restored), by_position(original)
    for name in theirs["tables"]:
        assert ours["tables"][name] == theirs["tables"][name], name
    assert ours == theirs
    client = target.test_client()
    client.login(org.mgr.email, PASSWORD)
    body = client.get("/people").get_data(as_text=True)
    assert "Eli Employee" in body and "Ida Indirect" in body and "Pia Peer" not in body


def test_a_company_that_exists_is_refused(app, org, tmp_path):
    path, _ = export_file(app, tmp_path)
    result = run_in(app, "import-company", str(path))
    assert result.exit_code != 0 and "exists in this database" in result.output


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: {**d, "schema": "0000_other"}, "schema revision"),
    (lambda d: {**d, "format": "something else"}, "not an orgladder company export"),
])
def test_a_foreign_or_mismatched_file_is_refused(app, org, other_database, tmp_path, change,
                                                 message):
    path, data = export_file(app, tmp_path)
    path.write_text(json.dumps(change(data)))
    target = other_database()
    result = run_in(target, "import-company", str(path))
    assert result.exit_code != 0 and message in result.output


def test_exports_are_audited(app, org, tmp_path):
    from sqlalchemy import select

    from orgladder.audit import AuditEvent

    export_file(app, tmp_path)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "company.export",
                                                        AuditEvent.company_id == org.a.id)).one()
    assert event.after["rows"]["people"] == 8


def test_every_table_is_exported_or_excluded_with_a_reason(app):
    exported = {table.name for table in company_tables()}
    assert exported | set(NOT_EXPORTED) == set(db.metadata.tables)
    assert not exported & set(NOT_EXPORTED)
    assert all(len(reason) > 20 for reason in NOT_EXPORTED.values())
    # Tables restored last, after every id map is known: nothing may point at them.
    assert not [fk for table in db.metadata.sorted_tables for fk in table.foreign_keys
                if fk.column.table.name in POLYMORPHIC]


def test_a_new_company_owned_table_is_picked_up_without_code_changes(app):
    """Tables added later travel with the company on their own."""
    metadata = MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(metadata)
    Table("reviews", metadata, Column("id", Integer, primary_key=True),
          Column("company_id", ForeignKey("companies.id"), nullable=False))
    Table("review_comments", metadata, Column("id", Integer, primary_key=True),
          Column("review_id", ForeignKey("reviews.id"), nullable=False),
          Column("person_id", ForeignKey("people.id"), nullable=False))
    names = [table.name for table in company_tables(metadata)]
    assert {"reviews", "review_comments"} <= set(names)
    assert names.index("reviews") < names.index("review_comments")
    assert set(names) | set(NOT_EXPORTED) == set(metadata.tables)
