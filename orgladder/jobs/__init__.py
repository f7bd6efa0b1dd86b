"""Background jobs seen from the app: ``enqueue_after_commit(job, ...)``.

A job runs only once the transaction that asked for it has committed (never for a rolled-back
change), on the backend ``JOBS_BACKEND`` names: RQ on Redis (``flask --app wsgi worker``), or in
this process right after the commit (the embedded default). Jobs are functions declared with
``@job``; their keyword arguments travel as JSON-like values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

from ..extensions import db
from .backends import make_backend
from .registry import job, lookup
from .transactional import Pending

EXTENSION = "orgladder.jobs"

__all__ = ["enqueue_after_commit", "init_app", "job", "lookup", "submit"]


def submit(job_function: Callable[..., None] | str, *, company_id: int | None = None,
           **arguments: Any) -> None:
    """Hand a job to the backend now (for work whose cause is committed already)."""
    name = job_function if isinstance(job_function, str) else job_function.job_name
    lookup(name)  # an unknown job fails here, at the caller, not later in a worker
    current_app.extensions[EXTENSION].submit(name, arguments, company_id)


def _submit_all(items: list[tuple[str, dict[str, Any], int | None]]) -> None:
    for name, arguments, company_id in items:
        submit(name, company_id=company_id, **arguments)


_JOBS = Pending("jobs", _submit_all)


def enqueue_after_commit(job_function: Callable[..., None] | str, *,
                         company_id: int | None = None, **arguments: Any) -> None:
    """Run ``job_function(**arguments)`` once the current transaction commits; nothing if it
    rolls back. ``company_id`` says whose work it is (HR sees its failure)."""
    name = job_function if isinstance(job_function, str) else job_function.job_name
    lookup(name)
    _JOBS.add(db.session(), (name, arguments, company_id))


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = make_backend(app)
