"""The audit log: append-only, browsed and exported by HR of the company, filtered by actor,
action, target and dates."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from orgladder.access import Role
from orgladder.audit import AuditEvent, AuditLogIsAppendOnly
from orgladder.extensions import db
from orgladder.people.models import RoleGrant
from orgladder.people.service import assign_level

from .factories import levels_of, make_person

DAY = datetime(2021, 3, 2, 9, 0, tzinfo=UTC)


def rows_of(body: str) -> int:
    return body.count('<th scope="row">')


def test_hr_sees_only_their_company_newest_first(client, org):
    client.login(org.hr.email)
    body = client.get("/audit").get_data(as_text=True)
    assert "person.create" in body and "Eli Employee" in body
    assert "Zed Foreigner" not in body and "Zora Foreignhr" not in body
    assert body.index("auth.login") < body.index("person.create")  # newest first
    assert client.get("/audit").headers["Cache-Control"] == "no-store"


def test_filters_by_actor_action_target_and_dates(client, org):
    level = levels_of(org.a)["P3"]
    with freeze_time(DAY):
        assign_level(org.mgr, org.emp, level, date(2021, 3, 1), "Ready for more")
        db.session.flush()  # the event takes its time when it is written
    with freeze_time(DAY + timedelta(days=2)):
        assign_level(org.mgr, org.lead, level, date(2021, 3, 1), "Also ready")
        db.session.flush()
    db.session.commit()
    client.login(org.hr.email)

    def shown(**args) -> str:
        response = client.get("/audit", query_string=args)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    by_actor = shown(actor=org.mgr.email.upper())
    assert rows_of(by_actor) == 2 and "Ready for more" in by_actor and "Also ready" in by_actor
    assert rows_of(shown(action="level.assign")) == 2 + 7  # and the seven first levels
    one = shown(target_type="Person", target_id=org.emp.id, action="level.assign")
    assert "Ready for more" in one and "Also ready" not in one
    assert "Eli Employee" in one  # the target person's name
    dated = shown(action="level.assign", since="2021-03-02", until="2021-03-03")
    assert rows_of(dated) == 1 and "Ready for more" in dated
    assert rows_of(shown(action="level.assign", since="2021-03-04", until="2021-03-04")) == 1
    assert "No event matches" in shown(actor="nobody@acmetest.test")
    assert rows_of(shown(action="level.assign", until="9999-12-31")) == 2 + 7  # the last day


def test_bad_filter_values_are_field_errors(client, org):
    client.login(org.hr.email)
    response = client.get("/audit", query_string={"since": "yesterday", "target_id": "-4",
                                                   "until": "2020-01-01"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.count('class="field-error"') == 2
    assert "person.create" in body  # the valid part of the filter still applies


def test_pages(client, org, app, queries):
    client.login(org.hr.email)
    app.config["AUDIT_PAGE_SIZE"] = 5
    try:
        first = client.get("/audit").get_data(as_text=True)
        total = db.session.scalar(select(db.func.count(AuditEvent.id))
                                  .where(AuditEvent.company_id == org.a.id))
        assert rows_of(first) == 5 and f"Page 1 of {-(-total // 5)}" in first
        last_page = -(-total // 5)
        last = client.get("/audit", query_string={"page": last_page}).get_data(as_text=True)
        assert rows_of(last) == total - 5 * (last_page - 1)
        assert "company.create" in last  # the oldest event comes last
        # A page costs the same queries however many events there are.
        with queries() as before:
            client.get("/audit")
        for i in range(30):
            make_person(org.a, f"Extra {i}", manager=org.mgr)
        db.session.commit()
        with queries() as after:
            client.get("/audit")
        assert len(after) == len(before)
    finally:
        app.config["AUDIT_PAGE_SIZE"] = 50


def test_csv_export_escapes_formulas_and_is_audited(client, org):
    make_person(org.a, "=HYPERLINK(\"http://evil.example\")", email="formula@acmetest.test",
                manager=org.mgr)
    db.session.commit()
    client.login(org.hr.email)
    response = client.get("/audit.csv", query_string={"action": "person.create"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="acmetest-audit.csv"'
    text_ = response.get_data(as_text=True)
    assert text_.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text_.lstrip("\ufeff"))))
    assert {row["action"] for row in rows} == {"person.create"}
    assert len(rows) == 9  # the eight people of company A and the new one
    evil = next(row for row in rows if row["target_id"] == str(
        db.session.scalar(select(AuditEvent.target_id).where(
            AuditEvent.action == "person.create").order_by(AuditEvent.id.desc()).limit(1))))
    assert evil["target_name"].startswith("'=HYPERLINK")
    for row in rows:
        assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())
    assert "Zed Foreigner" not in text_
    export = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.export")
                                .where(AuditEvent.company_id == org.a.id)).one()
    assert export.actor_id == org.hr.id and export.after == {"action": "person.create"}


def test_only_company_wide_hr_reads_the_log(client, org):
    scoped = make_person(org.a, "Sol Scoped")
    db.session.add(RoleGrant(company_id=org.a.id, person_id=scoped.id, role=Role.HR.value,
                             scope_root_id=org.mgr.id))
    db.session.commit()
    client.login(scoped.email)
    assert client.get("/audit").status_code == 403
    assert client.get("/audit.csv").status_code == 403
    client.login(org.mgr.email)
    assert client.get("/audit").status_code == 403
    assert 'href="/audit"' not in client.get("/").get_data(as_text=True)
    client.login(org.hr.email)
    assert 'href="/audit"' in client.get("/").get_data(as_text=True)


def test_the_application_cannot_edit_or_delete_an_event(org):
    event = db.session.scalars(select(AuditEvent)).first()
    event.action = "nothing.happened"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    event = db.session.scalars(select(AuditEvent)).first()
    db.session.delete(event)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    for statement in (update(AuditEvent).values(action="x"), delete(AuditEvent)):
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.execute(statement)
        db.session.rollback()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET action = 'nothing.happened'",
    "DELETE FROM audit_events",
    "TRUNCATE audit_events",
])
def test_postgresql_refuses_edits_whoever_asks(org, statement):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL; SQLite relies on the application")
    count = db.session.scalar(select(db.func.count(AuditEvent.id)))
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(text(statement))
    assert db.session.scalar(select(db.func.count(AuditEvent.id))) == count
