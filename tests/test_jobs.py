"""The job layer: a job runs only after its transaction commits, on either backend; failures
are kept for HR and never break the request; Redis down degrades to in-process."""

from __future__ import annotations

import logging
import uuid
from datetime import date

import pytest
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import select

from config import ConfigError, load_config
from orgladder.extensions import db
from orgladder.jobs import EXTENSION, enqueue_after_commit, job
from orgladder.jobs.backends import RQBackend
from orgladder.jobs.models import JobFailure
from orgladder.jobs.schedule import claim
from orgladder.notifications.models import Notification
from orgladder.people.service import assign_level

from .factories import levels_of
from .mail_server import text_of

CALLS: list[str] = []
FAIL = {"times": 0}


@job
def remember(value: str) -> None:
    CALLS.append(value)


@job
def flaky(value: str) -> None:
    """Fails while FAIL["times"] is above zero, then remembers."""
    if FAIL["times"] > 0:
        FAIL["times"] -= 1
        raise RuntimeError(f"not yet: {value}")
    CALLS.append(value)


@pytest.fixture(autouse=True)
def _fresh_calls():
    CALLS.clear()
    FAIL["times"] = 0


def failures() -> list[JobFailure]:
    db.session.expire_all()
    return list(db.session.scalars(select(JobFailure).order_by(JobFailure.id)))


def test_a_job_waits_for_the_commit(ctx):
    enqueue_after_commit(remember, value="committed")
    db.session.flush()
    assert CALLS == []
    db.session.commit()
    assert CALLS == ["committed"]


def test_a_rolled_back_transaction_runs_no_job(ctx):
    enqueue_after_commit(remember, value="rolled back")
    db.session.rollback()
    db.session.commit()
    assert CALLS == []


def test_a_released_savepoint_waits_for_the_outer_commit(ctx):
    with db.session.begin_nested():
        enqueue_after_commit(remember, value="inner")
    assert CALLS == []
    db.session.commit()
    assert CALLS == ["inner"]


def test_a_rolled_back_savepoint_drops_only_its_own_jobs(ctx):
    enqueue_after_commit(remember, value="before")
    savepoint = db.session.begin_nested()
    enqueue_after_commit(remember, value="inside")
    savepoint.rollback()
    enqueue_after_commit(remember, value="after")
    db.session.commit()
    assert CALLS == ["before", "after"]


def test_an_unknown_job_is_refused_where_it_is_asked_for(ctx):
    with pytest.raises(LookupError):
        enqueue_after_commit("orgladder.nothing.here", value=1)


def test_an_inline_failure_is_kept_and_never_breaks_the_caller(org, caplog):
    FAIL["times"] = 1
    enqueue_after_commit(flaky, company_id=org.a.id, value="x")
    with caplog.at_level(logging.ERROR):
        db.session.commit()  # does not raise
    [failure] = failures()
    assert failure.job.endswith(".flaky") and failure.arguments == {"value": "x"}
    assert failure.company_id == org.a.id and "RuntimeError: not yet: x" in failure.error
    assert "flaky failed" in caplog.text


def test_hr_sees_a_failure_and_retries_it(client, org):
    FAIL["times"] = 1
    enqueue_after_commit(flaky, company_id=org.a.id, value="again")
    db.session.commit()
    [failure] = failures()
    client.login(org.hr.email)
    page = client.get("/jobs").get_data(as_text=True)
    assert "flaky" in page and "RuntimeError: not yet: again" in page
    response = client.post_form(f"/jobs/{failure.id}/retry", token_from="/jobs")
    assert response.status_code == 302
    assert CALLS == ["again"]
    [failure] = failures()
    assert failure.retried_by_id == org.hr.id
    assert "retried" in client.get("/jobs").get_data(as_text=True)


def test_a_scoped_hr_does_not_see_the_companys_failed_jobs(client, org):
    from .test_notifications import scoped_hr

    partner = scoped_hr(org)
    client.login(partner.email)
    assert client.get("/jobs").status_code == 403
    assert client.get("/outbox").status_code == 403


# --- the RQ backend, against the Redis on 127.0.0.1 -------------------------------------------

