from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

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
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
