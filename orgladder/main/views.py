from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .. import redis_link
from ..access import Permission, public, requires
from ..extensions import db
from .home import home_context

bp = Blueprint("main", __name__)


@bp.get("/")
@requires(Permission.VIEW_SELF)
def home():
    return render_template("main/home.html", **home_context(current_user))


@bp.get("/healthz")
@public
def healthz():
    """For load balancers and monitoring: 503 when the database does not answer (nothing
    works without it); 200 otherwise, "degraded" while Redis is down (the app carries on
    without it: orgladder.redis_link)."""
    redis = redis_link.health()
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="down", redis=redis), 503
    return jsonify(status="degraded" if redis == "down" else "ok", database="ok", redis=redis)
