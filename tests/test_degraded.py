"""A dependency's failure degrades, never breaks: Redis down leaves sign-in and the API
working and /healthz saying so; an import whose worker died reads as interrupted."""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import threading
import time
import uuid

import pytest
import redis
from flask_migrate import upgrade

from orgladder import create_app, redis_link
from orgladder.extensions import db
from orgladder.people import progress

from .factories import PASSWORD, build_org, make_token
from .test_people_import import batch_of, csv_bytes, new_team, upload

REDIS_URL = "redis://127.0.0.1:6379/0"


class ClosableProxy:
    """A TCP proxy to the real Redis that the test can close, as a Redis restart, a failover
    or a network partition would: connections made through it then fail."""

    def __init__(self, target=("127.0.0.1", 6379)):
        self.target = target
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.open = True
        self.links: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.open:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.open:  # accepted while closing: refuse it as a dead Redis would
                client.close()
                return
            upstream = socket.create_connection(self.target)
            self.links += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.close()

    def close(self):
        self.open = False
        with contextlib.suppress(OSError):  # wakes the accept() blocked in the thread
            self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        for link in self.links:
            with contextlib.suppress(OSError):
                link.shutdown(socket.SHUT_RDWR)
                link.close()


@pytest.fixture
def proxy():
    redis.Redis.from_url(REDIS_URL).ping()  # CI's Redis must be there: fail, never skip
    made = ClosableProxy()
    yield made
    made.close()


@pytest.fixture
def redis_app(tmp_path, proxy):
    """A production-like app (limits on, Redis for limits and progress) on its own SQLite."""
    url = f"redis://127.0.0.1:{proxy.port}/0"
    app = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'degraded.db'}",
        "REDIS_URL": url, "RATELIMIT_STORAGE_URI": url, "RATELIMIT_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}})
    with app.app_context():
        upgrade()
        org = build_org()
        secret = make_token(org.hr)
        db.session.commit()
        email = org.hr.email
    yield app, email, secret
    with app.app_context():
        db.engine.dispose()


def csrf_token(client) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                     client.get("/login").get_data(as_text=True)).group(1)


def sign_in_and_call(app, email, secret):
    client = app.test_client()
    signed_in = client.post("/login", data={"csrf_token": csrf_token(client), "email": email,
                                            "password": PASSWORD})
    api = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    return signed_in, api


@pytest.mark.no_transaction
def test_redis_down_degrades_sign_in_api_and_health(redis_app, proxy, caplog):
    app, email, secret = redis_app
    signed_in, api = sign_in_and_call(app, email, secret)
    assert signed_in.status_code == 302 and api.status_code == 200
    assert "X-RateLimit-Limit" in api.headers  # the limits are counted, in Redis
    health = app.test_client().get("/healthz")
    assert health.status_code == 200
    assert health.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}

    proxy.close()  # Redis goes away
    caplog.set_level(logging.WARNING)
    started = time.perf_counter()
    signed_in, api = sign_in_and_call(app, email, secret)
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[:500]
    assert api.status_code == 200
    assert "X-RateLimit-Limit" in api.headers  # still limited, now in this process's memory
    health = app.test_client().get("/healthz")
    assert health.status_code == 200
    assert health.get_json() == {"status": "degraded", "database": "ok", "redis": "down"}
    assert time.perf_counter() - started < 10
    warnings = " ".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
    assert "falling back to in-memory storage" in warnings
    assert "Redis is unreachable" in warnings


@pytest.mark.no_transaction
def test_limits_still_hold_while_redis_is_down(redis_app, proxy):
    app, email, _ = redis_app
    proxy.close()
    client = app.test_client()
    token = csrf_token(client)
    statuses = [client.post("/login", data={"csrf_token": token, "email": email,
                                            "password": "wrong"}).status_code
                for _ in range(12)]
    assert statuses[-1] == 429  # LOGIN_RATE_LIMIT: 10 per minute, counted in memory


def test_healthz_says_the_database_is_down_with_503(tmp_path):
    broken = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing-dir/nope.db",
        "REDIS_URL": "redis://127.0.0.1:1/0"})
    health = broken.test_client().get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "unavailable", "database": "down", "redis": "down"}


def test_the_redis_link_answers_the_default_and_logs_an_outage_once(caplog):
    link = redis_link.RedisLink("redis://127.0.0.1:1/0", "dead")
    caplog.set_level(logging.WARNING)
    assert link.call("read", lambda r: r.get("x"), "default") == "default"
    assert link.call("read", lambda r: r.get("x"), "default") == "default"
    assert link.is_up() is False
    assert sum("unreachable" in r.getMessage() for r in caplog.records) == 1


# --- an import whose worker died --------------------------------------------------------


@pytest.fixture
def moved_clock(monkeypatch):
    """The progress module's clock, moved forward by ``moved_clock.by(seconds)``."""
    offset = [0.0]
    monkeypatch.setattr(progress, "clock", lambda: time.time() + offset[0])

    class Clock:
        @staticmethod
        def by(seconds: float) -> None:
            offset[0] += seconds

    return Clock


@pytest.fixture(params=["memory", "redis"])
def store(request, app, monkeypatch):
    if request.param == "memory":
        made = progress.MemoryProgress()
    else:
        redis.Redis.from_url(REDIS_URL).ping()
        made = progress.RedisProgress(REDIS_URL, f"test-{uuid.uuid4().hex}")
    monkeypatch.setitem(app.extensions, progress.EXTENSION, made)
    return made


def test_a_killed_import_reads_as_interrupted_within_a_minute(client, org, store, moved_clock):
    client.login(org.hr.email)
    batch_id = batch_of(upload(client, csv_bytes(new_team(org))))
    store.report(batch_id, 3, 7, "Granting roles")  # the last figure of a worker then killed
    status = f"/people/import/{batch_id}/status"
    assert client.get(status).get_json()["status"] == "applying"

    moved_clock.by(progress.STALE_SECONDS - 5)  # a slow phase, heartbeats still due
    assert client.get(status).get_json()["status"] == "applying"
    moved_clock.by(10)  # no heartbeat for longer than STALE_SECONDS: the worker is gone
    answer = client.get(status).get_json()
    assert answer["status"] == "interrupted"
    assert "nothing was changed" in answer["phase"] and "run it again" in answer["phase"]
    page = client.get(f"/people/import/{batch_id}").get_data(as_text=True)
    assert "was interrupted. Nothing was changed" in page

    # Nothing was applied, so it can be run again; then it is applied and says so.
    client.post_form(f"/people/import/{batch_id}/confirm", token_from=f"/people/import/{batch_id}")
    assert client.get(status).get_json()["status"] == "applied"


def test_the_heartbeat_keeps_a_long_import_applying(app, store, moved_clock):
    with app.app_context(), progress.Applying(store, 4242, interval=0.01) as report:
        report(1, 9, "Writing people")
        moved_clock.by(progress.STALE_SECONDS * 3)  # a phase far longer than the bound
        deadline = time.time() + 5
        while store.read(4242).is_stale() and time.time() < deadline:
            time.sleep(0.01)
        figure = store.read(4242)
        assert not figure.is_stale() and figure.phase == "Writing people"
    assert store.read(4242) is None  # cleared when the block ends
