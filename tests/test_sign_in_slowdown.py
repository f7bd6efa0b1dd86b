"""Sign-in slow-down: failures make the next attempt wait, growing and capped, never a lock;
a browser that signed in to the account before (its device cookie) is not slowed by failures
from elsewhere; the page says the real wait, in words and in Retry-After; the answer never
tells whether an account exists, and every step is in the audit log."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from orgladder.audit import AuditEvent
from orgladder.auth import throttle
from orgladder.extensions import db
from orgladder.web import wait_in_words

from .factories import PASSWORD

SLOWED = "Too many failed sign-ins with this email address"
BAD_LOGIN = "The email or the password is not right."
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ATTACKER = "203.0.113.9"
# With the default settings: 5 free failures, then 5 s doubling up to 300 s.
WAITS = [None, None, None, None, 5, 10, 20, 40, 80, 160, 300, 300]


def attempt(client, email: str, password: str = "wrong password", *, fresh: bool = True):
    """One sign-in attempt; ``fresh`` is a browser with no cookies (no device cookie)."""
    if fresh:
        client._cookies.clear()
    response = client.post_form("/login", {"email": email, "password": password})
    wait = response.headers.get("Retry-After")
    return response.status_code, int(wait) if wait else None, response.get_data(as_text=True)


def fail_counted(client, email: str, times: int, clock) -> list[int | None]:
    """``times`` wrong passwords from an untrusted browser, each made once the previous wait
    is over (so each one is checked and counted); the waits they imposed. The clock stops
    right after the last one, with its wait still to run."""
    waits: list[int | None] = []
    for _ in range(times):
        clock.tick(timedelta(seconds=waits[-1] or 0 if waits else 0))
        status, wait, _ = attempt(client, email)
        assert status in (422, 429)
        waits.append(wait)
    return waits


def browser_at(app, address: str):
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def trusted_browser(app, email: str):
    """A browser that signed in to ``email`` once and signed out: it keeps the device cookie."""
    browser = app.test_client()
    assert attempt(browser, email, PASSWORD)[0] == 302
    browser.post_form("/logout", {}, token_from="/me")
    assert browser.get("/me").status_code == 302
    return browser


def messages(page: str) -> list[str]:
    """The error messages a sign-in page shows."""
    return re.findall(r'class="(?:field-error|form-errors)"[^>]*>(.*?)</', page, re.S)


def events(action: str, email: str) -> list[AuditEvent]:
    return [e for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                          .order_by(AuditEvent.id))
            if (e.after or {}).get("email") == email]


@given(st.integers(min_value=0, max_value=10_000))
def test_the_delay_grows_and_is_capped(app, failures):
    with app.app_context():
        delay = throttle.delay_after(failures)
        assert timedelta(0) <= delay <= timedelta(seconds=app.config["SIGN_IN_MAX_DELAY_SECONDS"])
        assert throttle.delay_after(failures + 1) >= delay
        assert (delay == timedelta(0)) == (failures < app.config["SIGN_IN_FREE_FAILURES"])


def test_failures_from_elsewhere_do_not_slow_the_owners_browser(app, client, org):
    with freeze_time(START) as clock:
        owner = trusted_browser(app, org.emp.email)
        attacker = browser_at(app, ATTACKER)
        assert fail_counted(attacker, org.emp.email, 10, clock) == WAITS[:10]

        status, wait, _ = attempt(attacker, org.emp.email, PASSWORD)
        assert status == 429 and wait == 160  # the untrusted client is the one that waits
        status, _, _ = attempt(owner, org.emp.email, PASSWORD, fresh=False)
        assert status == 302 and owner.get("/me").status_code == 200


def test_a_new_browser_meets_a_growing_delay_reported_truthfully(app, client, org):
    with freeze_time(START) as clock:
        attacker = browser_at(app, ATTACKER)
        fail_counted(attacker, org.emp.email, 10, clock)

        status, wait, body = attempt(client, org.emp.email, PASSWORD)
        assert (status, wait) == (429, 160)
        assert f"{SLOWED}. Try again in 2 minutes and 40 seconds" in body
        assert client.get("/me").status_code == 302  # the right password is not even checked

        clock.tick(timedelta(seconds=120))
        status, wait, body = attempt(client, org.emp.email, PASSWORD)
        assert (status, wait) == (429, 40) and "Try again in 40 seconds" in body

        clock.tick(timedelta(seconds=40))  # the wait is over: one more failure doubles it
        status, wait, body = attempt(client, org.emp.email)
        assert (status, wait) == (429, 300) and BAD_LOGIN in body and "5 minutes" in body
        clock.tick(timedelta(seconds=300))
        assert fail_counted(client, org.emp.email, 1, clock) == [300]  # capped
        clock.tick(timedelta(seconds=300))

        assert attempt(client, org.emp.email, PASSWORD)[0] == 302
        assert attempt(client, org.emp.email)[:2] == (422, None)  # the success reset the count


def test_attempts_during_the_wait_do_not_stretch_it(app, client, org):
    with freeze_time(START) as clock:
        fail_counted(client, org.emp.email, 5, clock)
        clock.tick(timedelta(seconds=5))
        attempt(client, org.emp.email)  # the 6th failure: the next attempt waits 10 s
        for elapsed in range(1, 10):
            clock.tick(timedelta(seconds=1))
            assert attempt(client, org.emp.email)[:2] == (429, 10 - elapsed)
        clock.tick(timedelta(seconds=1))
        assert attempt(client, org.emp.email, PASSWORD)[0] == 302


def test_failures_with_the_device_cookie_count_against_that_browser_only(app, client, org):
    with freeze_time(START) as clock:
        owner = trusted_browser(app, org.emp.email)
        waits: list[int | None] = []
        for _ in range(6):
            clock.tick(timedelta(seconds=waits[-1] or 0 if waits else 0))
            waits.append(attempt(owner, org.emp.email, fresh=False)[1])
        assert waits == WAITS[:6]
        assert attempt(owner, org.emp.email, PASSWORD, fresh=False)[:2] == (429, 10)
        # The account-wide count did not move: any other browser signs in at once.
        assert attempt(client, org.emp.email, PASSWORD)[0] == 302
    trusted = [e.after["trusted_device"] for e in events("auth.login_failed", org.emp.email)]
    assert trusted == [True] * 7


def test_a_device_cookie_vouches_only_for_its_own_account(app, client, org):
    with freeze_time(START) as clock:
        browser = trusted_browser(app, org.mgr.email)  # trusted for the manager, not emp
        fail_counted(browser_at(app, ATTACKER), org.emp.email, 10, clock)
        assert attempt(browser, org.emp.email, PASSWORD, fresh=False)[:2] == (429, 160)
        name = app.config["DEVICE_COOKIE_NAME"]
        client._cookies.clear()
        value = browser.get_cookie(name, path="/login").value
        cut = value.rindex(".") + 1  # the signature's first character carries all its bits
        altered = value[:cut] + ("A" if value[cut] != "A" else "B") + value[cut + 1:]
        client.set_cookie(name, altered, path="/login")  # altered: the signature fails
        assert attempt(client, org.mgr.email, "wrong", fresh=False)[0] == 422
        assert events("auth.login_failed", org.mgr.email)[-1].after["trusted_device"] is False


def test_the_device_cookie_is_httponly_long_lived_and_scoped_to_sign_in(app, client, org):
    response = client.login(org.emp.email, PASSWORD)
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie")
                 if c.startswith(app.config["DEVICE_COOKIE_NAME"] + "=")]
    assert "HttpOnly" in cookie and "Path=/login" in cookie and "SameSite=Lax" in cookie
    assert f"Max-Age={app.config['DEVICE_COOKIE_DAYS'] * 86400}" in cookie


def test_an_unknown_address_is_slowed_the_same_way(app, client, org):
    """The wait tells nothing about whether an account exists."""
    with freeze_time(START) as clock:
        wait = None
        for expected in [*WAITS[:8], 40]:  # the last attempt comes during the 40-second wait
            clock.tick(timedelta(seconds=wait or 0))
            known = attempt(client, org.emp.email)
            unknown = attempt(client, "nobody@acmetest.test")
            assert known[:2] == unknown[:2] and known[1] == expected
            assert messages(known[2]) and messages(known[2]) == messages(unknown[2])
            wait = known[1] if expected != 40 else None
    (first, *_), = [events("auth.login_failed", "nobody@acmetest.test")]
    assert first.company_id is None and first.target_id is None


def test_failures_are_forgotten_an_hour_after_the_last(app, client, org):
    with freeze_time(START) as clock:
        fail_counted(client, org.emp.email, 4, clock)
        clock.tick(timedelta(minutes=app.config["SIGN_IN_FORGET_MINUTES"], seconds=1))
        # a failure of another address lets the purge run: the forgotten row goes
        fail_counted(client, "someone.else@acmetest.test", 1, clock)
        assert fail_counted(client, org.emp.email, 4, clock) == [None] * 4  # counted afresh
        assert fail_counted(client, org.emp.email, 1, clock) == [5]


def test_slowing_one_account_leaves_the_others_alone(app, client, org):
    with freeze_time(START) as clock:
        fail_counted(client, org.emp.email, 10, clock)
        assert attempt(client, org.mgr.email, PASSWORD)[0] == 302


def test_every_step_is_audited(app, client, org):
    with freeze_time(START) as clock:
        fail_counted(client, org.emp.email, 5, clock)
        attempt(client, org.emp.email, PASSWORD)  # inside the 5-second wait
        clock.tick(timedelta(seconds=5))
        attempt(client, org.emp.email, PASSWORD)
    failed = events("auth.login_failed", org.emp.email)
    assert [(e.after["reason"], e.after.get("wait_seconds")) for e in failed] == [
        ("bad_credentials", None)] * 4 + [("bad_credentials", 5), ("slowed_down", 5)]
    assert all((e.target_type, e.target_id, e.company_id) == ("Person", org.emp.id, org.a.id)
               for e in failed)
    assert [e.actor_id for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.login",
                                 AuditEvent.target_id == org.emp.id))] == [org.emp.id]


@pytest.mark.parametrize(("seconds", "words"), [
    (1, "1 second"), (40, "40 seconds"), (60, "1 minute"), (61, "1 minute and 1 second"),
    (160, "2 minutes and 40 seconds"), (300, "5 minutes"), (0, "1 second"),
])
def test_waits_are_said_in_words(seconds, words):
    assert wait_in_words(seconds) == words
