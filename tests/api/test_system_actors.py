"""The audit log names the system actor that acted, on the page, in the CSV and in the API."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import select

from orgladder.actors import OPERATOR_CLI
from orgladder.audit import AuditEvent
from orgladder.extensions import db
from orgladder.people.models import LevelAssignment
from orgladder.people.service import assign_level

from ..factories import levels_of


def test_the_audit_log_names_the_system_actor(client, org, api):
    assignment = assign_level(OPERATOR_CLI, org.emp, levels_of(org.a)["P3"], date.today(),
                              "Set on the command line")
    db.session.commit()
    assert db.session.get(LevelAssignment, assignment.id).decided_by_id is None
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "level.assign")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.actor_id is None and event.actor_name == "Operator (command line)"

    client.login(org.hr.email)
    assert "Operator (command line)" in client.get("/audit?action=level.assign").get_data(
        as_text=True)
    rows = list(csv.DictReader(io.StringIO(
        client.get("/audit.csv?action=level.assign").get_data(as_text=True).lstrip("\ufeff"))))
    assert "Operator (command line)" in {row["actor_name"] for row in rows}
    body = api(org.hr).get("/api/v1/audit?action=level.assign").get_json()
    assert "Operator (command line)" in {item["actor_name"] for item in body["items"]}

