"""Failed sign-ins per client address (``LOGIN_FAILURE_LIMIT``), in memory and in Redis: only
failures count, a company behind one address signs in all day, and the refusal says the real
wait."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from freezegun import freeze_time
from limits import parse_many

from config import load_config
from orgladder import create_app
from orgladder.auth import address_limit
from orgladder.extensions import db

from .conftest import Client
from .factories import PASSWORD, make_person

REDIS_URL = "redis://127.0.0.1:6379/0"
OFFICE = "198.51.100.7"


@pytest.fixture(params=["memory://", REDIS_URL])
def limited(request, app, database_url):
    """An app configured as in production, its rate limits on, sharing the test's rolled-back
    transaction (so the people a test builds are there, and nothing it writes stays)."""
    storage = request.param
    if storage.startswith("redis"):
        redis.Redis.from_url(storage).ping()  # the Redis of CI must be there: fail, never skip
    limited = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": None,
        "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": storage,
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # no counts left from other runs
        "LOGIN_FAILURE_LIMIT": load_config("testing")["LOGIN_FAILURE_LIMIT"],
    })
    limited.test_client_class = Client
    limited.storage = storage
    with app.app_context():
        connection = db.engines[None]  # the test's transaction (conftest._transaction)
    with limited.app_context():
        engines = db.engines
        engine, engines[None] = engines[None], connection
    yield limited
    with limited.app_context():
        db.session.remove()
        engines[None] = engine
        engine.dispose()


def frozen_now():
    """The clock stopped at the real time: the in-memory storage expires counts from a thread
    that freezegun leaves on the real clock, so a frozen clock far from it would see every
    count expire at once."""
    return freeze_time(datetime.now(UTC))


def at(app, address: str = OFFICE):
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def sign_in(browser, email: str, password: str):
    browser._cookies.clear()  # a new browser each time: no device cookie
    return browser.post_form("/login", {"email": email, "password": password})


def fail_from(browser, count: int) -> list[int]:
    """``count`` failed sign-ins with as many unknown addresses (no account is slowed)."""
    browser._cookies.clear()
    token = browser.csrf_token()
    return [browser.post("/login", data={"csrf_token": token, "password": "guess",
                                         "email": f"guess{n}@example.test"}).status_code
            for n in range(count)]


def test_the_figure_is_the_documented_one():
    (limit,) = parse_many(load_config("testing")["LOGIN_FAILURE_LIMIT"])
    assert (limit.amount, limit.get_expiry()) == (100, 15 * 60)


def test_sixty_sign_ins_from_one_address_in_an_hour_all_succeed(limited, org):
    """One office behind one NAT address: successes never count toward any limit."""
    people = [make_person(org.a, f"Office Worker {n}") for n in range(6)]
    office = at(limited)
    with frozen_now() as clock:
        statuses = []
        for n in range(60):
            statuses.append(sign_in(office, people[n % 6].email, PASSWORD).status_code)
            clock.tick(timedelta(seconds=59))
    assert statuses == [302] * 60


def test_at_the_limit_the_address_waits_and_is_told_the_truth(limited, org):
    (limit,) = parse_many(limited.config["LOGIN_FAILURE_LIMIT"])
    office, elsewhere = at(limited), at(limited, "192.0.2.44")
    with frozen_now() as clock:
        assert sign_in(office, org.emp.email, PASSWORD).status_code == 302  # not counted
        assert fail_from(office, limit.amount) == [422] * limit.amount
        clock.tick(timedelta(minutes=3))
        refused = sign_in(office, org.mgr.email, PASSWORD)
        assert refused.status_code == 429
        wait = int(refused.headers["Retry-After"])
        if limited.storage == "memory://":
            assert wait == 12 * 60  # the window opened at the first failure, 3 minutes ago
        assert 0 < wait <= 15 * 60
        body = refused.get_data(as_text=True)
        minutes, seconds = divmod(wait, 60)
        said = re.search(r"from your network\. Try again in ([^.<]+)\.", body).group(1)
        assert said == (f"{minutes} minutes" + (f" and {seconds} seconds" if seconds else "")
                        if minutes else f"{seconds} seconds")
        # Another address is not held back, and the count is per address.
        assert sign_in(elsewhere, org.mgr.email, PASSWORD).status_code == 302


def test_a_browser_with_its_device_cookie_is_not_held_to_the_address_limit(limited, org):
    (limit,) = parse_many(limited.config["LOGIN_FAILURE_LIMIT"])
    office = at(limited)
    owner = at(limited)
    with frozen_now():
        assert sign_in(owner, org.emp.email, PASSWORD).status_code == 302
        owner.post_form("/logout", {}, token_from="/me")
        fail_from(office, limit.amount)
        assert sign_in(office, org.emp.email, PASSWORD).status_code == 429
        again = owner.post_form("/login", {"email": org.emp.email, "password": PASSWORD})
        assert again.status_code == 302


@pytest.mark.parametrize("limited", [REDIS_URL], indirect=True)
def test_workers_share_one_count_through_redis(limited, org):
    """Process memory is per worker by design; Redis is what workers share."""
    limited.config["LOGIN_FAILURE_LIMIT"] = "3 per minute"
    office = at(limited)
    assert fail_from(office, 2) == [422, 422]
    limited.extensions.pop(address_limit.EXTENSION)  # the next request: another worker's
    assert fail_from(office, 1) == [422]
    assert sign_in(office, org.emp.email, PASSWORD).status_code == 429


def test_limits_are_off_in_the_rest_of_the_suite(client):
    assert fail_from(client, 120) == [422] * 120
