"""Where jobs run: on an RQ queue in Redis, or in this process right after the commit.

``perform`` is the one place a job is run, whichever backend: in a fresh app context (so a
session of its own), committed on success; on its last attempt, a failure is kept in
``job_failures`` for HR. The queue retries with backoff before that; the in-process backend has
no one to wait for it, so its first failure is the last (HR can retry it from /jobs).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, get_current_job

from ..extensions import db
from .models import JobFailure
from .registry import lookup

log = logging.getLogger(__name__)
ERROR_MAX = 4000  # characters of an error kept on its failure row


def _app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()
    from .. import create_app  # a bare `rq worker` process: build the app once

    global _worker_app
    if _worker_app is None:
        _worker_app = create_app()
    return _worker_app


_worker_app: Flask | None = None


def perform(name: str, arguments: dict[str, Any], company_id: int | None = None) -> None:
    """Run the job ``name``; raise on failure (the queue decides whether to retry)."""
    app = _app()
    with app.app_context():
        try:
            lookup(name)(**arguments)
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            queued = get_current_job()
            if queued is None or not queued.retries_left:
                attempts = 1 if queued is None else 1 + app.config["JOBS_RETRIES"]
                record_failure(name, arguments, company_id, error, attempts)
            raise


def record_failure(name: str, arguments: dict[str, Any], company_id: int | None,
                   error: BaseException, attempts: int) -> None:
    try:
        db.session.add(JobFailure(company_id=company_id, job=name, arguments=arguments,
                                  error=f"{type(error).__name__}: {error}"[:ERROR_MAX],
                                  attempts=attempts))
        db.session.commit()
    except Exception:  # the database itself is failing: the log is all that is left
        db.session.rollback()
        log.exception("could not keep the failure of job %s %r", name, arguments)


class InlineBackend:
    """Runs each job at once, in this process; a failure is logged and kept, never raised."""

    def submit(self, name: str, arguments: dict[str, Any], company_id: int | None) -> None:
        try:
            perform(name, arguments, company_id)
        except Exception:
            log.exception("job %s failed; it is listed on /jobs for a retry", name)


class RQBackend:
    """Queues jobs on Redis for ``flask worker``; without Redis, runs them here instead."""

    def __init__(self, app: Flask):
        self.connection = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2,
                                         socket_timeout=5)
        self.queue = Queue(app.config["JOBS_QUEUE"], connection=self.connection)
        retries, intervals = app.config["JOBS_RETRIES"], app.config["JOBS_RETRY_INTERVALS"]
        self.retry = Retry(max=retries, interval=intervals[:retries]) if retries else None
        self.timeout = app.config["JOBS_TIMEOUT_SECONDS"]
        self.fallback = InlineBackend()

    def submit(self, name: str, arguments: dict[str, Any], company_id: int | None) -> None:
        try:
            self.queue.enqueue(perform, name, arguments, company_id, retry=self.retry,
                               job_timeout=self.timeout, failure_ttl=7 * 24 * 3600)
        except RedisError as error:
            # The change is committed: doing its work now, slower, beats losing it.
            log.warning("Redis refused job %s (%s); running it in this process", name, error)
            self.fallback.submit(name, arguments, company_id)


def make_backend(app: Flask) -> InlineBackend | RQBackend:
    return RQBackend(app) if app.config["JOBS_BACKEND"] == "rq" else InlineBackend()
