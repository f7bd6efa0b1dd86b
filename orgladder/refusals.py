"""Refused authorizations are answered with 403 and written to the audit log.

Every 403, whatever refused it (``access.enforce``, a view's scope check or a service's
``NotAllowed``), leaves an ``access.denied`` event. The request's own work is discarded first
and the event is committed on its own, so a refusal is recorded even though nothing else of
the request is.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from . import audit
from .errors import NotAllowed
from .extensions import db

log = logging.getLogger(__name__)

# URL parameters that name the object a refused request was about.
TARGETS = {"person_id": "Person", "ladder_id": "Ladder", "batch_id": "ImportBatch",
           "entry_id": "CalibrationEntry", "session_id": "CalibrationSession",
           "cycle_id": "CalibrationCycle", "calibration_id": "CalibrationCycle"}


def _target(view_args: dict) -> tuple[str | None, int | None]:
    for key, kind in TARGETS.items():
        if key in view_args:
            return kind, view_args[key]
    return None, None


def record_refusal(response: Response) -> Response:
    if response.status_code != 403:
        return response
    actor = current_user if current_user and current_user.is_authenticated else None
    try:
        db.session.rollback()
        event = audit.record(
            actor, "access.denied", None,
            after={"method": request.method, "path": request.path[:500],
                   "endpoint": request.endpoint, "reason": g.get("refusal")},
            company_id=actor.company_id if actor else None)
        event.target_type, event.target_id = _target(request.view_args or {})
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("could not record a refused request to %s", request.path)
    return response


def register_refusal_audit(app: Flask) -> None:
    from .errorpages import render_error

    @app.errorhandler(NotAllowed)
    def not_allowed(error: NotAllowed):
        g.refusal = error.message
        return render_error(403, error.message)

    app.after_request(record_refusal)