@pytest.fixture
def rq_backend(app, monkeypatch):
    """The app queues on a queue of its own in the local Redis; yields a function running the
    queued jobs with a SimpleWorker in this process (burst mode)."""
    redis_url = "redis://127.0.0.1:6379/0"
    Redis.from_url(redis_url).ping()  # an unreachable Redis is an error, never a skip
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "rq")
    monkeypatch.setitem(app.config, "JOBS_QUEUE", f"test-{uuid.uuid4().hex}")
    monkeypatch.setitem(app.config, "JOBS_RETRIES", 2)
    monkeypatch.setitem(app.config, "JOBS_RETRY_INTERVALS", [0, 0])  # retry at once
    backend = RQBackend(app)
    monkeypatch.setitem(app.extensions, EXTENSION, backend)

    def work() -> None:
        SimpleWorker([backend.queue], connection=backend.connection).work(
            burst=True, with_scheduler=False)

    yield backend, work
    backend.queue.empty()
    backend.queue.delete()


def test_rq_mode_delivers_a_level_change_through_the_queue(org, smtp, rq_backend):
    backend, work = rq_backend
    assign_level(org.mgr, org.emp, levels_of(org.a)["P3"], date(2027, 1, 1), "Queued")
    db.session.commit()
    assert backend.queue.count == 1  # dispatch waits for a worker
    assert smtp.to(org.emp.email) == []
    work()  # dispatch, which queues the email, which the same burst sends
    db.session.expire_all()
    note = db.session.scalars(select(Notification).where(
        Notification.recipient_id == org.emp.id).order_by(Notification.id.desc())).first()
    assert note.title.startswith("Your level is P3") and note.emailed_at is not None
    [mail] = smtp.to(org.emp.email)
    assert mail["Subject"] == note.title and "http://127.0.0.1:5000/me" in text_of(mail)


def test_rq_retries_a_failing_job_then_succeeds(org, rq_backend):
    _, work = rq_backend
    FAIL["times"] = 2
    enqueue_after_commit(flaky, company_id=org.a.id, value="third time")
    db.session.commit()
    work()
    assert CALLS == ["third time"] and failures() == []


def test_rq_keeps_a_job_that_fails_every_retry(org, rq_backend):
    _, work = rq_backend
    FAIL["times"] = 10
    enqueue_after_commit(flaky, company_id=org.a.id, value="never")
    db.session.commit()
    work()
    [failure] = failures()
    assert failure.attempts == 3 and "never" in failure.error


def test_smtp_down_is_retried_and_the_notification_stays_in_app(org, smtp, rq_backend):
    _, work = rq_backend
    smtp.refuse = True
    assign_level(org.mgr, org.emp, levels_of(org.a)["P3"], date(2027, 1, 1), "Mail is down")
    db.session.commit()
    work()
    [failure] = failures()
    assert failure.job.endswith("send_notification") and failure.attempts == 3
    db.session.expire_all()
    note = db.session.get(Notification, failure.arguments["notification_id"])
    assert note.emailed_at is None and note.read_at is None  # still on the bell
    smtp.refuse = False
    from orgladder.jobs import submit

    submit(failure.job, company_id=failure.company_id, **failure.arguments)
    work()
    assert len(smtp.to(org.emp.email)) == 1


def test_redis_down_runs_the_job_here_with_a_warning(app, ctx, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.extensions, EXTENSION, RQBackend(app))
    enqueue_after_commit(remember, value="degraded")
    with caplog.at_level(logging.WARNING):
        db.session.commit()
    assert CALLS == ["degraded"]
    assert "Redis refused job" in caplog.text


# --- configuration and the schedule's claims --------------------------------------------------

def test_the_backend_follows_redis_unless_overridden(monkeypatch):
    monkeypatch.delenv("JOBS_BACKEND", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert load_config("development")["JOBS_BACKEND"] == "rq"
    assert load_config("testing")["JOBS_BACKEND"] == "inline"
    monkeypatch.setenv("JOBS_BACKEND", "inline")
    assert load_config("development")["JOBS_BACKEND"] == "inline"
    monkeypatch.delenv("REDIS_URL")
    monkeypatch.delenv("JOBS_BACKEND")
    assert load_config("development")["JOBS_BACKEND"] == "inline"
    monkeypatch.setenv("JOBS_BACKEND", "rq")
    with pytest.raises(ConfigError, match="needs REDIS_URL"):
        load_config("development")
    monkeypatch.setenv("JOBS_BACKEND", "celery")
    with pytest.raises(ConfigError, match="rq or inline"):
        load_config("development")


def test_a_claim_is_taken_once(ctx):
    assert claim("test:once") is True
    assert claim("test:once") is False
    db.session.commit()
    assert claim("test:once") is False
    assert claim("test:other") is True
