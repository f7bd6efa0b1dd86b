from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..access import Permission, requires
from .service import ladder_view, list_ladders

bp = Blueprint("ladders", __name__)


@bp.get("/ladders")
@requires(Permission.VIEW_LADDER)
def index():
    return render_template("ladders/index.html", ladders=list_ladders(current_user))


@bp.get("/ladders/<int:ladder_id>")
@requires(Permission.VIEW_LADDER)
def show(ladder_id: int):
    return render_template("ladders/show.html", view=ladder_view(current_user, ladder_id))
