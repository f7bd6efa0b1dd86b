"""HR's page of failed jobs, each with a retry button."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from ..access import Permission, requires
from ..extensions import db
from .service import failures_for, retry_failure

bp = Blueprint("jobs", __name__)


@bp.get("/jobs")
@requires(Permission.VIEW_AUDIT)
def index():
    return render_template("jobs/index.html", failures=failures_for(current_user))


@bp.post("/jobs/<int:failure_id>/retry")
@requires(Permission.VIEW_AUDIT)
def retry(failure_id: int):
    failure = retry_failure(current_user, failure_id)
    db.session.commit()
    flash(f"The job {failure.label} is queued again.", "success")
    return redirect(url_for("jobs.index"))
