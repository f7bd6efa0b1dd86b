"""Every write endpoint leaves an audit event: each is sent a valid submission
(``write_examples``), a form with its CSRF token and an API call with its actor's bearer token,
and must answer as a success does, with the expected event by its actor."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from orgladder.audit import AuditEvent
from orgladder.extensions import db

from .factories import PASSWORD, make_token
from .write_examples import WRITE_EXAMPLES, write_endpoints


def test_every_write_endpoint_has_an_example(app):
    missing = write_endpoints(app) - set(WRITE_EXAMPLES)
    assert not missing, f"add a valid submission to tests/write_examples.py for {missing}"
    assert set(WRITE_EXAMPLES) <= write_endpoints(app)


def test_the_check_catches_a_new_write_endpoint(database_url):
    from orgladder import create_app
    from orgladder.access import Permission, requires

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})

    @app.post("/canary")
    @requires(Permission.VIEW_SELF)
    def canary():
        return "written, unaudited"

    assert write_endpoints(app) - set(WRITE_EXAMPLES) == {"canary"}


def last_event_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def send(client, org, example):
    """Sign in as the example's actor and post its form with the page's CSRF token."""
    example.setup(org)
    actor = getattr(org, example.actor) if example.actor else None
    if actor is not None:
        client.login(actor.email, PASSWORD)
    else:
        client._cookies.clear()
    path = example.path(org)
    token = client.csrf_token(example.token_from(org) if example.token_from else path)
    return actor, path, token


def send_api(client, org, example):
    """Set the API call up as a script would: the actor's bearer token and, for a PATCH, the
    If-Match of the resource as a GET just read it. Returns the actor, the path and headers."""
    example.setup(org)
    actor = getattr(org, example.actor)
    path = example.path(org)
    headers = {"Authorization": f"Bearer {make_token(actor, name='example')}"}
    if example.method == "PATCH":
        read = client.get(path, headers=headers)
        assert read.status_code == 200, read.get_data(as_text=True)
        headers["If-Match"] = read.headers["ETag"]
    return actor, path, headers


def submit(client, org, example):
    if example.api:
        actor, path, headers = send_api(client, org, example)
        before = last_event_id()
        return actor, before, client.open(path, method=example.method, json=example.data(org),
                                          headers=headers)
    actor, path, token = send(client, org, example)
    before = last_event_id()
    return actor, before, client.post(
        path, data={**example.data(org), "csrf_token": token},
        content_type="multipart/form-data" if example.files else None)


@pytest.mark.parametrize("endpoint", sorted(WRITE_EXAMPLES))
def test_a_successful_write_is_audited(client, org, endpoint):
    example = WRITE_EXAMPLES[endpoint]
    actor, before, response = submit(client, org, example)
    assert response.status_code == example.status, response.get_data(as_text=True)[:3000]
    new = list(db.session.scalars(select(AuditEvent).where(AuditEvent.id > before)))
    assert example.action in {event.action for event in new}, [e.action for e in new]
    event = next(event for event in new if event.action == example.action)
    assert event.actor_id == (actor or org.emp).id
    assert event.company_id == org.a.id
