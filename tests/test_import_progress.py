"""The import progress bar's figures are shared through Redis, so any worker can answer a poll."""

from __future__ import annotations

import uuid

import pytest
import redis

from orgladder import create_app
from orgladder.extensions import db
from orgladder.people import progress
from orgladder.people.models import ImportBatch

from .test_people_import import batch_of, csv_bytes, new_team, upload

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def prefix():
    redis.Redis.from_url(REDIS_URL).ping()  # CI's Redis must be there: fail, never skip
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture
def redis_progress(app, monkeypatch, prefix):
    """Switch the suite's app to Redis-backed progress, as REDIS_URL does in production."""
    store = progress.RedisProgress(REDIS_URL, prefix)
    monkeypatch.setitem(app.extensions, progress.EXTENSION, store)
    return store


def other_worker(prefix):
    """A second app instance, as another gunicorn worker or host would be."""
    worker = create_app("testing", {"REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix})
    return worker.extensions[progress.EXTENSION]


def test_app_uses_redis_when_configured(prefix):
    assert isinstance(other_worker(prefix), progress.RedisProgress)
    assert isinstance(create_app("testing", {"REDIS_URL": None}).extensions[progress.EXTENSION],
                      progress.MemoryProgress)


def test_another_worker_sees_the_import_progress(client, org, redis_progress, prefix,
                                                 monkeypatch):
    seen_elsewhere = []
    elsewhere = other_worker(prefix)
    report = redis_progress.report

    def report_and_look(batch_id, done, total, phase):
        report(batch_id, done, total, phase)
        seen_elsewhere.append(elsewhere.read(batch_id))

    monkeypatch.setattr(redis_progress, "report", report_and_look)
    client.login(org.hr.email)
    batch_id = batch_of(upload(client, csv_bytes(new_team(org))))
    client.post_form(f"/people/import/{batch_id}/confirm", token_from=f"/people/import/{batch_id}")

    phases = [seen[2] for seen in seen_elsewhere]
    assert "Recording levels" in phases and phases[-1] == "3 people written"
    assert all(seen[1] == seen_elsewhere[0][1] for seen in seen_elsewhere)  # one total
    assert elsewhere.read(batch_id) is None  # cleared once applied


def test_status_reads_the_shared_figure(client, org, redis_progress, prefix):
    client.login(org.hr.email)
    batch_id = batch_of(upload(client, csv_bytes(new_team(org))))
    other_worker(prefix).report(batch_id, 3, 7, "Granting roles")
    status = client.get(f"/people/import/{batch_id}/status").get_json()
    assert status == {"status": "applying", "done": 3, "total": 7, "phase": "Granting roles"}


def test_an_unreachable_redis_costs_the_figure_not_the_import(client, org, app, monkeypatch):
    dead = progress.RedisProgress("redis://127.0.0.1:1/0", "dead")
    monkeypatch.setitem(app.extensions, progress.EXTENSION, dead)
    client.login(org.hr.email)
    batch_id = batch_of(upload(client, csv_bytes(new_team(org))))
    assert client.get(f"/people/import/{batch_id}/status").get_json()["phase"] == "Waiting"
    client.post_form(f"/people/import/{batch_id}/confirm", token_from=f"/people/import/{batch_id}")
    assert db.session.get(ImportBatch, batch_id).status == "applied"


def test_the_page_script_is_told_where_to_go_and_the_message_waits(client, org):
    client.login(org.hr.email)
    batch_id = batch_of(upload(client, csv_bytes(new_team(org))))
    answer = client.post(f"/people/import/{batch_id}/confirm",
                         data={"csrf_token": client.csrf_token(f"/people/import/{batch_id}")},
                         headers={"Accept": "application/json"})
    location = answer.get_json()["location"]
    assert location == f"/people/import/{batch_id}"
    assert "Import applied: 3 added" in client.get(location).get_data(as_text=True)
