"""Account lockout: repeated failed sign-ins with one email address pause signing in with it,
with one message whether the account exists or not, and every step is in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from orgladder.audit import AuditEvent
from orgladder.extensions import db

from .factories import PASSWORD

LOCKED = "Too many failed sign-ins with this email address"
BAD_LOGIN = "The email or the password is not right."
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def threshold(app):
    """Three failures within 15 minutes pause the address for 15 minutes."""
    saved = {k: app.config[k] for k in ("LOCKOUT_THRESHOLD", "LOCKOUT_WINDOW_MINUTES",
                                        "LOCKOUT_MINUTES")}
    app.config.update(LOCKOUT_THRESHOLD=3, LOCKOUT_WINDOW_MINUTES=15, LOCKOUT_MINUTES=15)
    yield 3
    app.config.update(saved)


def attempt(client, email: str, password: str = "wrong password"):
    response = client.login(email, password)
    return response.status_code, response.get_data(as_text=True)


def events(action: str, email: str) -> list[AuditEvent]:
    return [e for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                          .order_by(AuditEvent.id))
            if (e.after or {}).get("email") == email]


def test_repeated_failures_lock_the_account_for_a_while(client, org, threshold):
    with freeze_time(START) as clock:
        for _ in range(threshold - 1):
            status, body = attempt(client, org.emp.email)
            assert status == 422 and BAD_LOGIN in body and LOCKED not in body
        status, body = attempt(client, org.emp.email)
        assert status == 422 and LOCKED in body and "15 minutes" in body

        # Even the right password is refused while the pause lasts.
        status, body = attempt(client, org.emp.email, PASSWORD)
        assert status == 422 and LOCKED in body
        assert client.get("/me").status_code == 302

        clock.tick(timedelta(minutes=14))
        assert LOCKED in attempt(client, org.emp.email, PASSWORD)[1]
        clock.tick(timedelta(minutes=2))
        assert client.login(org.emp.email, PASSWORD).status_code == 302
        assert client.get("/me").status_code == 200

    lockout = events("auth.lockout", org.emp.email)
    assert len(lockout) == 1
    assert (lockout[0].target_type, lockout[0].target_id) == ("Person", org.emp.id)
    assert lockout[0].company_id == org.a.id
    reasons = [e.after["reason"] for e in events("auth.login_failed", org.emp.email)]
    assert reasons == ["bad_credentials"] * 3 + ["locked"] * 2
    assert [e.actor_id for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.login",
                                 AuditEvent.target_id == org.emp.id))] == [org.emp.id]


def test_an_unknown_address_is_paused_the_same_way(client, org, threshold):
    """The pause tells nothing about whether an account exists."""
    with freeze_time(START):
        bodies = [attempt(client, "nobody@acmetest.test")[1] for _ in range(threshold + 1)]
    assert [LOCKED in body for body in bodies] == [False, False, True, True]
    (lockout,) = events("auth.lockout", "nobody@acmetest.test")
    assert lockout.company_id is None and lockout.target_id is None


def test_a_successful_sign_in_starts_the_count_afresh(client, org, threshold):
    with freeze_time(START):
        for _ in range(threshold - 1):
            attempt(client, org.emp.email)
        assert client.login(org.emp.email, PASSWORD).status_code == 302
        for _ in range(threshold - 1):
            assert LOCKED not in attempt(client, org.emp.email)[1]


def test_failures_outside_the_window_do_not_add_up(client, org, threshold):
    with freeze_time(START) as clock:
        for _ in range(threshold - 1):
            attempt(client, org.emp.email)
        clock.tick(timedelta(minutes=16))
        for _ in range(threshold - 1):
            assert LOCKED not in attempt(client, org.emp.email)[1]
        assert LOCKED in attempt(client, org.emp.email)[1]


def test_locking_one_account_leaves_the_others_alone(client, org, threshold):
    with freeze_time(START):
        for _ in range(threshold):
            attempt(client, org.emp.email)
        assert client.login(org.mgr.email, PASSWORD).status_code == 302
