from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..access import Permission, requires
from .axis import years_axis
from .visibility import visible_ladder, visible_ladders

bp = Blueprint("ladders", __name__)


@bp.get("/ladders")
@requires(Permission.VIEW_LADDER)
def index():
    return render_template("ladders/index.html", ladders=visible_ladders(current_user))


@bp.get("/ladders/<int:ladder_id>")
@requires(Permission.VIEW_LADDER)
def show(ladder_id: int):
    """Everyone reads the latest published version; the draft stays in the studio."""
    shown = visible_ladder(current_user, ladder_id)
    return render_template("ladders/show.html", view=shown.view, version=shown.version,
                           ladder_id=ladder_id,
                           axis=years_axis(shown.view.tracks) if shown.view else None)
