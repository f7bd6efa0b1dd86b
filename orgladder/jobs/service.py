"""Reading and retrying failed jobs: HR of the whole company only, as a job's work (a level
change, a mail) may concern anyone in it."""

from __future__ import annotations

from sqlalchemy import select

from .. import audit
from ..access import Permission, company_wide, has_permission
from ..errors import NotAllowed
from ..extensions import db, utcnow
from ..people.models import Person
from ..tenancy import get_in_company_or_404
from . import enqueue_after_commit
from .models import JobFailure

SHOWN = 200  # the most recent failures the page lists


def check_operator(actor: Person) -> None:
    if not (has_permission(actor, Permission.VIEW_AUDIT) and company_wide(actor)):
        raise NotAllowed("Only HR for the whole company sees the failed jobs.")


def failures_for(actor: Person) -> list[JobFailure]:
    check_operator(actor)
    return list(db.session.scalars(
        select(JobFailure).where(JobFailure.company_id == actor.company_id)
        .order_by(JobFailure.failed_at.desc(), JobFailure.id.desc()).limit(SHOWN)))


def retry_failure(actor: Person, failure_id: int) -> JobFailure:
    """Queue the failed job again once this retry is committed, and note who asked."""
    check_operator(actor)
    failure = get_in_company_or_404(JobFailure, failure_id, actor)
    failure.retried_at = utcnow()
    failure.retried_by = actor
    audit.record(actor, "job.retry", failure, after={"job": failure.job})
    enqueue_after_commit(failure.job, company_id=failure.company_id, **failure.arguments)
    return failure
