"""Rate limits on sign-in and password change, in memory and in Redis."""

from __future__ import annotations

import uuid

import pytest
import redis

from orgladder import create_app

from .conftest import Client

REDIS_URL = "redis://127.0.0.1:6379/0"


def limited_app(database_url: str, storage: str):
    app = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": storage,
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # no counts left from other runs
        "LOGIN_RATE_LIMIT": "3 per minute",
        "PASSWORD_RATE_LIMIT": "2 per minute",
    })
    app.test_client_class = Client
    return app


def attempt(client, email: str):
    return client.post_form("/login", {"email": email, "password": "wrong password"})


@pytest.mark.parametrize("storage", ["memory://", REDIS_URL])
def test_sign_in_is_limited(database_url, storage):
    if storage.startswith("redis"):
        redis.Redis.from_url(storage).ping()  # the Redis of CI must be there: fail, never skip
    client = limited_app(database_url, storage).test_client()
    statuses = [attempt(client, "someone@example.test").status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    page = attempt(client, "someone@example.test")
    assert "Too many attempts" in page.get_data(as_text=True)
    assert "Retry-After" in page.headers


def test_redis_limits_hold_across_workers(database_url):
    """Two app instances (two workers) sharing Redis share one count."""
    first = limited_app(database_url, REDIS_URL)
    second = create_app("testing", {**first.config, "SQLALCHEMY_DATABASE_URI": database_url})
    second.test_client_class = Client
    a, b = first.test_client(), second.test_client()
    assert [attempt(a, "x@example.test").status_code for _ in range(2)] == [422, 422]
    assert attempt(b, "x@example.test").status_code == 422
    assert attempt(b, "x@example.test").status_code == 429


def test_limits_are_off_in_the_rest_of_the_suite(client):
    assert all(attempt(client, "y@example.test").status_code == 422 for _ in range(12))
