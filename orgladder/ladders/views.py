from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..access import Permission, has_permission, requires
from .axis import years_axis
from .service import list_ladders
from .versions import latest_versions, published

bp = Blueprint("ladders", __name__)


@bp.get("/ladders")
@requires(Permission.VIEW_LADDER)
def index():
    ladders = list_ladders(current_user)
    latest = latest_versions([ladder.id for ladder in ladders])
    if not has_permission(current_user, Permission.MANAGE_LADDERS):
        ladders = [ladder for ladder in ladders if ladder.id in latest]
    return render_template("ladders/index.html", ladders=ladders, latest=latest)


@bp.get("/ladders/<int:ladder_id>")
@requires(Permission.VIEW_LADDER)
def show(ladder_id: int):
    """Everyone reads the latest published version; the draft stays in the studio."""
    shown = published(current_user, ladder_id)
    return render_template("ladders/show.html", view=shown.view, version=shown.version,
                           ladder_id=ladder_id,
                           axis=years_axis(shown.view.tracks) if shown.view else None)
