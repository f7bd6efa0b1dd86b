"""Session lifetimes (inactivity timeout, absolute lifetime), sessions ended by deactivation,
and changes of manager or roles applied on the very next request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun import freeze_time
from sqlalchemy import func, select

from orgladder.access import Role
from orgladder.actors import SYSTEM_SEED
from orgladder.auth.models import AuthSession
from orgladder.extensions import db
from orgladder.people import hr
from orgladder.people.models import Person
from orgladder.people.service import set_manager

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def sessions_of(person) -> int:
    return db.session.scalar(select(func.count(AuthSession.id))
                             .where(AuthSession.person_id == person.id))


def signed_in(client) -> bool:
    response = client.get("/me")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_inactivity_timeout(client, org, app):
    assert app.config["SESSION_IDLE_MINUTES"] == 30
    with freeze_time(START) as clock:
        client.login(org.emp.email)
        # Every request pushes the timeout back: 3 hours of activity, 25 minutes apart.
        for _ in range(7):
            clock.tick(timedelta(minutes=25))
            assert signed_in(client)
        clock.tick(timedelta(minutes=31))
        assert not signed_in(client)
        response = client.get("/people")
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_absolute_lifetime_ends_even_an_active_session(client, org, app):
    assert app.config["SESSION_MAX_HOURS"] == 12
    with freeze_time(START) as clock:
        client.login(org.emp.email)
        for _ in range(47):  # a request every quarter of an hour for 11 h 45 min
            clock.tick(timedelta(minutes=15))
            assert signed_in(client)
        clock.tick(timedelta(minutes=14))
        assert signed_in(client)
        clock.tick(timedelta(minutes=2))  # 12 hours and 1 minute after signing in
        assert not signed_in(client)
        assert client.login(org.emp.email).status_code == 302  # a new sign-in starts afresh
        assert signed_in(client)


def test_last_seen_is_written_at_most_once_a_minute(client, org):
    with freeze_time(START) as clock:
        client.login(org.emp.email)
        session = db.session.scalar(select(AuthSession).where(AuthSession.person_id == org.emp.id))
        clock.tick(timedelta(seconds=30))
        client.get("/me")
        db.session.refresh(session)
        assert session.last_seen_at == START
        clock.tick(timedelta(seconds=31))
        client.get("/me")
        db.session.refresh(session)
        assert session.last_seen_at == START + timedelta(seconds=61)


def test_expired_sessions_are_purged_at_the_next_sign_in(app, client, org):
    with freeze_time(START) as clock:
        app.test_client().login(org.emp.email)
        clock.tick(timedelta(hours=13))
        client.login(org.emp.email)
    assert sessions_of(org.emp) == 1


def test_deactivating_a_person_ends_all_their_sessions(app, client, org):
    laptop, phone = app.test_client(), app.test_client()
    laptop.login(org.emp.email)
    phone.login(org.emp.email)
    assert signed_in(laptop) and signed_in(phone) and sessions_of(org.emp) == 2
    client.login(org.hr.email)
    response = client.post_form(f"/people/{org.emp.id}/deactivate",
                                token_from=f"/people/{org.emp.id}")
    assert response.status_code == 302
    assert sessions_of(org.emp) == 0
    assert not signed_in(laptop) and not signed_in(phone)
    # Reactivation does not bring the old sessions back.
    client.post_form(f"/people/{org.emp.id}/reactivate", token_from=f"/people/{org.emp.id}")
    assert not signed_in(laptop)


def test_a_new_manager_applies_on_the_very_next_request(app, client, org):
    client.login(org.mgr.email)
    assert client.get(f"/people/{org.emp.id}").status_code == 200
    assert client.get(f"/people/{org.peer.id}").status_code == 403
    set_manager(SYSTEM_SEED, db.session.get(Person, org.emp.id),
                db.session.get(Person, org.peer_mgr.id))
    set_manager(SYSTEM_SEED, db.session.get(Person, org.peer.id),
                db.session.get(Person, org.mgr.id))
    db.session.commit()
    assert client.get(f"/people/{org.emp.id}").status_code == 403
    assert client.get(f"/people/{org.peer.id}").status_code == 200
    assert client.get(f"/people/{org.peer.id}/level").status_code == 200


def test_role_changes_apply_on_the_very_next_request(app, client, org):
    client.login(org.mgr.email)
    assert client.get("/people").status_code == 200
    assert client.get("/people/new").status_code == 403
    hr.set_roles(SYSTEM_SEED, db.session.get(Person, org.mgr.id), [Role.HR.value])
    db.session.commit()
    assert client.get("/people/new").status_code == 200
    assert client.get(f"/people/{org.peer.id}").status_code == 200  # HR sees the company
    hr.set_roles(SYSTEM_SEED, db.session.get(Person, org.mgr.id), [])
    db.session.commit()
    assert client.get("/people").status_code == 403
    assert client.get(f"/people/{org.emp.id}/level").status_code == 403
    assert client.get("/me").status_code == 200
