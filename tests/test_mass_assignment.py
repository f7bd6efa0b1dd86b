"""Forms write only their own fields: extra fields in a submission change nothing (ASVS
15.3.3), and the client address comes from X-Forwarded-For only behind configured proxies."""

from __future__ import annotations

import json

from sqlalchemy import select

from orgladder import create_app
from orgladder.audit import AuditEvent
from orgladder.extensions import db
from orgladder.people import hr
from orgladder.people.models import Person

from .conftest import Client
from .factories import PASSWORD


def test_extra_fields_in_the_person_form_are_ignored(client, org):
    state = hr.snapshot(org.emp)
    client.login(org.hr.email)
    response = client.post_form(f"/people/{org.emp.id}/edit", {
        **state, "roles": [], "seen": json.dumps(state), "name": "Eli Renamed",
        # not fields of this form: a crafted submission adds them
        "active": "", "company_id": org.b.id, "password_hash": "x", "path": "/",
        "manager_id": org.peer_mgr.id, "id": org.peer.id})
    assert response.status_code == 302
    db.session.expire_all()
    person = db.session.get(Person, org.emp.id)
    assert person.name == "Eli Renamed"
    assert (person.active, person.company_id, person.manager_id) == (True, org.a.id, org.mgr.id)
    assert person.path == org.mgr.path + f"{org.emp.id}/"
    assert client.login(org.emp.email, PASSWORD).status_code == 302
    assert db.session.get(Person, org.peer.id).name == "Pia Peer"


def sign_in_address(database_url: str, proxies: int) -> str:
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url,
                                 "TRUSTED_PROXIES": proxies})
    app.test_client_class = Client
    client = app.test_client()
    client.post_form("/login", {"email": f"proxy{proxies}@nowhere.test", "password": "x"},
                     headers={"X-Forwarded-For": "203.0.113.9"},
                     environ_base={"REMOTE_ADDR": "10.0.0.2"})
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "auth.login_failed").order_by(AuditEvent.id.desc())).first()
        assert event.after["email"] == f"proxy{proxies}@nowhere.test"
        return event.ip


def test_forwarded_addresses_are_trusted_only_behind_configured_proxies(database_url):
    assert sign_in_address(database_url, 0) == "10.0.0.2"
    assert sign_in_address(database_url, 1) == "203.0.113.9"
